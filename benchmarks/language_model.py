"""Print lesson 07's figures: the character model of CPython's help text against its baselines, the time of the
notebook's live training run, exposure bias, and the conditioned surname generator.

    ./course python benchmarks/language_model.py            # the committed checkpoint's figures, measured again
    ./course python benchmarks/language_model.py --retrain  # also time a full retraining (about ten minutes)

One torch thread, as in the lesson.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from utils import data  # noqa: E402
from utils.lesson07_language_models import corpora, generation, pretrained, training  # noqa: E402
from utils.lesson07_language_models.grader.reference import LanguageModel  # noqa: E402


def torch_sampler(logits, temperature, rng):
    """Draw from softmax(logits / temperature) with torch (seeded from rng): the benchmark's own sampler."""
    generator = torch.Generator().manual_seed(int(rng.integers(2**62)))
    probabilities = torch.softmax(torch.as_tensor(logits) / temperature, dim=-1)
    return torch.multinomial(probabilities, 1, generator=generator)[:, 0].numpy()


def docs_rows() -> list[str]:
    corpus = corpora.docs_corpus()
    results = pretrained.docs_results()
    model = pretrained.docs_model(LanguageModel)
    started = time.perf_counter()
    validation = training.bits(training.stream_nll(model, corpus.validation))
    seconds = time.perf_counter() - started
    test = training.bits(training.stream_nll(model, corpus.test))
    unigram, bigram = results["baselines"]["unigram"], results["baselines"]["bigram"]
    return [
        f"| character LSTM H=256 ({results['parameters']:,} parameters), CPython pydoc text: validation / test "
        f"bits per char (perplexity) | {validation:.3f} / {test:.3f} ({2 ** validation:.2f}); unigram "
        f"{unigram['validation']:.3f} / {unigram['test']:.3f}, bigram {bigram['validation']:.3f} / "
        f"{bigram['test']:.3f}; trained in {results['seconds']:.0f} s; evaluating 23k chars {seconds:.1f} s | "
        f"< 2.5 bits (unigram ~4.7) |",
    ]


def live_training_row(steps: int = 120) -> str:
    """The notebook's live run (H = 128, 32 x 64 batches, 120 Adam steps) with the course's model and random windows."""
    corpus = corpora.docs_corpus()
    torch.manual_seed(0)
    model = LanguageModel(corpora.VOCAB_SIZE, 32, 128)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    train = torch.as_tensor(corpus.train[:120_000])
    started = time.perf_counter()
    for _ in range(steps):
        offsets = torch.randint(0, len(train) - 65, (32,))
        windows = train[offsets[:, None] + torch.arange(65)]
        logits, _ = model(windows[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, corpora.VOCAB_SIZE), windows[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    seconds = time.perf_counter() - started
    bits = training.bits(training.stream_nll(model, corpus.validation))
    return (f"| lesson 07 live run: CharLM H=128, {steps} steps of 32 x 64 characters | {seconds:.1f} s "
            f"({1000 * seconds / steps:.0f} ms / step), validation {bits:.2f} bits/char | fits Run All <= 60 s |")


def exposure_row() -> str:
    curves = generation.exposure_bias(pretrained.docs_model(LanguageModel), corpora.docs_corpus().validation)
    forced, free = curves["teacher_forced"] / math.log(2), curves["free_running"] / math.log(2)
    return (f"| exposure bias (200 prompts, 60 steps): loss on the true character, teacher forced / free running | "
            f"steps 1-5: {forced[:5].mean():.2f} / {free[:5].mean():.2f} bits; steps 41-60: {forced[40:].mean():.2f}"
            f" / {free[40:].mean():.2f} bits | free running grows |")


def surname_row(per_language: int = 50, temperature: float = 0.7) -> str:
    names = data.surnames()
    vocab = corpora.SurnameVocab(names.alphabet)
    judge = pretrained.classifier()
    intended = np.repeat(np.arange(len(names.languages)), per_language)
    rates = {}
    rng = np.random.default_rng(0)
    for kind in ("conditioned", "unconditioned"):
        conditions = intended if kind == "conditioned" else np.zeros_like(intended)
        generated = generation.generate_surnames(pretrained.surname_model(kind, LanguageModel), vocab, conditions,
                                                 torch_sampler, temperature, rng)
        rates[kind] = float((judge.predict(generated) == intended).mean())
    return (f"| surnames by language (12), GRU H=64, T={temperature}: intended language recognised by a "
            f"bag-of-characters classifier, conditioned / unconditioned | {rates['conditioned']:.0%} / "
            f"{rates['unconditioned']:.0%} (classifier on real test names "
            f"{pretrained.classifier_accuracy():.0%}, uniform guess {1 / 12:.0%}) | conditioned >> chance |")


def table_rows(retrain: bool = False) -> list[str]:
    torch.set_num_threads(1)
    rows = docs_rows() + [live_training_row(), exposure_row(), surname_row()]
    if retrain:
        started = time.perf_counter()
        run = training.train_docs_model(LanguageModel, **pretrained.DOCS)
        rows.append(f"| retraining the committed model | {time.perf_counter() - started:.0f} s, validation "
                    f"{run.scores[-1]:.3f} bits/char | |")
    for row in rows:
        print(row, flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retrain", action="store_true", help="also time retraining the committed model")
    table_rows(parser.parse_args().retrain)


if __name__ == "__main__":
    main()
