"""Lesson 03, grader side: torch's clip_grad_norm_ on numpy gradients, and the Jacobian from
the state alone that `mistakes` feeds wrong inputs to.
"""

from __future__ import annotations

import numpy as np
import torch

from utils.models import DTYPE, to_numpy, to_torch


def jacobian_from_state(h_t, W_h) -> np.ndarray:
    """dh_t/dh_prev of the tanh cell knowing only h_t: autograd through tanh(a + h_prev W_h^T) at h_prev = 0 with
    a = artanh(h_t), which has the same h_t. `grader.mistakes` feeds it wrong inputs to predict wrong answers."""
    h_t = np.asarray(h_t, dtype=np.float64)
    pre = to_torch(np.arctanh(np.clip(h_t, -1 + 1e-16, 1 - 1e-16)))
    W = to_torch(W_h)

    def summed(h):
        return torch.tanh(pre + torch.nn.functional.linear(h, W)).sum(dim=0)

    jacobian = torch.autograd.functional.jacobian(summed, torch.zeros(h_t.shape[0], W.shape[1], dtype=DTYPE),
                                                  vectorize=True)
    return to_numpy(jacobian.permute(1, 0, 2))


def clip_grad_norm(grads: dict, max_norm: float) -> tuple[dict[str, np.ndarray], float]:
    """torch.nn.utils.clip_grad_norm_ on float64 parameters whose .grad are `grads`: (clipped copies, total norm)."""
    parameters = {}
    for name, grad in grads.items():
        parameters[name] = torch.nn.Parameter(torch.zeros(np.shape(grad), dtype=DTYPE))
        parameters[name].grad = to_torch(grad)
    total = torch.nn.utils.clip_grad_norm_(list(parameters.values()), max_norm)
    return {name: to_numpy(parameter.grad) for name, parameter in parameters.items()}, float(total)
