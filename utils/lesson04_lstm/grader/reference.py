"""Lesson 04, grader side: torch references of one LSTM step, of its backward pass (autograd through
torch.nn.LSTMCell) and of backpropagation through a whole sequence (autograd through torch.nn.LSTM), and the
parameter count of the course's LSTM cell (one summed bias).
"""

from __future__ import annotations

import numpy as np
import torch

from utils import models
from utils.lesson04_lstm import torch_lstm
from utils.models import to_numpy, to_torch

CELL_GRADIENTS = ("dx_t", "dh_prev", "dc_prev", "dW_x", "dW_h", "db")
GRADIENTS = ("dx", "dh0", "dc0", "dW_x", "dW_h", "db")


def lstm_cell_step(x_t, h_prev, c_prev, W_x, W_h, b) -> tuple[np.ndarray, np.ndarray]:
    """(h_t, c_t) computed by torch.nn.LSTMCell loaded with the course-layout weights."""
    with torch.no_grad():
        h_t, c_t = torch_lstm.load_lstm_cell(W_x, W_h, b)(to_torch(x_t), (to_torch(h_prev), to_torch(c_prev)))
    return to_numpy(h_t), to_numpy(c_t)


def lstm_param_count(input_size: int, hidden_size: int) -> int:
    """The numbers in W_x, W_h and one summed bias b: torch's LSTM counts two bias vectors of 4H, the course one."""
    return models.parameter_count("lstm", input_size, hidden_size) - 4 * hidden_size


def _leaves(**arrays) -> dict[str, torch.Tensor]:
    return {name: to_torch(array).requires_grad_(True) for name, array in arrays.items()}


def _grad(leaf: torch.Tensor) -> np.ndarray:
    return to_numpy(leaf.grad) if leaf.grad is not None else np.zeros(tuple(leaf.shape))


def _module_gradients(module, suffix: str) -> dict[str, np.ndarray]:
    """dW_x, dW_h and db of a loaded torch LSTM(Cell): the course's one bias b sits in bias_ih (bias_hh is 0, and
    both get the same gradient)."""
    return {"dW_x": _grad(getattr(module, "weight_ih" + suffix)), "dW_h": _grad(getattr(module, "weight_hh" + suffix)),
            "db": _grad(getattr(module, "bias_ih" + suffix))}


def torch_cell_gradients(cell: torch.nn.LSTMCell, dh_t, dc_t, x_t, h_prev, c_prev) -> dict[str, np.ndarray]:
    """Autograd through one step of the torch.nn.LSTMCell `cell` (its own two biases) for the loss
    L = sum(h_t * dh_t) + sum(c_t * dc_t): dh_t reaches h_t, dc_t reaches c_t from the next step.

    Returns h_t, c_t and the gradients dx_t, dh_prev, dc_prev, dW_x, dW_h, db (db: that of either bias, the same).
    """
    cell.zero_grad(set_to_none=True)
    leaves = _leaves(x_t=x_t, h_prev=h_prev, c_prev=c_prev)
    h_t, c_t = cell(leaves["x_t"], (leaves["h_prev"], leaves["c_prev"]))
    torch.autograd.backward([h_t, c_t], [to_torch(dh_t), to_torch(dc_t)])
    result = {"h_t": to_numpy(h_t.detach()), "c_t": to_numpy(c_t.detach()),
              **{"d" + name: _grad(leaf) for name, leaf in leaves.items()}, **_module_gradients(cell, "")}
    cell.zero_grad(set_to_none=True)
    return result


def lstm_cell_gradients(dh_t, dc_t, x_t, h_prev, c_prev, W_x, W_h, b) -> dict[str, np.ndarray]:
    """torch_cell_gradients of a torch.nn.LSTMCell loaded with the course-layout weights."""
    return torch_cell_gradients(torch_lstm.load_lstm_cell(W_x, W_h, b), dh_t, dc_t, x_t, h_prev, c_prev)


def torch_lstm_gradients(module: torch.nn.LSTM, dhs, x, h0, c0) -> dict[str, np.ndarray]:
    """Autograd of L = sum(hs * dhs) through the one-layer torch.nn.LSTM(batch_first=True) `module` (its own two
    biases) run over x (B, T, D) from (h0, c0): dx, dh0, dc0, dW_x, dW_h, db, and the hidden states hs."""
    module.zero_grad(set_to_none=True)
    leaves = _leaves(x=x, h0=h0, c0=c0)
    hs, _ = module(leaves["x"], (leaves["h0"][None], leaves["c0"][None]))
    (hs * to_torch(dhs)).sum().backward()
    result = {"hs": to_numpy(hs.detach()), **{"d" + name: _grad(leaf) for name, leaf in leaves.items()},
              **_module_gradients(module, "_l0")}
    module.zero_grad(set_to_none=True)
    return result


def lstm_gradients(dhs, x, h0, c0, W_x, W_h, b) -> dict[str, np.ndarray]:
    """torch_lstm_gradients of a torch.nn.LSTM loaded with the course-layout weights."""
    return torch_lstm_gradients(torch_lstm.load_lstm(W_x, W_h, b), dhs, x, h0, c0)


def sequence_loss(dhs, x, h0, c0, W_x, W_h, b) -> float:
    """L = sum(hs * dhs) with hs from torch.nn.LSTM: what the central-difference checks differentiate."""
    return float((torch_lstm.run_lstm(x, h0, c0, W_x, W_h, b)[0] * np.asarray(dhs)).sum())


def cell_loss(dh_t, dc_t, x_t, h_prev, c_prev, W_x, W_h, b) -> float:
    """L = sum(h_t * dh_t) + sum(c_t * dc_t) with (h_t, c_t) from torch.nn.LSTMCell."""
    h_t, c_t = lstm_cell_step(x_t, h_prev, c_prev, W_x, W_h, b)
    return float((h_t * np.asarray(dh_t)).sum() + (c_t * np.asarray(dc_t)).sum())
