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
    """Row indices that give each gate (in torch's order i, f, g, o) the block where a learner reading `order` finds
    it: the correct cell on W[rows] computes what that learner's cell computes on W."""
    blocks = [order.index(name) for name in torch_lstm.LSTM_GATES]
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


# --- the backward passes ------------------------------------------------------------------------------------------

def _steered(value: torch.Tensor, slope_from: torch.Tensor) -> torch.Tensor:
    """`value` in the forward pass, but differentiated as `slope_from` is: how a wrong derivative is written as
    autograd of a forward pass that computes the right numbers."""
    return value.detach() + slope_from - slope_from.detach()


def _wrong_cell_gradients(dh_t, dc_t, x_t, h_prev, c_prev, W_x, W_h, b, order: str = "ifgo",
                          wrong: str | None = None) -> dict[str, np.ndarray]:
    """Autograd through one LSTM step written out in torch, with the gate blocks read in `order` and one wrong
    derivative (`wrong`), as a learner's backward pass with that mistake computes it."""
    leaves = {name: to_torch(a).requires_grad_(True) for name, a in
              dict(x_t=x_t, h_prev=h_prev, c_prev=c_prev, W_x=W_x, W_h=W_h, b=b).items()}
    rows = torch.as_tensor(_lstm_rows(order, np.shape(h_prev)[1]))
    z = (torch.nn.functional.linear(leaves["x_t"], leaves["W_x"][rows], leaves["b"][rows])
         + torch.nn.functional.linear(leaves["h_prev"], leaves["W_h"][rows]))
    z_i, z_f, z_g, z_o = z.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(z_i), torch.sigmoid(z_f), torch.tanh(z_g), torch.sigmoid(z_o)
    if wrong == "no sigmoid slope":
        i, f, o = _steered(i, z_i), _steered(f, z_f), _steered(o, z_o)
    if wrong == "no candidate slope":
        g = _steered(g, z_g)
    c_prev_leaf = leaves["c_prev"]
    c_t = f * c_prev_leaf + i * g
    if wrong == "no forget gate in dc_prev":
        c_t = c_t + (1 - f).detach() * (c_prev_leaf - c_prev_leaf.detach())
    if wrong == "di and df swapped":
        c_t = (c_t.detach() + (f - f.detach()) * g.detach() + (i - i.detach()) * c_prev_leaf.detach()
               + f.detach() * (c_prev_leaf - c_prev_leaf.detach()) + i.detach() * (g - g.detach()))
    tanh_c = torch.tanh(c_t)
    if wrong == "tanh slope of c_t":
        tanh_c = _steered(tanh_c, c_t - c_t**3 / 3)  # slope 1 - c_t**2
    if wrong == "no tanh slope":
        tanh_c = _steered(tanh_c, c_t)
    h_t = o * tanh_c
    if wrong == "output gate with c_t":
        h_t = h_t + (o - o.detach()) * (c_t - tanh_c).detach()  # dh_t/do = c_t
    if wrong == "no output gate on the path to c_t":
        h_t = h_t + (1 - o).detach() * (tanh_c - tanh_c.detach())
    upstream_c = np.zeros_like(np.asarray(dc_t, dtype=np.float64)) if wrong == "dc_t not added" else dc_t
    torch.autograd.backward([h_t, c_t], [to_torch(dh_t), to_torch(upstream_c)])
    names = dict(zip(("x_t", "h_prev", "c_prev", "W_x", "W_h", "b"), reference.CELL_GRADIENTS[:3] + ("dW_x", "dW_h", "db"),
                     strict=True))
    return {names[name]: to_numpy(leaf.grad) if leaf.grad is not None else np.zeros(tuple(leaf.shape))
            for name, leaf in leaves.items()}


def lstm_cell_backward(dh_t, dc_t, x_t, h_prev, c_prev, W_x, W_h, b) -> dict[str, dict[str, np.ndarray]]:
    """Each likely mistake of one LSTM step's backward pass as {message: {gradient name: wrong value}}, from
    autograd of a torch step with that mistake."""
    inputs = (dh_t, dc_t, x_t, h_prev, c_prev, W_x, W_h, b)
    inputs = tuple(np.asarray(a, dtype=np.float64) for a in inputs)

    def wrong(kind=None, order="ifgo"):
        return _wrong_cell_gradients(*inputs, order=order, wrong=kind)

    right = reference.lstm_cell_gradients(*inputs)
    gates = torch_lstm.lstm_gates(inputs[2], inputs[3], W_x, W_h, b)
    batch = np.shape(x_t)[0]
    found = {
        "dc_prev = dc * f_t: the gradient reaches c_prev only through c_t = f_t * c_prev + ...; you left out f_t":
            {"dc_prev": wrong("no forget gate in dc_prev")["dc_prev"]},
        "dc_prev must carry the whole gradient at c_t, dc_t plus the part through h_t; yours is f_t * dc_t alone":
            {"dc_prev": gates["f"] * inputs[1]},
        "the slope of tanh at c_t is 1 - tanh(c_t)**2; you used 1 - c_t**2 (tanh' taken of c_t, not tanh(c_t))":
            wrong("tanh slope of c_t"),
        "you left out the slope of tanh(c_t): the path through h_t = o_t * tanh(c_t) adds "
        "dh_t * o_t * (1 - tanh(c_t)**2) to dc":
            wrong("no tanh slope"),
        "the output gate's gradient is dh_t * tanh(c_t), since h_t = o_t * tanh(c_t); you used dh_t * c_t":
            wrong("output gate with c_t"),
        "the path through h_t = o_t * tanh(c_t) carries o_t: dc = dc_t + dh_t * o_t * (1 - tanh(c_t)**2); "
        "you left out o_t": wrong("no output gate on the path to c_t"),
        "dc_t, the gradient from the next step, must be added: dc = dc_t + dh_t * o_t * (1 - tanh(c_t)**2)":
            wrong("dc_t not added"),
        "c_t = f_t * c_prev + i_t * g_t: the input gate's gradient is dc * g_t and the forget gate's dc * c_prev; "
        "you swapped them": wrong("di and df swapped"),
        "the gates are sigmoids: multiply their gradients by the slope s * (1 - s) before the weights":
            wrong("no sigmoid slope"),
        "the candidate is a tanh: multiply its gradient by 1 - g_t**2 before the weights": wrong("no candidate slope"),
        "the weight and bias gradients add up over the batch (the loss is a sum); you averaged them":
            {name: right[name] / batch for name in ("dW_x", "dW_h", "db")},
    }
    for order in _lstm_orders():
        found[f"the gate blocks of W_x, W_h and b (and of your gradient dz) are in the order i, f, g, o (torch's); "
              f"you read them as {', '.join(order)}"] = wrong(order=order)
    return found


def _through_time(dhs, x, h0, c0, W_x, W_h, b, carry_h=True, carry_c=True, h_shift=False, c_shift=False,
                  accumulate=True, forwards=False, first=0, loss_into_dc=False, swapped=False):
    """The loop of lstm_backward over the reference cell's autograd, with one of a learner's likely slips."""
    hs, cs = torch_lstm.run_lstm(x, h0, c0, W_x, W_h, b)
    T = np.shape(x)[1]
    entering_h = [h0] + [hs[:, t - 1] for t in range(1, T)]
    entering_c = [c0] + [cs[:, t - 1] for t in range(1, T)]
    dx = np.zeros(np.shape(x))
    sums = {name: np.zeros(np.shape(array)) for name, array in (("dW_x", W_x), ("dW_h", W_h), ("db", b))}
    dh_next, dc_next = np.zeros(np.shape(h0)), np.zeros(np.shape(c0))
    for t in (range(first, T) if forwards else range(T - 1, first - 1, -1)):
        h_prev = hs[:, t] if h_shift else entering_h[t]
        c_prev = cs[:, t] if c_shift else entering_c[t]
        dh = dhs[:, t] + (dh_next if carry_h else 0) if not loss_into_dc else dh_next
        dc = (dc_next if carry_c else 0 * dc_next) + (dhs[:, t] if loss_into_dc else 0)
        step = reference.lstm_cell_gradients(dh, dc, x[:, t], h_prev, c_prev, W_x, W_h, b)
        dx[:, t] = step["dx_t"]
        dh_next, dc_next = (step["dc_prev"], step["dh_prev"]) if swapped else (step["dh_prev"], step["dc_prev"])
        for name in sums:
            sums[name] = sums[name] + step[name] if accumulate else step[name]
    return {"dx": dx, "dh0": dh_next, "dc0": dc_next, **sums}


def lstm_backward(dhs, x, h0, c0, W_x, W_h, b) -> dict[str, dict[str, np.ndarray]]:
    """Each likely mistake of backpropagation through an LSTM as {message: {gradient name: wrong value}}, from
    the reference cell's autograd looped as a learner's lstm_backward would."""
    dhs, x, h0, c0, W_x, W_h, b = (np.asarray(a, dtype=np.float64) for a in (dhs, x, h0, c0, W_x, W_h, b))
    args = (dhs, x, h0, c0, W_x, W_h, b)
    last_only = np.zeros_like(dhs)
    last_only[:, -1] = dhs[:, -1]
    right = reference.lstm_gradients(*args)
    steps = x.shape[1]
    found = {
        "no gradient flows back along the cell state: pass step t + 1's dc_prev as dc_t to step t":
            _through_time(*args, carry_c=False),
        "no gradient flows back from h_{t+1} into h_t: add step t + 1's dh_prev to dhs[:, t] before step t":
            _through_time(*args, carry_h=False),
        "you used only the last step's dhs[:, -1]; the loss reaches every h_t, so add dhs[:, t] at every step":
            {name: right[name] for name in right if name != "hs"} if steps == 1 else
            _through_time(last_only, *args[1:]),
        "dW_x, dW_h and db must add up (+=) the contributions of every step; yours keep only one step's":
            {name: value for name, value in _through_time(*args, accumulate=False).items()
             if name in ("dW_x", "dW_h", "db")},
        "step t starts from hs[:, t - 1] (h0 at t = 0); you gave it hs[:, t], one step off": _through_time(*args, h_shift=True),
        "step t starts from cs[:, t - 1] (c0 at t = 0); you gave it cs[:, t], one step off": _through_time(*args, c_shift=True),
        "step t starts from the states before it, hs[:, t - 1] and cs[:, t - 1] (h0 and c0 at t = 0); you gave it "
        "hs[:, t] and cs[:, t], one step off": _through_time(*args, h_shift=True, c_shift=True),
        "dh0 is the dh_prev that comes out of step 0; yours is zero": {"dh0": np.zeros_like(h0)},
        "dc0 is the dc_prev that comes out of step 0; yours is zero": {"dc0": np.zeros_like(c0)},
        "dhs[:, t] is the gradient reaching h_t, so it is added to dh, not to dc": _through_time(*args, loss_into_dc=True),
        "your loop swaps dh_prev and dc_prev: the cell returns (dx_t, dh_prev, dc_prev, ...) in this order":
            _through_time(*args, swapped=True),
    }
    if steps > 1:
        found["backpropagation runs backwards in time: start at the last step, t = T - 1, and end at t = 0"] = \
            _through_time(*args, forwards=True)
        found["the gradients of step 0 are missing: the loop must run down to t = 0"] = {
            name: value for name, value in _through_time(*args, first=1).items() if name in ("dW_x", "dW_h", "db")}
    return found
