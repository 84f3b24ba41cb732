"""Lesson 03, grader side: the likely mistakes of rnn_jacobian, scale_spectral_radius and
clip_grad_norm, as the outputs they would produce ({message: output}).
"""

from __future__ import annotations

import numpy as np
import torch

from utils.lesson01_rnn_cell.grader.mistakes import is_square
from utils.lesson03_vanishing_gradients import checks
from utils.lesson03_vanishing_gradients.grader import reference
from utils.models import DTYPE, to_numpy, to_torch


def rnn_jacobian(h_t, W_h) -> dict[str, np.ndarray]:
    h_t, W_h = np.asarray(h_t, dtype=np.float64), np.asarray(W_h, dtype=np.float64)
    jacobian = reference.jacobian_from_state
    identity = np.eye(W_h.shape[0])
    found = {
        "you used W_h without the tanh slope diag(1 - h_t**2)": jacobian(0 * h_t, W_h),
        "you returned only the slope diag(1 - h_t**2); multiply it by W_h": jacobian(h_t, identity),
        "h_t is already tanh(a): the slope is 1 - h_t**2, not 1 - tanh(h_t)**2": jacobian(np.tanh(h_t), W_h),
        "the slope is 1 - h_t**2, not 1 - h_t": np.einsum("bi,ij->bij", 1 - h_t, W_h),
        "the slope is 1 - h_t**2, not h_t**2": np.einsum("bi,ij->bij", h_t**2, W_h),
        "h_t * (1 - h_t) is the slope of the sigmoid; tanh's is 1 - h_t**2": np.einsum("bi,ij->bij", h_t * (1 - h_t), W_h),
    }
    if is_square(W_h) and not np.allclose(W_h, W_h.T):
        found["W_h is transposed: row i of the Jacobian is unit i's slope times row i of W_h"] = jacobian(h_t, W_h.T)
        found["the slope scales the rows of W_h (diag(s) @ W_h), not its columns (W_h @ diag(s))"] = (
            jacobian(h_t, W_h.T).transpose(0, 2, 1))
    return found


def scale_spectral_radius(W, rho: float) -> dict[str, np.ndarray]:
    W = np.asarray(W, dtype=np.float64)
    W_t = to_torch(W)
    eigenvalues = torch.linalg.eigvals(W_t)
    radius = float(eigenvalues.abs().max())
    with np.errstate(divide="ignore", invalid="ignore"):
        found = {
            "you divided by the largest singular value (the 2-norm); the spectral radius is the largest |eigenvalue|":
                W * rho / float(torch.linalg.matrix_norm(W_t, ord=2)),
            "you divided by the Frobenius norm; the spectral radius is the largest |eigenvalue|":
                W * rho / float(torch.linalg.matrix_norm(W_t)),
            "you divided by the largest real part of the eigenvalues; take their absolute values (np.abs)":
                W * rho / float(eigenvalues.real.max()),
            "you divided by the largest entry of |W|; the spectral radius is the largest |eigenvalue|":
                W * rho / float(W_t.abs().max()),
            "you forgot to multiply by rho": W / radius,
            "you multiplied by the spectral radius instead of dividing by it": W * rho * radius,
        }
    return {message: output for message, output in found.items() if np.isfinite(output).all()}


def clip_total_norm(grads: dict, max_norm: float) -> dict[str, float]:
    """Likely wrong values of clip_grad_norm's total_norm."""
    clipped, total = reference.clip_grad_norm(grads, max_norm)
    norms = [float(torch.linalg.vector_norm(to_torch(g))) for g in grads.values()]
    return {
        "total_norm is the norm before clipping; you returned the norm of the clipped gradients":
            float(np.sqrt(sum(float((g * g).sum()) for g in clipped.values()))),
        "total_norm is sqrt(sum of every squared entry); you added up the norms of the arrays": sum(norms),
        "total_norm is the square root of the sum of squares; you forgot the square root": total**2,
        "total_norm is the norm of all arrays together, not the largest of their norms": max(norms),
    }


def clip_grad_norm(grads: dict, max_norm: float) -> dict[str, np.ndarray]:
    """Likely wrong clipped gradients, flattened in key order (as `checks.flat` does)."""
    clipped, total = reference.clip_grad_norm(grads, max_norm)
    norms = {name: float(torch.linalg.vector_norm(to_torch(g))) for name, g in grads.items()}
    # torch with a changed max_norm gives the scale factor a mistake would use: min(1, max_norm' / (total + 1e-6))
    with_norm = {
        "use max_norm / (total_norm + 1e-6), as torch does: you left out the 1e-6": total,
        "the total norm is sqrt(sum of squares) over all arrays: you added up their norms": sum(norms.values()),
        "the total norm is sqrt(sum of squares): you forgot the square root": total**2,
    }
    found = {message: checks.flat(reference.clip_grad_norm(grads, max_norm * (total + 1e-6) / max(wrong, 1e-300))[0])
             for message, wrong in with_norm.items() if wrong > 0}
    found["clip by the norm of all arrays together, not each array by its own norm"] = checks.flat(
        {name: reference.clip_grad_norm({name: g}, max_norm)[0][name] for name, g in grads.items()})
    found["clipping only shrinks: leave the gradients unchanged when total_norm <= max_norm"] = checks.flat(
        {name: g * (max_norm / (total + 1e-6)) for name, g in grads.items()})
    clamped = {}
    for name, g in grads.items():
        parameter = torch.nn.Parameter(torch.zeros(np.shape(g), dtype=DTYPE))
        parameter.grad = to_torch(g)
        torch.nn.utils.clip_grad_value_([parameter], max_norm)
        clamped[name] = to_numpy(parameter.grad)
    found["you clipped each entry to [-max_norm, max_norm]; clip the norm, keeping the direction"] = checks.flat(clamped)
    correct = checks.flat(clipped)  # some mistakes agree with the answer for some inputs: they name nothing there
    return {message: output for message, output in found.items() if np.abs(output - correct).max(initial=0) > 0}
