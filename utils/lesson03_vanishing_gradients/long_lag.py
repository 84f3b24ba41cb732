"""Lesson 03's experiment: how far back a vanilla RNN can learn, on a task whose answer sits `lag` steps back.

The task: a +-1 bit at t = 0, then `lag` steps of noise; at the end, say which bit it was. Shapes: x (B, lag + 1, 1),
y (B,) with classes 0 and 1. The model reads the whole sequence (many-to-one) and classifies its last state.
"""

from __future__ import annotations

import torch


def long_lag_batch(size: int, lag: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """x (size, lag + 1, 1): a +-1 bit at t = 0, then noise; y (size,): the bit, as a class 0 or 1."""
    bits = torch.randint(0, 2, (size,), generator=generator)
    x = 0.5 * torch.randn(size, lag + 1, 1, generator=generator)
    x[:, 0, 0] = 2.0 * bits - 1.0
    return x, bits


class BitRecaller(torch.nn.Module):
    """Many-to-one: a vanilla RNN reads the whole sequence, a linear readout classifies its last state."""

    def __init__(self, hidden_size: int = 16):
        super().__init__()
        self.rnn = torch.nn.RNN(1, hidden_size, batch_first=True)
        self.readout = torch.nn.Linear(hidden_size, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hs, _ = self.rnn(x)
        return self.readout(hs[:, -1])


def train_long_lag(lag: int, seed: int, steps: int = 250) -> tuple[float, float]:
    """Train a BitRecaller on the task with `lag` (Adam, gradients clipped to norm 1); seeded.

    Returns (test accuracy after training, |dL/dx_0| / |dL/dx_T| before training): how much of the loss's gradient
    reaches the first input, where the answer is, compared with the last.
    """
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = BitRecaller()
    x, y = long_lag_batch(256, lag, generator)  # before training: the gradient at the first and the last input
    x.requires_grad_(True)
    torch.nn.functional.cross_entropy(model(x), y).backward()
    reach = float(x.grad[:, 0].norm() / x.grad[:, -1].norm())
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(steps):
        x, y = long_lag_batch(64, lag, generator)
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
    x, y = long_lag_batch(2000, lag, generator)
    with torch.no_grad():
        accuracy = float((model(x).argmax(dim=1) == y).float().mean())
    return accuracy, reach
