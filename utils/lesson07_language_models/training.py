"""Lesson 07's training: held-out bits per character, the committed character model's training loop (run on any
model with a CharLM's interface, such as the learner's own), and the surname generators' (built on one). Seeded;
torch's global random state is left as it was."""

from __future__ import annotations

import math
import time

import numpy as np
import torch
from torch import nn

from utils import data
from utils.lesson07_language_models.corpora import VOCAB_SIZE, SurnameVocab, docs_corpus
from utils.lesson07_language_models.models import ConditionedGenerator
from utils.models import AdamSteps, Run, parameter_count


@torch.no_grad()
def stream_nll(model: nn.Module, ids: np.ndarray, streams: int = 8, chunk: int = 256) -> float:
    """Mean negative log-likelihood (nats per character) of `ids`, read as `streams` contiguous pieces in parallel
    with the state carried from chunk to chunk (every character but each piece's first is predicted)."""
    model.eval()
    length = (len(ids) - 1) // streams
    x = torch.as_tensor(np.stack([ids[k * length: (k + 1) * length] for k in range(streams)]))
    y = torch.as_tensor(np.stack([ids[k * length + 1: (k + 1) * length + 1] for k in range(streams)]))
    total, state = 0.0, None
    for start in range(0, length, chunk):
        logits, state = model(x[:, start: start + chunk], state)
        total += float(nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                   y[:, start: start + chunk].reshape(-1), reduction="sum"))
    return total / (streams * length)


def bits(nll_nats: float) -> float:
    """Nats per character to bits per character."""
    return nll_nats / math.log(2)


def train_docs_model(char_lm, hidden_size: int = 256, embed_size: int = 32, steps: int = 2400, batch_size: int = 32,
                     seq_len: int = 128, lr: float = 3e-3, clip: float = 1.0, seed: int = 0, eval_every: int = 200,
                     log=None) -> Run:
    """The course's character LSTM, `char_lm(VOCAB_SIZE, embed_size, hidden_size)` (a class with CharLM's
    interface), on the python docs: random windows of the training block (a fresh zero state each), Adam with the
    learning rate decayed linearly to a tenth, clipping to `clip`; validation bits/char (the run's scores) measured
    every `eval_every` steps. Seeded; leaves torch's global random state as it found it."""
    corpus = docs_corpus()
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        generator = torch.Generator().manual_seed(seed)
        model = char_lm(VOCAB_SIZE, embed_size, hidden_size)
        optimizer = AdamSteps(model, lr, clip)
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer.optimizer, lambda k: 1 - 0.9 * k / steps)
        train = torch.as_tensor(corpus.train)
        run = Run(model)
        start = time.perf_counter()
        for step in range(1, steps + 1):
            model.train()
            offsets = torch.randint(0, len(train) - seq_len - 1, (batch_size,), generator=generator)
            windows = train[offsets[:, None] + torch.arange(seq_len + 1)]
            logits, _ = model(windows[:, :-1])
            optimizer.step(nn.functional.cross_entropy(logits.reshape(-1, VOCAB_SIZE), windows[:, 1:].reshape(-1)))
            schedule.step()
            if step % eval_every == 0 or step == steps:
                run.record(step, bits(stream_nll(model, corpus.validation)))
                if log:
                    log(f"step {step}: validation {run.scores[-1]:.3f} bits/char "
                        f"({time.perf_counter() - start:.0f} s)")
        run.seconds = time.perf_counter() - start
    model.eval()
    return run


def surname_generator(char_lm, vocab_size: int, embed_size: int, hidden_size: int, conditions: int):
    """A ConditionedGenerator around `char_lm(vocab_size, embed_size, hidden_size, 1, "gru")` (a class with
    CharLM's interface)."""
    return ConditionedGenerator(char_lm(vocab_size, embed_size, hidden_size, 1, "gru"), conditions, hidden_size)


def train_surname_model(char_lm, conditioned: bool, hidden_size: int = 64, embed_size: int = 24, epochs: int = 12,
                        batch_size: int = 64, lr: float = 4e-3, seed: int = 0) -> tuple[ConditionedGenerator, dict]:
    """A GRU generator of surnames, the character model built from `char_lm`; `conditioned`: its initial state is
    the language's embedding (12 categories); otherwise one learned initial state for all. Returns the model and
    its validation loss (nats/char)."""
    names = data.surnames()
    vocab = SurnameVocab(names.alphabet)
    train_names, train_labels = names.subset("train")
    x, y = (torch.as_tensor(a) for a in vocab.batch(train_names))
    labels = torch.as_tensor(train_labels if conditioned else np.zeros_like(train_labels))
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = surname_generator(char_lm, vocab.size, embed_size, hidden_size, len(names.languages) if conditioned else 1)
        optimizer = AdamSteps(model, lr, clip=1.0)
        start = time.perf_counter()
        for _ in range(epochs):
            model.train()
            for batch in torch.randperm(len(x)).split(batch_size):
                logits, _ = model(x[batch], condition=labels[batch])
                optimizer.step(nn.functional.cross_entropy(logits.transpose(1, 2), y[batch], ignore_index=0))
        seconds = time.perf_counter() - start
    model.eval()
    return model, {"validation_nll": surname_validation_nll(model, conditioned), "seconds": seconds,
                   "parameters": parameter_count(model)}


@torch.no_grad()
def surname_validation_nll(model: ConditionedGenerator, conditioned: bool) -> float:
    """Mean NLL (nats per character, the end boundary included) of the validation surnames."""
    names = data.surnames()
    vocab = SurnameVocab(names.alphabet)
    val_names, val_labels = names.subset("validation")
    x, y = (torch.as_tensor(a) for a in vocab.batch(val_names))
    labels = torch.as_tensor(val_labels if conditioned else np.zeros_like(val_labels))
    logits, _ = model.eval()(x, condition=labels)
    return float(nn.functional.cross_entropy(logits.transpose(1, 2), y, ignore_index=0))
