"""Lesson 05, grader side: torch references of one GRU step's backward pass.

`gru_cell_gradients` is autograd through torch.nn.GRUCell itself, loaded with the course-layout weights: the
reference of the hidden tests. `variant_gradients` is autograd through the same step written out with torch
operations, in the wrong variants a learner may have derived (`grader.mistakes` names them); with no variant it
equals torch.nn.GRUCell's gradients (the lesson's tests check that). `numeric_gradients` takes central differences
of the same loss in float64, as an independent check that needs no autograd at all.
"""

from __future__ import annotations

import numpy as np
import torch

from utils import checks
from utils.lesson05_gru import torch_gru
from utils.models import to_numpy, to_torch

INPUTS = ("x_t", "h_prev", "W_x", "W_h", "b_x", "b_h")
GRADIENTS = ("dx_t", "dh_prev", "dW_x", "dW_h", "db_x", "db_h")


def _leaves(**arrays) -> dict[str, torch.Tensor]:
    return {name: to_torch(array).requires_grad_(True) for name, array in arrays.items()}


def _gradients(leaves: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    return {"d" + name: to_numpy(leaf.grad) if leaf.grad is not None else np.zeros(tuple(leaf.shape))
            for name, leaf in leaves.items()}


def gru_cell_gradients(dh_t, x_t, h_prev, W_x, W_h, b_x, b_h) -> dict[str, np.ndarray]:
    """Autograd through one torch.nn.GRUCell step (weights loaded), for the loss L = sum(h_t * dh_t).

    Returns h_t and dx_t, dh_prev, dW_x, dW_h, db_x, db_h (torch's weight_ih, weight_hh, bias_ih, bias_hh).
    """
    cell = torch_gru.load_gru_cell(W_x, W_h, b_x, b_h)
    x, h = to_torch(x_t).requires_grad_(True), to_torch(h_prev).requires_grad_(True)
    h_t = cell(x, h)
    h_t.backward(to_torch(dh_t))
    return {"h_t": to_numpy(h_t), "dx_t": to_numpy(x.grad), "dh_prev": to_numpy(h.grad),
            "dW_x": to_numpy(cell.weight_ih.grad), "dW_h": to_numpy(cell.weight_hh.grad),
            "db_x": to_numpy(cell.bias_ih.grad), "db_h": to_numpy(cell.bias_hh.grad)}


def cell_backward(dh_t, x_t, h_prev, W_x, W_h, b_x, b_h) -> dict[str, np.ndarray]:
    """The six gradients of `gru_cell_gradients`, without h_t: the expected answer of gru_cell_backward."""
    grads = gru_cell_gradients(dh_t, x_t, h_prev, W_x, W_h, b_x, b_h)
    return {name: grads[name] for name in GRADIENTS}


def variant_step(x, h, W_x, W_h, b_x, b_h, *, order: str = "rzn", reset: str = "after", mix: str = "torch",
                 backward: str = "right") -> torch.Tensor:
    """One GRU step on torch tensors, written out; autograd through it gives the gradients of a variant.

    order:    "rzn" torch's stacking; "zrn" the first block read as z and the second as r
    reset:    "after" r * (W_hn h + b_hn) (torch); "before" W_hn (r * h) + b_hn (Cho et al.);
              "outside" r * (W_hn h) + b_hn (b_hn not reset); "none" W_hn h + b_hn
    mix:      "torch" (1 - z) n + z h; "seed" (1 - z) h + z n
    backward: "right", or a wrong backward pass of torch's forward (the forward value is unchanged):
              "no direct path"  dh_prev misses dh_t * z, the blend's own path to h_prev
              "direct path only" dh_prev is dh_t * z alone: nothing flows back through the gates and the candidate
              "dz sign"          dz = dh_t * (n - h_prev) instead of dh_t * (h_prev - n)
              "dr without b_hn"  dr = da_n * (W_hn h) instead of da_n * (W_hn h + b_hn)
              "dhn without r"    the gradient of W_hn h + b_hn is da_n instead of r * da_n
              "gates constant"   r and z treated as constants: no gradient reaches their weights
              "tanh slope 1 - n" the candidate's slope taken as 1 - n instead of 1 - n**2
    """
    hidden = W_h.shape[1]
    if order == "zrn":
        blocks = np.r_[hidden : 2 * hidden, 0:hidden, 2 * hidden : 3 * hidden]
        W_x, W_h, b_x, b_h = (w[torch.as_tensor(blocks)] for w in (W_x, W_h, b_x, b_h))
    elif order != "rzn":
        raise ValueError(f"unknown order {order!r}")
    gate_x = torch.nn.functional.linear(x, W_x, b_x).chunk(3, dim=-1)
    h_in = h.detach() if backward == "direct path only" else h
    W_hr, W_hz, W_hn = W_h.chunk(3, dim=0)
    b_hr, b_hz, b_hn = b_h.chunk(3)
    r = torch.sigmoid(gate_x[0] + torch.nn.functional.linear(h_in, W_hr, b_hr))
    z = torch.sigmoid(gate_x[1] + torch.nn.functional.linear(h_in, W_hz, b_hz))
    if backward == "gates constant":
        r, z = r.detach(), z.detach()
    state_n = torch.nn.functional.linear(h_in, W_hn, b_hn)
    if reset == "after":
        if backward == "dr without b_hn":  # the same value; r's gradient sees W_hn h only
            recurrent = r * torch.nn.functional.linear(h_in, W_hn) + r.detach() * b_hn
        elif backward == "dhn without r":  # the same value; W_hn h + b_hn receives da_n unscaled
            recurrent = r * state_n.detach() + (state_n - state_n.detach())
        else:
            recurrent = r * state_n
    elif reset == "before":
        recurrent = torch.nn.functional.linear(r * h_in, W_hn, b_hn)
    elif reset == "outside":
        recurrent = r * torch.nn.functional.linear(h_in, W_hn) + b_hn
    elif reset == "none":
        recurrent = state_n
    else:
        raise ValueError(f"unknown reset placement {reset!r}")
    pre_n = gate_x[2] + recurrent
    n = torch.tanh(pre_n)
    if backward == "tanh slope 1 - n":  # the same value, the slope 1 - n
        n = n.detach() + (pre_n - pre_n.detach()) * (1 - n).detach()
    if mix == "seed":
        return (1 - z) * h + z * n
    if mix != "torch":
        raise ValueError(f"unknown mix {mix!r}")
    if backward == "no direct path":
        return (1 - z) * n + z * h.detach()
    if backward == "dz sign":  # the same value; z's gradient is dh_t * (n - h_prev)
        keep = z.detach()
        return (1 - keep) * n + keep * h + (z - keep) * (n - h).detach()
    return (1 - z) * n + z * h


def variant_gradients(dh_t, x_t, h_prev, W_x, W_h, b_x, b_h, **variant) -> dict[str, np.ndarray]:
    """Autograd of L = sum(h_t * dh_t) through `variant_step(..., **variant)`, with respect to the inputs as given
    (a learner who read the stack in another order still writes each gradient into the rows they read)."""
    leaves = _leaves(x_t=x_t, h_prev=h_prev, W_x=W_x, W_h=W_h, b_x=b_x, b_h=b_h)
    h_t = variant_step(*leaves.values(), **variant)
    h_t.backward(to_torch(dh_t))
    return _gradients(leaves)


def numeric_gradients(dh_t, x_t, h_prev, W_x, W_h, b_x, b_h, eps: float = 1e-6) -> dict[str, np.ndarray]:
    """Central differences of L = sum(h_t * dh_t), h_t by torch.nn.GRUCell, with respect to each input (float64).

    Works on copies: the arrays given are left as they are."""
    arrays = {name: np.array(value, dtype=np.float64) for name, value in zip(INPUTS, (x_t, h_prev, W_x, W_h, b_x, b_h),
                                                                           strict=True)}
    upstream = np.array(dh_t, dtype=np.float64)

    def loss() -> float:
        return float((torch_gru.gru_cell_step(*arrays.values()) * upstream).sum())

    return {"d" + name: checks.numeric_gradient(loss, array, eps) for name, array in arrays.items()}
