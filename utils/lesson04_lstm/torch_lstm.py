"""Lesson 04, learner side: the LSTM as torch modules in the course's layout, its gates, and the
gradient that reaches each step's state.

Gate order (torch's): i, f, g, o stacked along the first axis of W_x (4H, D), W_h (4H, H) and b (4H,).
"""

from __future__ import annotations

import numpy as np
import torch

from utils.lesson01_rnn_cell import torch_rnn
from utils.models import DTYPE, fill_uniform, to_numpy, to_torch

LSTM_GATES = ("i", "f", "g", "o")


def lstm_cell(input_size: int, hidden_size: int, rng: np.random.Generator, scale: float | None = None
              ) -> torch.nn.LSTMCell:
    """A float64 torch.nn.LSTMCell with weights drawn from `rng` (both biases non-zero)."""
    cell = torch.nn.LSTMCell(input_size, hidden_size).to(DTYPE)
    fill_uniform(cell, rng, scale if scale is not None else 1.0 / np.sqrt(hidden_size))
    return cell


def lstm_params(module: torch.nn.Module) -> dict[str, np.ndarray]:
    """W_x (4H, D), W_h (4H, H), b (4H,) of a torch LSTMCell or one-layer LSTM in the course layout, as float64;
    torch's two biases are summed."""
    suffix = "_l0" if isinstance(module, torch.nn.LSTM) else ""
    weights = {name: getattr(module, name + suffix) for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    return {"W_x": to_numpy(weights["weight_ih"]), "W_h": to_numpy(weights["weight_hh"]),
            "b": to_numpy(weights["bias_ih"].double() + weights["bias_hh"].double())}


def _lstm_sizes(W_x, W_h) -> tuple[int, int]:
    """(input_size, hidden_size) of course-layout LSTM weights; a clear error for shapes that cannot be an LSTM."""
    four_h, input_size = np.shape(W_x)
    if four_h % 4 or np.shape(W_h) != (four_h, four_h // 4):
        raise ValueError(f"LSTM weights need W_x (4H, D) and W_h (4H, H); got {np.shape(W_x)} and {np.shape(W_h)}")
    return input_size, four_h // 4


def load_lstm_cell(W_x, W_h, b) -> torch.nn.LSTMCell:
    """A float64 torch LSTMCell holding the course-layout weights (bias_ih = b, bias_hh = 0)."""
    return torch_rnn.load_weights(torch.nn.LSTMCell(*_lstm_sizes(W_x, W_h)).to(DTYPE), W_x, W_h, b)


def load_lstm(W_x, W_h, b) -> torch.nn.LSTM:
    """A float64 one-layer torch.nn.LSTM (batch_first) holding the course-layout weights."""
    return torch_rnn.layer_from_cell(load_lstm_cell(W_x, W_h, b), torch.nn.LSTM)


def run_lstm(x, h0, c0, W_x, W_h, b) -> tuple[np.ndarray, np.ndarray]:
    """Every state of an LSTM run over x (B, T, D) from (h0, c0): hs and cs, both (B, T, H).

    hs comes from torch.nn.LSTM(batch_first=True), which returns only the last cell state; the cell states come
    from torch.nn.LSTMCell stepped over time, and both runs are checked to agree.
    """
    with torch.no_grad():
        hs, (h_last, c_last) = load_lstm(W_x, W_h, b)(to_torch(x), (to_torch(h0)[None], to_torch(c0)[None]))
        cell = load_lstm_cell(W_x, W_h, b)
        h, c, cell_states, steps = to_torch(h0), to_torch(c0), [], []
        for t in range(np.shape(x)[1]):
            h, c = cell(to_torch(np.asarray(x)[:, t]), (h, c))
            steps.append(h)
            cell_states.append(c)
    if steps and not (torch.allclose(torch.stack(steps, dim=1), hs, rtol=1e-9, atol=1e-12)
                      and torch.allclose(cell_states[-1], c_last[0], rtol=1e-9, atol=1e-12)):
        raise RuntimeError("torch.nn.LSTM and torch.nn.LSTMCell disagree")  # never expected: a guard on the loop
    cs = torch.stack(cell_states, dim=1) if cell_states else torch.zeros_like(hs)
    return to_numpy(hs), to_numpy(cs)


def lstm_gates(x_t, h_prev, W_x, W_h, b) -> dict[str, np.ndarray]:
    """The four gate activations i, f, g, o (each (B, H)) that an LSTM cell computes from x_t and h_prev, by torch:
    sigmoid for i, f, o and tanh for the candidate g."""
    with torch.no_grad():
        pre = (torch.nn.functional.linear(to_torch(x_t), to_torch(W_x), to_torch(b))
               + torch.nn.functional.linear(to_torch(h_prev), to_torch(W_h)))
        chunks = dict(zip(LSTM_GATES, pre.chunk(4, dim=-1), strict=True))
        return {name: to_numpy(torch.tanh(value) if name == "g" else torch.sigmoid(value))
                for name, value in chunks.items()}


def lstm_gate_sequence(x, hs, h0, W_x, W_h, b) -> dict[str, np.ndarray]:
    """The gates i, f, g, o at every step of a sequence, each (B, T, H), given the hidden states hs (B, T, H)
    that the LSTM produced from h0: step t reads x[:, t] and the state before it."""
    x, hs = np.asarray(x, dtype=np.float64), np.asarray(hs, dtype=np.float64)
    B, T, _ = x.shape
    entering = np.concatenate([np.asarray(h0, dtype=np.float64)[:, None], hs[:, :-1]], axis=1)
    gates = lstm_gates(x.reshape(B * T, -1), entering.reshape(B * T, -1), W_x, W_h, b)
    return {name: value.reshape(B, T, -1) for name, value in gates.items()}


def run_lstm_cell(cell: torch.nn.LSTMCell, x_t, h_prev, c_prev) -> tuple[np.ndarray, np.ndarray]:
    """One step of a torch LSTMCell (its own two biases) on numpy inputs: (h_t, c_t), each (B, H)."""
    with torch.no_grad():
        h_t, c_t = cell(to_torch(x_t), (to_torch(h_prev), to_torch(c_prev)))
    return to_numpy(h_t), to_numpy(c_t)


def lstm(input_size: int, hidden_size: int, rng: np.random.Generator, scale: float | None = None) -> torch.nn.LSTM:
    """A float64 one-layer torch.nn.LSTM (batch_first) with weights drawn from `rng` (both biases non-zero)."""
    module = torch.nn.LSTM(input_size, hidden_size, batch_first=True).to(DTYPE)
    fill_uniform(module, rng, scale if scale is not None else 1.0 / np.sqrt(hidden_size))
    return module


def run_lstm_module(module: torch.nn.LSTM, x, h0, c0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A torch.nn.LSTM (batch_first, one layer) run over x (B, T, D) from (h0, c0): (hs, h_T, c_T)."""
    with torch.no_grad():
        hs, (h_last, c_last) = module(to_torch(x), (to_torch(h0)[None], to_torch(c0)[None]))
    return to_numpy(hs), to_numpy(h_last[0]), to_numpy(c_last[0])


def state_gradients(model: torch.nn.Module, x) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How much a many-to-one model's answer y = model.readout(h_T) depends on the state its recurrence carries at each
    step of one sequence x (1, T, D), run from zero states: that state is h_k for a torch RNN or GRU, and the cell
    state c_k for an LSTM (`model.recurrent`, one batch_first layer). By autograd, in the model's dtype.

    Returns (norms, hs, last): norms (T,) with norms[k] = ||dy/ds_k||, the hidden states hs (1, T, H), and the
    vector dy/ds_T (H,) at the last step.
    """
    recurrent = model.recurrent
    kind = type(recurrent).__name__
    dtype = next(model.parameters()).dtype
    cells = {"RNN": torch.nn.RNNCell, "LSTM": torch.nn.LSTMCell, "GRU": torch.nn.GRUCell}
    options = {"nonlinearity": recurrent.nonlinearity} if kind == "RNN" else {}
    cell = cells[kind](recurrent.input_size, recurrent.hidden_size, **options).to(dtype)
    weights = {name: getattr(recurrent, name + "_l0").detach() for name in ("weight_ih", "weight_hh", "bias_ih",
                                                                            "bias_hh")}
    x = torch.tensor(np.asarray(x), dtype=dtype)
    h = torch.zeros(1, recurrent.hidden_size, dtype=dtype, requires_grad=True)
    c = torch.zeros(1, recurrent.hidden_size, dtype=dtype, requires_grad=True)
    carried, hidden = [], []
    for t in range(x.shape[1]):
        if kind == "LSTM":
            h, c = torch.func.functional_call(cell, weights, (x[:, t], (h, c)))
            c.retain_grad()
            carried.append(c)
        else:
            h = torch.func.functional_call(cell, weights, (x[:, t], h))
            h.retain_grad()
            carried.append(h)
        hidden.append(h)
    model.readout(h).sum().backward()
    norms = np.array([float(s.grad.norm()) if s.grad is not None else 0.0 for s in carried])
    return norms, to_numpy(torch.stack(hidden, dim=1)), to_numpy(carried[-1].grad[0])
