"""Lesson 07's grader-side checks: sampled ids against softmax(logits / T) and a CharLM against the reference holding
its weights, each failure naming the likely mistake. The checks that give nothing away (ids, frequencies, BPTT
batches, the CharLM's layout, the training loop's losses) are learner side, in lesson07's checks; imported here too."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from utils.lesson07_language_models.checks import (  # noqa: F401 (the hidden tests import them from here too)
    as_array,
    call_training,
    check_bptt_batches,
    expect_char_lm_result,
    expect_charlm_weights,
    expect_frequencies,
    expect_ids,
    expect_losses,
    state_arrays,
)
from utils.lesson07_language_models.generation import probabilities
from utils.lesson07_language_models.grader.reference import charlm_reference


def sample_mistakes(logits, temperature: float) -> dict[str, np.ndarray]:
    """The probabilities a sampler draws with after each likely mistake, for one row `logits` at `temperature`."""
    row = np.array(logits, dtype=float)
    shifted = row - row.max()
    return {
        "you multiplied the logits by the temperature; divide them by it (high temperature flattens)":
            probabilities(shifted * temperature, 1.0),
        "your draws ignore the temperature: they follow softmax(logits)": probabilities(shifted, 1.0),
        "you always return the most likely id; draw at random from softmax(logits / temperature)":
            probabilities(row, 0.0),
        "every id comes up about equally often: weight the draw by the probabilities": np.full(len(row), 1.0 / len(row)),
    }


def expect_samples(samples, logits, temperature: float, what: str) -> None:
    """Assert that the ids `samples` (n draws from one row `logits` at `temperature`) are distributed like
    softmax(logits / temperature), within 5 standard deviations per id; name a likely mistake otherwise."""
    expect_frequencies(samples, probabilities(np.array(logits, dtype=float), temperature),
                       sample_mistakes(logits, temperature), what)


def char_lm_expected(state_dict: dict, cell: str, ids: torch.Tensor, state) -> tuple[np.ndarray, list, dict]:
    """What a CharLM holding `state_dict` must return on `ids` (and `state`): the logits, the new state as a list of
    arrays ([h] or [h, c]), and {message: the logits of a likely mistake} (None where it cannot show)."""
    weights = {name: torch.as_tensor(value).detach().clone() for name, value in state_dict.items()}
    reference_model = charlm_reference(weights, cell)
    with torch.no_grad():
        expected, expected_state = reference_model(ids, state)
        embedded = reference_model.embedding(ids)
        mistakes = {
            "you returned probabilities (a softmax); return the logits, the head's raw output": torch.softmax(
                expected, -1),
            "the LSTM/GRU must be built with batch_first=True (ids are (B, T))": None,
            "the head must read the recurrent outputs directly (no extra nonlinearity)":
                reference_model.head(torch.tanh(reference_model.rnn(embedded, state)[0])),
        }
        if state is not None:
            mistakes["your forward ignores the state it is given: pass it to the recurrent layer"] = reference_model(
                ids, None)[0]
        rnn = reference_model.rnn
        swapped = (nn.LSTM if cell == "lstm" else nn.GRU)(rnn.input_size, rnn.hidden_size, rnn.num_layers)
        swapped.load_state_dict(rnn.state_dict())
        if state is None:
            mistakes["the LSTM/GRU must be built with batch_first=True (ids are (B, T))"] = reference_model.head(
                swapped(embedded)[0])
    return (as_array(expected), state_arrays(expected_state, cell, "reference"),
            {message: (None if value is None else as_array(value)) for message, value in mistakes.items()})


def check_char_lm(model, cell: str, ids: torch.Tensor, state, what: str):
    """Run a learner's CharLM on `ids` (and `state`) and compare logits and new state with the course's model holding
    the same weights; name a likely mistake. Returns the learner's (logits, state)."""
    logits, states, mistakes = char_lm_expected(model.state_dict(), cell, ids, state)
    result = model(ids, state)
    given = None if state is None else state_arrays(state, cell, "the given state")
    return expect_char_lm_result(result, logits, states, cell, given, mistakes, what)
