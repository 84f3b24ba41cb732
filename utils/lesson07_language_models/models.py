"""Lesson 07's own models. The character model itself is the learner's CharLM (the committed weights load into
it); what is here is not the answer of an exercise: variational dropout, the language condition that turns a GRU
character model (the learner's CharLM) into a generator of surnames, and `detach`, which cuts a state's history."""

from __future__ import annotations

import torch
from torch import nn


class LockedDropout(nn.Module):
    """Variational dropout (Gal and Ghahramani 2016) on (B, T, D) activations: one mask per sequence, reused at every
    time step (standard dropout would draw a fresh mask at every step)."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        mask = x.new_empty(x.shape[0], 1, x.shape[2]).bernoulli_(1 - self.p) / (1 - self.p)
        return x * mask  # the (B, 1, D) mask broadcasts over time


class ConditionedGenerator(nn.Module):
    """One-to-many: a character model (a CharLM built with cell="gru", e.g. the learner's) whose initial state is a
    learned embedding of a category (the surname's language), tanh-squashed. The committed file names its weights
    as a CharLM's (embedding.*, rnn.*, head.*) beside condition.weight: named_weights and load_named_weights."""

    def __init__(self, language_model: nn.Module, conditions: int, hidden_size: int):
        super().__init__()
        self.language_model = language_model
        self.condition = nn.Embedding(conditions, hidden_size)

    def initial_state(self, condition: torch.Tensor) -> torch.Tensor:
        """The GRU state (1, B, H) that starts a sequence of each category in `condition` (B,)."""
        return torch.tanh(self.condition(condition))[None].contiguous()

    def forward(self, ids: torch.Tensor, state=None, condition: torch.Tensor | None = None):
        if state is None and condition is not None:
            state = self.initial_state(condition)
        return self.language_model(ids, state)

    def named_weights(self) -> dict[str, torch.Tensor]:
        """The state_dict under the committed file's names: the character model's own, and condition.weight."""
        return {**self.language_model.state_dict(), "condition.weight": self.condition.weight.detach().clone()}

    def load_named_weights(self, weights: dict) -> ConditionedGenerator:
        state = {name: torch.as_tensor(value).float() for name, value in weights.items()}
        self.condition.weight.data.copy_(state.pop("condition.weight"))
        self.language_model.load_state_dict(state)
        return self


def detach(state):
    """The state with its history cut off (a tensor, or a tuple of them)."""
    if state is None:
        return None
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()

