"""Core: the one mechanism behind every lesson's trained models, committed in utils/trained/ so that a lesson shows
a trained network at once.

A lesson's `pretrained` module declares each file it ships as a `Checkpoint(file, train)` and lists them in
`CHECKPOINTS`; its loaders read `checkpoint.contents()`. Three ways in, one code path:

    checkpoint.contents()              the committed file, read once per process (tensors and plain data only)
    checkpoint.retrain()               a lesson's RETRAIN flag: train again now; this process loads the new models
                                       from then on, and the committed file is left as it is
    python -m utils.checkpoints 06     retrain a lesson's checkpoints and write the committed files
                                       (`--only NAME`, `--folder DIR`; one CPU thread, as the lessons run)
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

import utils

FOLDER = Path(__file__).resolve().parent / "trained"


@dataclass(eq=False)
class Checkpoint:
    """One committed file of trained models: its name in utils/trained/ and the function that trains its contents
    again (a dict of tensors and plain data, as torch.load(weights_only=True) reads it back)."""

    file: str
    train: Callable[[], dict]
    _contents: dict | None = field(default=None, init=False, repr=False)

    @property
    def name(self) -> str:
        return Path(self.file).stem

    @property
    def path(self) -> Path:
        return FOLDER / self.file

    def contents(self) -> dict:
        """What this process loads from: the committed file, or what `retrain` trained."""
        if self._contents is None:
            if not self.path.exists():
                raise FileNotFoundError(f"{self.path} is missing: recreate it with `python -m {__name__} LESSON`")
            self._contents = torch.load(self.path, weights_only=True)
        return self._contents

    def retrain(self, output: Path | None = None) -> dict:
        """Train the contents again; from now on this process loads from them. A file is written only when
        `output` names one (the script does; a lesson's RETRAIN flag does not, so a learner's run never changes
        the course's files)."""
        contents = self.train()
        if output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
            torch.save(contents, output)
        self._contents = contents
        return contents

    def forget(self) -> None:
        """Drop what was loaded or retrained: the next `contents()` reads the committed file again."""
        self._contents = None


def lesson_checkpoints(lesson: str) -> list[Checkpoint]:
    """The checkpoints of a lesson given as "06", "06_classification_and_labeling" or its package name."""
    number = lesson.removeprefix("lesson")[:2]
    packages = [info.name for info in pkgutil.iter_modules(utils.__path__) if info.name.startswith(f"lesson{number}_")]
    if len(packages) != 1:
        raise SystemExit(f"no lesson package utils/lesson{number}_*/ for {lesson!r}")
    # by name: the core never imports a lesson in its code, only this command looks one up
    pretrained = importlib.import_module(f"utils.{packages[0]}.pretrained")
    return list(pretrained.CHECKPOINTS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Retrain a lesson's committed models and write their files.")
    parser.add_argument("lesson", help='e.g. 06 or 06_classification_and_labeling')
    parser.add_argument("--only", help="the name of one checkpoint (its file name without .pt)")
    parser.add_argument("--folder", type=Path, default=FOLDER, help="where to write (default: utils/trained)")
    args = parser.parse_args(argv)
    chosen = [c for c in lesson_checkpoints(args.lesson) if args.only in (None, c.name)]
    if not chosen:
        raise SystemExit(f"lesson {args.lesson} has no checkpoint named {args.only!r}")
    torch.set_num_threads(1)  # one thread: the recorded seconds match what a lesson's own run measures
    for checkpoint in chosen:
        start = time.perf_counter()
        output = args.folder / checkpoint.file
        checkpoint.retrain(output)
        print(f"wrote {output} ({output.stat().st_size / 1e3:.0f} kB) in {time.perf_counter() - start:.0f} s",
              flush=True)


if __name__ == "__main__":
    main()
