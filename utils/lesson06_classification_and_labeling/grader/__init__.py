"""Lesson 06, grader side: references, mistakes and checks of the graded exercises (absent when a learner is graded).
TRAINING_OPTIONS: `python -m utils.checkpoints 06` trains the bidirectional classifier in the reference BiRNN (the
lesson's RETRAIN flag uses the learner's own); `--only boundary_crf` decodes with the reference viterbi."""

from utils.lesson06_classification_and_labeling.grader.reference import BiRNN, viterbi

TRAINING_OPTIONS = {"labeling": {"birnn": BiRNN}, "boundary_crf": {"viterbi": viterbi}}
