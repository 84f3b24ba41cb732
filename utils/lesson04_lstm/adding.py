"""Lesson 04 (and 05): the adding problem's torch models and their training loop.

A one-layer RNN, LSTM or GRU reads a sequence of (value, marker) pairs and must output the sum of the two marked
values at the end; the state has to carry them across the whole sequence. Lesson 05 trains the GRU on it too.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from utils import data
from utils.models import RECURRENT_LAYERS, AdamSteps, Run

ADDING_TEST_SEED = 1  # one fixed test set, so that every run is scored on the same sequences



class SequenceRegressor(torch.nn.Module):
    """A one-layer torch RNN (tanh), LSTM or GRU whose last hidden state is read out by a linear layer to one number.

    `forget_bias` (LSTM only) sets the forget gate's summed bias; None keeps torch's random initial value.
    """

    def __init__(self, kind: str, hidden_size: int, input_size: int = 2, forget_bias: float | None = 1.0):
        super().__init__()
        if kind not in RECURRENT_LAYERS:
            raise ValueError(f"unknown kind {kind!r}; choose one of {sorted(RECURRENT_LAYERS)}")
        self.kind = kind
        self.recurrent = RECURRENT_LAYERS[kind](input_size, hidden_size, batch_first=True)
        self.readout = torch.nn.Linear(hidden_size, 1)
        if kind == "lstm" and forget_bias is not None:
            forget = slice(hidden_size, 2 * hidden_size)  # torch's gate order is i, f, g, o
            with torch.no_grad():
                self.recurrent.bias_ih_l0[forget] = forget_bias
                self.recurrent.bias_hh_l0[forget] = 0.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs, _ = self.recurrent(x)
        return self.readout(outputs[:, -1]).squeeze(-1)

    def predict(self, x) -> np.ndarray:
        """Predictions for a numpy batch x (B, T, input_size), as numpy."""
        with torch.no_grad():
            return self(torch.as_tensor(np.asarray(x), dtype=torch.float32)).numpy().astype(np.float64)


def adding_test_set(length: int, size: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    x, y = data.adding_problem(size, length, np.random.default_rng(ADDING_TEST_SEED))
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)


def adding_mse(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return float(torch.nn.functional.mse_loss(model(x), y))


def train_adding_problem(kind: str, *, hidden_size: int = 32, length: int = 100, max_steps: int = 2000,
                         batch_size: int = 64, lr: float = 0.01, seed: int = 0, target_mse: float | None = 0.01,
                         eval_every: int = 50, forget_bias: float | None = 1.0) -> Run:
    """Train a SequenceRegressor on fresh adding-problem batches with Adam (gradients clipped to norm 1); the run's
    scores are the test MSE every `eval_every` steps.

    Stops after `max_steps`, or at the first evaluation whose test MSE is below `target_mse` (None: never early).
    Seeded: the same arguments give the same run; torch's global random state is left as it was.
    """
    rng = np.random.default_rng(seed)
    x_test, y_test = adding_test_set(length)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = SequenceRegressor(kind, hidden_size, forget_bias=forget_bias)
    optimizer = AdamSteps(model, lr, clip=1.0)
    run = Run(model)
    start = time.perf_counter()
    for step in range(1, max_steps + 1):
        x, y = (torch.tensor(a, dtype=torch.float32) for a in data.adding_problem(batch_size, length, rng))
        optimizer.step(torch.nn.functional.mse_loss(model(x), y))
        if step % eval_every == 0 or step == max_steps:
            run.record(step, adding_mse(model, x_test, y_test))
            if target_mse is not None and run.final_score < target_mse:
                run.reached_at = step
                break
    run.seconds = time.perf_counter() - start
    model.eval()
    return run
