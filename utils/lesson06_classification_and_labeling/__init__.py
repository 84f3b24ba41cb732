"""Lesson 06, sequence classification and labeling: what it adds to the library.

Learner side:
    tasks       the surnames (language of a name) and word boundaries in CPython's help text without spaces
    models      CharClassifier (bidirectional in the learner's BiRNN), CharTagger, EncoderClassifier (around the
                learner's BiRNN), BagOfCharacters, masked_max, and float64 helpers that look inside the tagger
    training    seeded training loops, accuracy, boundary F1, the majority and bag-of-characters baselines
    pretrained  the committed classifiers and taggers (utils/trained/labeling.pt; `python -m utils.checkpoints 06`),
                the committed tagger's packed states
    explorers   ArchitectureExplorer (four wirings, bidirectional, stacked) and BoundaryExplorer
    checks      the visible tests' checks: BiRNN's (outputs, final) contract, its layer's weights by torch's names,
                the BiRNN worked example (seeded weights, stored outputs)
    worked_examples.json  the visible tests' worked examples as data (grader/worked_examples.py writes it)
Grader side (grader/): reference (torch references of reverse_padded, last_hidden, masked_mean and of BiRNN through
torch's own layers; the reference BiRNN that `python -m utils.checkpoints 06` trains the classifier in), mistakes
(one function per graded exercise), checks (padded test data, check_birnn), worked_examples (writes
worked_examples.json).
"""
