"""Lesson 03's test-cell checks: results that are dicts of arrays, and orthogonal matrices.
"""

from __future__ import annotations

import numpy as np

from utils import checks


def flat(arrays: dict) -> np.ndarray:
    """Every array of a dict, raveled and joined in key order: one vector to compare at once."""
    return np.concatenate([np.asarray(array, dtype=np.float64).ravel() for array in arrays.values()])


def expect_clip_result(result, grads: dict, what: str) -> tuple[dict, float]:
    """(clipped, total_norm) as clip_grad_norm must return it: a new dict with the keys and shapes of `grads`
    holding finite arrays, and a finite number."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(f"{what} must return a pair (clipped, total_norm); got {type(result).__name__}")
    clipped, total = result
    if not isinstance(clipped, dict) or set(clipped) != set(grads):
        keys = list(clipped) if isinstance(clipped, dict) else type(clipped).__name__
        raise AssertionError(f"{what}: clipped must be a dict with the keys {list(grads)}; got {keys}")
    arrays = {name: checks.expect_array(clipped[name], np.shape(grad), f"{what}, clipped[{name!r}]")
              for name, grad in grads.items()}
    try:
        total = float(np.asarray(total, dtype=np.float64))
    except (TypeError, ValueError):
        raise AssertionError(f"{what}: total_norm must be a number; got {total!r}") from None
    if not np.isfinite(total):
        raise AssertionError(f"{what}: total_norm is {total} (a division by zero?)")
    return arrays, total


def expect_orthogonal(W, n: int, what: str) -> np.ndarray:
    """Assert W is an (n, n) orthogonal matrix (W W^T = W^T W = I); say how it falls short otherwise."""
    W = checks.expect_array(W, (n, n), what)
    gram = W.T @ W
    identity = np.eye(n)
    if checks.close_enough(gram, identity, 0, 1e-9) and checks.close_enough(W @ W.T, identity, 0, 1e-9):
        return W
    lengths = np.sqrt(np.diag(gram))
    off_diagonal = gram - np.diag(np.diag(gram))
    if np.abs(off_diagonal).max() < 1e-9 and np.abs(lengths - lengths[0]).max() < 1e-9:
        raise AssertionError(f"{what}: the columns are orthogonal but have length {lengths[0]:.4g}, not 1; "
                             "do not rescale the matrix")
    unit_rows = checks.close_enough(np.linalg.norm(W, axis=1), np.ones(n), 0, 1e-9)
    if unit_rows or checks.close_enough(lengths, np.ones(n), 0, 1e-9):
        raise AssertionError(f"{what}: rows (or columns) have length 1 but are not orthogonal to each other; "
                             "normalising a random matrix is not enough: take Q from its QR decomposition")
    raise AssertionError(f"{what} is not orthogonal: W.T @ W differs from the identity by up to "
                         f"{float(np.abs(gram - identity).max()):.3g}")
