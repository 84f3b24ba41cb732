"""Lesson 08's grader-side checks: the Seq2Seq contract against the reference holding the same weights, and beam
results against the reference beam search, each failure naming the likely mistake. The checks that give nothing away
(ValueError, attention weights, layouts, token comparisons) are learner side, in lesson08's checks; imported here."""

from __future__ import annotations

import numpy as np
import torch

from utils.lesson08_attention.checks import (  # noqa: F401 (the hidden tests import them from here too)
    FREE_RUNNING,
    close_tensor,
    expect_attention_weights,
    expect_beam_result,
    expect_model_example,
    expect_same_layout,
    expect_tokens,
    expect_value_error,
)
from utils.lesson08_attention.grader import mistakes
from utils.models import valid_mask


def _unpacked_state(model, src) -> torch.Tensor:
    """The encoder's state after the whole padded row: what ignoring src_lengths gives."""
    outputs, _ = model.encoder(model.src_embed(src))
    return outputs[:, -1]


def model_example(reference_model, src, src_lengths, tgt_in) -> dict:
    """What a model holding reference_model's weights must give on (src, src_lengths, tgt_in): the example that
    expect_model_example checks (see there), with the reference's own outputs as tensors."""
    mask = valid_mask(src_lengths, src.shape[1])
    with torch.no_grad():
        memory, state = reference_model.encode(src, src_lengths)
        logits, new_state, weights = reference_model.decode_step(tgt_in[:, 0], state, memory, mask)
        return {"src": src, "src_lengths": src_lengths, "tgt_in": tgt_in, "attention": reference_model.attention,
                "memory": memory, "state": state, "unpacked_state": _unpacked_state(reference_model, src),
                "step_logits": logits, "step_state": new_state, "step_weights": weights,
                "logits": reference_model(src, src_lengths, tgt_in),
                "free_logits": reference_model(src, src_lengths, tgt_in, teacher_forcing=0.0)}


def expect_model_matches(model, reference_model, src, src_lengths, tgt_in, what: str) -> None:
    """The learner's model (weights loaded from reference_model) against the reference: encode (valid positions),
    one decode_step, and forward under teacher forcing. float32 tolerances."""
    expect_model_example(model, model_example(reference_model, src, src_lengths, tgt_in), what)


def expect_beam(result, model, src, src_lengths, beam_width: int, max_len: int, what: str) -> None:
    """Assert a learner's beam_search result equals the reference beam search on the same model (tokens exactly,
    scores to 1e-4); name a known mistake when the result matches one."""
    tokens, scores = mistakes.beam_variant(model, src, src_lengths, beam_width, max_len)
    expect_beam_result(result, tokens, scores, what,
                       lambda: mistakes.beam_search(model, src, src_lengths, beam_width, max_len))


def teacher_choices(logits, reference_model, src, src_lengths, tgt_in, what: str) -> np.ndarray:
    """Replay a learner's scheduled-sampling logits (B, T, V) with the reference holding the same weights: which
    input each step after the first read, per example. Returns (B, T - 1) of 1 (the true token tgt_in[:, t]), 0 (the
    own most probable token of step t - 1) and -1 (the two are the same token: no telling). Raises AssertionError
    when a step's logits follow neither."""
    logits = torch.as_tensor(np.asarray(torch.as_tensor(logits).detach().double()), dtype=torch.float64)
    B, T = tgt_in.shape
    if tuple(logits.shape[:2]) != (B, T):
        raise AssertionError(f"{what}: forward returned shape {tuple(logits.shape)}, expected (B, T, V) = ({B}, {T}, V)")
    choices = np.full((B, T - 1), -1)
    mask = valid_mask(src_lengths, src.shape[1])
    with torch.no_grad():
        memory, state = reference_model.encode(src, src_lengths)
        step, state, _ = reference_model.decode_step(tgt_in[:, 0], state, memory, mask)
        close_tensor(logits[:, 0], step, f"{what}, logits of the first step (reading BOS)")
        for t in range(1, T):
            own = logits[:, t - 1].argmax(dim=-1)
            options = []
            for token in (tgt_in[:, t], own):
                option_logits, option_state, _ = reference_model.decode_step(token, state, memory, mask)
                gap = (option_logits.double() - logits[:, t]).abs().amax(dim=-1)
                options.append((gap <= 2e-4 + 1e-4 * logits[:, t].abs().amax(dim=-1), option_state))
            (is_true, true_state), (is_own, own_state) = options
            neither = ~(is_true | is_own)
            if bool(neither.any()):
                row = int(torch.nonzero(neither)[0, 0])
                raise AssertionError(f"{what}: at step {t} the logits of row {row} follow neither the true previous "
                                     "token nor the decoder's own most probable token of the step before (scheduled "
                                     "sampling feeds one of the two; argmax of that step's logits, no gradient)")
            same = tgt_in[:, t] == own
            choices[:, t - 1] = np.where(same.numpy(), -1, is_true.numpy().astype(int))
            state = torch.where(is_true[:, None], true_state, own_state)
    return choices


def expect_scheduled_sampling(model, reference_model, src, src_lengths, tgt_in, ratio: float, seed: int,
                              what: str) -> float:
    """The learner's forward(..., teacher_forcing=ratio, rng) replayed by the reference: every step reads the true or
    its own previous token, and the share of true ones (where they differ) is within 4.5 standard deviations of the
    ratio (one draw per example and step). Returns that share."""
    with torch.no_grad():
        logits = model(src, src_lengths, tgt_in, teacher_forcing=ratio, rng=np.random.default_rng(seed))
    choices = teacher_choices(logits, reference_model, src, src_lengths, tgt_in, what)
    told = choices[choices >= 0]
    if ratio in (0.0, 1.0):
        if (told != ratio).any():
            raise AssertionError(f"{what}: with teacher_forcing={ratio} every step must read "
                                 + ("the true token" if ratio else f"its own token ({FREE_RUNNING})"))
        return float(ratio)
    share = float(told.mean())
    spread = 4.5 * np.sqrt(ratio * (1 - ratio) / told.size)
    if abs(share - ratio) > spread:
        raise AssertionError(f"{what}: the decoder read the true token at {share:.1%} of the steps, where the "
                             f"teacher-forcing ratio is {ratio:.0%} (one draw per example and step, true token with "
                             "probability teacher_forcing)")
    return share
