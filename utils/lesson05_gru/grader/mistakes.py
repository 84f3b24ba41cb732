"""Lesson 05, grader side: the likely mistakes of gru_cell_forward, gru_forward and gru_cell_backward, as the
outputs they would produce ({message: output}; for gru_cell_backward {message: {gradient name: wrong value}}).
"""

from __future__ import annotations

import numpy as np
import torch

from utils.lesson05_gru import torch_gru
from utils.lesson05_gru.grader import reference

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
    variant, step = torch_gru.gru_cell_variant, torch_gru.gru_cell_step
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
    run, states = torch_gru.run_gru, torch_gru.gru_states_variant
    weights = (W_x, W_h, b_x, b_h)
    x, h0 = np.asarray(x, dtype=np.float64), np.asarray(h0, dtype=np.float64)
    hs = run(x, h0, *weights)
    return {
        "your states ignore h0: start the loop from h = h0, not from zeros": run(x, 0 * h0, *weights),
        "every step must use the state of the step before; yours always uses h0": np.stack(
            [torch_gru.gru_cell_step(x[:, t], h0, *weights) for t in range(x.shape[1])], axis=1),
        "hs[:, t] must hold h_t, the state after reading x_t; yours holds the state before it (shifted by one step)":
            np.concatenate([h0[:, None], hs[:, :-1]], axis=1),
        "you ran through time backwards: step t reads x[:, t] after step t - 1": run(x[:, ::-1], h0, *weights)[:, ::-1].copy(),
        _GRU_SEED_CONVENTION: states(x, h0, *weights, mix="seed"),
        _GRU_RESET_BEFORE: states(x, h0, *weights, reset="before"),
        _GRU_ORDER: run(x, h0, *_gru_blocks_swapped(*weights)),
        _GRU_B_HN_OUTSIDE: run(x, h0, W_x, W_h, *_gru_b_hn_outside(b_x, b_h)),
        "your candidate ignores the reset gate": states(x, h0, *weights, reset="none"),
    }


_BACKWARD_SEED = ("the (1 - z) and z branches are swapped: you differentiated the seed's convention h = (1 - z) h_prev + "
                  "z n; in torch's, h_t = (1 - z) n + z h_prev, so dn = dh_t * (1 - z) and h_prev's direct share is "
                  "dh_t * z")
_BACKWARD_OUTSIDE = ("r applied outside the W_hn product: your gradients are those of r * (W_hn h_prev) + b_hn, but b_hn "
                     "sits inside the reset gate, r * (W_hn h_prev + b_hn), so db_hn = r * da_n and "
                     "dr = da_n * (W_hn h_prev + b_hn)")
_BACKWARD_BEFORE = ("r applied to h_prev before the W_hn product: your gradients are those of W_hn (r * h_prev) + b_hn; "
                    "torch's reset gate multiplies the product, r * (W_hn h_prev + b_hn)")
_BACKWARD_DR = ("r multiplies W_hn h_prev + b_hn, so dr = da_n * (W_hn h_prev + b_hn): you left b_hn out of dr, as if r "
                "were applied outside the W_hn product + b_hn")


def gru_cell_backward(dh_t, x_t, h_prev, W_x, W_h, b_x, b_h) -> dict[str, dict[str, np.ndarray]]:
    """Each likely mistake as {message: {gradient name: wrong value}}, by autograd of the variant it amounts to."""
    def grads(**variant):
        return reference.variant_gradients(dh_t, x_t, h_prev, W_x, W_h, b_x, b_h, **variant)

    right = grads()
    batch = np.shape(x_t)[0]
    found = {
        _BACKWARD_SEED: grads(mix="seed"),
        # before _BACKWARD_OUTSIDE, which gives the same gradients but for db_h's n block
        _BACKWARD_DR: grads(backward="dr without b_hn"),
        _BACKWARD_OUTSIDE: grads(reset="outside"),
        _BACKWARD_BEFORE: grads(reset="before"),
        _GRU_ORDER: grads(order="zrn"),
        "dh_prev misses the direct path dh_t * z: h_t = (1 - z) n + z h_prev depends on h_prev itself, not only "
        "through the gates and the candidate": grads(backward="no direct path"),
        "dh_prev is more than dh_t * z: h_prev also reaches h_t through r, z and the candidate (add the three blocks' "
        "gradients times W_h)": grads(backward="direct path only"),
        "dz has the wrong sign: h_t = n + z (h_prev - n), so dz = dh_t * (h_prev - n)": grads(backward="dz sign"),
        "the n block of db_h is r * da_n, not da_n: db_h and db_x differ there (b_hn sits inside the reset gate)":
            {"db_h": right["db_x"]},  # before the next: same db_h
        "W_hn h_prev + b_hn is scaled by r, so its gradient is r * da_n (in dW_hn, db_hn and dh_prev); you left out r":
            grads(backward="dhn without r"),
        "r and z depend on the weights and on h_prev too: you treated the gates as constants (da_r = dr * r (1 - r), "
        "da_z = dz * z (1 - z))": grads(backward="gates constant"),
        "the candidate's tanh slope is 1 - n**2; you used 1 - n": grads(backward="tanh slope 1 - n"),
    }
    if batch > 1:
        found["the weight and bias gradients add up over the batch (the loss is a sum); you averaged them"] = {
            name: right[name] / batch for name in ("dW_x", "dW_h", "db_x", "db_h")}
    if np.shape(W_h)[1] == 1:  # H = 1: r * (W_hn h) + b_hn and W_hn (r h) + b_hn are one model
        both = "or applied r to h_prev before the W_hn product (with H = 1 the two agree)"
        found = {f"{message}, {both}" if message == _BACKWARD_OUTSIDE else message: wrong
                 for message, wrong in found.items() if message != _BACKWARD_BEFORE}
    return found
