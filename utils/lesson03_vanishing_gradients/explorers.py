"""Lesson 03's explorers: Jacobians through time, clipping on a loss landscape, and the committed optimiser runs.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import torch

from utils import plots
from utils.lesson01_rnn_cell import torch_rnn
from utils.lesson03_vanishing_gradients import checks, optimisers, torch_jacobians
from utils.plots import PALETTE
from utils.widgets import Explorer, LearnerCodeNotReady, LiveFigure, call_learner, slider


class JacobianExplorer(Explorer):
    """How far back a gradient reaches. Left: ||dh_T/dh_k|| against k on a log scale, the product of
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
        (self.norm_line,) = self.ax_norm.semilogy([], [], "o-", ms=2.5, color=PALETTE["blue"],
                                                  label=r"$\|\partial h_T/\partial h_k\|$")
        (self.rho_line,) = self.ax_norm.semilogy([], [], "--", color=PALETTE["grey"], label=r"$\rho^{T-k}$")
        self.ax_norm.axhline(1.0, color=PALETTE["rule"], lw=0.8)
        plots.few_log_ticks(self.ax_norm)
        self.ax_norm.set_xlabel("k (the step the gradient reaches back to)")
        self.ax_norm.legend(loc="upper left", fontsize=8)
        self.note = self.ax_norm.text(0.98, 0.04, "", transform=self.ax_norm.transAxes, ha="right", fontsize=8)
        (self.slope_line,) = self.ax_state.plot([], [], color=PALETTE["orange"], label="mean slope $f'(a_t)$")
        (self.size_line,) = self.ax_state.plot([], [], color=PALETTE["blue"], label=r"$\|h_t\| / \sqrt{H}$")
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
        cell = torch_rnn.load_rnn_cell(self.W_x, W_h, self.b, nonlinearity="relu")
        return torch_jacobians.rnn_cell_jacobian(cell, x[0], h_prev)

    def draw(self, rho, steps, nonlinearity, input_scale, init) -> None:
        W_h = self.recurrent_weights(rho, init)
        x = input_scale * self.noise[:, :steps]
        hs = torch_jacobians.rnn_states(x, self.W_x, W_h, self.b, nonlinearity)[0]
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
        self.ax_norm.set_title("waiting for your functions", fontsize=10, color=PALETTE["muted"])


class ClippingExplorer(Explorer):
    """Gradient descent with and without the learner's clip_grad_norm on a loss with a cliff.

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
        self.ax_map.plot(*self.START, "s", color=PALETTE["orange"], ms=6)
        self.escape = self.ax_map.annotate("", xy=(0, 0), xytext=(0, 0), color=PALETTE["light_red"], fontsize=8,
                                           arrowprops={"arrowstyle": "->", "color": PALETTE["light_red"]})
        (self.norm_line,) = self.ax_curve.semilogy([], [], "o-", ms=2.5, color=PALETTE["blue"], label="total_norm (yours)")
        (self.loss_line,) = self.ax_curve.semilogy([], [], color=PALETTE["orange"], label="loss")
        self.threshold = self.ax_curve.axhline(1.0, color=PALETTE["red"], lw=1, ls="--", label="max_norm")
        self.ax_curve.set_xlim(0, self.ITERATIONS)
        plots.few_log_ticks(self.ax_curve)
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
        self.ax_map.set_title("waiting for your clip_grad_norm", fontsize=10, color=PALETTE["muted"])


class OptimiserExplorer(Explorer):
    """The committed optimiser experiment (optimisers.json), one combination at a time.

    Left: test accuracy on the long-lag task against the training step, each seed thin and their mean thick; the
    means of every other combination in light grey behind. Middle: the learning rate of each step. Right: how far
    back the gradient reaches at the start of training: ||dh_T/dh_k|| of seed 0's initial network on one test
    sequence, the product of the learner's rnn_jacobian on the states torch computes, with rho of W_hh noted.
    Nothing is trained here: the curves are read from the committed results.
    """

    def __init__(self, rnn_jacobian):
        self.rnn_jacobian = rnn_jacobian
        self.results = optimisers.results()
        settings = self.results["settings"]
        self.steps, self.eval_steps = settings["steps"], np.array(self.results["eval_steps"])
        self.lag = settings["lag"]
        self.sequence = optimisers.long_lag_batch(1, self.lag, torch.Generator().manual_seed(0))[0]
        self._reach = {}
        self.table = optimisers.summary(self.results)
        steps, warmup = np.arange(self.steps), settings["warmup"]
        self.rates = {(name, schedule): np.array([optimisers.learning_rate(s, peak, schedule, self.steps, warmup)
                                                  for s in steps])
                      for name, peak in self.results["learning_rates"].items() for schedule in optimisers.SCHEDULES}
        controls = {
            "optimiser": widgets.Dropdown(options=optimisers.OPTIMISERS, value="Adam", description="optimiser",
                                          layout=widgets.Layout(width="240px")),
            "schedule": widgets.ToggleButtons(options=optimisers.SCHEDULES, value="constant", description="schedule",
                                              style={"button_width": "120px"}),
            "decay": widgets.ToggleButtons(options=optimisers.DECAYS, value="none", description="weight decay",
                                           style={"button_width": "90px", "description_width": "initial"}),
            "init": widgets.Dropdown(options=optimisers.INITS, value="PyTorch default", description="W_hh init",
                                     layout=widgets.Layout(width="240px")),
        }
        live = LiveFigure(11, 3.6)
        self.ax_curve, self.ax_lr, self.ax_reach = live.figure.subplots(1, 3, width_ratios=[1.7, 0.8, 1])
        means = self.mean_curves()
        self.others = {name: self.ax_curve.plot(self.eval_steps, curve, color=PALETTE["rule"], lw=0.8)[0]
                       for name, curve in means.items()}
        seeds = len(self.results["seeds"])
        self.seed_lines = [self.ax_curve.plot([], [], color=PALETTE["light_blue"], lw=1)[0] for _ in range(seeds)]
        (self.mean_line,) = self.ax_curve.plot([], [], color=PALETTE["blue"], lw=2.2, label=f"mean of {seeds} seeds")
        self.ax_curve.axhline(0.5, color=PALETTE["red"], ls="--", lw=1, label="chance")
        self.ax_curve.set(xlim=(0, self.steps), ylim=(0.4, 1.02), xlabel="training step", ylabel="test accuracy")
        self.ax_curve.plot([], [], color=PALETTE["rule"], lw=0.8, label="the other combinations")
        self.ax_curve.legend(loc="lower right", fontsize=8)
        (self.lr_line,) = self.ax_lr.plot([], [], color=PALETTE["orange"])
        self.ax_lr.set(xlim=(0, self.steps), xlabel="training step", ylabel="learning rate")
        (self.reach_line,) = self.ax_reach.semilogy([], [], "o-", ms=2, color=PALETTE["red"])
        self.ax_reach.axhline(1.0, color=PALETTE["rule"], lw=0.8)
        plots.few_log_ticks(self.ax_reach)
        self.ax_reach.set(xlim=(0, self.lag + 1), xlabel="k", ylabel=r"$\|\partial h_T/\partial h_k\|$ at the start")
        self.reach_note = self.ax_reach.text(0.04, 0.96, "", transform=self.ax_reach.transAxes, fontsize=8, va="top")
        super().__init__(controls, live, title=f"Optimisers, schedules and initialisations on the long-lag task "
                                               f"(lag {self.lag}; committed runs)")

    def mean_curves(self) -> dict[str, np.ndarray]:
        return {name: np.mean([run["accuracy"] for run in runs], axis=0) for name, runs in self.results["runs"].items()}

    def reach(self, init: str) -> tuple[np.ndarray, float]:
        """||dh_T/dh_k|| for k = 0..T of seed 0's initial network, by the learner's rnn_jacobian; and rho(W_hh)."""
        if init not in self._reach:
            model, _ = optimisers.initial_model(init, self.results["seeds"][0], self.results["settings"]["hidden_size"])
            rnn = model.rnn
            W_x, W_h = rnn.weight_ih_l0.detach().double().numpy(), rnn.weight_hh_l0.detach().double().numpy()
            b = (rnn.bias_ih_l0 + rnn.bias_hh_l0).detach().double().numpy()
            hs = torch_jacobians.rnn_states(self.sequence.double().numpy(), W_x, W_h, b)[0]
            jacobians = call_learner(self.rnn_jacobian, hs, W_h, shape=(len(hs), *W_h.shape))
            products = [np.eye(len(W_h))]
            for t in range(len(hs) - 1, -1, -1):
                products.append(products[-1] @ jacobians[t])
            norms = np.linalg.norm(np.array(products[::-1]), ord=2, axis=(1, 2))
            self._reach[init] = (norms, torch_jacobians.spectral_radius(W_h))
        return self._reach[init]

    def draw(self, optimiser, schedule, decay, init) -> None:
        norms, rho = self.reach(init)
        name = optimisers.key(optimiser, schedule, decay, init)
        runs = self.results["runs"][name]
        for other, line in self.others.items():
            line.set_visible(other != name)
        for line, run in zip(self.seed_lines, runs, strict=True):
            line.set_data(self.eval_steps, run["accuracy"])
        self.mean_line.set_data(self.eval_steps, np.mean([run["accuracy"] for run in runs], axis=0))
        row = self.table[name]
        first = row["first_step_at_90"]
        first = f"the mean reaches 90 % at step {first}" if first is not None else "the mean never reaches 90 %"
        self.ax_curve.set_title(f"{optimiser} · {schedule} · weight decay {decay} · {init}\n"
                                f"final accuracy {row['mean_final_accuracy']:.0%}, {row['solved']} of {len(runs)} seeds "
                                f"above 90 %; {first}", fontsize=9, color="black")
        peak = self.results["learning_rates"][optimiser]
        self.lr_line.set_data(np.arange(self.steps), self.rates[optimiser, schedule])
        self.ax_lr.set_ylim(0, peak * 1.1)
        self.ax_lr.set_title(f"peak {peak:g}", fontsize=9, color="black")
        k = np.arange(len(norms))
        self.reach_line.set_data(k, np.clip(norms, 1e-30, None))
        self.ax_reach.set_ylim(max(1e-30, norms.min() / 10), max(10.0, norms.max() * 10))
        self.reach_note.set_text(f"ρ(W_hh) = {rho:.2f}\n‖∂h_T/∂h_0‖ = {norms[0]:.1e}")
        self.ax_reach.set_title(f"{init} init, seed {self.results['seeds'][0]}", fontsize=9, color="black")

    def not_ready(self, message: str) -> None:
        self.reach_line.set_data([], [])
        self.reach_note.set_text("")
        self.ax_reach.set_title("waiting for your rnn_jacobian", fontsize=9, color=PALETTE["muted"])
