"""Lesson 02's explorer: forward, then backward through time, with the learner's functions.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from utils import checks, plots
from utils.lesson01_rnn_cell import torch_rnn
from utils.lesson02_bptt import torch_bptt
from utils.plots import PALETTE
from utils.widgets import LearnerCodeNotReady, LiveFigure, TimelinePlayer, call_learner, slider


class BPTTPlayer(TimelinePlayer):
    """Forward, the learner's rnn_forward fills in h_1..h_T; backward, the learner's rnn_cell_backward
    carries dL/dh_t from the loss back to h_1, one step per frame. The `frame` slider counts from 1: frames 1..T
    are the forward pass (frame t: h_t computed), T+1..2T the backward pass (frame T+j: dL/dh_{T+1-j} computed).
    The norms are checked against torch autograd.
    """

    GRADIENTS = ("dx_t", "dh_prev", "dW_x", "dW_h", "db")

    def __init__(self, rnn_forward, rnn_cell_backward, steps: int = 16, hidden_size: int = 8, seed: int = 3):
        self.rnn_forward, self.rnn_cell_backward = rnn_forward, rnn_cell_backward
        self.steps, self.hidden_size = steps, hidden_size
        rng = np.random.default_rng(seed)
        params = torch_rnn.rnn_cell_params(torch_rnn.rnn_cell(1, hidden_size, rng, scale=1.0))
        self.W_x, self.b = params["W_x"], 0.05 * params["b"]
        self.W_h_unit = torch_rnn.orthogonal(hidden_size, rng)
        self.x_unit = rng.normal(size=(1, steps, 1))
        self.loss_weights = rng.normal(size=(1, steps, hidden_size))  # L = sum over the chosen steps of g_t . h_t
        controls = {
            "memory": slider("memory (spectral radius of W_h)", 0.9, 0.0, 1.5),
            "input_scale": slider("input scale", 1.0, 0.0, 3.0),
            "loss_at": widgets.Dropdown(options=["last step", "every step"], value="last step", description="loss at",
                                        layout=widgets.Layout(width="200px")),
        }
        live = LiveFigure(10, 4.8)
        self.ax_x, self.ax_h, self.ax_grad = live.figure.subplots(3, 1, sharex=True, height_ratios=[1, 2, 1.6])
        time = np.arange(1, steps + 1)
        (self.x_line,) = self.ax_x.plot(time, np.zeros(steps), "o-", color=PALETTE["orange"], ms=3)
        self.ax_x.set_ylabel("$x_t$")
        self.heat = self.ax_h.imshow(np.full((hidden_size, steps), np.nan), aspect="auto", cmap="RdBu_r", vmin=-1,
                                     vmax=1, interpolation="nearest", extent=(0.5, steps + 0.5, hidden_size + 0.5, 0.5))
        self.ax_h.set_ylabel("unit of $h_t$")
        live.figure.colorbar(self.heat, ax=self.ax_h, pad=0.01, label="value")
        (self.grad_line,) = self.ax_grad.semilogy([], [], "o-", color=PALETTE["red"], ms=4)
        plots.few_log_ticks(self.ax_grad)
        self.ax_grad.set_ylabel(r"$\|\partial L / \partial h_t\|$")
        self.ax_grad.set_xlabel("time step t")
        self.ax_grad.set_xlim(0.5, steps + 0.5)
        self.cursor = [ax.axvline(1, color=PALETTE["ink"], lw=1) for ax in (self.ax_x, self.ax_h, self.ax_grad)]
        super().__init__(2 * steps, controls, live, title="Forward, then backward through time (press Play)")
        # Frames numbered 1..2T, so that frame t of the forward pass is the step of h_t (no redraw while renumbering).
        self.time.unobserve(self._on_change, names="value")
        for control in (self.play, self.time):
            control.max = 2 * steps
            control.min = 1
        self.time.description = "frame"
        self.time.observe(self._on_change, names="value")

    def compute(self, memory, input_scale, loss_at):
        x = input_scale * self.x_unit
        h0 = np.zeros((1, self.hidden_size))
        W_h = memory * self.W_h_unit
        hs = call_learner(self.rnn_forward, x, h0, self.W_x, W_h, self.b, shape=(1, self.steps, self.hidden_size))
        dhs = self.loss_weights.copy() if loss_at == "every step" else np.zeros_like(self.loss_weights)
        dhs[:, -1] = self.loss_weights[:, -1]
        entering = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)  # the state that entered each step
        dh_next, norms = np.zeros_like(h0), np.zeros(self.steps)
        for t in reversed(range(self.steps)):  # the loop of rnn_backward, one call of the learner's cell per step
            dh = dhs[:, t] + dh_next
            norms[t] = np.linalg.norm(dh)
            grads = call_learner(self.rnn_cell_backward, dh, x[:, t], entering[:, t], hs[:, t], self.W_x, W_h)
            try:
                dh_next = checks.expect_array(checks.expect_named(grads, self.GRADIENTS, "rnn_cell_backward")["dh_prev"],
                                              h0.shape, "rnn_cell_backward's dh_prev")
            except AssertionError as problem:
                raise LearnerCodeNotReady(str(problem)) from None
        expected = torch_bptt.rnn_gradients(x, h0, self.W_x, W_h, self.b, dhs)["dh_total"]
        matches = np.allclose(norms, np.linalg.norm(expected[0], axis=1), rtol=1e-6, atol=1e-12)
        return x, hs, norms, matches

    def draw_frame(self, frame, result, **settings) -> None:
        x, hs, norms, matches = result
        t = frame - 1  # 0-based: 0..T-1 forward, T..2T-1 backward
        forward = t < self.steps
        shown = t + 1 if forward else self.steps  # steps whose h_t is known
        first_grad = self.steps if forward else 2 * self.steps - 1 - t  # earliest step whose gradient is known
        limit = max(1.0, float(np.abs(x).max()) * 1.1)
        self.ax_x.set_ylim(-limit, limit)
        self.x_line.set_ydata(x[0, :, 0])
        heat = np.full((self.hidden_size, self.steps), np.nan)
        heat[:, :shown] = hs[0, :shown].T
        self.heat.set_data(heat)
        steps = np.arange(first_grad, self.steps)
        floor = 1e-12  # an exactly zero gradient still shows, at the bottom
        self.grad_line.set_data(steps + 1, np.maximum(norms[first_grad:], floor))
        positive = norms[norms > floor]
        low = max(floor, float(positive.min()) / 3) if positive.size else floor
        high = float(positive.max()) * 3 if positive.size else 1.0
        self.ax_grad.set_ylim(low, high)
        where = shown if forward else first_grad + 1
        for line in self.cursor:
            line.set_xdata([where, where])
        phase = f"forward pass: h_{shown} computed" if forward else f"backward pass: dL/dh_{first_grad + 1} computed"
        phase = f"frame {frame} of {2 * self.steps}, {phase}"
        check = "gradients match torch autograd" if matches else "gradients differ from torch autograd: check your code"
        self.ax_x.set_title(f"{phase}   ·   {check}", fontsize=10, color="black" if matches else PALETTE["red"])

    def not_ready(self, message: str) -> None:
        self._cache_key = None
        self.heat.set_data(np.full((self.hidden_size, self.steps), np.nan))
        self.grad_line.set_data([], [])
        self.ax_x.set_title("waiting for your rnn_forward and rnn_cell_backward", fontsize=10, color=PALETTE["muted"])
