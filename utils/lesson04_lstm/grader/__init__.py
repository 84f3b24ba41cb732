"""Grader side of the lesson: imported only by test cells and tests; the grading sandbox hides this folder."""
