"""Lesson 07's torch reference of the graded CharLM: the course's character model (embedding -> LSTM or GRU ->
linear head, with optional variational dropout), and the same model holding a learner's weights."""

from __future__ import annotations

import torch
from torch import nn

from utils.lesson07_language_models.models import LockedDropout


class LanguageModel(nn.Module):
    """Embedding -> LSTM or GRU (batch first) -> linear head, with the same parameter names as the lesson's CharLM
    (`embedding`, `rnn`, `head`), so that its weights load into a learner's CharLM of the same sizes."""

    def __init__(self, vocab_size: int, embed_size: int, hidden_size: int, num_layers: int = 1, cell: str = "lstm",
                 dropout: float = 0.0):
        super().__init__()
        if cell not in ("lstm", "gru"):
            raise ValueError(f"unknown cell {cell!r}; choose 'lstm' or 'gru'")
        self.cell, self.num_layers, self.hidden_size = cell, num_layers, hidden_size
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = (nn.LSTM if cell == "lstm" else nn.GRU)(embed_size, hidden_size, num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)
        self.drop = LockedDropout(dropout)

    def forward(self, ids: torch.Tensor, state=None):
        outputs, state = self.rnn(self.drop(self.embedding(ids)), state)
        return self.head(self.drop(outputs)), state


CHARLM_KEYS = ("embedding.weight", "head.weight", "head.bias")


def charlm_reference(state_dict: dict, cell: str = "lstm") -> LanguageModel:
    """The course's LanguageModel (float32, eval mode) holding the weights of a learner's CharLM `state_dict`."""
    vocab_size, embed_size = state_dict["embedding.weight"].shape
    hidden_size = state_dict["rnn.weight_hh_l0"].shape[1]
    num_layers = sum(name.startswith("rnn.weight_hh_l") for name in state_dict)
    model = LanguageModel(vocab_size, embed_size, hidden_size, num_layers, cell)
    model.load_state_dict({name: torch.as_tensor(value).float() for name, value in state_dict.items()})
    return model.eval()
