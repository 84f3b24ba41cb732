"""Core: the one mechanism behind every lesson's trained models, committed in utils/trained/ so that a lesson shows
a trained network at once.

A lesson's `pretrained` module declares each file it ships as a `Checkpoint(file, train)` and lists them in
`CHECKPOINTS`; its loaders read `checkpoint.contents()`. Three ways in, one code path:

    checkpoint.contents()              the committed file, read once per process (tensors and plain data only)
    checkpoint.retrain(**options)      a lesson's RETRAIN flag: train again now; this process loads the new models
                                       from then on, and the committed file is left as it is
    python -m utils.checkpoints 06     retrain a lesson's checkpoints and write the committed files
                                       (`--only NAME`, `--folder DIR`; one CPU thread, as the lessons run)

Where a lesson's trained model is the answer of a graded exercise (lesson 07's CharLM, lesson 08's Seq2Seq), its
`train` takes that class as an option: the lesson passes the learner's own class, and the command passes the
reference that the lesson's grader side names in `TRAINING_OPTIONS` ({checkpoint name: options}).
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

    def retrain(self, output: Path | None = None, **options) -> dict:
        """Train the contents again (`options` go to `train`); from now on this process loads from them. A file is
        written only when `output` names one (the script does; a lesson's RETRAIN flag does not, so a learner's run
        never changes the course's files)."""
        contents = self.train(**options)
        if output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
            torch.save(contents, output)
        self._contents = contents
        return contents

    def forget(self) -> None:
        """Drop what was loaded or retrained: the next `contents()` reads the committed file again."""
        self._contents = None


def lesson_package(lesson: str) -> str:
    """The package name of a lesson given as "06", "06_classification_and_labeling" or its package name."""
    number = lesson.removeprefix("lesson")[:2]
    packages = [info.name for info in pkgutil.iter_modules(utils.__path__) if info.name.startswith(f"lesson{number}_")]
    if len(packages) != 1:
        raise SystemExit(f"no lesson package utils/lesson{number}_*/ for {lesson!r}")
    return packages[0]


def lesson_checkpoints(lesson: str) -> list[tuple[Checkpoint, dict]]:
    """A lesson's checkpoints, each with the options its grader side gives for training it with the references."""
    package = lesson_package(lesson)
    # looked up by name: the core imports no lesson in its code; only this maintainer's command finds one
    pretrained = importlib.import_module(f"utils.{package}.pretrained")
    grader = importlib.import_module(f"utils.{package}.grader")
    options = getattr(grader, "TRAINING_OPTIONS", {})
    return [(checkpoint, options.get(checkpoint.name, {})) for checkpoint in pretrained.CHECKPOINTS]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Retrain a lesson's committed models and write their files.")
    parser.add_argument("lesson", help='e.g. 06 or 06_classification_and_labeling')
    parser.add_argument("--only", help="the name of one checkpoint (its file name without .pt)")
    parser.add_argument("--folder", type=Path, default=FOLDER, help="where to write (default: utils/trained)")
    args = parser.parse_args(argv)
    chosen = [(c, options) for c, options in lesson_checkpoints(args.lesson) if args.only in (None, c.name)]
    if not chosen:
        raise SystemExit(f"lesson {args.lesson} has no checkpoint named {args.only!r}")
    torch.set_num_threads(1)  # one thread: the recorded seconds match what a lesson's own run measures
    for checkpoint, options in chosen:
        start = time.perf_counter()
        output = args.folder / checkpoint.file
        checkpoint.retrain(output, **options)
        print(f"wrote {output} ({output.stat().st_size / 1e3:.0f} kB) in {time.perf_counter() - start:.0f} s",
              flush=True)


if __name__ == "__main__":
    main()
