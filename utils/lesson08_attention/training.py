"""Lesson 08's training and scoring of encoder-decoders, on any model with the lesson's contract (the learner's
Seq2Seq; see grader/reference.py for the contract): decoded texts, exact match, character accuracy, accuracy
against input length, and a seeded training loop with teacher forcing or scheduled sampling (through the model's
own forward).
Target ids: 0 pads, 1 = BOS, 2 = EOS."""

from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn

from utils.data import PAD
from utils.lesson08_attention import dates
from utils.models import AdamSteps, Run

BOS, EOS = dates.BOS, dates.EOS


def decoded_texts(tokens) -> list[str]:
    return [dates.decode_target(row) for row in np.asarray(tokens)]


def exact_match(predicted: list[str], targets) -> np.ndarray:
    """(N,) bool: the whole output string equals the target (one wrong character makes the example wrong)."""
    return np.array([p == t for p, t in zip(predicted, targets, strict=True)])


def char_accuracy(predicted: list[str], targets) -> float:
    """The share of target characters predicted right at their position (a softer score than exact match)."""
    right = sum(sum(a == b for a, b in zip(p, t, strict=False)) for p, t in zip(predicted, targets, strict=True))
    return right / sum(len(t) for t in targets)


def predict(model, batch: dates.DateBatch, decode, chunk: int = 512) -> list[str]:
    """The texts `decode(model, src, src_lengths, max_len)` (a greedy or beam decoder, e.g. the learner's) writes
    for `batch`, `chunk` examples at a time."""
    texts = []
    for start in range(0, len(batch), chunk):
        part = slice(start, start + chunk)
        tokens = decode(model, torch.as_tensor(batch.src[part]), torch.as_tensor(batch.lengths[part]),
                        dates.TARGET_LENGTH)
        texts += decoded_texts(tokens)
    return texts

LENGTH_BINS = (6, 11, 16, 21, 31, 41, 51, 61, 71, 81, 91, 101, 111, 121, 141)


def accuracy_by_length(correct: np.ndarray, lengths: np.ndarray, bins=LENGTH_BINS) -> dict[str, list]:
    """Exact-match accuracy per input-length bin [bins[i], bins[i+1]): bin starts, ends, counts and accuracies."""
    starts, ends, counts, accuracy = [], [], [], []
    for low, high in zip(bins[:-1], bins[1:], strict=True):
        inside = (lengths >= low) & (lengths < high)
        if inside.sum() == 0:
            continue
        starts.append(int(low))
        ends.append(int(high - 1))
        counts.append(int(inside.sum()))
        accuracy.append(float(correct[inside].mean()))
    return {"start": starts, "end": ends, "count": counts, "accuracy": accuracy}


def train(model, *, steps: int, batch_size: int = 64, lr: float = 0.005, teacher_forcing: float = 1.0,
          seed: int = 0, eval_every: int = 0, eval_size: int = 500, time_limit: float | None = None,
          interval_share: float = dates.INTERVAL_SHARE, decode=None, sampled_logits=None) -> Run:
    """Train `model` (any object with the contract's interface and .parameters()) on fresh training examples.

    Cross-entropy on every target token, Adam, gradients clipped to norm 1. The logits are the model's own
    forward on BOS and the shifted target: with `teacher_forcing` 1 (the default) `model(src, lengths, tgt_in)`,
    teacher forcing; with a ratio below 1 `model(src, lengths, tgt_in, teacher_forcing=ratio, rng=rng)`, scheduled
    sampling (the decoder's next input is the true previous token with that probability, per example and step,
    otherwise its own most probable one), with a numpy Generator seeded from `seed`. `sampled_logits(model, src,
    lengths, tgt, ratio, generator)` (a torch.Generator), if given, computes those logits instead: the grader side's
    version that trained the committed teacher-forcing models (`python -m utils.checkpoints 08` passes it).
    Every `eval_every` steps (0: only at the end) the exact match of `decode` (e.g. the learner's greedy_decode;
    None: no evaluation) on the first `eval_size` held-out examples is recorded (the run's scores). `time_limit`
    (seconds) stops early. `interval_share`: the share of examples (training and evaluation) that are intervals
    between two dates. Seeded.
    """
    rng = np.random.default_rng(seed)
    split = dates.split_dates()
    evaluation = dates.test_set(eval_size, interval_share=interval_share)
    generator = torch.Generator().manual_seed(seed)
    sampling_rng = np.random.default_rng([seed, 8])  # the learner's scheduled sampling draws (not the batches')
    optimizer = AdamSteps(model, lr, clip=1.0)
    run = Run(model)
    start = time.perf_counter()
    for step in range(1, steps + 1):
        model.train()
        batch = dates.sample(batch_size, rng, "train", split, interval_share)
        src, lengths, tgt = (torch.as_tensor(a) for a in (batch.src, batch.lengths, batch.tgt))
        if teacher_forcing >= 1.0:
            logits = model(src, lengths, torch.as_tensor(dates.with_bos(batch.tgt)))
        elif sampled_logits is not None:
            logits = sampled_logits(model, src, lengths, tgt, teacher_forcing, generator)
        else:
            logits = model(src, lengths, torch.as_tensor(dates.with_bos(batch.tgt)), teacher_forcing=teacher_forcing,
                           rng=sampling_rng)
        loss = nn.functional.cross_entropy(logits.transpose(1, 2), tgt, ignore_index=PAD, reduction="sum")
        loss = loss / (tgt != PAD).sum()
        optimizer.step(loss)
        run.losses.append(float(loss.detach()))
        out_of_time = time_limit is not None and time.perf_counter() - start > time_limit
        if decode is not None and ((eval_every and step % eval_every == 0) or step == steps or out_of_time):
            model.eval()
            run.record(step, exact_match(predict(model, evaluation, decode), evaluation.targets).mean())
        if out_of_time:
            break
    run.seconds = time.perf_counter() - start
    model.eval()
    return run
