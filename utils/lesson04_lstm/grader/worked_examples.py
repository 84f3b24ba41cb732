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
from utils.lesson04_lstm.grader import mistakes as catalogue
from utils.lesson04_lstm.grader import reference

PACKAGE = "lesson04_lstm"


class mistakes:  # noqa: N801 (stands in for the catalogue module: the visible tests' part of it)
    """The part of the mistake catalogue that the visible tests name, kept small as a data file must be: of the
    gate orders, the six that swap two blocks (as libraries and tutorials do: i, f, o, g is a common one); of the
    backward passes' mistakes, those the visible tests are meant to name (an example with B = 1 cannot show a mistake
    about the batch: one with B > 1 stores that one only), each with only the gradients it gets wrong."""

    @staticmethod
    def _swaps_two_blocks(message: str) -> bool:
        order = message.split("you read them as ")[-1].replace(", ", "")
        return sum(a != b for a, b in zip(order, "ifgo", strict=True)) == 2

    @staticmethod
    def _kept(found: dict, right: dict, wanted) -> dict:
        kept = {}
        for message, wrong in found.items():
            if "you read them as" in message and not mistakes._swaps_two_blocks(message):
                continue
            if not wanted(message):
                continue
            different = {name: value for name, value in wrong.items()
                         if not checks.close_enough(np.asarray(value), np.asarray(right[name]), 1e-7, 1e-9)}
            if different:
                kept[message] = different
        return kept

    @staticmethod
    def lstm_cell_forward(x_t, h_prev, c_prev, W_x, W_h, b):
        found = catalogue.lstm_cell_forward(x_t, h_prev, c_prev, W_x, W_h, b)
        return {message: wrong for message, wrong in found.items()
                if "you read them as" not in message or mistakes._swaps_two_blocks(message)}

    lstm_forward = staticmethod(catalogue.lstm_forward)

    CELL_BACKWARD_NAMED = ("you left out f_t", "yours is f_t * dc_t alone", "you used 1 - c_t**2",
                           "you left out the slope of tanh(c_t)", "you used dh_t * c_t", "you left out o_t",
                           "must be added", "you swapped them", "you read them as")

    @staticmethod
    def lstm_cell_backward(dh_t, dc_t, x_t, h_prev, c_prev, W_x, W_h, b):
        inputs = (dh_t, dc_t, x_t, h_prev, c_prev, W_x, W_h, b)
        right = cell_backward(*inputs)
        if len(x_t) == 1:
            def wanted(message):
                return any(part in message for part in mistakes.CELL_BACKWARD_NAMED)
        else:
            def wanted(message):
                return "averaged" in message
        return mistakes._kept(catalogue.lstm_cell_backward(*inputs), right, wanted)

    BACKWARD_NAMED = ("along the cell state", "from h_{t+1}", "(+=)", "you gave it hs[:, t] and cs[:, t]",
                      "you gave it hs[:, t],", "dc0 is the dc_prev", "dh0 is the dh_prev", "not to dc",
                      "swaps dh_prev and dc_prev")

    @staticmethod
    def lstm_backward(dhs, x, h0, c0, W_x, W_h, b):
        inputs = (dhs, x, h0, c0, W_x, W_h, b)
        return mistakes._kept(catalogue.lstm_backward(*inputs), sequence_backward(*inputs),
                              lambda message: any(part in message for part in mistakes.BACKWARD_NAMED))


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
    cell_grads = {"x_t": rng.normal(size=(2, 2)), "h_prev": rng.uniform(-1, 1, size=(2, 3)),
                  "c_prev": rng.normal(size=(2, 3))}
    cell_grads.update(W_x=rng.normal(size=(12, 2)), W_h=rng.normal(size=(12, 3)), b=rng.normal(size=12))
    cell_grads = {"dh_t": rng.normal(size=(2, 3)), "dc_t": rng.normal(size=(2, 3)), **cell_grads}
    rng = np.random.default_rng(44)
    sequence_grads = {"x": rng.normal(size=(2, 3, 2)), "h0": rng.uniform(-1, 1, size=(2, 2)),
                      "c0": rng.normal(size=(2, 2))}
    sequence_grads.update(W_x=rng.normal(size=(8, 2)), W_h=0.5 * rng.normal(size=(8, 2)), b=rng.normal(size=8))
    sequence_grads = {"dhs": rng.normal(size=(2, 3, 2)), **sequence_grads}
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
