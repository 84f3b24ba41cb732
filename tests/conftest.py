import os
import sys
from pathlib import Path

import matplotlib
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
matplotlib.use("Agg")
os.environ.setdefault("PYTHONWARNINGS", "ignore")

from notebook_tools import read, solved_namespace  # noqa: E402


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def lesson01_source():
    return read(ROOT / "source" / "01_rnn_cell" / "01_rnn_cell.ipynb")


@pytest.fixture(scope="session")
def lesson01_solved(lesson01_source) -> dict:
    """The reference solutions of lesson 01, run once (do not mutate: copy first)."""
    return solved_namespace(lesson01_source)
