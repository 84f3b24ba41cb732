"""Lesson 06's explorers.

ArchitectureExplorer: how one recurrent cell is wired for four kinds of task, one- or bidirectional, with one to
three stacked layers, and a task for each. It draws only (no exercise drives it); lesson 06 shows it and
notebooks/architecture_explorer.ipynb holds it for every lesson.

BoundaryExplorer: forward and backward hidden states over a sentence whose spaces were removed, and where a
one-directional and a bidirectional tagger put the word boundaries. The bidirectional tagger's backward direction
is run by hand with the learner's `reverse_padded`: a batch of sentences of different lengths is reversed inside
each length, run through the backward GRU from left to right, and reversed back. torch's own packed bidirectional
layer gives the reference it must match.

ForecastExplorer: the committed GRU's forecasts of monthly CO2 on the held-out decade, h months ahead, against the
last-value and seasonal naive baselines, with each method's error against h. It draws only.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import torch

from utils import data, plots
from utils.lesson06_classification_and_labeling import forecasting, models, pretrained, tasks
from utils.models import parameter_count
from utils.plots import PALETTE, WIRINGS
from utils.widgets import Explorer, LiveFigure, call_learner

SENTENCES = (
    "the cat sat on the mat",
    "an iterator returns the next item",
    "together we can rest assured",
    "it is a notable exception",
    "this therapist is a star",
    "the expression is evaluated once",
)


class BoundaryExplorer(Explorer):
    """Slider: a position in the sentence. Dropdown: an example sentence (or one typed in the box below it).

    Top: the probability that a word starts at each letter, from the one-directional tagger (orange) and the
    bidirectional one (purple, with the backward direction computed by the learner's reverse_padded); ticks under
    the letters mark the true word starts. Below: 16 units of the forward and the backward states; the cursor is
    the position, and the text says what each direction has read when it gets there.
    """

    UNITS, MAX_LETTERS = 16, 60

    def __init__(self, reverse_padded):
        self.reverse_padded = reverse_padded
        self.uni = pretrained.load_tagger(False)
        self.bi = pretrained.load_tagger(True)
        self.forward_gru, self.backward_gru = self.bi.directions()
        self.sentences = list(SENTENCES)
        self._cache: dict[str, dict] = {}
        self._batch_key: tuple = ()
        self._batch_results: dict = {}
        self._learner_batch = None  # (batch key, forward states, backward states) from the learner's reverse_padded
        self._shown, self._ticks = None, None  # what the figure shows now: redraw only what a change touches
        sentence = widgets.Dropdown(options=self.sentences, value=self.sentences[0], description="sentence",
                                    layout=widgets.Layout(width="360px"))
        position = widgets.IntSlider(value=3, min=0, max=self._letters(self.sentences[0]) - 1,
                                     description="position", continuous_update=True)
        sentence.observe(self._fit_slider, names="value")  # before the redraw, which the Explorer observes
        self.typed = widgets.Text(placeholder="type a sentence, press Enter",
                                  layout=widgets.Layout(width="360px"))
        self.typed.continuous_update = False
        self.typed.observe(self._add_typed, names="value")
        live = LiveFigure(10.5, 5.6)
        self.ax_prob, self.ax_fwd, self.ax_bwd = live.figure.subplots(3, 1, height_ratios=[1.5, 1, 1], sharex=True)
        ax = self.ax_prob
        (self.uni_line,) = ax.plot([], [], "o-", color=PALETTE["orange"], ms=3, label="one-directional (sees the past)")
        (self.bi_line,) = ax.plot([], [], "s-", color=PALETTE["purple"], ms=3, label="bidirectional (sees both sides)")
        ax.axhline(0.5, color=PALETTE["silver"], lw=0.8, ls=":")
        self.truth_ticks = ax.vlines([], 0, 0, color=PALETTE["green"], lw=3)
        ax.set_ylim(-0.22, 1.05)
        ax.set_ylabel("P(word starts)")
        ax.legend(fontsize=7.5, loc="upper right", ncols=2, frameon=False)
        self.cursors = [a.axvline(0, color="black", lw=1.2, alpha=0.6) for a in (ax, self.ax_fwd, self.ax_bwd)]
        blank = np.zeros((self.UNITS, 2))
        self.fwd_image = self.ax_fwd.imshow(blank, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
        self.bwd_image = self.ax_bwd.imshow(blank, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
        self.ax_fwd.set_ylabel("forward\nunits")
        self.ax_bwd.set_ylabel("backward\nunits")
        for ax in (self.ax_fwd, self.ax_bwd):
            ax.set_yticks([])
        self.ax_prob.set_yticks([0, 0.5, 1])
        self.ax_prob.tick_params(labelbottom=False, bottom=False)
        self.ax_fwd.tick_params(labelbottom=False, bottom=False)
        self.fwd_note = self.ax_fwd.text(0.0, 1.02, "", transform=self.ax_fwd.transAxes, fontsize=8.5, color=PALETTE["blue"])
        self.bwd_note = self.ax_bwd.text(0.0, 1.02, "", transform=self.ax_bwd.transAxes, fontsize=8.5,
                                         color=PALETTE["red"])
        self.ax_bwd.set_xlabel("one-directional:\nbidirectional:\ntrue:", loc="left", fontsize=8.5, family="monospace")
        self.split_note = self.ax_bwd.xaxis.label  # three lines under the letters: each tagger's spaces, and the truth
        super().__init__({"position": position, "sentence": sentence}, live,
                         title="Forward and backward states, and where each tagger puts the word boundaries")

    # controls ---------------------------------------------------------------------------------------------

    def _letters(self, sentence: str) -> int:
        return min(len("".join(tasks.letters_of(sentence))), self.MAX_LETTERS)

    def _fit_slider(self, change) -> None:
        slider = self.controls["position"]
        last = self._letters(change["new"]) - 1
        if slider.value > last:
            slider.value = last
        slider.max = last

    def _add_typed(self, change) -> None:
        words = tasks.letters_of(change["new"])
        if not words:
            return
        text = " ".join(words)
        if text not in self.sentences:
            self.sentences.append(text)
            self.controls["sentence"].options = list(self.sentences)
        self.controls["sentence"].value = text

    def control_box(self) -> widgets.Widget:
        return widgets.VBox([widgets.HBox([self.controls["sentence"], self.typed]), self.controls["position"]])

    # computing --------------------------------------------------------------------------------------------

    def _batch(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        texts = ["".join(tasks.letters_of(s))[: self.MAX_LETTERS] for s in self.sentences]
        ids, lengths = data.encode_texts(texts, tasks.LETTERS)
        return texts, ids, lengths

    def _compute(self, sentence: str) -> dict:
        """One sentence's letters, true starts and tagger outputs. Both taggers run on the whole list of sentences
        at once, the first time any of them is shown (a new typed sentence makes a new batch)."""
        if tuple(self.sentences) != self._batch_key:
            texts, ids, lengths = self._batch()
            with torch.no_grad():  # forward-only: the padding after a sentence cannot change its outputs
                uni = torch.sigmoid(self.uni(torch.as_tensor(ids))).numpy().astype(np.float64)
            reference = pretrained.tagger_states(ids, lengths)
            self._batch_key, self._cache = tuple(self.sentences), {}
            self._batch_results = {"texts": texts, "ids": ids, "lengths": lengths, "uni": uni, "reference": reference}
        if sentence not in self._cache:
            batch = self._batch_results
            row = self.sentences.index(sentence)
            length = int(batch["lengths"][row])
            _, starts = tasks.squash(tasks.letters_of(sentence))
            self._cache[sentence] = {"text": batch["texts"][row], "starts": starts[:length], "row": row,
                                     "uni": batch["uni"][row, :length], "reference": batch["reference"][row, :length]}
        return self._cache[sentence]

    def _learner_states(self, row: int, length: int) -> np.ndarray:
        """The bidirectional states with the backward direction run through the learner's reverse_padded (for the
        whole batch once, as the learner's function is meant to be used; kept once it has worked)."""
        if self._learner_batch is None:
            batch = self._batch_results
            x = models.embeddings(self.bi, batch["ids"])
            forward = models.run_direction(self.forward_gru, x)
            reversed_x = call_learner(self.reverse_padded, x, batch["lengths"], shape=x.shape)
            backward_reversed = models.run_direction(self.backward_gru, reversed_x)
            backward = call_learner(self.reverse_padded, backward_reversed, batch["lengths"],
                                    shape=backward_reversed.shape)
            self._learner_batch = (self._batch_key, forward, backward)
        _, forward, backward = self._learner_batch
        return np.concatenate([forward[row, :length], backward[row, :length]], axis=1)

    # drawing ----------------------------------------------------------------------------------------------

    def draw(self, position, sentence) -> None:
        result = self._compute(sentence)
        text, uni = result["text"], result["uni"]
        T = len(text)
        t = min(position, T - 1)
        self._draw_common(result, t)
        if self._learner_batch is not None and self._learner_batch[0] != self._batch_key:
            self._learner_batch = None  # a typed sentence changed the batch
        if "learner" not in result:
            states = self._learner_states(result["row"], len(text))
            result["learner"] = states, self.bi.readout(states), np.allclose(states, result["reference"], atol=1e-8)
        states, bi, right = result["learner"]
        if self._shown != (sentence, "learner"):
            H = self.bi.hidden_size
            self.bi_line.set_data(np.arange(T), bi)
            self.fwd_image.set_data(states[:, : self.UNITS].T)
            self.bwd_image.set_data(states[:, H : H + self.UNITS].T)
            for image in (self.fwd_image, self.bwd_image):
                image.set_extent((-0.5, T - 0.5, self.UNITS - 0.5, -0.5))
            self.split_note.set_text(f"one-directional: {_split(text, uni)}\nbidirectional:   {_split(text, bi)}\n"
                                     f"true:            {_split(text, result['starts'])}")
            self._shown = (sentence, "learner")
        self.ax_prob.set_title(
            f"at '{text[t]}' (position {t}): one-directional {uni[t]:.2f}, bidirectional {bi[t]:.2f}"
            + ("" if right else "   -- your reverse_padded does not give torch's backward states"),
            fontsize=9.5, color="black" if right else PALETTE["red"])

    def _draw_common(self, result: dict, t: int) -> None:
        text, uni, starts = result["text"], result["uni"], result["starts"]
        T = len(text)
        if self._ticks != text:
            steps = np.arange(T)
            self.uni_line.set_data(steps, uni)
            self.truth_ticks.set_segments([[(s, -0.2), (s, -0.06)] for s in np.flatnonzero(starts)])
            self.ax_bwd.set_xticks(steps, list(text), fontsize=8)
            self.ax_prob.set_xlim(-0.5, T - 0.5)
            self._ticks = text
        for cursor in self.cursors:
            cursor.set_xdata([t, t])
        self.fwd_note.set_text(f"forward state at {t} has read '{text[: t + 1]}'")
        self.bwd_note.set_text(f"backward state at {t} has read '{text[t:][::-1]}' (from the end)")

    def not_ready(self, message: str) -> None:
        result = self._compute(self.controls["sentence"].value)
        text = result["text"]
        t = min(self.controls["position"].value, len(text) - 1)
        self._draw_common(result, t)
        self._shown = None
        self.bi_line.set_data([], [])
        blank = np.zeros((self.UNITS, len(text)))
        for image in (self.fwd_image, self.bwd_image):
            image.set_data(blank)
            image.set_extent((-0.5, len(text) - 0.5, self.UNITS - 0.5, -0.5))
        self.ax_prob.set_title(f"at '{text[t]}': one-directional {result['uni'][t]:.2f}; the bidirectional "
                               "tagger waits for your reverse_padded", fontsize=9.5, color=PALETTE["muted"])
        self.split_note.set_text(f"one-directional: {_split(text, result['uni'])}\n"
                                 f"true:            {_split(text, result['starts'])}")


def _split(text: str, starts) -> str:
    """The letters with a space before every position (after the first) where `starts` is above 0.5."""
    return "".join((" " if i and starts[i] > 0.5 else "") + ch for i, ch in enumerate(text))


class ArchitectureExplorer(Explorer):
    """Dropdown: the wiring; checkbox: bidirectional; slider: stacked layers. Draws the unrolled network, the task
    it suits, whether bidirectional is possible, and the parameter count of a GRU with D = 16, H = 64."""

    STEPS, DX, DY, X0 = 4, 1.5, 1.25, 2.25

    def __init__(self):
        controls = {
            "wiring": widgets.Dropdown(options=[(info["name"], kind) for kind, info in WIRINGS.items()],
                                       value="many-to-one", description="wiring",
                                       style={"description_width": "initial"},
                                       layout=widgets.Layout(width="340px")),
            "bidirectional": widgets.Checkbox(value=False, description="bidirectional"),
            "layers": widgets.IntSlider(value=1, min=1, max=3, description="stacked layers",
                                        style={"description_width": "initial"}, continuous_update=True),
        }
        live = LiveFigure(10.5, 5.0)
        live.figure.set_layout_engine("none")
        self.ax = live.figure.add_axes((0.0, 0.2, 1.0, 0.72))
        self.ax.axis("off")
        self.caption = live.figure.text(0.02, 0.19, "", ha="left", va="top", fontsize=8.5)
        super().__init__(controls, live, title="Four wirings of one recurrent cell, bidirectional and stacked")


    def _chain(self, x0: float, steps: int, layers: int, backward: bool, label: str, color: str,
               inputs, outputs, output_label: str = "y"):
        ax = self.ax
        xs = [x0 + self.DX * t for t in range(steps)]
        for layer in range(layers):
            y = layer * self.DY
            for t, x in enumerate(xs):
                plots.box(ax, x, y, label if layers == 1 else f"{label}{layer + 1}", color, width=0.8,
                           height=0.55, fontsize=8)
                if t + 1 < steps:
                    plots.arrow(ax, (x + 0.4, y + 0.1), (xs[t + 1] - 0.4, y + 0.1), color=PALETTE["blue"])
                    if backward:
                        plots.arrow(ax, (xs[t + 1] - 0.4, y - 0.1), (x + 0.4, y - 0.1), color=PALETTE["red"])
                if layer > 0:
                    plots.arrow(ax, (x, y - self.DY + 0.28), (x, y - 0.28))
        top = (layers - 1) * self.DY
        for t in inputs:
            plots.box(ax, xs[t], -1.0, f"$x_{t + 1}$", PALETTE["input"], width=0.5, height=0.36, fontsize=9)
            plots.arrow(ax, (xs[t], -0.82), (xs[t], -0.28))
        for t in outputs:
            plots.box(ax, xs[t], top + 1.0, f"${output_label}_{{{t + 1}}}$", PALETTE["output"], width=0.5,
                       height=0.36, fontsize=9)
            plots.arrow(ax, (xs[t], top + 0.28), (xs[t], top + 0.82))
        return xs

    def draw(self, wiring, bidirectional, layers) -> None:
        ax = self.ax
        for artist in [*ax.patches, *ax.texts]:
            artist.remove()
        info = WIRINGS[wiring]
        steps = self.STEPS
        top = (layers - 1) * self.DY
        allowed = bidirectional
        notes = []
        if wiring == "many-to-many":
            self._chain(self.X0, steps, layers, bidirectional, "RNN", PALETTE["cell"], range(steps), range(steps))
        elif wiring == "many-to-one":
            xs = self._chain(self.X0, steps, layers, bidirectional, "RNN", PALETTE["cell"], range(steps), [steps - 1])
            if bidirectional:  # the backward direction's summary sits at the first step
                plots.arrow(ax, (xs[0] + 0.2, top + 0.28), (xs[-1] - 0.22, top + 0.85), color=PALETTE["red"],
                             connection="arc3,rad=-0.25")
                notes.append("red arc: the output reads [forward state at the last step, backward state at the first]")
        elif wiring == "one-to-many":
            xs = self._chain(self.X0, steps, layers, False, "RNN", PALETTE["cell"], [0], range(steps))
            for t in range(steps - 1):  # each output becomes the next input
                plots.arrow(ax, (xs[t] + 0.25, top + 1.0), (xs[t + 1] - 0.25, -0.3), color=PALETTE["grey"],
                             connection="arc3,rad=0.15", lw=0.9)
            notes.append("grey: each output is fed back as the next step's input")
            allowed = False
        else:  # encoder-decoder
            xs = self._chain(0.5, 3, layers, bidirectional, "enc", PALETTE["cell"], range(3), [])
            x0 = xs[-1] + self.DX * 1.5
            dec = self._chain(x0, 3, layers, False, "dec", PALETTE["decoder"], [], range(3))
            plots.arrow(ax, (xs[-1] + 0.4, top), (dec[0] - 0.4, top), color=PALETTE["purple"], lw=2)
            ax.text((xs[-1] + dec[0]) / 2, top + 0.22, "context", color=PALETTE["purple"], ha="center", fontsize=8)
            allowed = bidirectional
            if bidirectional:
                notes.append("only the encoder is bidirectional: the decoder writes one word at a time")
        if bidirectional and wiring == "one-to-many":
            ax.text(4.5, top + 1.6, "bidirectional is impossible here: the future is not generated yet",
                    ha="center", color=PALETTE["red"], fontsize=10, weight="bold")
        ax.set_xlim(-1.0, 10.0)
        ax.set_ylim(-1.4, 2 * self.DY + 1.9)
        ax.text(4.5, 2 * self.DY + 1.75, f"{info['name']}: {info['short']}", ha="center", va="top", fontsize=11)
        arrows = "blue: forward in time" + ("; red: backward in time" if allowed else "")
        params = parameter_count("gru", 16, 64, layers=layers, bidirectional=allowed)
        lines = [f"task: {info['task']}", f"bidirectional? {info['bidirectional']}",
                 f"{arrows}.  {'The encoder, a' if wiring == 'encoder-decoder' else 'A'} GRU with D = 16, H = 64, "
                 f"{layers} layer(s)"
                 f"{', both directions' if allowed else ''}: "
                 f"{params:,} parameters", *notes]
        self.caption.set_text("\n".join(_wrap(line, 150) for line in lines))


def _wrap(line: str, width: int) -> str:
    words, rows, row = line.split(), [], ""
    for word in words:
        if row and len(row) + 1 + len(word) > width:
            rows.append(row)
            row = word
        else:
            row = f"{row} {word}".strip()
    return "\n".join([*rows, row])


class ForecastExplorer(Explorer):
    """Slider: the forecast horizon h in months. It draws only (no exercise drives it).

    Left: the held-out decade of monthly CO2 (black) and, for each month, the forecast made h months before it by
    the committed GRU (purple), the last value (red) and the seasonal naive forecast (grey), all from data up to
    their origin only. Right: each method's held-out mean absolute error (ppm) against h, the chosen h marked.
    """

    METHODS = (("GRU", "purple", "-"), ("last value", "red", "--"), ("seasonal naive", "grey", ":"),
               ("seasonal naive + last year's rise", "orange", "-."))

    def __init__(self):
        years, self.series = forecasting.co2_monthly()
        self.cut = forecasting.split()
        model = pretrained.load_forecaster()
        window = pretrained.FORECASTING.contents()["settings"]["window"]
        self.made = {"GRU": forecasting.forecasts(model, window), **forecasting.baselines()}
        self.mae = {name: forecasting.held_out_mae(f) for name, f in self.made.items()}
        horizon = widgets.IntSlider(value=6, min=1, max=forecasting.HORIZONS, description="horizon (months)",
                                    continuous_update=True, style={"description_width": "initial"},
                                    layout=widgets.Layout(width="420px"))
        live = LiveFigure(10.5, 3.6)
        self.ax_series, self.ax_mae = live.figure.subplots(1, 2, width_ratios=[2.3, 1])
        self.years = years[self.cut:]
        ax = self.ax_series
        ax.plot(years[self.cut - 24 :], self.series[self.cut - 24 :], color="black", lw=1.6, label="measured")
        ax.axvspan(years[self.cut - 24], years[self.cut] - 1 / 24, color=PALETTE["silver"], alpha=0.25, lw=0)
        ax.text(years[self.cut - 12], self.series[self.cut - 24 :].min(), "last training\nmonths", ha="center",
                va="bottom", fontsize=8)
        self.lines = {}
        for name, colour, style in self.METHODS:
            (self.lines[name],) = ax.plot(self.years, self.series[self.cut:], style, color=PALETTE[colour], lw=1.2,
                                          label=name)
        ax.set_xlabel("year")
        ax.set_ylabel("CO$_2$ (ppm)")
        ax.legend(fontsize=7.5, loc="lower right", frameon=False)
        horizons = np.arange(1, forecasting.HORIZONS + 1)
        for name, colour, style in self.METHODS:
            self.ax_mae.plot(horizons, self.mae[name], style, marker="o", ms=3, color=PALETTE[colour], label=name)
        self.marker = self.ax_mae.axvline(6, color="black", lw=1, alpha=0.6)
        self.ax_mae.set_xlabel("horizon h (months)")
        self.ax_mae.set_ylabel("held-out MAE (ppm)")
        self.ax_mae.set_ylim(bottom=0)
        self.ax_mae.set_xticks([1, 3, 6, 9, 12])
        super().__init__({"horizon": horizon}, live,
                         title="Forecasting monthly CO2 at Mauna Loa h months ahead, on the held-out decade 1992-2001")

    def targets(self, horizon: int) -> dict[str, np.ndarray]:
        """Each method's forecast of every held-out month, made `horizon` months before it."""
        origins = np.arange(self.cut, len(self.series)) - horizon
        return {name: forecast[origins, horizon - 1] for name, forecast in self.made.items()}

    def draw(self, horizon) -> None:
        for name, values in self.targets(horizon).items():
            self.lines[name].set_ydata(values)
        self.marker.set_xdata([horizon, horizon])
        scores = ", ".join(f"{name} {self.mae[name][horizon - 1]:.2f}" for name, _, _ in self.METHODS)
        self.ax_series.set_title(f"forecasts made {horizon} month{'s' if horizon > 1 else ''} ahead; MAE (ppm): "
                                 f"{scores}", fontsize=8)
