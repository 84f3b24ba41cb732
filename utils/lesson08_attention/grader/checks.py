"""Lesson 08's test-cell checks: ValueError on a row with nothing to attend to, attention weights, the Seq2Seq
contract against the reference holding the same weights, decoded tokens and beam results. Each failure names
the likely mistake."""

from __future__ import annotations

import numpy as np
import torch

from utils import checks
from utils.lesson08_attention.grader import mistakes
from utils.models import valid_mask


def expect_value_error(function, args, what: str) -> None:
    """Assert function(*args) raises ValueError (in a kernel; or, graded, the learner's process reports one)."""
    try:
        function(*args)
    except Exception as error:  # the learner's exception, or the grader's report of it
        if isinstance(error, ValueError) or "raised ValueError" in str(error):
            return
        raise AssertionError(f"{what} raised {type(error).__name__} ({str(error)[:120]}); raise ValueError with a "
                             "clear message instead") from None
    raise AssertionError(f"{what} returned a result although a row of mask has no valid position: raise ValueError "
                         "(softmax over nothing is undefined)")


def expect_attention_weights(weights, mask, what: str, tolerance: float = 1e-9) -> np.ndarray:
    """Assert attention weights (B, S) are >= 0, exactly 0 where mask is False, and sum to 1 in every row
    (to `tolerance`: 1e-9 in float64, about 1e-6 for a float32 model)."""
    mask = np.array(mask, dtype=bool)
    weights = checks.expect_array(weights, mask.shape, what)
    if (weights[~mask] != 0).any():
        largest = float(np.abs(weights[~mask]).max())
        raise AssertionError(f"{what}: masked (padding) positions must get exactly zero weight; yours get up to "
                             f"{largest:.3g} (a large negative number added to a score is not enough: use -inf, "
                             "or set the weights to 0 and renormalise)")
    if (weights < 0).any():
        raise AssertionError(f"{what}: attention weights must be >= 0 (a softmax); yours has {weights.min():.3g}")
    sums = weights.sum(axis=1)
    if (np.abs(sums - 1) > tolerance).any():
        raise AssertionError(f"{what}: the weights of each row must sum to 1 over the valid positions; yours sum to "
                             f"{np.round(sums, 4).tolist()[:4]} (zeroing masked weights after the softmax needs a "
                             "renormalisation)")
    return weights


def expect_same_layout(actual: dict, expected: dict, what: str) -> None:
    """Assert two state_dicts have the same names and shapes (the documented layout)."""
    if not isinstance(actual, dict):
        raise AssertionError(f"{what}.state_dict() returned {type(actual).__name__}, not a dict")
    missing, extra = sorted(set(expected) - set(actual)), sorted(set(actual) - set(expected))
    if missing or extra:
        raise AssertionError(f"{what}: the parameters must keep the documented names; missing {missing}, "
                             f"unexpected {extra}")
    for name, tensor in expected.items():
        if tuple(np.shape(actual[name])) != tuple(tensor.shape):
            raise AssertionError(f"{what}: {name} has shape {tuple(np.shape(actual[name]))}, expected "
                                 f"{tuple(tensor.shape)}")


def _close_tensor(actual, expected, what: str, atol=2e-5, rtol=1e-4, mistakes: dict | None = None) -> None:
    expected = np.asarray(torch.as_tensor(expected).detach().double())
    if actual is None:
        raise AssertionError(f"{what} is None: did you forget a `return`?")
    actual = np.asarray(torch.as_tensor(actual).detach().double()) if torch.is_tensor(actual) else actual
    checks.expect_close(actual, expected, what, mistakes=mistakes, rtol=rtol, atol=atol)


def _unpacked_state(model, src) -> torch.Tensor:
    """The encoder's state after the whole padded row: what ignoring src_lengths gives."""
    outputs, _ = model.encoder(model.src_embed(src))
    return outputs[:, -1]


def expect_model_matches(model, reference_model, src, src_lengths, tgt_in, what: str) -> None:
    """The learner's model (weights loaded from reference_model) against the reference: encode (valid positions),
    one decode_step, and forward under teacher forcing. float32 tolerances."""
    mask = valid_mask(src_lengths, src.shape[1])
    with torch.no_grad():
        memory, state = reference_model.encode(src, src_lengths)
        result = model.encode(src, src_lengths)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise AssertionError(f"{what}.encode must return (memory, state); got {type(result).__name__}")
        mine_memory, mine_state = result
        if tuple(np.shape(mine_memory)) != tuple(memory.shape):
            raise AssertionError(f"{what}.encode: memory has shape {tuple(np.shape(mine_memory))}, expected "
                                 f"{tuple(memory.shape)} (B, S, H)")
        valid = mask[:, :, None].expand_as(memory).numpy()
        _close_tensor(np.where(valid, np.asarray(torch.as_tensor(mine_memory).detach().double()), 0.0),
                      memory * mask[:, :, None], f"{what}.encode, memory at the valid positions")
        _close_tensor(mine_state, state, f"{what}.encode, state", mistakes={
            "your state is the encoder's state after the padding: the decoder must start from the state after the "
            "last VALID position (use src_lengths, e.g. pack_padded_sequence)": _unpacked_state(reference_model, src),
        })
        token = tgt_in[:, 0]
        logits, new_state, weights = reference_model.decode_step(token, state, memory, mask)
        result = model.decode_step(token, state, memory, mask)
        if not isinstance(result, (tuple, list)) or len(result) != 3:
            raise AssertionError(f"{what}.decode_step must return (logits, state, weights)")
        if reference_model.attention:
            if result[2] is None:
                raise AssertionError(f"{what}.decode_step returned weights None; with attention return the (B, S) "
                                     "attention weights")
            expect_attention_weights(np.asarray(torch.as_tensor(result[2]).detach().double()), mask.numpy(),
                                     f"{what}.decode_step, weights", tolerance=1e-5)
            _close_tensor(result[2], weights, f"{what}.decode_step, weights")
        _close_tensor(result[1], new_state, f"{what}.decode_step, new state")
        _close_tensor(result[0], logits, f"{what}.decode_step, logits")
        expected = reference_model(src, src_lengths, tgt_in)
        _close_tensor(model(src, src_lengths, tgt_in), expected, f"{what}.forward (teacher forcing), logits")


def expect_tokens(actual, expected, what: str, mistakes=None) -> np.ndarray:
    """Assert decoded tokens equal `expected` (B, T); `mistakes` (a callable giving {message: tokens}) is only
    evaluated on a mismatch, to name the mistake."""
    expected = np.asarray(expected)
    if actual is None:
        raise AssertionError(f"{what} returned None: did you forget the `return` statement?")
    array = np.asarray(actual.detach() if torch.is_tensor(actual) else actual)
    if array.shape != expected.shape:
        raise AssertionError(f"{what} returned shape {array.shape}; expected {expected.shape} (B, max_len): one "
                             "position per decoding step, max_len steps")
    if array.dtype.kind not in "iu":
        raise AssertionError(f"{what} must return token ids (integers); got dtype {array.dtype}")
    if (array == expected).all():
        return array
    for message, wrong in (mistakes() if mistakes else {}).items():
        if wrong is None:
            continue
        wrong = np.asarray(wrong)
        if wrong.shape == array.shape and (wrong == array).all() and not (wrong == expected).all():
            raise AssertionError(f"{what}: {message}")
    row = int(np.argwhere((array != expected).any(axis=1))[0, 0])
    raise AssertionError(f"{what}: row {row} is {array[row].tolist()}, expected {expected[row].tolist()}")


def expect_beam(result, model, src, src_lengths, beam_width: int, max_len: int, what: str) -> None:
    """Assert a learner's beam_search result equals the reference beam search on the same model (tokens exactly,
    scores to 1e-4); name a known mistake when the result matches one."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(f"{what} must return a pair (tokens, scores); got {type(result).__name__}")
    tokens, scores = mistakes.beam_variant(model, src, src_lengths, beam_width, max_len)

    def wrong_tokens():
        return {message: wrong[0] for message, wrong in mistakes.beam_search(model, src, src_lengths, beam_width,
                                                                              max_len).items()}

    expect_tokens(result[0], tokens, f"{what}, tokens", wrong_tokens)
    mine = result[1].detach() if torch.is_tensor(result[1]) else result[1]
    try:
        mine = np.asarray(mine, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"{what}: scores must be numbers, one per example; got {type(result[1]).__name__}") \
            from None
    wrong_scores = {message: wrong[1].numpy() for message, wrong in mistakes.beam_search(
        model, src, src_lengths, beam_width, max_len).items()} if not _scores_close(mine, scores) else {}
    checks.expect_close(mine, scores.numpy(), f"{what}, scores (summed log-probabilities)", mistakes=wrong_scores,
                        rtol=1e-5, atol=1e-4)


def _scores_close(mine: np.ndarray, scores: torch.Tensor) -> bool:
    return mine.shape == tuple(scores.shape) and bool((np.abs(mine - scores.numpy()) <= 1e-4 + 1e-5 *
                                                      np.abs(scores.numpy())).all())
