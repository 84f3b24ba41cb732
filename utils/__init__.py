"""The course library: a shared core and one package per lesson.

The rule (checked by tests/utils/test_import_rules.py on every module here):
- the core (the modules directly in utils/) never imports a lesson package;
- a lesson package imports the core and EARLIER lessons only (lesson 06 may import lesson 04, never 07);
- learner-side code (anything outside a `grader` package) never imports a `grader` package, of any lesson;
- a lesson's grader side may import the core, its own learner side and earlier lessons (either side).
What two or more lessons use belongs to the core; what one lesson adds stays in its package, whose docstring lists
it; a later lesson that builds on it imports it from there (lesson 05 trains lesson 04's adding-problem models).
Grader side (`utils/lessonNN_name/grader/`) is what only the tests use: the catalogues of named mistakes and the
references that only test cells need. Notebook setup cells import the learner side; only a test cell's hidden part
imports the grader side. What a visible test needs of it is stored as data on the learner side (worked_examples.json,
see checks.worked_example), so a lesson's visible tests run without it (as in the student bundle). The grading sandbox
hides every grader/ folder from the learner's process. The torch twins that the explorers and experiments use to say
"this matches torch" are learner side (torch is there for the learner anyway). No module here contains a numpy
solution of a graded exercise: answers live only in source/.

Core:
    checks       test-cell assertions with messages that name the likely mistake (expect_close, expect_array, ...);
                 worked_example: a visible test's fixed inputs with the correct output and the named mistakes' outputs,
                 stored as data (lessonNN_name/worked_examples.json) by the lesson's grader/worked_examples.py
    plots        the one palette (PALETTE), the four wirings (WIRINGS), figures and drawing primitives
    widgets      the live-figure family (LiveFigure, Explorer, TimelinePlayer, BlitFigure) and the learner-call guard
    models       torch conversion (to_torch, to_numpy, DTYPE), parameter counts, valid_mask, the run record Run,
                 seeded_weights (a worked example's fixed weights by parameter name)
    checkpoints  the one mechanism behind every committed model (`python -m utils.checkpoints LESSON` retrains)
    data         generated sequences, the adding problem, faker's surnames, CPython's help text as a corpus
    env          the one-line environment check
    trained/     the committed checkpoints

Lessons (learner side; grader/ holds reference, mistakes and checks where a lesson has them):
    lesson01_rnn_cell             torch_rnn, drawings, explorers
    lesson02_bptt                 torch_bptt, training, drawings, explorers
    lesson03_vanishing_gradients  torch_jacobians, checks, long_lag, explorers
    lesson04_lstm                 torch_lstm, adding, pretrained, drawings, explorers
    lesson05_gru                  torch_gru, drawings, explorers
    lesson06_classification_and_labeling  tasks, models, training, pretrained, explorers, checks
    lesson07_language_models      corpora, models, generation, units, training, pretrained, explorers, checks
    lesson08_attention            dates, training, pretrained, explorers, checks
"""
