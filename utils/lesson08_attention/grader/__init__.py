"""Lesson 08, grader side: the references, mistakes and checks of the graded exercises (absent when a learner is
graded). TRAINING_OPTIONS: `python -m utils.checkpoints 08` trains the committed models with the reference Seq2Seq
and greedy decoder, and the teacher-forcing ratios below 1 with the scheduled sampling here (the lesson's RETRAIN
flag uses the learner's own Seq2Seq and greedy_decode)."""

from utils.lesson08_attention.grader.reference import Seq2Seq, greedy_decode, scheduled_sampling_logits

TRAINING_OPTIONS = {"seq2seq_dates": {"model_class": Seq2Seq, "decode": greedy_decode},
                    "seq2seq_teacher_forcing": {"model_class": Seq2Seq, "decode": greedy_decode,
                                                "sampled_logits": scheduled_sampling_logits}}
