"""Every lesson's own test cells, run in-process against plausible wrong and differently written correct solutions.

Each lesson NN has tests/lessonNN_variants.py with MUTANTS, ALTERNATIVES, WRONG and VISIBLE_MESSAGES. Every mutant
must fail at least one test cell of its function; every alternative must pass all of them. Real `nbgrader
autograde` of combined submissions is in test_lesson_grading.py.
"""

import importlib

import pytest
from conftest import LESSONS, ROOT, solved
from notebook_tools import grading_cells_of, run_cells

from autograder.notebooks import cells_by_id, read, solution_ids


def variants(lesson: str):
    return importlib.import_module(f"lesson{lesson[:2]}_variants")


def _source(lesson):
    return read(ROOT / "source" / lesson / f"{lesson}.ipynb")


def _failing_test_cells(lesson, grade_id, code):
    notebook = _source(lesson)
    cells = cells_by_id(notebook)
    namespace = run_cells([code], solved(lesson))
    failures = []
    for test_id in grading_cells_of(notebook, grade_id):
        try:
            run_cells([cells[test_id].source], namespace)
        except Exception as error:  # any exception in a test cell costs its points under nbgrader
            failures.append(f"{test_id}: {type(error).__name__}: {error}")
    return failures


def _cases(kind):
    return [(lesson, grade_id, name) for lesson in LESSONS
            for grade_id, entries in getattr(variants(lesson), kind).items() for name in entries]


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_graded_function_has_six_mutants_and_two_alternatives(lesson):
    module = variants(lesson)
    for grade_id in solution_ids(_source(lesson)):
        assert grade_id in module.MUTANTS and grade_id in module.ALTERNATIVES and grade_id in module.WRONG, grade_id
        if not grade_id.startswith("checkpoint_"):
            assert len(module.MUTANTS[grade_id]) >= 6, grade_id
        assert len(module.ALTERNATIVES[grade_id]) >= 2, grade_id


@pytest.mark.parametrize("lesson,grade_id,name", _cases("MUTANTS"))
def test_mutant_loses_points(lesson, grade_id, name):
    failures = _failing_test_cells(lesson, grade_id, variants(lesson).MUTANTS[grade_id][name])
    assert failures, f"the mutant '{name}' of {grade_id} passed every test cell"


@pytest.mark.parametrize("lesson,grade_id,name", _cases("ALTERNATIVES"))
def test_alternative_keeps_full_marks(lesson, grade_id, name):
    failures = _failing_test_cells(lesson, grade_id, variants(lesson).ALTERNATIVES[grade_id][name])
    assert not failures, failures


@pytest.mark.parametrize("lesson", LESSONS)
def test_reference_solutions_pass_their_tests(lesson):
    source = _source(lesson)
    for grade_id in solution_ids(source):
        assert not _failing_test_cells(lesson, grade_id, cells_by_id(source)[grade_id].source), grade_id


@pytest.mark.parametrize("lesson,grade_id,name", [(lesson, g, n) for lesson in LESSONS
                                                  for g, n in variants(lesson).VISIBLE_MESSAGES])
def test_visible_tests_name_the_mistake(lesson, grade_id, name):
    module = variants(lesson)
    failures = _failing_test_cells(lesson, grade_id, module.MUTANTS[grade_id][name])
    visible = [f for f in failures if f.startswith(f"test_{grade_id}:")]
    assert visible and module.VISIBLE_MESSAGES[(grade_id, name)] in visible[0], failures
