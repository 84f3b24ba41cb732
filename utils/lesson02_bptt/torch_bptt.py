"""Lesson 02, learner side: backpropagation through time by torch autograd, in the course's layout.

The BPTT player and the gradient-check experiment compare the learner's gradients with these.
"""

from __future__ import annotations

import numpy as np
import torch

from utils.models import DTYPE, to_numpy, to_torch


def leaf_tensors(**arrays) -> dict[str, torch.Tensor]:
    return {name: to_torch(array).requires_grad_(True) for name, array in arrays.items()}


def rnn_gradients(x, h0, W_x, W_h, b, dhs, truncate: int | None = None) -> dict[str, np.ndarray]:
    """Autograd of L = sum(hs * dhs) through torch.nn.RNNCell unrolled over x: dx, dh0, dW_x, dW_h, db, and hs.

    Also dh_total (B, T, H): dL/dh_t along every path, through later steps included. `truncate=k` detaches the
    state every k steps, so that no gradient crosses a chunk boundary: truncated BPTT.
    """
    leaves = leaf_tensors(x=x, h0=h0, W_x=W_x, W_h=W_h, b=b)
    cell = torch.nn.RNNCell(np.shape(W_x)[1], np.shape(W_x)[0]).to(DTYPE)
    weights = {"weight_ih": leaves["W_x"], "weight_hh": leaves["W_h"], "bias_ih": leaves["b"],
               "bias_hh": torch.zeros_like(leaves["b"])}
    h, states = leaves["h0"], []
    for t in range(np.shape(x)[1]):
        if truncate and t and t % truncate == 0:
            h = h.detach()
        h = torch.func.functional_call(cell, weights, (leaves["x"][:, t], h))
        h.retain_grad()
        states.append(h)
    hs = torch.stack(states, dim=1)
    (hs * to_torch(dhs)).sum().backward()
    result = {"d" + name: to_numpy(leaf.grad) if leaf.grad is not None else np.zeros(np.shape(leaf.detach()))
              for name, leaf in leaves.items()}
    result["hs"] = to_numpy(hs)
    result["dh_total"] = np.stack([to_numpy(state.grad) for state in states], axis=1)
    return result
