"""The course library that every lesson imports.

Modules:
    reference  torch modules as the reference implementations, and weight conversion to the numpy layout
    checks     assertions for test cells, with messages that name the likely mistake
    mistakes   the catalogue of likely mistakes per graded function, computed with torch
    plots      matplotlib drawings: cells, unrolled graphs, wirings, term bars, activation curves
    widgets    the live-figure family: Explorer, TimelinePlayer, and the learner-call guard
    explorers  the lesson widgets built from that family
    training   training with a learner's own BPTT, truncated BPTT, a torch twin run; torch models on the adding problem
    pretrained the small adding-problem models the course trained itself (`python -m utils.pretrained` retrains)
    data       small generated sequences, the adding problem, faker's surnames, CPython's help text as a corpus
    env        the one-line environment check
    sequences  lesson 06: padding/masking/packing references, surname and word-boundary tasks, models, training
    pretrained_labeling  lesson 06's committed classifiers and taggers (`python -m utils.pretrained_labeling`)
    labeling_explorers   lesson 06's forward/backward-states explorer
    architectures        the architecture explorer (four wirings, bidirectional, stacked), lesson 06 and notebooks/
    language             lesson 07: the python-docs corpus and vocabulary, baselines, the course's character and
                         surname models, exposure bias, unit features, and its test-cell checks
    pretrained_language  lesson 07's committed models (`python -m utils.pretrained_language` retrains)
    language_explorers   lesson 07's generation player and hidden-unit explorer
    dates                lesson 08: dates and date intervals written as people write them, with their ISO 8601 forms
    seq2seq              lesson 08: the torch encoder-decoder reference, decoding references, training, scoring
    pretrained_seq2seq   lesson 08's committed date models (`python -m utils.pretrained_seq2seq` retrains)
    attention_explorers  lesson 08's attention-heatmap and teacher-forcing explorers

No module here contains a numpy solution of a graded exercise: answers live only in source/.
"""
