"""Lesson 08, encoder-decoder and attention: what it adds to the library.

Learner side:
    dates       dates and date intervals written as people write them, with their ISO 8601 forms (the task)
    training    decoded texts, exact match, character accuracy, accuracy against input length, the training loop
                (teacher forcing through the model's own forward; any model with the Seq2Seq contract, evaluated
                with a given decoder)
    pretrained  the committed date models (utils/trained/seq2seq_*.pt; `python -m utils.checkpoints 08`), loaded
                into a given Seq2Seq class (the learner's)
    explorers   draw_encoder_decoder, AttentionExplorer, TeacherForcingExplorer
    checks      the visible tests' checks: ValueError, attention weights' properties, the fixed context's one-hot
                weights, the Seq2Seq layout and worked examples (seeded weights; stored encode/decode_step/forward
                results at teacher-forcing ratios 1 and 0, tokens and beams)
    worked_examples.json  the visible tests' worked examples as data (grader/worked_examples.py writes it)
Grader side (grader/): reference (the Seq2Seq contract and reference model with scheduled sampling, additive and
dot attention in torch, corpus BLEU, greedy decoding, beam search, sequence log-probabilities), mistakes (one
function per graded exercise), checks (Seq2Seq, its scheduled sampling replayed step by step, and beams against the
reference), worked_examples (writes worked_examples.json).
"""
