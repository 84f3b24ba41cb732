"""Plausible wrong (MUTANTS) and differently written correct (ALTERNATIVES) solutions for lesson 08.

Each entry is the full code a learner might put in the solution cell whose grade_id is the key.
WRONG picks, per solution cell, one mistake the visible tests catch too (graded for real by nbgrader);
VISIBLE_MESSAGES says what the visible test must say for some mistakes.
"""

_ATT = "def additive_attention(query, keys, values, mask, W_q, W_k, v):\n"
_CHECK = ("    if not np.asarray(mask).any(axis=1).all():\n"
          "        raise ValueError('a row of mask has no valid position')\n")
_SCORES = "    e = np.tanh((query @ W_q.T)[:, None, :] + keys @ W_k.T) @ v\n"
_SOFTMAX = ("    e = np.where(mask, e, -np.inf)\n"
            "    w = np.exp(e - e.max(axis=1, keepdims=True))\n"
            "    w = w / w.sum(axis=1, keepdims=True)\n")
_RETURN = "    return np.einsum('bs,bsh->bh', w, values), w\n"


def _attention(scores=_SCORES, softmax=_SOFTMAX, ret=_RETURN, check=_CHECK):
    return _ATT + check + scores + softmax + ret


# The Seq2Seq class with replaceable method bodies (the __init__ is the one the lesson gives).
_INIT = '''class Seq2Seq(torch.nn.Module):
    def __init__(self, src_vocab, tgt_vocab, embed_size, hidden_size, attention=True):
        super().__init__()
        self.attention = attention
        self.src_embed = torch.nn.Embedding(src_vocab, embed_size, padding_idx=0)
        self.encoder = torch.nn.GRU(embed_size, hidden_size, batch_first=True)
        self.tgt_embed = torch.nn.Embedding(tgt_vocab, embed_size)
        self.decoder = torch.nn.GRUCell(embed_size + hidden_size, hidden_size)
        if attention:
            self.W_q = torch.nn.Linear(hidden_size, hidden_size, bias=False)
            self.W_k = torch.nn.Linear(hidden_size, hidden_size, bias=False)
            self.v = torch.nn.Linear(hidden_size, 1, bias=False)
        self.out = torch.nn.Linear(2 * hidden_size, tgt_vocab)
'''
_ENCODE = '''
    def encode(self, src, src_lengths):
        packed = torch.nn.utils.rnn.pack_padded_sequence(self.src_embed(src), src_lengths.cpu(), batch_first=True,
                                                         enforce_sorted=False)
        outputs, last = self.encoder(packed)
        memory, _ = torch.nn.utils.rnn.pad_packed_sequence(outputs, batch_first=True, total_length=src.shape[1])
        return memory, last[0]
'''
_SCORE = "torch.tanh(self.W_q(state)[:, None, :] + self.W_k(memory))"
_STEP = '''
    def decode_step(self, token, state, memory, mask):
        if self.attention:
            scores = self.v(SCORE)[:, :, 0]
            weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
            context = (weights[:, :, None] * memory).sum(dim=1)
        else:
            last = mask.sum(dim=1) - 1
            context = memory[torch.arange(memory.shape[0]), last]
            weights = torch.nn.functional.one_hot(last, memory.shape[1]).float()
        new_state = self.decoder(torch.cat([self.tgt_embed(token), context], dim=-1), state)
        return self.out(torch.cat([new_state, context], dim=-1)), new_state, weights
'''
_FORWARD = '''
    def forward(self, src, src_lengths, tgt_in, teacher_forcing=1.0, rng=None):
        memory, state = self.encode(src, src_lengths)
        mask = torch.arange(src.shape[1])[None, :] < src_lengths[:, None]
        logits = []
        token = tgt_in[:, 0]
        for t in range(tgt_in.shape[1]):
            step, state, _ = self.decode_step(token, state, memory, mask)
            logits.append(step)
            if t + 1 < tgt_in.shape[1]:
                token = tgt_in[:, t + 1]
                if teacher_forcing < 1:
                    rng = np.random.default_rng() if rng is None else rng
                    gold = torch.as_tensor(DRAW)
                    token = torch.where(gold, token, OWN)
        return torch.stack(logits, dim=1)
'''
_FORWARD_PARTS = {"DRAW": "rng.random(tgt_in.shape[0]) < teacher_forcing", "OWN": "step.detach().argmax(dim=-1)"}


def _model(encode=_ENCODE, step=_STEP, forward=_FORWARD, score=_SCORE, **forward_parts):
    for key, value in {**_FORWARD_PARTS, **forward_parts}.items():
        forward = forward.replace(key, value)
    return _INIT + encode + step.replace("SCORE", score) + forward


_DOT = "def dot_attention(query, keys, values, mask):\n"
_DOT_SCORES = "    e = np.einsum('bh,bsh->bs', query, keys)\n"


def _dot(scores=_DOT_SCORES, softmax=_SOFTMAX, ret=_RETURN, check=_CHECK):
    return _DOT + check + scores + softmax + ret


_BLEU = '''def bleu(candidates, references, max_n=4):
    from collections import Counter

    def grams(tokens, n):
        return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))

    matches, totals = [0] * max_n, [0] * max_n
    c = r = 0
    for candidate, refs in zip(candidates, references):
        c += len(candidate)
        r += REF_LENGTH
        for n in range(1, ORDERS):
            mine = grams(list(candidate), n)
            most = Counter()
            for ref in refs:
                most = COMBINE
            matches[n - 1] += MATCHED
            totals[n - 1] += sum(mine.values())
    if c == 0 or min(totals) == 0 or min(matches) == 0:
        return 0.0
    precisions = np.array(matches) / np.array(totals)
    penalty = PENALTY
    return float(penalty * MEAN)
'''
_BLEU_PARTS = {"REF_LENGTH": "min((abs(len(ref) - len(candidate)), len(ref)) for ref in refs)[1]",
               "ORDERS": "max_n + 1", "COMBINE": "most | grams(list(ref), n)", "MATCHED": "sum((mine & most).values())",
               "PENALTY": "1.0 if c > r else np.exp(1 - r / c)", "MEAN": "np.exp(np.log(precisions).mean())"}


def _bleu(**changes):
    code = _BLEU
    for key, value in {**_BLEU_PARTS, **changes}.items():
        code = code.replace(key, value)
    return code


_GREEDY = '''def greedy_decode(model, src, src_lengths, max_len):
    with torch.no_grad():
        memory, state = model.encode(src, src_lengths)
        mask = MASK
        token = torch.full((src.shape[0],), START, dtype=torch.long)
        finished = torch.zeros(src.shape[0], dtype=torch.bool)
        tokens = torch.full((src.shape[0], max_len), PAD, dtype=torch.long)
        for t in range(STEPS):
            logits, NEW_STATE, _ = model.decode_step(token, state, memory, mask)
            chosen = logits.argmax(dim=AXIS)
            tokens[:, t] = WRITE
            finished = finished | (chosen == EOS)
            token = FEED
    return tokens
'''
_GREEDY_PARTS = {"MASK": "torch.arange(src.shape[1])[None, :] < src_lengths[:, None]", "START": "BOS",
                 "STEPS": "max_len", "NEW_STATE": "state", "AXIS": "-1", "WRITE": "chosen.masked_fill(finished, PAD)",
                 "FEED": "chosen"}


def _greedy(**changes):
    code = _GREEDY
    for key, value in {**_GREEDY_PARTS, **changes}.items():
        code = code.replace(key, value)
    return code


_BEAM = '''def beam_search(model, src, src_lengths, beam_width, max_len):
    B = src.shape[0]
    tokens = torch.full((B, max_len), PAD, dtype=torch.long)
    scores = torch.zeros(B, dtype=torch.float64)
    with torch.no_grad():
        memory, state = model.encode(src, src_lengths)
        mask = torch.arange(src.shape[1])[None, :] < src_lengths[:, None]
        for b in range(B):
            beam = [([], 0.0, state[b], False)]
            for _ in range(STEPS):
                live = [h for h in beam if not h[3]]
                if not live:
                    break
                previous = torch.tensor([h[0][-1] if h[0] else BOS for h in live])
                logits, states, _ = model.decode_step(previous, torch.stack([h[2] for h in live]),
                                                      memory[b:b + 1].expand(len(live), -1, -1),
                                                      mask[b:b + 1].expand(len(live), -1))
                log_probs = NORMALISE
                candidates = KEPT
                for i, h in enumerate(live):
                    for token in TOKENS:
                        candidates.append((h[0] + [token], h[1] + GAIN, states[i], ENDED))
                beam = sorted(candidates, key=lambda h: -RANK)[:beam_width]
            best = PICK
            kept = best[0][:max_len]
            tokens[b, :len(kept)] = torch.tensor(kept, dtype=torch.long)
            scores[b] = best[1]
    return tokens, scores
'''
_BEAM_PARTS = {"STEPS": "max_len", "NORMALISE": "torch.log_softmax(logits.double(), dim=-1)",
               "KEPT": "[h for h in beam if h[3]]", "TOKENS": "range(log_probs.shape[1])",
               "GAIN": "float(log_probs[i, token])", "ENDED": "token == EOS", "RANK": "h[1]",
               "PICK": "max(beam, key=lambda h: h[1])"}


def _beam(**changes):
    code = _BEAM
    for key, value in {**_BEAM_PARTS, **changes}.items():
        code = code.replace(key, value)
    return code


MUTANTS = {
    "additive_attention": {
        "mask after the softmax, not renormalised": _attention(softmax=(
            "    w = np.exp(e - e.max(axis=1, keepdims=True))\n"
            "    w = w / w.sum(axis=1, keepdims=True) * mask\n")),
        "adds -1e9 to masked scores, no error for empty rows": _attention(check="", softmax=(
            "    e = e + np.where(mask, 0.0, -1e9)\n"
            "    w = np.exp(e - e.max(axis=1, keepdims=True))\n"
            "    w = w / w.sum(axis=1, keepdims=True)\n")),
        "subtracts 50 at masked positions": _attention(softmax=(
            "    e = np.where(mask, e, e - 50.0)\n"
            "    w = np.exp(e - e.max(axis=1, keepdims=True))\n"
            "    w = w / w.sum(axis=1, keepdims=True)\n")),
        "ignores the mask": _attention(softmax=(
            "    w = np.exp(e - e.max(axis=1, keepdims=True))\n"
            "    w = w / w.sum(axis=1, keepdims=True)\n")),
        "softmax over the batch axis": _attention(softmax=(
            "    e = np.where(mask, e, -1e300)\n"
            "    w = np.exp(e - e.max(axis=0, keepdims=True)) * mask\n"
            "    w = w / w.sum(axis=0, keepdims=True)\n")),
        "W_q and W_k swapped": _attention(scores="    e = np.tanh((query @ W_k.T)[:, None, :] + keys @ W_q.T) @ v\n"),
        "W_q untransposed": _attention(scores="    e = np.tanh((query @ W_q)[:, None, :] + keys @ W_k.T) @ v\n"),
        "tanh missing": _attention(scores="    e = ((query @ W_q.T)[:, None, :] + keys @ W_k.T) @ v\n"),
        "context from the keys": _attention(ret="    return np.einsum('bs,bsh->bh', w, keys), w\n"),
        "no max subtraction (overflows)": _attention(softmax=(
            "    w = np.where(mask, np.exp(e), 0.0)\n"
            "    w = w / w.sum(axis=1, keepdims=True)\n")),
        "NaN instead of an error for an empty row": _attention(check=""),
        "returns the scores as weights": _attention(
            ret="    return np.einsum('bs,bsh->bh', w, values), np.where(mask, e, 0.0)\n"),
    },
    "dot_attention": {
        "mask after the softmax, not renormalised": _dot(softmax=(
            "    w = np.exp(e - e.max(axis=1, keepdims=True))\n"
            "    w = w / w.sum(axis=1, keepdims=True) * mask\n")),
        "ignores the mask": _dot(softmax=(
            "    w = np.exp(e - e.max(axis=1, keepdims=True))\n"
            "    w = w / w.sum(axis=1, keepdims=True)\n")),
        "subtracts 50 at masked positions": _dot(softmax=(
            "    e = np.where(mask, e, e - 50.0)\n"
            "    w = np.exp(e - e.max(axis=1, keepdims=True))\n"
            "    w = w / w.sum(axis=1, keepdims=True)\n")),
        "scaled by 1/sqrt(H)": _dot(scores="    e = np.einsum('bh,bsh->bs', query, keys) / np.sqrt(query.shape[1])\n"),
        "softmax over the batch axis": _dot(softmax=(
            "    e = np.where(mask, e, -1e300)\n"
            "    w = np.exp(e - e.max(axis=0, keepdims=True)) * mask\n"
            "    w = w / w.sum(axis=0, keepdims=True)\n")),
        "context from the keys": _dot(ret="    return np.einsum('bs,bsh->bh', w, keys), w\n"),
        "no max subtraction (overflows)": _dot(softmax=(
            "    w = np.where(mask, np.exp(e), 0.0)\n"
            "    w = w / w.sum(axis=1, keepdims=True)\n")),
        "NaN instead of an error for an empty row": _dot(check=""),
        "returns the scores as weights": _dot(ret="    return np.einsum('bs,bsh->bh', w, values), np.where(mask, e, 0.0)\n"),
    },
    "bleu": {
        "no clipping": _bleu(MATCHED="sum(count for gram, count in mine.items() if gram in most)"),
        "no brevity penalty": _bleu(PENALTY="1.0"),
        "penalises longer outputs too": _bleu(PENALTY="np.exp(1 - max(r / c, c / r))"),
        "arithmetic mean of the precisions": _bleu(MEAN="precisions.mean()"),
        "average of sentence BLEUs": (_bleu().replace("def bleu(", "def corpus_bleu(") +
                                      "\n\ndef bleu(candidates, references, max_n=4):\n"
                                      "    scores = [corpus_bleu([c], [r], max_n) for c, r in zip(candidates, references)]\n"
                                      "    return float(np.mean(scores)) if scores else 0.0\n"),
        "orders 1 to max_n - 1": _bleu(ORDERS="max_n"),
        "shortest reference for the penalty": _bleu(REF_LENGTH="min(len(ref) for ref in refs)"),
        "clips by the summed reference counts": _bleu(COMBINE="most + grams(list(ref), n)"),
        "on the 0-100 scale": _bleu(MEAN="100 * np.exp(np.log(precisions).mean())"),
        "brevity penalty exp(1 - c / r)": _bleu(PENALTY="1.0 if c > r else np.exp(1 - c / r)"),
    },
    "Seq2Seq": {
        "no-attention context averages the valid states": _model(step=_STEP.replace(
            "context = memory[torch.arange(memory.shape[0]), last]",
            "context = (memory * mask[:, :, None]).sum(dim=1) / mask.sum(dim=1, keepdim=True)").replace(
            "weights = torch.nn.functional.one_hot(last, memory.shape[1]).float()",
            "weights = mask.float() / mask.sum(dim=1, keepdim=True)")),
        "scheduled sampling ignores the ratio (always teacher forcing)": _model(
            DRAW="np.ones(tgt_in.shape[0], dtype=bool)"),
        "scheduled sampling with the ratio inverted": _model(DRAW="rng.random(tgt_in.shape[0]) >= teacher_forcing"),
        "scheduled sampling draws from torch's global generator": _model(
            DRAW="(torch.rand(tgt_in.shape[0]) < teacher_forcing).numpy()"),
        "scheduled sampling: one draw per batch, not per example": _model(
            DRAW="np.full(tgt_in.shape[0], rng.random() < teacher_forcing)"),
        "free running feeds the token with the lowest score": _model(OWN="step.detach().argmin(dim=-1)"),
        "free running feeds BOS": _model(OWN="torch.full_like(token, BOS)"),
        "ignores src_lengths": _model(encode='''
    def encode(self, src, src_lengths):
        outputs, last = self.encoder(self.src_embed(src))
        return outputs, last[0]
'''),
        "attention ignores the mask": _model(step=_STEP.replace('scores.masked_fill(~mask, float("-inf"))', "scores")),
        "W_q and W_k swapped": _model(score="torch.tanh(self.W_k(state)[:, None, :] + self.W_q(memory))"),
        "tanh missing": _model(score="self.W_q(state)[:, None, :] + self.W_k(memory)"),
        "softmax over the batch axis": _model(step=_STEP.replace("float(\"-inf\")), dim=-1)", "-1e9), dim=0)")),
        "logits from the previous state": _model(step=_STEP.replace("torch.cat([new_state, context]",
                                                                    "torch.cat([state, context]")),
        "fixed context after the padding": _model(step=_STEP.replace(
            "context = memory[torch.arange(memory.shape[0]), last]", "context = memory[:, -1]")),
        "forward feeds its own predictions": _model(forward=_FORWARD.replace(
            "token = tgt_in[:, t + 1]\n", "token = step.detach().argmax(dim=-1)\n")),
        "context from the first position": _model(step=_STEP.replace(
            "context = (weights[:, :, None] * memory).sum(dim=1)", "context = memory[:, 0]")),
    },
    "greedy_decode": {
        "never feeds back its prediction": _greedy(FEED="torch.full_like(chosen, BOS)"),
        "no PAD after EOS": _greedy(WRITE="chosen"),
        "ignores src_lengths": _greedy(MASK="torch.ones(src.shape, dtype=torch.bool)"),
        "starts from PAD": _greedy(START="PAD"),
        "one step short": _greedy(STEPS="max_len - 1"),
        "argmax over the batch axis": _greedy(AXIS="0", WRITE="chosen[:1].expand(src.shape[0])",
                                              FEED="chosen[:1].expand(src.shape[0])"),
        "never updates the state": _greedy(NEW_STATE="_state"),
        "writes the input token": _greedy(WRITE="token.masked_fill(finished, PAD)"),
    },
    "beam_search": {
        "adds logits, not log-probabilities": _beam(NORMALISE="logits.double()"),
        "extends ended hypotheses": _beam(ENDED="False"),
        "length-normalised score": _beam(RANK="h[1] / max(len(h[0]), 1)",
                                         PICK="max(beam, key=lambda h: h[1] / max(len(h[0]), 1))"),
        "best token per hypothesis only": _beam(TOKENS="(range(log_probs.shape[1]) if not h[0] else "
                                                       "[int(log_probs[i].argmax())])"),
        "EOS not scored": _beam(GAIN="(float(log_probs[i, token]) if token != EOS else 0.0)"),
        "one step short": _beam(STEPS="max_len - 1"),
        "returns the worst hypothesis of the beam": _beam(PICK="beam[-1]"),
        "forgets ended hypotheses": _beam(KEPT="[]"),
    },
    "checkpoint_bottleneck": {
        "all states": "bottleneck = \"all the encoder's states\"",
        "output layer": 'bottleneck = "the output layer"',
        "not a choice": 'bottleneck = "the context"',
    },
    "checkpoint_attention_cost": {
        "no attention size": "tanh_count = 11 * 40",
        "per step": "tanh_count = 40 * 32",
        "a string": 'tanh_count = "14080"',
    },
    "checkpoint_beam_one": {
        "exhaustive": 'beam_one = "exhaustive search"',
        "sampling": 'beam_one = "sampling from the model"',
    },
    "checkpoint_metric": {
        "BLEU": 'date_metric = "BLEU"',
        "perplexity": 'date_metric = "perplexity"',
    },
}

ALTERNATIVES = {
    "dot_attention": {
        "loop over rows, valid positions only": (
            _DOT +
            "    B, S = mask.shape\n"
            "    context = np.zeros((B, values.shape[2]))\n"
            "    weights = np.zeros((B, S))\n"
            "    for b in range(B):\n"
            "        valid = np.flatnonzero(mask[b])\n"
            "        if valid.size == 0:\n"
            "            raise ValueError(f'row {b} of mask has nothing to attend to')\n"
            "        e = keys[b, valid] @ query[b]\n"
            "        p = np.exp(e - e.max())\n"
            "        weights[b, valid] = p / p.sum()\n"
            "        context[b] = weights[b] @ values[b]\n"
            "    return context, weights\n"),
        "matmul and logsumexp": (
            _DOT +
            "    m = np.asarray(mask, dtype=bool)\n"
            "    if (~m).all(axis=-1).any():\n"
            "        raise ValueError('dot_attention needs a valid position in every row')\n"
            "    e = (keys @ query[:, :, None])[:, :, 0]\n"
            "    top = np.max(np.where(m, e, -np.inf), axis=-1, keepdims=True)\n"
            "    log_z = top + np.log(np.sum(np.where(m, np.exp(np.where(m, e, top) - top), 0.0), axis=-1, "
            "keepdims=True))\n"
            "    w = np.where(m, np.exp(np.where(m, e, log_z) - log_z), 0.0)\n"
            "    return (w[:, None, :] @ values)[:, 0, :], w\n"),
    },
    "bleu": {
        "dicts and logs, per order": '''def bleu(candidates, references, max_n=4):
    import math

    def counts(tokens, n):
        table = {}
        for i in range(len(tokens) - n + 1):
            key = tuple(tokens[i:i + n])
            table[key] = table.get(key, 0) + 1
        return table

    log_sum = 0.0
    for n in range(1, max_n + 1):
        hit = total = 0
        for candidate, refs in zip(candidates, references):
            mine = counts(candidate, n)
            ref_tables = [counts(ref, n) for ref in refs]
            for gram, k in mine.items():
                hit += min(k, max(table.get(gram, 0) for table in ref_tables))
                total += k
        if hit == 0 or total == 0:
            return 0.0
        log_sum += math.log(hit / total)
    c = sum(len(candidate) for candidate in candidates)
    r = 0
    for candidate, refs in zip(candidates, references):
        lengths = sorted(len(ref) for ref in refs)
        r += min(lengths, key=lambda n: abs(n - len(candidate)))
    if c == 0:
        return 0.0
    brevity = 1.0 if c > r else math.exp(1 - r / c)
    return brevity * math.exp(log_sum / max_n)
''',
        "numpy arrays of n-gram strings": '''def bleu(candidates, references, max_n=4):
    from collections import Counter

    c = sum(map(len, candidates))
    if c == 0:
        return 0.0
    r = sum(sorted((len(ref) for ref in refs), key=lambda n: (abs(n - len(cand)), n))[0]
            for cand, refs in zip(candidates, references))
    precisions = []
    for n in range(1, max_n + 1):
        clipped = np.array([sum((Counter(zip(*[cand[i:] for i in range(n)])) & Counter(
            {g: max(Counter(zip(*[ref[i:] for i in range(n)]))[g] for ref in refs)
             for g in set(zip(*[cand[i:] for i in range(n)]))})).values())
            for cand, refs in zip(candidates, references)])
        total = np.array([max(len(cand) - n + 1, 0) for cand in candidates])
        if total.sum() == 0 or clipped.sum() == 0:
            return 0.0
        precisions.append(clipped.sum() / total.sum())
    return float(min(1.0, np.exp(1 - r / c)) * np.prod(precisions) ** (1 / max_n))
''',
    },
    "additive_attention": {
        "loop over rows, valid positions only": (
            _ATT +
            "    B, S = mask.shape\n"
            "    context = np.zeros((B, values.shape[2]))\n"
            "    weights = np.zeros((B, S))\n"
            "    for b in range(B):\n"
            "        valid = np.flatnonzero(mask[b])\n"
            "        if valid.size == 0:\n"
            "            raise ValueError(f'row {b} of mask has no valid position')\n"
            "        e = np.array([v @ np.tanh(W_q @ query[b] + W_k @ keys[b, s]) for s in valid])\n"
            "        p = np.exp(e - e.max())\n"
            "        weights[b, valid] = p / p.sum()\n"
            "        context[b] = weights[b] @ values[b]\n"
            "    return context, weights\n"),
        "einsum and logsumexp": (
            _ATT +
            "    m = np.asarray(mask, dtype=bool)\n"
            "    if (~m).all(axis=-1).any():\n"
            "        raise ValueError('additive_attention needs a valid position in every row')\n"
            "    u = np.einsum('ah,bh->ba', W_q, query)[:, None, :] + np.einsum('ak,bsk->bsa', W_k, keys)\n"
            "    e = np.einsum('bsa,a->bs', np.tanh(u), v)\n"
            "    top = np.max(np.where(m, e, -np.inf), axis=-1, keepdims=True)\n"
            "    log_z = top + np.log(np.sum(np.where(m, np.exp(np.where(m, e, top) - top), 0.0), axis=-1, "
            "keepdims=True))\n"
            "    w = np.where(m, np.exp(np.where(m, e, log_z) - log_z), 0.0)\n"
            "    return np.einsum('bs,bsv->bv', w, values), w\n"),
        "zero the weights and renormalise": (
            _ATT + _CHECK +
            "    e = np.tanh(query[:, None, :] @ W_q.T + keys @ W_k.T) @ v\n"
            "    shifted = e - np.where(mask, e, -np.inf).max(axis=1, keepdims=True)\n"
            "    w = np.where(mask, np.exp(np.minimum(shifted, 0.0)), 0.0)\n"
            "    w /= w.sum(axis=1, keepdims=True)\n"
            "    return (w[:, :, None] * values).sum(axis=1), w\n"),
    },
    "Seq2Seq": {
        "no packing, gather the last state; -1e9 fill": _model(encode='''
    def encode(self, src, src_lengths):
        outputs, _ = self.encoder(self.src_embed(src))
        last = outputs[torch.arange(src.shape[0]), src_lengths - 1]
        return outputs, last
''', step=_STEP.replace('float("-inf")', "-1e9").replace(
            "context = (weights[:, :, None] * memory).sum(dim=1)",
            "context = torch.einsum('bs,bsh->bh', weights, memory)")),
        "preallocated logits, bmm": _model(step=_STEP.replace(
            "context = (weights[:, :, None] * memory).sum(dim=1)",
            "context = torch.bmm(weights.unsqueeze(1), memory).squeeze(1)"), forward='''
    def forward(self, src, src_lengths, tgt_in, teacher_forcing=1.0, rng=None):
        memory, state = self.encode(src, src_lengths)
        mask = torch.arange(src.shape[1]).expand(src.shape[0], -1) < src_lengths.unsqueeze(1)
        B, T = tgt_in.shape
        if teacher_forcing >= 1:
            true = torch.ones(B, T, dtype=torch.bool)
        else:
            draws = (rng if rng is not None else np.random.default_rng()).random((T - 1, B)).T
            true = torch.cat([torch.ones(B, 1, dtype=torch.bool), torch.from_numpy(draws < teacher_forcing)], dim=1)
        logits = None
        token = tgt_in[:, 0]
        for t in range(T):
            if t > 0:
                token = torch.where(true[:, t], tgt_in[:, t], logits[:, t - 1].detach().argmax(-1))
            step, state, _ = self.decode_step(token, state, memory, mask)
            if logits is None:
                logits = step.new_zeros(B, T, step.shape[-1])
            logits[:, t] = step
        return logits
'''),
    },
    "greedy_decode": {
        "one row at a time": '''def greedy_decode(model, src, src_lengths, max_len):
    rows = []
    with torch.no_grad():
        for b in range(src.shape[0]):
            memory, state = model.encode(src[b:b + 1], src_lengths[b:b + 1])
            mask = torch.arange(src.shape[1])[None, :] < src_lengths[b:b + 1, None]
            token, row = torch.tensor([BOS]), []
            while len(row) < max_len:
                logits, state, _ = model.decode_step(token, state, memory, mask)
                token = logits.argmax(dim=1)
                row.append(int(token))
                if row[-1] == EOS:
                    break
            rows.append(row + [PAD] * (max_len - len(row)))
    return torch.tensor(rows, dtype=torch.long)
''',
        "list of columns, stop when all ended": '''def greedy_decode(model, src, src_lengths, max_len):
    B = len(src)
    with torch.no_grad():
        memory, state = model.encode(src, src_lengths)
        mask = torch.stack([torch.arange(src.shape[1]) < n for n in src_lengths])
        previous = torch.full((B,), BOS)
        alive = torch.ones(B, dtype=torch.bool)
        columns = []
        for _ in range(max_len):
            if not alive.any():
                columns.append(torch.zeros(B, dtype=torch.long))
                continue
            logits, state, _ = model.decode_step(previous, state, memory, mask)
            previous = torch.max(logits, dim=-1).indices
            columns.append(torch.where(alive, previous, torch.zeros_like(previous)))
            alive = alive & (previous != EOS)
    return torch.stack(columns, dim=1)
''',
    },
    "beam_search": {
        "topk over a flattened score table": '''def beam_search(model, src, src_lengths, beam_width, max_len):
    B = src.shape[0]
    out = torch.zeros(B, max_len, dtype=torch.long)
    best_scores = torch.zeros(B, dtype=torch.float64)
    with torch.no_grad():
        memory, state = model.encode(src, src_lengths)
        mask = torch.arange(src.shape[1])[None, :] < src_lengths[:, None]
        for b in range(B):
            seqs, scores, states, ended = [[]], torch.zeros(1, dtype=torch.float64), state[b:b + 1], [False]
            for _ in range(max_len):
                if all(ended):
                    break
                live = [i for i, e in enumerate(ended) if not e]
                prev = torch.tensor([seqs[i][-1] if seqs[i] else BOS for i in live])
                logits, new_states, _ = model.decode_step(prev, states[live], memory[b:b + 1].repeat(len(live), 1, 1),
                                                          mask[b:b + 1].repeat(len(live), 1))
                logp = torch.log_softmax(logits.to(torch.float64), dim=1)
                V = logp.shape[1]
                table = (scores[live][:, None] + logp).reshape(-1)
                done = [i for i, e in enumerate(ended) if e]
                pool = torch.cat([scores[done], table])
                top = torch.topk(pool, min(beam_width, len(pool))).indices.tolist()
                new = []
                for j in top:
                    if j < len(done):
                        i = done[j]
                        new.append((seqs[i], scores[i], states[i], True))
                    else:
                        row, token = divmod(j - len(done), V)
                        new.append((seqs[live[row]] + [token], pool[j], new_states[row], token == EOS))
                seqs = [n[0] for n in new]
                scores = torch.stack([torch.as_tensor(n[1], dtype=torch.float64) for n in new])
                states = torch.stack([n[2] for n in new])
                ended = [n[3] for n in new]
            k = int(torch.argmax(scores))
            out[b, :len(seqs[k])] = torch.tensor(seqs[k], dtype=torch.long)
            best_scores[b] = scores[k]
    return out, best_scores
''',
        "finished list kept beside the beam": '''def beam_search(model, src, src_lengths, beam_width, max_len):
    import math
    results, totals = [], []
    with torch.no_grad():
        memory, state = model.encode(src, src_lengths)
        mask = torch.arange(src.shape[1])[None, :] < src_lengths[:, None]
        for b in range(src.shape[0]):
            live = [(0.0, [], state[b])]
            finished = []
            for _ in range(max_len):
                if not live:
                    break
                logits, states, _ = model.decode_step(
                    torch.tensor([seq[-1] if seq else BOS for _, seq, _ in live]),
                    torch.stack([s for _, _, s in live]),
                    memory[b].unsqueeze(0).expand(len(live), -1, -1), mask[b].unsqueeze(0).expand(len(live), -1))
                logp = logits.double() - torch.logsumexp(logits.double(), dim=1, keepdim=True)
                options = [(score, seq, None, True) for score, seq in finished]
                for i, (score, seq, _) in enumerate(live):
                    for token, lp in enumerate(logp[i].tolist()):
                        options.append((score + lp, seq + [token], states[i], token == EOS))
                options.sort(key=lambda o: o[0], reverse=True)
                kept = options[:beam_width]
                finished = [(s, q) for s, q, _, e in kept if e]
                live = [(s, q, st) for s, q, st, e in kept if not e]
            everything = finished + [(s, q) for s, q, _ in live]
            score, seq = max(everything, key=lambda o: o[0])
            results.append(seq + [PAD] * (max_len - len(seq)))
            totals.append(score if not math.isnan(score) else 0.0)
    return torch.tensor(results, dtype=torch.long), torch.tensor(totals, dtype=torch.float64)
''',
    },
    "checkpoint_bottleneck": {
        "capitals": "bottleneck = \"The encoder's last state\"",
        "plain": "bottleneck = \"the encoder's last state\"",
    },
    "checkpoint_attention_cost": {
        "a number": "tanh_count = 14080",
        "a product": "tanh_count = 11 * 40 * 32",
    },
    "checkpoint_beam_one": {
        "capitals": 'beam_one = "Greedy decoding"',
        "plain": 'beam_one = "greedy decoding"',
    },
    "checkpoint_metric": {
        "capitals": 'date_metric = "Exact match"',
        "plain": 'date_metric = "exact match"',
    },
}

WRONG = {
    "additive_attention": "context from the keys", "dot_attention": "ignores the mask",
    "bleu": "no clipping", "Seq2Seq": "ignores src_lengths",
    "greedy_decode": "never feeds back its prediction", "beam_search": "adds logits, not log-probabilities",
    "checkpoint_bottleneck": "all states", "checkpoint_attention_cost": "no attention size",
    "checkpoint_beam_one": "exhaustive", "checkpoint_metric": "BLEU",
}

VISIBLE_MESSAGES = {
    ("additive_attention", "mask after the softmax, not renormalised"): "still get weight",
    ("additive_attention", "adds -1e9 to masked scores, no error for empty rows"): "raise ValueError",
    ("additive_attention", "subtracts 50 at masked positions"): "exactly zero weight",
    ("additive_attention", "ignores the mask"): "exactly zero weight",
    ("additive_attention", "W_q and W_k swapped"): "swapped",
    ("additive_attention", "W_q untransposed"): "untransposed",
    ("additive_attention", "tanh missing"): "tanh is missing",
    ("additive_attention", "context from the keys"): "VALUES",
    ("additive_attention", "NaN instead of an error for an empty row"): "raise ValueError",
    ("dot_attention", "mask after the softmax, not renormalised"): "still get weight",
    ("dot_attention", "ignores the mask"): "exactly zero weight",
    ("dot_attention", "scaled by 1/sqrt(H)"): "sqrt(H)",
    ("dot_attention", "NaN instead of an error for an empty row"): "raise ValueError",
    ("bleu", "no clipping"): "clipped",
    ("bleu", "no brevity penalty"): "brevity penalty is missing",
    ("bleu", "arithmetic mean of the precisions"): "geometric mean",
    ("bleu", "average of sentence BLEUs"): "averages sentence BLEUs",
    ("bleu", "orders 1 to max_n - 1"): "one order short",
    ("bleu", "shortest reference for the penalty"): "shortest reference",
    ("bleu", "on the 0-100 scale"): "0-100",
    ("Seq2Seq", "ignores src_lengths"): "after the padding",
    ("Seq2Seq", "no-attention context averages the valid states"): "LAST VALID state",
    ("Seq2Seq", "scheduled sampling ignores the ratio (always teacher forcing)"): "still reads the true tokens",
    ("Seq2Seq", "scheduled sampling draws from torch's global generator"): "rng",
    ("Seq2Seq", "attention ignores the mask"): "exactly zero weight",
    ("greedy_decode", "never feeds back its prediction"): "never feeds back",
    ("greedy_decode", "no PAD after EOS"): "PAD",
    ("greedy_decode", "ignores src_lengths"): "attends to padding",
    ("greedy_decode", "one step short"): "one step early",
    ("beam_search", "adds logits, not log-probabilities"): "log-probabilities",
    ("beam_search", "extends ended hypotheses"): "ended",
    ("beam_search", "length-normalised score"): "length",
}
