"""Assertions for test cells: each failure says what is wrong in one sentence a learner can act on.

Comparisons use ndarray methods rather than module-level numpy functions, so a notebook that rebinds
`np.allclose` or `np.isclose` does not change a verdict here.
"""

from __future__ import annotations

import functools
import json
import numbers
import typing
from pathlib import Path

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


# Worked examples: the visible tests' fixed inputs, with the correct output and the outputs of the lesson's named
# mistakes on those same inputs, stored as data on the learner side (utils/lessonNN_name/worked_examples.json),
# written by the lesson's grader side (`python -m utils.lessonNN_name.grader.worked_examples`). A visible test can
# then name a mistake without the grader side; the data answers nothing but these inputs.

EXAMPLES_FILE = "worked_examples.json"
INPUT_RTOL = 1e-12  # the notebook's inputs are the stored ones up to the last bits of a float64 computation
# Significant digits stored (inputs exactly): far finer than the checks' tolerances, the correct output's (RTOL) and
# the one a mistake is recognised within (1e-6, in expect_close)
EXPECTED_DIGITS, MISTAKE_DIGITS = 10, 8


class WorkedExample(typing.NamedTuple):
    """One stored example: its inputs by name, the correct output (None where the test works it out itself) and
    {message: output} of the named mistakes on these inputs, ready for expect_close, expect_all_close or
    expect_integer."""

    inputs: dict
    expected: object
    mistakes: dict


def worked_examples_path(package: str) -> Path:
    """The data file of the lesson package `package` (e.g. "lesson01_rnn_cell")."""
    return Path(__file__).resolve().parent / package / EXAMPLES_FILE


def encode(value, digits: int | None = None):
    """A value as JSON: an array as {"array": nested lists, "shape": ...}, dicts and sequences element by element;
    floats rounded to `digits` significant digits (None: exactly)."""
    def number(x: float) -> float:
        return float(x) if digits is None or not np.isfinite(x) else float(f"{x:.{digits}g}")

    if isinstance(value, np.ndarray):
        array = np.asarray(value, dtype=np.float64)
        return {"array": np.vectorize(number, otypes=[float])(array).tolist() if array.size else array.tolist(),
                "shape": list(array.shape)}
    if isinstance(value, dict):
        return {str(key): encode(item, digits) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(item, digits) for item in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return number(value)
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"a worked example cannot store {type(value).__name__}")


def decode(value):
    """The inverse of `encode`: arrays come back as float64 ndarrays of their stored shape."""
    if isinstance(value, dict):
        if set(value) == {"array", "shape"}:
            return np.array(value["array"], dtype=np.float64).reshape(value["shape"])
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


def same_input(given, stored) -> bool:
    """Whether a notebook's input is the stored one (arrays to INPUT_RTOL, everything else exactly)."""
    if isinstance(stored, dict):
        return (isinstance(given, dict) and set(given) == set(stored)
                and all(same_input(given[key], item) for key, item in stored.items()))
    if isinstance(stored, np.ndarray):
        try:
            given = np.asarray(given, dtype=np.float64)
        except (TypeError, ValueError):
            return False
        return close_enough(given, stored, INPUT_RTOL, 0.0)
    if isinstance(stored, list):
        return (isinstance(given, (list, tuple)) and len(given) == len(stored)
                and all(same_input(a, b) for a, b in zip(given, stored, strict=True)))
    if isinstance(stored, (str, bool)) or stored is None:
        return given == stored
    return isinstance(given, numbers.Real) and not isinstance(given, (bool, np.bool_)) and given == stored


@functools.cache
def _stored(package: str) -> dict:
    return json.loads(worked_examples_path(package).read_text())


def worked_example(package: str, name: str, *args, **kwargs) -> WorkedExample:
    """The stored example `name` of the lesson `package` whose inputs are `args` and `kwargs` (given in the order
    and with the names of the mistake catalogue's function `name`, as the graded function takes them).

    Look an example up before calling the learner's function on its inputs: a function that changes an input in
    place would otherwise make the inputs unknown here, and the visible test could not say so."""
    for entry in _stored(package).get(name, []):
        example = WorkedExample(**decode(entry))
        names = list(example.inputs)
        if len(args) > len(names) or set(kwargs) - set(names[len(args):]) or len(args) + len(kwargs) != len(names):
            continue
        given = {**dict(zip(names, args, strict=False)), **kwargs}
        if all(same_input(given[key], stored) for key, stored in example.inputs.items()):
            return example
    raise AssertionError(f"the inputs of this test are not those of the lesson's worked example for {name}: did your "
                         "function change one of its inputs in place? If you edited the test cell, undo the edit (a fresh "
                         "copy of the lesson has the original cell)")


def worked_examples_json(catalogue, examples) -> str:
    """The data file's text for `examples`, a list of (name, inputs, reference): the mistakes are
    catalogue.<name>(**inputs) and the expected output reference(**inputs) (None for no reference).
    One example per line, so a change shows as a small diff."""
    stored: dict[str, list] = {}
    for name, inputs, reference in examples:
        expected = None if reference is None else reference(**inputs)
        entry = {"inputs": encode(inputs), "expected": encode(expected, EXPECTED_DIGITS),
                 "mistakes": encode(getattr(catalogue, name)(**inputs), MISTAKE_DIGITS)}
        stored.setdefault(name, []).append(json.dumps(entry, separators=(",", ":")))
    blocks = [f"{json.dumps(name)}: [\n" + ",\n".join(lines) + "\n]" for name, lines in stored.items()]
    return "{\n" + ",\n".join(blocks) + "\n}\n"


def write_worked_examples(package: str, catalogue, examples) -> Path:
    """Write the data file of `package` (the grader side's `python -m utils.lessonNN_name.grader.worked_examples`)."""
    path = worked_examples_path(package)
    path.write_text(worked_examples_json(catalogue, examples))
    return path
