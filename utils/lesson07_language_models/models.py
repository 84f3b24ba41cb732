"""Lesson 07's own models and stepping helpers. The character model itself is the learner's CharLM (the committed
weights load into it); what is here is not the answer of an exercise: variational dropout, the conditioned GRU
that generates surnames, and a fast one-character stepper for the generation player."""

from __future__ import annotations

import numpy as np
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


class SurnameGenerator(nn.Module):
    """One-to-many: embedding -> GRU (batch first) -> linear head, whose initial state is a learned embedding of a
    category (the surname's language), tanh-squashed. Parameter names: embedding, rnn, head, condition."""

    def __init__(self, vocab_size: int, embed_size: int, hidden_size: int, conditions: int):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)
        self.condition = nn.Embedding(conditions, hidden_size)

    def initial_state(self, condition: torch.Tensor) -> torch.Tensor:
        """The GRU state (1, B, H) that starts a sequence of each category in `condition` (B,)."""
        return torch.tanh(self.condition(condition))[None].contiguous()

    def forward(self, ids: torch.Tensor, state=None, condition: torch.Tensor | None = None):
        if state is None and condition is not None:
            state = self.initial_state(condition)
        outputs, state = self.rnn(self.embedding(ids), state)
        return self.head(outputs), state


class FastStepper:
    """One-character steps of a one-layer LSTM character model, given its state_dict (named like a CharLM's), with
    torch's own LSTM cell (torch.lstm_cell) in float32 and no autograd or module overhead: for explorers that
    generate text while a slider moves."""

    def __init__(self, state_dict: dict):
        weights = {name: value.detach().float() for name, value in state_dict.items()}
        self.embedding = weights["embedding.weight"]
        self.w_ih, self.w_hh = weights["rnn.weight_ih_l0"], weights["rnn.weight_hh_l0"]
        self.bias = weights["rnn.bias_ih_l0"] + weights["rnn.bias_hh_l0"]
        self.w_out, self.b_out = weights["head.weight"], weights["head.bias"]
        self.hidden = self.w_hh.shape[1]

    def start(self) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.zeros(1, self.hidden), torch.zeros(1, self.hidden)

    @torch.no_grad()
    def step(self, index: int, state) -> tuple[np.ndarray, tuple]:
        """Read character `index`; return the logits (V,) float64 for the next one and the new state (h, c)."""
        h, c = torch.lstm_cell(self.embedding[index][None], state, self.w_ih, self.w_hh, self.bias, None)
        return torch.addmv(self.b_out, self.w_out, h[0]).double().numpy(), (h, c)


def detach(state):
    """The state with its history cut off (a tensor, or a tuple of them)."""
    if state is None:
        return None
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


@torch.no_grad()
def step_logits(model: nn.Module, ids: np.ndarray, state=None):
    """Feed `ids` (B, T) and return the logits after the last one, (B, V) float64, and the state."""
    logits, state = model(torch.as_tensor(np.asarray(ids, dtype=np.int64)), state)
    return logits[:, -1].double().numpy(), state
