"""Plausible wrong (MUTANTS) and differently written correct (ALTERNATIVES) solutions for lesson 07.

Each entry is the full code a learner might put in the solution cell whose grade_id is the key.
WRONG picks, per solution cell, one mistake the visible tests catch too (graded for real by nbgrader);
VISIBLE_MESSAGES says what the visible test must say for some mistakes.
"""

_PPL = "def perplexity(nll):\n"
_SAMPLE = "def sample_with_temperature(logits, temperature, rng):\n"
_SOFTMAX = (
    "    logits = np.asarray(logits, dtype=np.float64)\n"
    "    if temperature == 0:\n"
    "        return logits.argmax(axis=-1)\n"
)
_DRAW = (
    "    p = np.exp(z - z.max(axis=-1, keepdims=True))\n"
    "    p /= p.sum(axis=-1, keepdims=True)\n"
    "    u = rng.random(p.shape[:-1] + (1,))\n"
    "    return np.minimum((p.cumsum(axis=-1) < u).sum(axis=-1), p.shape[-1] - 1)\n"
)
_BPTT = (
    "def bptt_batches(ids, batch_size, seq_len):\n"
    "    ids = np.asarray(ids)\n"
    "    L = (len(ids) - 1) // batch_size\n"
)
_BPTT_SLICES = (
    "    return [(x[:, s:s + seq_len], y[:, s:s + seq_len]) for s in range(0, L, seq_len)]\n"
)
_LM_HEAD = (
    "class CharLM(nn.Module):\n"
    "    def __init__(self, vocab_size, embed_size, hidden_size, num_layers=1, cell='lstm'):\n"
    "        super().__init__()\n"
    "        self.embedding = nn.Embedding(vocab_size, embed_size)\n"
)
_LM_RNN = "        self.rnn = {'lstm': nn.LSTM, 'gru': nn.GRU}[cell](embed_size, hidden_size, num_layers, batch_first=True)\n"
_LM_LINEAR = "        self.head = nn.Linear(hidden_size, vocab_size)\n"
_LM_FORWARD = "    def forward(self, ids, state=None):\n"


def _lm(rnn=_LM_RNN, forward="        out, state = self.rnn(self.embedding(ids), state)\n        return self.head(out), state\n"):
    return _LM_HEAD + rnn + _LM_LINEAR + _LM_FORWARD + forward


def _train(body_loss="        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))\n",
           update=("        optimizer.zero_grad()\n        loss.backward()\n"
                   "        nn.utils.clip_grad_norm_(model.parameters(), clip)\n        optimizer.step()\n"),
           detach="        state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()\n",
           reset="        if step % len(batches) == 0:\n            state = None\n",
           optimizer="    optimizer = torch.optim.Adam(model.parameters(), lr=lr)\n"):
    return ("def train_language_model(model, batches, steps, lr, clip):\n" + optimizer +
            "    losses, state = [], None\n    for step in range(steps):\n" + reset +
            "        inputs, targets = (torch.as_tensor(np.asarray(a), dtype=torch.long) for a in batches[step % len(batches)])\n"
            "        logits, state = model(inputs, state)\n" + body_loss + update + detach +
            "        losses.append(loss.item())\n    return losses")


MUTANTS = {
    "perplexity": {
        "mean NLL": _PPL + "    return float(np.mean(nll))",
        "mean of exp": _PPL + "    return float(np.mean(np.exp(nll)))",
        "base 2": _PPL + "    return float(2 ** np.mean(nll))",
        "exp of the sum": _PPL + "    return float(np.exp(np.sum(nll)))",
        "exp of minus the mean": _PPL + "    return float(np.exp(-np.mean(nll)))",
        "arrays only": _PPL + "    return float(np.exp(nll.mean()))",
        "mean over the first axis": _PPL + "    return np.exp(np.mean(nll, axis=0))",
        "median": _PPL + "    return float(np.exp(np.median(nll)))",
    },
    "sample_with_temperature": {
        "temperature multiplies": _SAMPLE + _SOFTMAX + "    z = logits * temperature\n" + _DRAW,
        "ignores the temperature": _SAMPLE + _SOFTMAX + "    z = logits\n" + _DRAW,
        "global numpy RNG": _SAMPLE + _SOFTMAX + "    z = logits / temperature\n" + _DRAW.replace(
            "rng.random(", "np.random.random("),
        "no max subtraction (overflow)": _SAMPLE + _SOFTMAX + "    z = logits / temperature\n" + _DRAW.replace(
            "np.exp(z - z.max(axis=-1, keepdims=True))", "np.exp(z)"),
        "divides by temperature 0": (_SAMPLE + "    logits = np.asarray(logits, dtype=np.float64)\n"
                                     "    z = logits / temperature\n" + _DRAW),
        "always greedy": _SAMPLE + "    return np.asarray(logits).argmax(axis=-1)",
        "uniform draw": _SAMPLE + _SOFTMAX + "    return rng.integers(0, logits.shape[-1], size=logits.shape[:-1])",
        "fresh generator": _SAMPLE + _SOFTMAX + "    z = logits / temperature\n" + _DRAW.replace(
            "rng.random(", "np.random.default_rng(0).random("),
        "first row's distribution for every row": _SAMPLE + _SOFTMAX + "    z = logits / temperature\n" + _DRAW.replace(
            "    u = rng.random", "    p = np.broadcast_to(p.reshape(-1, p.shape[-1])[0], p.shape)\n    u = rng.random"),
        "off by one in the cumulative sum": _SAMPLE + _SOFTMAX + "    z = logits / temperature\n" + _DRAW.replace(
            "(p.cumsum(axis=-1) < u).sum(axis=-1)", "(p.cumsum(axis=-1) < u).sum(axis=-1) + 1"),
        "divides the logits in place": (_SAMPLE + "    if temperature == 0:\n        return np.asarray(logits).argmax(axis=-1)\n"
                                        "    logits /= temperature\n    z = logits\n" + _DRAW),
    },
    "bptt_batches": {
        "targets equal inputs": _BPTT + "    x = ids[:batch_size * L].reshape(batch_size, L)\n    y = x\n" + _BPTT_SLICES,
        "targets shifted backwards": (_BPTT + "    x = ids[1:batch_size * L + 1].reshape(batch_size, L)\n"
                                      "    y = ids[:batch_size * L].reshape(batch_size, L)\n" + _BPTT_SLICES),
        "interleaved streams": (_BPTT + "    x = ids[:batch_size * L].reshape(L, batch_size).T\n"
                                "    y = ids[1:batch_size * L + 1].reshape(L, batch_size).T\n" + _BPTT_SLICES),
        "stream length len // batch_size": (
            "def bptt_batches(ids, batch_size, seq_len):\n    ids = np.asarray(ids)\n    L = len(ids) // batch_size\n"
            "    x = ids[:batch_size * L].reshape(batch_size, L)\n"
            "    y = ids[1:batch_size * L + 1].reshape(batch_size, L)\n" + _BPTT_SLICES),
        "drops the last short batch": (_BPTT + "    x = ids[:batch_size * L].reshape(batch_size, L)\n"
                                       "    y = ids[1:batch_size * L + 1].reshape(batch_size, L)\n"
                                       "    return [(x[:, s:s + seq_len], y[:, s:s + seq_len])"
                                       " for s in range(0, L - seq_len + 1, seq_len)]"),
        "skips a step between batches": (_BPTT + "    x = ids[:batch_size * L].reshape(batch_size, L)\n"
                                         "    y = ids[1:batch_size * L + 1].reshape(batch_size, L)\n"
                                         "    return [(x[:, s:s + seq_len], y[:, s:s + seq_len])"
                                         " for s in range(0, L, seq_len + 1)]"),
        "time-major batches": (_BPTT + "    x = ids[:batch_size * L].reshape(batch_size, L)\n"
                               "    y = ids[1:batch_size * L + 1].reshape(batch_size, L)\n"
                               "    return [(x[:, s:s + seq_len].T, y[:, s:s + seq_len].T) for s in range(0, L, seq_len)]"),
        "consecutive chunks as rows": (
            "def bptt_batches(ids, batch_size, seq_len):\n    ids = np.asarray(ids)\n    out = []\n"
            "    step = batch_size * seq_len\n"
            "    for s in range(0, len(ids) - 1 - step + 1, step):\n"
            "        out.append((ids[s:s + step].reshape(batch_size, seq_len),"
            " ids[s + 1:s + step + 1].reshape(batch_size, seq_len)))\n"
            "    return out"),
    },
    "CharLM": {
        "softmax output": _lm(forward="        out, state = self.rnn(self.embedding(ids), state)\n"
                                      "        return torch.softmax(self.head(out), dim=-1), state\n"),
        "ignores the state": _lm(forward="        out, state = self.rnn(self.embedding(ids))\n"
                                         "        return self.head(out), state\n"),
        "no batch_first": _lm(rnn="        self.rnn = {'lstm': nn.LSTM, 'gru': nn.GRU}[cell]"
                                  "(embed_size, hidden_size, num_layers)\n"),
        "always an LSTM": _lm(rnn="        self.rnn = nn.LSTM(embed_size, hidden_size, num_layers, batch_first=True)\n"),
        "one layer always": _lm(rnn="        self.rnn = {'lstm': nn.LSTM, 'gru': nn.GRU}[cell]"
                                    "(embed_size, hidden_size, batch_first=True)\n"),
        "last step only": _lm(forward="        out, state = self.rnn(self.embedding(ids), state)\n"
                                      "        return self.head(out[:, -1]), state\n"),
        "tanh before the head": _lm(forward="        out, state = self.rnn(self.embedding(ids), state)\n"
                                            "        return self.head(torch.tanh(out)), state\n"),
        "returns the given state": _lm(forward="        out, new_state = self.rnn(self.embedding(ids), state)\n"
                                               "        return self.head(out), state\n"),
        "other attribute names": (
            "class CharLM(nn.Module):\n"
            "    def __init__(self, vocab_size, embed_size, hidden_size, num_layers=1, cell='lstm'):\n"
            "        super().__init__()\n"
            "        self.embed = nn.Embedding(vocab_size, embed_size)\n"
            "        self.lstm = {'lstm': nn.LSTM, 'gru': nn.GRU}[cell](embed_size, hidden_size, num_layers, batch_first=True)\n"
            "        self.out = nn.Linear(hidden_size, vocab_size)\n"
            "    def forward(self, ids, state=None):\n"
            "        o, state = self.lstm(self.embed(ids), state)\n"
            "        return self.out(o), state\n"),
    },
    "train_language_model": {
        "no detach": _train(detach=""),
        "no detach, retain_graph": _train(detach="", update=(
            "        optimizer.zero_grad()\n        loss.backward(retain_graph=True)\n"
            "        nn.utils.clip_grad_norm_(model.parameters(), clip)\n        optimizer.step()\n")),
        "state reset at every batch": _train(reset="        state = None\n"),
        "state never reset": _train(reset=""),
        "no clipping": _train(update="        optimizer.zero_grad()\n        loss.backward()\n        optimizer.step()\n"),
        "clips values, not the norm": _train(update=(
            "        optimizer.zero_grad()\n        loss.backward()\n"
            "        nn.utils.clip_grad_value_(model.parameters(), clip)\n        optimizer.step()\n")),
        "SGD": _train(optimizer="    optimizer = torch.optim.SGD(model.parameters(), lr=lr)\n"),
        "no zero_grad": _train(update=("        loss.backward()\n"
                                       "        nn.utils.clip_grad_norm_(model.parameters(), clip)\n        optimizer.step()\n")),
        "loss summed": _train(body_loss=(
            "        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),"
            " reduction='sum')\n")),
        "new optimiser every step": _train(optimizer="", reset=(
            "        optimizer = torch.optim.Adam(model.parameters(), lr=lr)\n"
            "        if step % len(batches) == 0:\n            state = None\n")),
    },
    "checkpoint_bits": {
        "nats": "bits_per_character = math.log(4.0)",
        "the perplexity": "bits_per_character = 4.0",
        "its inverse": "bits_per_character = 0.5",
        "a string": 'bits_per_character = "2"',
    },
    "checkpoint_temperature": {
        "uniform": 'temperature_zero = "a uniformly random id"',
        "a draw": 'temperature_zero = "a draw from the model\'s distribution"',
        "not a choice": 'temperature_zero = "argmax"',
    },
    "checkpoint_detach": {
        "reset": 'why_detach = "the state is reset to zero"',
        "frozen": 'why_detach = "the state stops changing between batches"',
    },
    "checkpoint_exposure": {
        "split": 'exposure_bias = "validation text differs from training text"',
        "vanishing": 'exposure_bias = "gradients vanish over long texts"',
    },
}

ALTERNATIVES = {
    "perplexity": {
        "geometric mean of inverse probabilities": (
            _PPL + "    a = np.asarray(nll, dtype=float).ravel()\n"
            "    return float(np.prod(np.exp(a / a.size)))"),
        "torch": _PPL + "    return torch.as_tensor(np.asarray(nll, dtype=np.float64)).mean().exp().item()",
        "sum over size": _PPL + "    a = np.asarray(nll, dtype=float)\n    return math.exp(a.sum() / a.size)",
    },
    "sample_with_temperature": {
        "rng.choice per row": (
            _SAMPLE + "    z = np.array(logits, dtype=float)\n"
            "    if temperature == 0:\n        return np.argmax(z, axis=-1)\n"
            "    rows = z.reshape(-1, z.shape[-1]) / temperature\n"
            "    out = []\n"
            "    for r in rows:\n"
            "        e = np.exp(r - r.max())\n"
            "        out.append(rng.choice(len(r), p=e / e.sum()))\n"
            "    out = np.array(out)\n"
            "    return out[0] if z.ndim == 1 else out"),
        "Gumbel-max": (
            _SAMPLE + "    z = np.asarray(logits, dtype=float)\n"
            "    if temperature <= 0:\n        return z.argmax(-1)\n"
            "    return np.argmax(z / temperature + rng.gumbel(size=z.shape), axis=-1)"),
        "multinomial counts": (
            _SAMPLE + "    z = np.asarray(logits, dtype=float)\n"
            "    if not temperature:\n        return np.argmax(z, axis=-1)\n"
            "    s = (z - z.max(axis=-1, keepdims=True)) / temperature\n"
            "    p = np.exp(s) / np.exp(s).sum(axis=-1, keepdims=True)\n"
            "    counts = rng.multinomial(1, p.reshape(-1, p.shape[-1]))\n"
            "    ids = counts.argmax(axis=1)\n"
            "    return ids[0] if z.ndim == 1 else ids"),
    },
    "bptt_batches": {
        "loop over streams": (
            "def bptt_batches(ids, batch_size, seq_len):\n"
            "    n = (len(ids) - 1) // batch_size\n"
            "    streams = [np.asarray(ids[b * n:(b + 1) * n + 1]) for b in range(batch_size)]\n"
            "    batches = []\n"
            "    start = 0\n"
            "    while start < n:\n"
            "        stop = min(start + seq_len, n)\n"
            "        batches.append((np.stack([s[start:stop] for s in streams]),"
            " np.stack([s[start + 1:stop + 1] for s in streams])))\n"
            "        start = stop\n"
            "    return batches"),
        "index arithmetic": (
            "def bptt_batches(ids, batch_size, seq_len):\n"
            "    ids = np.asarray(ids, dtype=np.int64)\n"
            "    length = (ids.size - 1) // batch_size\n"
            "    out = []\n"
            "    for k in range(-(-length // seq_len)):\n"
            "        cols = np.arange(k * seq_len, min((k + 1) * seq_len, length))\n"
            "        pos = np.arange(batch_size)[:, None] * length + cols[None, :]\n"
            "        out.append((ids[pos], ids[pos + 1]))\n"
            "    return out"),
    },
    "CharLM": {
        "if-else and named outputs": (
            "class CharLM(nn.Module):\n"
            "    def __init__(self, vocab_size, embed_size, hidden_size, num_layers=1, cell='lstm'):\n"
            "        super().__init__()\n"
            "        self.embedding = nn.Embedding(num_embeddings=vocab_size, embedding_dim=embed_size)\n"
            "        if cell == 'gru':\n"
            "            self.rnn = nn.GRU(input_size=embed_size, hidden_size=hidden_size, num_layers=num_layers,"
            " batch_first=True)\n"
            "        else:\n"
            "            self.rnn = nn.LSTM(input_size=embed_size, hidden_size=hidden_size, num_layers=num_layers,"
            " batch_first=True)\n"
            "        self.head = nn.Linear(in_features=hidden_size, out_features=vocab_size)\n"
            "    def forward(self, ids, state=None):\n"
            "        vectors = self.embedding(ids)\n"
            "        if state is None:\n"
            "            hidden, new_state = self.rnn(vectors)\n"
            "        else:\n"
            "            hidden, new_state = self.rnn(vectors, state)\n"
            "        logits = self.head(hidden)\n"
            "        return logits, new_state\n"),
        "getattr and flattened head": (
            "class CharLM(nn.Module):\n"
            "    def __init__(self, vocab_size, embed_size, hidden_size, num_layers=1, cell='lstm'):\n"
            "        super().__init__()\n"
            "        self.embedding = nn.Embedding(vocab_size, embed_size)\n"
            "        self.rnn = getattr(nn, cell.upper())(embed_size, hidden_size, num_layers=num_layers,"
            " batch_first=True)\n"
            "        self.head = nn.Linear(hidden_size, vocab_size)\n"
            "    def forward(self, ids, state=None):\n"
            "        out, state = self.rnn(self.embedding(ids.long()), state)\n"
            "        B, T, H = out.shape\n"
            "        return self.head(out.reshape(B * T, H)).reshape(B, T, -1), state\n"),
    },
    "train_language_model": {
        "CrossEntropyLoss on (B, V, T) and explicit detach": (
            "def train_language_model(model, batches, steps, lr, clip):\n"
            "    opt = torch.optim.Adam(model.parameters(), lr=lr)\n"
            "    criterion = nn.CrossEntropyLoss()\n"
            "    history = []\n"
            "    state = None\n"
            "    for step in range(steps):\n"
            "        k = step % len(batches)\n"
            "        x, y = batches[k]\n"
            "        if k == 0:\n"
            "            state = None\n"
            "        logits, state = model(torch.tensor(x, dtype=torch.int64), state)\n"
            "        loss = criterion(logits.transpose(1, 2), torch.tensor(y, dtype=torch.int64))\n"
            "        opt.zero_grad()\n"
            "        loss.backward()\n"
            "        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=clip)\n"
            "        opt.step()\n"
            "        if isinstance(state, tuple):\n"
            "            h, c = state\n"
            "            state = (h.detach(), c.detach())\n"
            "        else:\n"
            "            state = state.detach()\n"
            "        history.append(float(loss))\n"
            "    return history"),
        "log_softmax and nll_loss, passes and offsets": (
            "def train_language_model(model, batches, steps, lr, clip):\n"
            "    optimizer = torch.optim.Adam(model.parameters(), lr)\n"
            "    losses = []\n"
            "    while len(losses) < steps:\n"
            "        state = None\n"
            "        for inputs, targets in batches:\n"
            "            if len(losses) == steps:\n"
            "                break\n"
            "            if state is not None:\n"
            "                state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()\n"
            "            logits, state = model(torch.from_numpy(np.asarray(inputs)).long(), state)\n"
            "            logp = nn.functional.log_softmax(logits, dim=-1)\n"
            "            goal = torch.from_numpy(np.asarray(targets)).long().flatten()\n"
            "            loss = nn.functional.nll_loss(logp.flatten(0, 1), goal)\n"
            "            optimizer.zero_grad()\n"
            "            loss.backward()\n"
            "            nn.utils.clip_grad_norm_(model.parameters(), clip)\n"
            "            optimizer.step()\n"
            "            losses.append(loss.item())\n"
            "    return losses"),
    },
    "checkpoint_bits": {
        "a number": "bits_per_character = 2",
        "from nats": "bits_per_character = math.log(4.0) / math.log(2.0)",
    },
    "checkpoint_temperature": {
        "capitals": 'temperature_zero = "The most likely id"',
        "plain": 'temperature_zero = "the most likely id"',
    },
    "checkpoint_detach": {
        "spaces": 'why_detach = "  gradients stop at the batch boundary "',
        "plain": 'why_detach = "gradients stop at the batch boundary"',
    },
    "checkpoint_exposure": {
        "capitals": 'exposure_bias = "Trained on true inputs, run on its own outputs"',
        "plain": 'exposure_bias = "trained on true inputs, run on its own outputs"',
    },
}

WRONG = {
    "perplexity": "mean of exp", "sample_with_temperature": "temperature multiplies", "bptt_batches": "targets equal inputs",
    "CharLM": "softmax output", "train_language_model": "no detach", "checkpoint_bits": "nats",
    "checkpoint_temperature": "uniform", "checkpoint_detach": "reset", "checkpoint_exposure": "split",
}

VISIBLE_MESSAGES = {
    ("perplexity", "mean NLL"): "mean NLL itself",
    ("perplexity", "mean of exp"): "geometric",
    ("perplexity", "exp of the sum"): "sum of the NLLs",
    ("sample_with_temperature", "temperature multiplies"): "multiplied the logits",
    ("sample_with_temperature", "ignores the temperature"): "ignore the temperature",
    ("sample_with_temperature", "global numpy RNG"): "np.random",
    ("sample_with_temperature", "always greedy"): "most likely id",
    ("sample_with_temperature", "fresh generator"): "did not move",
    ("bptt_batches", "targets equal inputs"): "leaks",
    ("bptt_batches", "targets shifted backwards"): "wrong way",
    ("bptt_batches", "interleaved streams"): "contiguous stream",
    ("bptt_batches", "consecutive chunks as rows"): "contiguous stream",
    ("bptt_batches", "time-major batches"): "batch first",
    ("CharLM", "softmax output"): "probabilities",
    ("CharLM", "other attribute names"): "named like",
    ("train_language_model", "no detach"): "detach",
    ("train_language_model", "loss summed"): "mean cross-entropy",
}
