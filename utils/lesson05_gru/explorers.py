"""Lesson 05's explorers: the update gate as a mix of old state and candidate, the gradient highway of the
learner's own backward pass, and memory over time of the committed RNN, LSTM and GRU.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import torch

from utils import checks, plots
from utils.lesson04_lstm import adding, pretrained
from utils.lesson05_gru import torch_gru
from utils.models import to_numpy, to_torch
from utils.plots import PALETTE
from utils.widgets import Explorer, LearnerCodeNotReady, LiveFigure, call_learner, slider


class UpdateGateExplorer(Explorer):
    """The update gate as an interpolation. A 2-unit GRU (torch's convention) reads one input; its state
    lives in the plane. The learner's gru_cell_forward gives h_t, which must lie on the segment from the candidate
    n_t (z = 0) to h_{t-1} (z = 1), at the fraction z from n_t. Both units share one update gate (equal z rows), so
    the mix is one number; r and n come from torch, to draw the segment the learner's point must lie on. Grey
    dots: the state after 2, 3, ... steps of the same input, from the learner's cell.
    """

    HIDDEN_SIZE, FOLLOW_STEPS = 2, 6

    def __init__(self, gru_cell_forward):
        self.gru_cell_forward = gru_cell_forward
        # Chosen by hand, gates stacked r, z, n. Both units share one update gate (equal z rows), so that the mix is
        # one number and h_t moves along a straight segment; the r and z biases are the sliders'.
        self.W_x = np.array([[0.5], [-0.5], [0.5], [0.5], [1.6], [1.2]])
        self.W_h = np.array([[0.3, 0.2], [-0.2, 0.4], [0.4, -0.4], [0.4, -0.4], [1.5, -1.0], [-1.2, 1.4]])
        self.b_x_base = np.array([0.0, 0.0, 0.0, 0.0, -0.2, 0.3])
        self.b_h = np.array([0.0, 0.0, 0.0, 0.0, 0.1, -0.1])
        self.h_prev = np.array([[-0.6, 0.5]])
        controls = {
            "x": slider("input x_t", 0.8, -2.0, 2.0),
            "z_bias": slider("update-gate bias b_z", 0.0, -5.0, 5.0, step=0.1),
            "r_bias": slider("reset-gate bias b_r", 1.0, -5.0, 5.0, step=0.1),
        }
        live = LiveFigure(10, 3.8)
        self.ax_plane, self.ax_gates = live.figure.subplots(1, 2, width_ratios=[1.7, 1])
        ax = self.ax_plane
        ax.plot([-1, 1, 1, -1, -1], [-1, -1, 1, 1, -1], color=PALETTE["silver"], lw=1, ls="--")  # tanh keeps h inside
        ax.set_xlim(-1.15, 1.15)
        ax.set_ylim(-1.15, 1.15)
        ax.set_aspect("equal")
        ax.set_xlabel("unit 1")
        ax.set_ylabel("unit 2")
        (self.segment,) = ax.plot([], [], color=PALETTE["light_grey"], lw=2, zorder=1)
        (self.follow,) = ax.plot([], [], "o", color=PALETTE["light_grey"], ms=4, zorder=2, label="later steps, same input")
        (self.old,) = ax.plot(*self.h_prev[0], "o", color=PALETTE["blue"], ms=10, zorder=3, label="$h_{t-1}$ (z = 1)")
        (self.new,) = ax.plot([], [], "o", color=PALETTE["orange"], ms=10, zorder=3, label="candidate $n_t$ (z = 0)")
        (self.expected,) = ax.plot([], [], "o", mfc="none", mec=PALETTE["red"], ms=16, mew=1.5, zorder=4,
                                   label="torch's $h_t$")
        (self.mine,) = ax.plot([], [], "*", color="black", ms=14, zorder=5, label="your $h_t$")
        ax.legend(fontsize=7.5, loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False)
        self.mix_text = ax.text(0.02, 0.98, "", transform=ax.transAxes, ha="left", va="top", fontsize=9)
        names = ["$r_1$", "$r_2$", "$z_1$", "$z_2$"]
        self.gate_bars = self.ax_gates.bar(range(4), np.zeros(4),
                                           color=[PALETTE["light_blue"]] * 2 + [PALETTE["light_orange"]] * 2)
        self.ax_gates.set_xticks(range(4), names)
        self.ax_gates.set_ylim(0, 1.08)
        self.ax_gates.axhline(1.0, color=PALETTE["rule"], lw=0.8)
        self.ax_gates.set_title("gates (sigmoid outputs, between 0 and 1)", fontsize=10)
        self.gate_labels = [self.ax_gates.text(i, 0, "", ha="center", va="bottom", fontsize=8) for i in range(4)]
        super().__init__(controls, live, title="The update gate: h_t between the old state and the candidate")

    def weights(self, z_bias, r_bias):
        H = self.HIDDEN_SIZE
        b_x = self.b_x_base.copy()
        b_x[:H] = r_bias
        b_x[H : 2 * H] = z_bias
        return self.W_x, self.W_h, b_x, self.b_h

    def draw(self, x, z_bias, r_bias) -> None:
        weights = self.weights(z_bias, r_bias)
        x_t = np.array([[x]])
        gates = torch_gru.gru_gates(x_t, self.h_prev, *weights)
        candidate, z = gates["n"][0], float(gates["z"][0, 0])
        self.new.set_data([candidate[0]], [candidate[1]])
        self.segment.set_data([candidate[0], self.h_prev[0, 0]], [candidate[1], self.h_prev[0, 1]])
        expected = torch_gru.gru_cell_step(x_t, self.h_prev, *weights)[0]
        self.expected.set_data([expected[0]], [expected[1]])
        shape = (1, self.HIDDEN_SIZE)
        h = call_learner(self.gru_cell_forward, x_t, self.h_prev, *weights, shape=shape)
        self.mine.set_data([h[0, 0]], [h[0, 1]])
        later = []
        for _ in range(self.FOLLOW_STEPS - 1):
            later.append(call_learner(self.gru_cell_forward, x_t, later[-1][None] if later else h, *weights,
                                      shape=shape)[0])
        later = np.array(later)
        self.follow.set_data(later[:, 0], later[:, 1])
        for bar, label, value in zip(self.gate_bars, self.gate_labels, np.r_[gates["r"][0], gates["z"][0]],
                                     strict=True):
            bar.set_height(value)
            label.set_y(value + 0.01)
            label.set_text(f"{value:.2f}")
        self.mix_text.set_text(f"z = {z:.2f}:  h_t = {1 - z:.2f} n_t + {z:.2f} h_(t-1)")
        right = np.allclose(h[0], expected, atol=1e-9)
        self.ax_plane.set_title("your h_t sits where torch's does" if right else
                                "your h_t is not torch's: check gru_cell_forward",
                                fontsize=10, color="black" if right else PALETTE["red"])

    def not_ready(self, message: str) -> None:
        self.mine.set_data([], [])
        self.follow.set_data([], [])
        self.ax_plane.set_title("waiting for your gru_cell_forward", fontsize=10, color=PALETTE["muted"])


class HighwayExplorer(Explorer):
    """The gradient highway, from the learner's gru_cell_backward. A GRU with H = 6 units reads a fixed sequence
    of T = 40 steps (states by torch). Left: the learner's one-step Jacobian dh_t/dh_{t-1} at the last step, read
    off their dh_prev for the H upstream gradients dh_t = e_1, ..., e_H (a batch of H copies of the step), next to
    autograd's. Right: the learner's backward pass chained over k steps from the end: the largest singular value of
    dh_T/dh_{T-k}, i.e. how strongly the most favoured direction of gradient survives k steps. `update-gate bias`
    is added to b_xz: as z -> 1 the Jacobian tends to the identity and the gradient stops shrinking.
    """

    HIDDEN_SIZE, INPUT_SIZE, STEPS = 6, 2, 40
    GRADIENTS = ("dx_t", "dh_prev", "dW_x", "dW_h", "db_x", "db_h")

    def __init__(self, gru_cell_backward, seed: int = 57):
        self.gru_cell_backward = gru_cell_backward
        rng = np.random.default_rng(seed)
        self.base = torch_gru.gru_params(torch_gru.gru_cell(self.INPUT_SIZE, self.HIDDEN_SIZE, rng, scale=1.0))
        self.x = rng.normal(size=(1, self.STEPS, self.INPUT_SIZE))
        self.h0 = rng.uniform(-0.5, 0.5, size=(1, self.HIDDEN_SIZE))
        controls = {
            "z_bias": slider("update-gate bias b_z", 0.0, -2.0, 8.0, step=0.5),
            "scale": slider("recurrent weight scale", 1.0, 0.25, 2.5, step=0.25),
        }
        live = LiveFigure(10, 3.6)
        self.ax_jacobian, self.ax_torch, self.ax_norm = live.figure.subplots(1, 3, width_ratios=[1, 1, 1.7])
        empty = np.zeros((self.HIDDEN_SIZE, self.HIDDEN_SIZE))
        self.image = self.ax_jacobian.imshow(empty, cmap="RdBu_r", vmin=-1.2, vmax=1.2)
        self.torch_image = self.ax_torch.imshow(empty, cmap="RdBu_r", vmin=-1.2, vmax=1.2)
        for ax, title in ((self.ax_jacobian, "yours: $\\partial h_T / \\partial h_{T-1}$"),
                          (self.ax_torch, "autograd's")):
            ax.set_title(title, fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
        steps = np.arange(1, self.STEPS + 1)
        (self.line,) = self.ax_norm.semilogy(steps, np.ones(self.STEPS), "o-", ms=3, color=PALETTE["orange"],
                                              label="yours, chained over k steps")
        (self.torch_line,) = self.ax_norm.semilogy(steps, np.ones(self.STEPS), color=PALETTE["grey"], lw=1,
                                                    label="the product of autograd's Jacobians")
        self.ax_norm.axhline(1.0, color=PALETTE["rule"], lw=0.8)
        self.ax_norm.set_ylim(1e-12, 10)
        self.ax_norm.set_xlabel("k: steps back from the end")
        self.ax_norm.set_ylabel("largest singular value of $\\partial h_T / \\partial h_{T-k}$", fontsize=8)
        self.ax_norm.legend(fontsize=7.5, loc="lower left")
        plots.few_log_ticks(self.ax_norm)
        self.note = self.ax_norm.text(0.98, 0.97, "", transform=self.ax_norm.transAxes, ha="right", va="top",
                                      fontsize=8)
        super().__init__(controls, live, title="The gradient highway: your dh_prev as the update gate closes")

    def weights(self, z_bias, scale) -> dict[str, np.ndarray]:
        hidden = self.HIDDEN_SIZE
        params = {name: value.copy() for name, value in self.base.items()}
        params["b_x"][hidden : 2 * hidden] += z_bias
        params["W_h"] *= scale
        return params

    def learner_dh_prev(self, dh_t, x_t, h_prev, params) -> np.ndarray:
        """The learner's dh_prev for upstream gradients dh_t (one row each) at copies of one step."""
        copies = dh_t.shape[0]
        x_rows, h_rows = np.repeat(x_t, copies, axis=0), np.repeat(h_prev, copies, axis=0)
        result = call_learner(self.gru_cell_backward, dh_t, x_rows, h_rows, params["W_x"], params["W_h"],
                              params["b_x"], params["b_h"])
        try:
            grads = checks.expect_named(result, self.GRADIENTS, "gru_cell_backward")
            return checks.expect_array(grads["dh_prev"], h_rows.shape, "gru_cell_backward's dh_prev")
        except AssertionError as problem:
            raise LearnerCodeNotReady(str(problem)) from None

    def draw(self, z_bias, scale) -> None:
        params = self.weights(z_bias, scale)
        hs = torch_gru.run_gru(self.x, self.h0, **params)
        entering = np.concatenate([self.h0[:, None], hs[:, :-1]], axis=1)  # the state each step reads
        identity = np.eye(self.HIDDEN_SIZE)
        jacobians = torch_gru.gru_step_jacobians(self.x[0], entering[0], **params)  # autograd's, every step
        expected = jacobians[-1]
        self.torch_image.set_data(expected)
        mine, product, norms, torch_norms = identity, identity, [], []
        for t in range(self.STEPS - 1, -1, -1):
            step = (self.x[:, t], entering[:, t])
            mine = self.learner_dh_prev(mine, *step, params)
            product = product @ jacobians[t]
            norms.append(np.linalg.norm(mine, 2))
            torch_norms.append(np.linalg.norm(product, 2))
            if t == self.STEPS - 1:
                self.image.set_data(mine)
                right = np.allclose(mine, expected, rtol=1e-6, atol=1e-9)
                distance = np.linalg.norm(mine - identity, 2)
        self.line.set_ydata(np.clip(norms, 1e-12, 10))
        self.torch_line.set_ydata(np.clip(torch_norms, 1e-12, 10))
        z = torch_gru.gru_gates(self.x[:, -1], entering[:, -1], **params)["z"]
        self.note.set_text(f"mean z at the last step: {z.mean():.3f}\n"
                           f"||your dh_T/dh_(T-1) - I|| = {distance:.3f}\n"
                           f"after {self.STEPS} steps: {norms[-1]:.2g}")
        self.ax_jacobian.set_title("yours: $\\partial h_T / \\partial h_{T-1}$" if right else
                                   "yours differs from autograd: check gru_cell_backward", fontsize=9,
                                   color="black" if right else PALETTE["red"])

    def not_ready(self, message: str) -> None:
        self.image.set_data(np.zeros((self.HIDDEN_SIZE, self.HIDDEN_SIZE)))
        self.line.set_ydata(np.full(self.STEPS, np.nan))
        self.note.set_text("")
        self.ax_jacobian.set_title("waiting for your gru_cell_backward", fontsize=9, color=PALETTE["muted"])


class MemoryExplorer(Explorer):
    """How much of an early input survives k steps later, in an RNN, a GRU and an LSTM (H = 32).

    Adding-problem sequences of length T with a marked value at step t0, run twice with that value at 0.2 and at
    0.8: the curve is ||h_T(0.8) - h_T(0.2)|| / ||h_t0(0.8) - h_t0(0.2)||, the share of the change that survives
    the T - t0 steps to the end (1: kept whole). The GRU is the learner's gru_forward with the weights of a torch
    GRU; the RNN and the LSTM are torch's. `keep bias` is added to the biases of the gates that keep the old
    state: the GRU's z (torch's convention) and the LSTM's forget gate f. Models: the committed ones trained on the
    adding problem (utils.lesson04_lstm.pretrained), or the same architectures untrained (torch's initialisation, seed 0).
    """

    HIDDEN_SIZE, PROBES, LOW, HIGH = 32, 20, 0.2, 0.8
    KINDS = ("rnn", "gru", "lstm")
    COLORS = {"rnn": PALETTE["grey"], "gru": PALETTE["orange"], "lstm": PALETTE["blue"]}

    def __init__(self, gru_forward, seed: int = 0):
        from copy import deepcopy

        self.gru_forward = gru_forward
        trained = {kind: pretrained.load_adding_model(kind) for kind in self.KINDS}
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            untrained = {kind: adding.SequenceRegressor(kind, self.HIDDEN_SIZE) for kind in self.KINDS}
        self.models = {name: {kind: deepcopy(model.recurrent).double().eval() for kind, model in models.items()}
                       for name, models in (("trained on the adding problem", trained), ("untrained", untrained))}
        self.filler = np.random.default_rng(seed).random(200)  # the unmarked values of every probe sequence
        self._rnn_cache = {}
        controls = {
            "models": widgets.Dropdown(options=list(self.models), value="trained on the adding problem",
                                       description="models", layout=widgets.Layout(width="330px")),
            "length": widgets.IntSlider(value=100, min=20, max=150, step=10, description="length T",
                                        continuous_update=True, layout=widgets.Layout(width="260px")),
            "keep_bias": slider("keep bias shift (GRU z, LSTM f)", 0.0, -4.0, 4.0, step=0.25),
        }
        live = LiveFigure(10, 3.8)
        self.ax = live.figure.subplots(1, 1)
        self.lines = {kind: self.ax.semilogy([], [], "o-", ms=3, lw=1.5, color=self.COLORS[kind],
                                             label=label)[0]
                      for kind, label in (("rnn", "RNN (torch)"), ("gru", "GRU (your gru_forward)"),
                                          ("lstm", "LSTM (torch)"))}
        self.ax.axhline(1.0, color=PALETTE["rule"], lw=0.8)
        self.ax.set_ylim(1e-6, 5)
        self.ax.set_xlabel("k: steps between the marked input and the end")
        self.ax.set_ylabel("share of the change left in $h_T$")
        self.ax.legend(fontsize=8, loc="lower left")
        plots.few_log_ticks(self.ax)
        self.note = self.ax.text(0.99, 0.03, "", transform=self.ax.transAxes, ha="right", va="bottom", fontsize=8)
        super().__init__(controls, live, title="Memory curves: how much of an early input reaches the last state?")

    def probe(self, length):
        """x (2P, T, 2): for each probe step t0 two sequences, the value at t0 LOW then HIGH, marked; and t0."""
        starts = np.unique(np.linspace(0, length - 1, self.PROBES).round().astype(int))
        x = np.zeros((2 * len(starts), length, 2))
        x[:, :, 0] = self.filler[:length]
        rows = np.arange(len(starts))
        for offset, value in enumerate((self.LOW, self.HIGH)):
            x[2 * rows + offset, starts, 0] = value
            x[2 * rows + offset, starts, 1] = 1.0
        return x, starts

    @staticmethod
    def surviving(hs, starts) -> np.ndarray:
        change = hs[1::2] - hs[0::2]
        first = np.linalg.norm(change[np.arange(len(starts)), starts], axis=1)
        return np.linalg.norm(change[:, -1], axis=1) / np.maximum(first, 1e-300)

    @staticmethod
    def torch_states(module, x) -> np.ndarray:
        with torch.no_grad():
            hs, _ = module(to_torch(x))
        return to_numpy(hs)

    def shifted(self, module, kind, keep_bias):
        """The weights of `module` (GRU: course layout; LSTM: a shifted copy) with keep_bias on the keep gate."""
        from copy import deepcopy

        H = self.HIDDEN_SIZE
        if kind == "gru":
            params = torch_gru.gru_params(module)
            params["b_x"][H : 2 * H] += keep_bias
            return params
        lstm = deepcopy(module)
        with torch.no_grad():
            lstm.bias_ih_l0[H : 2 * H] += keep_bias  # torch's LSTM gates: i, f, g, o
        return lstm

    def draw(self, models, length, keep_bias) -> None:
        x, starts = self.probe(length)
        lag = length - 1 - starts
        group = self.models[models]
        if (models, length) not in self._rnn_cache:
            self._rnn_cache = {(models, length): self.surviving(self.torch_states(group["rnn"], x), starts)}
        curves = {"rnn": self._rnn_cache[models, length]}
        curves["lstm"] = self.surviving(self.torch_states(self.shifted(group["lstm"], "lstm", keep_bias), x), starts)
        params = self.shifted(group["gru"], "gru", keep_bias)
        h0 = np.zeros((x.shape[0], self.HIDDEN_SIZE))
        hs = call_learner(self.gru_forward, x, h0, params["W_x"], params["W_h"], params["b_x"], params["b_h"],
                          shape=(x.shape[0], length, self.HIDDEN_SIZE))
        curves["gru"] = self.surviving(hs, starts)
        right = np.allclose(hs[:2], torch_gru.run_gru(x[:2], h0[:2], **params), atol=1e-7)
        for kind, line in self.lines.items():
            line.set_data(lag, np.clip(curves[kind], 1e-6, 5))
        self.ax.set_xlim(-1, length)
        self.ax.set_title(f"{models}, T = {length}, keep bias {keep_bias:+.2f}" if right else
                          "your gru_forward differs from torch's GRU: check it", fontsize=10,
                          color="black" if right else PALETTE["red"])
        self.note.set_text(f"after {int(lag.max())} steps: " +
                           ", ".join(f"{kind.upper()} {curves[kind][0]:.2g}" for kind in self.KINDS))

    def not_ready(self, message: str) -> None:
        self.lines["gru"].set_data([], [])
        self.ax.set_title("waiting for your gru_forward", fontsize=10, color=PALETTE["muted"])
