"""Lesson 02, grader side: the likely mistakes of rnn_forward, rnn_cell_backward and
rnn_backward, as the outputs they would produce ({message: output}).
"""

from __future__ import annotations

import numpy as np

from utils.lesson01_rnn_cell import torch_rnn
from utils.lesson01_rnn_cell.grader.mistakes import is_square
from utils.lesson02_bptt import torch_bptt
from utils.lesson02_bptt.grader import reference


def rnn_forward(x, h0, W_x, W_h, b) -> dict[str, np.ndarray]:
    run, step = reference.run_rnn, torch_rnn.rnn_cell_step
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
    if is_square(W_h):
        found["W_h is used untransposed: the recurrent term is h @ W_h.T"] = run(x, h0, W_x, W_h.T, b)
    if is_square(W_x):
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
    if is_square(W_h):
        found["the gradient reaches h_prev through W_h itself (da @ W_h); you used W_h.T"] = {
            "dh_prev": through_linear(da, W_h=W_h.T)["dh_prev"]}
    if is_square(W_x):
        found["the gradient reaches x_t through W_x itself (da @ W_x); you used W_x.T"] = {
            "dx_t": through_linear(da, W_x=W_x.T)["dx_t"]}
    return found


def rnn_backward(dhs, x, h0, hs, W_x, W_h, b) -> dict[str, dict[str, np.ndarray]]:
    """Each likely mistake of BPTT as {message: {gradient name: wrong value}}, from autograd variants.

    `b` is needed only to rebuild the forward pass (rnn_backward itself never needs it).
    """
    grads = torch_bptt.rnn_gradients
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
