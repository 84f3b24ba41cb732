"""Training: with the learner's own BPTT (lessons 02-03), and torch models on the adding problem (lessons 04-05).

With the learner's BPTT, the recurrent part (forward and backward) is the learner's numpy code; what surrounds it
comes from torch, so that a run with the learner's gradients and a run with torch autograd can be compared step
for step.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from utils import data, reference


class TorchAdam:
    """torch.optim.Adam over numpy arrays: step(grads) updates the arrays of `params` in place."""

    def __init__(self, params: dict[str, np.ndarray], lr: float):
        self.tensors = {name: torch.from_numpy(array) for name, array in params.items()}  # shares their memory
        self.optimizer = torch.optim.Adam(list(self.tensors.values()), lr=lr)

    def step(self, grads: dict[str, np.ndarray]) -> None:
        for name, tensor in self.tensors.items():
            tensor.grad = reference.to_torch(grads[name])
        self.optimizer.step()


def readout_loss(hs, W_y, b_y, targets) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Mean squared error of the readout y_t = W_y h_t + b_y at every step, and by autograd its gradients
    (loss, dL/dhs (B, T, H), dL/dW_y, dL/db_y)."""
    hs_t, W_y_t, b_y_t = (reference.to_torch(a).requires_grad_(True) for a in (hs, W_y, b_y))
    loss = torch.nn.functional.mse_loss(torch.nn.functional.linear(hs_t, W_y_t, b_y_t), reference.to_torch(targets))
    loss.backward()
    return float(loss.detach()), *(reference.to_numpy(t.grad) for t in (hs_t, W_y_t, b_y_t))


def train_with_autograd(params: dict[str, np.ndarray], batches, lr: float) -> list[float]:
    """The same model (torch.nn.RNN + Linear, starting from `params`) trained by autograd on the same batches
    with the same optimiser; returns the loss of every step."""
    rnn = reference.load_rnn(params["W_x"], params["W_h"], params["b"])
    rnn.bias_hh_l0.requires_grad_(False)  # the course's cell has one bias: keep the second at zero
    readout = torch.nn.Linear(*np.shape(params["W_y"])[::-1]).to(reference.DTYPE)
    with torch.no_grad():
        readout.weight.copy_(reference.to_torch(params["W_y"]))
        readout.bias.copy_(reference.to_torch(params["b_y"]))
    trainable = [p for p in [*rnn.parameters(), *readout.parameters()] if p.requires_grad]
    optimizer = torch.optim.Adam(trainable, lr=lr)
    losses = []
    for x, y in batches:
        optimizer.zero_grad()
        hs, _ = rnn(reference.to_torch(x))
        loss = torch.nn.functional.mse_loss(readout(hs), reference.to_torch(y))
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    return losses


def truncated_gradients(rnn_backward, dhs, x, h0, hs, W_x, W_h, window: int) -> dict[str, np.ndarray]:
    """Truncated BPTT built from a full `rnn_backward`: run it on chunks of `window` steps and drop the gradient
    that would leave each chunk through its initial state. The forward pass (hs) is the full one."""
    steps = np.shape(x)[1]
    total = {"dW_x": 0.0, "dW_h": 0.0, "db": 0.0}
    dx = []
    for start in range(0, steps, window):
        stop = min(start + window, steps)
        chunk_h0 = h0 if start == 0 else hs[:, start - 1]
        grads = rnn_backward(dhs[:, start:stop], x[:, start:stop], chunk_h0, hs[:, start:stop], W_x, W_h)
        for name in total:
            total[name] = total[name] + np.asarray(grads[name])
        dx.append(np.asarray(grads["dx"]))
        if start == 0:
            dh0 = np.asarray(grads["dh0"])
    return {"dx": np.concatenate(dx, axis=1), "dh0": dh0, **total}


RECURRENT_LAYERS = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
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


def parameter_count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@dataclass
class AddingRun:
    """One training run on the adding problem: the model, the test MSE every `eval_every` steps, the wall time."""

    model: SequenceRegressor
    kind: str
    steps: list[int] = field(default_factory=list)
    test_mse: list[float] = field(default_factory=list)
    seconds: float = 0.0
    reached_at: int | None = None  # the first evaluated step whose test MSE is below the target

    @property
    def final_mse(self) -> float:
        return self.test_mse[-1]

    @property
    def parameters(self) -> int:
        return parameter_count(self.model)


def adding_test_set(length: int, size: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    x, y = data.adding_problem(size, length, np.random.default_rng(ADDING_TEST_SEED))
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)


def adding_mse(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return float(torch.nn.functional.mse_loss(model(x), y))


def train_adding_problem(kind: str, *, hidden_size: int = 32, length: int = 100, max_steps: int = 2000,
                         batch_size: int = 64, lr: float = 0.01, seed: int = 0, target_mse: float | None = 0.01,
                         eval_every: int = 50, forget_bias: float | None = 1.0) -> AddingRun:
    """Train a SequenceRegressor on fresh adding-problem batches with Adam (gradients clipped to norm 1).

    Stops after `max_steps`, or at the first evaluation whose test MSE is below `target_mse` (None: never early).
    Seeded: the same arguments give the same run; torch's global random state is left as it was.
    """
    rng = np.random.default_rng(seed)
    x_test, y_test = adding_test_set(length)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = SequenceRegressor(kind, hidden_size, forget_bias=forget_bias)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    run = AddingRun(model, kind)
    start = time.perf_counter()
    for step in range(1, max_steps + 1):
        x, y = (torch.tensor(a, dtype=torch.float32) for a in data.adding_problem(batch_size, length, rng))
        loss = torch.nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % eval_every == 0 or step == max_steps:
            run.steps.append(step)
            run.test_mse.append(adding_mse(model, x_test, y_test))
            if target_mse is not None and run.test_mse[-1] < target_mse:
                run.reached_at = step
                break
    run.seconds = time.perf_counter() - start
    model.eval()
    return run
