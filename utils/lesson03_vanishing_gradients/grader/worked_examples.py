"""Lesson 03, grader side: the worked examples of the visible tests, with the correct outputs and those of the
named mistakes on them, written to the learner side's data file
(utils/lesson03_vanishing_gradients/worked_examples.json):

    python -m utils.lesson03_vanishing_gradients.grader.worked_examples

The inputs are those the notebook's visible tests write out or draw from their seeded generators;
`checks.worked_example` finds an example by them.
"""

from __future__ import annotations

import numpy as np

from utils import checks
from utils.lesson03_vanishing_gradients import torch_jacobians
from utils.lesson03_vanishing_gradients.checks import flat
from utils.lesson03_vanishing_gradients.grader import mistakes, reference

PACKAGE = "lesson03_vanishing_gradients"


def scaled(W, rho: float) -> np.ndarray:
    return W * (rho / torch_jacobians.spectral_radius(W))


def clipped(grads: dict, max_norm: float) -> np.ndarray:
    return flat(reference.clip_grad_norm(grads, max_norm)[0])


def total_norm(grads: dict, max_norm: float) -> float:
    return reference.clip_grad_norm(grads, max_norm)[1]


def examples() -> list[tuple[str, dict, object]]:
    """(mistake catalogue's name, inputs, reference) of every example the visible tests use."""
    rng = np.random.default_rng(31)
    h_batch, W_batch = rng.uniform(-0.9, 0.9, size=(3, 4)), rng.normal(size=(4, 4))
    grads = {"W": np.array([[2.0, -2.0], [1.0, 0.0]]), "b": np.array([4.0])}
    tiny = {"W": np.array([[3e-4, 0.0]]), "b": np.array([4e-4]), "c": np.zeros((2, 2))}
    tiny["c"][1, 1] = np.sqrt(1e-6 - 25e-8)
    return [
        ("rnn_jacobian", {"h_t": np.array([[0.6, 0.0]]), "W_h": np.array([[1.0, 2.0], [3.0, 4.0]])},
         reference.jacobian_from_state),
        *[("rnn_jacobian", {"h_t": h_batch[row : row + 1], "W_h": W_batch}, reference.jacobian_from_state)
          for row in range(3)],
        ("scale_spectral_radius", {"W": np.array([[-0.9, 1.2], [0.0, 0.4]]), "rho": 1.8}, scaled),
        ("clip_total_norm", {"grads": grads, "max_norm": 1.0}, total_norm),
        ("clip_grad_norm", {"grads": grads, "max_norm": 1.0}, clipped),
        ("clip_grad_norm", {"grads": grads, "max_norm": 10.0}, clipped),
        ("clip_grad_norm", {"grads": tiny, "max_norm": 5e-4}, clipped),
    ]


if __name__ == "__main__":
    print(checks.write_worked_examples(PACKAGE, mistakes, examples()))
