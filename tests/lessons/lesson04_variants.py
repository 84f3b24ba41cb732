"""Plausible wrong (MUTANTS) and differently written correct (ALTERNATIVES) solutions for lesson 04.

Each entry is the full code a learner might put in the solution cell whose grade_id is the key.
WRONG picks, per solution cell, one mistake the visible tests catch too (graded for real by nbgrader);
VISIBLE_MESSAGES says what the visible test must say for some mistakes.
"""

_SIGMOID = ("def sigmoid(z):\n"
            "    return 0.5 * (1.0 + np.tanh(0.5 * z))\n\n\n")
_CELL = _SIGMOID + "def lstm_cell_forward(x_t, h_prev, c_prev, W_x, W_h, b):\n"
_GATES = (_CELL + "    H = h_prev.shape[1]\n"
          "    z = x_t @ W_x.T + h_prev @ W_h.T + b\n"
          "    i, f, g, o = sigmoid(z[:, :H]), sigmoid(z[:, H:2*H]), np.tanh(z[:, 2*H:3*H]), sigmoid(z[:, 3*H:])\n")


def _cell(body: str, gates: str = _GATES) -> str:
    return gates + "".join(f"    {line}\n" for line in body.splitlines())


def _ordered(order: str) -> str:
    """A cell that reads the four blocks in `order` (e.g. 'ifog'), otherwise correct."""
    names = {"i": "i", "f": "f", "g": "g", "o": "o"}
    blocks = [f"z[:, {k}*H:{k + 1}*H]" for k in range(4)]
    assign = []
    for k, name in enumerate(order):
        function = "np.tanh" if name == "g" else "sigmoid"
        assign.append(f"    {names[name]} = {function}({blocks[k]})\n")
    return (_CELL + "    H = h_prev.shape[1]\n    z = x_t @ W_x.T + h_prev @ W_h.T + b\n" + "".join(assign)
            + "    c = f * c_prev + i * g\n    return o * np.tanh(c), c\n")


_FORWARD = "def lstm_forward(x, h0, c0, W_x, W_h, b):\n"


_CELL_BACKWARD = "def lstm_cell_backward(dh_t, dc_t, x_t, h_prev, c_prev, W_x, W_h, b):\n"
_BACKWARD = "def lstm_backward(dhs, x, h0, c0, W_x, W_h, b):\n"


def _cell_backward(dc="dc_t + dh_t * o * (1 - tanh_c**2)", di="dc * g", df="dc * c_prev", dg="dc * i",
                   do="dh_t * tanh_c", dc_prev="f * dc", dW_x="dz.T @ x_t", dW_h="dz.T @ h_prev", db="dz.sum(axis=0)",
                   order="ifgo", slopes="di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o)"):
    """A backward pass of one LSTM step with one piece replaced; `order` is how it reads (and stacks) the gate
    blocks."""
    reads = ", ".join(f"{'np.tanh' if name == 'g' else 'sigmoid'}(z[:, {k}*H:{k + 1}*H])" for k, name in enumerate(order))
    named = dict(zip("ifgo", [part.strip() for part in slopes.split(",")], strict=True)) if slopes.count(",") == 3 \
        else None
    stacked = ", ".join(named[name] for name in order) if named else slopes
    return _CELL_BACKWARD + (
        "    H = h_prev.shape[1]\n"
        "    z = x_t @ W_x.T + h_prev @ W_h.T + b\n"
        f"    {', '.join(order)} = {reads}\n"
        "    c_t = f * c_prev + i * g\n"
        "    tanh_c = np.tanh(c_t)\n"
        f"    dc = {dc}\n"
        f"    di, df, dg, do = {di}, {df}, {dg}, {do}\n"
        f"    dz = np.concatenate([{stacked}], axis=1)\n"
        f"    return dz @ W_x, dz @ W_h, {dc_prev}, {dW_x}, {dW_h}, {db}")


def _backward(upstream_h="dhs[:, t] + dh_next", upstream_c="dc_next", h_prev="hs[:, t - 1] if t > 0 else h0",
              c_prev="cs[:, t - 1] if t > 0 else c0", steps="reversed(range(x.shape[1]))", accumulate="+=",
              dh0="dh_next", dc0="dc_next", unpack="dx[:, t], dh_next, dc_next, gx, gh, gb"):
    return _BACKWARD + (
        "    hs, cs = lstm_forward(x, h0, c0, W_x, W_h, b)\n"
        "    dx = np.zeros(x.shape)\n"
        "    dW_x, dW_h, db = np.zeros(W_x.shape), np.zeros(W_h.shape), np.zeros(b.shape)\n"
        "    dh_next, dc_next = np.zeros(h0.shape), np.zeros(c0.shape)\n"
        f"    for t in {steps}:\n"
        f"        h_prev = {h_prev}\n"
        f"        c_prev = {c_prev}\n"
        f"        {unpack} = lstm_cell_backward({upstream_h}, {upstream_c}, x[:, t], h_prev, c_prev, W_x, W_h, b)\n"
        f"        dW_x {accumulate} gx\n"
        f"        dW_h {accumulate} gh\n"
        f"        db {accumulate} gb\n"
        f"    return {{'dx': dx, 'dh0': {dh0}, 'dc0': {dc0}, 'dW_x': dW_x, 'dW_h': dW_h, 'db': db}}")


MUTANTS = {
    "lstm_cell_forward": {
        "gate order i, f, o, g": _ordered("ifog"),
        "gate order f, i, g, o": _ordered("figo"),
        "no tanh on c for h": _cell("c = f * c_prev + i * g\nreturn o * c, c"),
        "h from c_prev": _cell("c = f * c_prev + i * g\nreturn o * np.tanh(c_prev), c"),
        "1 - f": _cell("c = (1 - f) * c_prev + i * g\nreturn o * np.tanh(c), c"),
        "sigmoid candidate": _cell("g = sigmoid(z[:, 2*H:3*H])\nc = f * c_prev + i * g\nreturn o * np.tanh(c), c"),
        "forget gate ignored": _cell("c = c_prev + i * g\nreturn o * np.tanh(c), c"),
        "input gate ignored": _cell("c = f * c_prev + g\nreturn o * np.tanh(c), c"),
        "output gate ignored": _cell("c = f * c_prev + i * g\nreturn np.tanh(c), c"),
        "missing h_prev term": _cell(
            "z = x_t @ W_x.T + b\n"
            "i, f, g, o = sigmoid(z[:, :H]), sigmoid(z[:, H:2*H]), np.tanh(z[:, 2*H:3*H]), sigmoid(z[:, 3*H:])\n"
            "c = f * c_prev + i * g\nreturn o * np.tanh(c), c"),
        "missing bias": _cell(
            "z = x_t @ W_x.T + h_prev @ W_h.T\n"
            "i, f, g, o = sigmoid(z[:, :H]), sigmoid(z[:, H:2*H]), np.tanh(z[:, 2*H:3*H]), sigmoid(z[:, 3*H:])\n"
            "c = f * c_prev + i * g\nreturn o * np.tanh(c), c"),
        "returns (c, h)": _cell("c = f * c_prev + i * g\nreturn c, o * np.tanh(c)"),
        "weights reshaped instead of transposed": _cell(
            "z = x_t @ W_x.reshape(W_x.shape[1], -1) + h_prev @ W_h.reshape(H, -1) + b\n"
            "i, f, g, o = sigmoid(z[:, :H]), sigmoid(z[:, H:2*H]), np.tanh(z[:, 2*H:3*H]), sigmoid(z[:, 3*H:])\n"
            "c = f * c_prev + i * g\nreturn o * np.tanh(c), c"),
        "c_prev ignored": _cell("c = i * g\nreturn o * np.tanh(c), c"),
        "updates c_prev in place": _cell("c_prev *= f\nc_prev += i * g\nreturn o * np.tanh(c_prev), c_prev.copy()"),
        "tanh gates": _cell(
            "i, f, o = np.tanh(z[:, :H]), np.tanh(z[:, H:2*H]), np.tanh(z[:, 3*H:])\n"
            "c = f * c_prev + i * g\nreturn o * np.tanh(c), c"),
    },
    "lstm_forward": {
        "c0 ignored": _FORWARD + (
            "    h, c = h0, np.zeros_like(c0)\n    hs, cs = [], []\n"
            "    for t in range(x.shape[1]):\n"
            "        h, c = lstm_cell_forward(x[:, t], h, c, W_x, W_h, b)\n        hs.append(h)\n        cs.append(c)\n"
            "    return np.stack(hs, axis=1), np.stack(cs, axis=1)"),
        "h0 ignored": _FORWARD + (
            "    h, c = np.zeros_like(h0), c0\n    hs, cs = [], []\n"
            "    for t in range(x.shape[1]):\n"
            "        h, c = lstm_cell_forward(x[:, t], h, c, W_x, W_h, b)\n        hs.append(h)\n        cs.append(c)\n"
            "    return np.stack(hs, axis=1), np.stack(cs, axis=1)"),
        "c not carried": _FORWARD + (
            "    h = h0\n    hs, cs = [], []\n"
            "    for t in range(x.shape[1]):\n"
            "        h, c = lstm_cell_forward(x[:, t], h, c0, W_x, W_h, b)\n        hs.append(h)\n        cs.append(c)\n"
            "    return np.stack(hs, axis=1), np.stack(cs, axis=1)"),
        "h not carried": _FORWARD + (
            "    c = c0\n    hs, cs = [], []\n"
            "    for t in range(x.shape[1]):\n"
            "        h, c = lstm_cell_forward(x[:, t], h0, c, W_x, W_h, b)\n        hs.append(h)\n        cs.append(c)\n"
            "    return np.stack(hs, axis=1), np.stack(cs, axis=1)"),
        "states before the step": _FORWARD + (
            "    h, c = h0, c0\n    hs, cs = [], []\n"
            "    for t in range(x.shape[1]):\n"
            "        hs.append(h)\n        cs.append(c)\n"
            "        h, c = lstm_cell_forward(x[:, t], h, c, W_x, W_h, b)\n"
            "    return np.stack(hs, axis=1), np.stack(cs, axis=1)"),
        "backwards in time": _FORWARD + (
            "    h, c = h0, c0\n    hs, cs = [], []\n"
            "    for t in reversed(range(x.shape[1])):\n"
            "        h, c = lstm_cell_forward(x[:, t], h, c, W_x, W_h, b)\n        hs.insert(0, h)\n        cs.insert(0, c)\n"
            "    return np.stack(hs, axis=1), np.stack(cs, axis=1)"),
        "returns (cs, hs)": _FORWARD + (
            "    h, c = h0, c0\n    hs, cs = [], []\n"
            "    for t in range(x.shape[1]):\n"
            "        h, c = lstm_cell_forward(x[:, t], h, c, W_x, W_h, b)\n        hs.append(h)\n        cs.append(c)\n"
            "    return np.stack(cs, axis=1), np.stack(hs, axis=1)"),
        "stacked along the batch axis": _FORWARD + (
            "    h, c = h0, c0\n    hs, cs = [], []\n"
            "    for t in range(x.shape[1]):\n"
            "        h, c = lstm_cell_forward(x[:, t], h, c, W_x, W_h, b)\n        hs.append(h)\n        cs.append(c)\n"
            "    return np.stack(hs, axis=0), np.stack(cs, axis=0)"),
        "last step missing": _FORWARD + (
            "    h, c = h0, c0\n    hs, cs = [h0], [c0]\n"
            "    for t in range(x.shape[1] - 1):\n"
            "        h, c = lstm_cell_forward(x[:, t], h, c, W_x, W_h, b)\n        hs.append(h)\n        cs.append(c)\n"
            "    return np.stack(hs, axis=1), np.stack(cs, axis=1)"),
    },
    "lstm_cell_backward": {
        "forget gate missing from dc_prev": _cell_backward(dc_prev="dc"),
        "dc_prev from the next step only": _cell_backward(dc_prev="f * dc_t"),
        "tanh slope taken of c_t": _cell_backward(dc="dc_t + dh_t * o * (1 - c_t**2)"),
        "output gate's gradient with c_t": _cell_backward(do="dh_t * c_t"),
        "gate order i, f, o, g": _cell_backward(order="ifog"),
        "gate order f, i, g, o": _cell_backward(order="figo"),
        "dc_t not added": _cell_backward(dc="dh_t * o * (1 - tanh_c**2)"),
        "no tanh slope on the path to c_t": _cell_backward(dc="dc_t + dh_t * o"),
        "output gate left out of the path to c_t": _cell_backward(dc="dc_t + dh_t * (1 - tanh_c**2)"),
        "input and forget gradients swapped": _cell_backward(di="dc * c_prev", df="dc * g"),
        "no sigmoid slopes": _cell_backward(slopes="di, df, dg * (1 - g**2), do"),
        "averaged over the batch": _cell_backward(dW_x="dz.T @ x_t / len(x_t)", dW_h="dz.T @ h_prev / len(x_t)",
                                                  db="dz.mean(axis=0)"),
        "db not summed over the batch": _cell_backward(db="dz"),
        "dW_x transposed": _cell_backward(dW_x="x_t.T @ dz"),
    },
    "lstm_backward": {
        "dc not carried": _backward(upstream_c="np.zeros(c0.shape)"),
        "dh not carried": _backward(upstream_h="dhs[:, t]"),
        "only the last step's dhs": _backward(upstream_h="dhs[:, -1] * (t == x.shape[1] - 1) + dh_next"),
        "overwrites instead of accumulating": _backward(accumulate="="),
        "h_prev off by one": _backward(h_prev="hs[:, t]"),
        "c_prev off by one": _backward(c_prev="cs[:, t]"),
        "dc0 left at zero": _backward(dc0="np.zeros(c0.shape)"),
        "dh0 left at zero": _backward(dh0="np.zeros(h0.shape)"),
        "loop forwards in time": _backward(steps="range(x.shape[1])"),
        "misses step 0": _backward(steps="range(x.shape[1] - 1, 0, -1)"),
        "loss added to dc": _backward(upstream_h="dh_next", upstream_c="dc_next + dhs[:, t]"),
        "dh_prev and dc_prev swapped": _backward(unpack="dx[:, t], dc_next, dh_next, gx, gh, gb"),
    },
    "checkpoint_cell_path": {
        "the RNN's Jacobian": 'cell_path_jacobian = "diag(1 - h_t**2) W_h"',
        "input gate": 'cell_path_jacobian = "diag(i_t)"',
        "W_h": 'cell_path_jacobian = "W_h"',
        "not a choice": 'cell_path_jacobian = "f"',
    },
    "checkpoint_forget_bias": {
        "one step": "left_after_10_steps = 1 / (1 + np.exp(-1.0))",
        "bias 0": "left_after_10_steps = 0.5 ** 10",
        "forgot the sigmoid": "left_after_10_steps = 1.0 ** 10",
        "a string": 'left_after_10_steps = "0.044"',
    },
    "checkpoint_parameters": {
        "one gate": "lstm_parameters = 20 * 10 + 20 * 20 + 20",
        "two biases": "lstm_parameters = 4 * (20 * 10 + 20 * 20 + 2 * 20)",
        "no bias": "lstm_parameters = 4 * (20 * 10 + 20 * 20)",
        "H squared missing": "lstm_parameters = 4 * (20 * 10 + 20)",
    },
    "checkpoint_writing_gate": {
        "forget gate": 'writing_gate = "forget gate"',
        "output gate": 'writing_gate = "output gate"',
        "not a choice": 'writing_gate = "candidate"',
    },
    "checkpoint_highway": {
        "zero": 'highway_gradient = "0"',
        "through the output gate": 'highway_gradient = "o_t * dc_t"',
        "tanh slope": 'highway_gradient = "(1 - tanh(c_t)**2) * dc_t"',
        "not a choice": 'highway_gradient = "dc_{t-1}"',
    },
}

ALTERNATIVES = {
    "lstm_cell_forward": {
        "split weights": _SIGMOID + (
            "def lstm_cell_forward(x_t, h_prev, c_prev, W_x, W_h, b):\n"
            "    pre = []\n"
            "    for Wx_k, Wh_k, b_k in zip(np.split(W_x, 4), np.split(W_h, 4), np.split(b, 4)):\n"
            "        pre.append(np.dot(x_t, Wx_k.T) + np.dot(h_prev, Wh_k.T) + b_k)\n"
            "    i, f, o = (1 / (1 + np.exp(-p)) for p in (pre[0], pre[1], pre[3]))\n"
            "    c_t = c_prev * f + np.tanh(pre[2]) * i\n"
            "    return np.tanh(c_t) * o, c_t"),
        "einsum and a reshape": _SIGMOID + (
            "def lstm_cell_forward(x_t, h_prev, c_prev, W_x, W_h, b):\n"
            "    B, H = h_prev.shape\n"
            "    z = (np.einsum('bd,gd->bg', x_t, W_x) + np.einsum('bh,gh->bg', h_prev, W_h) + b).reshape(B, 4, H)\n"
            "    gates = sigmoid(z)\n"
            "    g = np.tanh(z[:, 2])\n"
            "    c = gates[:, 1] * c_prev + gates[:, 0] * g\n"
            "    h = gates[:, 3] * np.tanh(c)\n"
            "    return (h, c)"),
        "explicit loops": _SIGMOID + (
            "def lstm_cell_forward(x_t, h_prev, c_prev, W_x, W_h, b):\n"
            "    B, H = h_prev.shape\n"
            "    h_t, c_t = np.zeros((B, H)), np.zeros((B, H))\n"
            "    for n in range(B):\n"
            "        z = W_x @ x_t[n] + W_h @ h_prev[n] + b\n"
            "        for j in range(H):\n"
            "            i, f = sigmoid(z[j]), sigmoid(z[H + j])\n"
            "            g, o = np.tanh(z[2 * H + j]), sigmoid(z[3 * H + j])\n"
            "            c_t[n, j] = f * c_prev[n, j] + i * g\n"
            "            h_t[n, j] = o * np.tanh(c_t[n, j])\n"
            "    return h_t, c_t"),
    },
    "lstm_forward": {
        "preallocated arrays": _FORWARD + (
            "    B, T, _ = x.shape\n"
            "    hs = np.empty((B, T, h0.shape[1]))\n"
            "    cs = np.empty_like(hs)\n"
            "    h, c = h0.copy(), c0.copy()\n"
            "    for t in range(T):\n"
            "        h, c = lstm_cell_forward(x[:, t, :], h, c, W_x, W_h, b)\n"
            "        hs[:, t], cs[:, t] = h, c\n"
            "    return hs, cs"),
        "inlined cell, gates of the whole batch at once": _FORWARD + (
            "    H = h0.shape[1]\n"
            "    inputs = x @ W_x.T + b  # the input terms of every step, computed once\n"
            "    h, c, hs, cs = h0, c0, [], []\n"
            "    for t in range(x.shape[1]):\n"
            "        z = inputs[:, t] + h @ W_h.T\n"
            "        s = 1 / (1 + np.exp(-z))\n"
            "        c = s[:, H:2*H] * c + s[:, :H] * np.tanh(z[:, 2*H:3*H])\n"
            "        h = s[:, 3*H:] * np.tanh(c)\n"
            "        hs.append(h)\n"
            "        cs.append(c)\n"
            "    return np.array(hs).transpose(1, 0, 2), np.array(cs).transpose(1, 0, 2)"),
    },
    "lstm_cell_backward": {
        "einsum over gate blocks": _CELL_BACKWARD + (
            "    B, H = h_prev.shape\n"
            "    z = (np.einsum('bd,gd->bg', x_t, W_x) + np.einsum('bh,gh->bg', h_prev, W_h) + b).reshape(B, 4, H)\n"
            "    s = sigmoid(z)\n"
            "    i, f, o = s[:, 0], s[:, 1], s[:, 3]\n"
            "    g = np.tanh(z[:, 2])\n"
            "    c = f * c_prev + i * g\n"
            "    t = np.tanh(c)\n"
            "    d = dc_t + dh_t * o * (1 - t) * (1 + t)\n"
            "    dz = np.stack([d * g * i * (1 - i), d * c_prev * f * (1 - f), d * i * (1 - g) * (1 + g),\n"
            "                   dh_t * t * o * (1 - o)], axis=1).reshape(B, 4 * H)\n"
            "    return (np.einsum('bg,gd->bd', dz, W_x), np.einsum('bg,gh->bh', dz, W_h), d * f,\n"
            "            np.einsum('bg,bd->gd', dz, x_t), np.einsum('bg,bh->gh', dz, h_prev), np.einsum('bg->g', dz))"),
        "one example at a time, with outer products": _CELL_BACKWARD + (
            "    B, H = h_prev.shape\n"
            "    dW_x, dW_h, db = np.zeros(W_x.shape), np.zeros(W_h.shape), np.zeros(b.shape)\n"
            "    dx, dh, dc = [], [], []\n"
            "    for n in range(B):\n"
            "        z = W_x @ x_t[n] + W_h @ h_prev[n] + b\n"
            "        i, f, g, o = sigmoid(z[:H]), sigmoid(z[H:2*H]), np.tanh(z[2*H:3*H]), sigmoid(z[3*H:])\n"
            "        c = f * c_prev[n] + i * g\n"
            "        grad_c = dc_t[n] + dh_t[n] * o * (1 - np.tanh(c) ** 2)\n"
            "        dz = np.concatenate([grad_c * g * i * (1 - i), grad_c * c_prev[n] * f * (1 - f),\n"
            "                             grad_c * i * (1 - g * g), dh_t[n] * np.tanh(c) * o * (1 - o)])\n"
            "        dx.append(W_x.T @ dz)\n"
            "        dh.append(W_h.T @ dz)\n"
            "        dc.append(grad_c * f)\n"
            "        dW_x += np.outer(dz, x_t[n])\n"
            "        dW_h += np.outer(dz, h_prev[n])\n"
            "        db += dz\n"
            "    return np.array(dx), np.array(dh), np.array(dc), dW_x, dW_h, db"),
        "through the forward cell, returning a list": _CELL_BACKWARD + (
            "    H = h_prev.shape[1]\n"
            "    z = np.dot(x_t, W_x.T) + np.dot(h_prev, W_h.T) + b\n"
            "    gates = [sigmoid(z[:, k * H:(k + 1) * H]) for k in range(4)]\n"
            "    gates[2] = np.tanh(z[:, 2 * H:3 * H])\n"
            "    _, c_t = lstm_cell_forward(x_t, h_prev, c_prev, W_x, W_h, b)\n"
            "    i, f, g, o = gates\n"
            "    total = dc_t + dh_t * o * (1 - np.tanh(c_t) ** 2)\n"
            "    slopes = [i - i**2, f - f**2, 1 - g**2, o - o**2]\n"
            "    grads = [total * g, total * c_prev, total * i, dh_t * np.tanh(c_t)]\n"
            "    dz = np.hstack([d * s for d, s in zip(grads, slopes)])\n"
            "    return [np.dot(dz, W_x), np.dot(dz, W_h), total * f, np.dot(dz.T, x_t), np.dot(dz.T, h_prev),\n"
            "            np.sum(dz, axis=0)]"),
    },
    "lstm_backward": {
        "self-contained": _BACKWARD + (
            "    B, T, D = x.shape\n"
            "    H = h0.shape[1]\n"
            "    states = [(h0, c0)]\n"
            "    for t in range(T):\n"
            "        states.append(lstm_cell_forward(x[:, t], *states[-1], W_x, W_h, b))\n"
            "    grads = {'dx': np.zeros((B, T, D)), 'dW_x': np.zeros_like(W_x, dtype=float),\n"
            "             'dW_h': np.zeros_like(W_h, dtype=float), 'db': np.zeros(4 * H)}\n"
            "    dh, dc = np.zeros((B, H)), np.zeros((B, H))\n"
            "    for t in range(T - 1, -1, -1):\n"
            "        h_prev, c_prev = states[t]\n"
            "        z = x[:, t] @ W_x.T + h_prev @ W_h.T + b\n"
            "        i, f, g, o = np.split(z, 4, axis=1)\n"
            "        i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)\n"
            "        c = states[t + 1][1]\n"
            "        dh = dh + dhs[:, t]\n"
            "        dc = dc + dh * o * (1 - np.tanh(c) ** 2)\n"
            "        dz = np.hstack([dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g**2),\n"
            "                        dh * np.tanh(c) * o * (1 - o)])\n"
            "        grads['dx'][:, t] = dz @ W_x\n"
            "        grads['dW_x'] = grads['dW_x'] + dz.T @ x[:, t]\n"
            "        grads['dW_h'] = grads['dW_h'] + dz.T @ h_prev\n"
            "        grads['db'] = grads['db'] + dz.sum(0)\n"
            "        dh, dc = dz @ W_h, dc * f\n"
            "    grads['dh0'], grads['dc0'] = dh, dc\n"
            "    return grads"),
        "collect then sum": _BACKWARD + (
            "    hs, cs = lstm_forward(x, h0, c0, W_x, W_h, b)\n"
            "    T = x.shape[1]\n"
            "    entering_h = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)\n"
            "    entering_c = np.concatenate([c0[:, None], cs[:, :-1]], axis=1)\n"
            "    results = [None] * T\n"
            "    dh, dc = 0 * h0, 0 * c0\n"
            "    for t in range(T - 1, -1, -1):\n"
            "        results[t] = lstm_cell_backward(dhs[:, t] + dh, dc, x[:, t], entering_h[:, t], entering_c[:, t],\n"
            "                                        W_x, W_h, b)\n"
            "        dh, dc = results[t][1], results[t][2]\n"
            "    return dict(dx=np.stack([r[0] for r in results], axis=1), dh0=dh, dc0=dc,\n"
            "                dW_x=sum(r[3] for r in results), dW_h=sum(r[4] for r in results),\n"
            "                db=sum(r[5] for r in results))"),
    },
    "checkpoint_cell_path": {
        "spaces": 'cell_path_jacobian = " diag(f_t) "',
        "plain": 'cell_path_jacobian = "diag(f_t)"',
    },
    "checkpoint_forget_bias": {
        "rounded": "left_after_10_steps = 0.0437",
        "with a loop": "left_after_10_steps = 1.0\nfor _ in range(10):\n    left_after_10_steps *= 1 / (1 + np.exp(-1))",
    },
    "checkpoint_parameters": {
        "number": "lstm_parameters = 2480",
        "formula": "D, H = 10, 20\nlstm_parameters = 4 * H * (D + H) + 4 * H",
    },
    "checkpoint_writing_gate": {
        "capitals": 'writing_gate = "Input Gate"',
        "plain": 'writing_gate = "input gate"',
    },
    "checkpoint_highway": {
        "capitals": 'highway_gradient = "DC_T"',
        "spaces": 'highway_gradient = " dc_t "',
    },
}

WRONG = {
    "lstm_cell_forward": "gate order i, f, o, g", "lstm_forward": "c not carried",
    "checkpoint_cell_path": "the RNN's Jacobian", "checkpoint_forget_bias": "bias 0",
    "checkpoint_parameters": "two biases", "checkpoint_writing_gate": "forget gate",
    "lstm_cell_backward": "forget gate missing from dc_prev", "lstm_backward": "dc not carried",
    "checkpoint_highway": "zero",
}

VISIBLE_MESSAGES = {
    ("lstm_cell_forward", "gate order i, f, o, g"): "you read them as i, f, o, g",
    ("lstm_cell_forward", "gate order f, i, g, o"): "you read them as f, i, g, o",
    ("lstm_cell_forward", "no tanh on c for h"): "left out the tanh on the cell state",
    ("lstm_cell_forward", "h from c_prev"): "you used c_prev",
    ("lstm_cell_forward", "1 - f"): "(1 - f_t)",
    ("lstm_cell_forward", "sigmoid candidate"): "not sigmoid",
    ("lstm_cell_forward", "forget gate ignored"): "you added c_prev unscaled",
    ("lstm_cell_forward", "input gate ignored"): "you left out i_t",
    ("lstm_cell_forward", "output gate ignored"): "left out the output gate",
    ("lstm_cell_forward", "missing h_prev term"): "ignores h_prev",
    ("lstm_cell_forward", "missing bias"): "ignore the bias",
    ("lstm_cell_forward", "returns (c, h)"): "you returned (c_t, h_t)",
    ("lstm_cell_forward", "c_prev ignored"): "ignores c_prev",
    ("lstm_cell_forward", "updates c_prev in place"): "modified in place",
    ("lstm_forward", "c0 ignored"): "ignore c0",
    ("lstm_forward", "h0 ignored"): "ignore h0",
    ("lstm_forward", "c not carried"): "restarts from c0",
    ("lstm_forward", "states before the step"): "the states before it",
    ("lstm_forward", "backwards in time"): "backwards",
    ("lstm_forward", "returns (cs, hs)"): "you returned (cs, hs)",
    ("lstm_cell_backward", "forget gate missing from dc_prev"): "you left out f_t",
    ("lstm_cell_backward", "dc_prev from the next step only"): "yours is f_t * dc_t alone",
    ("lstm_cell_backward", "tanh slope taken of c_t"): "you used 1 - c_t**2",
    ("lstm_cell_backward", "output gate's gradient with c_t"): "you used dh_t * c_t",
    ("lstm_cell_backward", "gate order i, f, o, g"): "you read them as i, f, o, g",
    ("lstm_cell_backward", "gate order f, i, g, o"): "you read them as f, i, g, o",
    ("lstm_cell_backward", "dc_t not added"): "dc_t, the gradient from the next step, must be added",
    ("lstm_cell_backward", "input and forget gradients swapped"): "you swapped them",
    ("lstm_cell_backward", "averaged over the batch"): "you averaged them",
    ("lstm_backward", "dc not carried"): "no gradient flows back along the cell state",
    ("lstm_backward", "dh not carried"): "no gradient flows back from h_{t+1}",
    ("lstm_backward", "overwrites instead of accumulating"): "+=",
    ("lstm_backward", "h_prev off by one"): "you gave it hs[:, t]",
    ("lstm_backward", "dc0 left at zero"): "dc0 is the dc_prev that comes out of step 0",
    ("lstm_backward", "loss added to dc"): "not to dc",
    ("lstm_backward", "dh_prev and dc_prev swapped"): "swaps dh_prev and dc_prev",
}
