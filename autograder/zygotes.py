"""The zygote cache: one warm learner sandbox per lesson setup in each grading process, reused for every
submission that process grades (the setup's imports, e.g. torch, are paid once per process)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from autograder.notebooks import cells_by_id
from autograder.options import Options

_ZYGOTES: dict = {}  # (setup cell source, sandboxed?) -> Zygote, for this process only


def zygote_for(source, options: Options):
    """This process's zygote for the lesson of `source` (started on first use, reused for every submission)."""
    from autograder.verify import Zygote

    setup = cells_by_id(source)["setup"].source
    key = (setup, options.use_sandbox)
    if key not in _ZYGOTES:
        _ZYGOTES[key] = Zygote(setup, Path(tempfile.mkdtemp(prefix="learner-")), options.limits(), options.use_sandbox)
    return _ZYGOTES[key]


def close_zygotes() -> None:
    """Stop this process's zygotes and remove the folders they worked in."""
    while _ZYGOTES:
        _ZYGOTES.popitem()[1].close(remove_workdir=True)
