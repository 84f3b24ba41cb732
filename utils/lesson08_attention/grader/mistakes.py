"""Lesson 08's catalogue of likely mistakes, one function per graded exercise ({message: what the mistake
returns}), and the variants of greedy decoding and beam search they are computed with (their defaults are right)."""

from __future__ import annotations

import numpy as np
import torch

from utils.lesson08_attention.grader.reference import BOS, EOS, PAD, _as_long
from utils.lesson08_attention.grader.reference import ngram_counts as reference_counts
from utils.models import valid_mask


def additive_attention(query, keys, values, mask, W_q, W_k, v) -> dict[str, dict[str, np.ndarray]]:
    """Likely wrong (context, weights) of additive_attention, as {message: {"context": ..., "weights": ...}}."""
    f64 = [np.asarray(a, dtype=np.float64) for a in (query, keys, values, W_q, W_k, v)]
    query, keys, values, W_q, W_k, v = f64
    mask = np.array(mask, dtype=bool)
    t = torch.tensor

    def scores(q_part, k_part, squash=True):
        hidden = q_part[:, None, :] + k_part
        return (np.tanh(hidden) if squash else hidden) @ v

    def softmax(e, axis=-1):
        e = e - e.max(axis=axis, keepdims=True)
        w = np.exp(e)
        return w / w.sum(axis=axis, keepdims=True)

    def result(weights, source=values):
        return {"context": np.einsum("bs,bsh->bh", weights, source), "weights": weights}

    e = scores(query @ W_q.T, keys @ W_k.T)
    masked = np.where(mask, e, -np.inf)
    right = softmax(masked)
    found = {
        "masked positions still get weight: set their scores to -inf (or their weights to 0) BEFORE the softmax, "
        "or renormalise": result(softmax(e) * mask),
        "your weights ignore the mask: padded positions must get exactly zero weight": result(softmax(e)),
        "the context must be the weighted sum of the VALUES; yours sums the keys": result(right, keys),
        "tanh is missing: e_s = v . tanh(W_q q + W_k k_s)": result(softmax(np.where(
            mask, scores(query @ W_q.T, keys @ W_k.T, squash=False), -np.inf))),
        "you returned the scores, not the softmax of them": {"weights": np.where(mask, e, 0.0)},
    }
    with np.errstate(all="ignore"):
        found["your softmax runs over the batch axis; the weights of one query sum to 1 over the positions (axis=-1)"] \
            = result(np.nan_to_num(softmax(np.where(mask, e, -1e300), axis=0) * mask))
    if W_q.shape == W_k.shape:
        found["W_q and W_k are swapped: W_q multiplies the query, W_k the keys"] = result(softmax(np.where(
            mask, scores(query @ W_k.T, keys @ W_q.T), -np.inf)))
    if W_q.shape[0] == W_q.shape[1]:
        found["W_q is used untransposed: the query term is query @ W_q.T"] = result(softmax(np.where(
            mask, scores(query @ W_q, keys @ W_k.T), -np.inf)))
    if W_k.shape[0] == W_k.shape[1]:
        found["W_k is used untransposed: the key term is keys @ W_k.T"] = result(softmax(np.where(
            mask, scores(query @ W_q.T, keys @ W_k), -np.inf)))
    del t
    return found


def greedy_variant(model, src, src_lengths, max_len: int, feed: str = "own", pad_after_eos: bool = True,
                   all_valid: bool = False, keep_bos: bool = False) -> torch.Tensor:
    """greedy_decode and its likely mistakes: feed "own" (right), "bos" (never feeds back its prediction);
    pad_after_eos False keeps writing after EOS; all_valid ignores src_lengths; keep_bos writes BOS first."""
    src, src_lengths = _as_long(src), _as_long(src_lengths)
    with torch.no_grad():
        memory, state = model.encode(src, src_lengths)
        mask = valid_mask(src_lengths, src.shape[1])
        if all_valid:
            mask = torch.ones_like(mask)
        token = torch.full((src.shape[0],), BOS, dtype=torch.long)
        done = torch.zeros(src.shape[0], dtype=torch.bool)
        out = []
        if keep_bos:
            out.append(token.clone())
        while len(out) < max_len:
            logits, state, _ = model.decode_step(token, state, memory, mask)
            chosen = torch.as_tensor(logits).argmax(dim=-1)
            out.append(torch.where(done, torch.full_like(chosen, PAD), chosen) if pad_after_eos else chosen)
            done = done | (chosen == EOS)
            token = chosen if feed == "own" else torch.full_like(chosen, BOS)
    return torch.stack(out, dim=1)


def greedy_decode(model, src, src_lengths, max_len: int) -> dict[str, torch.Tensor]:
    return {
        "your decoder never feeds back its own prediction: the next input must be the token just chosen":
            greedy_variant(model, src, src_lengths, max_len, feed="bos"),
        "after a row writes EOS, its remaining positions must be PAD (0)":
            greedy_variant(model, src, src_lengths, max_len, pad_after_eos=False),
        "your decoder attends to padding: build the mask from src_lengths":
            greedy_variant(model, src, src_lengths, max_len, all_valid=True),
        "the output must start with the first token chosen, not with BOS":
            greedy_variant(model, src, src_lengths, max_len, keep_bos=True),
        "your decoder stopped one step early: run max_len decoding steps (the last one may write a token too)":
            torch.cat([greedy_variant(model, src, src_lengths, max_len - 1),
                       torch.full((len(src), 1), PAD, dtype=torch.long)], dim=1) if max_len > 1 else None,
    }


def beam_variant(model, src, src_lengths, beam_width: int, max_len: int, normalise: bool = True,
                 keep_ended: bool = True, length_norm: bool = False, local: bool = False, extra_steps: int = 0,
                 eos_in_score: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """beam_search and its likely mistakes (see beam_search below); the defaults are the right beam search."""
    src, src_lengths = _as_long(src), _as_long(src_lengths)
    B = src.shape[0]
    tokens_out = torch.full((B, max_len), PAD, dtype=torch.long)
    scores_out = torch.zeros(B, dtype=torch.float64)

    def rank(h):
        return h[1] / max(len(h[0]), 1) if length_norm else h[1]

    with torch.no_grad():
        memory, state = model.encode(src, src_lengths)
        mask = valid_mask(src_lengths, src.shape[1])
        for b in range(B):
            beam = [([], 0.0, torch.as_tensor(state[b]), False)]  # tokens, score, decoder state, ended
            for _ in range(max_len + extra_steps):
                live = [h for h in beam if not h[3]]
                if not live:
                    break
                logits, states, _ = model.decode_step(
                    torch.tensor([h[0][-1] if h[0] else BOS for h in live], dtype=torch.long),
                    torch.stack([h[2] for h in live]),
                    memory[b].expand(len(live), -1, -1), mask[b].expand(len(live), -1))
                logits = torch.as_tensor(logits).double()
                step_scores = torch.log_softmax(logits, dim=-1) if normalise else logits
                candidates = [h for h in beam if h[3]] if keep_ended else []
                for i, h in enumerate(live):
                    order = torch.argsort(step_scores[i], descending=True, stable=True).tolist()
                    for token in order[: 1 if local and h[0] else len(order)]:
                        gain = float(step_scores[i, token]) if (eos_in_score or token != EOS) else 0.0
                        candidates.append((h[0] + [token], h[1] + gain, torch.as_tensor(states[i]),
                                           token == EOS and keep_ended))
                candidates.sort(key=lambda h: -rank(h))
                beam = candidates[:beam_width]
            best = max(beam, key=rank)
            kept = best[0][:max_len]
            tokens_out[b, : len(kept)] = torch.tensor(kept, dtype=torch.long)
            scores_out[b] = best[1]
    return tokens_out, scores_out


def beam_search(model, src, src_lengths, beam_width: int, max_len: int) -> dict[str, tuple]:
    args = (model, src, src_lengths, beam_width, max_len)
    return {
        "your scores add raw logits: add log-probabilities (log_softmax of the logits)":
            beam_variant(*args, normalise=False),
        "a hypothesis that wrote EOS has ended: keep it in the beam with its score, and never extend it":
            beam_variant(*args, keep_ended=False),
        "your scores are divided by the length: this beam search sums log-probabilities, no length normalisation":
            beam_variant(*args, length_norm=True),
        "each hypothesis was extended by its own best token only: pick the beam_width best extensions over ALL "
        "hypotheses and tokens": beam_variant(*args, local=True),
        "the EOS token's log-probability belongs in the score": beam_variant(*args, eos_in_score=False),
    }


def dot_attention(query, keys, values, mask) -> dict[str, dict[str, np.ndarray]]:
    """Likely wrong (context, weights) of dot_attention, as {message: {"context": ..., "weights": ...}}."""
    query, keys, values = (np.asarray(a, dtype=np.float64) for a in (query, keys, values))
    mask = np.array(mask, dtype=bool)

    def softmax(e, axis=-1):
        e = e - e.max(axis=axis, keepdims=True)
        w = np.exp(e)
        return w / w.sum(axis=axis, keepdims=True)

    def result(weights, source=values):
        return {"context": np.einsum("bs,bsh->bh", weights, source), "weights": weights}

    e = np.einsum("bh,bsh->bs", query, keys)
    found = {
        "masked positions still get weight: set their scores to -inf (or their weights to 0) BEFORE the softmax, "
        "or renormalise": result(softmax(e) * mask),
        "your weights ignore the mask: padded positions must get exactly zero weight": result(softmax(e)),
        "you divided the scores by sqrt(H): that is the Transformer's scaled dot product; Luong's dot score is the "
        "plain q . k_s": result(softmax(np.where(mask, e / np.sqrt(query.shape[1]), -np.inf))),
        "you returned the scores, not the softmax of them": {"weights": np.where(mask, e, 0.0)},
    }
    if keys.shape == values.shape:
        found["the context must be the weighted sum of the VALUES; yours sums the keys"] = result(
            softmax(np.where(mask, e, -np.inf)), keys)
    with np.errstate(all="ignore"):
        found["your softmax runs over the batch axis; the weights of one query sum to 1 over the positions (axis=-1)"] \
            = result(np.nan_to_num(softmax(np.where(mask, e, -1e300), axis=0) * mask))
    return found


def bleu_variant(candidates, references, max_n: int = 4, clip: bool = True, penalty: str = "closest",
                 mean: str = "geometric", corpus: bool = True, clip_by: str = "max") -> float:
    """bleu and its likely mistakes: clip False counts every candidate n-gram found in a reference; penalty
    "closest" (right), "none", "shortest", "longest" or "both ways" (also penalises longer outputs); mean
    "arithmetic"; corpus False averages sentence BLEUs; clip_by "sum" clips by the references' summed counts."""
    if not corpus:
        scores = [bleu_variant([c], [r], max_n, clip, penalty, mean, True, clip_by)
                  for c, r in zip(candidates, references, strict=True)]
        return float(np.mean(scores)) if scores else 0.0
    matches, totals, c, r = [0] * max_n, [0] * max_n, 0, 0
    for candidate, refs in zip(candidates, references, strict=True):
        candidate, refs = list(candidate), [list(ref) for ref in refs]
        c += len(candidate)
        lengths = [len(ref) for ref in refs]
        r += {"shortest": min(lengths), "longest": max(lengths)}.get(
            penalty, min((abs(n - len(candidate)), n) for n in lengths)[1])
        for n in range(1, max_n + 1):
            mine = reference_counts(candidate, n)
            allowed: dict = {}
            for ref in refs:
                for gram, count in reference_counts(ref, n).items():
                    allowed[gram] = (allowed.get(gram, 0) + count) if clip_by == "sum" else max(allowed.get(gram, 0),
                                                                                               count)
            matches[n - 1] += sum((min(count, allowed[gram]) if clip else count) for gram, count in mine.items()
                                  if gram in allowed)
            totals[n - 1] += sum(mine.values())
    if c == 0 or min(totals) == 0 or min(matches) == 0:
        return 0.0
    precisions = np.array(matches, dtype=np.float64) / np.array(totals, dtype=np.float64)
    combined = float(np.exp(np.log(precisions).mean())) if mean == "geometric" else float(precisions.mean())
    if penalty == "none":
        factor = 1.0
    elif penalty == "both ways":
        factor = float(np.exp(1 - max(r / c, c / r)))
    else:
        factor = 1.0 if c > r else float(np.exp(1 - r / c))
    return factor * combined


def bleu(candidates, references, max_n: int = 4) -> dict[str, float]:
    args = (candidates, references, max_n)
    return {
        "your BLEU is on the 0-100 scale of papers: return a fraction in [0, 1]": 100 * bleu_variant(*args),
        "your n-gram counts are not clipped: a candidate n-gram counts at most as often as it occurs in a reference":
            bleu_variant(*args, clip=False),
        "the brevity penalty punishes only outputs SHORTER than the references (c <= r); yours punishes longer "
        "ones too": bleu_variant(*args, penalty="both ways"),
        "combine the precisions by a geometric mean, exp(mean of log p_n), not an arithmetic one":
            bleu_variant(*args, mean="arithmetic"),
        "corpus BLEU sums matches and lengths over all sentences before dividing; yours averages sentence BLEUs":
            bleu_variant(*args, corpus=False),
        "your n-grams stop one order short: use n = 1 to max_n, inclusive": bleu_variant(*args[:2], max_n - 1)
        if max_n > 1 else 0.0,
        "the effective reference length is, per candidate, the reference length closest to the candidate's; yours "
        "takes the shortest reference": bleu_variant(*args, penalty="shortest"),
        "the effective reference length is, per candidate, the reference length closest to the candidate's; yours "
        "takes the longest reference": bleu_variant(*args, penalty="longest"),
        "the brevity penalty is missing: multiply by exp(1 - r / c) when the candidates are shorter (c <= r)":
            bleu_variant(*args, penalty="none"),
        "clip each n-gram by its largest count in any ONE reference, not by its counts summed over the references":
            bleu_variant(*args, clip_by="sum"),
    }
