"""A scratch copy of the course (the grading tool, lesson 01, the course library) and its command line, run there
as an instructor runs it: `python -m autograder COMMAND ...` from the course folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LESSON = "01_rnn_cell"
_IGNORE = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")


def copy_course(folder: Path, lesson: str = LESSON) -> Path:
    """The files an instructor's course folder needs to grade `lesson`, copied to `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("autograder", "utils"):
        shutil.copytree(ROOT / name, folder / name, ignore=_IGNORE)
    for kind in ("source", "release"):
        shutil.copytree(ROOT / kind / lesson, folder / kind / lesson, ignore=_IGNORE)
    shutil.copy2(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    return folder


def cli(course: Path, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess:
    """`python -m autograder ARGS` in the course folder `course` (its own copy of the tool is the one imported)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONSAFEPATH"}  # the copy comes first
    env["PYTHONWARNINGS"] = "ignore"
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=course, env=env, capture_output=True,
                          text=True, timeout=timeout)
