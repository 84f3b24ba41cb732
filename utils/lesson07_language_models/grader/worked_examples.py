"""Lesson 07, grader side: the worked examples of the visible tests, with the correct outputs and those of the
named mistakes on them, written to the learner side's data file (utils/lesson07_language_models/worked_examples.json):

    python -m utils.lesson07_language_models.grader.worked_examples

The inputs are those the notebook's visible tests write out; `checks.worked_example` finds an example by them.
sample_with_temperature's examples hold the probabilities the draws must follow (and those of the likely mistakes);
the CharLM example's weights are `models.seeded_weights` of the CharLM layout, drawn from its `seed`.
"""

from __future__ import annotations

import math
import types

import numpy as np
import torch

from utils import checks
from utils.lesson07_language_models.checks import charlm_layout
from utils.lesson07_language_models.generation import probabilities
from utils.lesson07_language_models.grader import mistakes as catalogue
from utils.lesson07_language_models.grader.checks import char_lm_expected, sample_mistakes
from utils.models import seeded_weights

PACKAGE = "lesson07_language_models"


def _char_lm(vocab_size, embed_size, hidden_size, num_layers, cell, ids, seed):
    weights = seeded_weights(charlm_layout(vocab_size, embed_size, hidden_size, num_layers, cell), seed)
    return char_lm_expected({name: torch.as_tensor(value, dtype=torch.float32) for name, value in weights.items()},
                            cell, torch.as_tensor(ids, dtype=torch.long), None)


def char_lm(vocab_size, embed_size, hidden_size, num_layers, cell, ids, seed) -> dict[str, np.ndarray]:
    logits, states, _ = _char_lm(vocab_size, embed_size, hidden_size, num_layers, cell, ids, seed)
    return {"logits": logits, **dict(zip("hc", states, strict=False))}


def char_lm_mistakes(vocab_size, embed_size, hidden_size, num_layers, cell, ids, seed) -> dict[str, dict]:
    _, _, wrong = _char_lm(vocab_size, embed_size, hidden_size, num_layers, cell, ids, seed)
    return {message: {"logits": logits} for message, logits in wrong.items() if logits is not None}


def perplexity_mistakes(nll) -> dict[str, np.ndarray]:
    return {message: np.asarray(value) for message, value in catalogue.perplexity(nll).items()}  # stored as arrays


mistakes = types.SimpleNamespace(perplexity=perplexity_mistakes, sample_with_temperature=sample_mistakes,
                                 CharLM=char_lm_mistakes)


def examples() -> list[tuple[str, dict, object]]:
    """(mistake catalogue's name, inputs, reference) of every example the visible tests use."""
    row = np.array([2.0, 1.0, 0.5, -1.0])

    def perplexity(nll):
        return np.asarray(np.exp(np.mean(nll)))

    return [
        ("perplexity", {"nll": math.log(4.0)}, perplexity),
        ("perplexity", {"nll": np.array([[0.0, 2 * math.log(3.0)], [math.log(3.0), math.log(3.0)]])}, perplexity),
        *[("sample_with_temperature", {"logits": row, "temperature": temperature}, probabilities)
          for temperature in (1.0, 2.0, 0.5)],
        ("CharLM", {"vocab_size": 11, "embed_size": 5, "hidden_size": 7, "num_layers": 1, "cell": "lstm",
                    "ids": np.array([[1, 2, 3, 4], [5, 6, 7, 8]]), "seed": 70}, char_lm),
    ]


if __name__ == "__main__":
    print(checks.write_worked_examples(PACKAGE, mistakes, examples()))
