"""Unit tests of the course library."""

import numpy as np
import pytest
import torch

from utils import checks, data, env, mistakes, plots, reference
from utils.widgets import LearnerCodeNotReady, call_learner


def test_torch_weights_round_trip_and_biases_are_summed():
    rng = np.random.default_rng(0)
    cell = reference.rnn_cell(3, 4, rng)
    assert cell.bias_hh.abs().sum() > 0  # both torch biases are in play
    params = reference.rnn_cell_params(cell)
    assert params["W_x"].shape == (4, 3) and params["W_h"].shape == (4, 4) and params["b"].shape == (4,)
    x, h = rng.normal(size=(2, 3)), rng.normal(size=(2, 4))
    np.testing.assert_allclose(reference.rnn_cell_step(x, h, **params), reference.run_rnn_cell(cell, x, h), atol=1e-14)
    reloaded = reference.rnn_cell_params(reference.load_rnn_cell(**params))
    for name in params:
        np.testing.assert_array_equal(reloaded[name], params[name])


def test_same_seed_same_weights_and_float64():
    a = reference.rnn_model_params(2, 3, 4, np.random.default_rng(5))
    b = reference.rnn_model_params(2, 3, 4, np.random.default_rng(5))
    assert {k: v.shape for k, v in a.items()} == {"W_x": (3, 2), "W_h": (3, 3), "b": (3,), "W_y": (4, 3), "b_y": (4,)}
    for name in a:
        assert a[name].dtype == np.float64
        np.testing.assert_array_equal(a[name], b[name])


def test_linear_and_softmax_references_match_torch():
    rng = np.random.default_rng(1)
    layer = reference.linear(3, 2, rng)
    h = rng.normal(size=(4, 3))
    expected = layer(reference.to_torch(h)).detach().numpy()
    params = reference.linear_params(layer)
    np.testing.assert_allclose(reference.linear_step(h, params["W_y"], params["b_y"]), expected, atol=1e-14)
    z = np.array([[1000.0, -1000.0], [0.0, 0.0]])
    np.testing.assert_allclose(reference.softmax(z), [[1.0, 0.0], [0.5, 0.5]])
    assert torch.get_default_dtype() == torch.float32  # the library never changes torch's global default


def test_expect_close_names_the_matching_mistake_and_otherwise_the_worst_entry():
    expected = np.array([[1.0, 2.0]])
    with pytest.raises(AssertionError, match="ignores h_prev"):
        checks.expect_close([[0.0, 2.0]], expected, "f", mistakes={"ignores h_prev": [[0.0, 2.0]]})
    with pytest.raises(AssertionError, match=r"largest difference is 0.5 at index \(0, 1\)"):
        checks.expect_close([[1.0, 2.5]], expected, "f", mistakes={"other": [[9.0, 9.0]]})
    checks.expect_close([[1.0, 2.0 + 1e-12]], expected, "f")


def test_expect_close_ignores_a_mistake_that_equals_the_answer():
    with pytest.raises(AssertionError, match="differs from the reference"):
        checks.expect_close([[3.0]], [[1.0]], "f", mistakes={"same as correct": [[1.0]]})


@pytest.mark.parametrize("value,message", [
    (None, "returned None"), ("text", "not an array"), (np.zeros((2, 2)), "shape"), ([[np.nan, 1.0]], "NaN"),
])
def test_expect_array_explains_bad_returns(value, message):
    with pytest.raises(AssertionError, match=message):
        checks.expect_array(value, (1, 2), "f")


def test_expect_close_is_not_fooled_by_a_patched_numpy(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(np, "isclose", lambda a, b, **k: np.ones(np.shape(a), bool))
    with pytest.raises(AssertionError):
        checks.expect_close([[5.0]], [[1.0]], "f")


def test_expect_integer_choice_number_unchanged():
    checks.expect_integer(np.int64(57), 57, "f")
    checks.expect_integer(57.0, 57, "f")
    with pytest.raises(AssertionError, match="counted two"):
        checks.expect_integer(62, 57, "f", mistakes={"counted two": 62})
    with pytest.raises(AssertionError, match="whole number"):
        checks.expect_integer(True, 1, "f")
    assert checks.expect_choice(" Encoder_Decoder", ["encoder-decoder", "many-to-one"], "q") == "encoder-decoder"
    with pytest.raises(AssertionError, match="must be one of"):
        checks.expect_choice("seq2seq", ["encoder-decoder"], "q")
    with pytest.raises(AssertionError, match="finite number"):
        checks.expect_number("0.07", "q")
    before = np.ones(3)
    with pytest.raises(AssertionError, match="modified in place"):
        checks.expect_unchanged(before, np.zeros(3), "x")


def test_mistake_catalogues_differ_from_the_reference():
    rng = np.random.default_rng(2)
    params = reference.rnn_cell_params(reference.rnn_cell(3, 3, rng))
    x, h = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    correct = reference.rnn_cell_step(x, h, **params)
    found = mistakes.rnn_cell_forward(x, h, **params)
    assert len(found) >= 8
    for message, output in found.items():
        assert output.shape == correct.shape and not np.allclose(output, correct), message
    z = rng.normal(size=(3, 4))
    for message, output in mistakes.softmax(z, 0).items():
        assert not np.allclose(output, reference.softmax(z, 0)), message
    counts = mistakes.rnn_param_count(3, 5, 2)
    assert 57 not in counts.values() and len(set(counts.values())) == len(counts)


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


def test_signals_and_environment_line(capsys):
    for kind in data.SIGNALS:
        assert data.signal(kind, 12).shape == (12,)
    with pytest.raises(ValueError, match="unknown signal"):
        data.signal("square", 5)
    line = env.check_environment()
    assert line.startswith("Environment OK") and "torch 2.13.0" in line
    assert capsys.readouterr().out.strip() == line


def test_drawings_render():
    for figure in (plots.draw_rolled_and_unrolled(3), plots.draw_wirings()):
        assert figure._repr_png_().startswith(b"\x89PNG")
    fig, axes = plots.figure()
    with pytest.raises(ValueError, match="unknown wiring"):
        plots.draw_wiring(axes[0, 0], "many-to-few")


# Lesson 03 -----------------------------------------------------------------------------------------------------


def test_lesson03_references_agree_with_torch_and_the_mistakes_differ_from_them():
    rng = np.random.default_rng(3)
    cell = reference.rnn_cell(3, 4, rng, scale=1.0)
    x, h_prev = rng.normal(size=(2, 3)), rng.uniform(-1, 1, size=(2, 4))
    h_t, W_h = reference.run_rnn_cell(cell, x, h_prev), reference.rnn_cell_params(cell)["W_h"]
    jacobian = reference.rnn_cell_jacobian(cell, x, h_prev)
    np.testing.assert_allclose(reference.jacobian_from_state(h_t, W_h), jacobian, atol=1e-12)
    for message, output in mistakes.rnn_jacobian(h_t, W_h).items():
        assert output.shape == jacobian.shape and not np.allclose(output, jacobian), message
    W = rng.normal(size=(5, 5))
    assert reference.spectral_radius(W) == pytest.approx(np.abs(np.linalg.eigvals(W)).max())
    radius = reference.spectral_radius(W)
    for message, output in mistakes.scale_spectral_radius(W, 0.7).items():
        assert not np.allclose(output, W * 0.7 / radius), message
    grads = {"a": rng.normal(size=(2, 3)), "b": rng.normal(size=3)}
    clipped, total = reference.clip_grad_norm(grads, 0.5)
    assert total == pytest.approx(np.sqrt(sum((g**2).sum() for g in grads.values())))
    for message, output in mistakes.clip_grad_norm(grads, 0.5).items():
        assert output.shape == checks.flat(clipped).shape, message
        assert np.abs(output - checks.flat(clipped)).max() > 1e-9, message  # the missing 1e-6 is a small change
    assert total not in mistakes.clip_total_norm(grads, 0.5).values()
    orthogonal = reference.orthogonal(4, rng)
    np.testing.assert_allclose(orthogonal @ orthogonal.T, np.eye(4), atol=1e-12)


def test_expect_orthogonal_and_clip_result_say_what_is_wrong():
    Q = np.linalg.qr(np.random.default_rng(0).normal(size=(3, 3)))[0]
    checks.expect_orthogonal(Q, 3, "W")
    with pytest.raises(AssertionError, match="length 2"):
        checks.expect_orthogonal(2 * Q, 3, "W")
    with pytest.raises(AssertionError, match="not orthogonal to each other"):
        A = np.random.default_rng(1).normal(size=(3, 3))
        checks.expect_orthogonal(A / np.linalg.norm(A, axis=1, keepdims=True), 3, "W")
    grads = {"w": np.ones(2)}
    with pytest.raises(AssertionError, match="pair"):
        checks.expect_clip_result(grads, grads, "clip")
    with pytest.raises(AssertionError, match="keys"):
        checks.expect_clip_result(({"v": np.ones(2)}, 1.0), grads, "clip")
    with pytest.raises(AssertionError, match="total_norm"):
        checks.expect_clip_result((grads, float("nan")), grads, "clip")
    assert checks.expect_clip_result(({"w": [1, 2]}, np.float64(3)), grads, "clip")[1] == 3.0


# --- lesson 05: GRU ---------------------------------------------------------------------------------------------


def test_gru_references_agree_with_torch_and_round_trip():
    rng = np.random.default_rng(50)
    cell = reference.gru_cell(3, 4, rng)
    params = reference.gru_params(cell)
    assert {k: v.shape for k, v in params.items()} == {"W_x": (12, 3), "W_h": (12, 4), "b_x": (12,), "b_h": (12,)}
    assert all(v.dtype == np.float64 for v in params.values()) and np.abs(params["b_h"]).sum() > 0
    x, h = rng.normal(size=(2, 3)), rng.uniform(-1, 1, size=(2, 4))
    expected = reference.run_gru_cell(cell, x, h)
    np.testing.assert_allclose(reference.gru_cell_step(x, h, **params), expected, atol=1e-15)
    np.testing.assert_allclose(reference.gru_cell_variant(x, h, **params), expected, atol=1e-15)
    gates = reference.gru_gates(x, h, **params)
    np.testing.assert_allclose((1 - gates["z"]) * gates["n"] + gates["z"] * h, expected, atol=1e-15)
    for name, value in reference.gru_params(reference.load_gru(**params)).items():  # a one-layer GRU too
        np.testing.assert_array_equal(value, params[name])
    xs = rng.normal(size=(2, 5, 3))
    np.testing.assert_allclose(reference.run_gru(xs, h, **params), reference.gru_states_variant(xs, h, **params),
                               atol=1e-14)


def test_gru_variants_differ_and_flipping_the_update_gate_converts_conventions():
    rng = np.random.default_rng(51)
    params = reference.gru_params(reference.gru_cell(3, 4, rng, scale=1.0))
    x, h = rng.normal(size=(3, 3)), rng.uniform(-1, 1, size=(3, 4))
    torch_style = reference.gru_cell_variant(x, h, **params)
    for variant in ({"reset": "before"}, {"reset": "none"}, {"mix": "seed"}, {"mix": "none"}):
        assert np.abs(reference.gru_cell_variant(x, h, **params, **variant) - torch_style).max() > 1e-3, variant
    flipped = reference.gru_flip_update_gate(**params)
    np.testing.assert_allclose(reference.gru_cell_variant(x, h, **flipped, mix="seed"), torch_style, atol=1e-15)
    for name, value in reference.gru_flip_update_gate(**flipped).items():  # its own inverse
        np.testing.assert_array_equal(value, params[name])
    with pytest.raises(ValueError, match="3H, H"):
        reference.gru_flip_update_gate(np.zeros((6, 2)), np.zeros((6, 3)), np.zeros(6), np.zeros(6))


@pytest.mark.parametrize("kind,blocks", [("rnn", 1), ("gru", 3), ("lstm", 4)])
def test_recurrent_param_count_is_blocks_times_two_biases(kind, blocks):
    assert reference.recurrent_param_count(kind, 10, 20) == blocks * (20 * 10 + 20 * 20 + 2 * 20)


def test_gru_mistakes_are_wrong_answers_and_h1_names_both_reset_mistakes():
    rng = np.random.default_rng(52)
    params = reference.gru_params(reference.gru_cell(4, 4, rng, scale=1.0))
    x, h = rng.normal(size=(2, 4)), rng.uniform(-1, 1, size=(2, 4))
    right = reference.gru_cell_step(x, h, **params)
    found = mistakes.gru_cell_forward(x, h, **params)
    assert any("untransposed" in message for message in found) and len(found) >= 12
    for message, output in found.items():
        assert output.shape == right.shape and np.abs(output - right).max() > 1e-6, message
    xs = rng.normal(size=(2, 5, 4))
    hs = reference.run_gru(xs, h, **params)
    for message, output in mistakes.gru_forward(xs, h, **params).items():
        assert output.shape == hs.shape and np.abs(output - hs).max() > 1e-6, message
    one = reference.gru_params(reference.gru_cell(1, 1, rng, scale=1.0))  # H = 1: the two reset mistakes agree
    messages = list(mistakes.gru_cell_forward(np.ones((1, 1)), np.full((1, 1), 0.5), **one))
    assert sum("b_hn belongs inside" in m and "before the matmul" in m for m in messages) == 1


def test_draw_gru_cell_draws():
    fig = plots.draw_gru_cell()
    assert fig.axes and fig._repr_png_()[:4] == b"\x89PNG"


# --- lesson 04: LSTM ----------------------------------------------------------------------------------------------


def test_lstm_reference_agrees_with_torch_modules_and_loops_over_the_cell():
    rng = np.random.default_rng(0)
    module = reference.lstm(3, 4, rng, scale=0.8)
    params = reference.lstm_params(module)
    assert params["W_x"].shape == (16, 3) and params["W_h"].shape == (16, 4) and params["b"].shape == (16,)
    x, h0, c0 = rng.normal(size=(2, 6, 3)), rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    hs, cs = reference.run_lstm(x, h0, c0, **params)
    torch_hs, h_last, c_last = reference.run_lstm_module(module, x, h0, c0)
    np.testing.assert_allclose(hs, torch_hs, atol=1e-12)
    np.testing.assert_allclose(cs[:, -1], c_last, atol=1e-12)
    h, c = h0, c0
    for t in range(6):  # run_lstm is load_lstm_cell stepped over time
        h, c = reference.lstm_cell_step(x[:, t], h, c, **params)
        np.testing.assert_allclose(hs[:, t], h, atol=1e-12)
        np.testing.assert_allclose(cs[:, t], c, atol=1e-12)
    cell = reference.lstm_cell(3, 4, rng)
    step = reference.run_lstm_cell(cell, x[:, 0], h0, c0)
    loaded = reference.lstm_cell_step(x[:, 0], h0, c0, **reference.lstm_params(cell))  # summed biases
    np.testing.assert_allclose(step[0], loaded[0], atol=1e-12)
    np.testing.assert_allclose(step[1], loaded[1], atol=1e-12)
    assert reference.lstm_param_count(10, 20) == 4 * (20 * 10 + 20 * 20 + 20)


def test_lstm_gates_rebuild_the_cell_and_the_sequence():
    rng = np.random.default_rng(1)
    params = reference.lstm_params(reference.lstm_cell(2, 3, rng, scale=1.5))
    x, h0, c0 = rng.normal(size=(2, 5, 2)), np.zeros((2, 3)), np.zeros((2, 3))
    hs, cs = reference.run_lstm(x, h0, c0, **params)
    gates = reference.lstm_gate_sequence(x, hs, h0, **params)
    previous_c = np.concatenate([c0[:, None], cs[:, :-1]], axis=1)
    np.testing.assert_allclose(cs, gates["f"] * previous_c + gates["i"] * gates["g"], atol=1e-12)
    np.testing.assert_allclose(hs, gates["o"] * np.tanh(cs), atol=1e-12)
    assert all(((gates[name] > 0) & (gates[name] < 1)).all() for name in "ifo")


def test_lstm_mistakes_name_each_gate_order_and_leave_the_answer_out():
    rng = np.random.default_rng(2)
    x_t, h_prev, c_prev = rng.normal(size=(2, 3)), rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
    W_x, W_h, b = rng.normal(size=(8, 3)), rng.normal(size=(8, 2)), rng.normal(size=8)
    found = mistakes.lstm_cell_forward(x_t, h_prev, c_prev, W_x, W_h, b)
    assert sum("you read them as" in message for message in found) == 23
    right_h, right_c = reference.lstm_cell_step(x_t, h_prev, c_prev, W_x, W_h, b)
    for message, wrong in found.items():
        assert not (np.allclose(wrong["h_t"], right_h) and np.allclose(wrong["c_t"], right_c)), message


def test_state_gradients_match_the_cell_path_when_the_gates_are_saturated():
    from utils import training

    torch.manual_seed(0)
    model = training.SequenceRegressor("lstm", 3, forget_bias=None).to(reference.DTYPE)
    with torch.no_grad():  # forget gates shut open (f = 1), input gates shut (i = 0): dy/dc_k = dy/dc_T at every k
        model.recurrent.weight_hh_l0.zero_()
        model.recurrent.weight_ih_l0.zero_()
        model.recurrent.bias_ih_l0[3:6] = 60.0
        model.recurrent.bias_ih_l0[0:3] = -60.0
    x = np.random.default_rng(3).normal(size=(1, 12, 2))
    norms, hs, last = reference.state_gradients(model, x)
    assert norms.shape == (12,) and hs.shape == (1, 12, 3)
    np.testing.assert_allclose(norms, np.linalg.norm(last), rtol=1e-9)
