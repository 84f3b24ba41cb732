"""Lesson 02, grader side: torch references of the forward pass over a sequence and of one
cell's backward pass, and the pieces `mistakes` feeds wrong inputs to.
"""

from __future__ import annotations

import numpy as np
import torch

from utils.lesson01_rnn_cell import torch_rnn
from utils.lesson02_bptt import torch_bptt
from utils.models import to_numpy, to_torch


def run_rnn(x, h0, W_x, W_h, b) -> np.ndarray:
    """All hidden states hs (B, T, H) of torch.nn.RNN run over x (B, T, D) from h0 (B, H)."""
    with torch.no_grad():
        hs, _ = torch_rnn.load_rnn(W_x, W_h, b)(to_torch(x), to_torch(h0)[None])
    return to_numpy(hs)


def rnn_cell_gradients(dh_t, x_t, h_prev, W_x, W_h, b) -> dict[str, np.ndarray]:
    """Autograd through one torch.nn.RNNCell step, given the upstream gradient dh_t = dL/dh_t.

    Returns h_t and the gradients dx_t, dh_prev, dW_x, dW_h, db (torch's two biases share one gradient).
    """
    leaves = torch_bptt.leaf_tensors(x_t=x_t, h_prev=h_prev, W_x=W_x, W_h=W_h, b=b)
    h_t = torch.tanh(torch.nn.functional.linear(leaves["x_t"], leaves["W_x"], leaves["b"])
                     + torch.nn.functional.linear(leaves["h_prev"], leaves["W_h"]))
    h_t.backward(to_torch(dh_t))
    return {"h_t": to_numpy(h_t), **{"d" + name: to_numpy(leaf.grad) for name, leaf in leaves.items()}}


def tanh_backward(dh, h) -> np.ndarray:
    """dL/da from dL/dh where h = tanh(a), by autograd through tanh at a = artanh(h)."""
    pre = to_torch(np.arctanh(np.clip(h, -1 + 1e-16, 1 - 1e-16))).requires_grad_(True)
    torch.tanh(pre).backward(to_torch(dh))
    return to_numpy(pre.grad)


def linear_map_gradients(da, x_t, h_prev, W_x, W_h) -> dict[str, np.ndarray]:
    """Autograd of the pre-activation a = x_t W_x^T + h_prev W_h^T + b alone, given dL/da: the part of a cell's
    backward pass after the tanh. `grader.mistakes` feeds it wrong inputs to predict likely wrong answers."""
    leaves = torch_bptt.leaf_tensors(x_t=x_t, h_prev=h_prev, W_x=W_x, W_h=W_h, b=np.zeros(np.shape(W_x)[0]))
    pre = (torch.nn.functional.linear(leaves["x_t"], leaves["W_x"], leaves["b"])
           + torch.nn.functional.linear(leaves["h_prev"], leaves["W_h"]))
    pre.backward(to_torch(da))
    return {"d" + name: to_numpy(leaf.grad) for name, leaf in leaves.items()}
