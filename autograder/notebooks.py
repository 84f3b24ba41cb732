"""Lesson notebooks as the grader sees them: cells by nbgrader grade_id, test cells, and their hidden parts.

Which cell is what comes from nbgrader's own predicates (nbgrader.utils.is_grade, is_solution); the grade_id
is read here and nowhere else.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbgrader.utils import is_grade, is_solution

HIDDEN = re.compile(r"[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?", re.S)
HIDDEN_PLACEHOLDER = "# (hidden tests ran here when your notebook was graded)\n"


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def grade_id(cell) -> str | None:
    """The cell's nbgrader grade_id; None for a plain cell (or metadata that is not nbgrader's: a tampered one)."""
    metadata = cell.get("metadata", {}).get("nbgrader")
    return metadata.get("grade_id") if isinstance(metadata, dict) else None


def cells_by_id(notebook) -> dict[str, nbformat.NotebookNode]:
    return {grade_id(cell): cell for cell in notebook.cells if grade_id(cell)}


def solution_ids(notebook) -> list[str]:
    return [grade_id(c) for c in notebook.cells if is_solution(c)]


def graded_cells(notebook) -> dict[str, nbformat.NotebookNode]:
    """{grade_id: cell} of the graded test cells, in notebook order. Use on a lesson's source only: a learner's
    copy of these cells is never trusted."""
    return {grade_id(c): c for c in notebook.cells if is_grade(c)}


def max_scores(source) -> dict[str, float]:
    """{grade_id: points} of a lesson's test cells."""
    return {identifier: float(cell.metadata.nbgrader.points) for identifier, cell in graded_cells(source).items()}


def without_hidden_tests(source: str) -> str:
    """A test cell's source with each hidden-test region replaced by a one-line placeholder."""
    return HIDDEN.sub(HIDDEN_PLACEHOLDER, source)


def has_hidden_tests(source: str) -> bool:
    return HIDDEN.search(source) is not None
