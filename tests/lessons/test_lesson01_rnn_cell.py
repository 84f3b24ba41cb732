"""Lesson 01's library: the torch twins of the cell and the readout, the mistake catalogues, the drawings
and the explorers."""

import numpy as np
import pytest
import torch

from utils import models, plots
from utils.lesson01_rnn_cell import drawings, explorers, torch_rnn
from utils.lesson01_rnn_cell.grader import mistakes, reference


def test_torch_weights_round_trip_and_biases_are_summed():
    rng = np.random.default_rng(0)
    cell = torch_rnn.rnn_cell(3, 4, rng)
    assert cell.bias_hh.abs().sum() > 0  # both torch biases are in play
    params = torch_rnn.rnn_cell_params(cell)
    assert params["W_x"].shape == (4, 3) and params["W_h"].shape == (4, 4) and params["b"].shape == (4,)
    x, h = rng.normal(size=(2, 3)), rng.normal(size=(2, 4))
    np.testing.assert_allclose(torch_rnn.rnn_cell_step(x, h, **params), torch_rnn.run_rnn_cell(cell, x, h), atol=1e-14)
    reloaded = torch_rnn.rnn_cell_params(torch_rnn.load_rnn_cell(**params))
    for name in params:
        np.testing.assert_array_equal(reloaded[name], params[name])


def test_same_seed_same_weights_and_float64():
    a = torch_rnn.rnn_model_params(2, 3, 4, np.random.default_rng(5))
    b = torch_rnn.rnn_model_params(2, 3, 4, np.random.default_rng(5))
    assert {k: v.shape for k, v in a.items()} == {"W_x": (3, 2), "W_h": (3, 3), "b": (3,), "W_y": (4, 3), "b_y": (4,)}
    for name in a:
        assert a[name].dtype == np.float64
        np.testing.assert_array_equal(a[name], b[name])


def test_linear_and_softmax_references_match_torch():
    rng = np.random.default_rng(1)
    layer = torch_rnn.linear(3, 2, rng)
    h = rng.normal(size=(4, 3))
    expected = layer(models.to_torch(h)).detach().numpy()
    params = torch_rnn.linear_params(layer)
    np.testing.assert_allclose(torch_rnn.linear_step(h, params["W_y"], params["b_y"]), expected, atol=1e-14)
    z = np.array([[1000.0, -1000.0], [0.0, 0.0]])
    np.testing.assert_allclose(reference.softmax(z), [[1.0, 0.0], [0.5, 0.5]])
    assert torch.get_default_dtype() == torch.float32  # the library never changes torch's global default


def test_mistake_catalogues_differ_from_the_reference():
    rng = np.random.default_rng(2)
    params = torch_rnn.rnn_cell_params(torch_rnn.rnn_cell(3, 3, rng))
    x, h = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    correct = torch_rnn.rnn_cell_step(x, h, **params)
    found = mistakes.rnn_cell_forward(x, h, **params)
    assert len(found) >= 8
    for message, output in found.items():
        assert output.shape == correct.shape and not np.allclose(output, correct), message
    z = rng.normal(size=(3, 4))
    for message, output in mistakes.softmax(z, 0).items():
        assert not np.allclose(output, reference.softmax(z, 0)), message
    counts = mistakes.rnn_param_count(3, 5, 2)
    assert 57 not in counts.values() and len(set(counts.values())) == len(counts)


def test_drawings_render():
    for figure in (drawings.draw_rolled_and_unrolled(3), drawings.draw_wirings()):
        assert figure._repr_png_().startswith(b"\x89PNG")
    fig, axes = plots.figure()
    with pytest.raises(ValueError, match="unknown wiring"):
        drawings.draw_wiring(axes[0, 0], "many-to-few")


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
