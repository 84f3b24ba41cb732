"""Lesson 03's library: Jacobians, the spectral radius and clipping by torch, the mistakes, the checks, the
long-lag experiment and the explorers."""

import itertools

import numpy as np
import pytest
import torch
from conftest import ROOT, solved
from stated_numbers import Claim, check_claims, unchecked_claims

from autograder.notebooks import read
from utils.lesson01_rnn_cell import torch_rnn
from utils.lesson03_vanishing_gradients import checks, explorers, long_lag, optimisers, torch_jacobians
from utils.lesson03_vanishing_gradients.grader import mistakes, reference


def test_lesson03_references_agree_with_torch_and_the_mistakes_differ_from_them():
    rng = np.random.default_rng(3)
    cell = torch_rnn.rnn_cell(3, 4, rng, scale=1.0)
    x, h_prev = rng.normal(size=(2, 3)), rng.uniform(-1, 1, size=(2, 4))
    h_t, W_h = torch_rnn.run_rnn_cell(cell, x, h_prev), torch_rnn.rnn_cell_params(cell)["W_h"]
    jacobian = torch_jacobians.rnn_cell_jacobian(cell, x, h_prev)
    np.testing.assert_allclose(reference.jacobian_from_state(h_t, W_h), jacobian, atol=1e-12)
    for message, output in mistakes.rnn_jacobian(h_t, W_h).items():
        assert output.shape == jacobian.shape and not np.allclose(output, jacobian), message
    W = rng.normal(size=(5, 5))
    assert torch_jacobians.spectral_radius(W) == pytest.approx(np.abs(np.linalg.eigvals(W)).max())
    radius = torch_jacobians.spectral_radius(W)
    for message, output in mistakes.scale_spectral_radius(W, 0.7).items():
        assert not np.allclose(output, W * 0.7 / radius), message
    grads = {"a": rng.normal(size=(2, 3)), "b": rng.normal(size=3)}
    clipped, total = reference.clip_grad_norm(grads, 0.5)
    assert total == pytest.approx(np.sqrt(sum((g**2).sum() for g in grads.values())))
    for message, output in mistakes.clip_grad_norm(grads, 0.5).items():
        assert output.shape == checks.flat(clipped).shape, message
        assert np.abs(output - checks.flat(clipped)).max() > 1e-9, message  # the missing 1e-6 is a small change
    assert total not in mistakes.clip_total_norm(grads, 0.5).values()
    orthogonal = torch_rnn.orthogonal(4, rng)
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


def test_long_lag_task_puts_the_bit_first_and_training_is_seeded():
    x, bits = long_lag.long_lag_batch(50, 7, torch.Generator().manual_seed(0))
    assert x.shape == (50, 8, 1) and bits.shape == (50,)
    assert torch.equal(x[:, 0, 0], 2.0 * bits - 1.0)  # the answer is the first input, +-1
    first = long_lag.train_long_lag(3, seed=0, steps=5)
    assert first == long_lag.train_long_lag(3, seed=0, steps=5)
    accuracy, reach = first
    assert 0.0 <= accuracy <= 1.0 and reach > 0.0


LESSON = "03_vanishing_gradients"
CLAIMS = [
    Claim("test_rnn_jacobian", "The slopes 1 - h_t**2 are [0.64, 1.0]", "list(1 - h_t[0] ** 2)"),
    Claim("figure_arithmetic", "it is 4.6e-16", "0.7 ** 99"),
    Claim("test_scale_spectral_radius", "Its largest singular value is about 1.53", "np.linalg.norm(W_kept, 2)"),
    Claim("test_scale_spectral_radius_hidden", "their real parts are 0",
          "float(np.abs(np.linalg.eigvals(rotation).real).max())"),
    Claim("test_clip_grad_norm", "4**2) = 5", "np.sqrt(sum(float((g**2).sum()) for g in kept.values()))"),
    Claim("test_clip_grad_norm", "their norm is 0.001", "np.sqrt(sum(float((g**2).sum()) for g in tiny.values()))"),
    Claim("test_clip_grad_norm", "is 0.4995",
          "5e-4 / (np.sqrt(sum(float((g**2).sum()) for g in tiny.values())) + 1e-6)"),
]


def test_every_number_a_comment_states_is_what_its_cell_computes():
    notebook = read(ROOT / "source" / LESSON / f"{LESSON}.ipynb")
    assert unchecked_claims(notebook, CLAIMS) == []
    check_claims(notebook, solved(LESSON), CLAIMS)


def test_the_arithmetic_in_the_prose_is_right():
    notebook = read(ROOT / "source" / LESSON / f"{LESSON}.ipynb")
    prose = " ".join(cell.source.replace("\n", " ") for cell in notebook.cells if cell.cell_type == "markdown")

    def power(value: float) -> str:
        mantissa, exponent = f"{value:.1e}".split("e")
        return f"{mantissa} \\times 10^{{{int(exponent)}}}"

    assert f"$0.7^{{99}} = {power(0.7**99)}$" in prose  # 4.6e-16
    assert f"multiply the gradient by ${power(1.5**99)}$" in prose  # 2.7e17
    orders = {15: "fifteen", 16: "sixteen"}[round(-np.log10(0.7**99))]
    assert f"about {orders} orders of magnitude weaker" in prose


def test_the_schedule_warms_up_linearly_then_decays_to_zero_by_a_cosine():
    rates = [optimisers.learning_rate(step, 0.1, "warm-up + cosine", 100, 10) for step in range(100)]
    np.testing.assert_allclose(rates[:10], 0.1 * np.arange(1, 11) / 10)
    assert rates[10] == pytest.approx(0.1) and rates[55] == pytest.approx(0.05) and 0 < rates[-1] < 1e-3
    assert (np.diff(rates[10:]) <= 0).all()
    assert {optimisers.learning_rate(step, 0.1, "constant", 100, 10) for step in range(100)} == {0.1}
    with pytest.raises(ValueError, match="unknown schedule"):
        optimisers.learning_rate(0, 0.1, "step", 100, 10)


def test_the_initialisations_are_what_they_say():
    default, _ = optimisers.initial_model("PyTorch default", 0)
    xavier, _ = optimisers.initial_model("Xavier", 0)
    orthogonal, _ = optimisers.initial_model("orthogonal", 0)
    H = optimisers.SETTINGS["hidden_size"]
    W = orthogonal.rnn.weight_hh_l0.detach().double().numpy()
    np.testing.assert_allclose(W @ W.T, np.eye(H), atol=1e-6)
    assert float(xavier.rnn.weight_hh_l0.detach().abs().max()) <= np.sqrt(6 / (2 * H))
    assert float(default.rnn.weight_hh_l0.detach().abs().max()) <= 1 / np.sqrt(H)
    assert float(xavier.rnn.bias_hh_l0.detach().abs().max()) == 0 < float(default.rnn.bias_hh_l0.detach().abs().max())
    again, _ = optimisers.initial_model("Xavier", 0)
    assert torch.equal(again.rnn.weight_hh_l0, xavier.rnn.weight_hh_l0)


def test_the_committed_optimiser_runs_are_complete_and_reproduced():
    results = optimisers.results()
    seeds, evaluations = len(results["seeds"]), len(results["eval_steps"])
    assert set(results["runs"]) == {optimisers.key(*c) for c in itertools.product(
        optimisers.OPTIMISERS, optimisers.SCHEDULES, optimisers.DECAYS, optimisers.INITS)}
    for name, runs in results["runs"].items():
        assert len(runs) == seeds, name
        for run in runs:
            assert len(run["accuracy"]) == len(run["loss"]) == evaluations and run["final_accuracy"] == run["accuracy"][-1]
    # With a constant rate and no decay the first steps of a run do not depend on its length: 100 steps of one run
    # trained here give the committed curve's first evaluations.
    name = optimisers.key("Adam", "constant", "none", "orthogonal")
    short = optimisers.train_run("Adam", "constant", "none", "orthogonal", results["seeds"][0], steps=100)
    every = results["settings"]["eval_every"]
    committed = results["runs"][name][0]
    assert short["accuracy"] == committed["accuracy"][: 100 // every + 1]
    assert short["loss"] == committed["loss"][: 100 // every + 1]


def test_optimiser_explorer_draws_the_committed_runs_and_the_reach_from_the_learners_jacobian():
    namespace = solved("03_vanishing_gradients")
    explorer = explorers.OptimiserExplorer(namespace["rnn_jacobian"])
    explorer.update()
    assert explorer.ready and explorer.status.value == ""
    name = optimisers.key("Adam", "constant", "none", "PyTorch default")
    runs = optimisers.results()["runs"][name]
    np.testing.assert_allclose(explorer.mean_line.get_ydata(), np.mean([r["accuracy"] for r in runs], axis=0))
    assert not explorer.others[name].get_visible() and sum(line.get_visible() for line in explorer.others.values()) == 35
    default_reach = explorer.reach("PyTorch default")[0][0]
    for control, value in [("optimiser", "RMSprop"), ("schedule", "warm-up + cosine"), ("decay", "decoupled"),
                           ("init", "orthogonal")]:
        before = explorer.live.image.value
        explorer.set(**{control: value})
        assert explorer.live.image.value != before, control
    assert "RMSprop · warm-up + cosine · weight decay decoupled · orthogonal" in explorer.ax_curve.get_title()
    assert explorer.lr_line.get_ydata()[-1] < 1e-4 * optimisers.LEARNING_RATES["RMSprop"]
    # at the start, the gradient reaches back from step T to step 0 far better from an orthogonal W_hh
    assert explorer.reach("orthogonal")[0][0] > 1e3 * default_reach

    def broken(h_t, W_h):
        return np.zeros((2, 2))

    explorer = explorers.OptimiserExplorer(broken)
    explorer.update()
    assert not explorer.ready and "shape" in explorer.status.value and explorer.live.image.value


def test_the_optimiser_findings_state_the_committed_counts():
    notebook = read(ROOT / "source" / LESSON / f"{LESSON}.ipynb")
    prose = " ".join(" ".join(cell.source.split()) for cell in notebook.cells if cell.cell_type == "markdown")
    every, good = optimisers.factor_table(), optimisers.factor_table(skip_init="PyTorch default")

    def count(row, level):
        return "{} of {}".format(*row[level])

    assert f"With PyTorch's default, {count(every['init'], 'PyTorch default').replace(' of ', ' of the ')} runs" in prose
    assert f"Xavier {count(every['init'], 'Xavier')}, with orthogonal {count(every['init'], 'orthogonal')}" in prose
    assert f"Adam solved {count(good['optimiser'], 'Adam')} seeds" in prose
    assert good["optimiser"]["SGD + momentum"] == good["optimiser"]["RMSprop"]
    assert f"momentum and RMSprop {count(good['optimiser'], 'RMSprop')} each" in prose
    assert (f"Warm-up and cosine decay solved {count(good['schedule'], 'warm-up + cosine')} against "
            f"{count(good['schedule'], 'constant')} at a constant rate") in prose
    assert (f"decoupled weight decay {count(good['weight decay'], 'decoupled')} against "
            f"{count(good['weight decay'], 'none')} without") in prose
    explorer = explorers.OptimiserExplorer(solved(LESSON)["rnn_jacobian"])
    (default, rho), xavier, orthogonal = (explorer.reach(init) for init in optimisers.INITS)
    assert f"$\\rho(W_{{hh}}) = {rho:.2f}$ and the gradient reaching step 0 is $10^{{{np.log10(default[0]):.0f}}}$" in prose
    assert f"orthogonal it is $10^{{{np.floor(np.log10(xavier[0][0])):.0f}}}$ to " \
           f"$10^{{{np.floor(np.log10(orthogonal[0][0])):.0f}}}$" in prose
    failed = [run for name, runs in optimisers.results()["runs"].items() if "PyTorch default" not in name
              for run in runs if run["final_accuracy"] < 0.9]
    lost = sum(max(run["accuracy"]) >= 0.9 for run in failed)
    stuck = sum(max(run["accuracy"]) < 0.6 for run in failed)
    assert f"Of the {len(failed)} seeds that failed, {stuck} never left chance" in prose
    assert f"and {lost} reached 90 % and then lost it" in prose and stuck + lost == len(failed)


def test_the_check_flag_compares_a_new_training_with_the_committed_runs(monkeypatch, capsys):
    committed = optimisers.results()
    monkeypatch.setattr(optimisers, "train_all", lambda: committed)
    optimisers.main(["--check"])
    assert "every run matches optimisers.json" in capsys.readouterr().out
    changed = {**committed, "runs": {**committed["runs"]}}
    name = optimisers.key("RMSprop", "constant", "none", "Xavier")
    changed["runs"][name] = [{**run, "final_accuracy": 0.0} for run in committed["runs"][name]]
    monkeypatch.setattr(optimisers, "train_all", lambda: changed)
    with pytest.raises(SystemExit, match="1 combinations differ"):
        optimisers.main(["--check"])
