"""Lesson 08's torch references of the graded exercises. The model contract, shared by the learner's `Seq2Seq` and
the reference here (the state_dict layout is the same, so weights load from one into the other):

    Seq2Seq(src_vocab, tgt_vocab, embed_size, hidden_size, attention=True)
        src_embed  Embedding(src_vocab, E, padding_idx=0)      encoder  GRU(E, H, batch_first=True)
        tgt_embed  Embedding(tgt_vocab, E)                     decoder  GRUCell(E + H, H)
        W_q, W_k   Linear(H, H, bias=False)   v  Linear(H, 1, bias=False)   (only with attention=True)
        out        Linear(2H, tgt_vocab)
    encode(src (B, S) int64, src_lengths (B,) int64) -> memory (B, S, H), state (B, H)
        memory[b, s] the encoder's state after reading src[b, s] (valid positions s < src_lengths[b]);
        state the encoder's state after the last valid position (the decoder's first state).
    decode_step(token (B,), state (B, H), memory (B, S, H), mask (B, S) bool) -> logits (B, V), state (B, H),
                weights (B, S)
        context c = additive attention with the previous state as query over memory (attention=True), or the
        encoder's last valid state (attention=False, weights one-hot on that position: the fixed context);
        new state s = GRUCell([tgt_embed(token), c], state); logits = out([s, c]).
    forward(src, src_lengths, tgt_in (B, T), teacher_forcing=1.0, rng=None) -> logits (B, T, V): decode_step over
        the columns of tgt_in. Step 0 reads tgt_in[:, 0] (BOS); step t >= 1 reads the true tgt_in[:, t] with
        probability teacher_forcing, per example and step, drawn from the numpy Generator rng, and otherwise the
        model's own most probable token of step t - 1 (scheduled sampling). Ratio 1 (the default) is teacher
        forcing and draws nothing; ratio 0 is free running.

The decoding references take any object with that interface (the learner's model too). Attention is written in
torch here; the numpy exercise is checked against it.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from utils.data import PAD
from utils.lesson08_attention import dates
from utils.models import valid_mask

BOS, EOS = dates.BOS, dates.EOS


def additive_attention_torch(query, keys, values, mask, W_q, W_k, v):
    """Additive (Bahdanau) attention in torch: e_s = v . tanh(W_q q + W_k k_s), weights = softmax over the valid
    positions (masked ones exactly 0), context = sum_s weights_s values_s. Any float dtype; returns tensors."""
    scores = torch.tanh((query @ W_q.T)[:, None, :] + keys @ W_k.T) @ v  # (B, S)
    scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return (weights[:, :, None] * values).sum(dim=1), weights


def dot_attention_torch(query, keys, values, mask):
    """Dot (Luong) attention in torch: e_s = q . k_s, weights = softmax over the valid positions (masked ones exactly
    0), context = sum_s weights_s values_s."""
    scores = torch.einsum("bh,bsh->bs", query, keys).masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return torch.einsum("bs,bsv->bv", weights, values), weights


def dot_attention(query, keys, values, mask) -> tuple[np.ndarray, np.ndarray]:
    """The torch reference of dot attention on numpy arrays, in float64: (context (B, Hv), weights (B, S)); raises
    ValueError on a row of mask with no valid position."""
    mask = np.array(mask, dtype=bool)
    if not mask.any(axis=1).all():
        raise ValueError("every row of mask needs at least one valid (True) position")
    tensors = [torch.tensor(np.asarray(a, dtype=np.float64)) for a in (query, keys, values)]
    context, weights = dot_attention_torch(*tensors, torch.tensor(mask))
    return context.numpy(), weights.numpy()


def ngram_counts(tokens, n: int) -> dict:
    """{n-gram (a tuple): how often it occurs in `tokens`}."""
    counts: dict = {}
    for start in range(len(tokens) - n + 1):
        gram = tuple(tokens[start : start + n])
        counts[gram] = counts.get(gram, 0) + 1
    return counts


def bleu_parts(candidates, references, max_n: int = 4) -> dict:
    """Corpus BLEU's parts (Papineni et al. 2002): per order n = 1..max_n the clipped matches and the candidate
    n-grams summed over the corpus; c, the candidates' total length; r, the effective reference length (per
    candidate the reference length closest to its own, the shorter on a tie)."""
    matches, totals = [0] * max_n, [0] * max_n
    c = r = 0
    for candidate, refs in zip(candidates, references, strict=True):
        candidate, refs = list(candidate), [list(ref) for ref in refs]
        c += len(candidate)
        r += min((abs(len(ref) - len(candidate)), len(ref)) for ref in refs)[1]
        for n in range(1, max_n + 1):
            mine = ngram_counts(candidate, n)
            most = {}
            for ref in refs:
                for gram, count in ngram_counts(ref, n).items():
                    most[gram] = max(most.get(gram, 0), count)
            matches[n - 1] += sum(min(count, most.get(gram, 0)) for gram, count in mine.items())
            totals[n - 1] += sum(mine.values())
    return {"matches": matches, "totals": totals, "c": c, "r": r}


def bleu(candidates, references, max_n: int = 4) -> float:
    """Corpus BLEU in [0, 1]: the brevity penalty (1 if c > r, else exp(1 - r / c)) times the geometric mean of the
    clipped n-gram precisions p_1..p_max_n (uniform weights). `candidates`: a list of token lists; `references`: per
    candidate, a list of its reference token lists. 0 when a precision is 0 (or has no n-gram) or c is 0."""
    parts = bleu_parts(candidates, references, max_n)
    if parts["c"] == 0 or min(parts["totals"]) == 0 or min(parts["matches"]) == 0:
        return 0.0
    log_precision = sum(np.log(m / t) for m, t in zip(parts["matches"], parts["totals"], strict=True)) / max_n
    penalty = 1.0 if parts["c"] > parts["r"] else float(np.exp(1 - parts["r"] / parts["c"]))
    return float(penalty * np.exp(log_precision))


def additive_attention(query, keys, values, mask, W_q, W_k, v) -> tuple[np.ndarray, np.ndarray]:
    """The torch reference on numpy arrays, in float64: (context (B, Hv), weights (B, S)).

    A row with no valid position has no softmax: raises ValueError, as the lesson asks of the learner's version."""
    mask = np.array(mask, dtype=bool)
    if not mask.any(axis=1).all():
        raise ValueError("every row of mask needs at least one valid (True) position")
    tensors = [torch.tensor(np.asarray(a, dtype=np.float64)) for a in (query, keys, values)]
    weights_in = [torch.tensor(np.asarray(a, dtype=np.float64)) for a in (W_q, W_k, v)]
    context, weights = additive_attention_torch(*tensors, torch.tensor(mask), *weights_in)
    return context.numpy(), weights.numpy()


class Seq2Seq(nn.Module):
    """The course's reference encoder-decoder (see the module docstring for the contract)."""

    def __init__(self, src_vocab: int, tgt_vocab: int, embed_size: int, hidden_size: int, attention: bool = True):
        super().__init__()
        self.attention = attention
        self.src_embed = nn.Embedding(src_vocab, embed_size, padding_idx=PAD)
        self.encoder = nn.GRU(embed_size, hidden_size, batch_first=True)
        self.tgt_embed = nn.Embedding(tgt_vocab, embed_size)
        self.decoder = nn.GRUCell(embed_size + hidden_size, hidden_size)
        if attention:
            self.W_q = nn.Linear(hidden_size, hidden_size, bias=False)
            self.W_k = nn.Linear(hidden_size, hidden_size, bias=False)
            self.v = nn.Linear(hidden_size, 1, bias=False)
        self.out = nn.Linear(2 * hidden_size, tgt_vocab)

    def encode(self, src, src_lengths):
        lengths = torch.as_tensor(src_lengths).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(self.src_embed(src), lengths, batch_first=True,
                                                   enforce_sorted=False)
        outputs, last = self.encoder(packed)
        memory, _ = nn.utils.rnn.pad_packed_sequence(outputs, batch_first=True, total_length=src.shape[1])
        return memory, last[0]

    def decode_step(self, token, state, memory, mask):
        if self.attention:
            context, weights = additive_attention_torch(state, memory, memory, mask, self.W_q.weight,
                                                        self.W_k.weight, self.v.weight[0])
        else:
            last = mask.long().sum(dim=1) - 1
            weights = nn.functional.one_hot(last, memory.shape[1]).to(memory.dtype)
            context = memory[torch.arange(memory.shape[0]), last]
        state = self.decoder(torch.cat([self.tgt_embed(token), context], dim=-1), state)
        return self.out(torch.cat([state, context], dim=-1)), state, weights

    def forward(self, src, src_lengths, tgt_in, teacher_forcing: float = 1.0, rng=None):
        memory, state = self.encode(src, src_lengths)
        mask = valid_mask(src_lengths, src.shape[1])
        tgt_in = _as_long(tgt_in)
        rng = np.random.default_rng() if rng is None and teacher_forcing < 1 else rng
        logits, token = [], tgt_in[:, 0]
        for t in range(tgt_in.shape[1]):
            step_logits, state, _ = self.decode_step(token, state, memory, mask)
            logits.append(step_logits)
            if t + 1 < tgt_in.shape[1]:
                token = tgt_in[:, t + 1]
                if teacher_forcing < 1:  # one draw per example and step: the true token with that probability
                    gold = torch.as_tensor(rng.random(tgt_in.shape[0]) < teacher_forcing)
                    token = torch.where(gold, token, step_logits.detach().argmax(dim=-1))
        return torch.stack(logits, dim=1)

MODEL_SIZES = {"src_vocab": dates.SOURCE_VOCAB, "tgt_vocab": dates.TARGET_VOCAB, "embed_size": 16, "hidden_size": 32}


def seeded_model(seed: int, attention: bool = True, eos_bias: float = 0.0, scale: float = 1.0, **sizes) -> Seq2Seq:
    """A reference model with weights from `seed` (torch's global random state is left alone); `scale` multiplies
    every weight, `eos_bias` is added to the EOS logit's bias (so that decoding tests see hypotheses end early)."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = Seq2Seq(**{**MODEL_SIZES, **sizes}, attention=attention)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.mul_(scale)
        model.out.bias[EOS] += eos_bias
    return model.eval()


def _as_long(values) -> torch.Tensor:
    return torch.as_tensor(np.asarray(values), dtype=torch.long) if not torch.is_tensor(values) else values.long()


def greedy_decode(model, src, src_lengths, max_len: int) -> torch.Tensor:
    """(B, max_len) int64: at each step the most probable token, fed back as the next input, starting from BOS;
    after a sequence's EOS (which is kept) its remaining positions are PAD."""
    src, src_lengths = _as_long(src), _as_long(src_lengths)
    with torch.no_grad():
        memory, state = model.encode(src, src_lengths)
        mask = valid_mask(src_lengths, src.shape[1])
        token = torch.full((src.shape[0],), BOS, dtype=torch.long)
        done = torch.zeros(src.shape[0], dtype=torch.bool)
        out = torch.full((src.shape[0], max_len), PAD, dtype=torch.long)
        for t in range(max_len):
            logits, state, _ = model.decode_step(token, state, memory, mask)
            token = torch.as_tensor(logits).argmax(dim=-1)
            out[:, t] = torch.where(done, torch.full_like(token, PAD), token)
            done = done | (token == EOS)
            if bool(done.all()):
                break
    return out


def beam_search(model, src, src_lengths, beam_width: int, max_len: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Beam search, one example at a time: (tokens (B, max_len) int64 padded with PAD after EOS, scores (B,) float64).

    A hypothesis' score is the sum of the log-probabilities (log_softmax of the logits) of its tokens, EOS included;
    no length normalisation. Every step, each unfinished hypothesis is extended by every token; the beam_width best
    of those extensions and the finished hypotheses (kept with their scores) form the next beam. The search stops
    when every hypothesis in the beam has ended, or after max_len tokens; the best hypothesis is returned.
    """
    src, src_lengths = _as_long(src), _as_long(src_lengths)
    B = src.shape[0]
    tokens_out = torch.full((B, max_len), PAD, dtype=torch.long)
    scores_out = torch.zeros(B, dtype=torch.float64)
    with torch.no_grad():
        memory, state = model.encode(src, src_lengths)
        mask = valid_mask(src_lengths, src.shape[1])
        for b in range(B):
            beam = [([], 0.0, state[b], False)]  # tokens, score, decoder state, ended
            for _ in range(max_len):
                live = [h for h in beam if not h[3]]
                if not live:
                    break
                k = len(live)
                logits, states, _ = model.decode_step(
                    torch.tensor([h[0][-1] if h[0] else BOS for h in live], dtype=torch.long),
                    torch.stack([torch.as_tensor(h[2]) for h in live]),
                    memory[b].expand(k, -1, -1), mask[b].expand(k, -1))
                log_probs = torch.log_softmax(torch.as_tensor(logits).double(), dim=-1)
                candidates = [h for h in beam if h[3]]
                totals = torch.tensor([h[1] for h in live], dtype=torch.float64)[:, None] + log_probs
                for i, token in zip(*np.unravel_index(np.arange(totals.numel()), totals.shape), strict=True):
                    token = int(token)
                    candidates.append((live[i][0] + [token], float(totals[i, token]), states[i], token == EOS))
                candidates.sort(key=lambda h: -h[1])  # stable: ties keep finished first, then by index
                beam = candidates[:beam_width]
            best = max(beam, key=lambda h: h[1])
            tokens_out[b, : len(best[0])] = torch.tensor(best[0], dtype=torch.long)
            scores_out[b] = best[1]
    return tokens_out, scores_out


def sequence_log_prob(model, src, src_lengths, tokens) -> torch.Tensor:
    """(B,) float64: the summed log-probabilities the model gives `tokens` (B, T) up to and including each row's
    first EOS (all T tokens if it has none), under teacher forcing."""
    src, src_lengths, tokens = _as_long(src), _as_long(src_lengths), _as_long(tokens)
    tgt_in = torch.cat([torch.full((tokens.shape[0], 1), BOS, dtype=torch.long), tokens[:, :-1]], dim=1)
    with torch.no_grad():
        log_probs = torch.log_softmax(torch.as_tensor(model(src, src_lengths, tgt_in)).double(), dim=-1)
    picked = log_probs.gather(2, tokens[:, :, None])[:, :, 0]
    is_eos = (tokens == EOS).long()
    before_end = (is_eos.cumsum(dim=1) - is_eos) == 0  # positions up to and including the first EOS
    return (picked * before_end).sum(dim=1)


def scheduled_sampling_logits(model, src, src_lengths, tgt, teacher_forcing: float, generator: torch.Generator):
    """Training logits (B, T, V) with scheduled sampling (Bengio et al. 2015) drawn from a torch.Generator, as the
    committed teacher-forcing models were trained (before the learner's forward took the ratio itself): at each
    step, per example, the next input is the true previous token tgt[:, t] with probability `teacher_forcing`,
    otherwise the model's own most probable one (no gradient through that choice)."""
    memory, state = model.encode(src, src_lengths)
    mask = valid_mask(src_lengths, src.shape[1])
    previous = torch.full((src.shape[0],), BOS, dtype=torch.long)
    logits = []
    for t in range(tgt.shape[1]):
        step, state, _ = model.decode_step(previous, state, memory, mask)
        logits.append(step)
        gold = torch.rand(src.shape[0], generator=generator) < teacher_forcing
        previous = torch.where(gold, tgt[:, t], step.detach().argmax(dim=-1))
    return torch.stack(logits, dim=1)
