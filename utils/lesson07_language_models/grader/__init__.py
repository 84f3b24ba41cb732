"""Lesson 07, grader side: the reference CharLM, the mistakes and the checks of the graded exercises (absent when a
learner is graded). TRAINING_OPTIONS: `python -m utils.checkpoints 07` trains the committed character model with
the reference CharLM (the lesson's RETRAIN flag uses the learner's own)."""

from utils.lesson07_language_models.grader.reference import LanguageModel

TRAINING_OPTIONS = {"language_models": {"char_lm": LanguageModel}}
