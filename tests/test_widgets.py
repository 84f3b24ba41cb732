"""Every explorer: each control, moved programmatically, changes the picture; no callback raises; an
unfinished or broken exercise gives one line of status instead of a traceback."""

import numpy as np
import pytest
from conftest import LESSONS, ROOT, solved
from notebook_tools import build_explorer, explorer_cells

from autograder.notebooks import read
from utils import explorers

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


def test_cell_explorer_flags_a_wrong_cell(lesson01_solved):
    def rnn_cell_forward(x_t, h_prev, W_x, W_h, b):
        return np.tanh(x_t @ W_x.T + b)  # ignores h_prev

    explorer = explorers.CellExplorer(rnn_cell_forward)
    explorer.update()
    assert "off the tanh curve" in explorer.ax_tanh.get_title()
    correct = explorers.CellExplorer(lesson01_solved["rnn_cell_forward"])
    correct.update()
    assert "on the tanh curve" in correct.ax_tanh.get_title()


def test_sequence_player_reveals_states_up_to_t_and_starts_from_zero(lesson01_solved):
    player = explorers.SequencePlayer(lesson01_solved["rnn_cell_forward"])
    player.set(t=5)
    shown = np.ma.filled(player.heat.get_array().astype(float), np.nan)
    assert np.isfinite(shown[:, :6]).all() and np.isnan(shown[:, 6:]).all()
    player.set(signal="pulse", memory=0.0, input_scale=1.0, t=player.steps - 1)
    _, states = player._result
    # with no recurrence the pulse at t=1 is forgotten at t=2: the state only reflects the current input
    np.testing.assert_allclose(states[2], states[0])


# Lesson 03 -----------------------------------------------------------------------------------------------------


def _lesson03():
    namespace = solved("03_vanishing_gradients")
    return {name: namespace[name] for name in ("rnn_jacobian", "scale_spectral_radius", "orthogonal_init",
                                               "clip_grad_norm")}


def test_jacobian_explorer_linear_orthogonal_keeps_the_norm_and_tanh_falls_below_rho():
    solution = _lesson03()
    explorer = explorers.JacobianExplorer(solution["rnn_jacobian"], solution["scale_spectral_radius"],
                                          solution["orthogonal_init"])
    explorer.set(nonlinearity="linear", init="orthogonal", rho=1.0, steps=60)
    norms = explorer.norm_line.get_ydata()
    np.testing.assert_allclose(norms, 1.0, rtol=1e-9)  # orthogonal powers keep every length
    explorer.set(nonlinearity="tanh", rho=0.9, input_scale=2.0)
    assert explorer.norm_line.get_ydata()[0] < 0.1 * 0.9**60  # the tanh slopes shrink the product further


def test_jacobian_explorer_reports_a_broken_function_and_recovers():
    solution = _lesson03()
    state = {"broken": True}

    def rnn_jacobian(h_t, W_h):
        return np.zeros((2, 2)) if state["broken"] else solution["rnn_jacobian"](h_t, W_h)

    explorer = explorers.JacobianExplorer(rnn_jacobian, solution["scale_spectral_radius"], solution["orthogonal_init"])
    explorer.update()
    assert not explorer.ready and "rnn_jacobian returned an array of shape (2, 2)" in explorer.status.value
    state["broken"] = False
    explorer.set(rho=1.1)
    assert explorer.ready and explorer.status.value == ""


def test_clipping_explorer_diverges_without_clipping_and_not_with_it():
    explorer = explorers.ClippingExplorer(_lesson03()["clip_grad_norm"])
    explorer.update()
    explorer.set(clipping="off", learning_rate=0.02, max_norm=1.0)
    assert "diverged" in explorer.ax_map.get_title() and explorer.escape.get_visible()
    explorer.set(clipping="on")
    assert "diverged" not in explorer.ax_map.get_title() and not explorer.escape.get_visible()
    assert len(explorer.norm_line.get_xdata()) == explorer.ITERATIONS


def test_clipping_explorer_gradients_match_finite_differences():
    w, u, step = 0.7, 0.4, 1e-6
    _, d_w, d_u = explorers.ClippingExplorer.loss_and_gradient(w, u)
    loss = explorers.ClippingExplorer.loss
    numeric_w = (loss(np.array(w + step), np.array(u)) - loss(np.array(w - step), np.array(u))) / (2 * step)
    numeric_u = (loss(np.array(w), np.array(u + step)) - loss(np.array(w), np.array(u - step))) / (2 * step)
    np.testing.assert_allclose([d_w, d_u], [numeric_w, numeric_u], rtol=1e-6)


def test_clipping_explorer_says_when_clip_grad_norm_returns_the_wrong_thing():
    explorer = explorers.ClippingExplorer(lambda grads, max_norm: grads)  # forgot total_norm
    explorer.update()
    assert not explorer.ready and "pair (clipped, total_norm)" in explorer.status.value


# Lesson 05 -----------------------------------------------------------------------------------------------------


def _lesson05():
    namespace = solved("05_gru")
    return namespace["gru_cell_forward"], namespace["gru_forward"]


def test_update_gate_explorer_slides_from_the_candidate_to_the_old_state_and_flags_the_other_convention():
    from utils import reference

    gru_cell_forward, _ = _lesson05()
    explorer = explorers.UpdateGateExplorer(gru_cell_forward)
    explorer.set(z_bias=5.0)
    assert "sits where torch's does" in explorer.ax_plane.get_title()
    np.testing.assert_allclose(np.r_[explorer.mine.get_data()].ravel(), explorer.h_prev[0], atol=0.05)
    explorer.set(z_bias=-5.0)
    np.testing.assert_allclose(np.r_[explorer.mine.get_data()].ravel(), np.r_[explorer.new.get_data()].ravel(),
                               atol=0.05)

    def seed_convention(x_t, h_prev, W_x, W_h, b_x, b_h):
        return reference.gru_cell_variant(x_t, h_prev, W_x, W_h, b_x, b_h, mix="seed")

    wrong = explorers.UpdateGateExplorer(seed_convention)
    wrong.update()
    assert wrong.ready and "not torch's" in wrong.ax_plane.get_title()


def test_memory_explorer_trained_gated_units_remember_and_the_rnn_forgets():
    _, gru_forward = _lesson05()
    explorer = explorers.MemoryExplorer(gru_forward)
    explorer.update()
    assert explorer.ready and "differs" not in explorer.ax.get_title()
    survived = {kind: line.get_ydata()[0] for kind, line in explorer.lines.items()}  # the longest lag
    assert survived["gru"] > 0.5 and survived["lstm"] > 0.5 and survived["rnn"] < 1e-3, survived
    explorer.set(keep_bias=-4.0)
    assert explorer.lines["gru"].get_ydata()[0] < 0.1 * survived["gru"]  # a GRU pushed to update forgets


def test_memory_explorer_reports_a_broken_gru_forward_and_recovers():
    _, gru_forward = _lesson05()
    state = {"broken": True}

    def flaky(x, h0, W_x, W_h, b_x, b_h):
        return np.zeros((2, 2)) if state["broken"] else gru_forward(x, h0, W_x, W_h, b_x, b_h)

    explorer = explorers.MemoryExplorer(flaky)
    explorer.update()
    assert not explorer.ready and "returned an array of shape (2, 2)" in explorer.status.value
    state["broken"] = False
    explorer.set(length=60)
    assert explorer.ready and explorer.status.value == ""
