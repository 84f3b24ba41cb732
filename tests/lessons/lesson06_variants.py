"""Plausible wrong (MUTANTS) and differently written correct (ALTERNATIVES) solutions for lesson 06.

Each entry is the full code a learner might put in the solution cell whose grade_id is the key.
WRONG picks, per solution cell, one mistake the visible tests catch too (graded for real by nbgrader);
VISIBLE_MESSAGES says what the visible test must say for some mistakes.
"""

_REVERSE = "def reverse_padded(x, lengths):\n"
_LAST = "def last_hidden(hs, lengths):\n"
_MEAN = "def masked_mean(hs, lengths):\n"

_BIRNN_INIT = (
    "class BiRNN(torch.nn.Module):\n"
    "    def __init__(self, input_size, hidden_size, num_layers=1, cell='rnn'):\n"
    "        super().__init__()\n"
    "        kind = {'rnn': torch.nn.RNN, 'gru': torch.nn.GRU, 'lstm': torch.nn.LSTM}[cell]\n"
    "        self.rnn = kind(input_size, hidden_size, num_layers=num_layers, batch_first=True, bidirectional=True)\n"
    "\n"
    "    def forward(self, x, lengths):\n"
    "        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence\n"
)
_PACKED = (
    "        packed = pack_padded_sequence(x, torch.as_tensor(lengths).cpu(), batch_first=True, enforce_sorted=False)\n"
    "        out, state = self.rnn(packed)\n"
    "        h = state[0] if isinstance(state, tuple) else state\n"
)
_UNPACK = "        outputs = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])[0]\n"

_VITERBI = "def viterbi(emissions, transitions, lengths):\n"
_V_START = (
    "    emissions, transitions = np.asarray(emissions, dtype=float), np.asarray(transitions, dtype=float)\n"
    "    B, T, K = emissions.shape\n"
    "    paths = np.full((B, T), -1, dtype=int)\n"
    "    scores = np.zeros(B)\n"
    "    for b, n in enumerate(lengths):\n"
)


def _viterbi_loop(start="emissions[b, 0].copy()", step="best[:, None] + transitions", combine="max", n="n",
                  fill="paths[b, :n] = path[::-1]"):
    """A per-row Viterbi with one line swapped (the defaults: the right one)."""
    reduce = ("candidates.max(axis=0)" if combine == "max" else
              "candidates.max(axis=0) + np.log(np.exp(candidates - candidates.max(axis=0)).sum(axis=0))")
    final = ("best.max()" if combine == "max" else "best.max() + np.log(np.exp(best - best.max()).sum())")
    return (_VITERBI + _V_START
            + f"        steps = {n}\n"
            f"        best = {start}\n"
            "        pointers = np.zeros((steps, K), dtype=int)\n"
            "        for t in range(1, steps):\n"
            f"            candidates = {step}\n"
            "            pointers[t] = candidates.argmax(axis=0)\n"
            f"            best = {reduce} + emissions[b, t]\n"
            f"        scores[b] = {final}\n"
            "        tag, path = int(best.argmax()), []\n"
            "        for t in range(steps - 1, -1, -1):\n"
            "            path.append(tag)\n"
            "            tag = pointers[t, tag]\n"
            "        path = path[-n:] if steps > n else path\n"
            f"        {fill}\n"
            "    return paths, scores")


VITERBI_MUTANTS = {
    "greedy (emissions alone)": (
        _VITERBI + _V_START
        + "        tags = emissions[b, :n].argmax(axis=1)\n"
        "        paths[b, :n] = tags\n"
        "        scores[b] = emissions[b, np.arange(n), tags].sum() + transitions[tags[:-1], tags[1:]].sum()\n"
        "    return paths, scores"),
    "transitions transposed": _viterbi_loop(step="best[:, None] + transitions.T"),
    "no back-trace (each step's best running score)": (
        _VITERBI + _V_START
        + "        best = emissions[b, 0].copy()\n"
        "        paths[b, 0] = best.argmax()\n"
        "        for t in range(1, n):\n"
        "            best = (best[:, None] + transitions).max(axis=0) + emissions[b, t]\n"
        "            paths[b, t] = best.argmax()\n"
        "        scores[b] = best.max()\n"
        "    return paths, scores"),
    "path not reversed": _viterbi_loop(fill="paths[b, :n] = path"),
    "padding decoded": _viterbi_loop(n="T", fill="paths[b, :n] = path[::-1][:n]"),
    "zeros beyond the length": _viterbi_loop().replace("np.full((B, T), -1, dtype=int)", "np.zeros((B, T), dtype=int)"),
    "recursion starts from zeros": _viterbi_loop(start="np.zeros(K)"),
    "log-sum-exp (the forward algorithm)": _viterbi_loop(combine="logsumexp"),
    "in place": (
        _VITERBI + "    B, T, K = emissions.shape\n"
        "    paths = np.full((B, T), -1, dtype=int)\n"
        "    scores = np.zeros(B)\n"
        "    pointers = np.zeros((B, T, K), dtype=int)\n"
        "    for t in range(1, T):\n"
        "        candidates = emissions[:, t - 1, :, None] + transitions[None]\n"
        "        running = (t < np.asarray(lengths))[:, None]\n"
        "        pointers[:, t] = candidates.argmax(axis=1)\n"
        "        emissions[:, t] = np.where(running, candidates.max(axis=1) + emissions[:, t], emissions[:, t - 1])\n"
        "    for b, n in enumerate(lengths):\n"
        "        tag = int(emissions[b, n - 1].argmax())\n"
        "        scores[b] = emissions[b, n - 1, tag]\n"
        "        for t in range(n - 1, -1, -1):\n"
        "            paths[b, t] = tag\n"
        "            tag = pointers[b, t, tag]\n"
        "    return paths, scores"),
}

VITERBI_ALTERNATIVES = {
    "per row": _viterbi_loop(),
    "the whole batch at once": (
        _VITERBI + "    e = np.asarray(emissions, dtype=np.float64)\n"
        "    A = np.asarray(transitions, dtype=np.float64)\n"
        "    L = np.asarray(lengths)\n"
        "    B, T, K = e.shape\n"
        "    delta = e[:, 0].copy()\n"
        "    psi = np.zeros((B, T, K), dtype=np.int64)\n"
        "    for t in range(1, T):\n"
        "        cand = delta[:, :, None] + A[None, :, :]\n"
        "        psi[:, t] = np.argmax(cand, axis=1)\n"
        "        step = np.max(cand, axis=1) + e[:, t]\n"
        "        delta = np.where((t < L)[:, None], step, delta)\n"
        "    tag = delta.argmax(axis=1)\n"
        "    scores = delta[np.arange(B), tag]\n"
        "    paths = -np.ones((B, T), dtype=np.int64)\n"
        "    for t in range(T - 1, -1, -1):\n"
        "        inside = t < L\n"
        "        paths[inside, t] = tag[inside]\n"
        "        tag = np.where(inside, psi[np.arange(B), t, tag], tag)\n"
        "    return paths, scores"),
    "best score to go, then forwards": (
        _VITERBI + "    e = np.array(emissions, dtype=float)\n"
        "    A = np.array(transitions, dtype=float)\n"
        "    B, T, K = e.shape\n"
        "    paths = np.full((B, T), -1)\n"
        "    scores = np.empty(B)\n"
        "    for b in range(B):\n"
        "        n = int(lengths[b])\n"
        "        togo = np.zeros((n, K))  # togo[t, i]: the best score of steps t+1 .. n-1 after tag i at step t\n"
        "        for t in range(n - 2, -1, -1):\n"
        "            togo[t] = np.max(A + (e[b, t + 1] + togo[t + 1])[None, :], axis=1)\n"
        "        tag = int(np.argmax(e[b, 0] + togo[0]))\n"
        "        scores[b] = e[b, 0, tag] + togo[0, tag]\n"
        "        paths[b, 0] = tag\n"
        "        for t in range(1, n):\n"
        "            tag = int(np.argmax(A[tag] + e[b, t] + togo[t]))\n"
        "            paths[b, t] = tag\n"
        "    return paths, scores"),
}


MUTANTS = {
    "reverse_padded": {
        "whole rows reversed": _REVERSE + "    return x[:, ::-1].copy()",
        "one step short": _REVERSE + "    out = x.copy()\n    for b, n in enumerate(lengths):\n"
                                     "        out[b, :n - 1] = x[b, :n - 1][::-1]\n    return out",
        "padding zeroed": _REVERSE + "    out = np.zeros_like(x)\n    for b, n in enumerate(lengths):\n"
                                     "        out[b, :n] = x[b, :n][::-1]\n    return out",
        "in place": _REVERSE + "    for b, n in enumerate(lengths):\n        x[b, :n] = x[b, :n][::-1].copy()\n    return x",
        "features reversed": _REVERSE + "    out = x.copy()\n    for b, n in enumerate(lengths):\n"
                                        "        out[b, :n] = x[b, :n][:, ::-1]\n    return out",
        "lengths in the wrong order": _REVERSE + "    out = x.copy()\n    for b, n in enumerate(lengths[::-1]):\n"
                                                 "        out[b, :n] = x[b, :n][::-1]\n    return out",
        "right-aligned (padding moved to the front)": (
            _REVERSE + "    out = np.zeros_like(x)\n    T = x.shape[1]\n    for b, n in enumerate(lengths):\n"
            "        out[b, T - n:] = x[b, :n][::-1]\n        out[b, :T - n] = x[b, n:]\n    return out"),
        "length 0 reverses the whole row": _REVERSE + "    out = x.copy()\n    for b, n in enumerate(lengths):\n"
                                                      "        out[b, :max(n, 1)] = x[b, n - 1::-1]\n    return out",
    },
    "last_hidden": {
        "hs[:, -1]": _LAST + "    return hs[:, -1].copy()",
        "off by one": _LAST + "    return np.stack([hs[b, min(n, hs.shape[1] - 1)] for b, n in enumerate(lengths)])",
        "first step": _LAST + "    return hs[:, 0].copy()",
        "longest length for every row": _LAST + "    return hs[:, max(lengths) - 1].copy()",
        "mean over valid steps": _LAST + "    return np.stack([hs[b, :n].mean(axis=0) for b, n in enumerate(lengths)])",
        "broadcast index (B, B, H)": _LAST + "    return hs[:, np.asarray(lengths) - 1]",
        "rows and lengths mismatched": _LAST + "    return np.stack([hs[b, n - 1] for b, n in enumerate(sorted(lengths))])",
    },
    "masked_mean": {
        "padding included": _MEAN + "    return hs.mean(axis=1)",
        "divided by T": _MEAN + "    mask = np.arange(hs.shape[1])[None, :, None] < np.asarray(lengths)[:, None, None]\n"
                                "    return (hs * mask).sum(axis=1) / hs.shape[1]",
        "padding summed": _MEAN + "    return hs.sum(axis=1) / np.maximum(np.asarray(lengths), 1)[:, None]",
        "off by one": _MEAN + "    mask = np.arange(hs.shape[1])[None, :, None] <= np.asarray(lengths)[:, None, None]\n"
                              "    return (hs * mask).sum(axis=1) / np.maximum(np.asarray(lengths), 1)[:, None]",
        "NaN for length 0": _MEAN + "    mask = np.arange(hs.shape[1])[None, :, None] < np.asarray(lengths)[:, None, None]\n"
                                    "    with np.errstate(all='ignore'):\n"
                                    "        return (hs * mask).sum(axis=1) / np.asarray(lengths)[:, None]",
        "divided by the longest length": (
            _MEAN + "    mask = np.arange(hs.shape[1])[None, :, None] < np.asarray(lengths)[:, None, None]\n"
            "    return (hs * mask).sum(axis=1) / max(max(lengths), 1)"),
        "in place": _MEAN + "    lengths = np.asarray(lengths)\n"
                            "    hs *= np.arange(hs.shape[1])[None, :, None] < lengths[:, None, None]\n"
                            "    return hs.sum(axis=1) / np.maximum(lengths, 1)[:, None]",
        "last valid state": _MEAN + "    return np.stack([hs[b, max(n, 1) - 1] for b, n in enumerate(lengths)])",
    },
    "BiRNN": {
        "no packing": _BIRNN_INIT + "        outputs, state = self.rnn(x)\n"
                                    "        h = state[0] if isinstance(state, tuple) else state\n"
                                    "        return outputs, torch.cat([h[-2], h[-1]], dim=1)",
        "final is outputs[:, -1]": _BIRNN_INIT + _PACKED + _UNPACK + "        return outputs, outputs[:, -1]",
        "one direction only": _BIRNN_INIT + _PACKED + _UNPACK + "        return outputs, h[-1]",
        "directions swapped": _BIRNN_INIT + _PACKED + _UNPACK + "        return outputs, torch.cat([h[-1], h[-2]], dim=1)",
        "first layer's final states": _BIRNN_INIT + _PACKED + _UNPACK + "        return outputs, torch.cat([h[0], h[1]], dim=1)",
        "padding outputs not zero": (
            _BIRNN_INIT + _PACKED + "        unpacked = self.rnn(x)[0]\n" + _UNPACK
            + "        lengths = torch.as_tensor(lengths)\n"
            "        valid = (torch.arange(x.shape[1])[None, :] < lengths[:, None])[:, :, None]\n"
            "        return torch.where(valid, outputs, unpacked), torch.cat([h[-2], h[-1]], dim=1)"),
        "sorted by length, never put back": (
            _BIRNN_INIT
            + "        lengths = torch.as_tensor(lengths)\n"
            "        order = torch.argsort(lengths, descending=True, stable=True)\n"
            "        packed = pack_padded_sequence(x[order], lengths[order].cpu(), batch_first=True, enforce_sorted=True)\n"
            "        out, state = self.rnn(packed)\n"
            "        h = state[0] if isinstance(state, tuple) else state\n"
            + _UNPACK + "        return outputs, torch.cat([h[-2], h[-1]], dim=1)"),
        "enforce_sorted=True on an unsorted batch": (
            _BIRNN_INIT
            + "        packed = pack_padded_sequence(x, torch.as_tensor(lengths).cpu(), batch_first=True)\n"
            "        out, state = self.rnn(packed)\n"
            "        h = state[0] if isinstance(state, tuple) else state\n"
            + _UNPACK + "        return outputs, torch.cat([h[-2], h[-1]], dim=1)"),
        "no total_length": (
            _BIRNN_INIT + _PACKED
            + "        outputs = pad_packed_sequence(out, batch_first=True)[0]\n"
            "        return outputs, torch.cat([h[-2], h[-1]], dim=1)"),
        "backward half read at the last valid step": (
            _BIRNN_INIT + _PACKED + _UNPACK
            + "        H = h.shape[-1]\n"
            "        rows = torch.arange(x.shape[0])\n"
            "        last = outputs[rows, torch.as_tensor(lengths) - 1]\n"
            "        return outputs, torch.cat([last[:, :H], last[:, H:]], dim=1)"),
        "always an RNN": (
            "class BiRNN(torch.nn.Module):\n"
            "    def __init__(self, input_size, hidden_size, num_layers=1, cell='rnn'):\n"
            "        super().__init__()\n"
            "        self.rnn = torch.nn.RNN(input_size, hidden_size, num_layers=num_layers, batch_first=True,\n"
            "                                bidirectional=True)\n"
            "\n"
            "    def forward(self, x, lengths):\n"
            "        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence\n"
            + _PACKED + _UNPACK + "        return outputs, torch.cat([h[-2], h[-1]], dim=1)"),
    },
    "viterbi": VITERBI_MUTANTS,
    "checkpoint_wiring": {
        "aligned": 'keyword_wiring = "sequence-to-sequence (aligned)"',
        "encoder-decoder": 'keyword_wiring = "encoder-decoder"',
        "not a choice": 'keyword_wiring = "many-to-one"',
    },
    "checkpoint_realtime": {
        "parameters": 'realtime_reason = "it has twice as many parameters"',
        "training": 'realtime_reason = "it cannot be trained with backpropagation through time"',
    },
    "checkpoint_stacked_parameters": {
        "layer 2 reads H": "stacked_parameters = 2 * 2 * 4 * (20 * 10 + 20 * 20 + 2 * 20)",
        "one direction": "stacked_parameters = 4 * (20 * 10 + 20 * 20 + 2 * 20) + 4 * (20 * 20 + 20 * 20 + 2 * 20)",
        "one bias": "stacked_parameters = 2 * 4 * (20 * 10 + 20 * 20 + 20) + 2 * 4 * (20 * 40 + 20 * 20 + 20)",
        "one layer": "stacked_parameters = 2 * 4 * (20 * 10 + 20 * 20 + 2 * 20)",
        "a string": 'stacked_parameters = "15040"',
    },
    "checkpoint_short_last_step": {
        "last valid": 'short_last_step = "its last valid state"',
        "after padding": 'short_last_step = "the state after reading the padding"',
    },
}

ALTERNATIVES = {
    "reverse_padded": {
        "index arrays": (
            _REVERSE + "    x = np.asarray(x, dtype=float)\n    L = np.asarray(lengths)[:, None]\n"
            "    t = np.arange(x.shape[1])[None, :]\n"
            "    source = np.where(t < L, L - 1 - t, t)\n"
            "    return x[np.arange(x.shape[0])[:, None], source]"),
        "flip per row": (
            _REVERSE + "    rows = []\n    for row, n in zip(x, lengths):\n"
            "        rows.append(np.concatenate([np.flip(row[:n], axis=0), row[n:]], axis=0))\n"
            "    return np.stack(rows)"),
        "take_along_axis": (
            _REVERSE + "    B, T = x.shape[:2]\n    L = np.asarray(lengths).reshape(B, 1)\n"
            "    steps = np.tile(np.arange(T), (B, 1))\n"
            "    index = np.where(steps < L, L - 1 - steps, steps).reshape((B, T) + (1,) * (x.ndim - 2))\n"
            "    return np.take_along_axis(x, index, axis=1).copy()"),
    },
    "last_hidden": {
        "loop": _LAST + "    return np.array([hs[b, n - 1] for b, n in enumerate(lengths)], dtype=float)",
        "take_along_axis": _LAST + "    index = (np.asarray(lengths) - 1)[:, None, None]\n"
                                   "    return np.take_along_axis(hs, index, axis=1)[:, 0, :]",
        "one-hot weights": _LAST + "    pick = np.arange(hs.shape[1])[None, :] == (np.asarray(lengths) - 1)[:, None]\n"
                                   "    return np.einsum('bt,bth->bh', pick.astype(float), hs)",
    },
    "masked_mean": {
        "loop": _MEAN + "    out = np.zeros((hs.shape[0], hs.shape[2]))\n    for b, n in enumerate(lengths):\n"
                        "        if n > 0:\n            out[b] = hs[b, :n].mean(axis=0)\n    return out",
        "einsum and clip": (
            _MEAN + "    mask = (np.arange(hs.shape[1]) < np.asarray(lengths)[:, None]).astype(float)\n"
            "    return np.einsum('bt,bth->bh', mask, hs) / np.clip(mask.sum(axis=1, keepdims=True), 1, None)"),
        "cumulative sums": (
            _MEAN + "    B, T, H = hs.shape\n"
            "    sums = np.concatenate([np.zeros((B, 1, H)), np.cumsum(hs, axis=1)], axis=1)\n"
            "    L = np.asarray(lengths)\n"
            "    total = sums[np.arange(B), L]\n"
            "    return np.divide(total, L[:, None], out=np.zeros_like(total), where=L[:, None] > 0)"),
    },
    "BiRNN": {
        "sorted by hand, then put back": (
            _BIRNN_INIT
            + "        lengths = torch.as_tensor(lengths, dtype=torch.int64)\n"
            "        order = torch.argsort(lengths, descending=True)\n"
            "        back = torch.argsort(order)\n"
            "        packed = pack_padded_sequence(x[order], lengths[order], batch_first=True, enforce_sorted=True)\n"
            "        out, state = self.rnn(packed)\n"
            "        h = state[0] if isinstance(state, tuple) else state\n"
            "        outputs = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])[0][back]\n"
            "        return outputs, torch.cat([h[-2][back], h[-1][back]], dim=-1)"),
        "one sequence at a time": (
            _BIRNN_INIT
            + "        H = self.rnn.hidden_size\n"
            "        outputs = x.new_zeros(x.shape[0], x.shape[1], 2 * H)\n"
            "        finals = []\n"
            "        for b, n in enumerate(torch.as_tensor(lengths).tolist()):\n"
            "            out, state = self.rnn(x[b:b + 1, :n])\n"
            "            h = state[0] if isinstance(state, tuple) else state\n"
            "            outputs[b, :n] = out[0]\n"
            "            finals.append(torch.cat([h[-2, 0], h[-1, 0]]))\n"
            "        return outputs, torch.stack(finals)"),
        "final gathered from the outputs": (
            _BIRNN_INIT + _PACKED + _UNPACK
            + "        H = self.rnn.hidden_size\n"
            "        rows = torch.arange(x.shape[0])\n"
            "        forward_last = outputs[rows, torch.as_tensor(lengths) - 1, :H]\n"
            "        return outputs, torch.cat([forward_last, outputs[:, 0, H:]], dim=1)"),
    },
    "viterbi": VITERBI_ALTERNATIVES,
    "checkpoint_wiring": {
        "capitals": 'keyword_wiring = "Sequence-to-Vector"',
        "plain": 'keyword_wiring = "sequence-to-vector"',
    },
    "checkpoint_realtime": {
        "spaces": 'realtime_reason = "  its backward direction needs inputs that have not arrived yet "',
        "plain": 'realtime_reason = "its backward direction needs inputs that have not arrived yet"',
    },
    "checkpoint_stacked_parameters": {
        "a number": "stacked_parameters = 15040",
        "counted by torch": "stacked_parameters = sum(p.numel() for p in torch.nn.LSTM(10, 20, num_layers=2, "
                            "bidirectional=True).parameters())",
    },
    "checkpoint_short_last_step": {
        "capitals": 'short_last_step = "A vector of zeros"',
        "plain": 'short_last_step = "a vector of zeros"',
    },
}

WRONG = {
    "reverse_padded": "whole rows reversed", "last_hidden": "hs[:, -1]", "masked_mean": "padding included",
    "BiRNN": "no packing", "viterbi": "greedy (emissions alone)", "checkpoint_wiring": "aligned",
    "checkpoint_realtime": "parameters",
    "checkpoint_stacked_parameters": "layer 2 reads H", "checkpoint_short_last_step": "last valid",
}

VISIBLE_MESSAGES = {
    ("reverse_padded", "whole rows reversed"): "padding moved to the front",
    ("reverse_padded", "one step short"): "off by one",
    ("reverse_padded", "padding zeroed"): "not set to zero",
    ("reverse_padded", "in place"): "modified in place",
    ("reverse_padded", "features reversed"): "wrong axis",
    ("reverse_padded", "lengths in the wrong order"): "wrong order",
    ("last_hidden", "hs[:, -1]"): "hs[:, -1]",
    ("last_hidden", "off by one"): "off by one",
    ("last_hidden", "first step"): "first state",
    ("last_hidden", "longest length for every row"): "longest length",
    ("last_hidden", "mean over valid steps"): "averaged",
    ("masked_mean", "padding included"): "includes the padded steps",
    ("masked_mean", "divided by T"): "divided the valid steps' sum by T",
    ("masked_mean", "padding summed"): "summed over every step",
    ("masked_mean", "off by one"): "off by one",
    ("masked_mean", "last valid state"): "last valid state",
    ("masked_mean", "divided by the longest length"): "longest length",
    ("BiRNN", "no packing"): "pack_padded_sequence",
    ("BiRNN", "final is outputs[:, -1]"): "padded last step",
    ("BiRNN", "directions swapped"): "wrong order",
    ("BiRNN", "one direction only"): "one direction only",
    ("BiRNN", "sorted by length, never put back"): "sorted by length",
    ("BiRNN", "backward half read at the last valid step"): "step 0",
    ("viterbi", "greedy (emissions alone)"): "each step's best tag on its own",
    ("viterbi", "transitions transposed"): "FROM tag i TO tag j",
    ("viterbi", "no back-trace (each step's best running score)"): "back-pointers",
    ("viterbi", "path not reversed"): "run backwards",
    ("viterbi", "padding decoded"): "decoded the padding",
    ("viterbi", "zeros beyond the length"): "must hold -1",
    ("viterbi", "recursion starts from zeros"): "starts from zeros",
    ("viterbi", "log-sum-exp (the forward algorithm)"): "log-sum-exp",
    ("viterbi", "in place"): "modified in place",
}
