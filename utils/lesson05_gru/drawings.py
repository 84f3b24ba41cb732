"""Lesson 05's diagram: the GRU cell in torch's convention.
"""

from __future__ import annotations

from matplotlib.patches import FancyBboxPatch

from utils import plots
from utils.plots import PALETTE


def draw_gru_cell():
    """The GRU cell in torch's convention: the state h_{t-1} runs along the top and leaves as
    h_t = (1 - z_t) n_t + z_t h_{t-1}; the update gate z_t mixes the old state with the candidate n_t, and the reset
    gate r_t scales the recurrent part of the candidate, r_t * (W_hn h_{t-1} + b_hn)."""
    fig, axes = plots.figure(9.5, 4.6)
    ax = axes[0, 0]
    plots.blank(ax, (-0.4, 10.6), (-0.9, 6.1), r"the GRU cell (torch): $h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$")
    ax.add_patch(FancyBboxPatch((0.9, 0.5), 8.4, 5.1, boxstyle="round,pad=0.05,rounding_size=0.3",
                                fc=PALETTE["frame"], ec=PALETTE["frame_edge"], lw=1.2, zorder=0))
    top, bus = 5.0, 1.1
    # the state highway along the top: h_{t-1} -> (x z) -> (+) -> h_t
    ax.text(-0.05, top, "$h_{t-1}$", ha="right", va="center", fontsize=11, color=PALETTE["blue"])
    plots.wire(ax, [(0.0, top), (3.78, top)], color=PALETTE["blue"])
    plots.node(ax, 4.0, top, r"$\times$")
    plots.wire(ax, [(4.22, top), (7.78, top)], color=PALETTE["blue"])
    plots.node(ax, 8.0, top, "+")
    plots.wire(ax, [(8.22, top), (10.2, top)], color=PALETTE["blue"])
    ax.text(10.25, top, "$h_t$", ha="left", va="center", fontsize=11, color=PALETTE["blue"])
    # h_{t-1} drops to the bus, where it meets x_t; every gate reads both
    plots.wire(ax, [(0.6, top), (0.6, bus + 0.05)], color=PALETTE["blue"], arrow_head=False)
    ax.plot([0.6, 7.0], [bus, bus], color=PALETTE["ink"], lw=1.3)
    plots.box(ax, 1.4, -0.55, "$x_t$", PALETTE["input"], width=0.6, height=0.4)
    plots.wire(ax, [(1.4, -0.35), (1.4, bus)])
    ax.text(3.0, bus - 0.3, r"every gate reads $x_t$ and $h_{t-1}$", ha="center", va="top", fontsize=8,
            color=PALETTE["note"])
    # the gates
    gates = {"r": (2.4, 2.6), "z": (4.0, 2.6), "n": (6.6, 3.2)}
    plots.box(ax, *gates["r"], "$r_t$\n$\\sigma$", PALETTE["gate"], width=0.8, height=0.75)
    plots.box(ax, *gates["z"], "$z_t$\n$\\sigma$", PALETTE["gate"], width=0.8, height=0.75)
    plots.box(ax, *gates["n"], "$n_t$\ntanh", PALETTE["cell"], width=0.9, height=0.75)
    plots.wire(ax, [(2.4, bus), (2.4, 2.22)])
    plots.wire(ax, [(4.0, bus), (4.0, 2.22)])
    # the candidate: W_xn x + b_xn, plus r times (W_hn h + b_hn)
    plots.node(ax, 5.4, 2.2, r"$\times$")
    plots.wire(ax, [(5.4, bus), (5.4, 1.98)])
    ax.text(5.5, 1.55, r"$W_{hn} h_{t-1} + b_{hn}$", ha="left", va="center", fontsize=8)
    plots.wire(ax, [(2.8, 2.6), (3.2, 2.6), (3.2, 1.75), (5.0, 1.75), (5.22, 2.08)], color=PALETTE["brown"])
    plots.wire(ax, [(5.62, 2.3), (6.15, 3.0)])
    plots.wire(ax, [(7.0, bus), (7.0, 2.83)])
    ax.text(7.1, 1.55, r"$W_{xn} x_t + b_{xn}$", ha="left", va="center", fontsize=8)
    # the update gate: z times one input of (+), 1 - z times the other
    keep, write = (4.0, 2.98), (6.6, 3.58)
    plots.node(ax, 6.6, 4.25, r"$\times$")
    plots.node(ax, 5.3, 4.25, "1-", radius=0.24)
    plots.wire(ax, [(6.6, 4.47), (6.6, top - 0.2), (7.8, top - 0.12)])
    plots.wire(ax, [write, (6.6, 4.03)])
    plots.wire(ax, [keep, (4.0, top - 0.22)], color=PALETTE["brown"])  # z scales the old state
    plots.wire(ax, [(4.0, 3.6), (5.06, 4.25)], color=PALETTE["brown"])
    plots.wire(ax, [(5.54, 4.25), (6.38, 4.25)], color=PALETTE["brown"])
    ax.text(4.1, 3.9, "$z_t$", fontsize=9, color=PALETTE["brown"])
    ax.text(5.8, 4.45, "$1 - z_t$", fontsize=9, color=PALETTE["brown"], ha="center")
    ax.text(9.3, -0.5, "σ: sigmoid, values in (0, 1)\n×: elementwise product", ha="right", va="center",
            fontsize=7.5, color=PALETTE["note"])
    return fig
