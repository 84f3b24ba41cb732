"""A synthetic class for lesson 01: correct, partial, wrong and broken submissions, with the scores they deserve."""

from __future__ import annotations

from pathlib import Path

import nbformat
from lesson01_variants import ALTERNATIVES, MUTANTS
from notebook_tools import with_solutions

from autograder.course import lesson_notebook
from autograder.notebooks import cells_by_id, read, solution_ids

LESSON = "01_rnn_cell"


def _release():
    return read(lesson_notebook(LESSON, "release"))


def _solutions():
    source = read(lesson_notebook(LESSON))
    cells = cells_by_id(source)
    return {g: cells[g].source for g in solution_ids(source)}


def synthetic_class(folder: Path, size: int = 20) -> dict[str, Path]:
    """Write `size` submissions into `folder`; {student: path}. Each student mixes correct, alternative and
    wrong answers in a pattern of its own, and a few are broken (syntax error, exception at import, empty)."""
    release, correct = _release(), _solutions()
    functions = list(correct)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for number in range(size):
        student = f"student{number:02d}"
        answers = {}
        for position, grade_id in enumerate(functions):
            choice = (number + position) % 4
            if choice == 0:
                answers[grade_id] = correct[grade_id]
            elif choice == 1:
                answers[grade_id] = list(ALTERNATIVES[grade_id].values())[number % len(ALTERNATIVES[grade_id])]
            elif choice == 2:
                answers[grade_id] = list(MUTANTS[grade_id].values())[number % len(MUTANTS[grade_id])]
            # choice 3: left as released (not answered)
        notebook = with_solutions(release, answers)
        path = folder / f"{student}.ipynb"
        if number == 3:
            notebook = with_solutions(release, {**answers, functions[0]: "def broken(:\n    pass"})
        if number == 7:
            notebook = with_solutions(release, {**answers, functions[1]: "raise ImportError('at import')"})
        if number == 11:
            path.write_text("")
            paths[student] = path
            continue
        nbformat.write(notebook, str(path))
        paths[student] = path
    return paths
