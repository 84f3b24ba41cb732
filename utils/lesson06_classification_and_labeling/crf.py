"""Lesson 06's CRF experiment: a learned transition matrix on top of a bidirectional word-boundary tagger.

Two tag schemes for the same letters (tasks.boundary_windows' text and windows):
    binary  1 where a word starts, else 0: the lesson's committed bidirectional tagger (its logit z gives the
            emissions [0, z], the log-odds of the two tags)
    BMES    B begins a word of two letters or more, M is inside one, E ends it, S is a one-letter word: a tagger of
            the same size with four outputs (log-softmax emissions). Eight of the sixteen transitions are
            impossible (after B or M comes M or E; after E or S comes B or S)
The transitions are learned as a linear-chain CRF's are (Lafferty et al. 2001), by the negative log-likelihood
with the forward algorithm, here on top of the frozen taggers' emissions. `train_all(tagger, viterbi)` measures F1
of "a word starts here" with each letter decided alone and with Viterbi decoding (the decoder is passed in: the
checkpoint command passes the grader's reference, the lesson the learner's own). Nothing here decodes.
"""

from __future__ import annotations

import time
from functools import cache

import numpy as np
import torch

from utils import data
from utils.lesson06_classification_and_labeling import training
from utils.lesson06_classification_and_labeling.tasks import LETTERS, WINDOW, docs_words
from utils.models import AdamSteps, to_numpy

BMES = "BMES"
B, M, E, S = range(4)
ALLOWED = {B: (M, E), M: (M, E), E: (B, S), S: (B, S)}  # the tags that may follow each tag
FORBIDDEN = -1e6  # the score of an impossible transition in the constraints-only matrix
SETTINGS = {"tagger": {"steps": 600, "hidden_size": 64, "batch_size": 64, "lr": 3e-3, "seed": 0},
            "transitions": {"steps": 100, "lr": 0.1, "windows": 2000, "seed": 0}}


def bmes_tags(words) -> np.ndarray:
    """The BMES tag of every letter of the words run together."""
    tags = []
    for word in words:
        tags += [S] if len(word) == 1 else [B] + [M] * (len(word) - 2) + [E]
    return np.array(tags, dtype=np.int64)


@cache
def bmes_windows(part: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The windows of tasks.boundary_windows(part) (same letters, same cut) with BMES tags (N, WINDOW)."""
    words = docs_words()
    cut = int(0.9 * len(words))
    chosen = words[:cut] if part == "train" else words[cut:]
    text, tags = "".join(chosen), bmes_tags(chosen)
    n = len(text) // WINDOW
    ids, _ = data.encode_texts([text[: n * WINDOW]], LETTERS)
    return torch.as_tensor(ids.reshape(n, WINDOW)), torch.as_tensor(tags[: n * WINDOW].reshape(n, WINDOW))


def constraints() -> np.ndarray:
    """(4, 4): 0 for an allowed BMES transition, FORBIDDEN for an impossible one."""
    out = np.full((4, 4), FORBIDDEN)
    for before, after in ALLOWED.items():
        out[before, list(after)] = 0.0
    return out


def invalid_windows(tags) -> float:
    """The fraction of windows whose BMES tags make an impossible transition somewhere."""
    tags = np.asarray(tags)
    return float((constraints()[tags[:, :-1], tags[:, 1:]] < 0).any(axis=1).mean())


def starts(tags, scheme: str) -> np.ndarray:
    """Where a word starts, from tags of either scheme: 1 (binary), or B or S (BMES)."""
    tags = np.asarray(tags)
    return tags == 1 if scheme == "binary" else (tags == B) | (tags == S)


def f1_of_starts(tags, truth_starts, scheme: str) -> float:
    """The lesson's boundary F1 (the first letter of every window left out) of the word starts that `tags` give."""
    return training.boundary_f1(starts(tags, scheme)[:, 1:], np.asarray(truth_starts)[:, 1:])["f1"]


class BMESTagger(torch.nn.Module):
    """Letters -> embedding (16) -> bidirectional GRU -> four logits (B, M, E, S) at every step."""

    def __init__(self, hidden_size: int = 64, embedding: int = 16):
        super().__init__()
        self.embed = torch.nn.Embedding(len(LETTERS) + 1, embedding, padding_idx=data.PAD)
        self.rnn = torch.nn.GRU(embedding, hidden_size, batch_first=True, bidirectional=True)
        self.head = torch.nn.Linear(2 * hidden_size, len(BMES))

    def forward(self, ids) -> torch.Tensor:
        return self.head(self.rnn(self.embed(ids))[0])


def train_bmes_tagger(steps: int = 600, hidden_size: int = 64, batch_size: int = 64, lr: float = 3e-3,
                      seed: int = 0) -> tuple[BMESTagger, float]:
    """The lesson's tagger recipe with four tags: cross-entropy at every letter, each decided alone."""
    ids, tags = bmes_windows("train")
    rng = np.random.default_rng(seed)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = BMESTagger(hidden_size)
    optimizer = AdamSteps(model, lr)
    start = time.perf_counter()
    for _ in range(steps):
        batch = torch.as_tensor(rng.integers(0, len(ids), batch_size))
        logits = model(ids[batch])
        optimizer.step(torch.nn.functional.cross_entropy(logits.reshape(-1, len(BMES)), tags[batch].reshape(-1)))
    return model.eval(), time.perf_counter() - start


def emissions(tagger: torch.nn.Module, ids, scheme: str) -> np.ndarray:
    """(N, T, K) float64 per-letter tag scores: [0, z] from the binary tagger's logit, log-softmax from BMES."""
    with torch.no_grad():
        out = tagger(torch.as_tensor(ids)).double()
    if scheme == "binary":
        return to_numpy(torch.stack([torch.zeros_like(out), out], dim=-1))
    return to_numpy(torch.log_softmax(out, dim=-1))


def log_partition(scores: torch.Tensor, transitions: torch.Tensor) -> torch.Tensor:
    """The forward algorithm: log sum over every tag path of exp(its score), for full-length rows (B, T, K) -> (B,)."""
    alpha = scores[:, 0]
    for t in range(1, scores.shape[1]):
        alpha = torch.logsumexp(alpha[:, :, None] + transitions[None], dim=1) + scores[:, t]
    return torch.logsumexp(alpha, dim=1)


def path_scores(scores: torch.Tensor, tags: torch.Tensor, transitions: torch.Tensor) -> torch.Tensor:
    """(B,) the score of each row's given tag path: its emissions plus its transitions."""
    emitted = scores.gather(2, tags[:, :, None]).squeeze(2).sum(1)
    return emitted + transitions[tags[:, :-1], tags[:, 1:]].sum(1)


def learn_transitions(scores, tags, steps: int = 100, lr: float = 0.1, windows: int = 2000,
                      seed: int = 0) -> tuple[np.ndarray, list[float]]:
    """The (K, K) transition matrix that minimises the CRF's negative log-likelihood of the true tags, the emissions
    held fixed (Adam from zeros, on `windows` training windows drawn once). Returns it and the loss per letter at
    every step."""
    chosen = torch.as_tensor(np.random.default_rng(seed).permutation(len(scores))[:windows])
    scores = torch.as_tensor(np.asarray(scores), dtype=torch.float64)[chosen]
    tags = torch.as_tensor(tags)[chosen]
    transitions = torch.zeros(scores.shape[2], scores.shape[2], dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([transitions], lr=lr)
    losses = []
    for _ in range(steps):
        loss = (log_partition(scores, transitions) - path_scores(scores, tags, transitions)).mean() / scores.shape[1]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    return transitions.detach().numpy().copy(), losses


def decode_all(viterbi, scores: np.ndarray, transitions: np.ndarray) -> np.ndarray:
    """A Viterbi decoder run on every window (full length)."""
    lengths = np.full(len(scores), scores.shape[1])
    return np.asarray(viterbi(scores, transitions, lengths)[0])


def evaluate(viterbi, scores: np.ndarray, transitions: dict[str, np.ndarray], truth, scheme: str) -> dict[str, dict]:
    """F1 of word starts (and, for BMES, the fraction of windows with an impossible tag sequence) with each letter
    decided alone and with Viterbi under each transition matrix of `transitions`."""
    decoded = {"each letter alone": scores.argmax(-1),
               **{f"Viterbi, {name}": decode_all(viterbi, scores, matrix) for name, matrix in transitions.items()}}
    out = {}
    for name, tags in decoded.items():
        out[name] = {"f1": f1_of_starts(tags, truth, scheme)}
        if scheme == "bmes":
            out[name]["invalid_windows"] = invalid_windows(tags)
    return out


def train_all(binary_tagger: torch.nn.Module, viterbi) -> dict:
    """The experiment, as `python -m utils.checkpoints 06 --only boundary_crf` runs it: transitions learned on the
    training windows over the committed binary tagger and over a BMES tagger trained here; F1 on the test windows."""
    train_ids, train_starts = bmes_windows("train")[0], starts(bmes_windows("train")[1], "bmes")
    test_ids, test_tags = bmes_windows("test")
    truth = starts(test_tags, "bmes")
    binary_train = emissions(binary_tagger, train_ids, "binary")
    binary_matrix, binary_losses = learn_transitions(binary_train, torch.as_tensor(train_starts, dtype=torch.int64),
                                                     **SETTINGS["transitions"])
    bmes_tagger, seconds = train_bmes_tagger(**SETTINGS["tagger"])
    bmes_matrix, bmes_losses = learn_transitions(emissions(bmes_tagger, train_ids, "bmes"), bmes_windows("train")[1],
                                                 **SETTINGS["transitions"])
    results = {
        "binary": evaluate(viterbi, emissions(binary_tagger, test_ids, "binary"), {"learned": binary_matrix},
                           truth, "binary"),
        "bmes": evaluate(viterbi, emissions(bmes_tagger, test_ids, "bmes"),
                         {"constraints only": constraints(), "learned": bmes_matrix}, truth, "bmes"),
        "bmes_tagger_seconds": seconds,
        "losses": {"binary": binary_losses[-1], "bmes": bmes_losses[-1]},
    }
    return {"settings": SETTINGS, "torch": str(torch.__version__), "bmes_tagger": bmes_tagger.state_dict(),
            "transitions": {"binary": torch.as_tensor(binary_matrix), "bmes": torch.as_tensor(bmes_matrix)},
            "results": results}
