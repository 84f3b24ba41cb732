import os
from pathlib import Path

import matplotlib
import pytest

ROOT = Path(__file__).resolve().parent.parent
matplotlib.use("Agg")
os.environ.setdefault("PYTHONWARNINGS", "ignore")

from autograder.course import lessons  # noqa: E402
from autograder.notebooks import read, solved_namespace  # noqa: E402

_SOLVED: dict[tuple[str, str], dict] = {}


def solved(lesson: str, kind: str = "source") -> dict:
    """The namespace after a lesson's setup and solution cells ran (release: the unimplemented stubs). Cached."""
    if (lesson, kind) not in _SOLVED:
        _SOLVED[lesson, kind] = solved_namespace(read(ROOT / kind / lesson / f"{lesson}.ipynb"))
    return dict(_SOLVED[lesson, kind])


LESSONS = lessons()


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def lesson01_source():
    return read(ROOT / "source" / "01_rnn_cell" / "01_rnn_cell.ipynb")


@pytest.fixture(scope="session")
def lesson01_solved() -> dict:
    """The reference solutions of lesson 01 (a copy: tests may add to it)."""
    return solved("01_rnn_cell")


# `./course test` runs two pytest-xdist workers with --dist loadgroup. The grading tests each keep both cores busy
# (two nbgrader runs or two grading workers at once), so they queue on one worker; the browser tests share one
# JupyterLab per module on the other; every other test goes wherever a worker is free.
XDIST_GROUPS = {"test_lesson_grading": "grading", "test_grading_class": "grading",
                "test_grading_adversarial": "grading", "test_browser": "browser"}


def pytest_collection_modifyitems(items):
    for item in items:
        group = XDIST_GROUPS.get(item.module.__name__.rpartition(".")[2])
        if group:
            item.add_marker(pytest.mark.xdist_group(group))
