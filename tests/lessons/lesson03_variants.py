"""Plausible wrong (MUTANTS) and differently written correct (ALTERNATIVES) solutions for lesson 03.

Each entry is the full code a learner might put in the solution cell whose grade_id is the key.
WRONG picks, per solution cell, one mistake the visible tests catch too (graded for real by nbgrader);
VISIBLE_MESSAGES says what the visible test must say for some mistakes.
"""

_JACOBIAN = "def rnn_jacobian(h_t, W_h):\n"
_SCALE = "def scale_spectral_radius(W, rho):\n"
_ORTHOGONAL = "def orthogonal_init(n, rng):\n"
_CLIP = ("def clip_grad_norm(grads, max_norm):\n"
         "    total_norm = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))\n")

MUTANTS = {
    "rnn_jacobian": {
        "no tanh slope": _JACOBIAN + "    return np.repeat(W_h[None], len(h_t), axis=0)",
        "slope on the columns": _JACOBIAN + "    return W_h[None, :, :] * (1 - h_t**2)[:, None, :]",
        "W_h transposed": _JACOBIAN + "    return (1 - h_t**2)[:, :, None] * W_h.T[None, :, :]",
        "slope 1 - h": _JACOBIAN + "    return (1 - h_t)[:, :, None] * W_h[None, :, :]",
        "tanh applied again": _JACOBIAN + "    return (1 - np.tanh(h_t)**2)[:, :, None] * W_h[None, :, :]",
        "slope only": _JACOBIAN + "    return np.einsum('bi,ij->bij', 1 - h_t**2, np.eye(len(W_h)))",
        "slope h squared": _JACOBIAN + "    return (h_t**2)[:, :, None] * W_h[None, :, :]",
        "first example's slope for all": _JACOBIAN + "    return (1 - h_t[:1]**2)[:, :, None] * W_h[None] + 0 * h_t[:, :, None]",
        "mean over the batch": _JACOBIAN + "    return ((1 - h_t**2)[:, :, None] * W_h[None]).mean(axis=0, keepdims=True)",
        "sigmoid slope": _JACOBIAN + "    return (h_t * (1 - h_t))[:, :, None] * W_h[None, :, :]",
    },
    "scale_spectral_radius": {
        "largest singular value": _SCALE + "    return W * rho / np.linalg.norm(W, 2)",
        "Frobenius norm": _SCALE + "    return W * rho / np.linalg.norm(W)",
        "largest real eigenvalue": _SCALE + "    return W * rho / np.max(np.linalg.eigvals(W).real)",
        "largest entry": _SCALE + "    return W * rho / np.abs(W).max()",
        "forgets rho": _SCALE + "    return W / np.max(np.abs(np.linalg.eigvals(W)))",
        "multiplies by the radius": _SCALE + "    return W * rho * np.max(np.abs(np.linalg.eigvals(W)))",
        "scales in place": _SCALE + "    W *= rho / np.max(np.abs(np.linalg.eigvals(W)))\n    return W",
        "eigenvalues of W W^T": _SCALE + "    return W * rho / np.max(np.abs(np.linalg.eigvals(W @ W.T)))",
        "abs of the largest real part": _SCALE + "    return W * rho / abs(np.max(np.linalg.eigvals(W).real))",
    },
    "orthogonal_init": {
        "identity": _ORTHOGONAL + "    return np.eye(n)",
        "normalised rows": _ORTHOGONAL + "    A = rng.normal(size=(n, n))\n"
                                         "    return A / np.linalg.norm(A, axis=1, keepdims=True)",
        "global random state": _ORTHOGONAL + "    Q, R = np.linalg.qr(np.random.normal(size=(n, n)))\n    return Q",
        "fixed seed": _ORTHOGONAL + "    Q, R = np.linalg.qr(np.random.default_rng(0).normal(size=(n, n)))\n    return Q",
        "returns R": _ORTHOGONAL + "    Q, R = np.linalg.qr(rng.normal(size=(n, n)))\n    return R",
        "scaled by sqrt(n)": _ORTHOGONAL + "    Q, R = np.linalg.qr(rng.normal(size=(n, n)))\n    return Q * np.sqrt(n)",
        "Gaussian / sqrt(n)": _ORTHOGONAL + "    return rng.normal(size=(n, n)) / np.sqrt(n)",
        "random signed permutation": _ORTHOGONAL + "    P = np.eye(n)[rng.permutation(n)]\n"
                                                   "    return P * rng.choice([-1.0, 1.0], size=n)",
        "symmetric part": _ORTHOGONAL + "    A = rng.normal(size=(n, n))\n    Q, R = np.linalg.qr(A + A.T)\n"
                                        "    return (Q + Q.T) / 2",
    },
    "clip_grad_norm": {
        "no 1e-6": _CLIP + "    scale = min(1.0, max_norm / total_norm) if total_norm > 0 else 1.0\n"
                           "    return {k: g * scale for k, g in grads.items()}, total_norm",
        "each array by its own norm": (
            "def clip_grad_norm(grads, max_norm):\n"
            "    out = {k: g * min(1.0, max_norm / (np.linalg.norm(g) + 1e-6)) for k, g in grads.items()}\n"
            "    return out, float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))"),
        "always rescales": _CLIP + "    scale = max_norm / (total_norm + 1e-6)\n"
                                   "    return {k: g * scale for k, g in grads.items()}, total_norm",
        "clips values": _CLIP + "    return {k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()}, total_norm",
        "sum of norms": (
            "def clip_grad_norm(grads, max_norm):\n"
            "    total_norm = float(sum(np.linalg.norm(g) for g in grads.values()))\n"
            "    scale = min(1.0, max_norm / (total_norm + 1e-6))\n"
            "    return {k: g * scale for k, g in grads.items()}, total_norm"),
        "norm after clipping": _CLIP + "    scale = min(1.0, max_norm / (total_norm + 1e-6))\n"
                                       "    return {k: g * scale for k, g in grads.items()}, total_norm * scale",
        "no square root": (
            "def clip_grad_norm(grads, max_norm):\n"
            "    total_norm = float(sum(np.sum(g**2) for g in grads.values()))\n"
            "    scale = min(1.0, max_norm / (total_norm + 1e-6))\n"
            "    return {k: g * scale for k, g in grads.items()}, total_norm"),
        "modifies the input": _CLIP + "    scale = min(1.0, max_norm / (total_norm + 1e-6))\n"
                                      "    for g in grads.values():\n        g *= scale\n    return grads, total_norm",
        "returns max_norm as the norm": _CLIP + "    scale = min(1.0, max_norm / (total_norm + 1e-6))\n"
                                                "    return {k: g * scale for k, g in grads.items()}, max_norm",
    },
    "checkpoint_factor": {
        "the seed's rounding": "factor_over_50_steps = 6e-16",
        "one factor too many": "factor_over_50_steps = 0.7**50",
        "multiplied": "factor_over_50_steps = 0.7 * 49",
        "a string": 'factor_over_50_steps = "2.6e-8"',
    },
    "checkpoint_clipping": {
        "direction": 'clipping_changes = "the direction"',
        "both": 'clipping_changes = "both"',
        "not a choice": 'clipping_changes = "magnitude"',
    },
    "checkpoint_exploding": {
        "below 1": 'exploding_radius = "below 1"',
        "exactly 1": 'exploding_radius = "exactly 1"',
        "a number": "exploding_radius = 1.5",
    },
    "checkpoint_saturation": {
        "keeps its size": 'saturated_gradient = "keeps its size"',
        "explodes": 'saturated_gradient = "explodes"',
    },
}

ALTERNATIVES = {
    "rnn_jacobian": {
        "einsum": _JACOBIAN + "    return np.einsum('bi,ij->bij', 1.0 - h_t * h_t, W_h)",
        "loop with np.diag": (
            _JACOBIAN + "    out = np.zeros((h_t.shape[0],) + W_h.shape)\n"
            "    for b, h in enumerate(h_t):\n"
            "        out[b] = np.diag(1 - h**2) @ W_h\n"
            "    return out"),
        "matmul with a stack of diagonal matrices": (
            _JACOBIAN + "    slopes = 1 - np.square(h_t)\n"
            "    diagonals = np.eye(W_h.shape[0])[None] * slopes[:, None, :]\n"
            "    return np.matmul(diagonals, W_h)"),
    },
    "scale_spectral_radius": {
        "loop over eigenvalues": (
            _SCALE + "    radius = 0.0\n"
            "    for value in np.linalg.eig(W)[0]:\n"
            "        radius = max(radius, abs(value))\n"
            "    return rho * W / radius"),
        "hypot of real and imaginary parts": (
            _SCALE + "    eig = np.linalg.eigvals(np.array(W, dtype=float))\n"
            "    return (rho / np.hypot(eig.real, eig.imag).max()) * W"),
    },
    "orthogonal_init": {
        "QR without the sign correction": _ORTHOGONAL + "    return np.linalg.qr(rng.standard_normal((n, n)))[0]",
        "SVD": _ORTHOGONAL + "    U, _, Vt = np.linalg.svd(rng.normal(size=(n, n)))\n    return U @ Vt",
        "Gram-Schmidt": (
            _ORTHOGONAL + "    A = rng.normal(size=(n, n))\n"
            "    Q = np.zeros((n, n))\n"
            "    for j in range(n):\n"
            "        v = A[:, j] - Q[:, :j] @ (Q[:, :j].T @ A[:, j])\n"
            "        v = v - Q[:, :j] @ (Q[:, :j].T @ v)\n"
            "        Q[:, j] = v / np.linalg.norm(v)\n"
            "    return Q"),
    },
    "clip_grad_norm": {
        "if above max_norm": (
            "def clip_grad_norm(grads, max_norm):\n"
            "    total = np.sqrt(sum(float((g * g).sum()) for g in grads.values()))\n"
            "    clipped = {}\n"
            "    for name, g in grads.items():\n"
            "        clipped[name] = g * (max_norm / (total + 1e-6)) if total > max_norm else g.copy()\n"
            "    return clipped, float(total)"),
        "one concatenated vector": (
            "def clip_grad_norm(grads, max_norm):\n"
            "    flat = np.concatenate([g.ravel() for g in grads.values()])\n"
            "    total = np.linalg.norm(flat)\n"
            "    factor = np.clip(max_norm / (total + 1e-6), None, 1.0)\n"
            "    return {k: v * factor for k, v in grads.items()}, float(total)"),
    },
    "checkpoint_factor": {
        "rounded": "factor_over_50_steps = 2.6e-8",
        "numpy power": "factor_over_50_steps = np.power(0.7, 49)",
    },
    "checkpoint_clipping": {
        "capitals": 'clipping_changes = "The Length"',
        "plain": 'clipping_changes = "the length"',
    },
    "checkpoint_exploding": {
        "spaces": 'exploding_radius = " above 1 "',
        "plain": 'exploding_radius = "above 1"',
    },
    "checkpoint_saturation": {
        "capitals": 'saturated_gradient = "Vanishes"',
        "plain": 'saturated_gradient = "vanishes"',
    },
}

WRONG = {
    "rnn_jacobian": "no tanh slope", "scale_spectral_radius": "largest singular value", "orthogonal_init": "identity",
    "clip_grad_norm": "no 1e-6", "checkpoint_factor": "one factor too many", "checkpoint_clipping": "direction",
    "checkpoint_exploding": "below 1", "checkpoint_saturation": "keeps its size",
}

VISIBLE_MESSAGES = {
    ("rnn_jacobian", "no tanh slope"): "without the tanh slope",
    ("rnn_jacobian", "slope on the columns"): "not its columns",
    ("rnn_jacobian", "W_h transposed"): "W_h is transposed",
    ("rnn_jacobian", "tanh applied again"): "already tanh(a)",
    ("rnn_jacobian", "sigmoid slope"): "sigmoid",
    ("scale_spectral_radius", "scales in place"): "modified in place",
    ("clip_grad_norm", "modifies the input"): "modified in place",
    ("scale_spectral_radius", "largest entry"): "largest entry",
    ("scale_spectral_radius", "largest singular value"): "largest singular value",
    ("scale_spectral_radius", "Frobenius norm"): "Frobenius",
    ("orthogonal_init", "identity"): "permutation",
    ("orthogonal_init", "normalised rows"): "not orthogonal to each other",
    ("orthogonal_init", "global random state"): "never from np.random",
    ("orthogonal_init", "scaled by sqrt(n)"): "length 2",
    ("clip_grad_norm", "no 1e-6"): "1e-6",
    ("clip_grad_norm", "each array by its own norm"): "each array by its own norm",
    ("clip_grad_norm", "clips values"): "each entry",
    ("clip_grad_norm", "norm after clipping"): "norm before clipping",
    ("clip_grad_norm", "always rescales"): "only shrinks",
}
