"""Core drawing helpers shared by the lessons: the course palette, the four wirings, figures and primitives.

Every function draws on an Axes it is given, so the same drawing serves a static figure and a live widget.
`figure(...)` makes a pyplot-free Figure that a notebook displays as it would a pyplot one. Each lesson's own
diagrams live in its package (`utils.lessonNN_name.drawings`).
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.ticker import LogLocator, NullLocator

# The one palette of the course: use these names, never a colour literal, in the library and the notebooks.
# Each strong colour keeps its meaning in every figure.
PALETTE = {
    # strong colours, for lines, markers and arrows
    "blue": "#3b7dd8",     # the hidden state and the forward pass; the better of two compared models
    "red": "#b03a2e",      # gradients and the backward pass; a wrong result; the weaker of two models, a baseline
    "orange": "#e08a2c",   # inputs and the LSTM cell state; a third curve (loss, slope, GRU)
    "grey": "#8c8c8c",     # biases, reference levels and baselines
    "green": "#5b9a4a",    # attention and the true labels
    "purple": "#7b3fa0",   # the context vector, the bidirectional reading
    "brown": "#b0671b",    # the gate signals inside a cell diagram
    # light colours, for fills and bars
    "cell": "#cfe3f7",     # a recurrent cell's box
    "input": "#fde2c4",    # an input token's box
    "output": "#d5f0d2",   # an output's box; the attention context
    "gate": "#f7d9a8",     # a gate's box
    "decoder": "#f4d6e8",  # a decoder cell's box
    "frame": "#f4f8fc",    # the inside of a cell diagram
    "frame_edge": "#9db6d3",
    "light_blue": "#9cc3e6",
    "light_orange": "#e0a05a",
    "light_red": "#ff6b6b",
    # neutrals, darkest first
    "ink": "#333333",      # outlines and plain arrows
    "note": "#555555",     # annotations
    "muted": "#777777",    # text that waits for the learner's code
    "light_grey": "#aaaaaa",
    "silver": "#bbbbbb",
    "rule": "#cccccc",     # reference lines (y = 1)
    "faint": "#dddddd",    # what is not yet seen; token boxes
}

# The four ways to wire one recurrent cell to a task, under the names lesson 01 teaches ("many-to-one", ...),
# with the names lesson 06's architecture explorer uses ("name").
WIRINGS = {
    "many-to-one": {
        "name": "sequence-to-vector",
        "caption": "sequence in, one output (spam filter, sentiment)",
        "short": "many-to-one: read the whole sequence, one output at the end",
        "task": "classification: the language of a surname, the sentiment of a review, spam or not",
        "bidirectional": "possible: the output waits for the end anyway; it reads the forward state at the "
                         "last step and the backward state at the first",
    },
    "many-to-many": {
        "name": "sequence-to-sequence (aligned)",
        "caption": "an output at every step (tagging each word)",
        "short": "many-to-many, aligned: an output at every input step",
        "task": "tagging: mark every word of 'Ada lives in Paris' as a name, a place or neither; "
                "or restore the spaces of 'adaliveshere' letter by letter",
        "bidirectional": "possible when the whole sequence is there before any output is needed (tagging a "
                         "finished sentence); not for a live stream",
    },
    "one-to-many": {
        "name": "vector-to-sequence",
        "caption": "one input, a sequence out (image captioning)",
        "short": "one-to-many: one input, then a sequence generated step by step",
        "task": "generation: a caption from an image's features, a melody from a style, text from a prompt",
        "bidirectional": "impossible: each output is fed back as the next input, so the future does not exist "
                         "yet when a step runs",
    },
    "encoder-decoder": {
        "name": "encoder-decoder",
        "caption": "read all, then write another length (translation)",
        "short": "sequence in, a sequence of another length out, through a context vector",
        "task": "translation: 'le chat dort' (3 words) into 'the cat is sleeping' (4 words); dates into ISO form",
        "bidirectional": "the encoder may be bidirectional (it reads a finished input); the decoder generates "
                         "and cannot be",
    },
}


class NotebookFigure(Figure):
    """A Figure that Jupyter shows as a PNG when it is a cell's value (no pyplot, no global state)."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=90)
        return buffer.getvalue()


def figure(width: float = 9.0, height: float = 3.0, nrows: int = 1, ncols: int = 1, **kwargs):
    """A NotebookFigure and its 2-D array of axes."""
    fig = NotebookFigure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs)
    return fig, axes


def box(ax, x, y, text, color, width=0.8, height=0.6, fontsize=10):
    """A rounded box centred at (x, y) with `text` in it."""
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.04,rounding_size=0.1", fc=color, ec=PALETTE["ink"], lw=1.2))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def arrow(ax, start, end, color=PALETTE["ink"], style="-|>", connection="arc3", lw=1.3):
    """An arrow from `start` to `end` (a straight one unless `connection` bends it)."""
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=12, color=color, lw=lw,
                                 connectionstyle=connection, shrinkA=0, shrinkB=0))


def wire(ax, points, color=PALETTE["ink"], arrow_head=True, lw=1.3):
    """A polyline through `points`, with an arrow head on its last segment."""
    xs, ys = zip(*points, strict=True)
    if len(points) > 2:
        ax.plot(xs[:-1], ys[:-1], color=color, lw=lw, solid_capstyle="round")
    arrow(ax, points[-2], points[-1], color=color, style="-|>" if arrow_head else "-", lw=lw)


def node(ax, x, y, text, radius=0.28, color="white", fontsize=11):
    """A round operation node of a cell diagram (⊙, +, 1 -, tanh)."""
    ax.add_patch(Circle((x, y), radius, fc=color, ec=PALETTE["ink"], lw=1.2, zorder=3))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=4)


def blank(ax, xlim, ylim, title=None):
    """An empty, equal-aspect canvas for a diagram, without axes."""
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=11)


def draw_unrolled(ax, steps, inputs=None, outputs=None, x0=0.0, cell_label="RNN", state_label="h",
                  input_label="x", output_label="y", h0=True, color=PALETTE["cell"], spacing=1.4):
    """A chain of `steps` copies of one cell; `inputs`/`outputs` say at which steps a token enters/leaves.

    Returns the x coordinate of the last cell, so chains can be joined (encoder into decoder).
    """
    inputs = list(range(steps)) if inputs is None else inputs
    outputs = list(range(steps)) if outputs is None else outputs
    xs = [x0 + spacing * t for t in range(steps)]
    state = PALETTE["blue"]
    if h0:
        ax.text(xs[0] - spacing * 0.72, 0, f"${state_label}_0$", ha="center", va="center", fontsize=9)
        arrow(ax, (xs[0] - spacing * 0.55, 0), (xs[0] - 0.42, 0), color=state)
    for t, x in enumerate(xs):
        box(ax, x, 0, cell_label, color)
        if t + 1 < steps:
            arrow(ax, (x + 0.42, 0), (xs[t + 1] - 0.42, 0), color=state)
            ax.text((x + xs[t + 1]) / 2, 0.12, f"${state_label}_{t + 1}$", ha="center", fontsize=8, color=state)
        if t in inputs:
            box(ax, x, -1.05, f"${input_label}_{t + 1}$", PALETTE["input"], width=0.55, height=0.38)
            arrow(ax, (x, -0.86), (x, -0.32))
        if t in outputs:
            box(ax, x, 1.05, f"${output_label}_{t + 1}$", PALETTE["output"], width=0.55, height=0.38)
            arrow(ax, (x, 0.32), (x, 0.86))
    return xs[-1]


def few_log_ticks(ax) -> None:
    """At most 6 decades labelled and no minor ticks: a log axis over 40 decades otherwise draws hundreds of ticks
    (most of a frame's time)."""
    ax.yaxis.set_major_locator(LogLocator(numticks=6))
    ax.yaxis.set_minor_locator(NullLocator())


def placeholder(ax, message: str):
    """Grey text in an empty axes: what to do to see this panel."""
    return ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", color=PALETTE["muted"],
                   fontsize=10, wrap=True)


def line_chart(series: dict[str, np.ndarray], xlabel: str, ylabel: str, title: str = "", logy: bool = False,
               x=None, styles: dict[str, str] | None = None, logx: bool = False):
    """One axes of labelled lines (e.g. loss curves); `x` is shared, default 0, 1, 2, ..."""
    fig, axes = figure(8, 3.2)
    ax = axes[0, 0]
    for name, values in series.items():
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(len(values)) if x is None else x, values, (styles or {}).get(name, "-"), label=name, lw=1.5)
    if logy:
        ax.set_yscale("log")
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig
