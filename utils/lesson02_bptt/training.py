"""Lesson 02: training with the learner's own BPTT, and truncated BPTT.

The recurrent part (forward and backward) is the learner's numpy code; what surrounds it comes from torch, so that a
run with the learner's gradients and a run with torch autograd can be compared step for step.
"""

from __future__ import annotations

import numpy as np
import torch

from utils.lesson01_rnn_cell import torch_rnn
from utils.models import DTYPE, to_numpy, to_torch


class TorchAdam:
    """torch.optim.Adam over numpy arrays: step(grads) updates the arrays of `params` in place."""

    def __init__(self, params: dict[str, np.ndarray], lr: float):
        self.tensors = {name: torch.from_numpy(array) for name, array in params.items()}  # shares their memory
        self.optimizer = torch.optim.Adam(list(self.tensors.values()), lr=lr)

    def step(self, grads: dict[str, np.ndarray]) -> None:
        for name, tensor in self.tensors.items():
            tensor.grad = to_torch(grads[name])
        self.optimizer.step()


def readout_loss(hs, W_y, b_y, targets) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Mean squared error of the readout y_t = W_y h_t + b_y at every step, and by autograd its gradients
    (loss, dL/dhs (B, T, H), dL/dW_y, dL/db_y)."""
    hs_t, W_y_t, b_y_t = (to_torch(a).requires_grad_(True) for a in (hs, W_y, b_y))
    loss = torch.nn.functional.mse_loss(torch.nn.functional.linear(hs_t, W_y_t, b_y_t), to_torch(targets))
    loss.backward()
    return float(loss.detach()), *(to_numpy(t.grad) for t in (hs_t, W_y_t, b_y_t))


def train_with_autograd(params: dict[str, np.ndarray], batches, lr: float) -> list[float]:
    """The same model (torch.nn.RNN + Linear, starting from `params`) trained by autograd on the same batches
    with the same optimiser; returns the loss of every step."""
    rnn = torch_rnn.load_rnn(params["W_x"], params["W_h"], params["b"])
    rnn.bias_hh_l0.requires_grad_(False)  # the course's cell has one bias: keep the second at zero
    readout = torch.nn.Linear(*np.shape(params["W_y"])[::-1]).to(DTYPE)
    with torch.no_grad():
        readout.weight.copy_(to_torch(params["W_y"]))
        readout.bias.copy_(to_torch(params["b_y"]))
    trainable = [p for p in [*rnn.parameters(), *readout.parameters()] if p.requires_grad]
    optimizer = torch.optim.Adam(trainable, lr=lr)
    losses = []
    for x, y in batches:
        optimizer.zero_grad()
        hs, _ = rnn(to_torch(x))
        loss = torch.nn.functional.mse_loss(readout(hs), to_torch(y))
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    return losses


def truncated_gradients(rnn_backward, dhs, x, h0, hs, W_x, W_h, window: int) -> dict[str, np.ndarray]:
    """Truncated BPTT built from a full `rnn_backward`: run it on chunks of `window` steps and drop the gradient
    that would leave each chunk through its initial state. The forward pass (hs) is the full one."""
    steps = np.shape(x)[1]
    total = {"dW_x": 0.0, "dW_h": 0.0, "db": 0.0}
    dx = []
    for start in range(0, steps, window):
        stop = min(start + window, steps)
        chunk_h0 = h0 if start == 0 else hs[:, start - 1]
        grads = rnn_backward(dhs[:, start:stop], x[:, start:stop], chunk_h0, hs[:, start:stop], W_x, W_h)
        for name in total:
            total[name] = total[name] + np.asarray(grads[name])
        dx.append(np.asarray(grads["dx"]))
        if start == 0:
            dh0 = np.asarray(grads["dh0"])
    return {"dx": np.concatenate(dx, axis=1), "dh0": dh0, **total}
