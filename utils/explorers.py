"""The lessons' interactive explorers, built from the family in `utils.widgets`.

Each explorer takes the learner's own function and runs it on every change; the course's reference
(torch) is used only to draw the parts that are not the learner's to compute, and to say when the
learner's result leaves the reference.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import LogLocator, NullLocator

from utils import checks, data, plots, reference
from utils.widgets import Explorer, LearnerCodeNotReady, LiveFigure, TimelinePlayer, call_learner, slider


class CellExplorer(Explorer):
    """Lesson 01: the terms of h_t = tanh(W_x x_t + W_h h_prev + b) and where each unit sits on tanh.

    Bars: the three terms per hidden unit and their sum, the pre-activation a (diamonds).
    Curve: tanh(a) with the learner's h_t plotted at (a, h_t); a correct cell puts every point on the curve.
    """

    INPUT_SIZE, HIDDEN_SIZE = 2, 4

    def __init__(self, cell_forward, seed: int = 1):
        self.cell_forward = cell_forward
        rng = np.random.default_rng(seed)
        params = reference.rnn_cell_params(reference.rnn_cell(self.INPUT_SIZE, self.HIDDEN_SIZE, rng, scale=1.0))
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
        self.bars, self.pre_marker = plots.term_bars(
            self.ax_terms, {"W_x x_t": zeros, "W_h h_prev": zeros, "b": zeros}, total=zeros, total_label="a (sum)")
        self.ax_terms.set_ylabel("contribution to the pre-activation")
        self.span = 5.0
        self.points = plots.activation_curve(self.ax_tanh, "tanh", span=self.span)
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
        terms = {"W_x x_t": reference.linear_step(x_t, W_x, no_bias)[0],
                 "W_h h_prev": reference.linear_step(h_prev, W_h, no_bias)[0], "b": b}
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
        on_curve = np.allclose(h_t, reference.rnn_cell_step(x_t, h_prev, W_x, W_h, b), atol=1e-9)
        slopes = ", ".join(f"{1 - np.tanh(a) ** 2:.2f}" for a in pre)
        self.ax_tanh.set_title("your h_t, on the tanh curve" if on_curve else
                               "your h_t is off the tanh curve: check rnn_cell_forward",
                               fontsize=10, color="black" if on_curve else "#b03a2e")
        self.slope_text.set_text(f"slopes tanh'(a): {slopes}")

    def not_ready(self, message: str) -> None:
        self.points.set_offsets(np.empty((0, 2)))
        self.slope_text.set_text("")
        self.ax_tanh.set_title("waiting for your rnn_cell_forward", fontsize=10, color="#777777")


class SequencePlayer(TimelinePlayer):
    """Lesson 01: the hidden state over a short input sequence, one step of the learner's cell per frame.

    `memory` scales an orthogonal W_h (its spectral radius): near 0 the state forgets a pulse at once,
    near 1 it carries it for many steps, above 1 it can saturate.
    """

    def __init__(self, cell_forward, steps: int = 24, hidden_size: int = 8, seed: int = 2):
        self.cell_forward = cell_forward
        self.steps, self.hidden_size = steps, hidden_size
        rng = np.random.default_rng(seed)
        params = reference.rnn_cell_params(reference.rnn_cell(1, hidden_size, rng, scale=1.0))
        self.W_x, self.b = params["W_x"], 0.05 * params["b"]
        self.W_h_unit = reference.orthogonal(hidden_size, rng)  # spectral radius 1
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
        (self.x_full,) = self.ax_x.plot(time, np.zeros(steps), color="#dddddd", lw=1)
        (self.x_seen,) = self.ax_x.plot([], [], "o-", color="#e08a2c", ms=3)
        self.ax_x.set_ylabel("$x_t$")
        self.heat = self.ax_h.imshow(np.full((hidden_size, steps), np.nan), aspect="auto", cmap="RdBu_r",
                                     vmin=-1, vmax=1, interpolation="nearest",
                                     extent=(-0.5, steps - 0.5, hidden_size + 0.5, 0.5))
        self.ax_h.set_ylabel("unit of $h_t$")
        live.figure.colorbar(self.heat, ax=self.ax_h, pad=0.01, label="value")
        (self.norm_line,) = self.ax_norm.plot([], [], "o-", color="#3b7dd8", ms=3)
        self.ax_norm.set_ylim(0, np.sqrt(hidden_size) * 1.05)
        self.ax_norm.set_ylabel(r"$\|h_t\|$")
        self.ax_norm.set_xlabel("time step t")
        self.cursor = [ax.axvline(0, color="#b03a2e", lw=1) for ax in (self.ax_x, self.ax_h, self.ax_norm)]
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


def _few_log_ticks(ax) -> None:
    """At most 6 decades labelled and no minor ticks: a log axis over 40 decades otherwise draws hundreds of ticks
    (most of a frame's time)."""
    ax.yaxis.set_major_locator(LogLocator(numticks=6))
    ax.yaxis.set_minor_locator(NullLocator())


class BPTTPlayer(TimelinePlayer):
    """Lesson 02: forward, the learner's rnn_forward fills in h_1..h_T; backward, the learner's rnn_cell_backward
    carries dL/dh_t from the loss back to h_1, one step per frame. Frames 0..T-1 are the forward pass, T..2T-1
    the backward pass. The norms are checked against torch autograd.
    """

    GRADIENTS = ("dx_t", "dh_prev", "dW_x", "dW_h", "db")

    def __init__(self, rnn_forward, rnn_cell_backward, steps: int = 16, hidden_size: int = 8, seed: int = 3):
        self.rnn_forward, self.rnn_cell_backward = rnn_forward, rnn_cell_backward
        self.steps, self.hidden_size = steps, hidden_size
        rng = np.random.default_rng(seed)
        params = reference.rnn_cell_params(reference.rnn_cell(1, hidden_size, rng, scale=1.0))
        self.W_x, self.b = params["W_x"], 0.05 * params["b"]
        self.W_h_unit = reference.orthogonal(hidden_size, rng)
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
        (self.x_line,) = self.ax_x.plot(time, np.zeros(steps), "o-", color="#e08a2c", ms=3)
        self.ax_x.set_ylabel("$x_t$")
        self.heat = self.ax_h.imshow(np.full((hidden_size, steps), np.nan), aspect="auto", cmap="RdBu_r", vmin=-1,
                                     vmax=1, interpolation="nearest", extent=(0.5, steps + 0.5, hidden_size + 0.5, 0.5))
        self.ax_h.set_ylabel("unit of $h_t$")
        live.figure.colorbar(self.heat, ax=self.ax_h, pad=0.01, label="value")
        (self.grad_line,) = self.ax_grad.semilogy([], [], "o-", color="#b03a2e", ms=4)
        _few_log_ticks(self.ax_grad)
        self.ax_grad.set_ylabel(r"$\|\partial L / \partial h_t\|$")
        self.ax_grad.set_xlabel("time step t")
        self.ax_grad.set_xlim(0.5, steps + 0.5)
        self.cursor = [ax.axvline(1, color="#333333", lw=1) for ax in (self.ax_x, self.ax_h, self.ax_grad)]
        super().__init__(2 * steps, controls, live, title="Forward, then backward through time (press Play)")

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
        expected = reference.rnn_gradients(x, h0, self.W_x, W_h, self.b, dhs)["dh_total"]
        matches = np.allclose(norms, np.linalg.norm(expected[0], axis=1), rtol=1e-6, atol=1e-12)
        return x, hs, norms, matches

    def draw_frame(self, t, result, **settings) -> None:
        x, hs, norms, matches = result
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
        check = "gradients match torch autograd" if matches else "gradients differ from torch autograd: check your code"
        self.ax_x.set_title(f"{phase}   ·   {check}", fontsize=10, color="black" if matches else "#b03a2e")

    def not_ready(self, message: str) -> None:
        self._cache_key = None
        self.heat.set_data(np.full((self.hidden_size, self.steps), np.nan))
        self.grad_line.set_data([], [])
        self.ax_x.set_title("waiting for your rnn_forward and rnn_cell_backward", fontsize=10, color="#777777")


# Lesson 03: vanishing and exploding gradients --------------------------------------------------------------------


class JacobianExplorer(Explorer):
    """Lesson 03: how far back a gradient reaches. Left: ||dh_T/dh_k|| against k on a log scale, the product of
    the step Jacobians J_t = dh_t/dh_{t-1} from the learner's rnn_jacobian (tanh; with h = 0 for the linear RNN,
    whose slope is 1) or from torch autograd (relu). The dashed line is rho^(T-k), what W_h alone would give.
    Right: the mean slope of the nonlinearity and the size of the state at each step.

    W_h is a fixed Gaussian or the learner's orthogonal_init, scaled by the learner's scale_spectral_radius.
    """

    HIDDEN_SIZE, INPUT_SIZE, MAX_STEPS = 16, 4, 100

    def __init__(self, rnn_jacobian, scale_spectral_radius, orthogonal_init, seed: int = 3):
        self.rnn_jacobian, self.scale_spectral_radius, self.orthogonal_init = (
            rnn_jacobian, scale_spectral_radius, orthogonal_init)
        self.seed = seed
        rng = np.random.default_rng(seed)
        H, D = self.HIDDEN_SIZE, self.INPUT_SIZE
        self.gaussian = rng.normal(size=(H, H)) / np.sqrt(H)  # spectral radius about 1 before scaling
        self.W_x = rng.normal(size=(H, D)) / np.sqrt(D)
        self.b = np.zeros(H)
        self.noise = rng.normal(size=(1, self.MAX_STEPS, D))  # one input sequence, scaled by `input scale`
        controls = {
            "rho": slider("spectral radius ρ of W_h", 0.9, 0.5, 1.5),
            "steps": widgets.IntSlider(value=50, min=10, max=self.MAX_STEPS, step=5, description="length T",
                                       continuous_update=True, layout=widgets.Layout(width="260px")),
            "nonlinearity": widgets.Dropdown(options=["tanh", "linear", "relu"], value="tanh",
                                             description="nonlinearity", layout=widgets.Layout(width="200px")),
            "input_scale": slider("input scale", 0.5, 0.0, 3.0),
            "init": widgets.Dropdown(options=["gaussian", "orthogonal"], value="gaussian", description="W_h init",
                                     layout=widgets.Layout(width="200px")),
        }
        live = LiveFigure(10, 3.6)
        self.ax_norm, self.ax_state = live.figure.subplots(1, 2, width_ratios=[1.6, 1])
        (self.norm_line,) = self.ax_norm.semilogy([], [], "o-", ms=2.5, color="#3b7dd8", label=r"$\|\partial h_T/\partial h_k\|$")
        (self.rho_line,) = self.ax_norm.semilogy([], [], "--", color="#8c8c8c", label=r"$\rho^{T-k}$")
        self.ax_norm.axhline(1.0, color="#cccccc", lw=0.8)
        _few_log_ticks(self.ax_norm)
        self.ax_norm.set_xlabel("k (the step the gradient reaches back to)")
        self.ax_norm.legend(loc="upper left", fontsize=8)
        self.note = self.ax_norm.text(0.98, 0.04, "", transform=self.ax_norm.transAxes, ha="right", fontsize=8)
        (self.slope_line,) = self.ax_state.plot([], [], color="#e08a2c", label="mean slope $f'(a_t)$")
        (self.size_line,) = self.ax_state.plot([], [], color="#3b7dd8", label=r"$\|h_t\| / \sqrt{H}$")
        self.ax_state.set_xlabel("time step t")
        self.ax_state.legend(loc="upper right", fontsize=8)
        super().__init__(controls, live, title="How far back does the gradient reach?")

    def recurrent_weights(self, rho, init) -> np.ndarray:
        H = self.HIDDEN_SIZE
        if init == "orthogonal":
            base = call_learner(self.orthogonal_init, H, np.random.default_rng(self.seed), shape=(H, H))
        else:
            base = self.gaussian
        return call_learner(self.scale_spectral_radius, base, rho, shape=(H, H))

    def jacobians(self, hs, W_h, nonlinearity, x) -> np.ndarray:
        """J_1 ... J_T, shape (T, H, H)."""
        steps, H = hs.shape
        if nonlinearity == "tanh":
            return call_learner(self.rnn_jacobian, hs, W_h, shape=(steps, H, H))
        if nonlinearity == "linear":  # no activation: the slope is 1, as tanh's at h = 0
            return call_learner(self.rnn_jacobian, np.zeros_like(hs), W_h, shape=(steps, H, H))
        h_prev = np.vstack([np.zeros((1, H)), hs[:-1]])
        cell = reference.load_rnn_cell(self.W_x, W_h, self.b, nonlinearity="relu")
        return reference.rnn_cell_jacobian(cell, x[0], h_prev)

    def draw(self, rho, steps, nonlinearity, input_scale, init) -> None:
        W_h = self.recurrent_weights(rho, init)
        x = input_scale * self.noise[:, :steps]
        hs = reference.rnn_states(x, self.W_x, W_h, self.b, nonlinearity)[0]
        jacobians = self.jacobians(hs, W_h, nonlinearity, x)
        products = [np.eye(self.HIDDEN_SIZE)]  # dh_T/dh_T, then dh_T/dh_{T-1} = J_T, ...
        for t in range(steps - 1, -1, -1):
            products.append(products[-1] @ jacobians[t])
        norms = np.linalg.norm(np.array(products[::-1]), ord=2, axis=(1, 2))  # index k: ||dh_T/dh_k||
        shown = np.clip(norms, 1e-40, 1e40)
        k = np.arange(steps + 1)
        self.norm_line.set_data(k, shown)
        self.rho_line.set_data(k, np.clip(rho ** (steps - k.astype(float)), 1e-40, 1e40))
        low, high = min(shown.min(), rho**steps), max(shown.max(), 1.0, rho**steps)
        self.ax_norm.set_ylim(max(low / 10, 1e-40), min(high * 10, 1e40))
        self.ax_norm.set_xlim(0, steps)
        self.ax_norm.set_title(f"{nonlinearity} RNN, ρ = {rho:.2f}, T = {steps}", fontsize=10, color="black")
        self.note.set_text(rf"$\|\partial h_T/\partial h_0\|$ = {norms[0]:.2g}")
        if nonlinearity == "tanh":
            slopes = 1 - hs**2
        elif nonlinearity == "relu":
            slopes = (hs > 0).astype(float)
        else:
            slopes = np.ones_like(hs)
        t = np.arange(1, steps + 1)
        self.slope_line.set_data(t, slopes.mean(axis=1))
        sizes = np.linalg.norm(hs, axis=1) / np.sqrt(self.HIDDEN_SIZE)
        self.size_line.set_data(t, sizes)
        self.ax_state.set_xlim(1, steps)
        self.ax_state.set_ylim(0, max(1.1, min(float(sizes.max()) * 1.1, 1e6)))

    def not_ready(self, message: str) -> None:
        for line in (self.norm_line, self.rho_line, self.slope_line, self.size_line):
            line.set_data([], [])
        self.note.set_text("")
        self.ax_norm.set_title("waiting for your functions", fontsize=10, color="#777777")


class ClippingExplorer(Explorer):
    """Lesson 03: gradient descent with and without the learner's clip_grad_norm on a loss with a cliff.

    A one-unit linear RNN h_t = w h_{t-1} + u x_t, fed x_t = 1 for T = 20 steps from h_0 = 0, is trained so that
    h_T = 4, on L = (h_T - 4)^2 / 2. Near w = 1 the loss rises like w^T: a cliff (Pascanu, Mikolov and Bengio,
    2013). Gradients come from a forward-mode recurrence (dh_t/dw, dh_t/du carried along with h_t), so each run
    costs microseconds; the learner's clip_grad_norm gives the gradient norm, and clips when clipping is on.
    """

    STEPS, TARGET, START, ITERATIONS = 20, 4.0, (0.2, 0.2), 60
    W_RANGE, U_RANGE = (-0.5, 1.25), (-0.25, 1.5)

    def __init__(self, clip_grad_norm):
        self.clip_grad_norm = clip_grad_norm
        controls = {
            "learning_rate": slider("learning rate", 0.02, 0.005, 0.03, step=0.001),
            "max_norm": slider("max_norm", 1.0, 0.1, 5.0),
            "clipping": widgets.ToggleButtons(options=["off", "on"], value="off", description="clipping",
                                              style={"button_width": "60px"}),
        }
        live = LiveFigure(10, 3.8)
        self.ax_map, self.ax_curve = live.figure.subplots(1, 2, width_ratios=[1.1, 1])
        w = np.linspace(*self.W_RANGE, 180)
        u = np.linspace(*self.U_RANGE, 180)
        loss = self.loss(*np.meshgrid(w, u))
        image = self.ax_map.imshow(np.log10(loss + 1e-6), origin="lower", aspect="auto", cmap="viridis",
                                   extent=(*self.W_RANGE, *self.U_RANGE), vmin=-4, vmax=8)
        live.figure.colorbar(image, ax=self.ax_map, pad=0.01, label=r"$\log_{10} L$")
        self.ax_map.set_xlabel("recurrent weight w")
        self.ax_map.set_ylabel("input weight u")
        (self.path,) = self.ax_map.plot([], [], "o-", color="white", ms=3, lw=1.2)
        self.ax_map.plot(*self.START, "s", color="#e08a2c", ms=6)
        self.escape = self.ax_map.annotate("", xy=(0, 0), xytext=(0, 0), color="#ff6b6b", fontsize=8,
                                           arrowprops={"arrowstyle": "->", "color": "#ff6b6b"})
        (self.norm_line,) = self.ax_curve.semilogy([], [], "o-", ms=2.5, color="#3b7dd8", label="total_norm (yours)")
        (self.loss_line,) = self.ax_curve.semilogy([], [], color="#e08a2c", label="loss")
        self.threshold = self.ax_curve.axhline(1.0, color="#b03a2e", lw=1, ls="--", label="max_norm")
        self.ax_curve.set_xlim(0, self.ITERATIONS)
        _few_log_ticks(self.ax_curve)
        self.ax_curve.set_ylim(1e-4, 1e4)
        self.ax_curve.set_xlabel("gradient-descent step")
        self.ax_curve.legend(loc="upper right", fontsize=8)
        super().__init__(controls, live, title="Gradient descent at a cliff, with and without clipping")

    @classmethod
    def loss(cls, w, u):
        """L(w, u) elementwise on arrays: h_T of the one-unit RNN in closed form by its recurrence."""
        h = np.zeros_like(w)
        for _ in range(cls.STEPS):
            h = w * h + u
        return 0.5 * (h - cls.TARGET) ** 2

    @classmethod
    def loss_and_gradient(cls, w: float, u: float) -> tuple[float, float, float]:
        """L, dL/dw, dL/du by forward mode: dh_t/dw = h_{t-1} + w dh_{t-1}/dw, dh_t/du = 1 + w dh_{t-1}/du."""
        h = dh_dw = dh_du = 0.0
        for _ in range(cls.STEPS):
            dh_dw, dh_du = h + w * dh_dw, 1.0 + w * dh_du
            h = w * h + u
        error = h - cls.TARGET
        return 0.5 * error * error, error * dh_dw, error * dh_du

    def clip(self, gradient: np.ndarray, max_norm: float):
        grads = {"w": gradient[:1], "u": gradient[1:]}
        result = call_learner(self.clip_grad_norm, grads, max_norm)
        try:
            clipped, total = checks.expect_clip_result(result, grads, "clip_grad_norm")
        except AssertionError as problem:
            raise LearnerCodeNotReady(str(problem)) from None
        return np.concatenate([clipped["w"], clipped["u"]]), total

    def draw(self, learning_rate, max_norm, clipping) -> None:
        point = np.array(self.START)
        path, norms, losses = [point], [], []
        for _ in range(self.ITERATIONS):
            loss, *gradient = self.loss_and_gradient(*point)
            clipped, total = self.clip(np.array(gradient), max_norm)
            norms.append(total)
            losses.append(loss)
            point = point - learning_rate * (clipped if clipping == "on" else np.array(gradient))
            path.append(point)
            if np.abs(point).max() > 3:  # thrown far off the map: the run is lost
                break
        path = np.array(path)
        escaped = bool(np.abs(path[-1]).max() > 3)
        kept = path[:-1] if escaped else path
        self.path.set_data(kept[:, 0], kept[:, 1])
        self.escape.set_visible(escaped)
        if escaped:  # an arrow from the last point on the map towards where the step threw the parameters
            self.escape.xy = (np.clip(path[-1, 0], *self.W_RANGE), np.clip(path[-1, 1], *self.U_RANGE))
            self.escape.set_position(tuple(kept[-1]))
            self.escape.set_text(f"thrown to w = {path[-1, 0]:.3g}, u = {path[-1, 1]:.3g}")
        steps = np.arange(len(norms))
        self.norm_line.set_data(steps, norms)
        self.loss_line.set_data(steps, losses)
        self.threshold.set_ydata([max_norm, max_norm])
        top = max(1e4, max(norms) * 10, max(losses) * 10)
        self.ax_curve.set_ylim(1e-4, top)
        outcome = f"diverged at step {len(norms)}" if escaped else f"loss {losses[-1]:.2g} after {len(norms)} steps"
        self.ax_map.set_title(f"clipping {clipping}: {outcome}", fontsize=10, color="black")

    def not_ready(self, message: str) -> None:
        self.path.set_data([], [])
        self.norm_line.set_data([], [])
        self.loss_line.set_data([], [])
        self.escape.set_visible(False)
        self.ax_map.set_title("waiting for your clip_grad_norm", fontsize=10, color="#777777")


# --- lesson 05: GRU ---------------------------------------------------------------------------------------------


class UpdateGateExplorer(Explorer):
    """Lesson 05: the update gate as an interpolation. A 2-unit GRU (torch's convention) reads one input; its state
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
        ax.plot([-1, 1, 1, -1, -1], [-1, -1, 1, 1, -1], color="#bbbbbb", lw=1, ls="--")  # tanh keeps h inside
        ax.set_xlim(-1.15, 1.15)
        ax.set_ylim(-1.15, 1.15)
        ax.set_aspect("equal")
        ax.set_xlabel("unit 1")
        ax.set_ylabel("unit 2")
        (self.segment,) = ax.plot([], [], color="#999999", lw=2, zorder=1)
        (self.follow,) = ax.plot([], [], "o", color="#aaaaaa", ms=4, zorder=2, label="later steps, same input")
        (self.old,) = ax.plot(*self.h_prev[0], "o", color=plots.STATE_COLOR, ms=10, zorder=3, label="$h_{t-1}$ (z = 1)")
        (self.new,) = ax.plot([], [], "o", color="#e08a2c", ms=10, zorder=3, label="candidate $n_t$ (z = 0)")
        (self.expected,) = ax.plot([], [], "o", mfc="none", mec="#b03a2e", ms=16, mew=1.5, zorder=4,
                                   label="torch's $h_t$")
        (self.mine,) = ax.plot([], [], "*", color="black", ms=14, zorder=5, label="your $h_t$")
        ax.legend(fontsize=7.5, loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False)
        self.mix_text = ax.text(0.02, 0.98, "", transform=ax.transAxes, ha="left", va="top", fontsize=9)
        names = ["$r_1$", "$r_2$", "$z_1$", "$z_2$"]
        self.gate_bars = self.ax_gates.bar(range(4), np.zeros(4), color=["#8fb3de"] * 2 + ["#e0a05a"] * 2)
        self.ax_gates.set_xticks(range(4), names)
        self.ax_gates.set_ylim(0, 1.08)
        self.ax_gates.axhline(1.0, color="#cccccc", lw=0.8)
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
        gates = reference.gru_gates(x_t, self.h_prev, *weights)
        candidate, z = gates["n"][0], float(gates["z"][0, 0])
        self.new.set_data([candidate[0]], [candidate[1]])
        self.segment.set_data([candidate[0], self.h_prev[0, 0]], [candidate[1], self.h_prev[0, 1]])
        expected = reference.gru_cell_step(x_t, self.h_prev, *weights)[0]
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
                                fontsize=10, color="black" if right else "#b03a2e")

    def not_ready(self, message: str) -> None:
        self.mine.set_data([], [])
        self.follow.set_data([], [])
        self.ax_plane.set_title("waiting for your gru_cell_forward", fontsize=10, color="#777777")


class MemoryExplorer(Explorer):
    """Lesson 05: how much of an early input survives k steps later, in an RNN, a GRU and an LSTM (H = 32).

    Adding-problem sequences of length T with a marked value at step t0, run twice with that value at 0.2 and at
    0.8: the curve is ||h_T(0.8) - h_T(0.2)|| / ||h_t0(0.8) - h_t0(0.2)||, the share of the change that survives
    the T - t0 steps to the end (1: kept whole). The GRU is the learner's gru_forward with the weights of a torch
    GRU; the RNN and the LSTM are torch's. `keep bias` is added to the biases of the gates that keep the old
    state: the GRU's z (torch's convention) and the LSTM's forget gate f. Models: the committed ones trained on the
    adding problem (utils.pretrained), or the same architectures untrained (torch's initialisation, seed 0).
    """

    HIDDEN_SIZE, PROBES, LOW, HIGH = 32, 20, 0.2, 0.8
    KINDS = ("rnn", "gru", "lstm")
    COLORS = {"rnn": "#8c8c8c", "gru": "#e08a2c", "lstm": "#3b7dd8"}

    def __init__(self, gru_forward, seed: int = 0):
        from copy import deepcopy

        from utils import pretrained, training  # here, not at import: the checkpoint loads only when needed

        self.gru_forward = gru_forward
        trained = {kind: pretrained.load_adding_model(kind) for kind in self.KINDS}
        with reference.torch.random.fork_rng():
            reference.torch.manual_seed(seed)
            untrained = {kind: training.SequenceRegressor(kind, self.HIDDEN_SIZE) for kind in self.KINDS}
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
        self.ax.axhline(1.0, color="#cccccc", lw=0.8)
        self.ax.set_ylim(1e-6, 5)
        self.ax.set_xlabel("k: steps between the marked input and the end")
        self.ax.set_ylabel("share of the change left in $h_T$")
        self.ax.legend(fontsize=8, loc="lower left")
        _few_log_ticks(self.ax)
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
        with reference.torch.no_grad():
            hs, _ = module(reference.to_torch(x))
        return reference.to_numpy(hs)

    def shifted(self, module, kind, keep_bias):
        """The weights of `module` (GRU: course layout; LSTM: a shifted copy) with keep_bias on the keep gate."""
        from copy import deepcopy

        H = self.HIDDEN_SIZE
        if kind == "gru":
            params = reference.gru_params(module)
            params["b_x"][H : 2 * H] += keep_bias
            return params
        lstm = deepcopy(module)
        with reference.torch.no_grad():
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
        right = np.allclose(hs[:2], reference.run_gru(x[:2], h0[:2], **params), atol=1e-7)
        for kind, line in self.lines.items():
            line.set_data(lag, np.clip(curves[kind], 1e-6, 5))
        self.ax.set_xlim(-1, length)
        self.ax.set_title(f"{models}, T = {length}, keep bias {keep_bias:+.2f}" if right else
                          "your gru_forward differs from torch's GRU: check it", fontsize=10,
                          color="black" if right else "#b03a2e")
        self.note.set_text(f"after {int(lag.max())} steps: " +
                           ", ".join(f"{kind.upper()} {curves[kind][0]:.2g}" for kind in self.KINDS))

    def not_ready(self, message: str) -> None:
        self.lines["gru"].set_data([], [])
        self.ax.set_title("waiting for your gru_forward", fontsize=10, color="#777777")


# --- lesson 04: LSTM ----------------------------------------------------------------------------------------------


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
    """Lesson 04: the committed adding-problem LSTM (utils.pretrained) reads one sequence, step by step. h and c come
    from the learner's lstm_forward with the trained weights; the gates i, f, o at each step are computed by torch
    from x_t and the learner's h_{t-1}. The readout of h_t shows what the network would answer if the sequence
    ended at step t. Units are sorted by how much their cell state moves, the busiest first."""

    STEPS, HIDDEN_SIZE, EXAMPLES = 100, 32, 4

    def __init__(self, lstm_forward):
        from utils import pretrained

        self.lstm_forward = lstm_forward
        model = pretrained.load_adding_model("lstm")
        params = reference.lstm_params(model.recurrent)
        self.W_x, self.W_h, self.b = params["W_x"], params["W_h"], params["b"]
        readout = reference.linear_params(model.readout)
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
        self.value_lines = self.ax_x.vlines(steps, 0, np.zeros(self.STEPS), color="#bbbbbb", lw=2.5)
        (self.marked,) = self.ax_x.plot([], [], "v", color="#b03a2e", ms=7)
        (self.prediction,) = self.ax_x.plot([], [], color="#3b7dd8", lw=1.6)
        self.target = self.ax_x.axhline(0, color="#3b7dd8", ls=":", lw=1)
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
        self.cursor = [ax.axvline(0, color="#e08a2c", lw=1) for ax in axes]
        super().__init__(self.STEPS, controls, live, title="The trained LSTM on the adding problem (press Play)",
                         interval_ms=150)

    def compute(self, example, units):
        x, target = _adding_sequence(self.STEPS, 400 + example)
        zeros = np.zeros((1, self.HIDDEN_SIZE))
        hs, cs = _learner_lstm(self.lstm_forward, x, zeros, zeros, self.W_x, self.W_h, self.b)
        gates = reference.lstm_gate_sequence(x, hs, zeros, self.W_x, self.W_h, self.b)
        torch_hs, torch_cs = reference.run_lstm(x, zeros, zeros, self.W_x, self.W_h, self.b)
        matches = bool(np.allclose(hs, torch_hs, atol=1e-6) and np.allclose(cs, torch_cs, atol=1e-6))
        order = np.argsort(-np.ptp(cs[0], axis=0), kind="stable")  # the busiest cell states first
        if units != "all 32":
            order = order[:8]
        predictions = reference.linear_step(hs[0], self.W_y, self.b_y)[:, 0]
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
        self.ax_x.set_title(f"step {t + 1}: answer so far {result['predictions'][t]:.2f}, target "
                            f"{result['target']:.2f} (the sum of the two marked values)   ·   {check}",
                            fontsize=9, color="black" if result["matches"] else "#b03a2e")

    def not_ready(self, message: str) -> None:
        self._cache_key = None
        for heat in self.heats.values():
            heat.set_data(np.full((8, self.STEPS), np.nan))
        self.prediction.set_data([], [])
        self.ax_x.set_title("waiting for your lstm_forward", fontsize=9, color="#777777")


class ForgetBiasExplorer(Explorer):
    """Lesson 04: how long one LSTM unit keeps a stored value, as the forget-gate bias moves.

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
        (self.cell_line,) = ax.plot([], [], "o-", ms=2.5, color="#e08a2c", label="your cell state")
        (self.decay_line,) = ax.plot([], [], "--", color="#555555", lw=1, label="pure forgetting")
        ax.axvline(self.WRITE_AT, color="#b03a2e", lw=0.8, ls=":")
        ax.text(self.WRITE_AT + 0.5, 0.02, "write", color="#b03a2e", fontsize=8, transform=ax.get_xaxis_transform())
        ax.set_xlim(0, self.STEPS - 1)
        ax.set_ylim(-0.05, 1.6)
        ax.set_xlabel("time step t")
        ax.set_ylabel("cell state")
        ax.yaxis.set_major_locator(MaxNLocator(5))
        ax.legend(fontsize=8, loc="upper right")
        biases = np.linspace(-2, 8, 201)
        keep = 1 / (1 + np.exp(-biases))
        self.ax_life.semilogy(biases, np.log(0.5) / np.log(keep), color="#3b7dd8")
        for bias in (0.0, 1.0):
            self.ax_life.axvline(bias, color="#cccccc", lw=0.8)
        (self.point,) = self.ax_life.plot([], [], "o", color="#e08a2c", ms=8)
        self.ax_life.set_xlabel("forget-gate bias b_f")
        self.ax_life.set_ylabel("half-life of a memory (steps)")
        self.ax_life.set_ylim(0.5, 5000)
        _few_log_ticks(self.ax_life)
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
        written = reference.run_lstm(self.x[:, : self.WRITE_AT + 1], zeros, zeros, W_x, W_h, b)[1][0, -1, 0]
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
        self.ax_cell.set_title("waiting for your lstm_forward", fontsize=9, color="#777777")


class GradientFlowExplorer(Explorer):
    """Lesson 04: how far back the gradient reaches in a vanilla RNN and an LSTM of the same size (32 units), both
    trained on the adding problem (utils.pretrained) or both at their initial weights (forget bias 1).

    Left: ||dy/ds_k|| against the lag T - k, where y is the network's answer (the readout of h_T) and s_k the state
    the recurrence carries (h_k for the RNN, the cell state c_k for the LSTM), by torch autograd through each network
    on one adding-problem sequence. The dotted line is what the LSTM's cell path alone would give,
    ||dy/dc_T * prod_{t>k} f_t||, with the forget gates computed from the learner's lstm_forward states. Right: those
    forget gates, unit by unit. The slider shifts every forget-gate bias of the LSTM.
    """

    HIDDEN_SIZE = 32

    def __init__(self, lstm_forward):
        import copy

        import torch

        from utils import pretrained, training

        self.lstm_forward = lstm_forward
        self.networks = {}
        for weights in ("trained", "untrained"):
            if weights == "trained":
                rnn, lstm = pretrained.load_adding_model("rnn"), pretrained.load_adding_model("lstm")
            else:
                with torch.random.fork_rng():
                    torch.manual_seed(0)
                    rnn = training.SequenceRegressor("rnn", self.HIDDEN_SIZE)
                    lstm = training.SequenceRegressor("lstm", self.HIDDEN_SIZE, forget_bias=1.0)
            lstm = copy.deepcopy(lstm).to(reference.DTYPE)
            self.networks[weights] = (copy.deepcopy(rnn).to(reference.DTYPE), lstm,
                                      lstm.recurrent.bias_ih_l0.detach().clone())
        self._sequences, self._rnn_norms = {}, {}
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
        (self.rnn_line,) = ax.semilogy([], [], color="#b03a2e", lw=1.5, label="vanilla RNN, state h_k")
        (self.lstm_line,) = ax.semilogy([], [], color="#3b7dd8", lw=1.5, label="LSTM, cell state c_k")
        (self.path_line,) = ax.semilogy([], [], ":", color="#e08a2c", lw=2, label="LSTM, cell path alone")
        ax.axhline(1.0, color="#cccccc", lw=0.8)
        _few_log_ticks(ax)
        ax.set_xlabel("lag T - k (steps back from the end)")
        ax.set_ylabel("||dy / d state at step k||")
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
            self._rnn_norms[weights, steps] = reference.state_gradients(self.networks[weights][0],
                                                                        self.sequence(steps))[0]
        return self._rnn_norms[weights, steps]

    def draw(self, weights, shift, steps) -> None:
        import torch

        x = self.sequence(steps)
        _, lstm, bias = self.networks[weights]
        H = self.HIDDEN_SIZE
        with torch.no_grad():  # gate order i, f, g, o: rows H..2H are the forget gate's
            lstm.recurrent.bias_ih_l0.copy_(bias)
            lstm.recurrent.bias_ih_l0[H : 2 * H] += shift
        params = reference.lstm_params(lstm.recurrent)
        zeros = np.zeros((1, H))
        hs, _ = _learner_lstm(self.lstm_forward, x, zeros, zeros, params["W_x"], params["W_h"], params["b"])
        forget = reference.lstm_gate_sequence(x, hs, zeros, **params)["f"][0]  # (T, H)
        lstm_norms, torch_hs, last = reference.state_gradients(lstm, x)
        # the cell path from step k to T multiplies dy/dc_T by prod_{t=k+1}^{T} f_t, for lags 0 .. T-1
        path = np.vstack([np.ones((1, H)), np.cumprod(forget[:0:-1], axis=0)])
        path = np.linalg.norm(path * last, axis=1)
        rnn_norms = self.rnn_norms(weights, steps)
        lags = np.arange(steps)
        floor = 1e-30

        def by_lag(norms):
            return np.maximum(norms[::-1], floor)

        self.rnn_line.set_data(lags, by_lag(rnn_norms))
        self.lstm_line.set_data(lags, by_lag(lstm_norms))
        self.path_line.set_data(lags, np.maximum(path, floor))
        shown = np.concatenate([by_lag(rnn_norms), by_lag(lstm_norms)])
        self.ax_grad.set_ylim(max(float(shown.min()) / 10, floor), float(shown.max()) * 10)
        self.ax_grad.set_xlim(0, steps - 1)
        matches = bool(np.allclose(hs, torch_hs, atol=1e-6))
        reach = (f"{steps - 1} steps back: RNN {by_lag(rnn_norms)[-1]:.1e}, LSTM {by_lag(lstm_norms)[-1]:.1e} "
                 f"(at the end: {rnn_norms[-1]:.1e}, {lstm_norms[-1]:.1e})")
        self.ax_grad.set_title(reach if matches else "your lstm_forward differs from torch: the dotted line is off",
                               fontsize=9, color="black" if matches else "#b03a2e")
        order = np.argsort(-forget.mean(axis=0), kind="stable")
        self.forget_heat.set_data(forget[:, order].T)
        self.forget_heat.set_extent((0.5, steps + 0.5, H - 0.5, -0.5))
        self.ax_forget.set_title(f"forget gates (yellow: 1, kept), {weights}, shift {shift:+.2f}", fontsize=9)

    def not_ready(self, message: str) -> None:
        for line in (self.rnn_line, self.lstm_line, self.path_line):
            line.set_data([], [])
        self.forget_heat.set_data(np.full((self.HIDDEN_SIZE, 100), np.nan))
        self.ax_grad.set_title("waiting for your lstm_forward", fontsize=9, color="#777777")
