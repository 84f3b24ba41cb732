"""The template course every submission's nbgrader run starts from (one per class, copied per submission)."""

from __future__ import annotations

from pathlib import Path

import nbformat

from autograder.course import ROOT, generate_assignment, lesson_notebook, make_course
from autograder.notebooks import graded_cells, read, without_hidden_tests


def prepare_template(lesson: str, workdir: Path, root: Path = ROOT) -> Path:
    """A scratch course whose gradebook knows the lesson's test cells, without their hidden parts.

    nbgrader restores test cells from this gradebook into the sandboxed kernel, so the kernel never holds a
    hidden test: nothing the learner's code prints can carry one into the feedback. Hidden tests run only in
    the grader's own process (autograder.verify).
    """
    course = make_course(workdir, [lesson], root)
    path = lesson_notebook(lesson, root=course)
    notebook = read(path)
    for cell in graded_cells(notebook).values():
        cell.source = without_hidden_tests(cell.source)
    nbformat.write(notebook, str(path))
    generate_assignment(lesson, course, release_folder=workdir / "release-unused")
    return course
