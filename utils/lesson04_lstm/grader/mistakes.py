"""Lesson 04, grader side: the likely mistakes of lstm_cell_forward and lstm_forward, as the
outputs they would produce ({message: {name: output}}).
"""

from __future__ import annotations

import numpy as np
import torch

from utils.lesson01_rnn_cell import torch_rnn
from utils.lesson04_lstm import torch_lstm
from utils.lesson04_lstm.grader import reference
from utils.models import to_numpy, to_torch


def _lstm_rows(order: str, hidden_size: int) -> np.ndarray:
    """Row indices that move torch's gate blocks (i, f, g, o) to the positions a learner reading `order` assumes."""
    blocks = [torch_lstm.LSTM_GATES.index(name) for name in order]
    return np.concatenate([np.arange(k * hidden_size, (k + 1) * hidden_size) for k in blocks])


def _lstm_orders() -> list[str]:
    import itertools

    return ["".join(p) for p in itertools.permutations(torch_lstm.LSTM_GATES) if "".join(p) != "ifgo"]


def lstm_cell_forward(x_t, h_prev, c_prev, W_x, W_h, b) -> dict[str, dict[str, np.ndarray]]:
    """Each likely mistake of one LSTM step as {message: {"h_t": wrong h_t, "c_t": wrong c_t}}, from torch."""
    x_t, h_prev, c_prev, W_x, W_h, b = (np.asarray(a, dtype=np.float64) for a in (x_t, h_prev, c_prev, W_x, W_h, b))
    step = reference.lstm_cell_step
    H = h_prev.shape[1]
    right_h, right_c = step(x_t, h_prev, c_prev, W_x, W_h, b)
    G = torch_lstm.lstm_gates(x_t, h_prev, W_x, W_h, b)
    pre_g = torch_rnn.linear_step(x_t, W_x[2 * H : 3 * H], b[2 * H : 3 * H]) + torch_rnn.linear_step(
        h_prev, W_h[2 * H : 3 * H], np.zeros(H))
    tanh = np.tanh

    def with_cell(cell_state, gates=G):
        return {"h_t": gates["o"] * tanh(cell_state), "c_t": cell_state}

    sigmoid_candidate = to_numpy(torch.sigmoid(to_torch(pre_g)))
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
    run, step = torch_lstm.run_lstm, reference.lstm_cell_step
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
