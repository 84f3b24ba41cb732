"""Assertions for test cells: each failure says what is wrong in one sentence a learner can act on.

Comparisons use ndarray methods rather than module-level numpy functions, so a notebook that rebinds
`np.allclose` or `np.isclose` does not change a verdict here.
"""

from __future__ import annotations

import numbers

import numpy as np

RTOL = 1e-7  # float64 implementations agree to ~1e-15; loose enough for any loop or matmul order
ATOL = 1e-9


def close_enough(actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> bool:
    """Same shape, the same entries finite, and every finite gap within atol + rtol * |expected|."""
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
    if close_enough(actual, expected, rtol, atol):
        return
    for message, candidate in (mistakes or {}).items():
        if candidate is None:
            continue
        candidate = np.asarray(candidate, dtype=np.float64)
        if not close_enough(candidate, expected, rtol, atol) and close_enough(actual, candidate, 1e-6, 1e-8):
            raise AssertionError(f"{what}: {message}")
    gap = np.abs(actual - expected)
    index = np.unravel_index(int(gap.argmax()), gap.shape) if gap.ndim else ()
    raise AssertionError(
        f"{what} differs from the reference: the largest difference is {float(gap.max()):.3g} at index "
        f"{tuple(int(i) for i in index)} (got {float(actual[index]):.6g}, expected {float(expected[index]):.6g})"
    )


def expect_named(value, names, what: str) -> dict:
    """`value` (a dict with these keys, or a tuple/list in this order) as {name: value}."""
    if value is None:
        raise AssertionError(f"{what} returned None: did you forget the `return` statement?")
    if isinstance(value, dict):
        missing = [name for name in names if name not in value]
        if missing:
            raise AssertionError(f"{what} returned a dict without the key(s) {missing}; expected keys {list(names)}")
        return {name: value[name] for name in names}
    if not isinstance(value, (tuple, list)) or len(value) != len(names):
        raise AssertionError(f"{what} must return {len(names)} values ({', '.join(names)}); got {type(value).__name__}"
                             + (f" of length {len(value)}" if isinstance(value, (tuple, list)) else ""))
    return dict(zip(names, value, strict=True))


def expect_all_close(actual: dict, expected: dict, what: str, mistakes: dict | None = None, rtol=RTOL, atol=ATOL) -> None:
    """Assert every array of `actual` matches `expected` (same keys); name a known mistake for the first one that
    does not. `mistakes` maps a message to a dict of wrong arrays (any subset of the keys)."""
    for name, target in expected.items():
        per_key = {message: wrong.get(name) for message, wrong in (mistakes or {}).items()}
        expect_close(actual[name], target, f"{what}, {name}", per_key, rtol=rtol, atol=atol)


def relative_error(a, b) -> float:
    """||a - b|| / (||a|| + ||b||): 0 for equal arrays, 1 for opposite ones; about 1e-10 for a good gradient check."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = float(np.linalg.norm(a) + np.linalg.norm(b))
    return float(np.linalg.norm(a - b)) / scale if scale > 0 else 0.0


def numeric_gradient(loss, array: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Central differences (loss(a + eps) - loss(a - eps)) / 2 eps for every entry of `array` (restored after).

    The error of a central difference shrinks like eps**2; float64 rounding limits it to about 1e-10.
    """
    gradient = np.zeros_like(array, dtype=np.float64)
    for index in np.ndindex(array.shape):
        kept = array[index]
        array[index] = kept + eps
        above = loss()
        array[index] = kept - eps
        below = loss()
        array[index] = kept
        gradient[index] = (above - below) / (2 * eps)
    return gradient


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
