"""Lesson 07, language models and generation: what it adds to the library.

Learner side:
    corpora     CPython's help text as character ids (train / validation / test), unigram and bigram baselines,
                SurnameVocab
    models      LockedDropout, ConditionedGenerator (a GRU CharLM, the learner's, conditioned on the language),
                detach
    generation  next-character distributions, exposure bias, scheduled sampling, dropout masks, surnames drawn with
                the learner's sampler
    units       text features and the cell-state units that track them
    training    bits per character, the character model's training loop (any CharLM-like class), the surname
                generators' (built on one)
    pretrained  the committed models (utils/trained/language_models.pt; `python -m utils.checkpoints 07`), loaded
                into the learner's CharLM; a one-character stepper bound to the committed weights
    explorers   GenerationPlayer, HiddenUnitExplorer
    checks      the visible tests' checks: ids and their frequencies, BPTT batches, the CharLM's layout and worked
                example (seeded weights, stored outputs), the training loop's contract
    worked_examples.json  the visible tests' worked examples as data (grader/worked_examples.py writes it)
Grader side (grader/): reference (LanguageModel, the reference CharLM; charlm_reference), mistakes (perplexity),
checks (samples, CharLM against the reference),
worked_examples (writes worked_examples.json).
"""
