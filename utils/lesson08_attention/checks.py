"""Lesson 08's test-cell checks that give nothing away: ValueError on a row with nothing to attend to, the properties
of attention weights, a state_dict's layout, and a learner's Seq2Seq, greedy_decode and beam_search compared with
results the caller gives (stored worked examples, utils.checks.worked_examples, or the grader's references). Each
failure names the likely mistake; nothing here computes a right answer."""

from __future__ import annotations

import functools

import numpy as np
import torch

from utils import checks
from utils.lesson08_attention.dates import EOS
from utils.models import seeded_weights, valid_mask


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
    """Assert two state_dicts (or {name: array}) have the same names and shapes (the documented layout)."""
    if not isinstance(actual, dict):
        raise AssertionError(f"{what}.state_dict() returned {type(actual).__name__}, not a dict")
    missing, extra = sorted(set(expected) - set(actual)), sorted(set(actual) - set(expected))
    if missing or extra:
        raise AssertionError(f"{what}: the parameters must keep the documented names; missing {missing}, "
                             f"unexpected {extra}")
    for name, tensor in expected.items():
        if tuple(np.shape(actual[name])) != tuple(np.shape(tensor)):
            raise AssertionError(f"{what}: {name} has shape {tuple(np.shape(actual[name]))}, expected "
                                 f"{tuple(np.shape(tensor))}")


def _float64(value) -> np.ndarray:
    return np.asarray(torch.as_tensor(value).detach().double()) if torch.is_tensor(value) else value


def close_tensor(actual, expected, what: str, atol=2e-5, rtol=1e-4, mistakes: dict | None = None) -> None:
    """expect_close for tensors or arrays, with float32 tolerances."""
    if actual is None:
        raise AssertionError(f"{what} is None: did you forget a `return`?")
    checks.expect_close(_float64(actual), np.asarray(_float64(expected), dtype=np.float64), what, mistakes=mistakes,
                        rtol=rtol, atol=atol)


AVERAGED_CONTEXT = ("without attention the fixed context is the encoder's LAST VALID state, with weights one-hot at "
                    "position src_lengths - 1; yours spreads them over the valid positions (an average of the states)")
FREE_RUNNING = ("with teacher_forcing=0.0 the decoder must read its own most probable token of the previous step at "
                "every step after BOS (free running)")

UNPACKED_STATE = ("your state is the encoder's state after the padding: the decoder must start from the state after "
                  "the last VALID position (use src_lengths, e.g. pack_padded_sequence)")


def expect_model_example(model, example: dict, what: str) -> None:
    """The learner's model (holding the example's weights) against what the example says a correct one gives: encode
    (memory at the valid positions, state), one decode_step from the example's memory and state, and forward under
    teacher forcing. `example`: src, src_lengths, tgt_in, attention, memory, state, unpacked_state (the state a model
    ignoring src_lengths gives), step_logits, step_state, step_weights, logits; and, where given, free_logits (forward
    with teacher_forcing=0.0, free running). Without attention the weights must be one-hot on the last valid position
    (the fixed context), as the lesson states."""
    src, src_lengths, tgt_in = (torch.as_tensor(example[name], dtype=torch.long)
                                for name in ("src", "src_lengths", "tgt_in"))
    memory, state = (torch.as_tensor(example[name], dtype=torch.float32) for name in ("memory", "state"))
    mask = valid_mask(src_lengths, src.shape[1])
    with torch.no_grad():
        result = model.encode(src, src_lengths)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise AssertionError(f"{what}.encode must return (memory, state); got {type(result).__name__}")
        mine_memory, mine_state = result
        if tuple(np.shape(mine_memory)) != tuple(memory.shape):
            raise AssertionError(f"{what}.encode: memory has shape {tuple(np.shape(mine_memory))}, expected "
                                 f"{tuple(memory.shape)} (B, S, H)")
        valid = mask[:, :, None].expand_as(memory).numpy()
        close_tensor(np.where(valid, np.asarray(torch.as_tensor(mine_memory).detach().double()), 0.0),
                     memory * mask[:, :, None], f"{what}.encode, memory at the valid positions")
        close_tensor(mine_state, state, f"{what}.encode, state", mistakes={UNPACKED_STATE: example["unpacked_state"]})
        result = model.decode_step(tgt_in[:, 0], state, memory, mask)
        if not isinstance(result, (tuple, list)) or len(result) != 3:
            raise AssertionError(f"{what}.decode_step must return (logits, state, weights)")
        if bool(example["attention"]):
            if result[2] is None:
                raise AssertionError(f"{what}.decode_step returned weights None; with attention return the (B, S) "
                                     "attention weights")
            expect_attention_weights(np.asarray(torch.as_tensor(result[2]).detach().double()), mask.numpy(),
                                     f"{what}.decode_step, weights", tolerance=1e-5)
            close_tensor(result[2], example["step_weights"], f"{what}.decode_step, weights")
        else:
            expect_fixed_context_weights(result[2], mask, f"{what}.decode_step, weights")
        close_tensor(result[1], example["step_state"], f"{what}.decode_step, new state")
        close_tensor(result[0], example["step_logits"], f"{what}.decode_step, logits")
        close_tensor(model(src, src_lengths, tgt_in), example["logits"], f"{what}.forward (teacher forcing), logits")
        if "free_logits" in example:
            expect_teacher_forcing_ratios(model, src, src_lengths, tgt_in, example["logits"], example["free_logits"],
                                          what)


def expect_fixed_context_weights(weights, mask, what: str) -> None:
    """Assert a no-attention decode_step's weights (B, S) are one-hot on each row's last valid position."""
    if weights is None:
        raise AssertionError(f"{what}: returned None; without attention return the one-hot (B, S) weights of the "
                             "fixed context")
    mask = np.asarray(mask).astype(bool)
    array = checks.expect_array(np.asarray(torch.as_tensor(weights).detach().double()), mask.shape, what)
    one_hot = np.eye(mask.shape[1])[mask.sum(axis=1) - 1]
    if np.abs(array - one_hot).max() > 1e-6:
        spread = ((array > 1e-6) == mask).all() and np.allclose(array.sum(axis=1), 1)
        raise AssertionError(f"{what}: {AVERAGED_CONTEXT}" if spread else
                             f"{what}: without attention the weights must be one-hot at each row's last valid position "
                             f"(src_lengths - 1), the fixed context; row 0 is {np.round(array[0], 3).tolist()}")


def expect_teacher_forcing_ratios(model, src, src_lengths, tgt_in, forced, free, what: str) -> None:
    """Scheduled sampling at its two ends: forward with teacher_forcing=1.0 (and any rng) is teacher forcing, and
    with 0.0 free running (`forced` and `free`: the logits a correct model gives); a ratio in between, drawn from
    the rng passed, repeats itself with a generator seeded alike and advances that generator."""
    with torch.no_grad():
        try:
            ones = model(src, src_lengths, tgt_in, teacher_forcing=1.0, rng=np.random.default_rng(0))
            zeros = model(src, src_lengths, tgt_in, teacher_forcing=0.0, rng=np.random.default_rng(0))
        except TypeError as error:
            raise AssertionError(f"{what}.forward must take teacher_forcing and rng: forward(src, src_lengths, tgt_in, "
                                 f"teacher_forcing=1.0, rng=None) ({error})") from None
        close_tensor(ones, forced, f"{what}.forward with teacher_forcing=1.0 (must be teacher forcing), logits")
        close_tensor(zeros, free, f"{what}.forward with teacher_forcing=0.0 (free running), logits",
                     mistakes={f"{FREE_RUNNING}; yours still reads the true tokens": forced})
        rngs = [np.random.default_rng(808), np.random.default_rng(808)]
        before = rngs[0].bit_generator.state
        halves = [model(src, src_lengths, tgt_in, teacher_forcing=0.5, rng=rng) for rng in rngs]
        close_tensor(halves[1], halves[0], f"{what}.forward with teacher_forcing=0.5 and two generators seeded alike "
                     "(the draws must come from rng only)")
        if rngs[0].bit_generator.state == before:
            raise AssertionError(f"{what}.forward with teacher_forcing=0.5 drew nothing from rng: draw the choice "
                                 "between the true and your own token from the Generator passed in")


def _listed(mistakes) -> dict:
    """Mistakes given as a dict, or as a callable that computes them only when needed."""
    return (mistakes() if callable(mistakes) else mistakes) or {}


def expect_tokens(actual, expected, what: str, mistakes=None) -> np.ndarray:
    """Assert decoded tokens equal `expected` (B, T); `mistakes` ({message: tokens}, or a callable giving it, only
    evaluated on a mismatch) names the mistake."""
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
    for message, wrong in _listed(mistakes).items():
        if wrong is None:
            continue
        wrong = np.asarray(wrong)
        if wrong.shape == array.shape and (wrong == array).all() and not (wrong == expected).all():
            raise AssertionError(f"{what}: {message}")
    row = int(np.argwhere((array != expected).any(axis=1))[0, 0])
    raise AssertionError(f"{what}: row {row} is {array[row].tolist()}, expected {expected[row].tolist()}")


def expect_beam_result(result, tokens, scores, what: str, mistakes=None) -> None:
    """Assert a beam_search result (tokens, scores) equals the right `tokens` exactly and `scores` to 1e-4;
    `mistakes` ({message: (tokens, scores)}, or a callable giving it) names a known mistake the result matches."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(f"{what} must return a pair (tokens, scores); got {type(result).__name__}")
    found = functools.cache(lambda: _listed(mistakes))
    expect_tokens(result[0], tokens, f"{what}, tokens", lambda: {message: wrong[0] for message, wrong in found().items()})
    mine = result[1].detach() if torch.is_tensor(result[1]) else result[1]
    try:
        mine = np.asarray(mine, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"{what}: scores must be numbers, one per example; got {type(result[1]).__name__}") \
            from None
    scores = np.asarray(_float64(scores), dtype=np.float64)
    right = mine.shape == scores.shape and bool((np.abs(mine - scores) <= 1e-4 + 1e-5 * np.abs(scores)).all())
    wrong_scores = {} if right else {message: np.asarray(_float64(wrong[1])) for message, wrong in found().items()}
    checks.expect_close(mine, scores, f"{what}, scores (summed log-probabilities)", mistakes=wrong_scores,
                        rtol=1e-5, atol=1e-4)


def seq2seq_layout(src_vocab: int, tgt_vocab: int, embed_size: int, hidden_size: int,
                   attention: bool = True) -> dict[str, tuple]:
    """{parameter name: shape} of the documented Seq2Seq (the contract the lesson states)."""
    E, H, gates = embed_size, hidden_size, 3 * hidden_size
    layout = {"src_embed.weight": (src_vocab, E),
              "encoder.weight_ih_l0": (gates, E), "encoder.weight_hh_l0": (gates, H),
              "encoder.bias_ih_l0": (gates,), "encoder.bias_hh_l0": (gates,),
              "tgt_embed.weight": (tgt_vocab, E),
              "decoder.weight_ih": (gates, E + H), "decoder.weight_hh": (gates, H),
              "decoder.bias_ih": (gates,), "decoder.bias_hh": (gates,)}
    if attention:
        layout.update({"W_q.weight": (H, H), "W_k.weight": (H, H), "v.weight": (1, H)})
    layout.update({"out.weight": (tgt_vocab, 2 * H), "out.bias": (tgt_vocab,)})
    return layout


def example_weights(sizes: dict, seed: int, attention: bool = True, eos_bias: float = 0.0,
                    scale: float = 1.0) -> dict[str, torch.Tensor]:
    """A worked example's Seq2Seq weights: models.seeded_weights of the documented layout from `seed`, float32, with
    U(-scale, scale), with `eos_bias` added to the EOS logit's bias (so that decoding tests see hypotheses end early)."""
    weights = seeded_weights(seq2seq_layout(**sizes, attention=attention), seed, scale=scale)
    weights["out.bias"][EOS] += eos_bias
    return {name: torch.tensor(value, dtype=torch.float32) for name, value in weights.items()}


def example_model(Seq2Seq, sizes: dict, seed: int, eos_bias: float = 0.0, scale: float = 1.0,
                  what: str | None = None, attention: bool = True):
    """Seq2Seq(**sizes, attention=attention) (the learner's class, or the reference) holding example_weights; its
    layout checked first. The contract's model has no dropout, so training mode changes nothing."""
    model = Seq2Seq(attention=attention, **sizes)
    weights = example_weights(sizes, seed, attention=attention, eos_bias=eos_bias, scale=scale)
    expect_same_layout(model.state_dict(), weights, what or f"Seq2Seq(attention={attention})")
    model.load_state_dict(weights)
    return model  # as built (no .eval(): graded, the learner's model lives in their process and stays there)


def check_beam_example(result, example, what: str) -> None:
    """expect_beam_result with a stored worked example (expected and mistakes as {"tokens", "scores"})."""
    expect_beam_result(result, example.expected["tokens"], example.expected["scores"], what,
                       {message: (wrong["tokens"], wrong["scores"]) for message, wrong in example.mistakes.items()})
