"""Lesson 06's training loops, metrics and baselines (seeded: the same arguments give the same run, and torch's
global random state is left as it was)."""

from __future__ import annotations

import collections
import time

import numpy as np
import torch

from utils.lesson06_classification_and_labeling.models import BagOfCharacters, CharClassifier, CharTagger, EncoderClassifier
from utils.lesson06_classification_and_labeling.tasks import boundary_windows, surname_data, surname_tensors
from utils.models import AdamSteps, Run


def train_classifier(birnn=None, steps: int = 1500, hidden_size: int = 64, batch_size: int = 64, lr: float = 3e-3,
                     seed: int = 0, eval_every: int = 250) -> Run:
    """Train a CharClassifier (bidirectional in `birnn`, a BiRNN class; one-directional if None) on the surnames'
    training part with Adam; the validation accuracy is recorded."""
    surnames = surname_data()
    ids, lengths, labels = surname_tensors("train")
    val = surname_tensors("validation")
    rng = np.random.default_rng(seed)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = CharClassifier(len(surnames.alphabet), len(surnames.languages), hidden_size, birnn)
    return _train(model, steps, lr, eval_every, lambda: rng.integers(0, len(labels), batch_size),
                  lambda b: torch.nn.functional.cross_entropy(model(ids[b], lengths[b]), labels[b]),
                  lambda: classifier_accuracy(model, *val))


def train_tagger(bidirectional: bool, steps: int = 600, hidden_size: int = 64, batch_size: int = 64, lr: float = 3e-3,
                 seed: int = 0, eval_every: int = 100) -> Run:
    """Train a CharTagger on windows of the help topics' first 90% (binary cross-entropy at every letter)."""
    ids, labels = boundary_windows("train")
    test = boundary_windows("test")
    rng = np.random.default_rng(seed)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = CharTagger(hidden_size, bidirectional)
    return _train(model, steps, lr, eval_every, lambda: rng.integers(0, len(labels), batch_size),
                  lambda b: torch.nn.functional.binary_cross_entropy_with_logits(model(ids[b]), labels[b].float()),
                  lambda: boundary_scores(model, *test)["f1"])


def train_encoder_classifier(encoder: torch.nn.Module, final_size: int, steps: int = 300, batch_size: int = 64,
                             lr: float = 5e-3, seed: int = 0) -> tuple[Run, float]:
    """Train an EncoderClassifier around `encoder` on the surnames; returns the run and the test accuracy."""
    surnames = surname_data()
    ids, lengths, labels = surname_tensors("train")
    rng = np.random.default_rng(seed)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = EncoderClassifier(encoder, final_size, len(surnames.alphabet), len(surnames.languages))
    run = _train(model, steps, lr, steps, lambda: rng.integers(0, len(labels), batch_size),
                 lambda b: torch.nn.functional.cross_entropy(model(ids[b], lengths[b]), labels[b]),
                 lambda: classifier_accuracy(model, *surname_tensors("validation")))
    return run, classifier_accuracy(model, *surname_tensors("test"))


def _train(model, steps, lr, eval_every, batch, loss_of, score) -> Run:
    optimizer = AdamSteps(model, lr)
    run = Run(model)
    start = time.perf_counter()
    for step in range(1, steps + 1):
        model.train()
        optimizer.step(loss_of(torch.as_tensor(batch())))
        if step % eval_every == 0 or step == steps:
            model.eval()
            run.record(step, score())
    run.seconds = time.perf_counter() - start
    model.eval()
    return run


def classifier_accuracy(model, ids, lengths, labels) -> float:
    with torch.no_grad():
        return float((model(ids, lengths).argmax(-1) == labels).float().mean())


def boundary_scores(model, ids, labels) -> dict[str, float]:
    """Accuracy per letter, and precision, recall and F1 of "a word starts here" (the first letter of a window
    always starts something, so it is left out of the counts)."""
    with torch.no_grad():
        predicted = (model(ids) > 0)[:, 1:]
    return boundary_f1(predicted.numpy(), labels[:, 1:].numpy())


def boundary_f1(predicted, truth) -> dict[str, float]:
    predicted, truth = np.asarray(predicted, dtype=bool), np.asarray(truth, dtype=bool)
    hits = int((predicted & truth).sum())
    precision = hits / max(int(predicted.sum()), 1)
    recall = hits / max(int(truth.sum()), 1)
    f1 = 2 * hits / max(int(predicted.sum() + truth.sum()), 1)
    return {"accuracy": float((predicted == truth).mean()), "precision": precision, "recall": recall, "f1": f1}


def majority_accuracy(part: str = "test") -> float:
    """Always answering the training part's most frequent language."""
    _, _, train_labels = surname_tensors("train")
    _, _, labels = surname_tensors(part)
    common = collections.Counter(train_labels.tolist()).most_common(1)[0][0]
    return float((labels == common).float().mean())


def bag_of_characters_accuracy(part: str = "test") -> float:
    """The bag of characters (counts only, no order at all) fitted on the training part, scored on `part`."""
    surnames = surname_data()
    model = BagOfCharacters(surnames.alphabet, len(surnames.languages), pairs=False).fit(*surnames.subset("train"))
    names, labels = surnames.subset(part)
    return float((model.predict(names) == labels).mean())
