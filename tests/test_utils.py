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
