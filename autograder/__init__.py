"""The course's grading tool (`python -m autograder ...`), built on nbgrader.

Commands so far:
    release [LESSON ...] [--check]   regenerate release/ from source/ (or only check that they agree)
"""
