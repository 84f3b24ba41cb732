"""Lesson 01, learner side: the RNN cell and the linear readout as torch modules, in the course's numpy layout.

Course layout (design section 5): W_x (H, D), W_h (H, H), b (H,), W_y (O, H), b_y (O,), batch first. torch's
RNNCell keeps two biases (bias_ih, bias_hh); the course model has one, their sum. Everything runs in float64 so that
comparisons with numpy are exact to ~1e-15. The explorers and the experiments compare the learner's numpy code
with these torch twins; later lessons build their LSTM and GRU twins with `load_weights` and `layer_from_cell`.
"""

from __future__ import annotations

import numpy as np
import torch

from utils.models import DTYPE, fill_uniform, to_numpy, to_torch, torch_generator


def rnn_cell(
    input_size: int,
    hidden_size: int,
    rng: np.random.Generator,
    nonlinearity: str = "tanh",
    scale: float | None = None,
) -> torch.nn.RNNCell:
    """A float64 torch.nn.RNNCell with weights drawn from `rng` (both biases non-zero)."""
    cell = torch.nn.RNNCell(input_size, hidden_size, nonlinearity=nonlinearity).to(DTYPE)
    fill_uniform(cell, rng, scale if scale is not None else 1.0 / np.sqrt(hidden_size))
    return cell


def rnn_cell_params(cell: torch.nn.RNNCell) -> dict[str, np.ndarray]:
    """W_x, W_h, b of a torch RNNCell in the course layout; torch's two biases are summed."""
    return {
        "W_x": to_numpy(cell.weight_ih),
        "W_h": to_numpy(cell.weight_hh),
        "b": to_numpy(cell.bias_ih + cell.bias_hh),
    }


WEIGHT_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def load_weights(cell, W_x, W_h, bias_ih, bias_hh=None):
    """`cell` (float64) holding course-layout weights; bias_hh None: zero (the course's single, summed bias)."""
    bias_hh = np.zeros(np.shape(bias_ih)) if bias_hh is None else bias_hh
    with torch.no_grad():
        for name, array in zip(WEIGHT_NAMES, (W_x, W_h, bias_ih, bias_hh), strict=True):
            getattr(cell, name).copy_(to_torch(array))
    return cell


def layer_from_cell(cell, layer_class, **options):
    """A float64 one-layer batch-first torch layer (nn.RNN, nn.LSTM, nn.GRU) holding the weights of `cell`."""
    layer = layer_class(cell.input_size, cell.hidden_size, batch_first=True, **options).to(DTYPE)
    with torch.no_grad():
        for name in WEIGHT_NAMES:
            getattr(layer, name + "_l0").copy_(getattr(cell, name))
    return layer


def load_rnn_cell(W_x, W_h, b, nonlinearity: str = "tanh") -> torch.nn.RNNCell:
    """A float64 torch RNNCell holding the course-layout weights (bias_ih = b, bias_hh = 0)."""
    hidden_size, input_size = np.shape(W_x)
    return load_weights(torch.nn.RNNCell(input_size, hidden_size, nonlinearity=nonlinearity).to(DTYPE), W_x, W_h, b)


def run_rnn_cell(cell: torch.nn.RNNCell, x_t, h_prev) -> np.ndarray:
    """One step of a torch RNNCell on numpy inputs: h_t as a numpy array (B, H)."""
    with torch.no_grad():
        return to_numpy(cell(to_torch(x_t), to_torch(h_prev)))


def rnn_cell_step(x_t, h_prev, W_x, W_h, b, nonlinearity: str = "tanh") -> np.ndarray:
    """h_t computed by torch.nn.RNNCell loaded with the course-layout weights."""
    return run_rnn_cell(load_rnn_cell(W_x, W_h, b, nonlinearity), x_t, h_prev)


def load_rnn(W_x, W_h, b, nonlinearity: str = "tanh") -> torch.nn.RNN:
    """A float64 one-layer torch.nn.RNN (batch_first) holding the course-layout weights."""
    return layer_from_cell(load_rnn_cell(W_x, W_h, b, nonlinearity), torch.nn.RNN, nonlinearity=nonlinearity)


def linear(in_features: int, out_features: int, rng: np.random.Generator, scale: float | None = None) -> torch.nn.Linear:
    """A float64 torch.nn.Linear with weights drawn from `rng`."""
    layer = torch.nn.Linear(in_features, out_features).to(DTYPE)
    fill_uniform(layer, rng, scale if scale is not None else 1.0 / np.sqrt(in_features))
    return layer


def linear_params(layer: torch.nn.Linear) -> dict[str, np.ndarray]:
    """W_y (O, H) and b_y (O,) of a torch Linear layer."""
    return {"W_y": to_numpy(layer.weight), "b_y": to_numpy(layer.bias)}


def linear_step(h, W, bias) -> np.ndarray:
    """h @ W.T + bias, computed by torch.nn.functional.linear."""
    with torch.no_grad():
        return to_numpy(torch.nn.functional.linear(to_torch(h), to_torch(W), to_torch(bias)))


def rnn_model_params(
    input_size: int, hidden_size: int, output_size: int, rng: np.random.Generator, scale: float | None = None
) -> dict[str, np.ndarray]:
    """Every array of the course's RNN-with-readout model (W_x, W_h, b, W_y, b_y), drawn through torch modules."""
    params = rnn_cell_params(rnn_cell(input_size, hidden_size, rng, scale=scale))
    params.update(linear_params(linear(hidden_size, output_size, rng, scale=scale)))
    return params


def orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    """A random (n, n) orthogonal matrix by torch.nn.init.orthogonal_, seeded from `rng`."""
    matrix = torch.empty(n, n, dtype=DTYPE)
    torch.nn.init.orthogonal_(matrix, generator=torch_generator(rng))
    return to_numpy(matrix)
