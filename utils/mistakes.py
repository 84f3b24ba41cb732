"""Likely mistakes per graded function, as the outputs they would produce, computed with torch.

Each function returns {message: output}. `checks.expect_close` compares a learner's wrong answer with
every entry and, on a match, reports the message, e.g. "your output ignores h_prev".
"""

from __future__ import annotations

import numpy as np
import torch

from utils import checks, reference


def _square(matrix: np.ndarray) -> bool:
    return matrix.shape[0] == matrix.shape[1]


def rnn_cell_forward(x_t, h_prev, W_x, W_h, b) -> dict[str, np.ndarray]:
    step = reference.rnn_cell_step
    zeros_b = np.zeros_like(b)
    pre = reference.linear_step(x_t, W_x, b) + reference.linear_step(h_prev, W_h, zeros_b)
    pre_t = reference.to_torch(pre)
    found = {
        "your output ignores h_prev: the W_h h_prev term is missing": step(x_t, 0 * h_prev, W_x, W_h, b),
        "your output ignores x_t: the W_x x_t term is missing": step(0 * x_t, h_prev, W_x, W_h, b),
        "your output ignores the bias b": step(x_t, h_prev, W_x, W_h, zeros_b),
        "you returned the pre-activation; apply tanh to it": pre,
        "you applied sigmoid; the cell uses tanh": reference.to_numpy(torch.sigmoid(pre_t)),
        "you applied ReLU; the cell uses tanh": reference.to_numpy(torch.relu(pre_t)),
        "you added the bias after tanh instead of inside it": np.tanh(pre - b) + b,
        "tanh must wrap the whole sum W_x x_t + W_h h_prev + b, not only the input term": (
            np.tanh(reference.linear_step(x_t, W_x, zeros_b)) + reference.linear_step(h_prev, W_h, b)
        ),
    }
    if _square(W_h):
        found["W_h is used untransposed: the recurrent term is h_prev @ W_h.T"] = step(x_t, h_prev, W_x, W_h.T, b)
    if _square(W_x):
        found["W_x is used untransposed: the input term is x_t @ W_x.T"] = step(x_t, h_prev, W_x.T, W_h, b)
    return found


def rnn_forward(x, h0, W_x, W_h, b) -> dict[str, np.ndarray]:
    run, step = reference.run_rnn, reference.rnn_cell_step
    hs = run(x, h0, W_x, W_h, b)
    found = {
        "your states ignore h0: start the loop from h = h0, not from zeros": run(x, 0 * h0, W_x, W_h, b),
        "every step must use the state of the step before; yours always uses h0": np.stack(
            [step(x[:, t], h0, W_x, W_h, b) for t in range(x.shape[1])], axis=1),
        "hs[:, t] must hold h_t, the state after reading x_t; yours holds the state before it (shifted by one step)":
            np.concatenate([np.asarray(h0)[:, None], hs[:, :-1]], axis=1),
        "you ran through time backwards: step t reads x[:, t] after step t - 1": run(x[:, ::-1], h0, W_x, W_h, b)[:, ::-1].copy(),
        "your states ignore the bias b": run(x, h0, W_x, W_h, np.zeros_like(b)),
    }
    if _square(W_h):
        found["W_h is used untransposed: the recurrent term is h @ W_h.T"] = run(x, h0, W_x, W_h.T, b)
    if _square(W_x):
        found["W_x is used untransposed: the input term is x[:, t] @ W_x.T"] = run(x, h0, W_x.T, W_h, b)
    return found


def rnn_cell_backward(dh_t, x_t, h_prev, h_t, W_x, W_h) -> dict[str, dict[str, np.ndarray]]:
    """Each likely mistake as {message: {gradient name: wrong value}}, from autograd of the cell's linear part."""
    def through_linear(da, x=x_t, h=h_prev, W_x=W_x, W_h=W_h):
        return reference.linear_map_gradients(da, x, h, W_x, W_h)

    da = reference.tanh_backward(dh_t, h_t)
    right = through_linear(da)
    batch = np.shape(x_t)[0]
    found = {
        "you left out the tanh slope: multiply dh_t by (1 - h_t**2) before going through the weights":
            through_linear(dh_t),
        "the tanh slope is 1 - h_t**2 where h_t is the cell's output; you applied tanh to h_t again":
            through_linear(dh_t * (1 - np.tanh(h_t) ** 2)),
        "the tanh slope is 1 - h_t**2, not 1 - h_t": through_linear(dh_t * (1 - h_t)),
        "you used the sigmoid's slope h (1 - h); the cell uses tanh, whose slope is 1 - h**2":
            through_linear(dh_t * h_t * (1 - h_t)),
        "dW_h pairs the gradient with h_prev, the state that entered the cell; you used h_t":
            {"dW_h": through_linear(da, h=h_t)["dW_h"]},
        "the weight and bias gradients add up over the batch (the loss is a sum); you averaged them":
            {name: right[name] / batch for name in ("dW_x", "dW_h", "db")},
    }
    if _square(W_h):
        found["the gradient reaches h_prev through W_h itself (da @ W_h); you used W_h.T"] = {
            "dh_prev": through_linear(da, W_h=W_h.T)["dh_prev"]}
    if _square(W_x):
        found["the gradient reaches x_t through W_x itself (da @ W_x); you used W_x.T"] = {
            "dx_t": through_linear(da, W_x=W_x.T)["dx_t"]}
    return found


def rnn_backward(dhs, x, h0, hs, W_x, W_h, b) -> dict[str, dict[str, np.ndarray]]:
    """Each likely mistake of BPTT as {message: {gradient name: wrong value}}, from autograd variants.

    `b` is needed only to rebuild the forward pass (rnn_backward itself never needs it).
    """
    grads = reference.rnn_gradients
    right = grads(x, h0, W_x, W_h, b, dhs)
    last_only = np.zeros_like(dhs)
    last_only[:, -1] = dhs[:, -1]
    steps = np.shape(x)[1]
    das = [reference.tanh_backward(right["dh_total"][:, t], hs[:, t]) for t in range(steps)]
    previous = [h0] + [hs[:, t - 1] for t in range(1, steps)]
    per_step = [reference.linear_map_gradients(das[t], x[:, t], previous[t], W_x, W_h) for t in range(steps)]
    shifted = [reference.linear_map_gradients(das[t], x[:, t], hs[:, t], W_x, W_h) for t in range(steps)]
    names = ("dx", "dh0", "dW_x", "dW_h", "db")
    found = {
        "no gradient flows back from h_{t+1} into h_t: add the dh_prev of step t + 1 to dhs[:, t] before step t":
            {name: value for name, value in grads(x, h0, W_x, W_h, b, dhs, truncate=1).items() if name in names},
        "you used only the last step's dhs[:, -1]; the loss reaches every h_t, so add dhs[:, t] at every step":
            {name: value for name, value in grads(x, h0, W_x, W_h, b, last_only).items() if name in names},
        "dW_x, dW_h and db must add up (+=) the contributions of every step; yours keep only one step's":
            {name: per_step[0][name] for name in ("dW_x", "dW_h", "db")},
        "step t's h_prev is hs[:, t - 1] (h0 at t = 0); you used hs[:, t], one step off":
            {"dW_h": sum(step["dW_h"] for step in shifted)},
        "dh0 is the gradient that comes out of step 0 (its dh_prev); yours is zero": {"dh0": np.zeros_like(h0)},
    }
    if steps > 1:
        found["the weight gradients of step 0 are missing: the loop must run down to t = 0"] = {
            name: right[name] - per_step[0][name] for name in ("dW_x", "dW_h", "db")}
    return found


def linear_output(h_t, W_y, b_y) -> dict[str, np.ndarray]:
    logits = reference.linear_step(h_t, W_y, b_y)
    found = {
        "your output ignores the bias b_y": reference.linear_step(h_t, W_y, np.zeros_like(b_y)),
        "you subtracted b_y instead of adding it": reference.linear_step(h_t, W_y, -b_y),
        "the readout is linear: do not apply tanh to it": np.tanh(logits),
        "the readout returns logits: do not apply softmax here": reference.softmax(logits),
    }
    if _square(W_y):
        found["W_y is used untransposed: the readout is h_t @ W_y.T + b_y"] = reference.linear_step(h_t, W_y.T, b_y)
    return found


def softmax(z, axis: int = -1) -> dict[str, np.ndarray]:
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        exp = np.exp(z - z.max(axis=axis, keepdims=True))
        found = {
            "the probabilities are not normalised: divide by the sum along the axis": exp,
            "exponentiate before normalising (softmax is exp(z) / sum exp(z))": z / z.sum(axis=axis, keepdims=True),
            "you normalised over the whole array instead of along `axis`": np.exp(z - z.max()) / np.exp(z - z.max()).sum(),
            "you returned log-probabilities (log-softmax); return probabilities": np.log(reference.softmax(z, axis)),
        }
    for other in range(z.ndim):
        if other != axis % z.ndim:
            found[f"you normalised along axis {other}; use the `axis` argument (here {axis})"] = reference.softmax(z, other)
    return found


def rnn_param_count(input_size: int, hidden_size: int, output_size: int) -> dict[str, int]:
    sizes = {name: array.size for name, array in
             reference.rnn_model_params(input_size, hidden_size, output_size, np.random.default_rng(0)).items()}
    total = sum(sizes.values())
    return {
        "you counted two cell biases: torch's RNNCell keeps bias_ih and bias_hh, the course's cell keeps one, their sum":
            total + sizes["b"],
        "you left out the cell bias b": total - sizes["b"],
        "you left out the readout bias b_y": total - sizes["b_y"],
        "you left out the biases b and b_y": total - sizes["b"] - sizes["b_y"],
        "you left out the readout W_y and b_y": total - sizes["W_y"] - sizes["b_y"],
        "W_h is a full (H, H) matrix, not H numbers": total - sizes["W_h"] + hidden_size,
    }


# Lesson 03: vanishing and exploding gradients --------------------------------------------------------------------


def rnn_jacobian(h_t, W_h) -> dict[str, np.ndarray]:
    h_t, W_h = np.asarray(h_t, dtype=np.float64), np.asarray(W_h, dtype=np.float64)
    jacobian = reference.jacobian_from_state
    identity = np.eye(W_h.shape[0])
    found = {
        "you used W_h without the tanh slope diag(1 - h_t**2)": jacobian(0 * h_t, W_h),
        "you returned only the slope diag(1 - h_t**2); multiply it by W_h": jacobian(h_t, identity),
        "h_t is already tanh(a): the slope is 1 - h_t**2, not 1 - tanh(h_t)**2": jacobian(np.tanh(h_t), W_h),
        "the slope is 1 - h_t**2, not 1 - h_t": np.einsum("bi,ij->bij", 1 - h_t, W_h),
        "the slope is 1 - h_t**2, not h_t**2": np.einsum("bi,ij->bij", h_t**2, W_h),
        "h_t * (1 - h_t) is the slope of the sigmoid; tanh's is 1 - h_t**2": np.einsum("bi,ij->bij", h_t * (1 - h_t), W_h),
    }
    if _square(W_h) and not np.allclose(W_h, W_h.T):
        found["W_h is transposed: row i of the Jacobian is unit i's slope times row i of W_h"] = jacobian(h_t, W_h.T)
        found["the slope scales the rows of W_h (diag(s) @ W_h), not its columns (W_h @ diag(s))"] = (
            jacobian(h_t, W_h.T).transpose(0, 2, 1))
    return found


def scale_spectral_radius(W, rho: float) -> dict[str, np.ndarray]:
    W = np.asarray(W, dtype=np.float64)
    W_t = reference.to_torch(W)
    eigenvalues = torch.linalg.eigvals(W_t)
    radius = float(eigenvalues.abs().max())
    with np.errstate(divide="ignore", invalid="ignore"):
        found = {
            "you divided by the largest singular value (the 2-norm); the spectral radius is the largest |eigenvalue|":
                W * rho / float(torch.linalg.matrix_norm(W_t, ord=2)),
            "you divided by the Frobenius norm; the spectral radius is the largest |eigenvalue|":
                W * rho / float(torch.linalg.matrix_norm(W_t)),
            "you divided by the largest real part of the eigenvalues; take their absolute values (np.abs)":
                W * rho / float(eigenvalues.real.max()),
            "you divided by the largest entry of |W|; the spectral radius is the largest |eigenvalue|":
                W * rho / float(W_t.abs().max()),
            "you forgot to multiply by rho": W / radius,
            "you multiplied by the spectral radius instead of dividing by it": W * rho * radius,
        }
    return {message: output for message, output in found.items() if np.isfinite(output).all()}


def clip_total_norm(grads: dict, max_norm: float) -> dict[str, float]:
    """Likely wrong values of clip_grad_norm's total_norm."""
    clipped, total = reference.clip_grad_norm(grads, max_norm)
    norms = [float(torch.linalg.vector_norm(reference.to_torch(g))) for g in grads.values()]
    return {
        "total_norm is the norm before clipping; you returned the norm of the clipped gradients":
            float(np.sqrt(sum(float((g * g).sum()) for g in clipped.values()))),
        "total_norm is sqrt(sum of every squared entry); you added up the norms of the arrays": sum(norms),
        "total_norm is the square root of the sum of squares; you forgot the square root": total**2,
        "total_norm is the norm of all arrays together, not the largest of their norms": max(norms),
    }


def clip_grad_norm(grads: dict, max_norm: float) -> dict[str, np.ndarray]:
    """Likely wrong clipped gradients, flattened in key order (as `checks.flat` does)."""
    clipped, total = reference.clip_grad_norm(grads, max_norm)
    norms = {name: float(torch.linalg.vector_norm(reference.to_torch(g))) for name, g in grads.items()}
    # torch with a changed max_norm gives the scale factor a mistake would use: min(1, max_norm' / (total + 1e-6))
    with_norm = {
        "use max_norm / (total_norm + 1e-6), as torch does: you left out the 1e-6": total,
        "the total norm is sqrt(sum of squares) over all arrays: you added up their norms": sum(norms.values()),
        "the total norm is sqrt(sum of squares): you forgot the square root": total**2,
    }
    found = {message: checks.flat(reference.clip_grad_norm(grads, max_norm * (total + 1e-6) / max(wrong, 1e-300))[0])
             for message, wrong in with_norm.items() if wrong > 0}
    found["clip by the norm of all arrays together, not each array by its own norm"] = checks.flat(
        {name: reference.clip_grad_norm({name: g}, max_norm)[0][name] for name, g in grads.items()})
    found["clipping only shrinks: leave the gradients unchanged when total_norm <= max_norm"] = checks.flat(
        {name: g * (max_norm / (total + 1e-6)) for name, g in grads.items()})
    clamped = {}
    for name, g in grads.items():
        parameter = torch.nn.Parameter(torch.zeros(np.shape(g), dtype=reference.DTYPE))
        parameter.grad = reference.to_torch(g)
        torch.nn.utils.clip_grad_value_([parameter], max_norm)
        clamped[name] = reference.to_numpy(parameter.grad)
    found["you clipped each entry to [-max_norm, max_norm]; clip the norm, keeping the direction"] = checks.flat(clamped)
    correct = checks.flat(clipped)  # some mistakes agree with the answer for some inputs: they name nothing there
    return {message: output for message, output in found.items() if np.abs(output - correct).max(initial=0) > 0}


# --- lesson 05: GRU -----------------------------------------------------------------------------------------------

_GRU_SEED_CONVENTION = ("you used the seed's convention h = (1 - z) h_prev + z n; torch's is h = (1 - z) n + z h_prev "
                        "(z is the share of the old state that is kept)")
_GRU_RESET_BEFORE = ("the reset gate multiplies W_hn h_prev + b_hn (torch: r * (W_hn h + b_hn)); you applied it to h_prev "
                     "before the matmul, W_hn (r * h_prev), as in Cho et al.'s original")
_GRU_ORDER = "the gates are stacked r, z, n (torch's order); you read the first block as z and the second as r"
_GRU_B_HN_OUTSIDE = "b_hn belongs inside the reset gate, r * (W_hn h + b_hn); you added it outside the product"


def _gru_blocks_swapped(W_x, W_h, b_x, b_h) -> list[np.ndarray]:
    """The weights with the r and z blocks exchanged: what reading the stack as z, r, n amounts to."""
    hidden = np.shape(W_h)[1]
    order = np.r_[hidden : 2 * hidden, 0:hidden, 2 * hidden : 3 * hidden]
    return [np.asarray(a, dtype=np.float64)[order] for a in (W_x, W_h, b_x, b_h)]


def _gru_b_hn_outside(b_x, b_h) -> tuple[np.ndarray, np.ndarray]:
    """Biases that put b_hn outside the reset gate: it joins b_xn, and the recurrent n bias becomes 0."""
    b_x, b_h = np.array(b_x, dtype=np.float64), np.array(b_h, dtype=np.float64)
    hidden = b_h.size // 3
    b_x[2 * hidden :] += b_h[2 * hidden :]
    b_h[2 * hidden :] = 0.0
    return b_x, b_h


def _gru_blocks_transposed(W) -> np.ndarray | None:
    """W with each of its three (H, H) blocks transposed, or None when the blocks are not square."""
    W = np.asarray(W, dtype=np.float64)
    hidden = W.shape[0] // 3
    if W.shape[1] != hidden:
        return None
    return np.concatenate([block.T for block in np.split(W, 3)])


def gru_cell_forward(x_t, h_prev, W_x, W_h, b_x, b_h) -> dict[str, np.ndarray]:
    variant, step = reference.gru_cell_variant, reference.gru_cell_step
    weights = (W_x, W_h, b_x, b_h)
    found = {
        _GRU_SEED_CONVENTION: variant(x_t, h_prev, *weights, mix="seed"),
        _GRU_RESET_BEFORE: variant(x_t, h_prev, *weights, reset="before"),
        _GRU_ORDER: step(x_t, h_prev, *_gru_blocks_swapped(*weights)),
        _GRU_B_HN_OUTSIDE: step(x_t, h_prev, W_x, W_h, *_gru_b_hn_outside(b_x, b_h)),
        "your candidate ignores the reset gate: n = tanh(W_xn x + b_xn + r * (W_hn h_prev + b_hn))":
            variant(x_t, h_prev, *weights, reset="none"),
        "you returned the candidate n; h_t mixes it with h_prev: (1 - z) * n + z * h_prev":
            variant(x_t, h_prev, *weights, mix="none"),
        "the gates r and z use sigmoid and the candidate uses tanh; you swapped them":
            variant(x_t, h_prev, *weights, gate=torch.tanh, candidate=torch.sigmoid),
        "the candidate uses tanh; you applied sigmoid to it": variant(x_t, h_prev, *weights, candidate=torch.sigmoid),
        "your output ignores the bias b_h (torch's bias_hh)": step(x_t, h_prev, W_x, W_h, b_x, np.zeros_like(b_h)),
        "your output ignores the bias b_x (torch's bias_ih)": step(x_t, h_prev, W_x, W_h, np.zeros_like(b_x), b_h),
        "your gates and candidate ignore h_prev: the W_h h_prev terms are missing":
            step(x_t, h_prev, W_x, np.zeros_like(W_h), b_x, b_h),
    }
    if np.allclose(found[_GRU_RESET_BEFORE], found[_GRU_B_HN_OUTSIDE], rtol=1e-12, atol=1e-14):  # e.g. H = 1
        found.pop(_GRU_B_HN_OUTSIDE)
        found[f"{_GRU_B_HN_OUTSIDE}, or applied r to h_prev before the matmul (here the two agree)"] = (
            found.pop(_GRU_RESET_BEFORE))
    transposed_h = _gru_blocks_transposed(W_h)
    if transposed_h is not None:
        found["each (H, H) block of W_h is used untransposed: the recurrent terms are h_prev @ W_hr.T and so on"] = (
            step(x_t, h_prev, W_x, transposed_h, b_x, b_h))
    transposed_x = _gru_blocks_transposed(W_x)
    if transposed_x is not None:
        found["each block of W_x is used untransposed: the input terms are x_t @ W_xr.T and so on"] = (
            step(x_t, h_prev, transposed_x, W_h, b_x, b_h))
    return found


def gru_forward(x, h0, W_x, W_h, b_x, b_h) -> dict[str, np.ndarray]:
    run, states = reference.run_gru, reference.gru_states_variant
    weights = (W_x, W_h, b_x, b_h)
    x, h0 = np.asarray(x, dtype=np.float64), np.asarray(h0, dtype=np.float64)
    hs = run(x, h0, *weights)
    return {
        "your states ignore h0: start the loop from h = h0, not from zeros": run(x, 0 * h0, *weights),
        "every step must use the state of the step before; yours always uses h0": np.stack(
            [reference.gru_cell_step(x[:, t], h0, *weights) for t in range(x.shape[1])], axis=1),
        "hs[:, t] must hold h_t, the state after reading x_t; yours holds the state before it (shifted by one step)":
            np.concatenate([h0[:, None], hs[:, :-1]], axis=1),
        "you ran through time backwards: step t reads x[:, t] after step t - 1": run(x[:, ::-1], h0, *weights)[:, ::-1].copy(),
        _GRU_SEED_CONVENTION: states(x, h0, *weights, mix="seed"),
        _GRU_RESET_BEFORE: states(x, h0, *weights, reset="before"),
        _GRU_ORDER: run(x, h0, *_gru_blocks_swapped(*weights)),
        _GRU_B_HN_OUTSIDE: run(x, h0, W_x, W_h, *_gru_b_hn_outside(b_x, b_h)),
        "your candidate ignores the reset gate": states(x, h0, *weights, reset="none"),
    }


# --- lesson 04: LSTM ----------------------------------------------------------------------------------------------


def _lstm_rows(order: str, hidden_size: int) -> np.ndarray:
    """Row indices that move torch's gate blocks (i, f, g, o) to the positions a learner reading `order` assumes."""
    blocks = [reference.LSTM_GATES.index(name) for name in order]
    return np.concatenate([np.arange(k * hidden_size, (k + 1) * hidden_size) for k in blocks])


def _lstm_orders() -> list[str]:
    import itertools

    return ["".join(p) for p in itertools.permutations(reference.LSTM_GATES) if "".join(p) != "ifgo"]


def lstm_cell_forward(x_t, h_prev, c_prev, W_x, W_h, b) -> dict[str, dict[str, np.ndarray]]:
    """Each likely mistake of one LSTM step as {message: {"h_t": wrong h_t, "c_t": wrong c_t}}, from torch."""
    x_t, h_prev, c_prev, W_x, W_h, b = (np.asarray(a, dtype=np.float64) for a in (x_t, h_prev, c_prev, W_x, W_h, b))
    step = reference.lstm_cell_step
    H = h_prev.shape[1]
    right_h, right_c = step(x_t, h_prev, c_prev, W_x, W_h, b)
    G = reference.lstm_gates(x_t, h_prev, W_x, W_h, b)
    pre_g = reference.linear_step(x_t, W_x[2 * H : 3 * H], b[2 * H : 3 * H]) + reference.linear_step(
        h_prev, W_h[2 * H : 3 * H], np.zeros(H))
    tanh = np.tanh

    def with_cell(cell_state, gates=G):
        return {"h_t": gates["o"] * tanh(cell_state), "c_t": cell_state}

    sigmoid_candidate = reference.to_numpy(torch.sigmoid(reference.to_torch(pre_g)))
    found = {
        "your output ignores h_prev: the W_h h_prev term is missing from the gates":
            dict(zip(("h_t", "c_t"), step(x_t, 0 * h_prev, c_prev, W_x, W_h, b), strict=True)),
        "your output ignores x_t: the W_x x_t term is missing from the gates":
            dict(zip(("h_t", "c_t"), step(0 * x_t, h_prev, c_prev, W_x, W_h, b), strict=True)),
        "your gates ignore the bias b": dict(zip(("h_t", "c_t"), step(x_t, h_prev, c_prev, W_x, W_h, 0 * b),
                                                  strict=True)),
        "c_t must keep f_t * c_prev: your cell state ignores c_prev":
            dict(zip(("h_t", "c_t"), step(x_t, h_prev, 0 * c_prev, W_x, W_h, b), strict=True)),
        "the forget gate multiplies c_prev: c_t = f_t * c_prev + i_t * g_t; you added c_prev unscaled":
            with_cell(c_prev + G["i"] * G["g"]),
        "c_t keeps f_t * c_prev, not (1 - f_t) * c_prev (that is the GRU's way of interpolating)":
            with_cell((1 - G["f"]) * c_prev + G["i"] * G["g"]),
        "the input gate scales the candidate: c_t = f_t * c_prev + i_t * g_t; you left out i_t":
            with_cell(G["f"] * c_prev + G["g"]),
        "the candidate g_t uses tanh, not sigmoid (it must be able to be negative)":
            with_cell(G["f"] * c_prev + G["i"] * sigmoid_candidate),
        "h_t = o_t * tanh(c_t): you left out the tanh on the cell state": {"h_t": G["o"] * right_c, "c_t": right_c},
        "h_t = o_t * tanh(c_t) uses the new cell state c_t; you used c_prev":
            {"h_t": G["o"] * tanh(c_prev), "c_t": right_c},
        "h_t = o_t * tanh(c_t): you left out the output gate o_t": {"h_t": tanh(right_c), "c_t": right_c},
        "return (h_t, c_t) in this order; you returned (c_t, h_t)": {"h_t": right_c, "c_t": right_h},
    }
    for order in _lstm_orders():
        rows = _lstm_rows(order, H)
        wrong = step(x_t, h_prev, c_prev, W_x[rows], W_h[rows], b[rows])
        found[f"the gate blocks of W_x, W_h and b are in the order i, f, g, o (torch's); you read them as "
              f"{', '.join(order)}"] = dict(zip(("h_t", "c_t"), wrong, strict=True))
    return found


def lstm_forward(x, h0, c0, W_x, W_h, b) -> dict[str, dict[str, np.ndarray]]:
    """Each likely mistake of an LSTM run over a sequence as {message: {"hs": ..., "cs": ...}}, from torch."""
    x, h0, c0 = (np.asarray(a, dtype=np.float64) for a in (x, h0, c0))
    run, step = reference.run_lstm, reference.lstm_cell_step
    hs, cs = run(x, h0, c0, W_x, W_h, b)
    steps = x.shape[1]

    def looped(carry_h: bool, carry_c: bool):
        h, c, outputs = h0, c0, []
        for t in range(steps):
            h_new, c_new = step(x[:, t], h if carry_h else h0, c if carry_c else c0, W_x, W_h, b)
            h, c = h_new, c_new
            outputs.append((h_new, c_new))
        return {"hs": np.stack([o[0] for o in outputs], axis=1), "cs": np.stack([o[1] for o in outputs], axis=1)}

    reversed_run = run(x[:, ::-1], h0, c0, W_x, W_h, b)
    return {
        "your states ignore c0: start the loop from c = c0, not from zeros":
            dict(zip(("hs", "cs"), run(x, h0, 0 * c0, W_x, W_h, b), strict=True)),
        "your states ignore h0: start the loop from h = h0, not from zeros":
            dict(zip(("hs", "cs"), run(x, 0 * h0, c0, W_x, W_h, b), strict=True)),
        "the cell state must be carried from step to step; yours restarts from c0 at every step":
            looped(carry_h=True, carry_c=False),
        "the hidden state must be carried from step to step; every step of yours reads h0": looped(False, True),
        "every step must read the states of the step before; yours always uses h0 and c0": looped(False, False),
        "hs[:, t] and cs[:, t] hold the states after reading x[:, t]; yours hold the states before it":
            {"hs": np.concatenate([h0[:, None], hs[:, :-1]], axis=1),
             "cs": np.concatenate([c0[:, None], cs[:, :-1]], axis=1)},
        "you ran through time backwards: step t reads x[:, t] after step t - 1":
            {"hs": reversed_run[0][:, ::-1].copy(), "cs": reversed_run[1][:, ::-1].copy()},
        "return (hs, cs) in this order; you returned (cs, hs)": {"hs": cs, "cs": hs},
    }
