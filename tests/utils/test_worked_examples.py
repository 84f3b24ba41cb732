"""The worked examples of the visible tests: data on the learner side (utils/lessonNN_name/worked_examples.json),
written by each lesson's grader side, read by `checks.worked_example`. The data equals what the grader side writes
today, every stored mistake is one a visible check can name, and a lookup finds an example only by its inputs."""

import importlib
import json

import numpy as np
import pytest
from conftest import ROOT

from utils import checks

GENERATORS = sorted(path.parent.parent.name for path in (ROOT / "utils").glob("lesson*/grader/worked_examples.py"))
MAX_BYTES = 64_000  # a data file holds small fixed examples only


def _generator(package: str):
    return importlib.import_module(f"utils.{package}.grader.worked_examples")


def _same(a, b, where: str = "") -> list[str]:
    """Where two decoded values differ (arrays beyond the last bits of float64, anything else at all)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return [f"{where}: keys {list(a)} != {list(b)}"]
        return [gap for key in a for gap in _same(a[key], b[key], f"{where}/{key}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} entries != {len(b)}"]
        return [gap for i, (x, y) in enumerate(zip(a, b, strict=True)) for gap in _same(x, y, f"{where}[{i}]")]
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return [] if checks.close_enough(a, b, 1e-7, 1e-10) else [f"{where}: arrays differ"]
    return [] if type(a) is type(b) and a == b else [f"{where}: {a!r} != {b!r}"]


def test_every_lesson_with_a_catalogue_of_mistakes_for_visible_tests_has_a_generator():
    assert {"lesson01_rnn_cell"} <= set(GENERATORS)
    for package in GENERATORS:
        assert checks.worked_examples_path(package).is_file(), f"run python -m utils.{package}.grader.worked_examples"


@pytest.mark.parametrize("package", GENERATORS)
def test_the_committed_data_is_what_the_grader_side_writes_today(package):
    generator = _generator(package)
    fresh = checks.decode(json.loads(checks.worked_examples_json(generator.mistakes, generator.examples())))
    committed_text = checks.worked_examples_path(package).read_text()
    gaps = _same(fresh, checks.decode(json.loads(committed_text)))
    assert not gaps, f"stale data: run python -m utils.{package}.grader.worked_examples ({gaps[:3]})"
    assert len(committed_text.encode()) <= MAX_BYTES


def _check(actual, example: checks.WorkedExample) -> None:
    """The check a visible test makes with the example's expected output and mistakes."""
    if isinstance(example.expected, dict):
        checks.expect_all_close(actual, example.expected, "f", mistakes=example.mistakes)
    elif isinstance(example.expected, int):
        checks.expect_integer(actual, example.expected, "f", mistakes=example.mistakes)
    else:
        checks.expect_close(actual, example.expected, "f", mistakes=example.mistakes)


def _is_answer(candidate, expected) -> bool:
    if isinstance(expected, dict):
        return all(candidate.get(name) is None or _is_answer(candidate[name], target) for name, target in expected.items())
    if isinstance(expected, int):
        return candidate == expected
    return checks.close_enough(np.asarray(candidate, dtype=np.float64), np.asarray(expected, dtype=np.float64), 1e-6, 1e-8)


@pytest.mark.parametrize("package", GENERATORS)
def test_every_stored_mistake_is_named_when_a_learner_makes_it(package):
    """Typed in as the learner's output, each stored mistake fails the check with its own message (or the message
    of another mistake that gives the same output here); the correct output passes."""
    stored = json.loads(checks.worked_examples_path(package).read_text())
    named = 0
    for name, entries in stored.items():
        for entry in entries:
            example = checks.WorkedExample(**checks.decode(entry))
            found = checks.worked_example(package, name, **example.inputs)
            assert not _same(found.expected, example.expected)
            if example.expected is None:
                continue
            _check(example.expected, example)
            for message, candidate in example.mistakes.items():
                if candidate is None or _is_answer(candidate, example.expected):
                    continue
                actual = candidate if not isinstance(example.expected, dict) else {**example.expected, **candidate}
                with pytest.raises(AssertionError) as failure:
                    _check(actual, example)
                same_output = [m for m, c in example.mistakes.items() if c is not None and _same_output(c, candidate)]
                assert any(m in str(failure.value) for m in same_output), (name, message, str(failure.value))
                named += 1
    assert named >= len(stored)


def _same_output(a, b) -> bool:
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and set(a) == set(b) and all(_same_output(a[k], b[k]) for k in a)
    if isinstance(a, (int, float)) or isinstance(b, (int, float)):
        return a == b
    return checks.close_enough(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64), 1e-6, 1e-8)


def test_a_lookup_finds_an_example_by_its_inputs_given_by_position_or_by_name():
    x_t, h_prev = np.array([[1.0, -2.0]]), np.array([[0.5, 0.0, -1.0]])
    W_x = np.array([[0.1, 0.2], [0.0, -0.3], [0.4, 0.1]])
    W_h = np.array([[0.5, 0.0, 0.2], [-0.1, 0.3, 0.0], [0.0, 0.6, 0.1]])
    b = np.array([0.1, 0.0, -0.2])
    by_position = checks.worked_example("lesson01_rnn_cell", "rnn_cell_forward", x_t, h_prev, W_x, W_h, b)
    by_name = checks.worked_example("lesson01_rnn_cell", "rnn_cell_forward", x_t, h_prev, W_x=W_x, b=b, W_h=W_h)
    assert checks.close_enough(by_position.expected, by_name.expected, 0, 0)
    assert any("ignores h_prev" in message for message in by_position.mistakes)
    z = np.array([[1.0, 0.0], [1.0, 2.0], [1.0, -1.0]])
    along_rows = checks.worked_example("lesson01_rnn_cell", "softmax", z, axis=0).expected
    assert checks.close_enough(along_rows.sum(axis=0), np.ones(2), 0, 1e-9)  # stored to 10 digits


@pytest.mark.parametrize("args", [
    ("rnn_param_count", 3, 5, 3),  # another value
    ("rnn_param_count", 3, 5),  # an input missing
    ("rnn_param_count", 3, 5, 2, 1),  # one too many
    ("softmax", np.array([[1.0, 2.0, 3.0]]), 0),  # the right z along another axis: not a stored example
    ("softmax", np.array([[1.0, 2.0, 3.0 + 1e-9]])),
    ("no_such_function", 1),
])
def test_inputs_that_are_not_a_stored_example_find_nothing(args):
    with pytest.raises(AssertionError, match=f"worked example for {args[0]}"):
        checks.worked_example("lesson01_rnn_cell", *args)


def test_a_lookup_gives_fresh_arrays_each_time():
    first = checks.worked_example("lesson01_rnn_cell", "softmax", np.array([[1.0, 2.0, 3.0]]))
    first.expected[...] = 0
    again = checks.worked_example("lesson01_rnn_cell", "softmax", np.array([[1.0, 2.0, 3.0]]))
    assert again.expected.sum() == pytest.approx(1.0)


def test_values_survive_encoding():
    value = {"a": np.arange(6.0).reshape(2, 3), "empty": np.zeros((2, 0)), "n": 3, "x": 0.1, "s": "text",
             "items": [np.ones(1), None, True]}
    back = checks.decode(json.loads(json.dumps(checks.encode(value))))
    assert not _same(back, value)
    assert back["empty"].shape == (2, 0)
    with pytest.raises(TypeError):
        checks.encode(object())
