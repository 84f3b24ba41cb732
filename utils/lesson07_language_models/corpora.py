"""Lesson 07's corpora (nothing is downloaded) and their vocabularies.

    python docs  CPython's pydoc help topics (`data.python_docs_text()`), about 465,000 characters, cut into three
                 contiguous blocks: train (first 90 %), validation (next 5 %), test (last 5 %). The vocabulary is
                 newline plus the 95 printable ASCII characters; the ~600 other characters (curly quotes, dashes,
                 "ß") all map to one "unknown" id 0, shown as UNKNOWN_GLYPH.
    surnames     `data.surnames()`: lower-cased surnames with one of 12 languages, for generation conditioned on
                 the language (one-to-many), written with SurnameVocab.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from utils import data

CHARS = "\n" + "".join(chr(code) for code in range(32, 127))  # id i + 1 is CHARS[i]

UNKNOWN = 0

UNKNOWN_GLYPH = "\u00a4"  # how the unknown id prints

VOCAB_SIZE = len(CHARS) + 1  # 97

SPLIT = (0.90, 0.05, 0.05)

_IDS = {ch: i + 1 for i, ch in enumerate(CHARS)}


def encode(text: str) -> np.ndarray:
    """Character ids, int64; characters outside CHARS become UNKNOWN (0)."""
    return np.fromiter((_IDS.get(ch, UNKNOWN) for ch in text), dtype=np.int64, count=len(text))


def decode(ids) -> str:
    """The text of character ids (UNKNOWN prints as UNKNOWN_GLYPH)."""
    return "".join(CHARS[i - 1] if i > 0 else UNKNOWN_GLYPH for i in np.asarray(ids, dtype=np.int64).ravel())


@dataclass(frozen=True)
class Corpus:
    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray

    @property
    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "validation": len(self.validation), "test": len(self.test)}


@cache
def docs_corpus() -> Corpus:
    """The python-docs text as ids, split into contiguous train / validation / test blocks (90 / 5 / 5 %)."""
    ids = encode(data.python_docs_text())
    cut1, cut2 = int(SPLIT[0] * len(ids)), int((SPLIT[0] + SPLIT[1]) * len(ids))
    return Corpus(ids[:cut1].copy(), ids[cut1:cut2].copy(), ids[cut2:].copy())


def unigram_bits(train: np.ndarray, evaluate: np.ndarray, vocab_size: int = VOCAB_SIZE) -> float:
    """Bits per character on `evaluate` of character frequencies counted on `train` (add-one smoothing)."""
    counts = np.bincount(train, minlength=vocab_size) + 1.0
    log_p = np.log2(counts / counts.sum())
    return float(-log_p[evaluate].mean())


def bigram_bits(train: np.ndarray, evaluate: np.ndarray, vocab_size: int = VOCAB_SIZE, alpha: float = 0.1) -> float:
    """Bits per character on `evaluate` of P(next | current) counted on `train` (add-alpha smoothing)."""
    counts = np.full((vocab_size, vocab_size), alpha)
    np.add.at(counts, (train[:-1], train[1:]), 1.0)
    log_p = np.log2(counts / counts.sum(axis=1, keepdims=True))
    return float(-log_p[evaluate[:-1], evaluate[1:]].mean())


@dataclass(frozen=True)
class SurnameVocab:
    """Surname characters with a boundary token: inputs start with it, targets end with it; 0 is padding."""

    alphabet: str

    @property
    def boundary(self) -> int:
        return len(self.alphabet) + 1

    @property
    def size(self) -> int:
        return len(self.alphabet) + 2

    def batch(self, names) -> tuple[np.ndarray, np.ndarray]:
        """(inputs, targets), both (N, T_max + 1): boundary + name, and name + boundary, padded with 0."""
        ids, lengths = data.encode_texts(names, self.alphabet)
        inputs = np.concatenate([np.full((len(names), 1), self.boundary), ids], axis=1)
        targets = np.concatenate([ids, np.zeros((len(names), 1), dtype=np.int64)], axis=1)
        targets[np.arange(len(names)), lengths] = self.boundary
        return inputs, targets

    def text(self, ids) -> str:
        out = []
        for i in ids:
            if i == self.boundary or i == 0:
                break
            out.append(self.alphabet[i - 1])
        return "".join(out)
