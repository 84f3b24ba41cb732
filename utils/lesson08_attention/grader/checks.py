"""Lesson 08's grader-side checks: the Seq2Seq contract against the reference holding the same weights, and beam
results against the reference beam search, each failure naming the likely mistake. The checks that give nothing away
(ValueError, attention weights, layouts, token comparisons) are learner side, in lesson08's checks; imported here."""

from __future__ import annotations

import torch

from utils.lesson08_attention.checks import (  # noqa: F401 (the hidden tests import them from here too)
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
                "logits": reference_model(src, src_lengths, tgt_in)}


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
