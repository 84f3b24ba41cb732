"""Lesson 07's explorers: the generation player (the committed character model's next-character distribution at a
chosen temperature, drawn from with the learner's sampler) and the hidden-unit explorer (one unit of the learner's
own CharLM, holding the committed weights, coloured over held-out text)."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from utils.lesson07_language_models import corpora, pretrained
from utils.lesson07_language_models.generation import probabilities
from utils.lesson07_language_models.units import text_features
from utils.plots import PALETTE
from utils.widgets import Explorer, LearnerCodeNotReady, LiveFigure, TimelinePlayer, call_learner, slider

PROMPTS = ("The ", 'The "', "   def ", "   for ", "class ")


def _shown(text: str) -> str:
    """A newline made visible (and kept), for text drawn in a figure."""
    return text.replace("\n", "\u21b5\n")


class GenerationPlayer(TimelinePlayer):
    """Generation step by step: at step t the model has read the prompt and the t characters drawn so far; the bars
    show its next-character distribution at the chosen temperature, and the learner's sampler draws from it."""

    TOP = 12
    SEED = 7

    def __init__(self, sample_with_temperature, steps: int = 90):
        self.sampler = sample_with_temperature
        self.zero_state, self.read = pretrained.docs_stepper()
        self.steps = steps
        controls = {
            "temperature": slider("temperature", 0.8, 0.0, 2.0),
            "prompt": widgets.Dropdown(options=PROMPTS, value=PROMPTS[0], description="prompt",
                                       layout=widgets.Layout(width="200px")),
        }
        live = LiveFigure(10, 4.2, dpi=80)
        self.ax_text, self.ax_bars = live.figure.subplots(1, 2, width_ratios=[1.5, 1])
        self.ax_text.set_axis_off()
        self.text = self.ax_text.text(0.0, 1.0, "", va="top", ha="left", family="monospace", fontsize=9,
                                      transform=self.ax_text.transAxes, wrap=False)
        self.bars = self.ax_bars.barh(np.arange(self.TOP), np.zeros(self.TOP), color=PALETTE["light_blue"])
        self.ax_bars.set_xlim(0, 1)
        self.ax_bars.set_ylim(self.TOP - 0.5, -0.5)
        self.ax_bars.set_yticks([])
        self.labels = [self.ax_bars.text(-0.01, row, "", ha="right", va="center", family="monospace", fontsize=10,
                                         transform=self.ax_bars.get_yaxis_transform()) for row in range(self.TOP)]
        self.ax_bars.set_xlabel("probability of the next character")
        super().__init__(steps, controls, live, title="Generating text, one character at a time (press Play)")

    def compute(self, temperature, prompt):
        rng = np.random.default_rng(self.SEED)  # the same seed at every setting: only the temperature differs
        state = self.zero_state()
        for index in corpora.encode(prompt):
            logits, state = self.read(index, state)
        rows, drawn = [], []
        for _ in range(self.steps):
            rows.append(logits)
            choice = call_learner(self.sampler, logits.copy(), temperature, rng)
            try:
                index = int(np.asarray(choice).reshape(-1)[0])
            except (TypeError, ValueError, IndexError):
                raise LearnerCodeNotReady(f"sample_with_temperature returned {choice!r}, not a character id") from None
            if not 0 <= index < corpora.VOCAB_SIZE:
                raise LearnerCodeNotReady(f"sample_with_temperature returned {index}, outside 0..{corpora.VOCAB_SIZE - 1}")
            drawn.append(index)
            logits, state = self.read(index, state)
        return np.array(rows), np.array(drawn)

    def draw_frame(self, t, result, temperature, prompt) -> None:
        rows, drawn = result
        p = probabilities(rows[t], temperature)
        top = np.argsort(-p)[: self.TOP]
        chosen = drawn[t]
        if chosen not in top:  # an unlikely draw (high temperature): show it in the last row
            top[-1] = chosen
        for bar, index, value in zip(self.bars, top, p[top], strict=True):
            bar.set_width(value)
            bar.set_color(PALETTE["red"] if index == chosen else PALETTE["light_blue"])
        for artist, index in zip(self.labels, top, strict=True):
            artist.set_text(repr(corpora.decode([index]))[1:-1])
        entropy = -(p[p > 0] * np.log2(p[p > 0])).sum()
        self.ax_bars.set_title(f"step {t}: drew {corpora.decode([chosen])!r} (p = {p[chosen]:.2f}); "
                               f"entropy {entropy:.2f} bits", fontsize=9)
        generated = corpora.decode(drawn[: t + 1])
        lines = _shown(prompt + generated).split("\n")
        wrapped = [line[i: i + 56] for line in lines for i in range(0, max(len(line), 1), 56)]
        self.text.set_text("\n".join(wrapped[-12:]) + "\u258c")
        self.ax_text.set_title(f"temperature {temperature:.2f}  (prompt {prompt!r}, then {t + 1} drawn)", fontsize=9)

    def not_ready(self, message: str) -> None:
        self._cache_key = None
        for bar, artist in zip(self.bars, self.labels, strict=True):
            bar.set_width(0)
            artist.set_text("")
        self.text.set_text("")


class HiddenUnitExplorer(Explorer):
    """One unit of the learner's CharLM, holding the committed weights, coloured over held-out text: red where
    tanh(c) of that unit is near +1, blue near -1 (LSTM cell state, last layer)."""

    ROWS, COLS = 14, 80
    TEXT_BOX = (0.005, 0.01, 0.99, 0.9)  # where the text sits in the figure: (left, bottom, width, height)
    LENGTH = 1600  # characters of the validation block read (one step at a time, state carried)

    def __init__(self, char_lm):
        self.char_lm = char_lm
        self.ids = corpora.docs_corpus().validation[: self.LENGTH]
        text = corpora.decode(self.ids)
        self.line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        self.text_lines = text.split("\n")
        self.features = text_features(text)
        self.found = pretrained.units()
        self.choices = {f"{name} (unit {info['unit']}, r = {info['r']:+.2f})": (name, info["unit"])
                        for name, info in self.found.items()}
        self._states = None
        self._holding = False
        first = next(iter(self.choices))
        hidden = pretrained.DOCS["hidden_size"]
        controls = {
            "feature": widgets.Dropdown(options=list(self.choices), value=first, description="found unit",
                                        style={"description_width": "initial"}, layout=widgets.Layout(width="340px")),
            "unit": widgets.IntSlider(value=self.choices[first][1], min=0, max=hidden - 1, description="unit",
                                      continuous_update=True),
            "excerpt": widgets.IntSlider(value=self._first_code_line(), min=0,
                                         max=len(self.text_lines) - self.ROWS, description="first line",
                                         continuous_update=True),
        }
        controls["feature"].observe(self._feature_chosen, names="value")  # runs before the redraw
        live = LiveFigure(10, 3.9, dpi=80)
        self.ax = live.figure.add_axes(self.TEXT_BOX)
        self.ax.set_axis_off()
        self.grid = self.ax.imshow(np.full((self.ROWS, self.COLS), np.nan), cmap="RdBu_r", vmin=-1, vmax=1,
                                   aspect="auto", interpolation="nearest", alpha=0.6,
                                   extent=(0, self.COLS, self.ROWS, 0))
        self.ax.set_xlim(0, self.COLS)
        self.ax.set_ylim(self.ROWS, 0)
        # The text is drawn once per excerpt into a transparent layer of the same size (glyphs are most of the cost
        # of a frame), and that layer is laid over the colours as an image: moving `unit` only recolours the grid.
        self.text_layer = Figure(figsize=live.figure.get_size_inches(), dpi=live.figure.dpi)
        self.text_layer.patch.set_alpha(0)
        self.text_canvas = FigureCanvasAgg(self.text_layer)
        text_ax = self.text_layer.add_axes(self.TEXT_BOX)
        text_ax.set_axis_off()
        text_ax.set_xlim(0, self.COLS)
        text_ax.set_ylim(self.ROWS, 0)
        # DejaVu Sans Mono advances 0.602 em per character: pick the size at which COLS characters fill the width.
        size = live.figure.get_size_inches()[0] * 72 * self.TEXT_BOX[2] / (self.COLS * 0.602)
        self.lines = [text_ax.text(0, row + 0.55, "", family="DejaVu Sans Mono", fontsize=size, va="center",
                                   ha="left") for row in range(self.ROWS)]
        self.overlay = live.figure.figimage(np.zeros((2, 2, 4)), 0, 0, zorder=3, origin="upper")  # pixel for pixel
        self._shown_excerpt = None
        self.heading = self.ax.set_title("", fontsize=10)
        super().__init__(controls, live, title="What does one unit track? (cell state of the trained LSTM, red = +1)")
        self.live.figure.set_layout_engine("none")

    def _first_code_line(self) -> int:
        for number, line in enumerate(self.text_lines[: len(self.text_lines) - self.ROWS]):
            if line.startswith("   ") and '"' in "".join(self.text_lines[number: number + self.ROWS]):
                return max(0, number - 2)
        return 0

    def _feature_chosen(self, change) -> None:
        self._holding = True  # one redraw for the pair of changes, by the dropdown's own observer
        try:
            self.controls["unit"].value = self.choices[change["new"]][1]
        finally:
            self._holding = False

    def update(self) -> None:
        if not self._holding:
            super().update()

    def _learner_states(self) -> np.ndarray:
        model = call_learner(self.char_lm, corpora.VOCAB_SIZE, pretrained.DOCS["embed_size"],
                             pretrained.DOCS["hidden_size"])
        try:
            model.load_state_dict(pretrained.docs_state_dict())
            model.eval()
            rows, state = [], None
            with torch.no_grad():
                for index in self.ids:
                    _, state = model(torch.tensor([[int(index)]]), state)
                    rows.append(torch.tanh(state[1][-1, 0]))
            return torch.stack(rows).double().numpy()
        except Exception as error:  # the learner's class: any failure becomes one line
            message = str(error).splitlines()[0] if str(error) else ""
            raise LearnerCodeNotReady(f"CharLM could not run the committed weights: {type(error).__name__}: "
                                      f"{message[:160]}") from None

    def _show_text(self, excerpt: int) -> None:
        if excerpt == self._shown_excerpt:
            return
        for row, artist in enumerate(self.lines):
            number = excerpt + row
            artist.set_text(self.text_lines[number][: self.COLS] if number < len(self.text_lines) else "")
        self.text_canvas.draw()
        self.overlay.set_data(np.asarray(self.text_canvas.buffer_rgba()).copy())
        self._shown_excerpt = excerpt

    def draw(self, feature, unit, excerpt) -> None:
        self._show_text(excerpt)
        if self._states is None:
            self._states = self._learner_states()
        values = np.full((self.ROWS, self.COLS), np.nan)
        for row in range(self.ROWS):
            number = excerpt + row
            if number >= len(self.text_lines):
                break
            start, length = self.line_starts[number], min(len(self.text_lines[number]), self.COLS)
            values[row, :length] = self._states[start: start + length, unit]
        self.grid.set_data(values)
        name = self.choices[feature][0]
        r = float(np.corrcoef(self._states[:, unit], self.features[name])[0, 1])
        self.heading.set_text(f"unit {unit}: correlation with '{name}' r = {r:+.2f} over {self.LENGTH} characters")

    def not_ready(self, message: str) -> None:
        self.grid.set_data(np.full((self.ROWS, self.COLS), np.nan))
        self.heading.set_text("(no colours until CharLM runs)")
