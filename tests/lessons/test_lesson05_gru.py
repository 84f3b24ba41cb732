"""Lesson 05's library: the GRU's torch twins, variants, references and mistakes, the drawing and the explorers;
the numbers the notebook states."""

import re

import numpy as np
import pytest
from conftest import ROOT, solved

from autograder.notebooks import cells_by_id, read
from utils import models
from utils.lesson04_lstm import pretrained
from utils.lesson05_gru import drawings, explorers, torch_gru
from utils.lesson05_gru.grader import mistakes, reference

NOTEBOOK = ROOT / "source" / "05_gru" / "05_gru.ipynb"


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


def _backward_case(seed, B=3, D=2, H=4):
    rng = np.random.default_rng(seed)
    weights = torch_gru.gru_params(torch_gru.gru_cell(D, H, rng, scale=1.0))
    return {"dh_t": rng.normal(size=(B, H)), "x_t": rng.normal(size=(B, D)), "h_prev": rng.uniform(-1, 1, size=(B, H)),
            **weights}


def test_gru_backward_references_agree_autograd_written_out_and_central_differences():
    inputs = _backward_case(60)
    kept = {name: array.copy() for name, array in inputs.items()}
    torch_grads = reference.gru_cell_gradients(**inputs)
    np.testing.assert_allclose(torch_grads["h_t"], torch_gru.gru_cell_step(*list(inputs.values())[1:]), atol=1e-15)
    written_out = reference.variant_gradients(**inputs)
    numeric = reference.numeric_gradients(**inputs)
    for name in reference.GRADIENTS:
        assert torch_grads[name].shape == kept[name[1:]].shape
        np.testing.assert_allclose(written_out[name], torch_grads[name], atol=1e-14)
        np.testing.assert_allclose(numeric[name], torch_grads[name], atol=1e-8)
    for name, array in inputs.items():  # references work on copies
        np.testing.assert_array_equal(array, kept[name])


def test_gru_backward_mistakes_are_wrong_answers():
    inputs = _backward_case(61)
    right = reference.cell_backward(**inputs)
    found = mistakes.gru_cell_backward(**inputs)
    assert len(found) >= 12
    for message, wrong in found.items():
        assert set(wrong) <= set(right), message
        assert max(np.abs(wrong[name] - right[name]).max() for name in wrong) > 1e-6, message
    one = _backward_case(62, B=1, D=1, H=1)  # H = 1: the two reset placements are one model; B = 1: no average
    messages = list(mistakes.gru_cell_backward(**one))
    assert sum("outside the W_hn product" in m and "before the W_hn product" in m for m in messages) == 1
    assert not any("averaged" in m for m in messages)


def test_gru_backward_solution_matches_autograd_where_the_gates_saturate_and_b_hn_is_large():
    gru_cell_backward = solved("05_gru")["gru_cell_backward"]
    for seed, (scale_x, b_hn) in enumerate([(1.0, 0.0), (30.0, 0.0), (1.0, 3.0)]):
        inputs = _backward_case(63 + seed, B=4, D=3, H=5)
        inputs["x_t"] *= scale_x
        inputs["b_h"][10:] += b_hn
        got = dict(zip(reference.GRADIENTS, gru_cell_backward(**inputs), strict=True))
        for name, value in reference.cell_backward(**inputs).items():
            np.testing.assert_allclose(got[name], value, rtol=1e-10, atol=1e-12)


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


def test_highway_explorer_shows_the_learners_jacobian_tending_to_the_identity():
    gru_cell_backward = solved("05_gru")["gru_cell_backward"]
    explorer = explorers.HighwayExplorer(gru_cell_backward)
    explorer.update()
    assert explorer.ready and "differs" not in explorer.ax_jacobian.get_title()
    decayed = explorer.line.get_ydata()[-1]  # b_z = 0: the gradient fades over 40 steps
    assert decayed < 0.05
    explorer.set(z_bias=8.0)
    jacobian = np.asarray(explorer.image.get_array())
    assert np.abs(jacobian - np.eye(explorer.HIDDEN_SIZE)).max() < 0.01
    assert abs(explorer.line.get_ydata()[-1] - 1.0) < 0.05
    np.testing.assert_allclose(explorer.line.get_ydata(), explorer.torch_line.get_ydata(), rtol=1e-6)


def test_highway_explorer_flags_a_wrong_backward_and_reports_a_broken_one():
    gru_cell_backward = solved("05_gru")["gru_cell_backward"]

    def seed_convention(dh_t, x_t, h_prev, W_x, W_h, b_x, b_h):
        grads = reference.variant_gradients(dh_t, x_t, h_prev, W_x, W_h, b_x, b_h, mix="seed")
        return tuple(grads[name] for name in reference.GRADIENTS)

    wrong = explorers.HighwayExplorer(seed_convention)
    wrong.update()
    assert wrong.ready and "differs from autograd" in wrong.ax_jacobian.get_title()
    state = {"broken": True}

    def flaky(*args):
        return (np.zeros(3),) * 6 if state["broken"] else gru_cell_backward(*args)

    explorer = explorers.HighwayExplorer(flaky)
    explorer.update()
    assert not explorer.ready and "dh_prev" in explorer.status.value and "\n" not in explorer.status.value
    state["broken"] = False
    explorer.set(z_bias=2.0)
    assert explorer.ready and explorer.status.value == ""


def test_the_backward_pass_carries_the_most_points_and_the_loop_little():
    cells = [cell for cell in read(NOTEBOOK).cells if cell.metadata.get("nbgrader", {}).get("grade")]
    points = {}
    for cell in cells:
        name = cell.metadata["nbgrader"]["grade_id"].removeprefix("test_").removesuffix("_hidden")
        points[name] = points.get(name, 0) + cell.metadata["nbgrader"]["points"]
    assert sum(points.values()) == 100
    functions = {name: p for name, p in points.items() if not name.startswith("checkpoint_")}
    assert max(functions, key=functions.get) == "gru_cell_backward" and functions["gru_forward"] <= 10, functions


# Every number with three or more decimals that a test cell's comments state, with the value it must round to,
# computed here independently (by torch): a wrong digit in a comment fails this test.
_BY_HAND = {"x_t": np.array([[1.0]]), "h_prev": np.array([[0.5]]), "W_x": np.array([[0.0], [0.0], [0.5]]),
            "W_h": np.array([[0.0], [0.0], [2.0]]), "b_x": np.array([0.0, np.log(3.0), 0.0]),
            "b_h": np.array([0.0, 0.0, 0.4])}


def _stated_numbers() -> dict[str, dict[str, float]]:
    h_1 = float(torch_gru.gru_cell_step(**_BY_HAND)[0, 0])
    grads = reference.cell_backward(np.array([[1.0]]), **_BY_HAND)
    candidate = float(torch_gru.gru_gates(**_BY_HAND)["n"][0, 0])
    assert np.isclose(grads["dx_t"][0, 0], grads["db_h"][2])  # the comment's two 0.0381: dx_t and r * d_an
    return {
        "test_gru_cell_forward": {"0.8337": candidate, "0.5834": h_1},
        "test_gru_forward": {"0.5834": h_1},
        "test_gru_cell_backward": {"0.8337": candidate, "0.0763": grads["db_x"][2], "0.0267": grads["db_x"][0],
                                   "-0.0626": grads["db_x"][1], "0.0381": grads["db_h"][2],
                                   "0.8263": grads["dh_prev"][0, 0]},
    }


@pytest.mark.parametrize("grade_id", ["test_gru_cell_forward", "test_gru_forward", "test_gru_cell_backward"])
def test_every_number_a_worked_example_states_in_a_comment_is_right(grade_id):
    stated = _stated_numbers()[grade_id]
    for text, value in stated.items():
        assert f"{value:.4f}" == text, (grade_id, text, value)
    source = cells_by_id(read(NOTEBOOK))[grade_id].source
    comments = " ".join(line.split("#", 1)[1] for line in source.splitlines() if "#" in line)
    found = set(re.findall(r"-?\d+\.\d{3,}", comments))
    assert found == set(stated), f"{grade_id}: numbers in comments {sorted(found)}, checked {sorted(stated)}"


def test_the_experiments_prose_states_the_committed_figures():
    """Section 10's reading of the committed adding-problem runs: steps to the target, seconds, their ratio."""
    committed = pretrained.adding_results()
    text = next(cell.source for cell in read(NOTEBOOK).cells if cell.source.startswith("**What this shows"))
    gru, lstm = committed["gru"], committed["lstm"]
    assert f"({gru['first_below_0.01']} against {lstm['first_below_0.01']} in the committed runs)" in text
    assert f"GRU took {gru['seconds']:.1f} s for its {gru['steps']} steps and the LSTM {lstm['seconds']:.1f} s" in text
    assert gru["steps"] == lstm["steps"]
    assert f"about {gru['seconds'] / lstm['seconds']:.2f} times as long" in text
