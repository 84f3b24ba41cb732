"""The zygote cache: one warm learner sandbox per lesson setup and kind (numpy-only, torch-allowed: see
autograder.exercises) in each grading process, reused for every submission that process grades (the setup's
imports, e.g. torch, are paid once per process)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path

from autograder.notebooks import cells_by_id
from autograder.options import Options

_ZYGOTES: dict = {}  # (setup cell source, sandboxed?, kind) -> Zygote, for this process only


def zygotes_for(source, options: Options, kinds: Iterable[str]) -> dict:
    """{kind: this process's zygote} for the lesson of `source` (each started on first use, reused for every
    submission)."""
    from autograder.verify import Zygote

    setup = cells_by_id(source)["setup"].source
    found = {}
    for kind in sorted(set(kinds)):
        key = (setup, options.use_sandbox, kind)
        if key not in _ZYGOTES:
            _ZYGOTES[key] = Zygote(setup, Path(tempfile.mkdtemp(prefix="learner-")), options.limits(),
                                   options.use_sandbox, kind)
        found[kind] = _ZYGOTES[key]
    return found


def close_zygotes() -> None:
    """Stop this process's zygotes and remove the folders they worked in."""
    while _ZYGOTES:
        _ZYGOTES.popitem()[1].close(remove_workdir=True)
