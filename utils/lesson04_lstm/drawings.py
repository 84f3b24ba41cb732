"""Lesson 04's diagram: the LSTM cell with its cell-state highway.
"""

from __future__ import annotations

from matplotlib.patches import FancyBboxPatch

from utils import plots
from utils.plots import PALETTE


def draw_lstm_cell(ax=None):
    """One LSTM step: the cell state c runs along the top (the additive highway: one ⊙ f_t and one + per step);
    the four gates read [h_{t-1}, x_t] at the bottom; h_t = o_t ⊙ tanh(c_t) leaves on the right.

    Draws on `ax` if given; otherwise returns a new plots.figure.
    """
    fig = None
    if ax is None:
        fig, axes = plots.figure(10, 5.2)
        ax = axes[0, 0]
    plots.blank(ax, (-0.6, 11.2), (-0.9, 6.3))
    ax.add_patch(FancyBboxPatch((1.2, 0.3), 8.4, 5.4, boxstyle="round,pad=0.1,rounding_size=0.3", fc=PALETTE["frame"],
                                ec=PALETTE["frame_edge"], lw=1.2, zorder=0))
    top, gate_y, bus_y = 5.0, 2.1, 0.9
    # the cell-state highway along the top
    plots.arrow(ax, (-0.3, top), (2.22, top), color=PALETTE["orange"], lw=3)
    plots.arrow(ax, (2.78, top), (5.22, top), color=PALETTE["orange"], lw=3)
    plots.arrow(ax, (5.78, top), (10.8, top), color=PALETTE["orange"], lw=3)
    ax.text(-0.3, top + 0.3, "$c_{t-1}$", fontsize=12, color=PALETTE["orange"])
    ax.text(10.4, top + 0.3, "$c_t$", fontsize=12, color=PALETTE["orange"])
    plots.node(ax, 2.5, top, r"$\odot$")
    plots.node(ax, 5.5, top, "+")
    ax.text(4.0, top + 0.55, r"cell state: $c_t = f_t \odot c_{t-1} + i_t \odot g_t$", ha="center", fontsize=9,
            color=PALETTE["brown"])
    # the input bus [h_{t-1}, x_t] and the four gates
    plots.arrow(ax, (-0.3, bus_y), (1.75, bus_y), color=PALETTE["blue"])
    ax.text(-0.3, bus_y + 0.25, "$h_{t-1}$", fontsize=12, color=PALETTE["blue"])
    plots.box(ax, 1.5, -0.55, "$x_t$", PALETTE["input"], width=0.7, height=0.45)
    plots.arrow(ax, (1.5, -0.32), (1.5, bus_y - 0.05))
    ax.plot([1.5, 7.9], [bus_y, bus_y], color=PALETTE["ink"], lw=1.3)
    gates = [(2.5, r"$\sigma$", "forget $f_t$"), (4.2, r"$\sigma$", "input $i_t$"), (5.8, "tanh", "candidate $g_t$"),
             (7.9, r"$\sigma$", "output $o_t$")]
    for x, symbol, label in gates:
        plots.arrow(ax, (x, bus_y), (x, gate_y - 0.3))
        plots.box(ax, x, gate_y, symbol, PALETTE["gate"], width=0.9, height=0.6, fontsize=11)
        ax.text(x + 0.5, gate_y - 0.55, label, fontsize=8, color=PALETTE["note"], ha="left" if x < 7 else "center")
    # forget: f_t scales the old cell state
    plots.arrow(ax, (2.5, gate_y + 0.3), (2.5, top - 0.28))
    # input: i_t ⊙ g_t is written into the cell
    plots.node(ax, 5.0, 3.6, r"$\odot$")
    plots.arrow(ax, (4.2, gate_y + 0.3), (4.8, 3.4))
    plots.arrow(ax, (5.8, gate_y + 0.3), (5.2, 3.4))
    plots.arrow(ax, (5.15, 3.85), (5.4, top - 0.27))
    # output: h_t = o_t ⊙ tanh(c_t)
    plots.arrow(ax, (8.9, top), (8.9, 4.22))
    plots.node(ax, 8.9, 3.9, "tanh", radius=0.32, fontsize=8)
    plots.node(ax, 8.9, 2.1, r"$\odot$")
    plots.arrow(ax, (8.9, 3.58), (8.9, 2.38))
    plots.arrow(ax, (8.35, gate_y), (8.62, 2.1))
    plots.arrow(ax, (9.18, 2.1), (10.8, 2.1), color=PALETTE["blue"], lw=1.8)
    ax.text(10.4, 2.35, "$h_t$", fontsize=12, color=PALETTE["blue"])
    ax.text(10.0, 1.85, "to the output\nand to step t+1", fontsize=8, color=PALETTE["blue"], va="top")
    ax.text(4.7, -0.7, r"each gate: $\sigma$ or tanh of $W_x x_t + W_h h_{t-1} + b$ (its own block of rows)",
            fontsize=8, color=PALETTE["note"], ha="left")
    return fig
