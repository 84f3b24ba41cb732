"""Encoder-decoder models in torch (lesson 08): the reference model, attention, decoding, training and scoring.

The model contract, shared by the learner's `Seq2Seq` in lesson 08 and the reference here (the state_dict layout
is the same, so weights load from one into the other):

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
    forward(src, src_lengths, tgt_in (B, T)) -> logits (B, T, V): decode_step over tgt_in (teacher forcing).

Decoding functions here take any object with that interface (the learner's model too). Target ids: 0 pads,
1 = BOS, 2 = EOS (utils.dates). No numpy answer to the lesson's exercise lives here: attention is written in torch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from utils import checks, dates
from utils.data import PAD
from utils.training import parameter_count

BOS, EOS = dates.BOS, dates.EOS


def valid_mask(src_lengths: torch.Tensor, steps: int) -> torch.Tensor:
    """(B, steps) bool: True at the positions s < src_lengths[b]."""
    return torch.arange(steps)[None, :] < torch.as_tensor(src_lengths)[:, None]


def additive_attention_torch(query, keys, values, mask, W_q, W_k, v):
    """Additive (Bahdanau) attention in torch: e_s = v . tanh(W_q q + W_k k_s), weights = softmax over the valid
    positions (masked ones exactly 0), context = sum_s weights_s values_s. Any float dtype; returns tensors."""
    scores = torch.tanh((query @ W_q.T)[:, None, :] + keys @ W_k.T) @ v  # (B, S)
    scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return (weights[:, :, None] * values).sum(dim=1), weights


def attention_reference(query, keys, values, mask, W_q, W_k, v) -> tuple[np.ndarray, np.ndarray]:
    """The torch reference on numpy arrays, in float64: (context (B, Hv), weights (B, S)).

    A row with no valid position has no softmax: raises ValueError, as the lesson asks of the learner's version."""
    mask = np.array(mask, dtype=bool)
    if not mask.any(axis=1).all():
        raise ValueError("every row of mask needs at least one valid (True) position")
    tensors = [torch.tensor(np.asarray(a, dtype=np.float64)) for a in (query, keys, values)]
    weights_in = [torch.tensor(np.asarray(a, dtype=np.float64)) for a in (W_q, W_k, v)]
    context, weights = additive_attention_torch(*tensors, torch.tensor(mask), *weights_in)
    return context.numpy(), weights.numpy()


def attention_mistakes(query, keys, values, mask, W_q, W_k, v) -> dict[str, dict[str, np.ndarray]]:
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


# --- the model ------------------------------------------------------------------------------------------------


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

    def forward(self, src, src_lengths, tgt_in):
        memory, state = self.encode(src, src_lengths)
        mask = valid_mask(src_lengths, src.shape[1])
        logits = []
        for t in range(tgt_in.shape[1]):
            step_logits, state, _ = self.decode_step(tgt_in[:, t], state, memory, mask)
            logits.append(step_logits)
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


def attention_arrays(model) -> dict[str, np.ndarray]:
    """The attention weights of a model with attention, float64, in the lesson's layout: W_q (A, H), W_k (A, H), v (A,)."""
    return {"W_q": model.W_q.weight.detach().double().numpy(), "W_k": model.W_k.weight.detach().double().numpy(),
            "v": model.v.weight.detach().double().numpy()[0]}


# --- decoding (reference implementations, on any model with the contract's interface) -------------------------


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


# --- training and scoring ------------------------------------------------------------------------------------


def decoded_texts(tokens) -> list[str]:
    return [dates.decode_target(row) for row in np.asarray(tokens)]


def exact_match(predicted: list[str], targets) -> np.ndarray:
    """(N,) bool: the whole output string equals the target (one wrong character makes the example wrong)."""
    return np.array([p == t for p, t in zip(predicted, targets, strict=True)])


def char_accuracy(predicted: list[str], targets) -> float:
    """The share of target characters predicted right at their position (a softer score than exact match)."""
    right = sum(sum(a == b for a, b in zip(p, t, strict=False)) for p, t in zip(predicted, targets, strict=True))
    return right / sum(len(t) for t in targets)


def predict(model, batch: dates.DateBatch, decode=greedy_decode, chunk: int = 512) -> list[str]:
    texts = []
    for start in range(0, len(batch), chunk):
        part = slice(start, start + chunk)
        tokens = decode(model, torch.as_tensor(batch.src[part]), torch.as_tensor(batch.lengths[part]),
                        dates.TARGET_LENGTH)
        texts += decoded_texts(tokens)
    return texts


LENGTH_BINS = (6, 11, 16, 21, 31, 41, 51, 61, 71, 81, 91, 101, 111, 121, 141)


def accuracy_by_length(correct: np.ndarray, lengths: np.ndarray, bins=LENGTH_BINS) -> dict[str, list]:
    """Exact-match accuracy per input-length bin [bins[i], bins[i+1]): bin starts, ends, counts and accuracies."""
    starts, ends, counts, accuracy = [], [], [], []
    for low, high in zip(bins[:-1], bins[1:], strict=True):
        inside = (lengths >= low) & (lengths < high)
        if inside.sum() == 0:
            continue
        starts.append(int(low))
        ends.append(int(high - 1))
        counts.append(int(inside.sum()))
        accuracy.append(float(correct[inside].mean()))
    return {"start": starts, "end": ends, "count": counts, "accuracy": accuracy}


@dataclass
class Run:
    """One training run: the model, the held-out exact match every `eval_every` steps, the losses, the wall time."""

    model: nn.Module
    steps: list[int] = field(default_factory=list)
    exact: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def parameters(self) -> int:
        return parameter_count(self.model)


def train(model, *, steps: int, batch_size: int = 64, lr: float = 0.005, teacher_forcing: float = 1.0,
          seed: int = 0, eval_every: int = 0, eval_size: int = 500, time_limit: float | None = None,
          interval_share: float = dates.INTERVAL_SHARE) -> Run:
    """Train `model` (any object with the contract's interface and .parameters()) on fresh training examples.

    Cross-entropy on every target token, Adam, gradients clipped to norm 1. With probability `teacher_forcing`
    (per example and step) the decoder's next input is the true previous token, otherwise its own most probable
    one (free running). Every `eval_every` steps (0: only at the end) the greedy exact match on the first
    `eval_size` held-out examples is recorded. `time_limit` (seconds) stops early. `interval_share`: the share of
    examples (training and evaluation) that are intervals between two dates. Seeded.
    """
    rng = np.random.default_rng(seed)
    split = dates.split_dates()
    evaluation = dates.test_set(eval_size, interval_share=interval_share)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    run = Run(model)
    start = time.perf_counter()
    for step in range(1, steps + 1):
        model.train()
        batch = dates.sample(batch_size, rng, "train", split, interval_share)
        src, lengths, tgt = (torch.as_tensor(a) for a in (batch.src, batch.lengths, batch.tgt))
        memory, state = model.encode(src, lengths)
        mask = valid_mask(lengths, src.shape[1])
        token = torch.full((len(batch),), BOS, dtype=torch.long)
        loss = 0.0
        for t in range(tgt.shape[1]):
            logits, state, _ = model.decode_step(token, state, memory, mask)
            loss = loss + nn.functional.cross_entropy(logits, tgt[:, t], ignore_index=PAD, reduction="sum")
            if teacher_forcing >= 1.0:
                token = tgt[:, t]
            else:
                gold = torch.rand(len(batch), generator=generator) < teacher_forcing
                token = torch.where(gold, tgt[:, t], logits.detach().argmax(dim=-1))
        loss = loss / (tgt != PAD).sum()
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        run.losses.append(float(loss.detach()))
        out_of_time = time_limit is not None and time.perf_counter() - start > time_limit
        if (eval_every and step % eval_every == 0) or step == steps or out_of_time:
            model.eval()
            run.steps.append(step)
            run.exact.append(float(exact_match(predict(model, evaluation), evaluation.targets).mean()))
        if out_of_time:
            break
    run.seconds = time.perf_counter() - start
    model.eval()
    return run



# --- checks for lesson 08's test cells -----------------------------------------------------------------------


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


def _decode_input(src, src_lengths):
    return _as_long(src), _as_long(src_lengths)


def greedy_variant(model, src, src_lengths, max_len: int, feed: str = "own", pad_after_eos: bool = True,
                   all_valid: bool = False, keep_bos: bool = False) -> torch.Tensor:
    """greedy_decode and its likely mistakes: feed "own" (right), "bos" (never feeds back its prediction);
    pad_after_eos False keeps writing after EOS; all_valid ignores src_lengths; keep_bos writes BOS first."""
    src, src_lengths = _decode_input(src, src_lengths)
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


def greedy_mistakes(model, src, src_lengths, max_len: int) -> dict[str, torch.Tensor]:
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


def beam_variant(model, src, src_lengths, beam_width: int, max_len: int, normalise: bool = True,
                 keep_ended: bool = True, length_norm: bool = False, local: bool = False, extra_steps: int = 0,
                 eos_in_score: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """beam_search and its likely mistakes (see beam_mistakes); the defaults are the right beam search."""
    src, src_lengths = _decode_input(src, src_lengths)
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


def beam_mistakes(model, src, src_lengths, beam_width: int, max_len: int) -> dict[str, tuple]:
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


def expect_beam(result, model, src, src_lengths, beam_width: int, max_len: int, what: str) -> None:
    """Assert a learner's beam_search result equals the reference beam search on the same model (tokens exactly,
    scores to 1e-4); name a known mistake when the result matches one."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(f"{what} must return a pair (tokens, scores); got {type(result).__name__}")
    tokens, scores = beam_variant(model, src, src_lengths, beam_width, max_len)

    def wrong_tokens():
        return {message: wrong[0] for message, wrong in beam_mistakes(model, src, src_lengths, beam_width,
                                                                      max_len).items()}

    expect_tokens(result[0], tokens, f"{what}, tokens", wrong_tokens)
    mine = result[1].detach() if torch.is_tensor(result[1]) else result[1]
    try:
        mine = np.asarray(mine, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"{what}: scores must be numbers, one per example; got {type(result[1]).__name__}") \
            from None
    wrong_scores = {message: wrong[1].numpy() for message, wrong in beam_mistakes(
        model, src, src_lengths, beam_width, max_len).items()} if not _scores_close(mine, scores) else {}
    checks.expect_close(mine, scores.numpy(), f"{what}, scores (summed log-probabilities)", mistakes=wrong_scores,
                        rtol=1e-5, atol=1e-4)


def _scores_close(mine: np.ndarray, scores: torch.Tensor) -> bool:
    return mine.shape == tuple(scores.shape) and bool((np.abs(mine - scores.numpy()) <= 1e-4 + 1e-5 *
                                                      np.abs(scores.numpy())).all())
