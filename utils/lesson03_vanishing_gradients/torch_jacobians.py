"""Lesson 03, learner side: Jacobians through time, hidden states of torch RNNs, the spectral
radius, all by torch (the explorers and the experiments compare the learner's code with these).
"""

from __future__ import annotations

import numpy as np
import torch

from utils.lesson01_rnn_cell import torch_rnn
from utils.models import DTYPE, to_numpy, to_torch


def rnn_cell_jacobian(cell: torch.nn.RNNCell, x_t, h_prev) -> np.ndarray:
    """dh_t/dh_prev of a torch RNNCell for every example, shape (B, H, H), by autograd.

    Rows of a batch do not interact, so the Jacobian of the batch-summed output holds each example's own.
    """
    x = to_torch(x_t)
    jacobian = torch.autograd.functional.jacobian(lambda h: cell(x, h).sum(dim=0), to_torch(h_prev),
                                                  vectorize=True)  # (H, B, H), one batched backward pass
    return to_numpy(jacobian.permute(1, 0, 2))


def rnn_states(x, W_x, W_h, b, nonlinearity: str = "tanh") -> np.ndarray:
    """Hidden states hs (B, T, H) of a torch.nn.RNN with the course-layout weights, from h_0 = 0.

    nonlinearity "tanh" or "relu" (torch.nn.RNN's own), or "linear": the same recurrence with no activation.
    """
    if nonlinearity == "linear":
        x, W_x, W_h, b = (to_torch(a) for a in (x, W_x, W_h, b))
        h, states = torch.zeros(x.shape[0], W_h.shape[0], dtype=DTYPE), []
        for t in range(x.shape[1]):
            h = torch.nn.functional.linear(x[:, t], W_x, b) + torch.nn.functional.linear(h, W_h)
            states.append(h)
        return to_numpy(torch.stack(states, dim=1))
    with torch.no_grad():
        hs, _ = torch_rnn.load_rnn(W_x, W_h, b, nonlinearity)(to_torch(x))
    return to_numpy(hs)


def spectral_radius(W) -> float:
    """max |eigenvalue| of a square matrix, by torch.linalg.eigvals."""
    return float(torch.linalg.eigvals(to_torch(W)).abs().max())
