"""Lesson 02's diagram: the unrolled network with forward and backward arrows.
"""

from __future__ import annotations

from utils import plots
from utils.plots import PALETTE


def draw_bptt(steps: int = 4):
    """The unrolled network with a loss at every step: forward in blue, the gradients of BPTT flowing back in red."""
    fig, axes = plots.figure(10, 3.2)
    ax = axes[0, 0]
    plots.blank(ax, (-1.4, 1.4 * steps), (-1.6, 1.9), "forward (blue) and backward (red) through time")
    plots.draw_unrolled(ax, steps, output_label="L")
    back = PALETTE["red"]
    xs = [1.4 * t for t in range(steps)]
    for t, x in enumerate(xs):
        plots.arrow(ax, (x + 0.12, 0.86), (x + 0.12, 0.32), color=back, style="-|>", lw=1.0)  # dL_t/dh_t from the loss
        if t > 0:
            plots.arrow(ax, (x - 0.42, -0.18), (xs[t - 1] + 0.42, -0.18), color=back, lw=1.0)
            ax.text((x + xs[t - 1]) / 2, -0.42, f"$\\partial L/\\partial h_{t}$", ha="center", fontsize=8, color=back)
    ax.text(xs[-1] / 2, 1.62, "every copy uses the same $W_x, W_h, b$: their gradients are summed over the steps",
            ha="center", fontsize=9, color=back)
    return fig
