"""Plausible wrong (MUTANTS) and differently written correct (ALTERNATIVES) solutions for lesson 01.

Each entry is the full code a learner might put in the solution cell whose grade_id is the key.
WRONG picks, per solution cell, one mistake the visible tests catch too (graded for real by nbgrader);
VISIBLE_MESSAGES says what the visible test must say for some mistakes.
"""

MUTANTS = {
    "rnn_cell_forward": {
        "ignores h_prev": "def rnn_cell_forward(x_t, h_prev, W_x, W_h, b):\n    return np.tanh(x_t @ W_x.T + b)",
        "ignores x_t": "def rnn_cell_forward(x_t, h_prev, W_x, W_h, b):\n    return np.tanh(h_prev @ W_h.T + b)",
        "missing bias": "def rnn_cell_forward(x_t, h_prev, W_x, W_h, b):\n    return np.tanh(x_t @ W_x.T + h_prev @ W_h.T)",
        "W_h not transposed": "def rnn_cell_forward(x_t, h_prev, W_x, W_h, b):\n"
                              "    return np.tanh(x_t @ W_x.T + h_prev @ W_h + b)",
        "W_x not transposed": "def rnn_cell_forward(x_t, h_prev, W_x, W_h, b):\n"
                              "    return np.tanh(x_t @ W_x + h_prev @ W_h.T + b)",
        "sigmoid for tanh": "def rnn_cell_forward(x_t, h_prev, W_x, W_h, b):\n"
                            "    return 1 / (1 + np.exp(-(x_t @ W_x.T + h_prev @ W_h.T + b)))",
        "no nonlinearity": "def rnn_cell_forward(x_t, h_prev, W_x, W_h, b):\n    return x_t @ W_x.T + h_prev @ W_h.T + b",
        "relu for tanh": "def rnn_cell_forward(x_t, h_prev, W_x, W_h, b):\n"
                         "    return np.maximum(0, x_t @ W_x.T + h_prev @ W_h.T + b)",
        "bias outside tanh": "def rnn_cell_forward(x_t, h_prev, W_x, W_h, b):\n"
                             "    return np.tanh(x_t @ W_x.T + h_prev @ W_h.T) + b",
        "tanh on input term only": "def rnn_cell_forward(x_t, h_prev, W_x, W_h, b):\n"
                                   "    return np.tanh(x_t @ W_x.T) + h_prev @ W_h.T + b",
        "updates h_prev in place": "def rnn_cell_forward(x_t, h_prev, W_x, W_h, b):\n"
                                   "    h_prev += x_t @ W_x.T + h_prev @ W_h.T + b - h_prev\n"
                                   "    np.tanh(h_prev, out=h_prev)\n    return h_prev",
        "uses only the first example's state": "def rnn_cell_forward(x_t, h_prev, W_x, W_h, b):\n"
                                               "    return np.tanh(x_t @ W_x.T + h_prev[:1] @ W_h.T + b)",
    },
    "linear_output": {
        "missing bias": "def linear_output(h_t, W_y, b_y):\n    return h_t @ W_y.T",
        "W_y not transposed": "def linear_output(h_t, W_y, b_y):\n    return h_t @ W_y + b_y",
        "tanh on the logits": "def linear_output(h_t, W_y, b_y):\n    return np.tanh(h_t @ W_y.T + b_y)",
        "softmax on the logits": "def linear_output(h_t, W_y, b_y):\n    y = np.exp(h_t @ W_y.T + b_y)\n"
                                 "    return y / y.sum(axis=-1, keepdims=True)",
        "bias subtracted": "def linear_output(h_t, W_y, b_y):\n    return h_t @ W_y.T - b_y",
        "relu on the logits": "def linear_output(h_t, W_y, b_y):\n    return np.maximum(0, h_t @ W_y.T + b_y)",
        "bias scaled by the state": "def linear_output(h_t, W_y, b_y):\n"
                                    "    return h_t @ W_y.T + b_y * h_t.sum(axis=1, keepdims=True)",
    },
    "softmax": {
        "no max subtraction (overflows)": "def softmax(z, axis=-1):\n    e = np.exp(z)\n"
                                          "    return e / e.sum(axis=axis, keepdims=True)",
        "always the last axis": "def softmax(z, axis=-1):\n    e = np.exp(z - z.max(axis=-1, keepdims=True))\n"
                                "    return e / e.sum(axis=-1, keepdims=True)",
        "normalised over the whole array": "def softmax(z, axis=-1):\n    e = np.exp(z - z.max())\n    return e / e.sum()",
        "not normalised": "def softmax(z, axis=-1):\n    return np.exp(z - z.max(axis=axis, keepdims=True))",
        "no exponential": "def softmax(z, axis=-1):\n    return z / z.sum(axis=axis, keepdims=True)",
        "log-softmax": "def softmax(z, axis=-1):\n    s = z - z.max(axis=axis, keepdims=True)\n"
                       "    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))",
        "subtracts the min (overflows)": "def softmax(z, axis=-1):\n    e = np.exp(z - z.min(axis=axis, keepdims=True))\n"
                                         "    return e / e.sum(axis=axis, keepdims=True)",
        "always axis 0": "def softmax(z, axis=-1):\n    e = np.exp(z - z.max(axis=0, keepdims=True))\n"
                         "    return e / e.sum(axis=0, keepdims=True)",
    },
    "rnn_param_count": {
        "two cell biases": "def rnn_param_count(input_size, hidden_size, output_size):\n"
                           "    D, H, O = input_size, hidden_size, output_size\n    return H * D + H * H + 2 * H + O * H + O",
        "no cell bias": "def rnn_param_count(input_size, hidden_size, output_size):\n"
                        "    D, H, O = input_size, hidden_size, output_size\n    return H * D + H * H + O * H + O",
        "no readout bias": "def rnn_param_count(input_size, hidden_size, output_size):\n"
                           "    D, H, O = input_size, hidden_size, output_size\n    return H * D + H * H + H + O * H",
        "no biases at all": "def rnn_param_count(input_size, hidden_size, output_size):\n"
                            "    D, H, O = input_size, hidden_size, output_size\n    return H * D + H * H + O * H",
        "no readout": "def rnn_param_count(input_size, hidden_size, output_size):\n"
                      "    D, H, O = input_size, hidden_size, output_size\n    return H * D + H * H + H",
        "W_h as a vector": "def rnn_param_count(input_size, hidden_size, output_size):\n"
                           "    D, H, O = input_size, hidden_size, output_size\n    return H * D + H + H + O * H + O",
        "readout as (O, D)": "def rnn_param_count(input_size, hidden_size, output_size):\n"
                             "    D, H, O = input_size, hidden_size, output_size\n    return H * D + H * H + H + O * D + O",
        "returns a float": "def rnn_param_count(input_size, hidden_size, output_size):\n"
                           "    D, H, O = input_size, hidden_size, output_size\n"
                           "    return (H * D + H * H + H + O * H + O) / 1.0001",
    },
    "checkpoint_translation": {
        "many-to-many": 'wiring_for_translation = "many-to-many"',
        "many-to-one": 'wiring_for_translation = "many-to-one"',
        "one-to-many": 'wiring_for_translation = "one-to-many"',
        "not a choice": 'wiring_for_translation = "seq2seq"',
    },
    "checkpoint_param_growth": {
        "linear": 'param_growth_with_length = "linear"',
        "quadratic": 'param_growth_with_length = "quadratic"',
    },
    "checkpoint_jordan": {
        "hidden state": 'jordan_feedback = "hidden state"',
        "input": 'jordan_feedback = "input"',
    },
    "checkpoint_tanh_slope": {
        "tanh(2) itself": "tanh_slope_at_2 = np.tanh(2.0)",
        "slope at 0": "tanh_slope_at_2 = 1.0",
        "sigmoid slope": "tanh_slope_at_2 = 0.105",
        "a string": 'tanh_slope_at_2 = "0.07"',
    },
}

ALTERNATIVES = {
    "rnn_cell_forward": {
        "loop over the batch with np.dot": (
            "def rnn_cell_forward(x_t, h_prev, W_x, W_h, b):\n"
            "    rows = []\n"
            "    for x, h in zip(x_t, h_prev):\n"
            "        rows.append(np.tanh(np.dot(W_x, x) + np.dot(W_h, h) + b))\n"
            "    return np.array(rows)"
        ),
        "einsum, column vectors": (
            "def rnn_cell_forward(x_t, h_prev, W_x, W_h, b):\n"
            "    a = np.einsum('hd,bd->bh', W_x, x_t) + (W_h @ h_prev.T).T + b[None, :]\n"
            "    return np.tanh(a)"
        ),
        "tanh through exponentials": (
            "def rnn_cell_forward(x_t, h_prev, W_x, W_h, b):\n"
            "    a = np.clip(x_t @ W_x.T + h_prev @ W_h.T + b, -350, 350)\n"
            "    return (np.exp(2 * a) - 1) / (np.exp(2 * a) + 1)"
        ),
    },
    "linear_output": {
        "einsum": "def linear_output(h_t, W_y, b_y):\n    return np.einsum('bh,oh->bo', h_t, W_y) + b_y",
        "column form": "def linear_output(h_t, W_y, b_y):\n    return (W_y @ h_t.T + b_y[:, None]).T",
    },
    "softmax": {
        "log-sum-exp": (
            "def softmax(z, axis=-1):\n"
            "    m = np.max(z, axis=axis, keepdims=True)\n"
            "    log_norm = m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))\n"
            "    return np.exp(z - log_norm)"
        ),
        "moveaxis and loops": (
            "def softmax(z, axis=-1):\n"
            "    moved = np.moveaxis(np.array(z, dtype=float), axis, -1)\n"
            "    out = np.empty_like(moved)\n"
            "    for index in np.ndindex(moved.shape[:-1]):\n"
            "        row = np.exp(moved[index] - moved[index].max())\n"
            "        out[index] = row / row.sum()\n"
            "    return np.moveaxis(out, -1, axis)"
        ),
    },
    "rnn_param_count": {
        "factored": "def rnn_param_count(input_size, hidden_size, output_size):\n"
                    "    return (input_size + hidden_size + 1) * hidden_size + (hidden_size + 1) * output_size",
        "count array sizes": (
            "def rnn_param_count(input_size, hidden_size, output_size):\n"
            "    shapes = [(hidden_size, input_size), (hidden_size, hidden_size), (hidden_size,),\n"
            "              (output_size, hidden_size), (output_size,)]\n"
            "    return sum(np.zeros(shape).size for shape in shapes)"
        ),
    },
    "checkpoint_translation": {
        "capitals and spaces": 'wiring_for_translation = " Encoder-Decoder "',
        "underscore": 'wiring_for_translation = "encoder_decoder"',
    },
    "checkpoint_param_growth": {
        "capitals": 'param_growth_with_length = "Constant"',
        "plain": 'param_growth_with_length = "constant"',
    },
    "checkpoint_jordan": {
        "capitals": 'jordan_feedback = "Output"',
        "plain": 'jordan_feedback = "output"',
    },
    "checkpoint_tanh_slope": {
        "rounded": "tanh_slope_at_2 = 0.07",
        "numpy float": "tanh_slope_at_2 = np.float64(1 / np.cosh(2.0) ** 2)",
    },
}

WRONG = {
    "rnn_cell_forward": "ignores h_prev", "linear_output": "missing bias", "softmax": "always the last axis",
    "rnn_param_count": "two cell biases", "checkpoint_translation": "many-to-many",
    "checkpoint_param_growth": "linear", "checkpoint_jordan": "hidden state", "checkpoint_tanh_slope": "slope at 0",
}

VISIBLE_MESSAGES = {
    ("rnn_cell_forward", "ignores h_prev"): "ignores h_prev",
    ("rnn_cell_forward", "missing bias"): "ignores the bias b",
    ("rnn_cell_forward", "W_h not transposed"): "W_h is used untransposed",
    ("rnn_cell_forward", "sigmoid for tanh"): "sigmoid",
    ("rnn_cell_forward", "no nonlinearity"): "pre-activation",
    ("linear_output", "missing bias"): "ignores the bias b_y",
    ("softmax", "always the last axis"): "axis",
    ("softmax", "not normalised"): "not normalised",
    ("rnn_param_count", "two cell biases"): "two cell biases",
}
