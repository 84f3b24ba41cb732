"""Lesson 07's test-cell checks: sampled ids against softmax(logits / T), BPTT batches, a CharLM against the
reference holding its weights, and the training loop's losses. Each failure names the likely mistake."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from utils import checks
from utils.lesson07_language_models.generation import probabilities
from utils.lesson07_language_models.grader.reference import charlm_reference


def expect_ids(samples, shape, vocab_size: int, what: str) -> np.ndarray:
    """`samples` as an int64 array of `shape` holding ids in 0..vocab_size-1; otherwise a clear AssertionError."""
    if samples is None:
        raise AssertionError(f"{what} returned None: did you forget the `return` statement?")
    array = np.asarray(samples)
    if array.dtype.kind == "f" and array.size and np.all(np.isfinite(array)) and np.all(array == np.round(array)):
        array = array.astype(np.int64)
    if array.dtype.kind not in "iu":
        raise AssertionError(f"{what} returned {array.dtype} values; expected integer ids (did you return the "
                             "probabilities instead of a draw?)")
    if array.shape != tuple(shape):
        raise AssertionError(f"{what} returned shape {array.shape}; expected {tuple(shape)} (one id per row of logits)")
    if array.size and (array.min() < 0 or array.max() >= vocab_size):
        raise AssertionError(f"{what} returned ids outside 0..{vocab_size - 1}")
    return array.astype(np.int64)


def _frequencies_match(freq: np.ndarray, p: np.ndarray, n: int) -> bool:
    return bool((np.abs(freq - p) <= 5 * np.sqrt(p * (1 - p) / n) + 2e-3).all())


def expect_samples(samples, logits, temperature: float, what: str) -> None:
    """Assert that the ids `samples` (n draws from one row `logits` at `temperature`) are distributed like
    softmax(logits / temperature), within 5 standard deviations per id; name a likely mistake otherwise."""
    row = np.array(logits, dtype=float)
    n, size = len(np.asarray(samples)), len(row)
    samples = expect_ids(samples, (n,), size, what)
    freq = np.bincount(samples, minlength=size) / n
    expected = probabilities(row, temperature)
    if _frequencies_match(freq, expected, n):
        return
    shifted = row - row.max()
    candidates = {
        "you multiplied the logits by the temperature; divide them by it (high temperature flattens)":
            probabilities(shifted * temperature, 1.0),
        "your draws ignore the temperature: they follow softmax(logits)": probabilities(shifted, 1.0),
        "you always return the most likely id; draw at random from softmax(logits / temperature)":
            probabilities(row, 0.0),
        "every id comes up about equally often: weight the draw by the probabilities": np.full(size, 1.0 / size),
    }
    for message, wrong in candidates.items():
        if not _frequencies_match(wrong, expected, n) and _frequencies_match(freq, wrong, n):
            raise AssertionError(f"{what}: {message}")
    worst = int(np.abs(freq - expected).argmax())
    raise AssertionError(f"{what}: id {worst} was drawn with frequency {freq[worst]:.3f}, but softmax(logits / "
                         f"temperature) gives it {expected[worst]:.3f} (over {n} draws)")


def check_bptt_batches(batches, expected: list, what: str) -> None:
    """Compare a learner's batches with the expected list of (inputs, targets) and say what is wrong."""
    if not isinstance(batches, (list, tuple)):
        raise AssertionError(f"{what} returned {type(batches).__name__}; expected a list of (inputs, targets) pairs")
    for k, (pair, (inputs, targets)) in enumerate(zip(batches, expected, strict=False)):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise AssertionError(f"{what}: batch {k} is not a pair (inputs, targets)")
        got_x, got_y = (np.asarray(a) for a in pair)
        if got_x.shape != inputs.shape or got_y.shape != targets.shape:
            hint = " (batch first: rows are streams, columns are time)" if got_x.shape == inputs.shape[::-1] else ""
            raise AssertionError(f"{what}: batch {k} has inputs of shape {got_x.shape} and targets of shape "
                                 f"{got_y.shape}; expected {inputs.shape}{hint}")
        if got_x.dtype.kind not in "iu" or got_y.dtype.kind not in "iu":
            raise AssertionError(f"{what}: batch {k} holds {got_x.dtype} / {got_y.dtype}; keep the integer ids")
        if np.array_equal(got_y, got_x):
            raise AssertionError(f"{what}: in batch {k} the targets equal the inputs, so the answer leaks into the "
                                 "input: the target at each position is the NEXT id")
        if not np.array_equal(got_x, inputs):
            if np.array_equal(got_x, targets) or np.array_equal(got_y[:, 1:], got_x[:, :-1]):
                raise AssertionError(f"{what}: batch {k} is shifted the wrong way: the inputs start at ids[b * L] "
                                     "and each target is the id AFTER its input")
            if k == 0:
                raise AssertionError(f"{what}: batch 0 has inputs {got_x.tolist()}; expected {inputs.tolist()}: "
                                     "each row must be one contiguous stream, L = (len(ids) - 1) // batch_size "
                                     "long, row b starting at ids[b * L]")
            raise AssertionError(f"{what}: batch {k} does not continue batch {k - 1} row by row: its inputs "
                                 f"start with {got_x[:, 0].tolist()}, expected {inputs[:, 0].tolist()}")
        if not np.array_equal(got_y, targets):
            raise AssertionError(f"{what}: the targets of batch {k} are {got_y.tolist()}; expected "
                                 f"{targets.tolist()} (each target is the id after its input)")
    if len(batches) != len(expected):
        raise AssertionError(f"{what} returned {len(batches)} batches; expected {len(expected)} (the last one may be "
                             "shorter: it holds what is left of each stream)")


def expect_charlm_weights(state_dict, vocab_size, embed_size, hidden_size, num_layers, cell, what) -> None:
    """The parameter names and shapes of a CharLM: embedding, rnn (torch's LSTM or GRU), head."""
    if not isinstance(state_dict, dict):
        raise AssertionError(f"{what}: state_dict() did not return a dict of tensors")
    gates = 4 if cell == "lstm" else 3
    wanted = {"embedding.weight": (vocab_size, embed_size), "head.weight": (vocab_size, hidden_size),
              "head.bias": (vocab_size,)}
    for layer in range(num_layers):
        wanted[f"rnn.weight_ih_l{layer}"] = (gates * hidden_size, embed_size if layer == 0 else hidden_size)
        wanted[f"rnn.weight_hh_l{layer}"] = (gates * hidden_size, hidden_size)
        wanted[f"rnn.bias_ih_l{layer}"] = (gates * hidden_size,)
        wanted[f"rnn.bias_hh_l{layer}"] = (gates * hidden_size,)
    missing = sorted(set(wanted) - set(state_dict))
    extra = sorted(set(state_dict) - set(wanted))
    if missing or extra:
        raise AssertionError(f"{what}: the parameters must be named like {sorted(wanted)} (attributes embedding, rnn "
                             f"= nn.{'LSTM' if cell == 'lstm' else 'GRU'} with {num_layers} layer(s), head); missing "
                             f"{missing}, unexpected {extra}")
    for name, shape in wanted.items():
        if tuple(state_dict[name].shape) != shape:
            hint = ""
            if name.startswith("rnn.weight_hh") and state_dict[name].shape[0] != shape[0]:
                hint = f" (is it an nn.{'LSTM' if cell == 'lstm' else 'GRU'}? cell={cell!r} was asked for)"
            raise AssertionError(f"{what}: {name} has shape {tuple(state_dict[name].shape)}; expected {shape}{hint}")


def _as_array(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().double().numpy()
    return np.asarray(value, dtype=np.float64)


def _state_arrays(state, cell: str, what: str) -> list[np.ndarray]:
    if cell == "lstm":
        if not isinstance(state, (tuple, list)) or len(state) != 2:
            raise AssertionError(f"{what}: an LSTM's state is the pair (h, c) that nn.LSTM returns")
        return [_as_array(s) for s in state]
    if isinstance(state, (tuple, list)):
        raise AssertionError(f"{what}: a GRU's state is one tensor h, as nn.GRU returns it")
    return [_as_array(state)]


def check_char_lm(model, cell: str, ids: torch.Tensor, state, what: str):
    """Run a learner's CharLM on `ids` (and `state`) and compare logits and new state with the course's model holding
    the same weights; name a likely mistake. Returns the learner's (logits, state)."""
    weights = {name: torch.as_tensor(value).clone() for name, value in model.state_dict().items()}
    reference_model = charlm_reference(weights, cell)
    result = model(ids, state)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(f"{what}: forward must return a pair (logits, state)")
    logits, new_state = result
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
    checks.expect_close(_as_array(logits), expected.double().numpy(), f"{what}, logits",
                        {m: (None if v is None else v.double().numpy()) for m, v in mistakes.items()},
                        rtol=1e-4, atol=1e-5)
    got = _state_arrays(new_state, cell, f"{what}, returned state")
    given = None if state is None else _state_arrays(state, cell, "the given state")
    for index, (value, target) in enumerate(zip(got, _state_arrays(expected_state, cell, "reference"), strict=True)):
        stale = np.zeros_like(target) if given is None else given[index]
        checks.expect_close(value, target, f"{what}, returned state {'hc'[index]}",
                            {"you returned the state you were given (or zeros), not the new one": stale},
                            rtol=1e-4, atol=1e-5)
    return logits, new_state


def call_training(train, *args):
    """Call the learner's training loop; turn the error of a state that was not detached into a clear message."""
    try:
        return train(*args)
    except Exception as error:
        if "backward through the graph a second time" in str(error):
            raise AssertionError("train_language_model tried to backpropagate into the previous batch: detach the "
                                 "state after each step (state.detach(), or each of an LSTM's (h, c))") from None
        raise


def expect_losses(losses, steps: int, what: str) -> np.ndarray:
    """A list of `steps` finite losses (floats)."""
    if losses is None:
        raise AssertionError(f"{what} returned None: return the list of losses, one per step")
    try:
        array = np.array([float(loss) for loss in losses])
    except (TypeError, ValueError):
        raise AssertionError(f"{what} must return a list of numbers (loss.item() at each step)") from None
    if array.shape != (steps,):
        raise AssertionError(f"{what} returned {len(array)} losses; expected one per step, {steps}")
    if not np.isfinite(array).all():
        raise AssertionError(f"{what}: a loss is NaN or infinite")
    return array
