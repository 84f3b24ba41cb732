"""Lesson 07's test-cell checks that give nothing away: sampled ids and their frequencies against a given
distribution, BPTT batches against the expected ones, a CharLM's parameter names and shapes, a CharLM run on a worked
example whose correct outputs are stored data (worked_examples.json, written by the grader side), and the training
loop's contract. Each failure names the likely mistake; what is right comes from the caller, never from here."""

from __future__ import annotations

import numpy as np
import torch

from utils import checks
from utils.models import seeded_weights

PACKAGE = "lesson07_language_models"


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


def frequencies_match(freq: np.ndarray, p: np.ndarray, n: int) -> bool:
    """Every frequency of n draws within 5 standard deviations (plus 2e-3) of its probability p."""
    return bool((np.abs(freq - p) <= 5 * np.sqrt(p * (1 - p) / n) + 2e-3).all())


def expect_frequencies(samples, expected: np.ndarray, mistakes: dict, what: str) -> None:
    """Assert the ids `samples` (n draws of one distribution) come up with the probabilities `expected`; name one of
    `mistakes` ({message: the probabilities that mistake draws with}) when the draws follow it instead."""
    expected = np.asarray(expected, dtype=np.float64)
    n = len(np.asarray(samples))
    samples = expect_ids(samples, (n,), len(expected), what)
    freq = np.bincount(samples, minlength=len(expected)) / n
    if frequencies_match(freq, expected, n):
        return
    for message, wrong in mistakes.items():
        if not frequencies_match(wrong, expected, n) and frequencies_match(freq, wrong, n):
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


def charlm_layout(vocab_size, embed_size, hidden_size, num_layers, cell) -> dict[str, tuple]:
    """{parameter name: shape} of a CharLM: embedding, rnn (torch's LSTM or GRU), head (the contract)."""
    gates = 4 if cell == "lstm" else 3
    wanted = {"embedding.weight": (vocab_size, embed_size), "head.weight": (vocab_size, hidden_size),
              "head.bias": (vocab_size,)}
    for layer in range(num_layers):
        wanted[f"rnn.weight_ih_l{layer}"] = (gates * hidden_size, embed_size if layer == 0 else hidden_size)
        wanted[f"rnn.weight_hh_l{layer}"] = (gates * hidden_size, hidden_size)
        wanted[f"rnn.bias_ih_l{layer}"] = (gates * hidden_size,)
        wanted[f"rnn.bias_hh_l{layer}"] = (gates * hidden_size,)
    return wanted


def expect_charlm_weights(state_dict, vocab_size, embed_size, hidden_size, num_layers, cell, what) -> None:
    """The parameter names and shapes of a CharLM: embedding, rnn (torch's LSTM or GRU), head."""
    if not isinstance(state_dict, dict):
        raise AssertionError(f"{what}: state_dict() did not return a dict of tensors")
    wanted = charlm_layout(vocab_size, embed_size, hidden_size, num_layers, cell)
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


def as_array(value) -> np.ndarray:
    """A tensor (detached) or array-like as a float64 array."""
    if isinstance(value, torch.Tensor):
        return value.detach().double().numpy()
    return np.asarray(value, dtype=np.float64)


def state_arrays(state, cell: str, what: str) -> list[np.ndarray]:
    """An LSTM's (h, c) or a GRU's h as a list of float64 arrays; a clear AssertionError for the wrong form."""
    if cell == "lstm":
        if not isinstance(state, (tuple, list)) or len(state) != 2:
            raise AssertionError(f"{what}: an LSTM's state is the pair (h, c) that nn.LSTM returns")
        return [as_array(s) for s in state]
    if isinstance(state, (tuple, list)):
        raise AssertionError(f"{what}: a GRU's state is one tensor h, as nn.GRU returns it")
    return [as_array(state)]


def expect_char_lm_result(result, logits, states: list, cell: str, given, mistakes: dict, what: str):
    """Compare a CharLM's forward result (logits, state) with the right `logits` and `states` ([h] or [h, c]);
    `mistakes` {message: wrong logits}; `given` the state passed in (None: zeros), which a stale state repeats."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(f"{what}: forward must return a pair (logits, state)")
    checks.expect_close(as_array(result[0]), logits, f"{what}, logits", mistakes, rtol=1e-4, atol=1e-5)
    got = state_arrays(result[1], cell, f"{what}, returned state")
    for index, (value, target) in enumerate(zip(got, states, strict=True)):
        stale = np.zeros_like(target) if given is None else given[index]
        checks.expect_close(value, target, f"{what}, returned state {'hc'[index]}",
                            {"you returned the state you were given (or zeros), not the new one": stale},
                            rtol=1e-4, atol=1e-5)
    return result


def check_char_lm_example(model, vocab_size, embed_size, hidden_size, num_layers, cell, ids, seed, what):
    """Give the learner's CharLM (of these sizes) the worked example's weights (models.seeded_weights of the CharLM
    layout, from `seed`) and compare its (logits, state) on `ids` with the stored correct ones, naming a stored
    mistake that matches. Returns the learner's (logits, state)."""
    example = checks.worked_example(PACKAGE, "CharLM", vocab_size, embed_size, hidden_size, num_layers, cell,
                                    ids, seed)
    weights = seeded_weights(charlm_layout(vocab_size, embed_size, hidden_size, num_layers, cell), seed)
    model.load_state_dict({name: torch.as_tensor(value, dtype=torch.float32) for name, value in weights.items()})
    result = model(torch.as_tensor(ids, dtype=torch.long), None)
    states = [example.expected[name] for name in ("h", "c")[: 2 if cell == "lstm" else 1]]
    return expect_char_lm_result(result, example.expected["logits"], states, cell, None,
                                 {message: wrong.get("logits") for message, wrong in example.mistakes.items()}, what)


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
