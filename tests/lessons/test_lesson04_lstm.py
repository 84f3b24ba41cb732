"""Lesson 04's library: the LSTM's torch twins and mistakes, and the adding problem: the torch training
loop and the committed checkpoint that lessons 04-05 load."""

import itertools

import numpy as np
import pytest
import torch
from conftest import ROOT

from utils import checks, models
from utils.lesson04_lstm import adding, pretrained, torch_lstm
from utils.lesson04_lstm.grader import mistakes, reference


def test_lstm_reference_agrees_with_torch_modules_and_loops_over_the_cell():
    rng = np.random.default_rng(0)
    module = torch_lstm.lstm(3, 4, rng, scale=0.8)
    params = torch_lstm.lstm_params(module)
    assert params["W_x"].shape == (16, 3) and params["W_h"].shape == (16, 4) and params["b"].shape == (16,)
    x, h0, c0 = rng.normal(size=(2, 6, 3)), rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    hs, cs = torch_lstm.run_lstm(x, h0, c0, **params)
    torch_hs, h_last, c_last = torch_lstm.run_lstm_module(module, x, h0, c0)
    np.testing.assert_allclose(hs, torch_hs, atol=1e-12)
    np.testing.assert_allclose(cs[:, -1], c_last, atol=1e-12)
    h, c = h0, c0
    for t in range(6):  # run_lstm is load_lstm_cell stepped over time
        h, c = reference.lstm_cell_step(x[:, t], h, c, **params)
        np.testing.assert_allclose(hs[:, t], h, atol=1e-12)
        np.testing.assert_allclose(cs[:, t], c, atol=1e-12)
    cell = torch_lstm.lstm_cell(3, 4, rng)
    step = torch_lstm.run_lstm_cell(cell, x[:, 0], h0, c0)
    loaded = reference.lstm_cell_step(x[:, 0], h0, c0, **torch_lstm.lstm_params(cell))  # summed biases
    np.testing.assert_allclose(step[0], loaded[0], atol=1e-12)
    np.testing.assert_allclose(step[1], loaded[1], atol=1e-12)
    assert reference.lstm_param_count(10, 20) == 4 * (20 * 10 + 20 * 20 + 20)


def test_lstm_gates_rebuild_the_cell_and_the_sequence():
    rng = np.random.default_rng(1)
    params = torch_lstm.lstm_params(torch_lstm.lstm_cell(2, 3, rng, scale=1.5))
    x, h0, c0 = rng.normal(size=(2, 5, 2)), np.zeros((2, 3)), np.zeros((2, 3))
    hs, cs = torch_lstm.run_lstm(x, h0, c0, **params)
    gates = torch_lstm.lstm_gate_sequence(x, hs, h0, **params)
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

    torch.manual_seed(0)
    model = adding.SequenceRegressor("lstm", 3, forget_bias=None).to(models.DTYPE)
    with torch.no_grad():  # forget gates shut open (f = 1), input gates shut (i = 0): dy/dc_k = dy/dc_T at every k
        model.recurrent.weight_hh_l0.zero_()
        model.recurrent.weight_ih_l0.zero_()
        model.recurrent.bias_ih_l0[3:6] = 60.0
        model.recurrent.bias_ih_l0[0:3] = -60.0
    x = np.random.default_rng(3).normal(size=(1, 12, 2))
    norms, hs, last = torch_lstm.state_gradients(model, x)
    assert norms.shape == (12,) and hs.shape == (1, 12, 3)
    np.testing.assert_allclose(norms, np.linalg.norm(last), rtol=1e-9)


def test_training_is_seeded_and_leaves_torch_global_state_alone():
    state = torch.random.get_rng_state()
    runs = [adding.train_adding_problem("gru", hidden_size=4, length=8, max_steps=20, eval_every=10, target_mse=None)
            for _ in range(2)]
    assert torch.equal(state, torch.random.get_rng_state())
    assert runs[0].steps == [10, 20] and runs[0].scores == runs[1].scores
    other = adding.train_adding_problem("gru", hidden_size=4, length=8, max_steps=20, eval_every=10, seed=1,
                                          target_mse=None)
    assert other.scores != runs[0].scores


def test_training_stops_at_the_target():
    run = adding.train_adding_problem("lstm", hidden_size=4, length=4, max_steps=30, eval_every=5, target_mse=10.0)
    assert run.reached_at == 5 and run.steps == [5]


def test_lstm_forget_bias_is_the_sum_of_torchs_two_biases():
    model = adding.SequenceRegressor("lstm", 3, forget_bias=1.0)
    summed = model.recurrent.bias_ih_l0 + model.recurrent.bias_hh_l0
    assert torch.equal(summed[3:6], torch.ones(3))
    with pytest.raises(ValueError, match="unknown kind"):
        adding.SequenceRegressor("transformer", 3)


@pytest.mark.parametrize("kind", pretrained.KINDS)
def test_checkpoint_models_score_what_their_training_recorded(kind):
    model = pretrained.load_adding_model(kind)
    x_test, y_test = adding.adding_test_set(pretrained.settings()["length"])
    result = pretrained.adding_results()[kind]
    assert adding.adding_mse(model, x_test, y_test) == pytest.approx(result["final_mse"], rel=1e-4)
    assert result["parameters"] == models.parameter_count(model)
    if kind == "rnn":  # the lesson's claim: a same-size tanh RNN stays near the baseline, gated units solve it
        assert result["final_mse"] > 0.1
    else:
        assert result["final_mse"] < 0.01 and result["first_below_0.01"] is not None


def test_checkpoint_was_trained_with_the_scripts_settings():
    assert pretrained.settings() == pretrained.SETTINGS


# --- the backward passes -----------------------------------------------------------------------------------------

def test_backward_references_agree_with_central_differences_and_with_each_other():
    rng = np.random.default_rng(5)
    B, T, D, H = 2, 4, 3, 2
    module = torch_lstm.lstm(D, H, rng, scale=0.9)
    params = torch_lstm.lstm_params(module)
    dhs, x = rng.normal(size=(B, T, H)), rng.normal(size=(B, T, D))
    h0, c0 = rng.normal(size=(B, H)), rng.normal(size=(B, H))
    loaded = reference.lstm_gradients(dhs, x, h0, c0, **params)
    own = reference.torch_lstm_gradients(module, dhs, x, h0, c0)  # torch's two biases: the same gradients
    arrays = {"dhs": dhs, "x": x, "h0": h0, "c0": c0, **params}
    for name in reference.GRADIENTS:
        np.testing.assert_allclose(loaded[name], own[name], atol=1e-12)
        numeric = checks.numeric_gradient(lambda: reference.sequence_loss(**arrays), arrays[name[1:]])
        assert checks.relative_error(loaded[name], numeric) < 1e-8, name
    # one step of the sequence is the cell's backward pass, with the gradient from the rest of the sequence
    cell = {"dh_t": rng.normal(size=(B, H)), "dc_t": rng.normal(size=(B, H)), "x_t": x[:, 0], "h_prev": h0,
            "c_prev": c0, **params}
    grads = reference.lstm_cell_gradients(**cell)
    for name, of in zip(reference.CELL_GRADIENTS, ("x_t", "h_prev", "c_prev", "W_x", "W_h", "b"), strict=True):
        numeric = checks.numeric_gradient(lambda: reference.cell_loss(**cell), cell[of])
        assert checks.relative_error(grads[name], numeric) < 1e-8, name


def test_backward_mistakes_differ_from_the_answer_and_the_gate_orders_are_all_there():
    rng = np.random.default_rng(6)
    B, T, D, H = 2, 3, 3, 2
    params = torch_lstm.lstm_params(torch_lstm.lstm_cell(D, H, rng, scale=1.0))
    cell = {"dh_t": rng.normal(size=(B, H)), "dc_t": rng.normal(size=(B, H)), "x_t": rng.normal(size=(B, D)),
            "h_prev": rng.normal(size=(B, H)), "c_prev": rng.normal(size=(B, H)), **params}
    right = reference.lstm_cell_gradients(**cell)
    found = mistakes.lstm_cell_backward(**cell)
    assert sum("you read them as" in message for message in found) == 23
    for message, wrong in found.items():
        assert any(not np.allclose(wrong[name], right[name]) for name in wrong), message
    sequence = {"dhs": rng.normal(size=(B, T, H)), "x": rng.normal(size=(B, T, D)), "h0": rng.normal(size=(B, H)),
                "c0": rng.normal(size=(B, H)), **params}
    right = reference.lstm_gradients(**sequence)
    for message, wrong in mistakes.lstm_backward(**sequence).items():
        assert any(not np.allclose(wrong[name], right[name]) for name in wrong), message


def test_the_open_forget_gate_passes_the_cell_gradient_unchanged():
    """The lesson's claim, on the reference: f = 1, i = 0 and no gradient at h_t give dc_prev = dc_t."""
    rng = np.random.default_rng(7)
    H = 3
    b = np.concatenate([[-40.0] * H, [40.0] * H, rng.normal(size=2 * H)])
    dc_t = rng.normal(size=(2, H))
    grads = reference.lstm_cell_gradients(np.zeros((2, H)), dc_t, rng.normal(size=(2, 2)), rng.normal(size=(2, H)),
                                          rng.normal(size=(2, H)), rng.normal(size=(4 * H, 2)),
                                          rng.normal(size=(4 * H, H)), b)
    np.testing.assert_allclose(grads["dc_prev"], dc_t, rtol=1e-12)


# --- every number a worked example states -----------------------------------------------------------------------

def _quantities(x_t, h_prev, c_prev, W_x, W_h, b, dh_t=None, dc_t=None) -> list[np.ndarray]:
    """Every intermediate of one LSTM step (and of its backward pass, given dh_t and dc_t) by torch: the
    pre-activations, gates, cell state, tanh(c_t) and its slope, and the gradients at each of them."""
    leaves = {name: torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)
              for name, a in dict(x_t=x_t, h_prev=h_prev, c_prev=c_prev, W_x=W_x, W_h=W_h).items()}
    z = leaves["x_t"] @ leaves["W_x"].T + leaves["h_prev"] @ leaves["W_h"].T + torch.as_tensor(b)
    z.retain_grad()
    z_i, z_f, z_g, z_o = z.chunk(4, dim=1)
    gates = [torch.sigmoid(z_i), torch.sigmoid(z_f), torch.tanh(z_g), torch.sigmoid(z_o)]
    for gate in gates:
        gate.retain_grad()
    i, f, g, o = gates
    c_t = f * leaves["c_prev"] + i * g
    c_t.retain_grad()
    tanh_c = torch.tanh(c_t)
    h_t = o * tanh_c
    values = [z, *gates, c_t, tanh_c, 1 - tanh_c**2, o * (1 - tanh_c**2), h_t]
    if dh_t is not None:
        torch.autograd.backward([h_t, c_t], [torch.as_tensor(dh_t), torch.as_tensor(dc_t)])
        gate_grads = torch.cat([gate.grad for gate in gates], dim=1)
        values += [z.grad, gate_grads, z.grad / gate_grads, c_t.grad, *(leaf.grad for leaf in leaves.values())]
    return [v.detach().numpy() for v in values]


def _worked_example_values(grade_id, namespace) -> list[float]:
    n = namespace
    if grade_id == "test_lstm_cell_forward":
        arrays = _quantities(n["x_t"], n["h_prev"], n["c_prev"], n["W_x"], n["W_h"], n["b"])
    elif grade_id == "test_lstm_cell_backward":
        arrays = _quantities(n["x_t"], n["h_prev"], n["c_prev"], n["W_x"], n["W_h"], n["b"], n["dh_t"], n["dc_t"])
    elif grade_id == "test_lstm_forward":
        hs, cs = torch_lstm.run_lstm(n["x"], n["h0"], n["c0"], n["W_x"], n["W_h"], n["b"])
        gates = torch_lstm.lstm_gate_sequence(n["x"], hs, n["h0"], n["W_x"], n["W_h"], n["b"])
        previous = np.concatenate([n["c0"][:, None], cs[:, :-1]], axis=1)
        arrays = [hs, cs, *gates.values(), gates["f"] * previous, gates["i"] * gates["g"], np.array(n["x"].shape)]
    else:
        raise AssertionError(f"no reference values for the worked example of {grade_id}")
    inputs = [np.asarray(value) for value in n.values() if isinstance(value, np.ndarray)]
    return [float(v) for array in arrays + [np.array(a.shape) for a in inputs] for v in np.ravel(array)]


def _stated_numbers(comment: str) -> list[str]:
    import re

    comment = re.sub(r"^#\s*\d\.\s", "#", comment, flags=re.M)  # step numbers "# 1. ..."
    comment = re.sub(r"\*\*\d+", "", comment)  # exponents
    return re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?", comment)


def _is_stated_right(number: str, values: list[float]) -> bool:
    decimals = len(number.split(".")[1]) if "." in number else 0
    tolerance = 0.5 * 10.0**-decimals + 1e-12 if decimals else 1e-9
    return any(abs(float(number) - value) <= tolerance for value in values)


def _worked_example_cells():
    from autograder.notebooks import cells_by_id, read

    notebook = read(ROOT / "source" / "04_lstm" / "04_lstm.ipynb")
    return notebook, {grade_id: cell.source for grade_id, cell in cells_by_id(notebook).items()
                      if grade_id and grade_id.startswith("test_") and "# Worked example" in cell.source}


def test_every_number_a_worked_example_states_in_a_comment_is_right():
    """Issue 19: a wrong digit in a worked example's comment fails the suite. Each number in the comment block is an
    input of the cell (a literal of its code, or a shape) or an intermediate of the example computed by torch."""
    import ast

    from conftest import solved
    from notebook_tools import run_cells

    _, cells = _worked_example_cells()
    assert set(cells) == {"test_lstm_cell_forward", "test_lstm_forward", "test_lstm_cell_backward"}
    for grade_id, source in cells.items():
        lines = source.splitlines()
        start = next(k for k, line in enumerate(lines) if line.startswith("# Worked example"))
        comment = "\n".join(itertools.takewhile(lambda line: line.startswith("#"), lines[start:]))
        code_end = next(k for k, line in enumerate(lines) if line.startswith("example = "))
        setup = "\n".join(lines[start:code_end])  # the example's inputs, before the learner's function is called
        namespace = run_cells([setup], solved("04_lstm"))
        literals = [float(node.value) for node in ast.walk(ast.parse(setup))
                    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float))]
        values = literals + [-v for v in literals] + _worked_example_values(grade_id, namespace)
        numbers = _stated_numbers(comment)
        assert len(numbers) >= 10, (grade_id, numbers)
        wrong = [number for number in numbers if not _is_stated_right(number, values)]
        assert not wrong, f"{grade_id}: the worked example states {wrong}, which it does not compute"
    assert not _is_stated_right("0.8813", _worked_example_values("test_lstm_cell_forward", namespace={
        "x_t": np.array([[1.0]]), "h_prev": np.array([[0.5]]), "c_prev": np.array([[2.0]]),
        "W_x": np.array([[1.0], [1.5], [-1.0], [0.0]]), "W_h": np.array([[-2.0], [0.0], [0.0], [2.0]]),
        "b": np.array([0.0, 0.5, 0.0, 0.0])}))  # the digit issue 19 found wrong is caught
