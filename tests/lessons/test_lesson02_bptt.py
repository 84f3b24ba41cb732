"""The course library behind lesson 02: torch references for sequences and gradients, gradient-check helpers,
training with a learner's BPTT, truncated BPTT and the BPTT player. The learner's functions are lesson 02's
reference solutions (from source/)."""

import numpy as np
import pytest
from conftest import ROOT, solved
from stated_numbers import Claim, check_claims, unchecked_claims

from autograder.notebooks import read
from utils import checks, data, plots
from utils.lesson01_rnn_cell import torch_rnn
from utils.lesson02_bptt import drawings, explorers, torch_bptt, training
from utils.lesson02_bptt.grader import mistakes, reference

LESSON = "02_bptt"


@pytest.fixture(scope="module")
def lesson02():
    return solved(LESSON)


def _problem(seed=0, B=2, T=7, D=3, H=4):
    rng = np.random.default_rng(seed)
    params = torch_rnn.rnn_cell_params(torch_rnn.rnn_cell(D, H, rng, scale=1.0))
    return rng.normal(size=(B, T, D)), rng.uniform(-1, 1, size=(B, H)), params, rng.normal(size=(B, T, H))


def test_sequence_reference_matches_the_cell_step_by_step():
    x, h0, params, _ = _problem()
    hs, h = reference.run_rnn(x, h0, **params), h0
    for t in range(x.shape[1]):
        h = torch_rnn.rnn_cell_step(x[:, t], h, **params)
        np.testing.assert_allclose(hs[:, t], h, atol=1e-14)


def test_gradient_reference_agrees_with_central_differences():
    x, h0, params, G = _problem(1, T=4)
    grads = torch_bptt.rnn_gradients(x, h0, params["W_x"], params["W_h"], params["b"], G)
    np.testing.assert_allclose(grads["hs"], reference.run_rnn(x, h0, **params), atol=1e-14)
    for name, array in {"dx": x, "dh0": h0, "dW_h": params["W_h"], "db": params["b"]}.items():
        numeric = checks.numeric_gradient(lambda: float((reference.run_rnn(x, h0, **params) * G).sum()), array)
        assert checks.relative_error(grads[name], numeric) < 1e-8, name
    # dh_total: at the last step only the direct gradient; earlier steps add what flows back
    np.testing.assert_allclose(grads["dh_total"][:, -1], G[:, -1])
    assert not np.allclose(grads["dh_total"][:, 0], G[:, 0])


def test_truncation_stops_the_gradient_at_chunk_boundaries():
    x, h0, params, G = _problem(2, T=9)
    args = (x, h0, params["W_x"], params["W_h"], params["b"])
    full = torch_bptt.rnn_gradients(*args, G)
    np.testing.assert_allclose(torch_bptt.rnn_gradients(*args, G, truncate=9)["dW_h"], full["dW_h"])
    only_last = np.zeros_like(G)
    only_last[:, -1] = G[:, -1]
    cut = torch_bptt.rnn_gradients(*args, only_last, truncate=3)  # the last chunk is steps 6..8
    assert np.abs(cut["dx"][:, :6]).max() == 0 and np.abs(cut["dx"][:, 6:]).max() > 0
    assert np.abs(cut["dh0"]).max() == 0


def test_truncated_gradients_from_a_learner_backward_equal_torch_truncation(lesson02):
    x, h0, params, G = _problem(3, T=11)
    hs = reference.run_rnn(x, h0, **params)
    for window in (1, 3, 4, 11, 20):
        ours = training.truncated_gradients(lesson02["rnn_backward"], G, x, h0, hs, params["W_x"], params["W_h"], window)
        torch_cut = torch_bptt.rnn_gradients(x, h0, params["W_x"], params["W_h"], params["b"], G, truncate=window)
        for name in ("dx", "dh0", "dW_x", "dW_h", "db"):
            np.testing.assert_allclose(ours[name], torch_cut[name], atol=1e-12, err_msg=f"{name}, window {window}")


def test_training_with_a_learner_bptt_follows_torch_autograd(lesson02):
    rng = np.random.default_rng(4)
    params = torch_rnn.rnn_model_params(1, 6, 1, rng)
    initial = {name: array.copy() for name, array in params.items()}
    batches = [data.echo_batch(rng, 4, 8, 2) for _ in range(15)]
    optimizer, losses = training.TorchAdam(params, lr=0.02), []
    for x, y in batches:
        h0 = np.zeros((4, 6))
        hs = lesson02["rnn_forward"](x, h0, params["W_x"], params["W_h"], params["b"])
        loss, dhs, dW_y, db_y = training.readout_loss(hs, params["W_y"], params["b_y"], y)
        grads = lesson02["rnn_backward"](dhs, x, h0, hs, params["W_x"], params["W_h"])
        optimizer.step({"W_x": grads["dW_x"], "W_h": grads["dW_h"], "b": grads["db"], "W_y": dW_y, "b_y": db_y})
        losses.append(loss)
    assert not np.allclose(params["W_h"], initial["W_h"])  # the numpy arrays were updated in place
    np.testing.assert_allclose(losses, training.train_with_autograd(initial, batches, lr=0.02), rtol=1e-10)


def test_named_results_and_gradient_mistakes():
    assert checks.expect_named((1, 2), ("a", "b"), "f") == {"a": 1, "b": 2}
    assert checks.expect_named({"b": 2, "a": 1, "c": 3}, ("a", "b"), "f") == {"a": 1, "b": 2}
    with pytest.raises(AssertionError, match="without the key"):
        checks.expect_named({"a": 1}, ("a", "b"), "f")
    with pytest.raises(AssertionError, match="must return 2 values"):
        checks.expect_named(np.zeros(2), ("a", "b"), "f")
    expected = {"a": np.ones(2), "b": np.zeros(2)}
    with pytest.raises(AssertionError, match="f, b: wrong b"):
        checks.expect_all_close({"a": np.ones(2), "b": np.ones(2)}, expected, "f", {"wrong b": {"b": np.ones(2)}})
    assert checks.relative_error([1.0, 2.0], [1.0, 2.0]) == 0 and checks.relative_error([1.0], [-1.0]) == 1


def test_gradient_mistake_catalogues_differ_from_the_answer(lesson02):
    x, h0, params, G = _problem(6, T=5, D=4, H=4)
    right = torch_bptt.rnn_gradients(x, h0, params["W_x"], params["W_h"], params["b"], G)
    for message, wrong in mistakes.rnn_backward(G, x, h0, right["hs"], params["W_x"], params["W_h"], params["b"]).items():
        assert any(not np.allclose(value, right[name]) for name, value in wrong.items()), message
    cell = reference.rnn_cell_gradients(G[:, 0], x[:, 0], h0, params["W_x"], params["W_h"], params["b"])
    for message, wrong in mistakes.rnn_cell_backward(G[:, 0], x[:, 0], h0, cell["h_t"], params["W_x"],
                                                     params["W_h"]).items():
        assert any(not np.allclose(value, cell[name]) for name, value in wrong.items()), message
    hs = reference.run_rnn(x, h0, **params)
    for message, wrong in mistakes.rnn_forward(x, h0, **params).items():
        assert not np.allclose(wrong, hs), message
    np.testing.assert_allclose(reference.tanh_backward(G[:, 0], hs[:, 0]), G[:, 0] * (1 - hs[:, 0] ** 2), atol=1e-12)


def test_bptt_player_flags_a_wrong_backward_and_reports_a_broken_one(lesson02):
    def no_slope(dh_t, x_t, h_prev, h_t, W_x, W_h):
        return dh_t @ W_x, dh_t @ W_h, dh_t.T @ x_t, dh_t.T @ h_prev, dh_t.sum(axis=0)

    player = explorers.BPTTPlayer(lesson02["rnn_forward"], no_slope)
    player.update()
    assert player.ready and "differ from torch autograd" in player.ax_x.get_title()
    player = explorers.BPTTPlayer(lesson02["rnn_forward"], lambda *args: (1, 2))
    player.update()
    assert not player.ready and "must return 5 values" in player.status.value
    player = explorers.BPTTPlayer(lesson02["rnn_forward"], lesson02["rnn_cell_backward"])
    player.set(t=2 * player.steps)
    assert "frame 32 of 32, backward pass: dL/dh_1 computed" in player.ax_x.get_title()
    assert "match torch autograd" in player.ax_x.get_title()
    _, _, norms, _ = player._result
    assert norms[-1] > norms[0] > 0  # with the loss at the last step, the gradient fades on its way back


def test_lesson02_drawings_render():
    assert drawings.draw_bptt(3)._repr_png_().startswith(b"\x89PNG")
    chart = plots.line_chart({"a": [1.0, 0.1], "b": [2.0, 0.5]}, "step", "loss", logy=True, logx=True, x=[1, 10])
    assert chart._repr_png_().startswith(b"\x89PNG")


def test_bptt_player_frames_name_the_step_they_draw(lesson02):
    player = explorers.BPTTPlayer(lesson02["rnn_forward"], lesson02["rnn_cell_backward"])
    steps = player.steps
    assert (player.time.min, player.time.max, player.play.min, player.play.max) == (1, 2 * steps, 1, 2 * steps)
    assert player.time.description == "frame" and player.live.renders == 0  # renumbering drew nothing
    player.update()  # frame 1
    for frame in (1, 5, steps):  # forward: frame t has computed h_t, and the heat map holds h_1 .. h_t
        player.set(t=frame)
        assert f"frame {frame} of {2 * steps}, forward pass: h_{frame} computed" in player.ax_x.get_title()
        filled = ~np.isnan(np.asarray(player.heat.get_array(), dtype=float)).all(axis=0)
        assert filled.sum() == frame and filled[:frame].all()
        assert player.cursor[0].get_xdata()[0] == frame
    for frame in (steps + 1, steps + 5, 2 * steps):  # backward: frame T + j has dL/dh_{T+1-j}
        player.set(t=frame)
        step = 2 * steps + 1 - frame
        assert f"backward pass: dL/dh_{step} computed" in player.ax_x.get_title()
        assert player.grad_line.get_xdata()[0] == step
        assert player.cursor[0].get_xdata()[0] == step


CLAIMS = [
    Claim("test_rnn_forward", "tanh(0.4) = 0.3799...", "expected[0, 0, 0]"),
    Claim("test_rnn_forward", "tanh(1.1 - 0.3799...) = 0.6169...", "expected[0, 1, 0]"),
    Claim("test_rnn_cell_backward", "dL/da = 2.0 * (1 - 0.6**2) = 1.28", "expected['db'][0]"),
    Claim("test_rnn_cell_backward", "db = 1.28", "expected['db'][0]"),
]


def test_every_number_a_comment_states_is_what_its_cell_computes(lesson02):
    notebook = read(ROOT / "source" / LESSON / f"{LESSON}.ipynb")
    assert unchecked_claims(notebook, CLAIMS) == []
    check_claims(notebook, lesson02, CLAIMS)
