"""Lesson 04, grader side: the worked examples of the visible tests, with the correct outputs and those of the
named mistakes on them, written to the learner side's data file (utils/lesson04_lstm/worked_examples.json):

    python -m utils.lesson04_lstm.grader.worked_examples

The inputs are those the notebook's visible tests write out or draw from their seeded generators;
`checks.worked_example` finds an example by them.
"""

from __future__ import annotations

import numpy as np

from utils import checks
from utils.lesson04_lstm import torch_lstm
from utils.lesson04_lstm.grader import mistakes, reference

PACKAGE = "lesson04_lstm"


def cell_step(x_t, h_prev, c_prev, W_x, W_h, b) -> dict[str, np.ndarray]:
    return dict(zip(("h_t", "c_t"), reference.lstm_cell_step(x_t, h_prev, c_prev, W_x, W_h, b), strict=True))


def run(x, h0, c0, W_x, W_h, b) -> dict[str, np.ndarray]:
    return dict(zip(("hs", "cs"), torch_lstm.run_lstm(x, h0, c0, W_x, W_h, b), strict=True))


def cell_backward(dh_t, dc_t, x_t, h_prev, c_prev, W_x, W_h, b) -> dict[str, np.ndarray]:
    grads = reference.lstm_cell_gradients(dh_t, dc_t, x_t, h_prev, c_prev, W_x, W_h, b)
    return {name: grads[name] for name in reference.CELL_GRADIENTS}


def sequence_backward(dhs, x, h0, c0, W_x, W_h, b) -> dict[str, np.ndarray]:
    grads = reference.lstm_gradients(dhs, x, h0, c0, W_x, W_h, b)
    return {name: grads[name] for name in reference.GRADIENTS}


def examples() -> list[tuple[str, dict, object]]:
    """(mistake catalogue's name, inputs, reference) of every example the visible tests use."""
    cell_by_hand = {"x_t": np.array([[1.0]]), "h_prev": np.array([[0.5]]), "c_prev": np.array([[2.0]]),
                    "W_x": np.array([[1.0], [1.5], [-1.0], [0.0]]), "W_h": np.array([[-2.0], [0.0], [0.0], [2.0]]),
                    "b": np.array([0.0, 0.5, 0.0, 0.0])}
    rng = np.random.default_rng(41)
    cell = {"x_t": rng.normal(size=(3, 2)), "h_prev": rng.uniform(-1, 1, size=(3, 4)), "c_prev": rng.normal(size=(3, 4))}
    cell.update(W_x=rng.normal(size=(16, 2)), W_h=rng.normal(size=(16, 4)), b=rng.normal(size=16))

    sequence_by_hand = {"x": np.array([[[1.0], [-1.0]]]), "h0": np.array([[0.0]]), "c0": np.array([[1.0]]),
                        "W_x": np.array([[0.0], [0.0], [1.0], [0.0]]), "W_h": np.zeros((4, 1)), "b": np.zeros(4)}
    rng = np.random.default_rng(42)
    sequence = {"x": rng.normal(size=(3, 5, 2)), "h0": rng.uniform(-1, 1, size=(3, 4)), "c0": rng.normal(size=(3, 4))}
    sequence.update(W_x=rng.normal(size=(16, 2)), W_h=0.5 * rng.normal(size=(16, 4)), b=rng.normal(size=16))

    backward_by_hand = {"dh_t": np.array([[2.0]]), "dc_t": np.array([[0.5]]), **cell_by_hand,
                        "c_prev": np.array([[-1.0]])}
    rng = np.random.default_rng(43)
    cell_grads = {"x_t": rng.normal(size=(3, 2)), "h_prev": rng.uniform(-1, 1, size=(3, 4)),
                  "c_prev": rng.normal(size=(3, 4))}
    cell_grads.update(W_x=rng.normal(size=(16, 2)), W_h=rng.normal(size=(16, 4)), b=rng.normal(size=16))
    cell_grads = {"dh_t": rng.normal(size=(3, 4)), "dc_t": rng.normal(size=(3, 4)), **cell_grads}
    rng = np.random.default_rng(44)
    sequence_grads = {"x": rng.normal(size=(2, 3, 2)), "h0": rng.uniform(-1, 1, size=(2, 3)),
                      "c0": rng.normal(size=(2, 3))}
    sequence_grads.update(W_x=rng.normal(size=(12, 2)), W_h=0.5 * rng.normal(size=(12, 3)), b=rng.normal(size=12))
    sequence_grads = {"dhs": rng.normal(size=(2, 3, 3)), **sequence_grads}
    return [
        ("lstm_cell_forward", cell_by_hand, cell_step),
        ("lstm_cell_forward", cell, cell_step),
        ("lstm_forward", sequence_by_hand, run),
        ("lstm_forward", sequence, run),
        ("lstm_cell_backward", backward_by_hand, cell_backward),
        ("lstm_cell_backward", cell_grads, cell_backward),
        ("lstm_backward", sequence_grads, sequence_backward),
    ]


if __name__ == "__main__":
    print(checks.write_worked_examples(PACKAGE, mistakes, examples()))
