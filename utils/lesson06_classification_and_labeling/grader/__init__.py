"""Lesson 06, grader side: references, mistakes and checks of the graded exercises (absent when a learner is graded)."""
