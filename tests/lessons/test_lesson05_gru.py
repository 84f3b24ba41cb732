"""Lesson 05's library: the GRU's torch twins, variants and mistakes, the drawing and the explorers."""

import numpy as np
import pytest
from conftest import solved

from utils import models
from utils.lesson05_gru import drawings, explorers, torch_gru
from utils.lesson05_gru.grader import mistakes


def test_gru_references_agree_with_torch_and_round_trip():
    rng = np.random.default_rng(50)
    cell = torch_gru.gru_cell(3, 4, rng)
    params = torch_gru.gru_params(cell)
    assert {k: v.shape for k, v in params.items()} == {"W_x": (12, 3), "W_h": (12, 4), "b_x": (12,), "b_h": (12,)}
    assert all(v.dtype == np.float64 for v in params.values()) and np.abs(params["b_h"]).sum() > 0
    x, h = rng.normal(size=(2, 3)), rng.uniform(-1, 1, size=(2, 4))
    expected = torch_gru.run_gru_cell(cell, x, h)
    np.testing.assert_allclose(torch_gru.gru_cell_step(x, h, **params), expected, atol=1e-15)
    np.testing.assert_allclose(torch_gru.gru_cell_variant(x, h, **params), expected, atol=1e-15)
    gates = torch_gru.gru_gates(x, h, **params)
    np.testing.assert_allclose((1 - gates["z"]) * gates["n"] + gates["z"] * h, expected, atol=1e-15)
    for name, value in torch_gru.gru_params(torch_gru.load_gru(**params)).items():  # a one-layer GRU too
        np.testing.assert_array_equal(value, params[name])
    xs = rng.normal(size=(2, 5, 3))
    np.testing.assert_allclose(torch_gru.run_gru(xs, h, **params), torch_gru.gru_states_variant(xs, h, **params),
                               atol=1e-14)


def test_gru_variants_differ_and_flipping_the_update_gate_converts_conventions():
    rng = np.random.default_rng(51)
    params = torch_gru.gru_params(torch_gru.gru_cell(3, 4, rng, scale=1.0))
    x, h = rng.normal(size=(3, 3)), rng.uniform(-1, 1, size=(3, 4))
    torch_style = torch_gru.gru_cell_variant(x, h, **params)
    for variant in ({"reset": "before"}, {"reset": "none"}, {"mix": "seed"}, {"mix": "none"}):
        assert np.abs(torch_gru.gru_cell_variant(x, h, **params, **variant) - torch_style).max() > 1e-3, variant
    flipped = torch_gru.gru_flip_update_gate(**params)
    np.testing.assert_allclose(torch_gru.gru_cell_variant(x, h, **flipped, mix="seed"), torch_style, atol=1e-15)
    for name, value in torch_gru.gru_flip_update_gate(**flipped).items():  # its own inverse
        np.testing.assert_array_equal(value, params[name])
    with pytest.raises(ValueError, match="3H, H"):
        torch_gru.gru_flip_update_gate(np.zeros((6, 2)), np.zeros((6, 3)), np.zeros(6), np.zeros(6))


@pytest.mark.parametrize("kind,blocks", [("rnn", 1), ("gru", 3), ("lstm", 4)])
def test_recurrent_param_count_is_blocks_times_two_biases(kind, blocks):
    assert models.parameter_count(kind, 10, 20) == blocks * (20 * 10 + 20 * 20 + 2 * 20)


def test_gru_mistakes_are_wrong_answers_and_h1_names_both_reset_mistakes():
    rng = np.random.default_rng(52)
    params = torch_gru.gru_params(torch_gru.gru_cell(4, 4, rng, scale=1.0))
    x, h = rng.normal(size=(2, 4)), rng.uniform(-1, 1, size=(2, 4))
    right = torch_gru.gru_cell_step(x, h, **params)
    found = mistakes.gru_cell_forward(x, h, **params)
    assert any("untransposed" in message for message in found) and len(found) >= 12
    for message, output in found.items():
        assert output.shape == right.shape and np.abs(output - right).max() > 1e-6, message
    xs = rng.normal(size=(2, 5, 4))
    hs = torch_gru.run_gru(xs, h, **params)
    for message, output in mistakes.gru_forward(xs, h, **params).items():
        assert output.shape == hs.shape and np.abs(output - hs).max() > 1e-6, message
    one = torch_gru.gru_params(torch_gru.gru_cell(1, 1, rng, scale=1.0))  # H = 1: the two reset mistakes agree
    messages = list(mistakes.gru_cell_forward(np.ones((1, 1)), np.full((1, 1), 0.5), **one))
    assert sum("b_hn belongs inside" in m and "before the matmul" in m for m in messages) == 1


def test_draw_gru_cell_draws():
    fig = drawings.draw_gru_cell()
    assert fig.axes and fig._repr_png_()[:4] == b"\x89PNG"


def _lesson05():
    namespace = solved("05_gru")
    return namespace["gru_cell_forward"], namespace["gru_forward"]


def test_update_gate_explorer_slides_from_the_candidate_to_the_old_state_and_flags_the_other_convention():

    gru_cell_forward, _ = _lesson05()
    explorer = explorers.UpdateGateExplorer(gru_cell_forward)
    explorer.set(z_bias=5.0)
    assert "sits where torch's does" in explorer.ax_plane.get_title()
    np.testing.assert_allclose(np.r_[explorer.mine.get_data()].ravel(), explorer.h_prev[0], atol=0.05)
    explorer.set(z_bias=-5.0)
    np.testing.assert_allclose(np.r_[explorer.mine.get_data()].ravel(), np.r_[explorer.new.get_data()].ravel(),
                               atol=0.05)

    def seed_convention(x_t, h_prev, W_x, W_h, b_x, b_h):
        return torch_gru.gru_cell_variant(x_t, h_prev, W_x, W_h, b_x, b_h, mix="seed")

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
