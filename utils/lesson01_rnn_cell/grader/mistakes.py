"""Lesson 01, grader side: the likely mistakes of each graded function, as the outputs they would
produce, computed with torch.

Each function returns {message: output}. `checks.expect_close` compares a learner's wrong answer with every entry
and, on a match, reports the message, e.g. "your output ignores h_prev".
"""

from __future__ import annotations

import numpy as np
import torch

from utils.lesson01_rnn_cell import torch_rnn
from utils.lesson01_rnn_cell.grader import reference
from utils.models import to_numpy, to_torch


def is_square(matrix: np.ndarray) -> bool:
    return matrix.shape[0] == matrix.shape[1]


def rnn_cell_forward(x_t, h_prev, W_x, W_h, b) -> dict[str, np.ndarray]:
    step = torch_rnn.rnn_cell_step
    zeros_b = np.zeros_like(b)
    pre = torch_rnn.linear_step(x_t, W_x, b) + torch_rnn.linear_step(h_prev, W_h, zeros_b)
    pre_t = to_torch(pre)
    found = {
        "your output ignores h_prev: the W_h h_prev term is missing": step(x_t, 0 * h_prev, W_x, W_h, b),
        "your output ignores x_t: the W_x x_t term is missing": step(0 * x_t, h_prev, W_x, W_h, b),
        "your output ignores the bias b": step(x_t, h_prev, W_x, W_h, zeros_b),
        "you returned the pre-activation; apply tanh to it": pre,
        "you applied sigmoid; the cell uses tanh": to_numpy(torch.sigmoid(pre_t)),
        "you applied ReLU; the cell uses tanh": to_numpy(torch.relu(pre_t)),
        "you added the bias after tanh instead of inside it": np.tanh(pre - b) + b,
        "tanh must wrap the whole sum W_x x_t + W_h h_prev + b, not only the input term": (
            np.tanh(torch_rnn.linear_step(x_t, W_x, zeros_b)) + torch_rnn.linear_step(h_prev, W_h, b)
        ),
    }
    if is_square(W_h):
        found["W_h is used untransposed: the recurrent term is h_prev @ W_h.T"] = step(x_t, h_prev, W_x, W_h.T, b)
    if is_square(W_x):
        found["W_x is used untransposed: the input term is x_t @ W_x.T"] = step(x_t, h_prev, W_x.T, W_h, b)
    return found


def linear_output(h_t, W_y, b_y) -> dict[str, np.ndarray]:
    logits = torch_rnn.linear_step(h_t, W_y, b_y)
    found = {
        "your output ignores the bias b_y": torch_rnn.linear_step(h_t, W_y, np.zeros_like(b_y)),
        "you subtracted b_y instead of adding it": torch_rnn.linear_step(h_t, W_y, -b_y),
        "the readout is linear: do not apply tanh to it": np.tanh(logits),
        "the readout returns logits: do not apply softmax here": reference.softmax(logits),
    }
    if is_square(W_y):
        found["W_y is used untransposed: the readout is h_t @ W_y.T + b_y"] = torch_rnn.linear_step(h_t, W_y.T, b_y)
    return found


def softmax(z, axis: int = -1) -> dict[str, np.ndarray]:
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        exp = np.exp(z - z.max(axis=axis, keepdims=True))
        found = {
            "the probabilities are not normalised: divide by the sum along the axis": exp,
            "exponentiate before normalising (softmax is exp(z) / sum exp(z))": z / z.sum(axis=axis, keepdims=True),
            "you normalised over the whole array instead of along `axis`": np.exp(z - z.max()) / np.exp(z - z.max()).sum(),
            "you returned log-probabilities (log-softmax); return probabilities": np.log(reference.softmax(z, axis)),
        }
    for other in range(z.ndim):
        if other != axis % z.ndim:
            found[f"you normalised along axis {other}; use the `axis` argument (here {axis})"] = reference.softmax(z, other)
    return found


def rnn_param_count(input_size: int, hidden_size: int, output_size: int) -> dict[str, int]:
    sizes = {name: array.size for name, array in
             torch_rnn.rnn_model_params(input_size, hidden_size, output_size, np.random.default_rng(0)).items()}
    total = sum(sizes.values())
    return {
        "you counted two cell biases: torch's RNNCell keeps bias_ih and bias_hh, the course's cell keeps one, their sum":
            total + sizes["b"],
        "you left out the cell bias b": total - sizes["b"],
        "you left out the readout bias b_y": total - sizes["b_y"],
        "you left out the biases b and b_y": total - sizes["b"] - sizes["b_y"],
        "you left out the readout W_y and b_y": total - sizes["W_y"] - sizes["b_y"],
        "W_h is a full (H, H) matrix, not H numbers": total - sizes["W_h"] + hidden_size,
    }
