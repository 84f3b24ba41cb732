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


# --- lesson 05: GRU ---------------------------------------------------------------------------------------------

GATE_COLOR = "#f7d9a8"
STATE_COLOR = "#3b7dd8"


def _operation(ax, x, y, symbol, radius=0.22):
    """A small circle holding an elementwise operation (product, sum, 1 - .)."""
    from matplotlib.patches import Circle

    ax.add_patch(Circle((x, y), radius, fc="white", ec="#333333", lw=1.2, zorder=3))
    ax.text(x, y, symbol, ha="center", va="center", fontsize=10, zorder=4)


def _wire(ax, points, color="#333333", arrow=True, lw=1.3):
    """A polyline through `points`, with an arrow head on its last segment."""
    xs, ys = zip(*points, strict=True)
    if len(points) > 2:
        ax.plot(xs[:-1], ys[:-1], color=color, lw=lw, solid_capstyle="round")
    _arrow(ax, points[-2], points[-1], color=color, style="-|>" if arrow else "-", lw=lw)


def draw_gru_cell():
    """The GRU cell in torch's convention: the state h_{t-1} runs along the top and leaves as
    h_t = (1 - z_t) n_t + z_t h_{t-1}; the update gate z_t mixes the old state with the candidate n_t, and the reset
    gate r_t scales the recurrent part of the candidate, r_t * (W_hn h_{t-1} + b_hn)."""
    fig, axes = figure(9.5, 4.6)
    ax = axes[0, 0]
    _blank(ax, (-0.4, 10.6), (-0.9, 6.1), r"the GRU cell (torch): $h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$")
    ax.add_patch(FancyBboxPatch((0.9, 0.5), 8.4, 5.1, boxstyle="round,pad=0.05,rounding_size=0.3",
                                fc="#f4f8fc", ec="#9db6d3", lw=1.2, zorder=0))
    top, bus = 5.0, 1.1
    # the state highway along the top: h_{t-1} -> (x z) -> (+) -> h_t
    ax.text(-0.05, top, "$h_{t-1}$", ha="right", va="center", fontsize=11, color=STATE_COLOR)
    _wire(ax, [(0.0, top), (3.78, top)], color=STATE_COLOR)
    _operation(ax, 4.0, top, r"$\times$")
    _wire(ax, [(4.22, top), (7.78, top)], color=STATE_COLOR)
    _operation(ax, 8.0, top, "+")
    _wire(ax, [(8.22, top), (10.2, top)], color=STATE_COLOR)
    ax.text(10.25, top, "$h_t$", ha="left", va="center", fontsize=11, color=STATE_COLOR)
    # h_{t-1} drops to the bus, where it meets x_t; every gate reads both
    _wire(ax, [(0.6, top), (0.6, bus + 0.05)], color=STATE_COLOR, arrow=False)
    ax.plot([0.6, 7.0], [bus, bus], color="#333333", lw=1.3)
    _box(ax, 1.4, -0.55, "$x_t$", INPUT_COLOR, width=0.6, height=0.4)
    _wire(ax, [(1.4, -0.35), (1.4, bus)])
    ax.text(3.0, bus - 0.3, r"every gate reads $x_t$ and $h_{t-1}$", ha="center", va="top", fontsize=8,
            color="#555555")
    # the gates
    gates = {"r": (2.4, 2.6), "z": (4.0, 2.6), "n": (6.6, 3.2)}
    _box(ax, *gates["r"], "$r_t$\n$\\sigma$", GATE_COLOR, width=0.8, height=0.75)
    _box(ax, *gates["z"], "$z_t$\n$\\sigma$", GATE_COLOR, width=0.8, height=0.75)
    _box(ax, *gates["n"], "$n_t$\ntanh", CELL_COLOR, width=0.9, height=0.75)
    _wire(ax, [(2.4, bus), (2.4, 2.22)])
    _wire(ax, [(4.0, bus), (4.0, 2.22)])
    # the candidate: W_xn x + b_xn, plus r times (W_hn h + b_hn)
    _operation(ax, 5.4, 2.2, r"$\times$")
    _wire(ax, [(5.4, bus), (5.4, 1.98)])
    ax.text(5.5, 1.55, r"$W_{hn} h_{t-1} + b_{hn}$", ha="left", va="center", fontsize=8)
    _wire(ax, [(2.8, 2.6), (3.2, 2.6), (3.2, 1.75), (5.0, 1.75), (5.22, 2.08)], color="#b0671b")
    _wire(ax, [(5.62, 2.3), (6.15, 3.0)])
    _wire(ax, [(7.0, bus), (7.0, 2.83)])
    ax.text(7.1, 1.55, r"$W_{xn} x_t + b_{xn}$", ha="left", va="center", fontsize=8)
    # the update gate: z times one input of (+), 1 - z times the other
    keep, write = (4.0, 2.98), (6.6, 3.58)
    _operation(ax, 6.6, 4.25, r"$\times$")
    _operation(ax, 5.3, 4.25, "1-", radius=0.24)
    _wire(ax, [(6.6, 4.47), (6.6, top - 0.2), (7.8, top - 0.12)])
    _wire(ax, [write, (6.6, 4.03)])
    _wire(ax, [keep, (4.0, top - 0.22)], color="#b0671b")  # z scales the old state
    _wire(ax, [(4.0, 3.6), (5.06, 4.25)], color="#b0671b")
    _wire(ax, [(5.54, 4.25), (6.38, 4.25)], color="#b0671b")
    ax.text(4.1, 3.9, "$z_t$", fontsize=9, color="#b0671b")
    ax.text(5.8, 4.45, "$1 - z_t$", fontsize=9, color="#b0671b", ha="center")
    ax.text(9.3, -0.5, "σ: sigmoid, values in (0, 1)\n×: elementwise product", ha="right", va="center",
            fontsize=7.5, color="#555555")
    return fig


# --- lesson 04: LSTM ----------------------------------------------------------------------------------------------

LSTM_HIGHWAY_COLOR = "#e08a2c"
LSTM_GATE_COLOR = "#f6e7a8"


def _node(ax, x, y, text, radius=0.28, color="white", fontsize=11):
    """A round operation node (⊙, +, tanh) in a cell diagram."""
    from matplotlib.patches import Circle

    ax.add_patch(Circle((x, y), radius, fc=color, ec="#333333", lw=1.2, zorder=3))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=4)


def draw_lstm_cell(ax=None):
    """One LSTM step: the cell state c runs along the top (the additive highway: one ⊙ f_t and one + per step);
    the four gates read [h_{t-1}, x_t] at the bottom; h_t = o_t ⊙ tanh(c_t) leaves on the right.

    Draws on `ax` if given; otherwise returns a new figure.
    """
    fig = None
    if ax is None:
        fig, axes = figure(10, 5.2)
        ax = axes[0, 0]
    _blank(ax, (-0.6, 11.2), (-0.9, 6.3))
    ax.add_patch(FancyBboxPatch((1.2, 0.3), 8.4, 5.4, boxstyle="round,pad=0.1,rounding_size=0.3", fc="#f4f8fc",
                                ec="#9bb7d4", lw=1.2, zorder=0))
    top, gate_y, bus_y = 5.0, 2.1, 0.9
    # the cell-state highway along the top
    _arrow(ax, (-0.3, top), (2.22, top), color=LSTM_HIGHWAY_COLOR, lw=3)
    _arrow(ax, (2.78, top), (5.22, top), color=LSTM_HIGHWAY_COLOR, lw=3)
    _arrow(ax, (5.78, top), (10.8, top), color=LSTM_HIGHWAY_COLOR, lw=3)
    ax.text(-0.3, top + 0.3, "$c_{t-1}$", fontsize=12, color=LSTM_HIGHWAY_COLOR)
    ax.text(10.4, top + 0.3, "$c_t$", fontsize=12, color=LSTM_HIGHWAY_COLOR)
    _node(ax, 2.5, top, r"$\odot$")
    _node(ax, 5.5, top, "+")
    ax.text(4.0, top + 0.55, r"cell state: $c_t = f_t \odot c_{t-1} + i_t \odot g_t$", ha="center", fontsize=9,
            color="#8a4b10")
    # the input bus [h_{t-1}, x_t] and the four gates
    _arrow(ax, (-0.3, bus_y), (1.75, bus_y), color="#3b7dd8")
    ax.text(-0.3, bus_y + 0.25, "$h_{t-1}$", fontsize=12, color="#3b7dd8")
    _box(ax, 1.5, -0.55, "$x_t$", INPUT_COLOR, width=0.7, height=0.45)
    _arrow(ax, (1.5, -0.32), (1.5, bus_y - 0.05))
    ax.plot([1.5, 7.9], [bus_y, bus_y], color="#333333", lw=1.3)
    gates = [(2.5, r"$\sigma$", "forget $f_t$"), (4.2, r"$\sigma$", "input $i_t$"), (5.8, "tanh", "candidate $g_t$"),
             (7.9, r"$\sigma$", "output $o_t$")]
    for x, symbol, label in gates:
        _arrow(ax, (x, bus_y), (x, gate_y - 0.3))
        _box(ax, x, gate_y, symbol, LSTM_GATE_COLOR, width=0.9, height=0.6, fontsize=11)
        ax.text(x + 0.5, gate_y - 0.55, label, fontsize=8, color="#555555", ha="left" if x < 7 else "center")
    # forget: f_t scales the old cell state
    _arrow(ax, (2.5, gate_y + 0.3), (2.5, top - 0.28))
    # input: i_t ⊙ g_t is written into the cell
    _node(ax, 5.0, 3.6, r"$\odot$")
    _arrow(ax, (4.2, gate_y + 0.3), (4.8, 3.4))
    _arrow(ax, (5.8, gate_y + 0.3), (5.2, 3.4))
    _arrow(ax, (5.15, 3.85), (5.4, top - 0.27))
    # output: h_t = o_t ⊙ tanh(c_t)
    _arrow(ax, (8.9, top), (8.9, 4.22))
    _node(ax, 8.9, 3.9, "tanh", radius=0.32, fontsize=8)
    _node(ax, 8.9, 2.1, r"$\odot$")
    _arrow(ax, (8.9, 3.58), (8.9, 2.38))
    _arrow(ax, (8.35, gate_y), (8.62, 2.1))
    _arrow(ax, (9.18, 2.1), (10.8, 2.1), color="#3b7dd8", lw=1.8)
    ax.text(10.4, 2.35, "$h_t$", fontsize=12, color="#3b7dd8")
    ax.text(10.0, 1.85, "to the output\nand to step t+1", fontsize=8, color="#3b7dd8", va="top")
    ax.text(4.7, -0.7, r"each gate: $\sigma$ or tanh of $W_x x_t + W_h h_{t-1} + b$ (its own block of rows)",
            fontsize=8, color="#555555", ha="left")
    return fig
