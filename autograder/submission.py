"""Grading one submission (in a grading process); it never raises for a bad submission.

1. read the notebook file; one that is not a notebook gets zero, a flag and feedback that says why;
2. scan the learner's code for what the instructor may want to look at (autograder.scan);
3. nbgrader autograde with the kernel in the sandbox (autograder.in_kernel), in a copy of the template course:
   the learner's outputs for the feedback, and in-kernel scores;
4. the trusted run (autograder.verify): the lesson's test cells in the grader's process, against the learner's
   functions in sandboxed processes forked from this process's zygotes (autograder.zygotes), one without torch
   for the numpy-only exercises and, if the lesson has torch exercises, one with it (autograder.exercises);
5. the scores: the trusted verdicts, checked against the in-kernel ones (autograder.reconcile);
6. the feedback notebook (autograder.feedback).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import nbformat

from autograder.course import ROOT, lesson_notebook, submission_notebook
from autograder.exercises import declared
from autograder.feedback import feedback_notebook, source_stub
from autograder.in_kernel import autograde_in_kernel
from autograder.notebooks import graded_cells, has_hidden_tests, max_scores, read
from autograder.options import Options
from autograder.reconcile import reconcile
from autograder.result import Result
from autograder.safe_feedback import nbgrader_from_source
from autograder.scan import suspicious_code
from autograder.zygotes import zygotes_for


def _unreadable(result: Result, source, error: Exception) -> Result:
    result.flags.append(f"not a readable notebook ({type(error).__name__}): zero points")
    result.notes.append("Your file could not be read as a Jupyter notebook, so nothing could be graded.")
    result.messages = {g: "the notebook could not be read" for g in result.max_scores}
    result.feedback = feedback_notebook(source_stub(source), source, result)
    return result


def _run_in_kernel(lesson: str, student: str, submission, template: Path, scratch: Path, source,
                   options: Options, result: Result, zygotes: dict):
    """nbgrader's run in a copy of the template; the autograded notebook, or None (with a flag) if it failed."""
    course = scratch / "course"
    shutil.copytree(template, course)
    target = submission_notebook(student, lesson, course)
    target.parent.mkdir(parents=True)
    nbformat.write(submission, str(target))
    keep = {zygote.process.pid for zygote in zygotes.values() if zygote.process}
    try:
        result.in_kernel, autograded = autograde_in_kernel(lesson, student, course, scratch, options, keep)
        return autograded
    except TimeoutError:
        result.flags.append(f"the notebook ran over {options.submission_timeout} s in the kernel")
        result.notes.append(f"Your notebook did not finish within {options.submission_timeout} s.")
    except Exception as error:  # nbgrader could not finish: the trusted run still grades
        result.flags.append(str(error) if isinstance(error, RuntimeError) else
                            f"nbgrader failed: {type(error).__name__}: {error}")
        result.notes.append("Your notebook stopped the grading kernel before the end (for example by "
                            "exiting the process, crashing it, or using too much memory).")
    return None


def grade_one(lesson: str, student: str, path: Path, template: Path | None, options: Options,
              root: Path = ROOT) -> Result:
    """Grade one submission file; see the module docstring.

    `template` is a course from autograder.template.prepare_template (needed when options.in_kernel); the test
    cells, hidden ones included, come from the source/ of `root`.
    """
    from autograder.verify import run_trusted

    started = time.monotonic()
    source = read(lesson_notebook(lesson, root=root))
    points = max_scores(source)
    kinds = declared(lesson, source)
    result = Result(student, {g: 0.0 for g in points}, points)
    try:
        submission = nbformat.read(str(path), as_version=4)
        nbformat.validate(submission)
    except Exception as error:  # empty, truncated, not JSON, not a notebook
        _unreadable(result, source, error)
        result.seconds = time.monotonic() - started
        return result

    nbgrader_from_source(submission, source)  # tampered nbgrader metadata neither breaks nbgrader nor counts
    result.flags += suspicious_code(submission)
    autograded = None
    zygotes = zygotes_for(source, options, kinds.values())
    with tempfile.TemporaryDirectory(prefix=f"grade-{student}-") as scratch:
        if options.in_kernel:
            autograded = _run_in_kernel(lesson, student, submission, template, Path(scratch), source, options, result,
                                        zygotes)
        trusted = run_trusted(source, submission, zygotes, options.cell_timeout, kinds)
    result.flags += trusted.events
    # the kernel ran these cells without their hidden parts: its pass says nothing about the hidden checks
    partly_hidden = {g for g, cell in graded_cells(source).items() if has_hidden_tests(cell.source)}
    verdicts = reconcile(points, trusted.verdicts, result.in_kernel, partly_hidden)
    result.scores, result.messages = verdicts.scores, verdicts.messages
    result.flags += verdicts.flags
    result.feedback = feedback_notebook(autograded or submission, source, result)
    result.seconds = time.monotonic() - started
    return result
