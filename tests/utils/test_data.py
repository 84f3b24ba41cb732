"""Core data and environment: generated signals and sequences, the adding problem, the real text the course learns
from (lessons 06-07: shipped by installed packages, deterministic, well formed), the environment line."""

import numpy as np
import pytest

from utils import data, env
from utils.data import PAD, SURNAME_LANGUAGES, encode_texts, python_docs_text, surnames


def test_surnames_are_labelled_split_and_unambiguous():
    data = surnames()
    assert len(data.names) > 8000 and len(set(data.names)) == len(data.names)
    assert set(np.unique(data.labels)) == set(range(len(SURNAME_LANGUAGES)))
    parts = [set(data.split[p].tolist()) for p in ("train", "validation", "test")]
    assert sum(map(len, parts)) == len(data.names) and set.union(*parts) == set(range(len(data.names)))
    assert all(name == name.lower() and name == name.strip() for name in data.names)
    assert surnames().names == data.names and np.array_equal(surnames().split["test"], data.split["test"])
    assert not np.array_equal(surnames(seed=1).split["test"], data.split["test"])


def test_encoding_pads_at_the_end_and_rejects_unknown_characters():
    ids, lengths = encode_texts(["ab", "b", ""], "ab")
    assert ids.tolist() == [[1, 2], [2, PAD], [PAD, PAD]] and lengths.tolist() == [2, 1, 0]
    data = surnames()
    ids, lengths = data.encode(data.names[:50])
    assert all(ids[i, lengths[i]:].sum() == PAD for i in range(50)) and (ids[np.arange(50), lengths - 1] > 0).all()
    with pytest.raises(ValueError, match="outside the alphabet"):
        data.encode(["smith7"])


def test_python_docs_text_is_the_same_every_time():
    text = python_docs_text()
    assert len(text) > 100_000 and text == python_docs_text() and "for" in text.split()


def test_signals_and_environment_line(capsys):
    for kind in data.SIGNALS:
        assert data.signal(kind, 12).shape == (12,)
    with pytest.raises(ValueError, match="unknown signal"):
        data.signal("square", 5)
    line = env.check_environment()
    assert line.startswith("Environment OK") and "torch 2.13.0" in line
    assert capsys.readouterr().out.strip() == line


def test_adding_problem_marks_one_value_in_each_half_and_sums_them():
    x, y = data.adding_problem(500, 10, np.random.default_rng(0))
    assert x.shape == (500, 10, 2) and y.shape == (500,)
    markers = x[:, :, 1]
    assert np.all(markers.sum(axis=1) == 2)
    assert np.all(markers[:, :5].sum(axis=1) == 1) and np.all(markers[:, 5:].sum(axis=1) == 1)
    np.testing.assert_allclose(y, (x[:, :, 0] * markers).sum(axis=1))
    assert np.all((x[:, :, 0] >= 0) & (x[:, :, 0] < 1))


def test_predicting_one_scores_the_baseline():
    _, y = data.adding_problem(200_000, 6, np.random.default_rng(1))
    assert np.mean((y - 1) ** 2) == pytest.approx(data.ADDING_BASELINE_MSE, rel=0.02)


def test_adding_problem_rejects_a_sequence_without_two_halves():
    with pytest.raises(ValueError, match="length >= 2"):
        data.adding_problem(3, 1, np.random.default_rng(0))


def test_echo_batch_targets_are_the_delayed_inputs():
    x, y = data.echo_batch(np.random.default_rng(5), 3, 10, 4)
    assert x.shape == y.shape == (3, 10, 1)
    np.testing.assert_array_equal(y[:, 4:], x[:, :6])
    assert not y[:, :4].any()
