"""Lesson 08's explorers: the encoder-decoder drawing, the attention heatmap (where the trained attention model
looks while it writes each character, with the learner's additive_attention) and the teacher-forcing explorer
(models trained with ratios 0 to 1, decoded with the learner's greedy_decode). The committed models run in the
learner's own Seq2Seq class: until it works, the explorers say so in one line."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.patches import Rectangle

from utils import checks, plots
from utils.lesson08_attention import dates, pretrained
from utils.plots import PALETTE
from utils.widgets import BlitFigure, Explorer, LearnerCodeNotReady, call_learner, slider

EOS_LABEL = "<end>"


def draw_encoder_decoder():
    """Two panels: an encoder-decoder whose decoder sees one fixed context vector, and one with attention."""
    fig, axes = plots.figure(11, 3.6, 1, 2)
    for ax, attention in zip(axes[0], (False, True), strict=True):
        plots.blank(ax, (-0.6, 9.6), (-0.9, 3.3), "with attention: a new context per output step" if attention
                     else "without attention: one fixed context vector")
        inputs = ["3", "r", "d", "...", "0", "4"]
        for i, char in enumerate(inputs):
            plots.box(ax, i * 0.8, 0.0, char, PALETTE["faint"], width=0.55, height=0.45, fontsize=9)
            plots.box(ax, i * 0.8, 1.0, "", PALETTE["light_blue"], width=0.55, height=0.45)
            plots.arrow(ax, (i * 0.8, 0.23), (i * 0.8, 0.77))
            if i:
                plots.arrow(ax, ((i - 1) * 0.8 + 0.28, 1.0), (i * 0.8 - 0.28, 1.0))
        ax.text(2.0, -0.6, "encoder reads the date", ha="center", fontsize=9)
        for j, char in enumerate(["2", "0", "0", "4"]):
            x = 6.0 + j * 0.9
            plots.box(ax, x, 2.6, "", PALETTE["gate"], width=0.55, height=0.45)
            plots.box(ax, x, 3.25, char, PALETTE["faint"], width=0.45, height=0.35, fontsize=9)
            if j:
                plots.arrow(ax, (x - 0.62, 2.6), (x - 0.28, 2.6))
        ax.text(7.35, 1.95, "decoder writes 2004-...", ha="center", fontsize=9)
        if attention:
            plots.box(ax, 6.9, 1.25, "c$_t$", PALETTE["output"], width=0.5, height=0.4, fontsize=9)
            for i, width in enumerate([2.2, 1.8, 1.0, 0.4, 0.6, 0.5]):
                plots.arrow(ax, (i * 0.8 + 0.2, 1.15), (6.65, 1.25), color=PALETTE["green"], lw=width, style="-")
            plots.arrow(ax, (6.9, 1.47), (6.9, 2.37), color=PALETTE["green"])
            ax.text(4.2, 1.62, "weights from\n$s_{t-1}$ and each $h_s$", fontsize=8, color=PALETTE["green"], ha="center")
        else:
            plots.box(ax, 5.0, 1.9, "c = $h_S$", PALETTE["output"], width=0.8, height=0.45, fontsize=9)
            plots.arrow(ax, (4.28, 1.1), (4.75, 1.68), color=PALETTE["green"])
            for j in range(4):
                plots.arrow(ax, (5.4, 1.95), (6.0 + j * 0.9 - 0.1, 2.37), color=PALETTE["green"], lw=0.9)
    return fig


def _tokens_as_array(tokens, shape) -> np.ndarray:
    """A learner's decoded tokens (tensor or array) as an int array of `shape`, or LearnerCodeNotReady."""
    if tokens is None:
        raise LearnerCodeNotReady("greedy_decode returned None: did you forget the `return` statement?")
    array = np.asarray(tokens.detach() if torch.is_tensor(tokens) else tokens)
    if array.shape != tuple(shape) or array.dtype.kind not in "iu":
        raise LearnerCodeNotReady(f"greedy_decode returned {array.dtype} values of shape {array.shape}; expected "
                                  f"whole numbers of shape {tuple(shape)}")
    return array


def showcase(count: int = 8, seed: int = 3, interval_share: float = dates.INTERVAL_SHARE) -> dates.DateBatch:
    """Held-out examples for the explorers: the first one of each format (intervals count as one), longest first."""
    pool = dates.sample(400, np.random.default_rng(seed), "test", interval_share=interval_share)
    by_format = {}
    for index, name in enumerate(pool.formats):
        by_format.setdefault(name, index)
    order = sorted(by_format, key=lambda name: -len(pool.texts[by_format[name]]))
    picks = [by_format[name] for name in order[:count]]
    return pool.subset(picks)


def decoder_queries(model, src: np.ndarray, length: int, target: np.ndarray) -> dict[str, np.ndarray]:
    """Run `model` on one example reading its true target (teacher forcing: BOS, then the target's characters up
    to its EOS); return its encoder states, the decoder state before each step (the attention queries) and the
    model's own attention weights."""
    with torch.no_grad():
        memory, state = model.encode(torch.as_tensor(src[None, :length]), torch.tensor([length]))
        mask = torch.ones(1, length, dtype=torch.bool)
        queries, weights = [], []
        for token in [dates.BOS, *target[:-1]]:
            queries.append(state[0].double().numpy())
            _, state, step_weights = model.decode_step(torch.tensor([int(token)]), state, memory, mask)
            weights.append(step_weights[0].double().numpy())
    return {"memory": memory[0].double().numpy(), "queries": np.array(queries), "weights": np.array(weights)}


class AttentionExplorer(Explorer):
    """Lesson 08: where the trained attention model looks for each character of the ISO date.

    The model, in the learner's Seq2Seq, reads the true date (teacher forcing). Every weight shown is the learner's:
    additive_attention(query = decoder state before the step, keys = values = the encoder's states, mask, W_q, W_k,
    v of the trained model). The model's own (torch) weights are the check.
    """

    def __init__(self, additive_attention, seq2seq_class, count: int = 8):
        self.additive_attention = additive_attention
        self.seq2seq_class = seq2seq_class
        self.batch = showcase(count)
        self.runs = None  # the trained model's decoder runs, made once the learner's Seq2Seq holds its weights
        controls = {"example": widgets.IntSlider(value=0, min=0, max=len(self.batch) - 1, description="example",
                                                 continuous_update=True),
                    "step": widgets.IntSlider(value=0, min=0, max=dates.TARGET_LENGTH - 1, description="decoder step",
                                              continuous_update=True, style={"description_width": "initial"})}
        live = BlitFigure(10.5, 4.8)
        self.ax_heat, self.ax_bar = live.figure.subplots(2, 1, height_ratios=[2.3, 1])
        self.heat = self.ax_heat.imshow(np.zeros((1, 1)), aspect="auto", cmap="Greens", vmin=0, vmax=1,
                                        interpolation="nearest")
        self.ax_heat.set_xticks([])  # the characters are labelled once, under the bars
        self.ax_heat.tick_params(length=0)
        self.ax_heat.set_ylabel("output (ISO date)")
        self.row = self.ax_heat.add_patch(Rectangle((-0.5, -0.5), 1, 1, fill=False, ec=PALETTE["red"], lw=2))
        self.bars = self.ax_bar.vlines([], 0, [], colors=PALETTE["green"], lw=4)
        self.ax_bar.set_ylim(0, 1.05)
        self.ax_bar.set_yticks([0, 0.5, 1])
        self.ax_bar.set_ylabel("weight")
        self.ax_bar.tick_params(axis="x", length=0, pad=1)
        self.bar_title = self.ax_bar.text(0.5, 1.03, "", fontsize=9, ha="center", va="bottom",
                                          transform=self.ax_bar.transAxes)
        self.heat_title = self.ax_heat.text(0.5, 1.01, "", fontsize=10, ha="center", va="bottom",
                                            transform=self.ax_heat.transAxes)
        self.placeholder = plots.placeholder(self.ax_heat, "")
        self._shown = None  # the example whose axes are laid out
        self._weights = None  # the weights in the heatmap (part of the figure's cached background)
        live.dynamic = [self.row, self.bars, self.bar_title, self.heat_title]
        super().__init__(controls, live, title="Attention: which input characters each output character reads")

    def decoder_runs(self) -> list[dict]:
        """Per showcase example: the trained attention model, in the learner's Seq2Seq, reading the true date."""
        if self.runs is None:
            model = with_learners_seq2seq(pretrained.load_model, "attention", self.seq2seq_class)
            arrays = attention_arrays(model)
            runs = []
            for row in range(len(self.batch)):
                tokens = list(self.batch.tgt[row])
                target = tokens[: tokens.index(dates.EOS) + 1]
                run = with_learners_seq2seq(decoder_queries, model, self.batch.src[row], int(self.batch.lengths[row]),
                                            target)
                outputs = [EOS_LABEL if t == dates.EOS else dates.decode_target([t]) for t in target]
                runs.append({**run, "text": self.batch.texts[row], "target": self.batch.targets[row],
                             "outputs": outputs})
            self.arrays, self.runs = arrays, runs  # kept only once every example ran
        return self.runs

    def weights_of(self, example: dict) -> np.ndarray:
        """The learner's weights for every decoder step of `example`, (T, S)."""
        T, S = len(example["outputs"]), example["memory"].shape[0]
        keys = np.broadcast_to(example["memory"], (T, S, example["memory"].shape[1])).copy()
        result = call_learner(self.additive_attention, example["queries"][:T], keys, keys.copy(),
                              np.ones((T, S), dtype=bool), **self.arrays)
        try:
            context, weights = checks.expect_named(result, ("context", "weights"), "additive_attention").values()
            checks.expect_array(context, (T, keys.shape[2]), "additive_attention's context")
            return checks.expect_array(weights, (T, S), "additive_attention's weights")
        except AssertionError as problem:
            raise LearnerCodeNotReady(str(problem)) from None

    def _lay_out(self, example: dict) -> None:
        chars = list(example["text"])
        S, T = len(chars), len(example["outputs"])
        self.heat.set_extent((-0.5, S - 0.5, T - 0.5, -0.5))
        self.ax_heat.set_xlim(-0.5, S - 0.5)
        self.ax_heat.set_ylim(T - 0.5, -0.5)
        self.ax_heat.set_yticks(range(T), example["outputs"], fontsize=8, family="monospace")
        self.row.set_width(S)
        self.ax_bar.set_xlim(-0.5, S - 0.5)
        self.ax_bar.set_xticks(range(S), [c if c != " " else "␣" for c in chars], fontsize=7, family="monospace")

    def draw(self, example, step) -> None:
        chosen = self.decoder_runs()[example]
        weights = self.weights_of(chosen)
        if self._shown != example:
            self._lay_out(chosen)
            self._shown = example
            self._weights = None
        if self._weights is None or not np.array_equal(self._weights, weights):
            self.placeholder.set_text("")
            self.heat.set_visible(True)
            self.heat.set_data(weights)
            self._weights = weights
            self.live.background = None  # the heatmap changed: redraw everything once (or reuse a kept picture)
            self.live.key = (example, hash(weights.tobytes()))
        self.row.set_visible(True)
        step = min(step, len(chosen["outputs"]) - 1)
        self.row.set_y(step - 0.5)
        self.bars.set_segments([[(s, 0.0), (s, w)] for s, w in enumerate(weights[step])])
        gap = float(np.abs(weights - chosen["weights"][: len(weights)]).max())
        verdict = "match the model's own" if gap < 1e-6 else f"differ from the model's (by up to {gap:.2g})"
        self.heat_title.set_text(f'"{chosen["text"]}" -> {chosen["target"]}: your weights {verdict}')
        self.heat_title.set_color("black" if gap < 1e-6 else PALETTE["red"])
        top = int(np.argmax(weights[step]))
        self.bar_title.set_text(f"step {step}: for '{chosen['outputs'][step]}' it reads mostly position {top} "
                                f"('{chosen['text'][top]}', weight {weights[step, top]:.2f})")

    def not_ready(self, message: str) -> None:
        self._weights = None
        self.live.background = None
        self.live.key = None
        self.heat.set_visible(False)
        self.row.set_visible(False)
        self.bars.set_segments([])
        self.bar_title.set_text("")
        self.placeholder.set_text("the attention heatmap appears here once Seq2Seq and additive_attention work")
        self.heat_title.set_text(f'"{self.batch.texts[self.values["example"]]}"')
        self.heat_title.set_color(PALETTE["muted"])


class TeacherForcingExplorer(Explorer):
    """Lesson 08: the same small attention model trained with teacher-forcing ratios 0 to 1 (committed runs):
    learning curves, free-running versus teacher-forced scores, and the learner's greedy_decode on held-out dates."""

    def __init__(self, greedy_decode, seq2seq_class, count: int = 5):
        self.greedy_decode = greedy_decode
        self.seq2seq_class = seq2seq_class
        self.results = pretrained.results("teacher_forcing")
        self.ratios = pretrained.ratios()
        self.models = {}  # ratio: the committed model in the learner's Seq2Seq, made when first shown
        self.batch = showcase(count, seed=5, interval_share=0.0)  # these models learned single dates
        live = BlitFigure(10.5, 3.6, dpi=80)
        grid = live.figure.add_gridspec(1, 3, width_ratios=[1.2, 0.9, 1.5])
        self.ax_curve, self.ax_bars, self.ax_text = (live.figure.add_subplot(grid[0, i]) for i in range(3))
        colors = plots_colors(len(self.ratios))
        self.curves = {}
        for ratio, color in zip(self.ratios, colors, strict=True):
            history = self.results[f"{ratio:.2f}"]["history"]
            (self.curves[ratio],) = self.ax_curve.plot(history["steps"], history["exact"], color=color, lw=1.0,
                                                       alpha=0.4, label=f"ratio {ratio:.2f}")
        (self.highlight,) = self.ax_curve.plot([], [], lw=2.8)
        self.ax_curve.set(xlabel="training step", ylabel="held-out exact match (free running)", ylim=(-0.02, 1.02))
        self.ax_curve.legend(fontsize=7, loc="lower right")
        x = np.arange(len(self.ratios))
        free = [self.results[f"{r:.2f}"]["exact_match"] for r in self.ratios]
        forced = [self.results[f"{r:.2f}"]["teacher_forced_accuracy"] for r in self.ratios]
        self.free_bars = self.ax_bars.bar(x - 0.2, free, 0.4, color=colors, label="exact match, free running")
        self.ax_bars.bar(x + 0.2, forced, 0.4, color=PALETTE["rule"], label="token accuracy, teacher forced")
        self.ax_bars.set_xticks(x, [f"{r:g}" for r in self.ratios])
        self.ax_bars.set(xlabel="teacher-forcing ratio", ylim=(0, 1.15))
        self.ax_bars.set_title("after training", fontsize=9)
        self.ax_bars.legend(fontsize=7, loc="upper left")
        self.bar_edge = self.ax_bars.add_patch(Rectangle((0, 0), 0.4, 1, fill=False, ec="black", lw=2))
        self.ax_text.axis("off")
        self.lines = [self.ax_text.text(0.0, 0.95 - 0.19 * i, "", fontsize=7.5, family="monospace",
                                        transform=self.ax_text.transAxes, va="top") for i in range(len(self.batch))]
        self.text_title = self.ax_text.text(0.0, 1.03, "", fontsize=9, transform=self.ax_text.transAxes, va="bottom")
        controls = {"ratio": slider("teacher-forcing ratio", 1.0, 0.0, 1.0, step=0.25)}
        live.dynamic = [self.highlight, self.bar_edge, self.ax_curve.title, self.text_title, *self.lines]
        super().__init__(controls, live, title="Teacher forcing: train on true prefixes, or on the model's own")

    def nearest(self, ratio: float) -> float:
        return min(self.ratios, key=lambda r: abs(r - ratio))

    def draw(self, ratio) -> None:
        ratio = self.nearest(ratio)
        curve = self.curves[ratio]
        self.highlight.set_data(curve.get_xdata(), curve.get_ydata())
        self.highlight.set_color(curve.get_color())
        bar = self.free_bars[self.ratios.index(ratio)]
        self.bar_edge.set_bounds(bar.get_x(), 0, bar.get_width(), bar.get_height())
        result = self.results[f"{ratio:.2f}"]
        self.ax_curve.set_title(f"ratio {ratio:g}: {result['exact_match']:.1%} exact match on held-out dates",
                                fontsize=9)
        src, lengths = torch.as_tensor(self.batch.src), torch.as_tensor(self.batch.lengths)
        if ratio not in self.models:
            self.models[ratio] = with_learners_seq2seq(pretrained.load_ratio_model, ratio, self.seq2seq_class)
        tokens = call_learner(self.greedy_decode, self.models[ratio], src, lengths, dates.TARGET_LENGTH)
        tokens = _tokens_as_array(tokens, (len(self.batch), dates.TARGET_LENGTH))
        for line, text, row, target in zip(self.lines, self.batch.texts, tokens, self.batch.targets, strict=True):
            written = dates.decode_target(row)
            mark = "ok " if written == target else "BAD"
            line.set_text(f"{_short(text)}\n  {mark} {written}")
            line.set_color("black" if written == target else PALETTE["red"])
        self.text_title.set_text(f"your greedy_decode, model trained at ratio {ratio:g}")
        self.text_title.set_color("black")

    def not_ready(self, message: str) -> None:
        for line, text in zip(self.lines, self.batch.texts, strict=True):
            line.set_text(f"{_short(text)}\n  ...")
            line.set_color(PALETTE["muted"])
        self.text_title.set_text("implement Seq2Seq and greedy_decode to decode these")
        self.text_title.set_color(PALETTE["muted"])


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def plots_colors(count: int) -> list:
    from matplotlib import colormaps

    return [colormaps["viridis"](value) for value in np.linspace(0.0, 0.85, count)]


def with_learners_seq2seq(function, *args):
    """`function(*args)`, which runs the learner's Seq2Seq (building it, loading the committed weights into it,
    running it), or LearnerCodeNotReady in one line."""
    try:
        return function(*args)
    except NotImplementedError:
        raise LearnerCodeNotReady("Implement Seq2Seq in the exercise above and run its cell to bring this to "
                                  "life: the committed models run in it.") from None
    except Exception as error:  # the learner's class: any failure becomes one line
        message = str(error).splitlines()[0] if str(error) else ""
        raise LearnerCodeNotReady(f"Seq2Seq could not run the committed weights: {type(error).__name__}: "
                                  f"{message[:160]}") from None


def attention_arrays(model) -> dict[str, np.ndarray]:
    """The attention weights of a model with attention, float64, in the lesson's layout: W_q (A, H), W_k (A, H), v (A,)."""
    return {"W_q": model.W_q.weight.detach().double().numpy(), "W_k": model.W_k.weight.detach().double().numpy(),
            "v": model.v.weight.detach().double().numpy()[0]}
