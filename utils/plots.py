"""Matplotlib drawings shared by the lessons: cells, unrolled graphs, the wirings, terms and activation curves.

Every function draws on an Axes it is given, so the same drawing serves a static figure and a live widget.
`figure(...)` makes a pyplot-free Figure that a notebook displays as it would a pyplot one.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

CELL_COLOR = "#cfe3f7"
INPUT_COLOR = "#fde2c4"
OUTPUT_COLOR = "#d5f0d2"
TERM_COLORS = {"W_x x_t": "#e08a2c", "W_h h_prev": "#3b7dd8", "b": "#8c8c8c"}
TERM_LABELS = {"W_x x_t": "$W_x x_t$", "W_h h_prev": "$W_h h_{t-1}$", "b": "$b$"}
ACTIVATIONS = {
    "tanh": np.tanh,
    "sigmoid": lambda a: 1.0 / (1.0 + np.exp(-a)),
    "relu": lambda a: np.maximum(a, 0.0),
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


def _box(ax, x, y, text, color, width=0.8, height=0.6, fontsize=10):
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.04,rounding_size=0.1", fc=color, ec="#333333", lw=1.2))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, color="#333333", style="-|>", connection="arc3", lw=1.3):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=12, color=color, lw=lw,
                                 connectionstyle=connection, shrinkA=0, shrinkB=0))


def _blank(ax, xlim, ylim, title=None):
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=11)


def draw_rolled(ax, cell_label="RNN", title="rolled"):
    """One cell with its loop: the state it writes is the state it reads at the next step."""
    _blank(ax, (-1.2, 2.4), (-1.5, 1.6), title)
    _box(ax, 0, 0, cell_label, CELL_COLOR, width=1.0, height=0.7)
    _box(ax, 0, -1.15, "$x_t$", INPUT_COLOR, width=0.6, height=0.4)
    _box(ax, 0, 1.25, "$y_t$", OUTPUT_COLOR, width=0.6, height=0.4)
    _arrow(ax, (0, -0.95), (0, -0.37))
    _arrow(ax, (0, 0.37), (0, 1.05))
    # the loop: leaves the right side and comes back in, one step later
    _arrow(ax, (0.5, 0.25), (0.5, -0.25), color="#3b7dd8", connection="arc3,rad=-2.2")
    ax.text(1.65, 0, "$h_{t-1}$", color="#3b7dd8", ha="left", va="center", fontsize=9)


def draw_unrolled(ax, steps, inputs=None, outputs=None, x0=0.0, cell_label="RNN", state_label="h",
                  input_label="x", output_label="y", h0=True, color=CELL_COLOR, spacing=1.4):
    """A chain of `steps` copies of one cell; `inputs`/`outputs` say at which steps a token enters/leaves.

    Returns the x coordinate of the last cell, so chains can be joined (encoder into decoder).
    """
    inputs = list(range(steps)) if inputs is None else inputs
    outputs = list(range(steps)) if outputs is None else outputs
    xs = [x0 + spacing * t for t in range(steps)]
    if h0:
        ax.text(xs[0] - spacing * 0.72, 0, f"${state_label}_0$", ha="center", va="center", fontsize=9)
        _arrow(ax, (xs[0] - spacing * 0.55, 0), (xs[0] - 0.42, 0), color="#3b7dd8")
    for t, x in enumerate(xs):
        _box(ax, x, 0, cell_label, color)
        if t + 1 < steps:
            _arrow(ax, (x + 0.42, 0), (xs[t + 1] - 0.42, 0), color="#3b7dd8")
            ax.text((x + xs[t + 1]) / 2, 0.12, f"${state_label}_{t + 1}$", ha="center", fontsize=8, color="#3b7dd8")
        if t in inputs:
            _box(ax, x, -1.05, f"${input_label}_{t + 1}$", INPUT_COLOR, width=0.55, height=0.38)
            _arrow(ax, (x, -0.86), (x, -0.32))
        if t in outputs:
            _box(ax, x, 1.05, f"${output_label}_{t + 1}$", OUTPUT_COLOR, width=0.55, height=0.38)
            _arrow(ax, (x, 0.32), (x, 0.86))
    return xs[-1]


def draw_rolled_and_unrolled(steps: int = 4):
    """The seed's two drawings side by side: one cell with a loop, and the same cell copied over time."""
    fig, axes = figure(10, 2.8, 1, 2, width_ratios=[1, 3.2])
    draw_rolled(axes[0, 0])
    ax = axes[0, 1]
    _blank(ax, (-1.4, 1.4 * steps), (-1.5, 1.6), f"unrolled over {steps} steps: the same weights in every copy")
    draw_unrolled(ax, steps)
    return fig


def draw_bptt(steps: int = 4):
    """The unrolled network with a loss at every step: forward in blue, the gradients of BPTT flowing back in red."""
    fig, axes = figure(10, 3.2)
    ax = axes[0, 0]
    _blank(ax, (-1.4, 1.4 * steps), (-1.6, 1.9), "forward (blue) and backward (red) through time")
    draw_unrolled(ax, steps, output_label="L")
    back = "#b03a2e"
    xs = [1.4 * t for t in range(steps)]
    for t, x in enumerate(xs):
        _arrow(ax, (x + 0.12, 0.86), (x + 0.12, 0.32), color=back, style="-|>", lw=1.0)  # dL_t/dh_t from the loss
        if t > 0:
            _arrow(ax, (x - 0.42, -0.18), (xs[t - 1] + 0.42, -0.18), color=back, lw=1.0)
            ax.text((x + xs[t - 1]) / 2, -0.42, f"$\\partial L/\\partial h_{t}$", ha="center", fontsize=8, color=back)
    ax.text(xs[-1] / 2, 1.62, "every copy uses the same $W_x, W_h, b$: their gradients are summed over the steps",
            ha="center", fontsize=9, color=back)
    return fig


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


WIRINGS = {
    "many-to-one": "sequence in, one output (spam filter, sentiment)",
    "many-to-many": "an output at every step (tagging each word)",
    "one-to-many": "one input, a sequence out (image captioning)",
    "encoder-decoder": "read all, then write another length (translation)",
}


def draw_wiring(ax, kind: str, steps: int = 4):
    """One of the four task wirings, drawn with the same unrolled cell."""
    if kind not in WIRINGS:
        raise ValueError(f"unknown wiring {kind!r}; choose one of {list(WIRINGS)}")
    _blank(ax, (-1.4, 1.4 * (steps + 2) + 0.2), (-1.5, 1.6), f"{kind}\n{WIRINGS[kind]}")
    if kind == "many-to-one":
        draw_unrolled(ax, steps, outputs=[steps - 1])
    elif kind == "many-to-many":
        draw_unrolled(ax, steps)
    elif kind == "one-to-many":
        draw_unrolled(ax, steps, inputs=[0])
    elif kind == "encoder-decoder":
        encoder_steps = steps - 1
        last = draw_unrolled(ax, encoder_steps, outputs=[], cell_label="enc")
        decoder_x = last + 1.4
        _arrow(ax, (last + 0.42, 0), (decoder_x - 0.42, 0), color="#b03a2e")
        ax.text(last + 0.7, 0.14, "$c$", color="#b03a2e", ha="center", fontsize=9)
        draw_unrolled(ax, 3, inputs=[], x0=decoder_x, cell_label="dec", output_label="y", h0=False,
                      color="#f4d6e8")


def draw_wirings():
    """The four wirings of one recurrent cell, in a 2x2 grid."""
    fig, axes = figure(11, 5.4, 2, 2)
    for ax, kind in zip(axes.flat, WIRINGS, strict=True):
        draw_wiring(ax, kind)
    return fig


def term_bars(ax, terms: dict[str, np.ndarray], total: np.ndarray | None = None, total_label="pre-activation"):
    """Grouped bars, one group per hidden unit and one bar per term; a marker for their sum.

    Returns (bars by term name, sum marker line) so a live widget can update heights in place.
    """
    names = list(terms)
    units = len(next(iter(terms.values())))
    width = 0.8 / len(names)
    bars = {}
    for k, name in enumerate(names):
        positions = np.arange(units) - 0.4 + width * (k + 0.5)
        bars[name] = ax.bar(positions, terms[name], width, label=TERM_LABELS.get(name, name),
                            color=TERM_COLORS.get(name))
    marker = None
    if total is not None:
        (marker,) = ax.plot(np.arange(units), total, "kD", ms=7, label=total_label)
    ax.axhline(0, color="#555555", lw=0.8)
    ax.set_xticks(np.arange(units), [f"unit {j + 1}" for j in range(units)])
    # above the axes, so that no bar or marker ever hides behind it
    ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=len(names) + 1, frameon=False)
    return bars, marker


def activation_curve(ax, name: str = "tanh", span: float = 4.0):
    """The activation over [-span, span] with its derivative dashed; returns an empty scatter for operating points."""
    a = np.linspace(-span, span, 241)
    f = ACTIVATIONS[name]
    ax.plot(a, f(a), color="#333333", lw=1.5, label=name)
    slope = np.gradient(f(a), a)
    ax.plot(a, slope, color="#999999", ls="--", lw=1, label=f"{name}' (slope)")
    ax.axhline(0, color="#bbbbbb", lw=0.6)
    ax.axvline(0, color="#bbbbbb", lw=0.6)
    ax.set_xlabel("pre-activation $a$")
    ax.legend(fontsize=8, loc="upper left")
    return ax.scatter([], [], s=60, zorder=3, c=[], cmap="viridis", vmin=0, vmax=1, edgecolors="k")


def placeholder(ax, message: str):
    """Grey text in an empty axes: what to do to see this panel."""
    return ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", color="#777777",
                   fontsize=10, wrap=True)
