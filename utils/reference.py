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
    return torch.tensor(np.array(array, dtype=np.float64, order="C"), dtype=DTYPE)


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


def load_rnn(W_x, W_h, b, nonlinearity: str = "tanh") -> torch.nn.RNN:
    """A float64 one-layer torch.nn.RNN (batch_first) holding the course-layout weights."""
    cell = load_rnn_cell(W_x, W_h, b, nonlinearity)
    rnn = torch.nn.RNN(cell.input_size, cell.hidden_size, nonlinearity=nonlinearity, batch_first=True).to(DTYPE)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(rnn, name + "_l0").copy_(getattr(cell, name))
    return rnn


def run_rnn(x, h0, W_x, W_h, b) -> np.ndarray:
    """All hidden states hs (B, T, H) of torch.nn.RNN run over x (B, T, D) from h0 (B, H)."""
    with torch.no_grad():
        hs, _ = load_rnn(W_x, W_h, b)(to_torch(x), to_torch(h0)[None])
    return to_numpy(hs)


def _leaves(**arrays) -> dict[str, torch.Tensor]:
    return {name: to_torch(array).requires_grad_(True) for name, array in arrays.items()}


def rnn_cell_gradients(dh_t, x_t, h_prev, W_x, W_h, b) -> dict[str, np.ndarray]:
    """Autograd through one torch.nn.RNNCell step, given the upstream gradient dh_t = dL/dh_t.

    Returns h_t and the gradients dx_t, dh_prev, dW_x, dW_h, db (torch's two biases share one gradient).
    """
    leaves = _leaves(x_t=x_t, h_prev=h_prev, W_x=W_x, W_h=W_h, b=b)
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
    backward pass after the tanh. `utils.mistakes` feeds it wrong inputs to predict likely wrong answers."""
    leaves = _leaves(x_t=x_t, h_prev=h_prev, W_x=W_x, W_h=W_h, b=np.zeros(np.shape(W_x)[0]))
    pre = (torch.nn.functional.linear(leaves["x_t"], leaves["W_x"], leaves["b"])
           + torch.nn.functional.linear(leaves["h_prev"], leaves["W_h"]))
    pre.backward(to_torch(da))
    return {"d" + name: to_numpy(leaf.grad) for name, leaf in leaves.items()}


def rnn_gradients(x, h0, W_x, W_h, b, dhs, truncate: int | None = None) -> dict[str, np.ndarray]:
    """Autograd of L = sum(hs * dhs) through torch.nn.RNNCell unrolled over x: dx, dh0, dW_x, dW_h, db, and hs.

    Also dh_total (B, T, H): dL/dh_t along every path, through later steps included. `truncate=k` detaches the
    state every k steps, so that no gradient crosses a chunk boundary: truncated BPTT.
    """
    leaves = _leaves(x=x, h0=h0, W_x=W_x, W_h=W_h, b=b)
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


# Lesson 03: Jacobians through time, the spectral radius, clipping by global norm ------------------------------


def rnn_cell_jacobian(cell: torch.nn.RNNCell, x_t, h_prev) -> np.ndarray:
    """dh_t/dh_prev of a torch RNNCell for every example, shape (B, H, H), by autograd.

    Rows of a batch do not interact, so the Jacobian of the batch-summed output holds each example's own.
    """
    x = to_torch(x_t)
    jacobian = torch.autograd.functional.jacobian(lambda h: cell(x, h).sum(dim=0), to_torch(h_prev),
                                                  vectorize=True)  # (H, B, H), one batched backward pass
    return to_numpy(jacobian.permute(1, 0, 2))


def jacobian_from_state(h_t, W_h) -> np.ndarray:
    """dh_t/dh_prev of the tanh cell knowing only h_t: autograd through tanh(a + h_prev W_h^T) at h_prev = 0 with
    a = artanh(h_t), which has the same h_t. `utils.mistakes` feeds it wrong inputs to predict wrong answers."""
    h_t = np.asarray(h_t, dtype=np.float64)
    pre = to_torch(np.arctanh(np.clip(h_t, -1 + 1e-16, 1 - 1e-16)))
    W = to_torch(W_h)

    def summed(h):
        return torch.tanh(pre + torch.nn.functional.linear(h, W)).sum(dim=0)

    jacobian = torch.autograd.functional.jacobian(summed, torch.zeros(h_t.shape[0], W.shape[1], dtype=DTYPE),
                                                  vectorize=True)
    return to_numpy(jacobian.permute(1, 0, 2))


def rnn_states(x, W_x, W_h, b, nonlinearity: str = "tanh") -> np.ndarray:
    """Hidden states hs (B, T, H) of a torch.nn.RNN with the course-layout weights, from h_0 = 0.

    nonlinearity "tanh" or "relu" (torch.nn.RNN's own), or "linear": the same recurrence with no activation.
    """
    if nonlinearity == "linear":
        x, W_x, W_h, b = (to_torch(a) for a in (x, W_x, W_h, b))
        h, states = torch.zeros(x.shape[0], W_h.shape[0], dtype=DTYPE), []
        for t in range(x.shape[1]):
            h = torch.nn.functional.linear(x[:, t], W_x, b) + torch.nn.functional.linear(h, W_h)
            states.append(h)
        return to_numpy(torch.stack(states, dim=1))
    with torch.no_grad():
        hs, _ = load_rnn(W_x, W_h, b, nonlinearity)(to_torch(x))
    return to_numpy(hs)


def spectral_radius(W) -> float:
    """max |eigenvalue| of a square matrix, by torch.linalg.eigvals."""
    return float(torch.linalg.eigvals(to_torch(W)).abs().max())


def clip_grad_norm(grads: dict, max_norm: float) -> tuple[dict[str, np.ndarray], float]:
    """torch.nn.utils.clip_grad_norm_ on float64 parameters whose .grad are `grads`: (clipped copies, total norm)."""
    parameters = {}
    for name, grad in grads.items():
        parameters[name] = torch.nn.Parameter(torch.zeros(np.shape(grad), dtype=DTYPE))
        parameters[name].grad = to_torch(grad)
    total = torch.nn.utils.clip_grad_norm_(list(parameters.values()), max_norm)
    return {name: to_numpy(parameter.grad) for name, parameter in parameters.items()}, float(total)


def orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    """A random (n, n) orthogonal matrix by torch.nn.init.orthogonal_, seeded from `rng`."""
    matrix = torch.empty(n, n, dtype=DTYPE)
    torch.nn.init.orthogonal_(matrix, generator=torch_generator(rng))
    return to_numpy(matrix)
