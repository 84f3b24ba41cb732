"""Lesson 01's diagrams: the rolled and unrolled cell, the four wirings, the terms of the
pre-activation and the activation curves.
"""

from __future__ import annotations

import numpy as np

from utils import plots
from utils.plots import PALETTE

TERM_COLORS = {"W_x x_t": PALETTE["orange"], "W_h h_prev": PALETTE["blue"], "b": PALETTE["grey"]}
TERM_LABELS = {"W_x x_t": "$W_x x_t$", "W_h h_prev": "$W_h h_{t-1}$", "b": "$b$"}
ACTIVATIONS = {
    "tanh": np.tanh,
    "sigmoid": lambda a: 1.0 / (1.0 + np.exp(-a)),
    "relu": lambda a: np.maximum(a, 0.0),
}


def draw_rolled(ax, cell_label="RNN", title="rolled"):
    """One cell with its loop: the state it writes is the state it reads at the next step."""
    plots.blank(ax, (-1.2, 2.4), (-1.5, 1.6), title)
    plots.box(ax, 0, 0, cell_label, PALETTE["cell"], width=1.0, height=0.7)
    plots.box(ax, 0, -1.15, "$x_t$", PALETTE["input"], width=0.6, height=0.4)
    plots.box(ax, 0, 1.25, "$y_t$", PALETTE["output"], width=0.6, height=0.4)
    plots.arrow(ax, (0, -0.95), (0, -0.37))
    plots.arrow(ax, (0, 0.37), (0, 1.05))
    # the loop: leaves the right side and comes back in, one step later
    plots.arrow(ax, (0.5, 0.25), (0.5, -0.25), color=PALETTE["blue"], connection="arc3,rad=-2.2")
    ax.text(1.65, 0, "$h_{t-1}$", color=PALETTE["blue"], ha="left", va="center", fontsize=9)


def draw_rolled_and_unrolled(steps: int = 4):
    """The seed's two drawings side by side: one cell with a loop, and the same cell copied over time."""
    fig, axes = plots.figure(10, 2.8, 1, 2, width_ratios=[1, 3.2])
    draw_rolled(axes[0, 0])
    ax = axes[0, 1]
    plots.blank(ax, (-1.4, 1.4 * steps), (-1.5, 1.6), f"unrolled over {steps} steps: the same weights in every copy")
    plots.draw_unrolled(ax, steps)
    return fig


def draw_wiring(ax, kind: str, steps: int = 4):
    """One of the four task wirings, drawn with the same unrolled cell."""
    if kind not in plots.WIRINGS:
        raise ValueError(f"unknown wiring {kind!r}; choose one of {list(plots.WIRINGS)}")
    plots.blank(ax, (-1.4, 1.4 * (steps + 2) + 0.2), (-1.5, 1.6), f"{kind}\n{plots.WIRINGS[kind]['caption']}")
    if kind == "many-to-one":
        plots.draw_unrolled(ax, steps, outputs=[steps - 1])
    elif kind == "many-to-many":
        plots.draw_unrolled(ax, steps)
    elif kind == "one-to-many":
        plots.draw_unrolled(ax, steps, inputs=[0])
    elif kind == "encoder-decoder":
        encoder_steps = steps - 1
        last = plots.draw_unrolled(ax, encoder_steps, outputs=[], cell_label="enc")
        decoder_x = last + 1.4
        plots.arrow(ax, (last + 0.42, 0), (decoder_x - 0.42, 0), color=PALETTE["red"])
        ax.text(last + 0.7, 0.14, "$c$", color=PALETTE["red"], ha="center", fontsize=9)
        # the decoder's states are s_t, as lesson 08 names them (the encoder's are h_t)
        plots.draw_unrolled(ax, 3, inputs=[], x0=decoder_x, cell_label="dec", state_label="s", output_label="y",
                            h0=False, color=PALETTE["decoder"])


def draw_wirings():
    """The four wirings of one recurrent cell, in a 2x2 grid."""
    fig, axes = plots.figure(11, 5.4, 2, 2)
    for ax, kind in zip(axes.flat, plots.WIRINGS, strict=True):
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
    ax.axhline(0, color=PALETTE["note"], lw=0.8)
    ax.set_xticks(np.arange(units), [f"unit {j + 1}" for j in range(units)])
    # above the axes, so that no bar or marker ever hides behind it
    ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=len(names) + 1, frameon=False)
    return bars, marker


def activation_curve(ax, name: str = "tanh", span: float = 4.0):
    """The activation over [-span, span] with its derivative dashed; returns an empty scatter for operating points."""
    a = np.linspace(-span, span, 241)
    f = ACTIVATIONS[name]
    ax.plot(a, f(a), color=PALETTE["ink"], lw=1.5, label=name)
    slope = np.gradient(f(a), a)
    ax.plot(a, slope, color=PALETTE["light_grey"], ls="--", lw=1, label=f"{name}' (slope)")
    ax.axhline(0, color=PALETTE["silver"], lw=0.6)
    ax.axvline(0, color=PALETTE["silver"], lw=0.6)
    ax.set_xlabel("pre-activation $a$")
    ax.legend(fontsize=8, loc="upper left")
    return ax.scatter([], [], s=60, zorder=3, c=[], cmap="viridis", vmin=0, vmax=1, edgecolors="k")
