"""Grading with plain `nbgrader autograde` in a scratch course: the baseline the lesson tests and the grading
benchmark compare the course's grader with."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from autograder.course import (
    ROOT,
    generate_assignment,
    gradebook_url,
    kernel_on_unix_sockets,
    make_course,
    run_nbgrader,
    submission_notebook,
)
from autograder.gradebook import scores

CLASS_SECONDS = 1800  # one lesson's whole class, serially: 20 notebooks of up to a minute each, with margin


def autograde(lesson: str, submissions: dict[str, Path], workdir: Path, root: Path = ROOT,
              timeout: float | None = CLASS_SECONDS) -> dict[str, dict[str, float]]:
    """Grade each student's notebook file with `nbgrader autograde`; return {student: {grade_id: score}}.

    The scratch course under `workdir` gets the lesson's source (so nbgrader knows the test cells), a
    gradebook of its own, and submitted/<student>/<lesson>/<lesson>.ipynb for every submission.
    """
    course = make_course(workdir, [lesson], root)
    generate_assignment(lesson, course)
    for student, notebook in submissions.items():
        target = submission_notebook(student, lesson, course)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(notebook, target)
    with tempfile.TemporaryDirectory(prefix="nbgrader-ipc-") as sockets:  # short: see kernel_on_unix_sockets
        kernel_options = [f"--KernelManager.{name}={value}" for name, value in kernel_on_unix_sockets(Path(sockets)).items()]
        run_nbgrader(["autograde", lesson, "--create", "--force", *kernel_options], course,
                     timeout=timeout)
    return scores(gradebook_url(course), lesson, list(submissions))
