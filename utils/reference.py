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


_WEIGHT_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _filled(cell, W_x, W_h, bias_ih, bias_hh=None):
    """`cell` (float64) holding course-layout weights; bias_hh None: zero (the course's single, summed bias)."""
    bias_hh = np.zeros(np.shape(bias_ih)) if bias_hh is None else bias_hh
    with torch.no_grad():
        for name, array in zip(_WEIGHT_NAMES, (W_x, W_h, bias_ih, bias_hh), strict=True):
            getattr(cell, name).copy_(to_torch(array))
    return cell


def _layer_like(cell, layer_class, **options):
    """A float64 one-layer batch-first torch layer (nn.RNN, nn.LSTM, nn.GRU) holding the weights of `cell`."""
    layer = layer_class(cell.input_size, cell.hidden_size, batch_first=True, **options).to(DTYPE)
    with torch.no_grad():
        for name in _WEIGHT_NAMES:
            getattr(layer, name + "_l0").copy_(getattr(cell, name))
    return layer


def load_rnn_cell(W_x, W_h, b, nonlinearity: str = "tanh") -> torch.nn.RNNCell:
    """A float64 torch RNNCell holding the course-layout weights (bias_ih = b, bias_hh = 0)."""
    hidden_size, input_size = np.shape(W_x)
    return _filled(torch.nn.RNNCell(input_size, hidden_size, nonlinearity=nonlinearity).to(DTYPE), W_x, W_h, b)


def run_rnn_cell(cell: torch.nn.RNNCell, x_t, h_prev) -> np.ndarray:
    """One step of a torch RNNCell on numpy inputs: h_t as a numpy array (B, H)."""
    with torch.no_grad():
        return to_numpy(cell(to_torch(x_t), to_torch(h_prev)))


def rnn_cell_step(x_t, h_prev, W_x, W_h, b, nonlinearity: str = "tanh") -> np.ndarray:
    """h_t computed by torch.nn.RNNCell loaded with the course-layout weights."""
    return run_rnn_cell(load_rnn_cell(W_x, W_h, b, nonlinearity), x_t, h_prev)


def load_rnn(W_x, W_h, b, nonlinearity: str = "tanh") -> torch.nn.RNN:
    """A float64 one-layer torch.nn.RNN (batch_first) holding the course-layout weights."""
    return _layer_like(load_rnn_cell(W_x, W_h, b, nonlinearity), torch.nn.RNN, nonlinearity=nonlinearity)


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


# --- lesson 04: LSTM ----------------------------------------------------------------------------------------------
# Gate order (torch's): i, f, g, o stacked along the first axis of W_x (4H, D), W_h (4H, H) and b (4H,).

LSTM_GATES = ("i", "f", "g", "o")


def lstm_cell(input_size: int, hidden_size: int, rng: np.random.Generator, scale: float | None = None
              ) -> torch.nn.LSTMCell:
    """A float64 torch.nn.LSTMCell with weights drawn from `rng` (both biases non-zero)."""
    cell = torch.nn.LSTMCell(input_size, hidden_size).to(DTYPE)
    _fill_uniform(cell, rng, scale if scale is not None else 1.0 / np.sqrt(hidden_size))
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
    return _filled(torch.nn.LSTMCell(*_lstm_sizes(W_x, W_h)).to(DTYPE), W_x, W_h, b)


def load_lstm(W_x, W_h, b) -> torch.nn.LSTM:
    """A float64 one-layer torch.nn.LSTM (batch_first) holding the course-layout weights."""
    return _layer_like(load_lstm_cell(W_x, W_h, b), torch.nn.LSTM)


def lstm_cell_step(x_t, h_prev, c_prev, W_x, W_h, b) -> tuple[np.ndarray, np.ndarray]:
    """(h_t, c_t) computed by torch.nn.LSTMCell loaded with the course-layout weights."""
    with torch.no_grad():
        h_t, c_t = load_lstm_cell(W_x, W_h, b)(to_torch(x_t), (to_torch(h_prev), to_torch(c_prev)))
    return to_numpy(h_t), to_numpy(c_t)


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
    _fill_uniform(module, rng, scale if scale is not None else 1.0 / np.sqrt(hidden_size))
    return module


def run_lstm_module(module: torch.nn.LSTM, x, h0, c0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A torch.nn.LSTM (batch_first, one layer) run over x (B, T, D) from (h0, c0): (hs, h_T, c_T)."""
    with torch.no_grad():
        hs, (h_last, c_last) = module(to_torch(x), (to_torch(h0)[None], to_torch(c0)[None]))
    return to_numpy(hs), to_numpy(h_last[0]), to_numpy(c_last[0])


def lstm_param_count(input_size: int, hidden_size: int) -> int:
    """The number of numbers in W_x, W_h and one summed bias b, counted on a torch.nn.LSTMCell (whose two biases
    are counted once)."""
    cell = torch.nn.LSTMCell(input_size, hidden_size)
    return sum(p.numel() for p in cell.parameters()) - cell.bias_hh.numel()


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


# --- lesson 05: GRU ---------------------------------------------------------------------------------------------
# torch's GRU keeps W_x = weight_ih (3H, D), W_h = weight_hh (3H, H), b_x = bias_ih (3H,), b_h = bias_hh (3H,),
# the gates stacked r, z, n (torch.nn.GRU's documented equations, the reset gate placed as in cuDNN):
#   r = sigmoid(W_xr x + b_xr + W_hr h + b_hr),  z = sigmoid(W_xz x + b_xz + W_hz h + b_hz),
#   n = tanh(W_xn x + b_xn + r * (W_hn h + b_hn)),  h' = (1 - z) * n + z * h.
# b_hn sits inside the reset gate, so the course keeps both bias vectors (they cannot be summed as for the RNN).

GRU_GATES = ("r", "z", "n")


def gru_cell(input_size: int, hidden_size: int, rng: np.random.Generator, scale: float | None = None) -> torch.nn.GRUCell:
    """A float64 torch.nn.GRUCell with every weight and both biases drawn from `rng` (U(-scale, scale))."""
    cell = torch.nn.GRUCell(input_size, hidden_size).to(DTYPE)
    _fill_uniform(cell, rng, scale if scale is not None else 1.0 / np.sqrt(hidden_size))
    return cell


def gru_params(module: torch.nn.Module) -> dict[str, np.ndarray]:
    """W_x (3H, D), W_h (3H, H), b_x (3H,), b_h (3H,) of a torch GRUCell or one-layer GRU, gates r, z, n."""
    suffix = "_l0" if isinstance(module, torch.nn.GRU) else ""
    names = {"W_x": "weight_ih", "W_h": "weight_hh", "b_x": "bias_ih", "b_h": "bias_hh"}
    return {name: to_numpy(getattr(module, torch_name + suffix)) for name, torch_name in names.items()}


def _gru_arrays(W_x, W_h, b_x, b_h) -> list[np.ndarray]:
    arrays = [np.asarray(a, dtype=np.float64) for a in (W_x, W_h, b_x, b_h)]
    three_h, hidden = arrays[1].shape
    if three_h != 3 * hidden:
        raise ValueError(f"W_h must have shape (3H, H); got {arrays[1].shape}")
    return arrays


def load_gru_cell(W_x, W_h, b_x, b_h) -> torch.nn.GRUCell:
    """A float64 torch GRUCell holding the course-layout weights."""
    W_x, W_h, b_x, b_h = _gru_arrays(W_x, W_h, b_x, b_h)
    return _filled(torch.nn.GRUCell(W_x.shape[1], W_h.shape[1]).to(DTYPE), W_x, W_h, b_x, b_h)


def load_gru(W_x, W_h, b_x, b_h) -> torch.nn.GRU:
    """A float64 one-layer torch.nn.GRU (batch_first) holding the course-layout weights."""
    return _layer_like(load_gru_cell(W_x, W_h, b_x, b_h), torch.nn.GRU)


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
    """One GRU step written out with torch operations, in the variants the course compares (and `utils.mistakes`
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
    W_x, W_h, b_x, b_h = _gru_arrays(W_x, W_h, b_x, b_h)
    hidden = W_h.shape[1]
    sign = np.ones(3 * hidden)
    sign[hidden : 2 * hidden] = -1.0
    return {"W_x": W_x * sign[:, None], "W_h": W_h * sign[:, None], "b_x": b_x * sign, "b_h": b_h * sign}


def recurrent_param_count(kind: str, input_size: int, hidden_size: int) -> int:
    """The number of parameters of a one-layer torch.nn.RNN, GRU or LSTM (kind "rnn", "gru", "lstm"), counted by
    torch itself: G (H D + H H + 2 H) with G = 1, 3, 4 gate blocks (torch keeps two bias vectors per block)."""
    module = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[kind](input_size, hidden_size)
    return sum(parameter.numel() for parameter in module.parameters())
