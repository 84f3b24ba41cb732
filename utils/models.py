"""Core: what every lesson's torch models share. Parameter counts, the mask of valid steps in a padded batch, and
the record of one training run.

    parameter_count(model)                          numbers in a built module's parameters
    parameter_count("gru", 16, 64, layers=2, bidirectional=True)
                                                    the same for torch.nn.RNN / GRU / LSTM of those sizes
    valid_mask(lengths, steps)                      (B, steps) bool tensor, True where t < lengths[b]
    Run(model)                                      one training run: held-out scores against steps, wall time
    AdamSteps(model, lr, clip)                      the update every lesson's training loop makes: Adam, clipping
    to_torch(array), to_numpy(tensor), DTYPE       float64 conversions
    torch_generator(rng), fill_uniform(module, rng, k)
                                                    one seed for numpy and torch; U(-k, k) weights from it
    seeded_weights(shapes, seed, scale)             U(-scale, scale) weights by name: a worked example's model
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np
import torch

RECURRENT_LAYERS = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}
DTYPE = torch.float64


def to_torch(array) -> torch.Tensor:
    """A float64 tensor holding a copy of `array`."""
    return torch.tensor(np.array(array, dtype=np.float64, order="C"), dtype=DTYPE)


def to_numpy(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().cpu().numpy().astype(np.float64)


def torch_generator(rng: np.random.Generator) -> torch.Generator:
    """A torch generator seeded from a numpy one, so one seed drives both libraries."""
    return torch.Generator().manual_seed(int(rng.integers(2**62)))


def fill_uniform(module: torch.nn.Module, rng: np.random.Generator, k: float) -> None:
    """Draw every parameter of `module` from U(-k, k) (torch's default family) using `rng`."""
    generator = torch_generator(rng)
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.uniform_(-k, k, generator=generator)


def seeded_weights(shapes: dict, seed: int, scale: float = 0.5) -> dict[str, np.ndarray]:
    """{name: U(-scale, scale) array of shapes[name]} drawn in sorted name order from `seed`: the fixed weights of a
    visible test's worked example, the same whatever module (the learner's or a reference) they are loaded into."""
    rng = np.random.default_rng(seed)
    return {name: rng.uniform(-scale, scale, size=tuple(shapes[name])) for name in sorted(shapes)}


def parameter_count(model: torch.nn.Module | str, input_size: int | None = None, hidden_size: int | None = None,
                    *, layers: int = 1, bidirectional: bool = False) -> int:
    """The numbers in a module's parameters. Given a kind ("rnn", "gru", "lstm") and sizes instead of a module:
    those of the torch.nn.RNN / GRU / LSTM of those sizes (torch keeps two bias vectors per gate block; layer 1
    reads the input, every later layer the previous layer's outputs, 2H wide when bidirectional)."""
    if isinstance(model, str):
        return _recurrent_count(model, input_size, hidden_size, layers, bidirectional)
    return sum(parameter.numel() for parameter in model.parameters())


@cache
def _recurrent_count(kind: str, input_size: int, hidden_size: int, layers: int, bidirectional: bool) -> int:
    # counted on the module torch builds, on the meta device: no memory, and torch's random state is left alone
    module = RECURRENT_LAYERS[kind](input_size, hidden_size, num_layers=layers, bidirectional=bidirectional,
                                    device="meta")
    return parameter_count(module)


def valid_mask(lengths, steps: int) -> torch.Tensor:
    """(B, steps) bool tensor: True at the steps t < lengths[b] that hold data (`.numpy()` for an array)."""
    return torch.arange(steps)[None, :] < torch.as_tensor(np.asarray(lengths, dtype=np.int64))[:, None]


class AdamSteps:
    """Adam over a model's parameters; `step(loss)` makes one update: zero the gradients, backpropagate `loss`, clip
    them to a global norm of `clip` (None: no clipping), step. `optimizer` is torch's, for a schedule."""

    def __init__(self, model: torch.nn.Module, lr: float, clip: float | None = None):
        self.parameters = list(model.parameters())
        self.optimizer = torch.optim.Adam(self.parameters, lr=lr)
        self.clip = clip

    def step(self, loss: torch.Tensor) -> None:
        self.optimizer.zero_grad()
        loss.backward()
        if self.clip is not None:
            torch.nn.utils.clip_grad_norm_(self.parameters, self.clip)
        self.optimizer.step()


@dataclass
class Run:
    """One training run: the trained model, a held-out score (MSE, bits per character, accuracy, exact match...)
    measured at `steps`, the training loss of every step where it was kept, and the wall time."""

    model: torch.nn.Module
    steps: list[int] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    reached_at: int | None = None  # the first measured step whose score reached the run's target, if it had one

    def record(self, step: int, score: float) -> None:
        self.steps.append(step)
        self.scores.append(float(score))

    @property
    def final_score(self) -> float:
        return self.scores[-1]

    @property
    def history(self) -> list[tuple[int, float]]:
        """(step, score) pairs."""
        return list(zip(self.steps, self.scores, strict=True))

    @property
    def parameters(self) -> int:
        return parameter_count(self.model)
