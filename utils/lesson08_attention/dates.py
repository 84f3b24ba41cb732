"""Dates written the way people write them, and their ISO 8601 form: the translation task of lesson 08.

Every example is made here with Python's `datetime`, nothing is downloaded. A date between 1950-01-01 and
2049-12-31 is written in one of FORMATS (from "03/03/04" to "wednesday, the third of march, two thousand and
four"); its target is "2004-03-03". About a third of the examples are intervals, "from 3 mar 04 to the 5th of
april 2006", with the target in ISO 8601's interval notation, "2004-03-03/2006-04-05": longer inputs that carry
more. Numeric formats put the day first (as in most of Europe), and two-digit years stand for 1950-2049, so every
input has exactly one reading.

The dates themselves are split: a seeded tenth of all days in the range is held out, so a test example never shows
a date that training showed in any format (`split_dates`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from utils.data import PAD, encode_texts

FIRST, LAST = dt.date(1950, 1, 1), dt.date(2049, 12, 31)
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ONES = ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_ORDINAL_ONES = ("", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
                 "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
                 "eighteenth", "nineteenth")

# Target side: id 0 pads, 1 starts a decoded sequence (BOS), 2 ends it (EOS); then the ten digits and "-".
BOS, EOS = 1, 2
TARGET_CHARS = "0123456789-/"
TARGET_VOCAB = 3 + len(TARGET_CHARS)
SOURCE_ALPHABET = " ,-./0123456789abcdefghijklmnopqrstuvwxyz"  # id 0 pads; SOURCE_ALPHABET[i - 1] has id i
SOURCE_VOCAB = 1 + len(SOURCE_ALPHABET)
TARGET_LENGTH = 22  # the longest target, an interval "yyyy-mm-dd/yyyy-mm-dd", and EOS
INTERVAL_SHARE = 0.35  # the share of examples that are intervals between two dates


def number_words(n: int) -> str:
    """0 < n < 100 in words: 'seven', 'twenty-one'."""
    if not 0 < n < 100:
        raise ValueError(f"number_words covers 1 to 99, got {n}")
    if n < 20:
        return _ONES[n]
    return _TENS[n // 10] + ("-" + _ONES[n % 10] if n % 10 else "")


def ordinal_words(n: int) -> str:
    """1 <= n <= 31 as an ordinal in words: 'third', 'twenty-first', 'thirtieth'."""
    if n < 20:
        return _ORDINAL_ONES[n]
    if n % 10 == 0:
        return _TENS[n // 10][:-1] + "ieth"
    return _TENS[n // 10] + "-" + _ORDINAL_ONES[n % 10]


def ordinal_suffix(n: int) -> str:
    """'1st', '2nd', '3rd', '4th', '11th', '22nd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def year_words(year: int) -> str:
    """1950-2049 as people say them: 'nineteen sixty-eight', 'two thousand', 'two thousand and four', 'twenty twelve'."""
    if year < 2000:
        return f"nineteen {number_words(year - 1900)}"
    if year == 2000:
        return "two thousand"
    if year < 2010:
        return f"two thousand and {number_words(year - 2000)}"
    return f"twenty {number_words(year - 2000)}"


FORMATS = {
    "dd/mm/yy": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year % 100:02d}",
    "d.m.yyyy": lambda d: f"{d.day}.{d.month}.{d.year}",
    "dd-mm-yyyy": lambda d: f"{d.day:02d}-{d.month:02d}-{d.year}",
    "d mon yy": lambda d: f"{d.day} {MONTHS[d.month - 1][:3]} {d.year % 100:02d}",
    "d month yyyy": lambda d: f"{d.day} {MONTHS[d.month - 1]} {d.year}",
    "month d, yyyy": lambda d: f"{MONTHS[d.month - 1]} {d.day}, {d.year}",
    "dth of month yyyy": lambda d: f"{ordinal_suffix(d.day)} of {MONTHS[d.month - 1]} {d.year}",
    "weekday, month d, yyyy": lambda d: f"{WEEKDAYS[d.weekday()]}, {MONTHS[d.month - 1]} {d.day}, {d.year}",
    "weekday the dth of month yyyy": lambda d: (f"{WEEKDAYS[d.weekday()]} the {ordinal_suffix(d.day)} of "
                                                f"{MONTHS[d.month - 1]} {d.year}"),
    "the day-in-words of month, year-in-words": lambda d: (f"the {ordinal_words(d.day)} of {MONTHS[d.month - 1]}, "
                                                           f"{year_words(d.year)}"),
    "weekday, the day-in-words of month, year-in-words": lambda d: (
        f"{WEEKDAYS[d.weekday()]}, the {ordinal_words(d.day)} of {MONTHS[d.month - 1]}, {year_words(d.year)}"),
    "the day-in-words day of month, in the year yyyy": lambda d: (
        f"the {ordinal_words(d.day)} day of {MONTHS[d.month - 1]}, in the year {d.year}"),
}


def human(date: dt.date, fmt: str) -> str:
    """`date` written in the format named `fmt` (a key of FORMATS)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {list(FORMATS)}")
    return FORMATS[fmt](date)


def iso(date: dt.date) -> str:
    return date.isoformat()


def all_dates() -> list[dt.date]:
    return [FIRST + dt.timedelta(days=k) for k in range((LAST - FIRST).days + 1)]


def split_dates(seed: int = 0, held_out: float = 0.1) -> dict[str, list[dt.date]]:
    """Every date of the range, seeded into "train" and "test" (a share `held_out` of the days), each sorted."""
    dates = all_dates()
    order = np.random.default_rng(seed).permutation(len(dates))
    cut = int(round(held_out * len(dates)))
    return {"train": sorted(dates[i] for i in order[cut:]), "test": sorted(dates[i] for i in order[:cut])}


def encode_targets(texts) -> np.ndarray:
    """ISO strings -> (N, TARGET_LENGTH) int64 ids: the characters, EOS, then PAD."""
    ids = {ch: 3 + i for i, ch in enumerate(TARGET_CHARS)}
    out = np.full((len(texts), TARGET_LENGTH), PAD, dtype=np.int64)
    for row, text in enumerate(texts):
        out[row, : len(text) + 1] = [ids[ch] for ch in text] + [EOS]
    return out


def decode_target(ids) -> str:
    """Target ids -> text, stopping at the first EOS; BOS and PAD show as nothing, so a malformed output reads short."""
    out = []
    for token in np.asarray(ids).tolist():
        if token == EOS:
            break
        if token >= 3:
            out.append(TARGET_CHARS[token - 3])
    return "".join(out)


def decode_source(ids) -> str:
    return "".join(SOURCE_ALPHABET[t - 1] for t in np.asarray(ids).tolist() if t != PAD)


@dataclass(frozen=True)
class DateBatch:
    """Examples of the task, padded: src (N, S) int64 with lengths (N,), tgt (N, TARGET_LENGTH) (EOS, then PAD).

    An item is a date or, for an interval, a pair of dates; its format is a name of FORMATS or a pair of names."""

    texts: tuple[str, ...]
    formats: tuple[str, ...]  # the format's name, or "interval" for an interval
    targets: tuple[str, ...]
    src: np.ndarray
    lengths: np.ndarray
    tgt: np.ndarray
    items: tuple = ()
    item_formats: tuple = ()

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, indices) -> DateBatch:
        """The examples at `indices`, padded again to their own longest input."""
        picks = [int(i) for i in indices]
        return make_batch([self.items[i] for i in picks], [self.item_formats[i] for i in picks])


def write(item, fmt) -> tuple[str, str]:
    """(human text, ISO target) of a date, or of an interval (a pair of dates with a pair of formats):
    "from <first> to <second>" -> "<first ISO>/<second ISO>" (ISO 8601's notation for a time interval)."""
    if isinstance(item, tuple):
        return f"from {human(item[0], fmt[0])} to {human(item[1], fmt[1])}", f"{iso(item[0])}/{iso(item[1])}"
    return human(item, fmt), iso(item)


def make_batch(items, formats) -> DateBatch:
    written = [write(item, fmt) for item, fmt in zip(items, formats, strict=True)]
    texts = [text for text, _ in written]
    targets = [target for _, target in written]
    src, lengths = encode_texts(texts, SOURCE_ALPHABET)
    names = tuple("interval" if isinstance(fmt, tuple) else fmt for fmt in formats)
    return DateBatch(tuple(texts), names, tuple(targets), src, lengths, encode_targets(targets), tuple(items),
                     tuple(formats))


def sample(size: int, rng: np.random.Generator, part: str = "train", split: dict | None = None,
           interval_share: float = INTERVAL_SHARE) -> DateBatch:
    """`size` examples from one part of the split: single dates in a format drawn uniformly from FORMATS, or with
    probability `interval_share` an interval between two such dates (in order, each in its own format)."""
    split = split_dates() if split is None else split
    pool = split[part]
    names = list(FORMATS)
    picks = rng.integers(0, len(pool), (size, 2))
    kinds = rng.integers(0, len(names), (size, 2))
    intervals = rng.random(size) < interval_share
    items, formats = [], []
    for row in range(size):
        if intervals[row]:
            first, second = sorted(picks[row])
            items.append((pool[first], pool[second]))
            formats.append((names[kinds[row, 0]], names[kinds[row, 1]]))
        else:
            items.append(pool[picks[row, 0]])
            formats.append(names[kinds[row, 0]])
    return make_batch(items, formats)


def test_set(size: int = 2400, seed: int = 1, interval_share: float = INTERVAL_SHARE) -> DateBatch:
    """The fixed held-out examples: held-out dates only, seeded."""
    return sample(size, np.random.default_rng(seed), "test", interval_share=interval_share)


def with_bos(tgt: np.ndarray) -> np.ndarray:
    """Decoder inputs under teacher forcing: BOS, then the target shifted right by one (its last token dropped)."""
    tgt = np.asarray(tgt)
    return np.concatenate([np.full((tgt.shape[0], 1), BOS, dtype=tgt.dtype), tgt[:, :-1]], axis=1)
