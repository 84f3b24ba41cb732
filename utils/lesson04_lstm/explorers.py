"""Lesson 04's explorers: the gates of the trained adding-problem LSTM step by step, the forget
bias and memory, and the gradient that flows back along the cell state.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import torch

from utils import checks, data, plots
from utils.lesson01_rnn_cell import torch_rnn
from utils.lesson04_lstm import adding, pretrained, torch_lstm
from utils.models import DTYPE
from utils.plots import PALETTE
from utils.widgets import Explorer, LearnerCodeNotReady, LiveFigure, TimelinePlayer, call_learner, slider


def _learner_lstm(lstm_forward, x, h0, c0, W_x, W_h, b) -> tuple[np.ndarray, np.ndarray]:
    """(hs, cs) from the learner's lstm_forward, checked for form; any problem becomes one line of status."""
    result = call_learner(lstm_forward, x, h0, c0, W_x, W_h, b)
    shape = (x.shape[0], x.shape[1], h0.shape[1])
    try:
        named = checks.expect_named(result, ("hs", "cs"), "lstm_forward")
        return tuple(checks.expect_array(named[name], shape, f"lstm_forward's {name}") for name in ("hs", "cs"))
    except AssertionError as problem:
        raise LearnerCodeNotReady(str(problem)) from None


def _adding_sequence(length: int, seed: int) -> tuple[np.ndarray, float]:
    x, y = data.adding_problem(1, length, np.random.default_rng(seed))
    return x, float(y[0])


class LSTMGatePlayer(TimelinePlayer):
    """The committed adding-problem LSTM (`pretrained`) reads one sequence, step by step. h and c come
    from the learner's lstm_forward with the trained weights; the gates i, f, o at each step are computed by torch
    from x_t and the learner's h_{t-1}. The readout of h_t shows what the network would answer if the sequence
    ended at step t. Units are sorted by how much their cell state moves, the busiest first."""

    STEPS, HIDDEN_SIZE, EXAMPLES = 100, 32, 4

    def __init__(self, lstm_forward):
        self.lstm_forward = lstm_forward
        model = pretrained.load_adding_model("lstm")
        params = torch_lstm.lstm_params(model.recurrent)
        self.W_x, self.W_h, self.b = params["W_x"], params["W_h"], params["b"]
        readout = torch_rnn.linear_params(model.readout)
        self.W_y, self.b_y = readout["W_y"], readout["b_y"]
        controls = {
            "example": widgets.Dropdown(options=list(range(1, self.EXAMPLES + 1)), value=1, description="sequence",
                                        layout=widgets.Layout(width="160px")),
            "units": widgets.Dropdown(options=["8 busiest", "all 32"], value="8 busiest", description="units",
                                      layout=widgets.Layout(width="190px")),
        }
        live = LiveFigure(10, 6.4)
        axes = live.figure.subplots(5, 1, sharex=True, height_ratios=[1.1, 1, 1, 1, 1.2])
        self.ax_x, self.ax_i, self.ax_f, self.ax_o, self.ax_c = axes
        steps = np.arange(self.STEPS)
        self.value_lines = self.ax_x.vlines(steps, 0, np.zeros(self.STEPS), color=PALETTE["silver"], lw=2.5)
        (self.marked,) = self.ax_x.plot([], [], "v", color=PALETTE["red"], ms=7)
        (self.prediction,) = self.ax_x.plot([], [], color=PALETTE["blue"], lw=1.6)
        self.target = self.ax_x.axhline(0, color=PALETTE["blue"], ls=":", lw=1)
        self.ax_x.set_ylim(0, 2.1)
        self.ax_x.set_yticks([0, 1, 2])
        self.ax_x.set_ylabel("input, answer", fontsize=8)
        self.heats = {}
        for name, ax, label in [("i", self.ax_i, "input $i_t$"), ("f", self.ax_f, "forget $f_t$"),
                                ("o", self.ax_o, "output $o_t$")]:
            self.heats[name] = ax.imshow(np.full((8, self.STEPS), np.nan), aspect="auto", cmap="viridis", vmin=0,
                                         vmax=1, interpolation="nearest")
            ax.set_ylabel(label, fontsize=8)
            ax.set_yticks([])
        self.heats["c"] = self.ax_c.imshow(np.full((8, self.STEPS), np.nan), aspect="auto", cmap="RdBu_r", vmin=-3,
                                           vmax=3, interpolation="nearest")
        self.ax_c.set_ylabel("cell $c_t$", fontsize=8)
        self.ax_c.set_yticks([])
        self.ax_c.set_xlabel("time step t")
        self.cursor = [ax.axvline(0, color=PALETTE["orange"], lw=1) for ax in axes]
        super().__init__(self.STEPS, controls, live, title="The trained LSTM on the adding problem (press Play)",
                         interval_ms=150)

    def compute(self, example, units):
        x, target = _adding_sequence(self.STEPS, 400 + example)
        zeros = np.zeros((1, self.HIDDEN_SIZE))
        hs, cs = _learner_lstm(self.lstm_forward, x, zeros, zeros, self.W_x, self.W_h, self.b)
        gates = torch_lstm.lstm_gate_sequence(x, hs, zeros, self.W_x, self.W_h, self.b)
        torch_hs, torch_cs = torch_lstm.run_lstm(x, zeros, zeros, self.W_x, self.W_h, self.b)
        matches = bool(np.allclose(hs, torch_hs, atol=1e-6) and np.allclose(cs, torch_cs, atol=1e-6))
        order = np.argsort(-np.ptp(cs[0], axis=0), kind="stable")  # the busiest cell states first
        if units != "all 32":
            order = order[:8]
        predictions = torch_rnn.linear_step(hs[0], self.W_y, self.b_y)[:, 0]
        return {"x": x[0], "target": target, "hs": hs[0], "cs": cs[0][:, order],
                "gates": {name: gates[name][0][:, order] for name in ("i", "f", "o")},
                "predictions": predictions, "matches": matches}

    def draw_frame(self, t, result, **settings) -> None:
        x = result["x"]
        self.value_lines.set_segments([[(step, 0.0), (step, value)] for step, value in enumerate(x[:, 0])])
        marked = np.flatnonzero(x[:, 1])
        self.marked.set_data(marked, x[marked, 0] + 0.12)
        self.prediction.set_data(np.arange(t + 1), result["predictions"][: t + 1])
        self.target.set_ydata([result["target"], result["target"]])
        for name, heat in self.heats.items():
            values = (result["cs"] if name == "c" else result["gates"][name]).T
            shown = np.full(values.shape, np.nan)
            shown[:, : t + 1] = values[:, : t + 1]
            heat.set_data(shown)
            heat.set_extent((-0.5, self.STEPS - 0.5, values.shape[0] - 0.5, -0.5))
        limit = max(1.0, float(np.abs(result["cs"]).max()))
        self.heats["c"].set_clim(-limit, limit)
        for line in self.cursor:
            line.set_xdata([t, t])
        check = "your lstm_forward matches torch" if result["matches"] else "your states differ from torch's"
        self.ax_x.set_title(f"t = {t}, after reading x[:, {t}]: answer so far {result['predictions'][t]:.2f}, target "
                            f"{result['target']:.2f} (the sum of the two marked values)   ·   {check}",
                            fontsize=9, color="black" if result["matches"] else PALETTE["red"])

    def not_ready(self, message: str) -> None:
        self._cache_key = None
        for heat in self.heats.values():
            heat.set_data(np.full((8, self.STEPS), np.nan))
        self.prediction.set_data([], [])
        self.ax_x.set_title("waiting for your lstm_forward", fontsize=9, color=PALETTE["muted"])


class ForgetBiasExplorer(Explorer):
    """How long one LSTM unit keeps a stored value, as the forget-gate bias moves.

    A hand-wired one-unit LSTM reads (value, marker) pairs: on the marker at step WRITE_AT its input gate opens and it
    writes tanh(2 * value) into its cell; between markers the input gate is σ(b_i), nearly closed; its forget gate is
    σ(b_f) at every step, and its output gate stays open. The learner's lstm_forward gives the cell state; the
    dashed line is pure forgetting, c_write * σ(b_f)^(t - write), which is also the factor by which a gradient
    shrinks along the cell path.
    """

    STEPS, WRITE_AT, VALUE = 60, 5, 0.8

    def __init__(self, lstm_forward, seed: int = 4):
        from matplotlib.ticker import MaxNLocator

        self.lstm_forward = lstm_forward
        rng = np.random.default_rng(seed)
        values = rng.random(self.STEPS)
        values[self.WRITE_AT] = self.VALUE
        markers = np.zeros(self.STEPS)
        markers[self.WRITE_AT] = 1.0
        self.x = np.stack([values, markers], axis=-1)[None]
        controls = {
            "forget_bias": slider("forget-gate bias b_f", 1.0, -2.0, 8.0, step=0.1),
            "input_bias": slider("input-gate bias b_i", -5.0, -8.0, 0.0, step=0.1),
        }
        live = LiveFigure(10, 3.6)
        self.ax_cell, self.ax_life = live.figure.subplots(1, 2, width_ratios=[1.6, 1])
        ax = self.ax_cell
        (self.cell_line,) = ax.plot([], [], "o-", ms=2.5, color=PALETTE["orange"], label="your cell state")
        (self.decay_line,) = ax.plot([], [], "--", color=PALETTE["note"], lw=1, label="pure forgetting")
        ax.axvline(self.WRITE_AT, color=PALETTE["red"], lw=0.8, ls=":")
        ax.text(self.WRITE_AT + 0.5, 0.02, "write", color=PALETTE["red"], fontsize=8, transform=ax.get_xaxis_transform())
        ax.set_xlim(0, self.STEPS - 1)
        ax.set_ylim(-0.05, 1.6)
        ax.set_xlabel("time step t")
        ax.set_ylabel("cell state")
        ax.yaxis.set_major_locator(MaxNLocator(5))
        ax.legend(fontsize=8, loc="upper right")
        biases = np.linspace(-2, 8, 201)
        keep = 1 / (1 + np.exp(-biases))
        self.ax_life.semilogy(biases, np.log(0.5) / np.log(keep), color=PALETTE["blue"])
        for bias in (0.0, 1.0):
            self.ax_life.axvline(bias, color=PALETTE["rule"], lw=0.8)
        (self.point,) = self.ax_life.plot([], [], "o", color=PALETTE["orange"], ms=8)
        self.ax_life.set_xlabel("forget-gate bias b_f")
        self.ax_life.set_ylabel("half-life of a memory (steps)")
        self.ax_life.set_ylim(0.5, 5000)
        plots.few_log_ticks(self.ax_life)
        super().__init__(controls, live, title="How long does the cell remember? The forget-gate bias")

    def weights(self, forget_bias, input_bias):
        """W_x (4, 2), W_h (4, 1), b (4,) in the gate order i, f, g, o."""
        W_x, W_h, b = np.zeros((4, 2)), np.zeros((4, 1)), np.zeros(4)
        W_x[0, 1], b[0] = 12.0, input_bias  # i: the marker opens it
        b[1] = forget_bias  # f: constant
        W_x[2, 0] = 2.0  # g: tanh(2 * value)
        b[3] = 5.0  # o: open
        return W_x, W_h, b

    def draw(self, forget_bias, input_bias) -> None:
        W_x, W_h, b = self.weights(forget_bias, input_bias)
        zeros = np.zeros((1, 1))
        _, cs = _learner_lstm(self.lstm_forward, self.x, zeros, zeros, W_x, W_h, b)
        cell = cs[0, :, 0]
        keep = 1 / (1 + np.exp(-forget_bias))
        steps = np.arange(self.WRITE_AT, self.STEPS)
        written = torch_lstm.run_lstm(self.x[:, : self.WRITE_AT + 1], zeros, zeros, W_x, W_h, b)[1][0, -1, 0]
        self.cell_line.set_data(np.arange(self.STEPS), cell)
        self.decay_line.set_data(steps, written * keep ** (steps - self.WRITE_AT))
        self.ax_cell.set_ylim(min(-0.05, float(cell.min()) - 0.05), max(1.6, float(cell.max()) * 1.1))
        half_life = np.log(0.5) / np.log(keep)
        self.point.set_data([forget_bias], [half_life])
        lag = self.STEPS - 1 - self.WRITE_AT
        self.ax_cell.set_title(f"f = σ({forget_bias:.1f}) = {keep:.3f}: half of the memory is gone after "
                               f"{half_life:.3g} steps; after {lag} steps {keep ** lag:.1e} of it is left",
                               fontsize=9, color="black")
        self.ax_life.set_title(f"input gate between writes: σ(b_i) = {1 / (1 + np.exp(-input_bias)):.3f}",
                               fontsize=9)

    def not_ready(self, message: str) -> None:
        self.cell_line.set_data([], [])
        self.ax_cell.set_title("waiting for your lstm_forward", fontsize=9, color=PALETTE["muted"])


class GradientFlowExplorer(Explorer):
    """How far back the gradient reaches in a vanilla RNN and an LSTM of the same size (32 units), both
    trained on the adding problem (utils.lesson04_lstm.pretrained) or both at their initial weights (forget bias 1).

    Left: ||dy/ds_k|| against the lag T - k, where y is the network's answer (the readout of h_T) and s_k the state
    the recurrence carries after reading x_k (h_k for the RNN, the cell state c_k for the LSTM; c_0 is the initial
    state). The RNN's curve is torch autograd. The LSTM's comes from the learner's lstm_backward, called once on a
    batch of T copies of the sequence: copy k starts from the learner's (h_k, c_k), reads x_{k+1} .. x_T and then
    zeros, and its loss is y at its last real step, so its dc0 is dy/dc_k (the padding after it carries no loss).
    Torch autograd checks those norms. The dotted line is what the cell path alone would give,
    ||dy/dc_T * prod_{t>k} f_t||, with the forget gates computed from the learner's lstm_forward states. Right: those
    forget gates, unit by unit. The slider shifts every forget-gate bias of the LSTM.
    """

    HIDDEN_SIZE, COPIES = 32, 50

    def __init__(self, lstm_forward, lstm_backward):
        import copy

        self.lstm_forward, self.lstm_backward = lstm_forward, lstm_backward
        self.networks = {}
        for weights in ("trained", "untrained"):
            if weights == "trained":
                rnn, lstm = pretrained.load_adding_model("rnn"), pretrained.load_adding_model("lstm")
            else:
                with torch.random.fork_rng():
                    torch.manual_seed(0)
                    rnn = adding.SequenceRegressor("rnn", self.HIDDEN_SIZE)
                    lstm = adding.SequenceRegressor("lstm", self.HIDDEN_SIZE, forget_bias=1.0)
            lstm = copy.deepcopy(lstm).to(DTYPE)
            self.networks[weights] = (copy.deepcopy(rnn).to(DTYPE), lstm,
                                      lstm.recurrent.bias_ih_l0.detach().clone())
        self._sequences, self._rnn_norms = {}, {}
        self._forward_ready = False
        controls = {
            "weights": widgets.Dropdown(options=["trained", "untrained"], value="trained", description="weights",
                                        layout=widgets.Layout(width="200px")),
            "shift": slider("shift of the LSTM's forget biases", 0.0, -3.0, 3.0, step=0.25),
            "steps": widgets.IntSlider(value=100, min=20, max=200, step=10, description="length T",
                                       continuous_update=True, layout=widgets.Layout(width="260px")),
        }
        live = LiveFigure(10, 3.7)
        self.ax_grad, self.ax_forget = live.figure.subplots(1, 2, width_ratios=[1.5, 1])
        ax = self.ax_grad
        (self.rnn_line,) = ax.semilogy([], [], color=PALETTE["red"], lw=1.5, label="vanilla RNN, state h_k (autograd)")
        (self.lstm_line,) = ax.semilogy([], [], color=PALETTE["blue"], lw=1.5,
                                        label="LSTM, cell state c_k (your lstm_backward)")
        (self.path_line,) = ax.semilogy([], [], ":", color=PALETTE["orange"], lw=2, label="LSTM, cell path alone")
        ax.axhline(1.0, color=PALETTE["rule"], lw=0.8)
        plots.few_log_ticks(ax)
        ax.set_xlabel("lag T - k (steps back from the end)")
        ax.set_ylabel("||dy / d state after step k||")
        ax.legend(fontsize=8, loc="lower left")
        self.forget_heat = self.ax_forget.imshow(np.full((self.HIDDEN_SIZE, 100), np.nan), aspect="auto",
                                                 cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
        self.ax_forget.set_xlabel("time step t")
        self.ax_forget.set_ylabel("LSTM unit (by mean forget gate)")
        self.ax_forget.set_yticks([])
        super().__init__(controls, live, title="How far back does the gradient reach? RNN against LSTM")

    def sequence(self, steps) -> np.ndarray:
        if steps not in self._sequences:
            self._sequences[steps] = _adding_sequence(steps, 500)[0]
        return self._sequences[steps]

    def rnn_norms(self, weights, steps) -> np.ndarray:
        if (weights, steps) not in self._rnn_norms:  # the RNN does not depend on the slider: computed once
            self._rnn_norms[weights, steps] = torch_lstm.state_gradients(self.networks[weights][0],
                                                                        self.sequence(steps))[0]
        return self._rnn_norms[weights, steps]

    def learner_cell_norms(self, x, hs, cs, output_gates, params, W_y) -> tuple[np.ndarray, np.ndarray]:
        """(ks, norms): ||dy/dc_k|| at up to COPIES steps k of 0 .. T-1 (c_0 the initial state) from one call of the
        learner's lstm_backward on copies of the sequence x (1, T, D): copy k starts from (h_k, c_k), reads
        x_{k+1} .. x_T and then zeros, with the loss y at its last real step. Its dc0 is the gradient reaching c_k
        from step k + 1, its dh0 the gradient at h_k = o_k * tanh(c_k), which adds dh0 * o_k * (1 - tanh(c_k)**2)."""
        _, T, D = x.shape
        H = self.HIDDEN_SIZE
        ks = np.unique(np.linspace(0, T - 1, min(T, self.COPIES)).round().astype(int))
        copies, dhs = np.zeros((len(ks), T, D)), np.zeros((len(ks), T, H))
        for row, k in enumerate(ks):
            copies[row, : T - k] = x[0, k:]
            dhs[row, T - 1 - k] = W_y[0]  # y = W_y h_T + b_y
        h_states = np.concatenate([np.zeros((1, H)), hs[0]])  # h_k for k = 0 .. T
        c_states = np.concatenate([np.zeros((1, H)), cs[0]])
        grads = call_learner(self.lstm_backward, dhs, copies, h_states[ks], c_states[ks], params["W_x"],
                             params["W_h"], params["b"])
        try:
            named = checks.expect_named(grads, ("dh0", "dc0"), "lstm_backward")
            dh0, dc0 = (checks.expect_array(named[name], (len(ks), H), f"lstm_backward's {name}") for name in named)
        except AssertionError as problem:
            raise LearnerCodeNotReady(str(problem)) from None
        through_h = np.concatenate([np.zeros((1, H)), output_gates * (1 - np.tanh(cs[0]) ** 2)])[ks]
        return ks, np.linalg.norm(dc0 + dh0 * through_h, axis=1)

    def draw(self, weights, shift, steps) -> None:
        self._forward_ready = False
        x = self.sequence(steps)
        _, lstm, bias = self.networks[weights]
        H = self.HIDDEN_SIZE
        with torch.no_grad():  # gate order i, f, g, o: rows H..2H are the forget gate's
            lstm.recurrent.bias_ih_l0.copy_(bias)
            lstm.recurrent.bias_ih_l0[H : 2 * H] += shift
        params = torch_lstm.lstm_params(lstm.recurrent)
        zeros = np.zeros((1, H))
        rnn_norms = self.rnn_norms(weights, steps)
        lags = np.arange(steps)
        floor = 1e-30

        def by_lag(norms):
            return np.maximum(norms[::-1], floor)

        self.rnn_line.set_data(lags, by_lag(rnn_norms))
        hs, cs = _learner_lstm(self.lstm_forward, x, zeros, zeros, params["W_x"], params["W_h"], params["b"])
        self._forward_ready = True
        gates = torch_lstm.lstm_gate_sequence(x, hs, zeros, **params)
        forget = gates["f"][0]  # (T, H)
        torch_norms, torch_hs, last = torch_lstm.state_gradients(lstm, x)
        # the cell path from step k to T multiplies dy/dc_T by prod_{t=k+1}^{T} f_t, for lags 0 .. T-1
        path = np.vstack([np.ones((1, H)), np.cumprod(forget[:0:-1], axis=0)])
        path = np.linalg.norm(path * last, axis=1)
        self.path_line.set_data(lags, np.maximum(path, floor))
        order = np.argsort(-forget.mean(axis=0), kind="stable")
        self.forget_heat.set_data(forget[:, order].T)
        self.forget_heat.set_extent((0.5, steps + 0.5, H - 0.5, -0.5))
        self.ax_forget.set_title(f"forget gates (yellow: 1, kept), {weights}, shift {shift:+.2f}", fontsize=9)
        self.ax_grad.set_xlim(0, steps)
        known = np.concatenate([by_lag(rnn_norms), np.maximum(path, floor)])
        self.ax_grad.set_ylim(max(float(known.min()) / 10, floor), float(known.max()) * 10)
        forward_matches = bool(np.allclose(hs, torch_hs, atol=1e-6))
        W_y = torch_rnn.linear_params(lstm.readout)["W_y"]
        ks, yours = self.learner_cell_norms(x, hs, cs, gates["o"][0], params, W_y)
        self.lstm_line.set_data(steps - ks, np.maximum(yours, floor))
        shown = np.concatenate([known, np.maximum(yours, floor)])
        self.ax_grad.set_ylim(max(float(shown.min()) / 10, floor), float(shown.max()) * 10)
        # torch's norms[t] is ||dy/dc|| after step t + 1 (1-based), so c_k is its norms[k - 1]
        backward_matches = bool(np.allclose(yours[1:], torch_norms[ks[1:] - 1], rtol=1e-6, atol=1e-12))
        if not forward_matches:
            title, color = "your lstm_forward differs from torch: the dotted line is off", PALETTE["red"]
        elif not backward_matches:
            title, color = "your lstm_backward's dL/dc_k differ from torch autograd's", PALETTE["red"]
        else:
            title, color = (f"RNN {float(rnn_norms[0]):.1e} at lag {steps - 1}, your LSTM "
                            f"{float(yours[0]):.1e} at lag {steps} (your lstm_backward agrees with "
                            "autograd)"), "black"
        self.ax_grad.set_title(title, fontsize=9, color=color)

    def not_ready(self, message: str) -> None:
        self.lstm_line.set_data([], [])
        if not self._forward_ready:
            self.path_line.set_data([], [])
            self.forget_heat.set_data(np.full((self.HIDDEN_SIZE, 100), np.nan))
        waiting = "lstm_backward" if self._forward_ready else "lstm_forward"
        self.ax_grad.set_title(f"waiting for your {waiting}", fontsize=9, color=PALETTE["muted"])
