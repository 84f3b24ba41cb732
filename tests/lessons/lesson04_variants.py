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
}

WRONG = {
    "lstm_cell_forward": "gate order i, f, o, g", "lstm_forward": "c not carried",
    "checkpoint_cell_path": "the RNN's Jacobian", "checkpoint_forget_bias": "bias 0",
    "checkpoint_parameters": "two biases", "checkpoint_writing_gate": "forget gate",
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
}
