"""Lesson 08, grader side: the worked examples of the visible tests, with the correct outputs and those of the
named mistakes on them, written to the learner side's data file (utils/lesson08_attention/worked_examples.json):

    python -m utils.lesson08_attention.grader.worked_examples

The inputs are those the notebook's visible tests write out; `checks.worked_example` finds an example by them. The
Seq2Seq examples' weights are lesson08 checks.example_weights (seeded, by the documented names), loaded here into
the reference model.
"""

from __future__ import annotations

import types

import numpy as np
import torch

from utils import checks
from utils.lesson08_attention.checks import UNPACKED_STATE, example_model
from utils.lesson08_attention.grader import mistakes as catalogue
from utils.lesson08_attention.grader import reference
from utils.lesson08_attention.grader.checks import model_example

PACKAGE = "lesson08_attention"
SIZES = {"src_vocab": 12, "tgt_vocab": 9, "embed_size": 5, "hidden_size": 6}
DECODING = {"seed": 2, "eos_bias": 1.0, "scale": 2.0}  # the decoding tests' weights: some rows end early


def _arrays(value):
    if isinstance(value, dict):
        return {name: _arrays(item) for name, item in value.items()}
    if isinstance(value, (tuple, list)):
        return [_arrays(item) for item in value]
    return np.asarray(torch.as_tensor(value).detach().double()) if torch.is_tensor(value) else value


def attention(query, keys, values, mask, W_q, W_k, v) -> dict[str, np.ndarray]:
    context, weights = reference.additive_attention(query, keys, values, mask, W_q, W_k, v)
    return {"context": context, "weights": weights}


def _model(sizes, seed, eos_bias=0.0, scale=1.0, attention=True):
    return example_model(reference.Seq2Seq, sizes, seed, eos_bias=eos_bias, scale=scale, attention=attention)


def seq2seq(sizes, seed, src, src_lengths, tgt_in, attention) -> dict:
    example = model_example(_model(sizes, seed, attention=attention),
                            *(torch.as_tensor(a, dtype=torch.long) for a in (src, src_lengths, tgt_in)))
    return {name: _arrays(value) for name, value in example.items()
            if name not in ("src", "src_lengths", "tgt_in", "attention", "unpacked_state")}


def seq2seq_mistakes(sizes, seed, src, src_lengths, tgt_in, attention) -> dict:
    model = _model(sizes, seed, attention=attention)
    with torch.no_grad():
        outputs, _ = model.encoder(model.src_embed(torch.as_tensor(src, dtype=torch.long)))
    return {UNPACKED_STATE: {"state": _arrays(outputs[:, -1])}}


def _decoding(sizes, seed, eos_bias, scale, src, src_lengths):
    return _model(sizes, seed, eos_bias, scale), torch.as_tensor(src, dtype=torch.long), torch.as_tensor(src_lengths)


def greedy(sizes, seed, eos_bias, scale, src, src_lengths, max_len) -> np.ndarray:
    model, src, src_lengths = _decoding(sizes, seed, eos_bias, scale, src, src_lengths)
    return _arrays(reference.greedy_decode(model, src, src_lengths, max_len))


def greedy_mistakes(sizes, seed, eos_bias, scale, src, src_lengths, max_len) -> dict:
    model, src, src_lengths = _decoding(sizes, seed, eos_bias, scale, src, src_lengths)
    return _arrays(catalogue.greedy_decode(model, src, src_lengths, max_len))


def beam(sizes, seed, eos_bias, scale, src, src_lengths, beam_width, max_len) -> dict:
    model, src, src_lengths = _decoding(sizes, seed, eos_bias, scale, src, src_lengths)
    tokens, scores = reference.beam_search(model, src, src_lengths, beam_width, max_len)
    return {"tokens": _arrays(tokens), "scores": _arrays(scores)}


def beam_mistakes(sizes, seed, eos_bias, scale, src, src_lengths, beam_width, max_len) -> dict:
    model, src, src_lengths = _decoding(sizes, seed, eos_bias, scale, src, src_lengths)
    return {message: {"tokens": _arrays(tokens), "scores": _arrays(scores)}
            for message, (tokens, scores) in catalogue.beam_search(model, src, src_lengths, beam_width, max_len).items()}


def dot(query, keys, values, mask) -> dict[str, np.ndarray]:
    context, weights = reference.dot_attention(query, keys, values, mask)
    return {"context": context, "weights": weights}


def dot_mistakes(query, keys, values, mask) -> dict[str, dict]:
    right = dot(query, keys, values, mask)
    return {message: wrong for message, wrong in catalogue.dot_attention(query, keys, values, mask).items()
            if all(np.shape(array) == right[name].shape for name, array in wrong.items())}


def bleu_mistakes(candidates, references, max_n) -> dict[str, float]:
    return {message: wrong for message, wrong in catalogue.bleu(candidates, references, max_n).items()
            if wrong is not None}


def attention_mistakes(query, keys, values, mask, W_q, W_k, v) -> dict[str, dict]:
    """The catalogue's mistakes that can show on these inputs (summing the keys cannot where Hk != Hv)."""
    right = attention(query, keys, values, mask, W_q, W_k, v)
    return {message: wrong for message, wrong in catalogue.additive_attention(query, keys, values, mask, W_q, W_k, v).items()
            if all(np.shape(array) == right[name].shape for name, array in wrong.items())}


mistakes = types.SimpleNamespace(additive_attention=attention_mistakes, dot_attention=dot_mistakes,
                                 Seq2Seq=seq2seq_mistakes, greedy_decode=greedy_mistakes, beam_search=beam_mistakes,
                                 bleu=bleu_mistakes)


def bleu_cases() -> list[dict]:
    """The visible test's hand-worked BLEU examples (the expected values are worked out in the test cell)."""
    the = "the cat is on the mat".split()
    return [{"candidates": c, "references": r, "max_n": n} for c, r, n in [
        ([["the"] * 7], [[the, "there is a cat on the mat".split()]], 1),
        ([the], [[the]], 4),
        (["the cat is on the mat today".split()], [[the]], 1),
        ([the], [[the + ["today"], ["the", "cat"]]], 2),
        ([["the", "cat"]], [[the]], 2),
        ([list("abcd"), ["a", "x"]], [[list("abcd")], [["a", "y"]]], 2),
        ([list("2004-03-04")], [[list("2004-03-03")]], 4),
        ([list("abcdef")], [[list("abdcef")]], 4)]]


def attention_cases() -> list[dict]:
    """The visible test's random attention inputs: a square batch and one with every size different."""
    test_rng = np.random.default_rng(81)
    cases = []
    for B, S, Hq, Hk, Hv, A in [(2, 4, 4, 4, 4, 4), (3, 5, 3, 4, 2, 6)]:
        arrays = {"query": test_rng.normal(size=(B, Hq)), "keys": test_rng.normal(size=(B, S, Hk)),
                  "values": test_rng.normal(size=(B, S, Hv)),
                  "mask": np.arange(S) < test_rng.integers(1, S + 1, B)[:, None],
                  "W_q": test_rng.normal(size=(A, Hq)), "W_k": test_rng.normal(size=(A, Hk)), "v": test_rng.normal(size=A)}
        arrays["mask"][0, -1] = False
        cases.append(arrays)
    return cases


def examples() -> list[tuple[str, dict, object]]:
    """(mistake catalogue's name, inputs, reference) of every example the visible tests use."""
    worked = {"query": np.array([[0.5]]), "keys": np.array([[[0.5], [-0.5], [2.0]]]),
              "values": np.array([[[10.0], [20.0], [30.0]]]), "mask": np.array([[True, True, False]]),
              "W_q": np.array([[1.0]]), "W_k": np.array([[1.0]]), "v": np.array([1.0])}
    src = np.array([[3, 4, 5, 6, 7, 8], [9, 10, 11, 0, 0, 0], [4, 4, 0, 0, 0, 0], [5, 0, 0, 0, 0, 0]])
    lengths = np.array([6, 3, 2, 1])
    tgt_in = np.array([[1, 3, 4, 5], [1, 6, 7, 8], [1, 3, 3, 3]])
    dot_worked = {"query": np.array([[1.0, 0.0]]), "keys": np.array([[[1.0, 0.0], [0.0, 1.0], [3.0, 3.0]]]),
                  "values": np.array([[[10.0], [20.0], [30.0]]]), "mask": np.array([[True, True, False]])}
    dot_rng = np.random.default_rng(82)
    dot_random = {"query": dot_rng.normal(size=(3, 4)), "keys": dot_rng.normal(size=(3, 5, 4)),
                  "values": dot_rng.normal(size=(3, 5, 3)), "mask": np.arange(5) < np.array([[5], [2], [4]])}
    return [
        *[("additive_attention", inputs, attention) for inputs in (worked, *attention_cases())],
        ("dot_attention", dot_worked, None), ("dot_attention", dot_random, dot),
        *[("Seq2Seq", {"sizes": SIZES, "seed": 80, "src": src[:3], "src_lengths": lengths[:3], "tgt_in": tgt_in,
                       "attention": attention}, seq2seq) for attention in (True, False)],
        ("greedy_decode", {"sizes": SIZES, **DECODING, "src": src, "src_lengths": lengths,
                           "max_len": 7}, greedy),
        *[("beam_search", {"sizes": SIZES, **DECODING, "src": src[:3], "src_lengths": lengths[:3],
                           "beam_width": width, "max_len": 6}, beam) for width in (1, 3)],
        *[("bleu", inputs, None) for inputs in bleu_cases()],
    ]


if __name__ == "__main__":
    print(checks.write_worked_examples(PACKAGE, mistakes, examples()))
