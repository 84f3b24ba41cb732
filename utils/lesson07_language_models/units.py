"""What single units of a character LSTM track (Karpathy, Johnson and Fei-Fei 2015): text features per character,
the units' cell states over a text, and the unit that correlates best with each feature."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from utils.lesson07_language_models.corpora import decode


def text_features(text: str) -> dict[str, np.ndarray]:
    """Per character of `text`, 0/1 (or a fraction) features that single units are known to track (Karpathy,
    Johnson and Fei-Fei 2015): inside double quotes (on the line), inside parentheses or brackets, on an indented
    line, and the position in the line (column / 80)."""
    n = len(text)
    quotes, parens, indented, column = (np.zeros(n) for _ in range(4))
    in_quote, depth, col, line_indented = False, 0, 0, False
    for i, ch in enumerate(text):
        if ch == "\n":
            in_quote, col = False, 0
            line_indented = text[i + 1: i + 2] == " "
        else:
            col += 1
        if ch == '"':
            in_quote = not in_quote
        depth = max(0, depth + (ch in "([{") - (ch in ")]}"))
        quotes[i], parens[i], indented[i], column[i] = in_quote, depth > 0, line_indented, min(col, 80) / 80
    return {"inside quotes": quotes, "inside parentheses": parens, "indented line": indented,
            "position in line": column}


def correlations(states: np.ndarray, features: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Pearson correlation of every unit (columns of states (T, H)) with every feature (T,)."""
    centred = states - states.mean(axis=0)
    scale = np.sqrt((centred**2).sum(axis=0)) + 1e-12
    found = {}
    for name, feature in features.items():
        f = feature - feature.mean()
        found[name] = centred.T @ f / (scale * (np.sqrt((f**2).sum()) + 1e-12))
    return found


@torch.no_grad()
def cell_states(model: nn.Module, ids: np.ndarray) -> np.ndarray:
    """tanh(c_t) of the LSTM's last layer (or h_t of a GRU) after each character of `ids`, shape (T, H); `model`
    has a CharLM's attributes (embedding, rnn)."""
    model.eval()
    x = model.embedding(torch.as_tensor(np.asarray(ids))[None])
    state, rows = None, []
    for t in range(x.shape[1]):  # one step at a time: torch's LSTM returns only the last cell state
        _, state = model.rnn(x[:, t: t + 1], state)
        rows.append(torch.tanh(state[1][-1, 0]) if isinstance(model.rnn, nn.LSTM) else state[-1, 0])
    return torch.stack(rows).double().numpy()


def interpretable_units(model: nn.Module, ids: np.ndarray) -> dict[str, dict]:
    """For each feature of `text_features`, the unit whose tanh(c) correlates most (in absolute value) with it."""
    states = cell_states(model, ids)
    found = {}
    for name, r in correlations(states, text_features(decode(ids))).items():
        unit = int(np.abs(r).argmax())
        found[name] = {"unit": unit, "r": float(r[unit])}
    return found
