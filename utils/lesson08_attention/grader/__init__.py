"""Lesson 08, grader side: the references, mistakes and checks of the graded exercises (absent when a learner is
graded). TRAINING_OPTIONS: `python -m utils.checkpoints 08` trains the committed models with the reference Seq2Seq
and greedy decoder (the lesson's RETRAIN flag uses the learner's own)."""

from utils.lesson08_attention.grader.reference import Seq2Seq, greedy_decode

TRAINING_OPTIONS = {name: {"model_class": Seq2Seq, "decode": greedy_decode}
                    for name in ("seq2seq_dates", "seq2seq_teacher_forcing")}
