"""Plausible wrong (MUTANTS) and differently written correct (ALTERNATIVES) solutions for lesson 02.

Same structure as lesson01_variants.py. Backward mutants may call the reference rnn_cell_backward of the
solved namespace, as a learner's rnn_backward may call their own.
"""

FORWARD = "def rnn_forward(x, h0, W_x, W_h, b):\n"
CELL_BACKWARD = "def rnn_cell_backward(dh_t, x_t, h_prev, h_t, W_x, W_h):\n"
BACKWARD = "def rnn_backward(dhs, x, h0, hs, W_x, W_h):\n"


def _forward(step="h = np.tanh(x[:, t] @ W_x.T + h @ W_h.T + b)"):
    return FORWARD + ("    h, states = h0, []\n    for t in range(x.shape[1]):\n"
                      f"        {step}\n        states.append(h)\n    return np.stack(states, axis=1)")


def _cell_backward(slope="(1 - h_t**2)", dx="da @ W_x", dh_prev="da @ W_h", dW_x="da.T @ x_t", dW_h="da.T @ h_prev",
                   db="da.sum(axis=0)"):
    return CELL_BACKWARD + f"    da = dh_t * {slope}\n    return {dx}, {dh_prev}, {dW_x}, {dW_h}, {db}"


def _backward(steps="reversed(range(x.shape[1]))", upstream="dhs[:, t] + dh_next", h_prev="hs[:, t - 1] if t > 0 else h0",
              accumulate="+=", dh0="dh_next", carry="dh_next = dh_prev"):
    return BACKWARD + (
        "    dx = np.zeros(x.shape)\n"
        "    dW_x, dW_h, db = np.zeros(W_x.shape), np.zeros(W_h.shape), np.zeros(W_h.shape[0])\n"
        "    dh_next = np.zeros(h0.shape)\n"
        f"    for t in {steps}:\n"
        f"        h_prev = {h_prev}\n"
        f"        dx[:, t], dh_prev, gx, gh, gb = rnn_cell_backward({upstream}, x[:, t], h_prev, hs[:, t], W_x, W_h)\n"
        f"        {carry}\n"
        f"        dW_x {accumulate} gx\n"
        f"        dW_h {accumulate} gh\n"
        f"        db {accumulate} gb\n"
        f"    return {{'dx': dx, 'dh0': {dh0}, 'dW_x': dW_x, 'dW_h': dW_h, 'db': db}}"
    )


MUTANTS = {
    "rnn_forward": {
        "ignores h0": _forward().replace("h, states = h0, []", "h, states = np.zeros_like(h0), []"),
        "always uses h0": _forward(step="h = np.tanh(x[:, t] @ W_x.T + h0 @ W_h.T + b)"),
        "stores the state before the step": FORWARD + (
            "    h, states = h0, []\n    for t in range(x.shape[1]):\n        states.append(h)\n"
            "        h = np.tanh(x[:, t] @ W_x.T + h @ W_h.T + b)\n    return np.stack(states, axis=1)"),
        "W_h not transposed": _forward(step="h = np.tanh(x[:, t] @ W_x.T + h @ W_h + b)"),
        "missing bias": _forward(step="h = np.tanh(x[:, t] @ W_x.T + h @ W_h.T)"),
        "time-major indexing": _forward(step="h = np.tanh(x[t] @ W_x.T + h @ W_h.T + b)"),
        "runs backwards in time": _forward(step="h = np.tanh(x[:, -1 - t] @ W_x.T + h @ W_h.T + b)"),
        "returns only the last state": FORWARD + (
            "    h = h0\n    for t in range(x.shape[1]):\n        h = np.tanh(x[:, t] @ W_x.T + h @ W_h.T + b)\n"
            "    return h"),
        "includes h0 in hs": FORWARD + (
            "    h, states = h0, [h0]\n    for t in range(x.shape[1]):\n"
            "        h = np.tanh(x[:, t] @ W_x.T + h @ W_h.T + b)\n        states.append(h)\n"
            "    return np.stack(states, axis=1)"),
        "skips the first input": _forward(step="h = np.tanh(x[:, max(t - 1, 0)] @ W_x.T + h @ W_h.T + b)"),
    },
    "rnn_cell_backward": {
        "no tanh slope": _cell_backward(slope="1"),
        "tanh applied to h_t again": _cell_backward(slope="(1 - np.tanh(h_t) ** 2)"),
        "slope 1 - h_t": _cell_backward(slope="(1 - h_t)"),
        "sigmoid slope": _cell_backward(slope="h_t * (1 - h_t)"),
        "dh_prev through W_h.T": _cell_backward(dh_prev="da @ W_h.T"),
        "dW_h pairs with h_t": _cell_backward(dW_h="da.T @ h_t"),
        "averaged over the batch": _cell_backward(dW_x="da.T @ x_t / len(da)", dW_h="da.T @ h_prev / len(da)",
                                                  db="da.mean(axis=0)"),
        "db not summed over the batch": _cell_backward(db="da"),
        "dW_x transposed": _cell_backward(dW_x="x_t.T @ da"),
        "dx through W_x.T": _cell_backward(dx="da @ W_x.T"),
        "outputs in the wrong order": CELL_BACKWARD + (
            "    da = dh_t * (1 - h_t**2)\n    return da @ W_h, da @ W_x, da.T @ x_t, da.T @ h_prev, da.sum(axis=0)"),
    },
    "rnn_backward": {
        "no recurrent gradient": _backward(upstream="dhs[:, t]"),
        "only the last step's dhs": _backward(upstream="dhs[:, -1] * (t == x.shape[1] - 1) + dh_next"),
        "overwrites instead of accumulating": _backward(accumulate="="),
        "h_prev off by one": _backward(h_prev="hs[:, t]"),
        "dh0 left at zero": _backward(dh0="np.zeros(h0.shape)"),
        "loop forwards in time": _backward(steps="range(x.shape[1])"),
        "misses step 0": _backward(steps="range(x.shape[1] - 1, 0, -1)"),
        "gradient carried two steps": _backward(carry="dh_next = dh_prev + dh_next"),
    },
    "checkpoint_shared_weights": {
        "average": 'shared_weight_gradient = "average"',
        "last step only": 'shared_weight_gradient = "last step only"',
        "not a choice": 'shared_weight_gradient = "mean"',
    },
    "checkpoint_backward_calls": {
        "one": "cell_backward_calls = 1",
        "forty-nine": "cell_backward_calls = 49",
        "a string": 'cell_backward_calls = "50"',
    },
    "checkpoint_memory": {
        "constant": 'bptt_memory_growth = "constant"',
        "quadratic": 'bptt_memory_growth = "quadratic"',
    },
    "checkpoint_central_difference": {
        "two": "central_difference_gain = 2",
        "eight": "central_difference_gain = 8",
    },
}

ALTERNATIVES = {
    "rnn_forward": {
        "preallocated with einsum": FORWARD + (
            "    B, T, _ = x.shape\n    hs = np.empty((B, T, W_h.shape[0]))\n    h = h0\n    for t in range(T):\n"
            "        h = np.tanh(np.einsum('hd,bd->bh', W_x, x[:, t]) + np.einsum('hk,bk->bh', W_h, h) + b)\n"
            "        hs[:, t] = h\n    return hs"),
        "inputs projected at once, time-major list": FORWARD + (
            "    projected = x @ W_x.T + b\n    h, states = h0, []\n    for t in range(x.shape[1]):\n"
            "        h = np.tanh(projected[:, t] + (W_h @ h.T).T)\n        states.append(h)\n"
            "    return np.array(states).transpose(1, 0, 2)"),
        "one example at a time": FORWARD + (
            "    out = []\n    for sequence, h in zip(x, h0):\n        rows = []\n        for x_t in sequence:\n"
            "            h = np.tanh(W_x @ x_t + W_h @ h + b)\n            rows.append(h)\n        out.append(rows)\n"
            "    return np.array(out)"),
    },
    "rnn_cell_backward": {
        "einsum": CELL_BACKWARD + (
            "    da = dh_t * (1 - h_t) * (1 + h_t)\n"
            "    return (np.einsum('bh,hd->bd', da, W_x), np.einsum('bh,hk->bk', da, W_h),\n"
            "            np.einsum('bh,bd->hd', da, x_t), np.einsum('bh,bk->hk', da, h_prev), np.einsum('bh->h', da))"),
        "loop with outer products": CELL_BACKWARD + (
            "    dW_x, dW_h, db = np.zeros(W_x.shape), np.zeros(W_h.shape), np.zeros(W_h.shape[0])\n"
            "    dx, dh = [], []\n"
            "    for d, x, hp, h in zip(dh_t, x_t, h_prev, h_t):\n"
            "        da = d * (1 - h * h)\n"
            "        dx.append(W_x.T @ da)\n        dh.append(W_h.T @ da)\n"
            "        dW_x += np.outer(da, x)\n        dW_h += np.outer(da, hp)\n        db += da\n"
            "    return np.array(dx), np.array(dh), dW_x, dW_h, db"),
        "returns a list": CELL_BACKWARD + (
            "    da = dh_t - dh_t * h_t**2\n"
            "    return [np.dot(da, W_x), np.dot(da, W_h), np.dot(da.T, x_t), np.dot(da.T, h_prev), np.sum(da, 0)]"),
    },
    "rnn_backward": {
        "self-contained": BACKWARD + (
            "    B, T, D = x.shape\n    grads = {'dx': np.zeros((B, T, D)), 'dW_x': np.zeros_like(W_x),\n"
            "             'dW_h': np.zeros_like(W_h), 'db': np.zeros(len(W_h))}\n"
            "    dh = np.zeros_like(h0)\n"
            "    previous = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)\n"
            "    for t in range(T - 1, -1, -1):\n"
            "        da = (dh + dhs[:, t]) * (1 - hs[:, t] ** 2)\n"
            "        grads['dx'][:, t] = da @ W_x\n"
            "        grads['dW_x'] = grads['dW_x'] + da.T @ x[:, t]\n"
            "        grads['dW_h'] = grads['dW_h'] + da.T @ previous[:, t]\n"
            "        grads['db'] = grads['db'] + da.sum(0)\n"
            "        dh = da @ W_h\n"
            "    grads['dh0'] = dh\n    return grads"),
        "collect then sum": BACKWARD + (
            "    T = x.shape[1]\n    results = [None] * T\n    dh = 0 * h0\n"
            "    for t in range(T - 1, -1, -1):\n"
            "        h_prev = h0 if t == 0 else hs[:, t - 1]\n"
            "        results[t] = rnn_cell_backward(dhs[:, t] + dh, x[:, t], h_prev, hs[:, t], W_x, W_h)\n"
            "        dh = results[t][1]\n"
            "    return dict(dx=np.stack([r[0] for r in results], axis=1), dh0=dh,\n"
            "                dW_x=sum(r[2] for r in results), dW_h=sum(r[3] for r in results),\n"
            "                db=sum(r[4] for r in results))"),
    },
    "checkpoint_shared_weights": {
        "capitals": 'shared_weight_gradient = "Sum"',
        "spaces": 'shared_weight_gradient = " sum "',
    },
    "checkpoint_backward_calls": {
        "float": "cell_backward_calls = 50.0",
        "numpy integer": "cell_backward_calls = np.int64(50)",
    },
    "checkpoint_memory": {
        "capitals": 'bptt_memory_growth = "Linear"',
        "plain": 'bptt_memory_growth = "linear"',
    },
    "checkpoint_central_difference": {
        "float": "central_difference_gain = 4.0",
        "computed": "central_difference_gain = 2 ** 2",
    },
}

WRONG = {
    "rnn_forward": "ignores h0", "rnn_cell_backward": "no tanh slope", "rnn_backward": "no recurrent gradient",
    "checkpoint_shared_weights": "average", "checkpoint_backward_calls": "one", "checkpoint_memory": "constant",
    "checkpoint_central_difference": "two",
}

VISIBLE_MESSAGES = {
    ("rnn_forward", "ignores h0"): "ignore h0",
    ("rnn_forward", "stores the state before the step"): "shifted by one step",
    ("rnn_forward", "W_h not transposed"): "W_h is used untransposed",
    ("rnn_cell_backward", "no tanh slope"): "tanh slope",
    ("rnn_cell_backward", "averaged over the batch"): "averaged",
    ("rnn_cell_backward", "dW_h pairs with h_t"): "you used h_t",
    ("rnn_backward", "no recurrent gradient"): "no gradient flows back",
    ("rnn_backward", "overwrites instead of accumulating"): "+=",
    ("rnn_backward", "h_prev off by one"): "one step off",
}
