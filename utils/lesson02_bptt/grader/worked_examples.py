"""Lesson 02, grader side: the worked examples of the visible tests, with the correct outputs and those of the
named mistakes on them, written to the learner side's data file (utils/lesson02_bptt/worked_examples.json):

    python -m utils.lesson02_bptt.grader.worked_examples

The inputs are those the notebook's visible tests write out or draw from their seeded generators;
`checks.worked_example` finds an example by them.
"""

from __future__ import annotations

import numpy as np

from utils import checks
from utils.lesson01_rnn_cell import torch_rnn
from utils.lesson02_bptt import torch_bptt
from utils.lesson02_bptt.grader import mistakes, reference

PACKAGE = "lesson02_bptt"
CELL_GRADIENTS = ("dx_t", "dh_prev", "dW_x", "dW_h", "db")
GRADIENTS = ("dx", "dh0", "dW_x", "dW_h", "db")


def cell_backward(dh_t, x_t, h_prev, h_t, W_x, W_h) -> dict[str, np.ndarray]:
    """Autograd of one cell step given its output h_t (so a hand-made h_t needs no bias that produces it)."""
    da = reference.tanh_backward(dh_t, h_t)
    return {**reference.linear_map_gradients(da, x_t, h_prev, W_x, W_h), "db": da.sum(axis=0)}


def sequence_backward(dhs, x, h0, hs, W_x, W_h, b) -> dict[str, np.ndarray]:
    grads = torch_bptt.rnn_gradients(x, h0, W_x, W_h, b, dhs)
    return {name: grads[name] for name in GRADIENTS}


def examples() -> list[tuple[str, dict, object]]:
    """(mistake catalogue's name, inputs, reference) of every example the visible tests use."""
    forward_by_hand = {"x": np.array([[[1.0], [2.0]]]), "h0": np.array([[0.2]]), "W_x": np.array([[0.5]]),
                       "W_h": np.array([[-1.0]]), "b": np.array([0.1])}
    rng = np.random.default_rng(21)
    forward = {"x": rng.normal(size=(3, 5, 2)), "h0": rng.uniform(-1, 1, size=(3, 4))}
    forward.update(W_x=rng.normal(size=(4, 2)), W_h=0.5 * rng.normal(size=(4, 4)), b=rng.normal(size=4))

    cell_by_hand = {"dh_t": np.array([[2.0]]), "x_t": np.array([[2.0]]), "h_prev": np.array([[0.5]]),
                    "h_t": np.array([[0.6]]), "W_x": np.array([[0.3]]), "W_h": np.array([[-0.4]])}
    rng = np.random.default_rng(22)
    x_t, h_prev = rng.normal(size=(2, 3)), rng.uniform(-1, 1, size=(2, 4))
    W_x, W_h, b = rng.normal(size=(4, 3)), rng.normal(size=(4, 4)), rng.normal(size=4)
    cell = {"dh_t": rng.normal(size=(2, 4)), "x_t": x_t, "h_prev": h_prev,
            "h_t": torch_rnn.rnn_cell_step(x_t, h_prev, W_x, W_h, b), "W_x": W_x, "W_h": W_h}

    rng = np.random.default_rng(23)
    x, h0 = rng.normal(size=(2, 3, 2)), rng.uniform(-1, 1, size=(2, 3))
    W_x, W_h, b = rng.normal(size=(3, 2)), rng.normal(size=(3, 3)), rng.normal(size=3)
    dhs = rng.normal(size=(2, 3, 3))
    hs = torch_bptt.rnn_gradients(x, h0, W_x, W_h, b, dhs)["hs"]
    sequence = {"dhs": dhs, "x": x, "h0": h0, "hs": hs, "W_x": W_x, "W_h": W_h, "b": b}
    return [
        ("rnn_forward", forward_by_hand, reference.run_rnn),
        ("rnn_forward", forward, reference.run_rnn),
        ("rnn_cell_backward", cell_by_hand, cell_backward),
        ("rnn_cell_backward", cell, cell_backward),
        ("rnn_backward", sequence, sequence_backward),
    ]


if __name__ == "__main__":
    print(checks.write_worked_examples(PACKAGE, mistakes, examples()))
