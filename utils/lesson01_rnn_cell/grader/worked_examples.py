"""Lesson 01, grader side: the worked examples of the visible tests, with the correct outputs and those of the
named mistakes on them, written to the learner side's data file (utils/lesson01_rnn_cell/worked_examples.json):

    python -m utils.lesson01_rnn_cell.grader.worked_examples

The inputs are those the notebook's visible tests write out; `checks.worked_example` finds an example by them.
"""

from __future__ import annotations

import numpy as np

from utils import checks
from utils.lesson01_rnn_cell import torch_rnn
from utils.lesson01_rnn_cell.grader import mistakes, reference

PACKAGE = "lesson01_rnn_cell"


def param_count(input_size: int, hidden_size: int, output_size: int) -> int:
    arrays = torch_rnn.rnn_model_params(input_size, hidden_size, output_size, np.random.default_rng(0))
    return sum(array.size for array in arrays.values())


def examples() -> list[tuple[str, dict, object]]:
    """(mistake catalogue's name, inputs, reference) of every example the visible tests use."""
    cell = {
        "x_t": np.array([[1.0, -2.0]]),
        "h_prev": np.array([[0.5, 0.0, -1.0]]),
        "W_x": np.array([[0.1, 0.2], [0.0, -0.3], [0.4, 0.1]]),
        "W_h": np.array([[0.5, 0.0, 0.2], [-0.1, 0.3, 0.0], [0.0, 0.6, 0.1]]),
        "b": np.array([0.1, 0.0, -0.2]),
    }
    readout = {"h_t": np.array([[0.5, -1.0, 0.25]]), "W_y": np.array([[1.0, 0.0, 2.0], [0.0, -1.0, 4.0]]),
               "b_y": np.array([0.1, -0.2])}
    return [
        ("rnn_cell_forward", cell, torch_rnn.rnn_cell_step),
        ("linear_output", readout, lambda h_t, W_y, b_y: torch_rnn.linear_step(h_t, W_y, b_y)),
        ("softmax", {"z": np.array([[1.0, 2.0, 3.0]])}, reference.softmax),
        ("softmax", {"z": np.array([[1.0, 0.0], [1.0, 2.0], [1.0, -1.0]]), "axis": 0}, reference.softmax),
        ("rnn_param_count", {"input_size": 3, "hidden_size": 5, "output_size": 2}, param_count),
    ]


if __name__ == "__main__":
    print(checks.write_worked_examples(PACKAGE, mistakes, examples()))
