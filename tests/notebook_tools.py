"""Test and benchmark helpers for lesson notebooks: swap solution cells, build small notebooks, run cells in this
process, and build a lesson's explorers. The grader never runs learner code like this (see autograder.verify)."""

from __future__ import annotations

import contextlib
import io

import nbformat
from nbgrader.utils import is_grade

from autograder.notebooks import cells_by_id, grade_id, solution_ids


def with_solutions(notebook, replacements: dict[str, str]):
    """A copy of `notebook` whose solution cells named in `replacements` hold the given code."""
    copy = nbformat.from_dict(notebook)
    for cell in copy.cells:
        if grade_id(cell) in replacements:
            cell.source = replacements[grade_id(cell)]
    return copy


def grading_cells_of(notebook, function: str) -> list[str]:
    """grade_ids of the graded test cells of `function` (test_<function> and test_<function>_...)."""
    return [grade_id(c) for c in notebook.cells if is_grade(c)
            and (grade_id(c) == f"test_{function}" or grade_id(c).startswith(f"test_{function}_"))]


def run_cells(sources: list[str], namespace: dict | None = None) -> dict:
    """exec each source in one namespace (like one kernel), stdout captured; exceptions propagate."""
    namespace = {"__name__": "__lesson__"} if namespace is None else namespace
    with contextlib.redirect_stdout(io.StringIO()):
        for source in sources:
            exec(compile(source, "<cell>", "exec"), namespace)
    return namespace


def notebook_from_cells(setup: str, solutions: dict[str, str], tests: dict[str, str], points: int = 1):
    """A minimal lesson notebook: a setup cell, solution cells and graded test cells, by grade_id."""
    def cell(source, grade_id, **flags):
        node = nbformat.v4.new_code_cell(source)
        node.metadata["nbgrader"] = {"grade_id": grade_id, "schema_version": 3, "locked": not flags.get("solution"),
                                     "solution": False, "grade": False, "task": False, **flags}
        return node

    cells = [cell(setup, "setup")]
    cells += [cell(source, grade_id, solution=True) for grade_id, source in solutions.items()]
    cells += [cell(source, grade_id, grade=True, points=points) for grade_id, source in tests.items()]
    return nbformat.v4.new_notebook(cells=cells)


def explorer_cells(notebook) -> dict[str, str]:
    """{grade_id: source} of the cells that build a lesson's interactive explorers (grade_id 'explorer_...')."""
    return {grade_id(c): c.source for c in notebook.cells if (grade_id(c) or "").startswith("explorer_")}


def build_explorer(source: str, namespace: dict):
    """The explorer an explorer cell displays: the value of its expression, evaluated in `namespace`."""
    return eval(compile(source.strip(), "<explorer cell>", "eval"), namespace)


def solved_namespace(notebook) -> dict:
    """The namespace after the setup cell and every solution cell have run, as after Run All in a kernel.

    A solution cell that raises NotImplementedError (an unanswered release cell) is skipped, as a kernel would.
    """
    cells = cells_by_id(notebook)
    namespace = run_cells([cells["setup"].source])
    for solution_id in solution_ids(notebook):
        try:
            run_cells([cells[solution_id].source], namespace)
        except NotImplementedError:
            pass
    return namespace
