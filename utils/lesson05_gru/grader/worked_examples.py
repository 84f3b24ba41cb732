"""Lesson 05, grader side: the worked examples of the visible tests, with the correct outputs and those of the
named mistakes on them, written to the learner side's data file (utils/lesson05_gru/worked_examples.json):

    python -m utils.lesson05_gru.grader.worked_examples

The inputs are those the notebook's visible tests write out or draw from their seeded generators;
`checks.worked_example` finds an example by them.
"""

from __future__ import annotations

import numpy as np

from utils import checks
from utils.lesson05_gru import torch_gru
from utils.lesson05_gru.grader import mistakes, reference

PACKAGE = "lesson05_gru"


def examples() -> list[tuple[str, dict, object]]:
    """(mistake catalogue's name, inputs, reference) of every example the visible tests use."""
    by_hand = {"W_x": np.array([[0.0], [0.0], [0.5]]), "W_h": np.array([[0.0], [0.0], [2.0]]),
               "b_x": np.array([0.0, np.log(3.0), 0.0]), "b_h": np.array([0.0, 0.0, 0.4])}
    rng = np.random.default_rng(51)
    weights = torch_gru.gru_params(torch_gru.gru_cell(3, 4, rng, scale=1.0))
    cell = {"x_t": rng.normal(size=(2, 3)), "h_prev": rng.uniform(-1, 1, size=(2, 4)), **weights}
    rng = np.random.default_rng(52)
    weights = torch_gru.gru_params(torch_gru.gru_cell(2, 4, rng, scale=1.0))
    sequence = {"x": rng.normal(size=(3, 6, 2)), "h0": rng.uniform(-1, 1, size=(3, 4)), **weights}
    rng = np.random.default_rng(53)
    weights = torch_gru.gru_params(torch_gru.gru_cell(3, 4, rng, scale=1.0))
    x_t, h_prev, dh_t = rng.normal(size=(2, 3)), rng.uniform(-1, 1, size=(2, 4)), rng.normal(size=(2, 4))
    backward = {"dh_t": dh_t, "x_t": x_t, "h_prev": h_prev, **weights}
    backward_by_hand = {"dh_t": np.array([[1.0]]), "x_t": np.array([[1.0]]), "h_prev": np.array([[0.5]]), **by_hand}
    return [
        ("gru_cell_forward", {"x_t": np.array([[1.0]]), "h_prev": np.array([[0.5]]), **by_hand}, torch_gru.gru_cell_step),
        ("gru_cell_forward", cell, torch_gru.gru_cell_step),
        ("gru_forward", {"x": np.array([[[1.0], [-1.0]]]), "h0": np.array([[0.5]]), **by_hand}, torch_gru.run_gru),
        ("gru_forward", sequence, torch_gru.run_gru),
        ("gru_cell_backward", backward_by_hand, reference.cell_backward),
        ("gru_cell_backward", backward, reference.cell_backward),
    ]


if __name__ == "__main__":
    print(checks.write_worked_examples(PACKAGE, mistakes, examples()))
