"""Lesson 07's generation helpers: next-character distributions, exposure bias, the scheduled-sampling schedule,
the two dropout schemes, and surnames drawn with the learner's sampler. Sampling here uses torch
(torch.multinomial) or the learner's own function, never numpy."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from utils.lesson07_language_models.corpora import SurnameVocab


def probabilities(logits, temperature: float) -> np.ndarray:
    """softmax(logits / temperature) by torch (the argmax one-hot at temperature 0), for drawing distributions."""
    scores = np.array(logits, dtype=float)
    if temperature <= 0:
        one_hot = np.zeros_like(scores)
        np.put_along_axis(one_hot, scores.argmax(axis=-1)[..., None], 1.0, axis=-1)
        return one_hot
    return torch.softmax(torch.as_tensor(scores / temperature), dim=-1).numpy()


@torch.no_grad()
def exposure_bias(model: nn.Module, ids: np.ndarray, prompts: int = 200, context: int = 64, horizon: int = 60,
                  seed: int = 0) -> dict[str, np.ndarray]:
    """Per-step loss on held-out text, teacher-forced against free-running.

    From `prompts` random places in `ids`, the model reads `context` true characters; then, for k = 1..horizon,
    it predicts character k of the true continuation. Teacher forced: it has read the true characters before k.
    Free running: it has read its own samples (temperature 1, drawn by torch) instead. Returns the mean loss (nats)
    at each k for both, and the share of free-running samples that equal the true character.
    """
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    starts = torch.randint(0, len(ids) - context - horizon - 1, (prompts,), generator=generator)
    windows = torch.as_tensor(np.asarray(ids))[starts[:, None] + torch.arange(context + horizon)]
    prefix, truth = windows[:, :context], windows[:, context:]
    logits, state = model(prefix[:, :-1])
    forced_logits, _ = model(torch.cat([prefix[:, -1:], truth[:, :-1]], dim=1), state)
    forced = nn.functional.cross_entropy(forced_logits.transpose(1, 2), truth, reduction="none").mean(0)
    free, same = [], []
    token = prefix[:, -1:]
    for k in range(horizon):
        step, state = model(token, state)
        step = step[:, -1]
        free.append(float(nn.functional.cross_entropy(step, truth[:, k])))
        token = torch.multinomial(torch.softmax(step, dim=-1), 1, generator=generator)
        same.append(float((token[:, 0] == truth[:, k]).float().mean()))
    return {"teacher_forced": forced.double().numpy(), "free_running": np.array(free), "agreement": np.array(same)}


def scheduled_sampling_probability(step, k: float = 200.0):
    """Bengio et al. (2015), inverse sigmoid decay: the probability of feeding the true token at training step i,
    eps_i = k / (k + exp(i / k))."""
    step = np.asarray(step, dtype=np.float64)
    return k / (k + np.exp(step / k))


def dropout_masks(rng: np.random.Generator, steps: int, units: int, p: float) -> dict[str, np.ndarray]:
    """Demo of the two dropout schemes on a (units, steps) grid of one sequence: 'standard' draws a new keep mask
    at every step; 'variational' draws one and keeps it for the whole sequence. 1 keeps a unit, 0 drops it."""
    standard = (rng.random((units, steps)) >= p).astype(float)
    variational = np.repeat((rng.random((units, 1)) >= p).astype(float), steps, axis=1)
    return {"standard": standard, "variational": variational}


@torch.no_grad()
def generate_surnames(model: nn.Module, vocab: SurnameVocab, conditions: np.ndarray, sampler, temperature: float,
                      rng: np.random.Generator, max_length: int = 16) -> list[str]:
    """One surname per entry of `conditions` (category ids), drawn step by step with `sampler(logits (B, V),
    temperature, rng)` (the learner's sample_with_temperature); padding and the boundary never start a name."""
    model.eval()
    n = len(conditions)
    token = torch.full((n, 1), vocab.boundary)
    state = model.initial_state(torch.as_tensor(np.asarray(conditions, dtype=np.int64)))
    drawn = np.zeros((n, max_length), dtype=np.int64)
    for t in range(max_length):
        logits, state = model(token, state)
        logits = logits[:, -1].double().numpy()
        logits[:, 0] = -1e9  # padding is never a character
        if t == 0:
            logits[:, vocab.boundary] = -1e9  # no empty names
        choice = np.asarray(sampler(logits, temperature, rng), dtype=np.int64).reshape(n)
        drawn[:, t] = choice
        token = torch.as_tensor(choice)[:, None]
    return [vocab.text(row) for row in drawn]
