"""Lesson 01's own test cells, run in-process against plausible wrong and differently written correct solutions.

Every mutant must fail at least one test cell of its function; every alternative must pass all of them.
Real `nbgrader autograde` of combined submissions is in test_lesson01_grading.py.
"""

import pytest
from lesson01_variants import ALTERNATIVES, MUTANTS

from autograder.notebooks import cells_by_id, grading_cells_of, run_cells, solution_ids


def _failing_test_cells(notebook, solved, grade_id, code):
    cells = cells_by_id(notebook)
    namespace = run_cells([code], dict(solved))
    failures = []
    for test_id in grading_cells_of(notebook, grade_id):
        try:
            run_cells([cells[test_id].source], namespace)
        except Exception as error:  # any exception in a test cell costs its points under nbgrader
            failures.append(f"{test_id}: {type(error).__name__}: {error}")
    return failures


def test_every_graded_function_has_six_mutants_and_two_alternatives(lesson01_source):
    for grade_id in solution_ids(lesson01_source):
        assert grade_id in MUTANTS and grade_id in ALTERNATIVES, grade_id
        if not grade_id.startswith("checkpoint_"):
            assert len(MUTANTS[grade_id]) >= 6, grade_id
        assert len(ALTERNATIVES[grade_id]) >= 2, grade_id


@pytest.mark.parametrize("grade_id,name", [(g, n) for g, variants in MUTANTS.items() for n in variants])
def test_mutant_loses_points(lesson01_source, lesson01_solved, grade_id, name):
    failures = _failing_test_cells(lesson01_source, lesson01_solved, grade_id, MUTANTS[grade_id][name])
    assert failures, f"the mutant '{name}' of {grade_id} passed every test cell"


@pytest.mark.parametrize("grade_id,name", [(g, n) for g, variants in ALTERNATIVES.items() for n in variants])
def test_alternative_keeps_full_marks(lesson01_source, lesson01_solved, grade_id, name):
    failures = _failing_test_cells(lesson01_source, lesson01_solved, grade_id, ALTERNATIVES[grade_id][name])
    assert not failures, failures


def test_reference_solutions_pass_their_tests(lesson01_source, lesson01_solved):
    for grade_id in solution_ids(lesson01_source):
        code = cells_by_id(lesson01_source)[grade_id].source
        assert not _failing_test_cells(lesson01_source, lesson01_solved, grade_id, code), grade_id


VISIBLE_MESSAGES = {
    ("rnn_cell_forward", "ignores h_prev"): "ignores h_prev",
    ("rnn_cell_forward", "missing bias"): "ignores the bias b",
    ("rnn_cell_forward", "W_h not transposed"): "W_h is used untransposed",
    ("rnn_cell_forward", "sigmoid for tanh"): "sigmoid",
    ("rnn_cell_forward", "no nonlinearity"): "pre-activation",
    ("linear_output", "missing bias"): "ignores the bias b_y",
    ("softmax", "always the last axis"): "axis",
    ("softmax", "not normalised"): "not normalised",
    ("rnn_param_count", "two cell biases"): "two cell biases",
}


@pytest.mark.parametrize("grade_id,name", list(VISIBLE_MESSAGES))
def test_visible_tests_name_the_mistake(lesson01_source, lesson01_solved, grade_id, name):
    failures = _failing_test_cells(lesson01_source, lesson01_solved, grade_id, MUTANTS[grade_id][name])
    visible = [f for f in failures if f.startswith(f"test_{grade_id}:")]
    assert visible and VISIBLE_MESSAGES[(grade_id, name)] in visible[0], failures
