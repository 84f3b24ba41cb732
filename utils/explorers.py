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
