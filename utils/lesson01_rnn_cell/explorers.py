"""Lesson 01's explorers: the cell term by term, and the hidden state over a sequence.

Each explorer takes the learner's own function and runs it on every change; torch draws only the parts that are not
the learner's to compute, and says when the learner's result leaves it.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from utils import data
from utils.lesson01_rnn_cell import drawings, torch_rnn
from utils.plots import PALETTE
from utils.widgets import Explorer, LiveFigure, TimelinePlayer, call_learner, slider


class CellExplorer(Explorer):
    """The terms of h_t = tanh(W_x x_t + W_h h_prev + b) and where each unit sits on tanh.

    Bars: the three terms per hidden unit and their sum, the pre-activation a (diamonds).
    Curve: tanh(a) with the learner's h_t plotted at (a, h_t); a correct cell puts every point on the curve.
    """

    INPUT_SIZE, HIDDEN_SIZE = 2, 4

    def __init__(self, cell_forward, seed: int = 1):
        self.cell_forward = cell_forward
        rng = np.random.default_rng(seed)
        params = torch_rnn.rnn_cell_params(torch_rnn.rnn_cell(self.INPUT_SIZE, self.HIDDEN_SIZE, rng, scale=1.0))
        self.W_x, self.W_h, self.b = params["W_x"], params["W_h"], params["b"]
        self.h_direction = rng.uniform(-1, 1, size=(1, self.HIDDEN_SIZE))
        controls = {
            "x1": slider("x_t[0]", 0.8, -2, 2),
            "x2": slider("x_t[1]", -0.4, -2, 2),
            "h_scale": slider("h_prev scale", 0.5, -1, 1),
            "weight_scale": slider("weight scale", 1.0, 0, 3),
            "bias_shift": slider("bias shift", 0.0, -2, 2),
        }
        live = LiveFigure(10, 3.6)
        self.ax_terms, self.ax_tanh = live.figure.subplots(1, 2, width_ratios=[1.6, 1])
        zeros = np.zeros(self.HIDDEN_SIZE)
        self.bars, self.pre_marker = drawings.term_bars(
            self.ax_terms, {"W_x x_t": zeros, "W_h h_prev": zeros, "b": zeros}, total=zeros, total_label="a (sum)")
        self.ax_terms.set_ylabel("contribution to the pre-activation")
        self.span = 5.0
        self.points = drawings.activation_curve(self.ax_tanh, "tanh", span=self.span)
        self.ax_tanh.set_ylim(-1.25, 1.25)
        self.slope_text = self.ax_tanh.text(0.98, 0.04, "", transform=self.ax_tanh.transAxes, ha="right", fontsize=8)
        super().__init__(controls, live, title="The RNN cell, term by term")

    def inputs(self, x1, x2, h_scale, weight_scale, bias_shift):
        """(x_t, h_prev, W_x, W_h, b) for the current slider values."""
        x_t = np.array([[x1, x2]])
        h_prev = h_scale * self.h_direction
        return x_t, h_prev, weight_scale * self.W_x, weight_scale * self.W_h, self.b + bias_shift

    def draw(self, **values) -> None:
        x_t, h_prev, W_x, W_h, b = self.inputs(**values)
        no_bias = np.zeros_like(b)
        terms = {"W_x x_t": torch_rnn.linear_step(x_t, W_x, no_bias)[0],
                 "W_h h_prev": torch_rnn.linear_step(h_prev, W_h, no_bias)[0], "b": b}
        pre = sum(terms.values())
        for name, heights in terms.items():
            for bar, height in zip(self.bars[name], heights, strict=True):
                bar.set_height(height)
        self.pre_marker.set_ydata(pre)
        limit = max(1.0, float(np.abs(np.concatenate([*terms.values(), pre])).max()) * 1.15)
        self.ax_terms.set_ylim(-limit, limit)

        h_t = call_learner(self.cell_forward, x_t, h_prev, W_x, W_h, b, shape=(1, self.HIDDEN_SIZE))[0]
        shown = np.clip(pre, -self.span, self.span)  # a saturated unit sits at the edge of the plot
        self.points.set_offsets(np.c_[shown, h_t])
        self.points.set_array(np.linspace(0, 1, self.HIDDEN_SIZE))
        on_curve = np.allclose(h_t, torch_rnn.rnn_cell_step(x_t, h_prev, W_x, W_h, b), atol=1e-9)
        slopes = ", ".join(f"{1 - np.tanh(a) ** 2:.2f}" for a in pre)
        self.ax_tanh.set_title("your h_t, on the tanh curve" if on_curve else
                               "your h_t is off the tanh curve: check rnn_cell_forward",
                               fontsize=10, color="black" if on_curve else PALETTE["red"])
        self.slope_text.set_text(f"slopes tanh'(a): {slopes}")

    def not_ready(self, message: str) -> None:
        self.points.set_offsets(np.empty((0, 2)))
        self.slope_text.set_text("")
        self.ax_tanh.set_title("waiting for your rnn_cell_forward", fontsize=10, color=PALETTE["muted"])


class SequencePlayer(TimelinePlayer):
    """The hidden state over a short input sequence, one step of the learner's cell per frame.

    `memory` scales an orthogonal W_h (its spectral radius): near 0 the state forgets a pulse at once,
    near 1 it carries it for many steps, above 1 it can saturate.
    """

    def __init__(self, cell_forward, steps: int = 24, hidden_size: int = 8, seed: int = 2):
        self.cell_forward = cell_forward
        self.steps, self.hidden_size = steps, hidden_size
        rng = np.random.default_rng(seed)
        params = torch_rnn.rnn_cell_params(torch_rnn.rnn_cell(1, hidden_size, rng, scale=1.0))
        self.W_x, self.b = params["W_x"], 0.05 * params["b"]
        self.W_h_unit = torch_rnn.orthogonal(hidden_size, rng)  # spectral radius 1
        controls = {
            "signal": widgets.Dropdown(options=data.SIGNALS, value="pulse", description="input",
                                       layout=widgets.Layout(width="180px")),
            "memory": slider("memory (spectral radius of W_h)", 0.9, 0.0, 1.5),
            "input_scale": slider("input scale", 1.0, 0.0, 3.0),
        }
        live = LiveFigure(10, 4.4)
        self.ax_x, self.ax_h, self.ax_norm = live.figure.subplots(
            3, 1, sharex=True, height_ratios=[1, 2.2, 1])
        time = np.arange(steps)
        (self.x_full,) = self.ax_x.plot(time, np.zeros(steps), color=PALETTE["faint"], lw=1)
        (self.x_seen,) = self.ax_x.plot([], [], "o-", color=PALETTE["orange"], ms=3)
        self.ax_x.set_ylabel("$x_t$")
        self.heat = self.ax_h.imshow(np.full((hidden_size, steps), np.nan), aspect="auto", cmap="RdBu_r",
                                     vmin=-1, vmax=1, interpolation="nearest",
                                     extent=(-0.5, steps - 0.5, hidden_size + 0.5, 0.5))
        self.ax_h.set_ylabel("unit of $h_t$")
        live.figure.colorbar(self.heat, ax=self.ax_h, pad=0.01, label="value")
        (self.norm_line,) = self.ax_norm.plot([], [], "o-", color=PALETTE["blue"], ms=3)
        self.ax_norm.set_ylim(0, np.sqrt(hidden_size) * 1.05)
        self.ax_norm.set_ylabel(r"$\|h_t\|$")
        self.ax_norm.set_xlabel("time step t")
        self.cursor = [ax.axvline(0, color=PALETTE["red"], lw=1) for ax in (self.ax_x, self.ax_h, self.ax_norm)]
        super().__init__(steps, controls, live, title="The hidden state, step by step (press Play)")

    def compute(self, signal, memory, input_scale):
        x = input_scale * data.signal(signal, self.steps)
        h = np.zeros((1, self.hidden_size))  # h_0 = 0: no context before the first input
        states = []
        for t in range(self.steps):
            h = call_learner(self.cell_forward, x[t].reshape(1, 1), h, self.W_x, memory * self.W_h_unit, self.b,
                             shape=(1, self.hidden_size))
            states.append(h[0])
        return x, np.array(states)

    def draw_frame(self, t, result, **settings) -> None:
        x, states = result
        seen = np.arange(t + 1)
        self.x_full.set_ydata(x)
        self.x_seen.set_data(seen, x[: t + 1])
        limit = max(1.0, float(np.abs(x).max()) * 1.1)
        self.ax_x.set_ylim(-limit, limit)
        heat = np.full((self.hidden_size, self.steps), np.nan)
        heat[:, : t + 1] = states[: t + 1].T
        self.heat.set_data(heat)
        self.norm_line.set_data(seen, np.linalg.norm(states[: t + 1], axis=1))
        for line in self.cursor:
            line.set_xdata([t, t])

    def not_ready(self, message: str) -> None:
        self._cache_key = None
        self.heat.set_data(np.full((self.hidden_size, self.steps), np.nan))
        self.x_seen.set_data([], [])
        self.norm_line.set_data([], [])
