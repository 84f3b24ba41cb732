"""Lesson 05, learner side: the GRU as torch modules in the course's layout, its gates, and the
variants the lesson compares.

torch's GRU keeps W_x = weight_ih (3H, D), W_h = weight_hh (3H, H), b_x = bias_ih (3H,), b_h = bias_hh (3H,),
the gates stacked r, z, n (torch.nn.GRU's documented equations, the reset gate placed as in cuDNN):
  r = sigmoid(W_xr x + b_xr + W_hr h + b_hr),  z = sigmoid(W_xz x + b_xz + W_hz h + b_hz),
  n = tanh(W_xn x + b_xn + r * (W_hn h + b_hn)),  h' = (1 - z) * n + z * h.
b_hn sits inside the reset gate, so the course keeps both bias vectors (they cannot be summed as for the RNN).
"""

from __future__ import annotations

import numpy as np
import torch

from utils.lesson01_rnn_cell import torch_rnn
from utils.models import DTYPE, fill_uniform, to_numpy, to_torch

GRU_GATES = ("r", "z", "n")


def gru_cell(input_size: int, hidden_size: int, rng: np.random.Generator, scale: float | None = None) -> torch.nn.GRUCell:
    """A float64 torch.nn.GRUCell with every weight and both biases drawn from `rng` (U(-scale, scale))."""
    cell = torch.nn.GRUCell(input_size, hidden_size).to(DTYPE)
    fill_uniform(cell, rng, scale if scale is not None else 1.0 / np.sqrt(hidden_size))
    return cell


def gru_params(module: torch.nn.Module) -> dict[str, np.ndarray]:
    """W_x (3H, D), W_h (3H, H), b_x (3H,), b_h (3H,) of a torch GRUCell or one-layer GRU, gates r, z, n."""
    suffix = "_l0" if isinstance(module, torch.nn.GRU) else ""
    names = {"W_x": "weight_ih", "W_h": "weight_hh", "b_x": "bias_ih", "b_h": "bias_hh"}
    return {name: to_numpy(getattr(module, torch_name + suffix)) for name, torch_name in names.items()}


def gru_arrays(W_x, W_h, b_x, b_h) -> list[np.ndarray]:
    arrays = [np.asarray(a, dtype=np.float64) for a in (W_x, W_h, b_x, b_h)]
    three_h, hidden = arrays[1].shape
    if three_h != 3 * hidden:
        raise ValueError(f"W_h must have shape (3H, H); got {arrays[1].shape}")
    return arrays


def load_gru_cell(W_x, W_h, b_x, b_h) -> torch.nn.GRUCell:
    """A float64 torch GRUCell holding the course-layout weights."""
    W_x, W_h, b_x, b_h = gru_arrays(W_x, W_h, b_x, b_h)
    return torch_rnn.load_weights(torch.nn.GRUCell(W_x.shape[1], W_h.shape[1]).to(DTYPE), W_x, W_h, b_x, b_h)


def load_gru(W_x, W_h, b_x, b_h) -> torch.nn.GRU:
    """A float64 one-layer torch.nn.GRU (batch_first) holding the course-layout weights."""
    return torch_rnn.layer_from_cell(load_gru_cell(W_x, W_h, b_x, b_h), torch.nn.GRU)


def run_gru_cell(cell: torch.nn.GRUCell, x_t, h_prev) -> np.ndarray:
    """One step of a torch GRUCell on numpy inputs: h_t (B, H)."""
    with torch.no_grad():
        return to_numpy(cell(to_torch(x_t), to_torch(h_prev)))


def gru_cell_step(x_t, h_prev, W_x, W_h, b_x, b_h) -> np.ndarray:
    """h_t computed by torch.nn.GRUCell loaded with the course-layout weights."""
    return run_gru_cell(load_gru_cell(W_x, W_h, b_x, b_h), x_t, h_prev)


def run_gru(x, h0, W_x, W_h, b_x, b_h) -> np.ndarray:
    """All hidden states hs (B, T, H) of torch.nn.GRU (batch_first) run over x (B, T, D) from h0 (B, H)."""
    with torch.no_grad():
        hs, _ = load_gru(W_x, W_h, b_x, b_h)(to_torch(x), to_torch(h0)[None])
    return to_numpy(hs)


def gru_gates(x_t, h_prev, W_x, W_h, b_x, b_h) -> dict[str, np.ndarray]:
    """The gates r, z and the candidate n of one torch-convention GRU step, each (B, H), by torch operations."""
    x, h = to_torch(x_t), to_torch(h_prev)
    input_part = torch.nn.functional.linear(x, to_torch(W_x), to_torch(b_x)).chunk(3, dim=-1)
    state_part = torch.nn.functional.linear(h, to_torch(W_h), to_torch(b_h)).chunk(3, dim=-1)
    reset = torch.sigmoid(input_part[0] + state_part[0])
    update = torch.sigmoid(input_part[1] + state_part[1])
    candidate = torch.tanh(input_part[2] + reset * state_part[2])
    return {"r": to_numpy(reset), "z": to_numpy(update), "n": to_numpy(candidate)}


def gru_cell_variant(x_t, h_prev, W_x, W_h, b_x, b_h, reset: str = "after", mix: str = "torch",
                     gate=torch.sigmoid, candidate=torch.tanh) -> np.ndarray:
    """One GRU step written out with torch operations, in the variants the course compares (and `grader.mistakes`
    uses to predict wrong answers). The defaults are torch.nn.GRUCell exactly.

    reset: "after"  r * (W_hn h + b_hn)   torch and cuDNN
           "before" W_hn (r * h) + b_hn   Cho et al. (2014)
           "none"   W_hn h + b_hn         no reset gate
    mix:   "torch"  (1 - z) * n + z * h   z keeps the old state
           "seed"   (1 - z) * h + z * n   z lets the new candidate in (Cho et al. 2014; the seed notes)
           "none"   n                     no update gate
    """
    x, h = to_torch(x_t), to_torch(h_prev)
    W_hr, W_hz, W_hn = to_torch(W_h).chunk(3, dim=0)
    b_hr, b_hz, b_hn = to_torch(b_h).chunk(3)
    from_input = torch.nn.functional.linear(x, to_torch(W_x), to_torch(b_x)).chunk(3, dim=-1)
    r = gate(from_input[0] + torch.nn.functional.linear(h, W_hr, b_hr))
    z = gate(from_input[1] + torch.nn.functional.linear(h, W_hz, b_hz))
    if reset == "after":
        recurrent = r * torch.nn.functional.linear(h, W_hn, b_hn)
    elif reset == "before":
        recurrent = torch.nn.functional.linear(r * h, W_hn, b_hn)
    elif reset == "none":
        recurrent = torch.nn.functional.linear(h, W_hn, b_hn)
    else:
        raise ValueError(f"unknown reset placement {reset!r}")
    new = candidate(from_input[2] + recurrent)
    if mix == "torch":
        return to_numpy(torch.lerp(new, h, z))
    if mix == "seed":
        return to_numpy(torch.lerp(h, new, z))
    if mix == "none":
        return to_numpy(new)
    raise ValueError(f"unknown mix {mix!r}")


def gru_states_variant(x, h0, W_x, W_h, b_x, b_h, **variant) -> np.ndarray:
    """hs (B, T, H) of `gru_cell_variant` run over x (B, T, D) from h0."""
    h, states = np.asarray(h0, dtype=np.float64), []
    for t in range(np.shape(x)[1]):
        h = gru_cell_variant(np.asarray(x)[:, t], h, W_x, W_h, b_x, b_h, **variant)
        states.append(h)
    return np.moveaxis(np.array(states), 0, 1)  # (T, B, H) -> batch first


def gru_flip_update_gate(W_x, W_h, b_x, b_h) -> dict[str, np.ndarray]:
    """Copies of the weights with the z rows (and z biases) negated. sigmoid(-a) = 1 - sigmoid(a), so this turns
    z into 1 - z: it converts a GRU between the seed's convention and torch's (it is its own inverse)."""
    W_x, W_h, b_x, b_h = gru_arrays(W_x, W_h, b_x, b_h)
    hidden = W_h.shape[1]
    sign = np.ones(3 * hidden)
    sign[hidden : 2 * hidden] = -1.0
    return {"W_x": W_x * sign[:, None], "W_h": W_h * sign[:, None], "b_x": b_x * sign, "b_h": b_h * sign}



def gru_step_jacobians(x_t, h_prev, W_x, W_h, b_x, b_h) -> np.ndarray:
    """dh_t/dh_prev (B, H, H) of one torch.nn.GRUCell step for each row of x_t (B, D) and h_prev (B, H), by
    autograd in one backward pass: row i of each matrix is the gradient of unit i of h_t."""
    cell = load_gru_cell(W_x, W_h, b_x, b_h)
    batch, hidden = np.shape(h_prev)
    x = to_torch(np.repeat(x_t, hidden, axis=0))  # each example H times, one upstream gradient e_i each
    h = to_torch(np.repeat(h_prev, hidden, axis=0)).requires_grad_(True)
    cell(x, h).backward(torch.eye(hidden, dtype=DTYPE).repeat(batch, 1))
    return to_numpy(h.grad).reshape(batch, hidden, hidden)
