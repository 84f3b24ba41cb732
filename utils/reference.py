"""PyTorch as the reference: build torch modules, move weights between torch and the course's numpy layout.

Course layout (design section 5): W_x (H, D), W_h (H, H), b (H,), W_y (O, H), b_y (O,), batch first.
torch's RNNCell keeps two biases (bias_ih, bias_hh); the course model has one, their sum.
Everything runs in float64 so that comparisons with numpy are exact to ~1e-15.
"""

from __future__ import annotations

import numpy as np
import torch

DTYPE = torch.float64


def to_torch(array) -> torch.Tensor:
    """A float64 tensor holding a copy of `array`."""
    return torch.tensor(np.asarray(array, dtype=np.float64), dtype=DTYPE)


def to_numpy(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().cpu().numpy().astype(np.float64)


def torch_generator(rng: np.random.Generator) -> torch.Generator:
    """A torch generator seeded from a numpy one, so one seed drives both libraries."""
    return torch.Generator().manual_seed(int(rng.integers(2**62)))


def _fill_uniform(module: torch.nn.Module, rng: np.random.Generator, k: float) -> None:
    """Draw every parameter of `module` from U(-k, k) (torch's default family) using `rng`."""
    generator = torch_generator(rng)
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.uniform_(-k, k, generator=generator)


def rnn_cell(
    input_size: int,
    hidden_size: int,
    rng: np.random.Generator,
    nonlinearity: str = "tanh",
    scale: float | None = None,
) -> torch.nn.RNNCell:
    """A float64 torch.nn.RNNCell with weights drawn from `rng` (both biases non-zero)."""
    cell = torch.nn.RNNCell(input_size, hidden_size, nonlinearity=nonlinearity).to(DTYPE)
    _fill_uniform(cell, rng, scale if scale is not None else 1.0 / np.sqrt(hidden_size))
    return cell


def rnn_cell_params(cell: torch.nn.RNNCell) -> dict[str, np.ndarray]:
    """W_x, W_h, b of a torch RNNCell in the course layout; torch's two biases are summed."""
    return {
        "W_x": to_numpy(cell.weight_ih),
        "W_h": to_numpy(cell.weight_hh),
        "b": to_numpy(cell.bias_ih + cell.bias_hh),
    }


def load_rnn_cell(W_x, W_h, b, nonlinearity: str = "tanh") -> torch.nn.RNNCell:
    """A float64 torch RNNCell holding the course-layout weights (bias_ih = b, bias_hh = 0)."""
    W_x, W_h, b = (np.asarray(a, dtype=np.float64) for a in (W_x, W_h, b))
    hidden_size, input_size = W_x.shape
    cell = torch.nn.RNNCell(input_size, hidden_size, nonlinearity=nonlinearity).to(DTYPE)
    with torch.no_grad():
        cell.weight_ih.copy_(to_torch(W_x))
        cell.weight_hh.copy_(to_torch(W_h))
        cell.bias_ih.copy_(to_torch(b))
        cell.bias_hh.zero_()
    return cell


def run_rnn_cell(cell: torch.nn.RNNCell, x_t, h_prev) -> np.ndarray:
    """One step of a torch RNNCell on numpy inputs: h_t as a numpy array (B, H)."""
    with torch.no_grad():
        return to_numpy(cell(to_torch(x_t), to_torch(h_prev)))


def rnn_cell_step(x_t, h_prev, W_x, W_h, b, nonlinearity: str = "tanh") -> np.ndarray:
    """h_t computed by torch.nn.RNNCell loaded with the course-layout weights."""
    return run_rnn_cell(load_rnn_cell(W_x, W_h, b, nonlinearity), x_t, h_prev)


def linear(in_features: int, out_features: int, rng: np.random.Generator, scale: float | None = None) -> torch.nn.Linear:
    """A float64 torch.nn.Linear with weights drawn from `rng`."""
    layer = torch.nn.Linear(in_features, out_features).to(DTYPE)
    _fill_uniform(layer, rng, scale if scale is not None else 1.0 / np.sqrt(in_features))
    return layer


def linear_params(layer: torch.nn.Linear) -> dict[str, np.ndarray]:
    """W_y (O, H) and b_y (O,) of a torch Linear layer."""
    return {"W_y": to_numpy(layer.weight), "b_y": to_numpy(layer.bias)}


def linear_step(h, W, bias) -> np.ndarray:
    """h @ W.T + bias, computed by torch.nn.functional.linear."""
    with torch.no_grad():
        return to_numpy(torch.nn.functional.linear(to_torch(h), to_torch(W), to_torch(bias)))


def softmax(z, axis: int = -1) -> np.ndarray:
    """torch.softmax along `axis` (numerically stable)."""
    with torch.no_grad():
        return to_numpy(torch.softmax(to_torch(z), dim=axis))


def rnn_model_params(
    input_size: int, hidden_size: int, output_size: int, rng: np.random.Generator, scale: float | None = None
) -> dict[str, np.ndarray]:
    """Every array of the course's RNN-with-readout model (W_x, W_h, b, W_y, b_y), drawn through torch modules."""
    params = rnn_cell_params(rnn_cell(input_size, hidden_size, rng, scale=scale))
    params.update(linear_params(linear(hidden_size, output_size, rng, scale=scale)))
    return params
