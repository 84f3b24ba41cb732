"""Core test-cell assertions: each failure says what is wrong in one sentence."""

import numpy as np
import pytest

from utils import checks


def test_expect_close_names_the_matching_mistake_and_otherwise_the_worst_entry():
    expected = np.array([[1.0, 2.0]])
    with pytest.raises(AssertionError, match="ignores h_prev"):
        checks.expect_close([[0.0, 2.0]], expected, "f", mistakes={"ignores h_prev": [[0.0, 2.0]]})
    with pytest.raises(AssertionError, match=r"largest difference is 0.5 at index \(0, 1\)"):
        checks.expect_close([[1.0, 2.5]], expected, "f", mistakes={"other": [[9.0, 9.0]]})
    checks.expect_close([[1.0, 2.0 + 1e-12]], expected, "f")


def test_expect_close_ignores_a_mistake_that_equals_the_answer():
    with pytest.raises(AssertionError, match="differs from the reference"):
        checks.expect_close([[3.0]], [[1.0]], "f", mistakes={"same as correct": [[1.0]]})


@pytest.mark.parametrize("value,message", [
    (None, "returned None"), ("text", "not an array"), (np.zeros((2, 2)), "shape"), ([[np.nan, 1.0]], "NaN"),
])
def test_expect_array_explains_bad_returns(value, message):
    with pytest.raises(AssertionError, match=message):
        checks.expect_array(value, (1, 2), "f")


def test_expect_close_is_not_fooled_by_a_patched_numpy(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(np, "isclose", lambda a, b, **k: np.ones(np.shape(a), bool))
    with pytest.raises(AssertionError):
        checks.expect_close([[5.0]], [[1.0]], "f")


def test_expect_integer_choice_number_unchanged():
    checks.expect_integer(np.int64(57), 57, "f")
    checks.expect_integer(57.0, 57, "f")
    with pytest.raises(AssertionError, match="counted two"):
        checks.expect_integer(62, 57, "f", mistakes={"counted two": 62})
    with pytest.raises(AssertionError, match="whole number"):
        checks.expect_integer(True, 1, "f")
    assert checks.expect_choice(" Encoder_Decoder", ["encoder-decoder", "many-to-one"], "q") == "encoder-decoder"
    with pytest.raises(AssertionError, match="must be one of"):
        checks.expect_choice("seq2seq", ["encoder-decoder"], "q")
    with pytest.raises(AssertionError, match="finite number"):
        checks.expect_number("0.07", "q")
    before = np.ones(3)
    with pytest.raises(AssertionError, match="modified in place"):
        checks.expect_unchanged(before, np.zeros(3), "x")
