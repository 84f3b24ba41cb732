"""The real text the course learns from (lessons 06-07): shipped by installed packages, deterministic, well formed."""

import numpy as np
import pytest

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
