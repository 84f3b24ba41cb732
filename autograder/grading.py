"""Grading with nbgrader's own autograde, in a scratch course directory, and reading scores from its gradebook."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from nbgrader.api import Gradebook

from autograder.course import ROOT, make_course, run_nbgrader


def autograde(lesson: str, submissions: dict[str, Path], workdir: Path, root: Path = ROOT,
              timeout: float | None = 1800) -> dict[str, dict[str, float]]:
    """Grade each student's notebook file with `nbgrader autograde`; return {student: {grade_id: score}}.

    The scratch course under `workdir` gets the lesson's source (so nbgrader knows the test cells), a
    gradebook of its own, and submitted/<student>/<lesson>/<lesson>.ipynb for every submission.
    """
    course = make_course(workdir, [lesson], root)
    run_nbgrader(["generate_assignment", lesson, "--force"], course)
    for student, notebook in submissions.items():
        target = course / "submitted" / student / lesson
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(notebook, target / f"{lesson}.ipynb")
    # The kernels listen on unix sockets in a folder of this run's own: nbgrader runs side by side (or next to a
    # Jupyter server) never race for one TCP port ("Address already in use", seen when two graded at once).
    with tempfile.TemporaryDirectory(prefix="nbgrader-ipc-") as sockets:  # short: socket paths max out at 107 bytes
        run_nbgrader(["autograde", lesson, "--create", "--force", "--KernelManager.transport=ipc",
                      f"--KernelManager.ip={sockets}/kernel"], course, timeout=timeout)
    return scores(course, lesson, list(submissions))


def scores(course: Path, lesson: str, students: list[str]) -> dict[str, dict[str, float]]:
    """{student: {grade_id: score}} for one lesson, from the course's gradebook."""
    result = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in students:
            submission = gradebook.find_submission(lesson, student)
            result[student] = {grade.name: float(grade.score) for notebook in submission.notebooks
                               for grade in notebook.grades}
    return result

