"""Plausible wrong (MUTANTS) and differently written correct (ALTERNATIVES) solutions for lesson 05.

Each entry is the full code a learner might put in the solution cell whose grade_id is the key.
WRONG picks, per solution cell, one mistake the visible tests catch too (graded for real by nbgrader);
VISIBLE_MESSAGES says what the visible test must say for some mistakes.
"""

_CELL = (
    "def gru_cell_forward(x_t, h_prev, W_x, W_h, b_x, b_h):\n"
    "    H = h_prev.shape[1]\n"
    "    sig = lambda a: 1 / (1 + np.exp(-a))\n"
    "    gx, gh = x_t @ W_x.T + b_x, h_prev @ W_h.T + b_h\n"
)
_GATES = (
    "    r = sig(gx[:, :H] + gh[:, :H])\n"
    "    z = sig(gx[:, H:2*H] + gh[:, H:2*H])\n"
)
_FORWARD = "def gru_forward(x, h0, W_x, W_h, b_x, b_h):\n"

# gru_cell_backward: the forward quantities, then the backward pass in lines that the mutants change one at a time
_BACKWARD_HEAD = (
    "def gru_cell_backward(dh_t, x_t, h_prev, W_x, W_h, b_x, b_h):\n"
    "    H = h_prev.shape[1]\n"
    "    sig = lambda a: 1 / (1 + np.exp(-a))\n"
    "    gx, gh = x_t @ W_x.T + b_x, h_prev @ W_h.T + b_h\n"
    "    r = sig(gx[:, :H] + gh[:, :H])\n"
    "    z = sig(gx[:, H:2*H] + gh[:, H:2*H])\n"
    "    hn = gh[:, 2*H:]\n"
    "    n = np.tanh(gx[:, 2*H:] + r * hn)\n"
)
_BACKWARD_LINES = {
    "dn": "    dn = dh_t * (1 - z)\n",
    "dz": "    dz = dh_t * (h_prev - n)\n",
    "dan": "    dan = dn * (1 - n**2)\n",
    "dr": "    dr = dan * hn\n",
    "dar": "    dar = dr * r * (1 - r)\n",
    "daz": "    daz = dz * z * (1 - z)\n",
    "dgx": "    dgx = np.concatenate([dar, daz, dan], axis=1)\n",
    "dgh": "    dgh = np.concatenate([dar, daz, r * dan], axis=1)\n",
    "return": ("    return (dgx @ W_x, dh_t * z + dgh @ W_h, dgx.T @ x_t, dgh.T @ h_prev,\n"
               "            dgx.sum(axis=0), dgh.sum(axis=0))"),
}


def _backward(**changed: str) -> str:
    """The backward solution with some of its lines replaced."""
    return _BACKWARD_HEAD + "".join(changed.get(name, line) for name, line in _BACKWARD_LINES.items())

MUTANTS = {
    "gru_cell_forward": {
        "seed's convention": _CELL + _GATES + "    n = np.tanh(gx[:, 2*H:] + r * gh[:, 2*H:])\n"
                                              "    return (1 - z) * h_prev + z * n",
        "gate order z, r, n": _CELL + "    z = sig(gx[:, :H] + gh[:, :H])\n    r = sig(gx[:, H:2*H] + gh[:, H:2*H])\n"
                                      "    n = np.tanh(gx[:, 2*H:] + r * gh[:, 2*H:])\n"
                                      "    return (1 - z) * n + z * h_prev",
        "reset before the matmul (Cho)": _CELL + _GATES +
            "    n = np.tanh(gx[:, 2*H:] + (r * h_prev) @ W_h[2*H:].T + b_h[2*H:])\n"
            "    return (1 - z) * n + z * h_prev",
        "b_hn outside the reset gate": _CELL + _GATES +
            "    n = np.tanh(gx[:, 2*H:] + r * (h_prev @ W_h[2*H:].T) + b_h[2*H:])\n"
            "    return (1 - z) * n + z * h_prev",
        "no reset gate": _CELL + _GATES + "    n = np.tanh(gx[:, 2*H:] + gh[:, 2*H:])\n"
                                          "    return (1 - z) * n + z * h_prev",
        "tanh and sigmoid swapped": _CELL + "    r = np.tanh(gx[:, :H] + gh[:, :H])\n"
                                            "    z = np.tanh(gx[:, H:2*H] + gh[:, H:2*H])\n"
                                            "    n = sig(gx[:, 2*H:] + r * gh[:, 2*H:])\n"
                                            "    return (1 - z) * n + z * h_prev",
        "returns the candidate": _CELL + _GATES + "    return np.tanh(gx[:, 2*H:] + r * gh[:, 2*H:])",
        "W_h blocks untransposed": (
            "def gru_cell_forward(x_t, h_prev, W_x, W_h, b_x, b_h):\n"
            "    H = h_prev.shape[1]\n"
            "    sig = lambda a: 1 / (1 + np.exp(-a))\n"
            "    gx = x_t @ W_x.T + b_x\n"
            "    gh = np.concatenate([h_prev @ W_h[k*H:(k+1)*H] for k in range(3)], axis=1) + b_h\n"
            + _GATES + "    n = np.tanh(gx[:, 2*H:] + r * gh[:, 2*H:])\n    return (1 - z) * n + z * h_prev"),
        "forgets b_h": (
            "def gru_cell_forward(x_t, h_prev, W_x, W_h, b_x, b_h):\n"
            "    H = h_prev.shape[1]\n"
            "    sig = lambda a: 1 / (1 + np.exp(-a))\n"
            "    gx, gh = x_t @ W_x.T + b_x, h_prev @ W_h.T\n"
            + _GATES + "    n = np.tanh(gx[:, 2*H:] + r * gh[:, 2*H:])\n    return (1 - z) * n + z * h_prev"),
        "candidate uses sigmoid": _CELL + _GATES + "    n = sig(gx[:, 2*H:] + r * gh[:, 2*H:])\n"
                                                  "    return (1 - z) * n + z * h_prev",
        "modifies h_prev in place": _CELL + _GATES + "    n = np.tanh(gx[:, 2*H:] + r * gh[:, 2*H:])\n"
                                                    "    h_prev *= z\n    h_prev += (1 - z) * n\n    return h_prev",
    },
    "gru_forward": {
        "ignores h0": _FORWARD + "    h = np.zeros_like(h0)\n    hs = []\n    for t in range(x.shape[1]):\n"
                                 "        h = gru_cell_forward(x[:, t], h, W_x, W_h, b_x, b_h)\n"
                                 "        hs.append(h)\n    return np.stack(hs, axis=1)",
        "always h0": _FORWARD + "    return np.stack([gru_cell_forward(x[:, t], h0, W_x, W_h, b_x, b_h)\n"
                                "                     for t in range(x.shape[1])], axis=1)",
        "shifted by one step": _FORWARD + "    h = h0\n    hs = []\n    for t in range(x.shape[1]):\n"
                                          "        hs.append(h)\n"
                                          "        h = gru_cell_forward(x[:, t], h, W_x, W_h, b_x, b_h)\n"
                                          "    return np.stack(hs, axis=1)",
        "backwards in time": _FORWARD + "    h = h0\n    hs = np.zeros(x.shape[:2] + h0.shape[1:])\n"
                                        "    for t in reversed(range(x.shape[1])):\n"
                                        "        h = gru_cell_forward(x[:, t], h, W_x, W_h, b_x, b_h)\n"
                                        "        hs[:, t] = h\n    return hs",
        "time-major output": _FORWARD + "    h = h0\n    hs = []\n    for t in range(x.shape[1]):\n"
                                        "        h = gru_cell_forward(x[:, t], h, W_x, W_h, b_x, b_h)\n"
                                        "        hs.append(h)\n    return np.stack(hs)",
        "last step missing": _FORWARD + "    h = h0\n    hs = np.zeros(x.shape[:2] + h0.shape[1:])\n"
                                        "    for t in range(x.shape[1] - 1):\n"
                                        "        h = gru_cell_forward(x[:, t], h, W_x, W_h, b_x, b_h)\n"
                                        "        hs[:, t] = h\n    return hs",
        "seed's convention in its own loop": (
            _FORWARD + "    H = h0.shape[1]\n    h, hs = h0, []\n"
            "    for t in range(x.shape[1]):\n"
            "        gx, gh = x[:, t] @ W_x.T + b_x, h @ W_h.T + b_h\n"
            "        r = 1 / (1 + np.exp(-(gx[:, :H] + gh[:, :H])))\n"
            "        z = 1 / (1 + np.exp(-(gx[:, H:2*H] + gh[:, H:2*H])))\n"
            "        n = np.tanh(gx[:, 2*H:] + r * gh[:, 2*H:])\n"
            "        h = z * n + (1 - z) * h\n"
            "        hs.append(h)\n    return np.stack(hs, axis=1)"),
        "reads the batch axis as time": _FORWARD + "    h = h0\n    hs = np.zeros(x.shape[:2] + h0.shape[1:])\n"
                                                   "    for t in range(x.shape[1]):\n"
                                                   "        h = gru_cell_forward(x[t % x.shape[0]], h, W_x, W_h, b_x, b_h)\n"
                                                   "        hs[:, t] = h\n    return hs",
    },
    "gru_cell_backward": {
        "(1 - z) and z branches swapped": _backward(
            dn="    dn = dh_t * z\n", dz="    dz = dh_t * (n - h_prev)\n",
            **{"return": "    return (dgx @ W_x, dh_t * (1 - z) + dgh @ W_h, dgx.T @ x_t, dgh.T @ h_prev,\n"
                         "            dgx.sum(axis=0), dgh.sum(axis=0))"}),
        "r outside the W_hn product (b_hn not reset)": _backward(
            dr="    dr = dan * (h_prev @ W_h[2*H:].T)\n",
            dgh="    dgh = np.concatenate([dar, daz, r * dan], axis=1)\n    dgh[:, 2*H:] = r * dan\n",
            **{"return": "    db_h = dgh.sum(axis=0)\n    db_h[2*H:] = dan.sum(axis=0)\n"
                         "    return dgx @ W_x, dh_t * z + dgh @ W_h, dgx.T @ x_t, dgh.T @ h_prev, dgx.sum(axis=0), db_h"}),
        "r applied to h_prev before W_hn (Cho)": (
            "def gru_cell_backward(dh_t, x_t, h_prev, W_x, W_h, b_x, b_h):\n"
            "    H = h_prev.shape[1]\n"
            "    sig = lambda a: 1 / (1 + np.exp(-a))\n"
            "    gx, gh = x_t @ W_x.T + b_x, h_prev @ W_h.T + b_h\n"
            "    r = sig(gx[:, :H] + gh[:, :H])\n"
            "    z = sig(gx[:, H:2*H] + gh[:, H:2*H])\n"
            "    W_hn = W_h[2*H:]\n"
            "    n = np.tanh(gx[:, 2*H:] + (r * h_prev) @ W_hn.T + b_h[2*H:])\n"
            "    dn = dh_t * (1 - z)\n    dz = dh_t * (h_prev - n)\n    dan = dn * (1 - n**2)\n"
            "    d_rh = dan @ W_hn\n"
            "    dar = d_rh * h_prev * r * (1 - r)\n    daz = dz * z * (1 - z)\n"
            "    dgx = np.concatenate([dar, daz, dan], axis=1)\n"
            "    dgh_rz = np.concatenate([dar, daz], axis=1)\n"
            "    dh_prev = dh_t * z + dgh_rz @ W_h[:2*H] + d_rh * r\n"
            "    dW_h = np.concatenate([dgh_rz.T @ h_prev, dan.T @ (r * h_prev)])\n"
            "    db_h = np.concatenate([dgh_rz.sum(axis=0), dan.sum(axis=0)])\n"
            "    return dgx @ W_x, dh_prev, dgx.T @ x_t, dW_h, dgx.sum(axis=0), db_h"),
        "dr without b_hn": _backward(dr="    dr = dan * (h_prev @ W_h[2*H:].T)\n"),
        "gate order z, r, n": (_backward()
                               .replace("r = sig(gx[:, :H] + gh[:, :H])", "r = sig(gx[:, H:2*H] + gh[:, H:2*H])", 1)
                               .replace("z = sig(gx[:, H:2*H] + gh[:, H:2*H])", "z = sig(gx[:, :H] + gh[:, :H])", 1)
                               .replace("[dar, daz, dan]", "[daz, dar, dan]")
                               .replace("[dar, daz, r * dan]", "[daz, dar, r * dan]")),
        "no direct path to h_prev": _backward(**{"return": "    return (dgx @ W_x, dgh @ W_h, dgx.T @ x_t, dgh.T @ h_prev,\n"
                                                          "            dgx.sum(axis=0), dgh.sum(axis=0))"}),
        "dz with the wrong sign": _backward(dz="    dz = dh_t * (n - h_prev)\n"),
        "r missing from the W_hn path": _backward(dgh="    dgh = np.concatenate([dar, daz, dan], axis=1)\n"),
        "tanh slope 1 - n": _backward(dan="    dan = dn * (1 - n)\n"),
        "weight gradients averaged over the batch": _backward(
            **{"return": "    B = x_t.shape[0]\n"
                         "    return (dgx @ W_x, dh_t * z + dgh @ W_h, dgx.T @ x_t / B, dgh.T @ h_prev / B,\n"
                         "            dgx.mean(axis=0), dgh.mean(axis=0))"}),
        "db_h the same as db_x": _backward(
            **{"return": "    return (dgx @ W_x, dh_t * z + dgh @ W_h, dgx.T @ x_t, dgh.T @ h_prev,\n"
                         "            dgx.sum(axis=0), dgx.sum(axis=0))"}),
        "modifies dh_t in place": _backward(
            **{"return": "    dh_prev = dh_t  # not a copy: the next two lines change dh_t too\n"
                         "    dh_prev *= z\n    dh_prev += dgh @ W_h\n"
                         "    return dgx @ W_x, dh_prev, dgx.T @ x_t, dgh.T @ h_prev, dgx.sum(axis=0), dgh.sum(axis=0)"}),
    },
    "checkpoint_param_count": {
        "one bias per block": "gru_parameters = 3 * (20 * 10 + 20 * 20 + 20)",
        "an LSTM's four blocks": "gru_parameters = 4 * (20 * 10 + 20 * 20 + 2 * 20)",
        "one block": "gru_parameters = 20 * 10 + 20 * 20 + 2 * 20",
        "no biases": "gru_parameters = 3 * (20 * 10 + 20 * 20)",
        "a string": 'gru_parameters = "1920"',
    },
    "checkpoint_conversion": {
        "one minus": 'convert_update_gate = "replace them by 1 minus them"',
        "keep": 'convert_update_gate = "keep them as they are"',
        "swap": 'convert_update_gate = "swap them with the reset gate\'s"',
        "not a choice": 'convert_update_gate = "negate"',
    },
    "checkpoint_reset": {
        "new state ignores": 'reset_zero = "the new state ignores the old state"',
        "new state equals": 'reset_zero = "the new state equals the old state"',
    },
    "checkpoint_lstm_only": {
        "tanh candidate": 'lstm_only = "a tanh candidate"',
        "sigmoid gates": 'lstm_only = "sigmoid gates"',
        "not a choice": 'lstm_only = "a cell state"',
    },
}

ALTERNATIVES = {
    "gru_cell_forward": {
        "split weights and einsum": (
            "def gru_cell_forward(x_t, h_prev, W_x, W_h, b_x, b_h):\n"
            "    W_xr, W_xz, W_xn = np.split(W_x, 3)\n"
            "    W_hr, W_hz, W_hn = np.split(W_h, 3)\n"
            "    b_xr, b_xz, b_xn = np.split(b_x, 3)\n"
            "    b_hr, b_hz, b_hn = np.split(b_h, 3)\n"
            "    def sigmoid(a):\n"
            "        return 0.5 * (1 + np.tanh(0.5 * a))\n"
            "    r = sigmoid(np.einsum('bd,hd->bh', x_t, W_xr) + b_xr + np.einsum('bk,hk->bh', h_prev, W_hr) + b_hr)\n"
            "    z = sigmoid(np.einsum('bd,hd->bh', x_t, W_xz) + b_xz + np.einsum('bk,hk->bh', h_prev, W_hz) + b_hz)\n"
            "    n = np.tanh(np.einsum('bd,hd->bh', x_t, W_xn) + b_xn\n"
            "                + r * (np.einsum('bk,hk->bh', h_prev, W_hn) + b_hn))\n"
            "    return z * h_prev + (1.0 - z) * n"),
        "seed's convention, converted correctly": (
            "def gru_cell_forward(x_t, h_prev, W_x, W_h, b_x, b_h):\n"
            "    H = W_h.shape[1]\n"
            "    a = x_t @ W_x.T + b_x\n"
            "    c = h_prev @ W_h.T + b_h\n"
            "    r = 1 / (1 + np.exp(-a[:, :H] - c[:, :H]))\n"
            "    u = 1 / (1 + np.exp(a[:, H:2*H] + c[:, H:2*H]))  # u = 1 - z: the seed's gate\n"
            "    candidate = np.tanh(a[:, 2*H:] + r * c[:, 2*H:])\n"
            "    return (1 - u) * h_prev + u * candidate"),
        "loop over the batch": (
            "def gru_cell_forward(x_t, h_prev, W_x, W_h, b_x, b_h):\n"
            "    B, H = h_prev.shape\n"
            "    out = np.empty((B, H))\n"
            "    for i in range(B):\n"
            "        g = W_x.dot(x_t[i]) + b_x\n"
            "        k = W_h.dot(h_prev[i]) + b_h\n"
            "        r = 1 / (1 + np.exp(-(g[:H] + k[:H])))\n"
            "        z = 1 / (1 + np.exp(-(g[H:2*H] + k[H:2*H])))\n"
            "        n = np.tanh(g[2*H:] + r * k[2*H:])\n"
            "        out[i] = n + z * (h_prev[i] - n)\n"
            "    return out"),
    },
    "gru_forward": {
        "list and stack": _FORWARD + "    states, h = [], h0\n    for x_t in np.moveaxis(x, 1, 0):\n"
                                     "        h = gru_cell_forward(x_t, h, W_x, W_h, b_x, b_h)\n"
                                     "        states.append(h)\n    return np.stack(states, axis=1)",
        "inline, without the cell": (
            _FORWARD + "    H = h0.shape[1]\n    B, T, _ = x.shape\n"
            "    gx_all = np.einsum('btd,gd->btg', x, W_x) + b_x  # every input part at once\n"
            "    hs = np.empty((B, T, H))\n    h = h0.copy()\n"
            "    for t in range(T):\n"
            "        gh = h @ W_h.T + b_h\n"
            "        r = 1 / (1 + np.exp(-(gx_all[:, t, :H] + gh[:, :H])))\n"
            "        z = 1 / (1 + np.exp(-(gx_all[:, t, H:2*H] + gh[:, H:2*H])))\n"
            "        n = np.tanh(gx_all[:, t, 2*H:] + r * gh[:, 2*H:])\n"
            "        h = (1 - z) * n + z * h\n"
            "        hs[:, t] = h\n"
            "    return hs"),
        "while loop": _FORWARD + "    t, h, out = 0, h0, []\n    while t < x.shape[1]:\n"
                                 "        h = gru_cell_forward(x[:, t, :], h, W_x, W_h, b_x, b_h)\n"
                                 "        out.append(h[:, None, :])\n        t += 1\n"
                                 "    return np.concatenate(out, axis=1)",
    },
    "gru_cell_backward": {
        "split blocks and einsum": (
            "def gru_cell_backward(dh_t, x_t, h_prev, W_x, W_h, b_x, b_h):\n"
            "    W_xr, W_xz, W_xn = np.split(W_x, 3)\n"
            "    W_hr, W_hz, W_hn = np.split(W_h, 3)\n"
            "    b_xr, b_xz, b_xn = np.split(b_x, 3)\n"
            "    b_hr, b_hz, b_hn = np.split(b_h, 3)\n"
            "    def sigmoid(a):\n"
            "        return 0.5 * (1 + np.tanh(0.5 * a))\n"
            "    lin = lambda v, W, b: np.einsum('bk,hk->bh', v, W) + b\n"
            "    r = sigmoid(lin(x_t, W_xr, b_xr) + lin(h_prev, W_hr, b_hr))\n"
            "    z = sigmoid(lin(x_t, W_xz, b_xz) + lin(h_prev, W_hz, b_hz))\n"
            "    s = lin(h_prev, W_hn, b_hn)\n"
            "    n = np.tanh(lin(x_t, W_xn, b_xn) + r * s)\n"
            "    g_n = dh_t * (1 - z) * (1 - n * n)\n"
            "    g_r = g_n * s * r * (1 - r)\n"
            "    g_z = dh_t * (h_prev - n) * z * (1 - z)\n"
            "    g_s = g_n * r\n"
            "    dx_t = np.einsum('bh,hd->bd', g_r, W_xr) + np.einsum('bh,hd->bd', g_z, W_xz) \\\n"
            "        + np.einsum('bh,hd->bd', g_n, W_xn)\n"
            "    dh_prev = dh_t * z + np.einsum('bh,hk->bk', g_r, W_hr) + np.einsum('bh,hk->bk', g_z, W_hz) \\\n"
            "        + np.einsum('bh,hk->bk', g_s, W_hn)\n"
            "    outer = lambda g, v: np.einsum('bh,bk->hk', g, v)\n"
            "    dW_x = np.vstack([outer(g_r, x_t), outer(g_z, x_t), outer(g_n, x_t)])\n"
            "    dW_h = np.vstack([outer(g_r, h_prev), outer(g_z, h_prev), outer(g_s, h_prev)])\n"
            "    db_x = np.hstack([g_r.sum(0), g_z.sum(0), g_n.sum(0)])\n"
            "    db_h = np.hstack([g_r.sum(0), g_z.sum(0), g_s.sum(0)])\n"
            "    return dx_t, dh_prev, dW_x, dW_h, db_x, db_h"),
        "loop over the batch, outer products": (
            "def gru_cell_backward(dh_t, x_t, h_prev, W_x, W_h, b_x, b_h):\n"
            "    B, H = h_prev.shape\n"
            "    dx_t, dh_prev = np.zeros(x_t.shape), np.zeros(h_prev.shape)\n"
            "    dW_x, dW_h = np.zeros(W_x.shape), np.zeros(W_h.shape)\n"
            "    db_x, db_h = np.zeros(b_x.shape), np.zeros(b_h.shape)\n"
            "    for i in range(B):\n"
            "        ax = W_x.dot(x_t[i]) + b_x\n"
            "        ah = W_h.dot(h_prev[i]) + b_h\n"
            "        r = 1 / (1 + np.exp(-(ax[:H] + ah[:H])))\n"
            "        z = 1 / (1 + np.exp(-(ax[H:2*H] + ah[H:2*H])))\n"
            "        n = np.tanh(ax[2*H:] + r * ah[2*H:])\n"
            "        g = dh_t[i]\n"
            "        a_n = g * (1 - z) * (1 - n**2)\n"
            "        gx = np.concatenate([a_n * ah[2*H:] * r * (1 - r), g * (h_prev[i] - n) * z * (1 - z), a_n])\n"
            "        gh = gx.copy()\n"
            "        gh[2*H:] *= r\n"
            "        dx_t[i] = W_x.T.dot(gx)\n"
            "        dh_prev[i] = g * z + W_h.T.dot(gh)\n"
            "        dW_x += np.outer(gx, x_t[i])\n"
            "        dW_h += np.outer(gh, h_prev[i])\n"
            "        db_x += gx\n"
            "        db_h += gh\n"
            "    return dx_t, dh_prev, dW_x, dW_h, db_x, db_h"),
        "the seed's gate u = 1 - z, and a list": (
            "def gru_cell_backward(dh_t, x_t, h_prev, W_x, W_h, b_x, b_h):\n"
            "    H = W_h.shape[1]\n"
            "    a = x_t @ W_x.T + b_x\n"
            "    c = h_prev @ W_h.T + b_h\n"
            "    r = 1 / (1 + np.exp(-a[:, :H] - c[:, :H]))\n"
            "    u = 1 / (1 + np.exp(a[:, H:2*H] + c[:, H:2*H]))  # u = 1 - z, so h = (1 - u) h_prev + u n\n"
            "    n = np.tanh(a[:, 2*H:] + r * c[:, 2*H:])\n"
            "    d_pre_n = dh_t * u * (1 - n**2)\n"
            "    d_pre_u = dh_t * (n - h_prev) * u * (1 - u)  # du; and z = 1 - u flips its sign\n"
            "    d_pre_r = d_pre_n * c[:, 2*H:] * r * (1 - r)\n"
            "    d_in = np.hstack([d_pre_r, -d_pre_u, d_pre_n])\n"
            "    d_rec = np.hstack([d_pre_r, -d_pre_u, d_pre_n * r])\n"
            "    return [d_in @ W_x, (1 - u) * dh_t + d_rec @ W_h, d_in.T @ x_t, d_rec.T @ h_prev,\n"
            "            d_in.sum(axis=0), d_rec.sum(axis=0)]"),
    },
    "checkpoint_param_count": {
        "a number": "gru_parameters = 1920",
        "counted by torch": "gru_parameters = sum(p.numel() for p in torch.nn.GRU(10, 20).parameters())",
    },
    "checkpoint_conversion": {
        "capitals": 'convert_update_gate = "Negate them"',
        "plain": 'convert_update_gate = "negate them"',
    },
    "checkpoint_reset": {
        "spaces": 'reset_zero = "  the candidate ignores the old state "',
        "plain": 'reset_zero = "the candidate ignores the old state"',
    },
    "checkpoint_lstm_only": {
        "capitals": 'lstm_only = "An output gate"',
        "plain": 'lstm_only = "an output gate"',
    },
}

WRONG = {
    "gru_cell_forward": "seed's convention", "gru_forward": "ignores h0",
    "gru_cell_backward": "(1 - z) and z branches swapped", "checkpoint_param_count": "one bias per block",
    "checkpoint_conversion": "one minus", "checkpoint_reset": "new state ignores", "checkpoint_lstm_only": "tanh candidate",
}

VISIBLE_MESSAGES = {
    ("gru_cell_forward", "seed's convention"): "seed's convention",
    ("gru_cell_forward", "gate order z, r, n"): "stacked r, z, n",
    ("gru_cell_forward", "reset before the matmul (Cho)"): "before the matmul",
    ("gru_cell_forward", "b_hn outside the reset gate"): "b_hn belongs inside",
    ("gru_cell_forward", "no reset gate"): "ignores the reset gate",
    ("gru_cell_forward", "tanh and sigmoid swapped"): "swapped",
    ("gru_cell_forward", "returns the candidate"): "returned the candidate",
    ("gru_cell_forward", "W_h blocks untransposed"): "untransposed",
    ("gru_cell_forward", "forgets b_h"): "b_h",
    ("gru_cell_forward", "modifies h_prev in place"): "modified in place",
    ("gru_forward", "ignores h0"): "ignore h0",
    ("gru_forward", "always h0"): "always uses h0",
    ("gru_forward", "shifted by one step"): "shifted by one step",
    ("gru_forward", "backwards in time"): "backwards",
    ("gru_forward", "time-major output"): "shape",
    ("gru_forward", "seed's convention in its own loop"): "seed's convention",
    ("gru_cell_backward", "(1 - z) and z branches swapped"): "branches are swapped",
    ("gru_cell_backward", "r outside the W_hn product (b_hn not reset)"): "outside the W_hn product",
    ("gru_cell_backward", "r applied to h_prev before W_hn (Cho)"): "before the",
    ("gru_cell_backward", "dr without b_hn"): "left b_hn out of dr",
    ("gru_cell_backward", "gate order z, r, n"): "stacked r, z, n",
    ("gru_cell_backward", "no direct path to h_prev"): "direct path dh_t * z",
    ("gru_cell_backward", "dz with the wrong sign"): "wrong sign",
    ("gru_cell_backward", "r missing from the W_hn path"): "you left out r",
    ("gru_cell_backward", "tanh slope 1 - n"): "1 - n**2",
    ("gru_cell_backward", "weight gradients averaged over the batch"): "averaged",
    ("gru_cell_backward", "db_h the same as db_x"): "db_h and db_x differ",
    ("gru_cell_backward", "modifies dh_t in place"): "modified in place",
}
