"""Every explorer: each control, moved programmatically, changes the picture; no callback raises; an
unfinished or broken exercise gives one line of status instead of a traceback."""

import numpy as np
import pytest
from conftest import LESSONS, ROOT, solved
from notebook_tools import build_explorer, explorer_cells

from autograder.notebooks import read
from utils.lesson01_rnn_cell import explorers
from utils.widgets import LearnerCodeNotReady, call_learner

EXPLORERS = [explorers.CellExplorer, explorers.SequencePlayer]
EXPLORER_CELLS = [(lesson, grade_id) for lesson in LESSONS
                  for grade_id in explorer_cells(read(ROOT / "source" / lesson / f"{lesson}.ipynb"))]


def _other_value(control):
    if hasattr(control, "options"):
        return [option for option in control.options if option != control.value][0]
    return control.max if control.value != control.max else control.min


def _explorer(lesson, grade_id, kind):
    notebook = read(ROOT / kind / lesson / f"{lesson}.ipynb")
    return build_explorer(explorer_cells(notebook)[grade_id], solved(lesson, kind))


def test_every_lesson_has_explorers():
    assert {lesson for lesson, _ in EXPLORER_CELLS} == set(LESSONS)


@pytest.mark.parametrize("lesson,grade_id", EXPLORER_CELLS)
def test_each_control_changes_the_figure(lesson, grade_id):
    explorer = _explorer(lesson, grade_id, "source")
    explorer.update()
    assert explorer.ready and explorer.status.value == ""
    for name, control in explorer.controls.items():
        before = explorer.live.image.value
        explorer.set(**{name: _other_value(control)})
        assert explorer.live.image.value != before, f"moving {name} did not change the figure"
        assert explorer.ready and explorer.status.value == ""


@pytest.mark.parametrize("lesson,grade_id", EXPLORER_CELLS)
def test_unimplemented_exercise_says_so_in_one_line(lesson, grade_id):
    explorer = _explorer(lesson, grade_id, "release")
    explorer.update()
    for name, control in explorer.controls.items():
        explorer.set(**{name: _other_value(control)})
    assert not explorer.ready
    assert "Implement " in explorer.status.value and "\n" not in explorer.status.value
    assert explorer.live.image.value  # the figure is still drawn


@pytest.mark.parametrize("explorer_class", EXPLORERS)
def test_broken_exercise_reports_the_error_and_recovers(explorer_class, lesson01_solved):
    state = {"broken": True}

    def rnn_cell_forward(x_t, h_prev, W_x, W_h, b):
        if state["broken"]:
            return np.zeros((7, 7))
        return lesson01_solved["rnn_cell_forward"](x_t, h_prev, W_x, W_h, b)

    explorer = explorer_class(rnn_cell_forward)
    explorer.update()
    assert not explorer.ready and "shape (7, 7)" in explorer.status.value
    state["broken"] = False
    explorer.set(**{name: _other_value(control) for name, control in list(explorer.controls.items())[-1:]})
    assert explorer.ready and explorer.status.value == ""


def test_call_learner_turns_problems_into_one_line():
    def not_yet():
        raise NotImplementedError()

    def broken():
        raise ValueError("matmul: shapes (1,2) and (3,3)\nsecond line")

    with pytest.raises(LearnerCodeNotReady, match="Implement not_yet"):
        call_learner(not_yet)
    with pytest.raises(LearnerCodeNotReady, match=r"broken raised ValueError: matmul: shapes \(1,2\) and \(3,3\)$"):
        call_learner(broken)
    with pytest.raises(LearnerCodeNotReady, match="shape"):
        call_learner(lambda: np.zeros(3), shape=(1, 3))
    assert call_learner(lambda: [[1.0, 2.0]], shape=(1, 2)).dtype == np.float64
