"""The architecture explorer: how one recurrent cell is wired for four kinds of task, one- or bidirectional,
with one to three stacked layers, and a task for each. It draws only (no exercise drives it); lesson 06 shows it
and notebooks/architecture_explorer.ipynb holds it for every lesson.
"""

from __future__ import annotations

import ipywidgets as widgets

from utils import plots
from utils.widgets import Explorer, LiveFigure

FORWARD_COLOR, BACKWARD_COLOR, CONTEXT_COLOR = "#3b7dd8", "#b03a2e", "#7b3fa0"

WIRINGS = {
    "sequence-to-sequence (aligned)": {
        "short": "many-to-many, aligned: an output at every input step",
        "task": "tagging: mark every word of 'Ada lives in Paris' as a name, a place or neither; "
                "or restore the spaces of 'adaliveshere' letter by letter",
        "bidirectional": "possible when the whole sequence is there before any output is needed (tagging a "
                         "finished sentence); not for a live stream",
    },
    "sequence-to-vector": {
        "short": "many-to-one: read the whole sequence, one output at the end",
        "task": "classification: the language of a surname, the sentiment of a review, spam or not",
        "bidirectional": "possible: the output waits for the end anyway; it reads the forward state at the "
                         "last step and the backward state at the first",
    },
    "vector-to-sequence": {
        "short": "one-to-many: one input, then a sequence generated step by step",
        "task": "generation: a caption from an image's features, a melody from a style, text from a prompt",
        "bidirectional": "impossible: each output is fed back as the next input, so the future does not exist "
                         "yet when a step runs",
    },
    "encoder-decoder": {
        "short": "sequence in, a sequence of another length out, through a context vector",
        "task": "translation: 'le chat dort' (3 words) into 'the cat is sleeping' (4 words); dates into ISO form",
        "bidirectional": "the encoder may be bidirectional (it reads a finished input); the decoder generates "
                         "and cannot be",
    },
}


def parameter_count(cell: str, input_size: int, hidden_size: int, layers: int, bidirectional: bool) -> int:
    """Parameters of torch's nn.RNN / nn.GRU / nn.LSTM (two bias vectors per block): layer 1 reads the input,
    every later layer reads the previous layer's outputs, 2H wide when bidirectional."""
    blocks = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
    directions = 2 if bidirectional else 1
    total = 0
    for layer in range(layers):
        reads = input_size if layer == 0 else directions * hidden_size
        total += directions * blocks * (hidden_size * reads + hidden_size * hidden_size + 2 * hidden_size)
    return total


class ArchitectureExplorer(Explorer):
    """Dropdown: the wiring; checkbox: bidirectional; slider: stacked layers. Draws the unrolled network, the task
    it suits, whether bidirectional is possible, and the parameter count of a GRU with D = 16, H = 64."""

    STEPS, DX, DY, X0 = 4, 1.5, 1.25, 2.25

    def __init__(self):
        controls = {
            "wiring": widgets.Dropdown(options=list(WIRINGS), value="sequence-to-vector", description="wiring",
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
                plots._box(ax, x, y, label if layers == 1 else f"{label}{layer + 1}", color, width=0.8,
                           height=0.55, fontsize=8)
                if t + 1 < steps:
                    plots._arrow(ax, (x + 0.4, y + 0.1), (xs[t + 1] - 0.4, y + 0.1), color=FORWARD_COLOR)
                    if backward:
                        plots._arrow(ax, (xs[t + 1] - 0.4, y - 0.1), (x + 0.4, y - 0.1), color=BACKWARD_COLOR)
                if layer > 0:
                    plots._arrow(ax, (x, y - self.DY + 0.28), (x, y - 0.28))
        top = (layers - 1) * self.DY
        for t in inputs:
            plots._box(ax, xs[t], -1.0, f"$x_{t + 1}$", plots.INPUT_COLOR, width=0.5, height=0.36, fontsize=9)
            plots._arrow(ax, (xs[t], -0.82), (xs[t], -0.28))
        for t in outputs:
            plots._box(ax, xs[t], top + 1.0, f"${output_label}_{{{t + 1}}}$", plots.OUTPUT_COLOR, width=0.5,
                       height=0.36, fontsize=9)
            plots._arrow(ax, (xs[t], top + 0.28), (xs[t], top + 0.82))
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
        if wiring == "sequence-to-sequence (aligned)":
            self._chain(self.X0, steps, layers, bidirectional, "RNN", plots.CELL_COLOR, range(steps), range(steps))
        elif wiring == "sequence-to-vector":
            xs = self._chain(self.X0, steps, layers, bidirectional, "RNN", plots.CELL_COLOR, range(steps), [steps - 1])
            if bidirectional:  # the backward direction's summary sits at the first step
                plots._arrow(ax, (xs[0] + 0.2, top + 0.28), (xs[-1] - 0.22, top + 0.85), color=BACKWARD_COLOR,
                             connection="arc3,rad=-0.25")
                notes.append("red arc: the output reads [forward state at the last step, backward state at the first]")
        elif wiring == "vector-to-sequence":
            xs = self._chain(self.X0, steps, layers, False, "RNN", plots.CELL_COLOR, [0], range(steps))
            for t in range(steps - 1):  # each output becomes the next input
                plots._arrow(ax, (xs[t] + 0.25, top + 1.0), (xs[t + 1] - 0.25, -0.3), color="#8c8c8c",
                             connection="arc3,rad=0.15", lw=0.9)
            notes.append("grey: each output is fed back as the next step's input")
            allowed = False
        else:  # encoder-decoder
            xs = self._chain(0.5, 3, layers, bidirectional, "enc", plots.CELL_COLOR, range(3), [])
            x0 = xs[-1] + self.DX * 1.5
            dec = self._chain(x0, 3, layers, False, "dec", "#f4d6e8", [], range(3))
            plots._arrow(ax, (xs[-1] + 0.4, top), (dec[0] - 0.4, top), color=CONTEXT_COLOR, lw=2)
            ax.text((xs[-1] + dec[0]) / 2, top + 0.22, "context", color=CONTEXT_COLOR, ha="center", fontsize=8)
            allowed = bidirectional
            if bidirectional:
                notes.append("only the encoder is bidirectional: the decoder writes one word at a time")
        if bidirectional and wiring == "vector-to-sequence":
            ax.text(4.5, top + 1.6, "bidirectional is impossible here: the future is not generated yet",
                    ha="center", color=BACKWARD_COLOR, fontsize=10, weight="bold")
        ax.set_xlim(-1.0, 10.0)
        ax.set_ylim(-1.4, 2 * self.DY + 1.9)
        ax.text(4.5, 2 * self.DY + 1.75, f"{wiring}: {info['short']}", ha="center", va="top", fontsize=11)
        arrows = "blue: forward in time" + ("; red: backward in time" if allowed else "")
        params = parameter_count("gru", 16, 64, layers, allowed)
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
