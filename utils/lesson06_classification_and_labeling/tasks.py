"""Lesson 06's two real-data tasks: a surname's language (many-to-one) and word boundaries in text whose spaces
were removed (many-to-many, aligned), split into train, validation and test parts."""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import torch

from utils import data


@cache
def surname_data(seed: int = 0) -> data.Surnames:
    return data.surnames(seed)


def surname_tensors(part: str, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Character ids (N, T) int64 padded with 0, lengths (N,) and labels (N,) of one part of the split."""
    surnames = surname_data(seed)
    names, labels = surnames.subset(part)
    ids, lengths = surnames.encode(names)
    return torch.as_tensor(ids), torch.as_tensor(lengths), torch.as_tensor(labels)

LETTERS = "abcdefghijklmnopqrstuvwxyz"

WINDOW = 40


@cache
def docs_words() -> tuple[str, ...]:
    """The words of CPython's help topics, lower-cased, letters a-z only (everything else separates words)."""
    return tuple(re.findall(r"[a-z]+", data.python_docs_text().lower()))


def squash(words) -> tuple[str, np.ndarray]:
    """Words run together without spaces, and labels (1 where a word starts, else 0)."""
    text = "".join(words)
    starts = np.zeros(len(text), dtype=np.int64)
    starts[np.cumsum([0] + [len(w) for w in words[:-1]])] = 1
    return text, starts


def letters_of(text: str) -> list[str]:
    """A typed sentence as words of letters a-z (lower-cased; anything else separates words)."""
    return re.findall(r"[a-z]+", text.lower())


@cache
def boundary_windows(part: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Windows of WINDOW letters (ids (N, WINDOW), labels (N, WINDOW)): the first 90% of the words train, the
    rest test, so no test text was seen in training."""
    words = docs_words()
    cut = int(0.9 * len(words))
    text, starts = squash(words[:cut] if part == "train" else words[cut:])
    n = len(text) // WINDOW
    ids, _ = data.encode_texts([text[: n * WINDOW]], LETTERS)
    return torch.as_tensor(ids.reshape(n, WINDOW)), torch.as_tensor(starts[: n * WINDOW].reshape(n, WINDOW))


def test_sentences(count: int = 8, seed: int = 0) -> list[str]:
    """`count` stretches of 3 to 9 words from the held-out end of the help topics, as sentences with spaces."""
    words = docs_words()
    start = int(0.9 * len(words))
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        first = int(rng.integers(start, len(words) - 10))
        out.append(" ".join(words[first : first + int(rng.integers(3, 10))]))
    return out
