"""Lesson 06's catalogue of likely mistakes, one function per graded exercise: {message: what the mistake
returns} for the same inputs (None where a mistake cannot show on them)."""

from __future__ import annotations

import numpy as np
import torch

from utils.lesson06_classification_and_labeling.grader import reference
from utils.models import to_numpy, to_torch, valid_mask


def reverse_padded(x, lengths) -> dict[str, np.ndarray]:
    x, lengths = np.asarray(x), np.asarray(lengths)
    whole = x[:, ::-1].copy()
    one_short = reference.reverse_padded(x, np.maximum(lengths - 1, 0))
    zeroed = reference.reverse_padded(x, lengths)
    zeroed[~valid_mask(lengths, x.shape[1]).numpy()] = 0.0
    return {
        "you reversed whole rows, padding included: the padding moved to the front. Reverse only the first "
        "lengths[b] steps of row b": whole,
        "one step short (off by one): row b must reverse all of its lengths[b] steps, x[b, lengths[b]-1] goes to 0":
            one_short,
        "the padding must be left untouched (copied as it is), not set to zero": zeroed,
        "you reversed along the wrong axis: time is axis 1": _features_reversed(x, lengths) if x.ndim > 2 else None,
        "you used the rows' lengths in the wrong order: row b reverses lengths[b] steps":
            reference.reverse_padded(x, lengths[::-1]) if len(lengths) > 1 else None,
    }


def _features_reversed(x, lengths) -> np.ndarray:
    out = np.array(x, dtype=np.float64)
    valid = valid_mask(lengths, x.shape[1]).numpy()
    out[valid] = out[valid][:, ::-1]
    return out


def last_hidden(hs, lengths) -> dict[str, np.ndarray]:
    hs, lengths = np.asarray(hs), np.asarray(lengths)
    T = hs.shape[1]
    return {
        "you returned hs[:, -1], the state at the last padded step: for a short sequence that is padding, "
        "not its last state": hs[:, -1].copy(),
        "off by one: the last valid state of row b is hs[b, lengths[b] - 1]":
            reference.last_hidden(hs, np.minimum(lengths + 1, T)),
        "you returned the first state hs[:, 0]": hs[:, 0].copy(),
        "every row used the longest length: take lengths[b] for row b":
            reference.last_hidden(hs, np.full_like(lengths, lengths.max())),
        "you averaged the valid states; last_hidden returns the state at the last valid step":
            reference.masked_mean(hs, lengths),
    }


def masked_mean(hs, lengths) -> dict[str, np.ndarray]:
    hs, lengths = np.asarray(hs), np.asarray(lengths)
    T = hs.shape[1]
    mask = valid_mask(lengths, T).numpy()[:, :, None]
    sums = (hs * mask).sum(1)
    return {
        "your mean includes the padded steps: average over the first lengths[b] steps only": hs.mean(1),
        "you divided the valid steps' sum by T, the padded length, instead of by lengths[b]": sums / T,
        "you divided by lengths[b] but summed over every step, padding included":
            hs.sum(1) / np.maximum(lengths, 1)[:, None],
        "off by one: the valid steps are t = 0 .. lengths[b] - 1, so step lengths[b] is padding":
            (hs * valid_mask(np.minimum(lengths + 1, T), T).numpy()[:, :, None]).sum(1) / np.maximum(lengths, 1)[:, None],
        "you returned the last valid state; masked_mean averages the valid states":
            reference.last_hidden(hs, np.maximum(lengths, 1)),
        "you divided by the longest length, not by each row's own": sums / max(int(lengths.max()), 1),
    }


def BiRNN(layer: torch.nn.Module, x, lengths) -> dict[str, dict[str, np.ndarray]]:
    """What a bidirectional module's (outputs, final) would be after each likely mistake, for `layer`'s weights."""
    x_t = to_torch(x)
    lengths = np.asarray(lengths)
    T = x_t.shape[1]
    right_out, right_final = reference.run_one_by_one(layer, x, lengths)
    H = layer.hidden_size
    with torch.no_grad():
        out, state = layer(x_t)  # the padded batch as it is: the backward direction starts in the padding
    h_n = state[0] if isinstance(state, tuple) else state
    unpacked_out = to_numpy(out)
    unpacked_final = to_numpy(torch.cat([h_n[-2], h_n[-1]], dim=-1))
    rows = np.arange(len(lengths))
    backward_at_end = right_out[rows, lengths - 1].copy()
    found = {
        "no packing: run on the padded batch as it is, the backward direction starts in the padding and the "
        "forward one reads past the end; pack it with pack_padded_sequence": {
            "outputs": unpacked_out, "final": unpacked_final},
        "final is outputs[:, -1], the padded last step: zero (padding) for every shorter sequence": {
            "final": right_out[:, -1].copy()},
        "the two directions are concatenated in the wrong order: forward first, then backward": {
            "final": np.concatenate([right_final[:, H:], right_final[:, :H]], axis=1)},
        "the backward half of final must be the backward state after reading step 0, not the one at the last "
        "valid step": {"final": np.concatenate([right_final[:, :H], backward_at_end[:, H:]], axis=1)},
        "the outputs at padded steps must be zero": {"outputs": np.where(valid_mask(lengths, T).numpy()[:, :, None],
                                                                         right_out, unpacked_out)},
    }
    if len(set(lengths.tolist())) > 1:
        order = np.argsort(-lengths, kind="stable")
        found["the rows come back sorted by length: with enforce_sorted=True you must put them back in the "
              "batch's order (or pass enforce_sorted=False)"] = {"outputs": right_out[order], "final": right_final[order]}
    if layer.num_layers > 1:
        found["final must come from the last layer: h_n[-2] and h_n[-1], not h_n[0] and h_n[1]"] = {
            "final": _first_layer_final(layer, x_t, lengths)}
    return found


def _first_layer_final(layer, x_t, lengths) -> np.ndarray:
    finals = []
    with torch.no_grad():
        for b, length in enumerate(lengths):
            _, state = layer(x_t[b : b + 1, : int(length)])
            h_n = state[0] if isinstance(state, tuple) else state
            finals.append(torch.cat([h_n[0, 0], h_n[1, 0]]))
    return to_numpy(torch.stack(finals))


def _decode(emissions, transitions, lengths, combine: str = "max", start_zero: bool = False, backtrack: bool = True,
            ignore_lengths: bool = False, pad: int = -1, reverse: bool = False):
    """A Viterbi decoder with one thing done wrong, as the flags say; with the defaults, the right one."""
    emissions, transitions = np.asarray(emissions, dtype=np.float64), np.asarray(transitions, dtype=np.float64)
    B, T, K = emissions.shape
    paths = np.full((B, T), pad, dtype=np.int64)
    scores = np.zeros(B)
    for b, n in enumerate(np.asarray(lengths, dtype=np.int64)):
        steps = T if ignore_lengths else int(n)
        best = np.zeros(K) if start_zero else emissions[b, 0].copy()
        pointers = np.zeros((steps, K), dtype=np.int64)
        greedy = [int(best.argmax())]
        for t in range(1, steps):
            candidates = best[:, None] + transitions
            pointers[t] = candidates.argmax(axis=0)
            if combine == "max":
                best = candidates.max(axis=0) + emissions[b, t]
            else:  # the forward algorithm: log-sum-exp over the previous tag
                top = candidates.max(axis=0)
                best = top + np.log(np.exp(candidates - top).sum(axis=0)) + emissions[b, t]
            greedy.append(int(best.argmax()))
        if combine == "max":
            scores[b] = best.max()
        else:
            scores[b] = best.max() + np.log(np.exp(best - best.max()).sum())
        tag, path = int(best.argmax()), []
        for t in range(steps - 1, -1, -1):
            path.append(tag)
            tag = int(pointers[t, tag])
        path = path[::-1] if not reverse else path
        if not backtrack:
            path = greedy
        paths[b, :n] = path[:n]
    return paths, scores


def viterbi(emissions, transitions, lengths) -> dict[str, dict[str, np.ndarray]]:
    """What (paths, scores) would be after each likely mistake in Viterbi decoding."""
    emissions, transitions = np.asarray(emissions, dtype=np.float64), np.asarray(transitions, dtype=np.float64)
    lengths = np.asarray(lengths, dtype=np.int64)
    T = emissions.shape[1]
    right_paths, right_scores = reference.viterbi(emissions, transitions, lengths)
    valid = valid_mask(lengths, T).numpy()
    greedy = np.where(valid, emissions.argmax(axis=2), -1)
    greedy_scores = np.array([reference.path_score(emissions[b], transitions, greedy[b, :n])
                              for b, n in enumerate(lengths)])

    def pair(result):
        return {"scores": result[1], "paths": result[0]}

    return {
        "you chose each step's best tag on its own (the emissions alone): the transition scores must enter the "
        "recursion, best_t(j) = max_i [best_{t-1}(i) + transitions[i, j]] + emissions[t, j]": {
            "paths": greedy, "scores": greedy_scores},
        "transitions[i, j] is the score of moving FROM tag i TO tag j; you used transitions[j, i]":
            pair(reference.viterbi(emissions, transitions.T, lengths)),
        "you took the best tag of each step's running scores instead of following the back-pointers from the "
        "last step: the best path's early tags are only known at the end": pair(_decode(emissions, transitions, lengths,
                                                                                          backtrack=False)),
        "your paths run backwards: the back-trace visits the last step first, so reverse it":
            pair(_decode(emissions, transitions, lengths, reverse=True)),
        "you decoded the padding too: row b ends at step lengths[b] - 1, and its score stops there":
            pair(_decode(emissions, transitions, lengths, ignore_lengths=True)),
        "the steps beyond lengths[b] must hold -1": {"paths": np.where(valid, right_paths, 0)},
        "your recursion starts from zeros: at step 0 the running score of tag j is emissions[0, j]":
            pair(_decode(emissions, transitions, lengths, start_zero=True)),
        "you summed over the previous tags (log-sum-exp, the forward algorithm that gives a CRF's log-partition); "
        "Viterbi takes their maximum": {"scores": _decode(emissions, transitions, lengths, combine="logsumexp")[1]},
    }
