"""Assertions for test cells: each failure says what is wrong in one sentence a learner can act on.

Comparisons use ndarray methods rather than module-level numpy functions, so a notebook that rebinds
`np.allclose` or `np.isclose` does not change a verdict here.
"""

from __future__ import annotations

import numbers

import numpy as np

RTOL = 1e-7  # float64 implementations agree to ~1e-15; loose enough for any loop or matmul order
ATOL = 1e-9


def _close(actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> bool:
    if actual.shape != expected.shape:
        return False
    both_finite = np.isfinite(expected)
    if not (np.isfinite(actual) == both_finite).all():
        return False
    gap = np.abs(actual - expected)[both_finite]
    return bool((gap <= atol + rtol * np.abs(expected[both_finite])).all())


def expect_array(value, shape, what: str) -> np.ndarray:
    """`value` as a float64 array of `shape`, with finite entries; otherwise a clear AssertionError."""
    if value is None:
        raise AssertionError(f"{what} returned None: did you forget the `return` statement?")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise AssertionError(f"{what} returned {type(value).__name__}, not an array of numbers ({error})") from None
    shape = tuple(shape)
    if array.shape != shape:
        raise AssertionError(f"{what} returned an array of shape {array.shape}; expected shape {shape}")
    if not np.isfinite(array).all():
        raise AssertionError(f"{what} contains NaN or infinity (overflow, or a division by zero?)")
    return array


def expect_close(actual, expected, what: str, mistakes: dict | None = None, rtol=RTOL, atol=ATOL) -> None:
    """Assert `actual` matches `expected`; if it matches a known mistake instead, name that mistake."""
    expected = np.asarray(expected, dtype=np.float64)
    actual = expect_array(actual, expected.shape, what)
    if _close(actual, expected, rtol, atol):
        return
    for message, candidate in (mistakes or {}).items():
        if candidate is None:
            continue
        candidate = np.asarray(candidate, dtype=np.float64)
        if not _close(candidate, expected, rtol, atol) and _close(actual, candidate, 1e-6, 1e-8):
            raise AssertionError(f"{what}: {message}")
    gap = np.abs(actual - expected)
    index = np.unravel_index(int(gap.argmax()), gap.shape) if gap.ndim else ()
    raise AssertionError(
        f"{what} differs from the reference: the largest difference is {float(gap.max()):.3g} at index "
        f"{tuple(int(i) for i in index)} (got {float(actual[index]):.6g}, expected {float(expected[index]):.6g})"
    )


def expect_integer(actual, expected: int, what: str, mistakes: dict | None = None) -> None:
    """Assert `actual` is the integer `expected`; name a known mistake when it matches one."""
    if isinstance(actual, (bool, np.bool_)):
        raise AssertionError(f"{what} returned {actual!r}; expected a whole number")
    if not isinstance(actual, numbers.Integral):
        if isinstance(actual, numbers.Real) and float(actual).is_integer():
            actual = int(actual)
        else:
            raise AssertionError(f"{what} returned {actual!r} ({type(actual).__name__}); expected a whole number")
    actual = int(actual)
    if actual == expected:
        return
    for message, candidate in (mistakes or {}).items():
        if candidate is not None and candidate != expected and actual == candidate:
            raise AssertionError(f"{what}: {message}")
    raise AssertionError(f"{what} returned {actual}; expected {expected}")


def expect_unchanged(before: np.ndarray, after: np.ndarray, what: str) -> None:
    """Assert an input array was not modified in place."""
    if before.shape != after.shape or not (before == after).all():
        raise AssertionError(f"{what} was modified in place; compute a new array instead of writing into the input")


def normalise_choice(answer) -> str:
    return " ".join(str(answer).strip().lower().replace("_", "-").split())


def expect_choice(answer, options, what: str) -> str:
    """Assert `answer` is one of `options` (case and spacing ignored); return it normalised."""
    choice = normalise_choice(answer)
    allowed = [normalise_choice(option) for option in options]
    if not isinstance(answer, str) or choice not in allowed:
        raise AssertionError(f"{what} must be one of {list(options)}; got {answer!r}")
    return choice


def expect_number(answer, what: str) -> float:
    """Assert `answer` is a finite real number; return it as float."""
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real) or not np.isfinite(float(answer)):
        raise AssertionError(f"{what} must be a finite number; got {answer!r}")
    return float(answer)
