import os
import sys
from pathlib import Path

import matplotlib
import pytest

ROOT = Path(__file__).resolve().parent.parent
# tests/ mirrors the code (tests/utils, tests/lessons, tests/autograder); its helper modules (conftest, classroom, the
# lessons' variants) are imported by their plain names from any of these folders, and test file names are unique.
for folder in (ROOT / "tests", ROOT / "tests" / "lessons", ROOT / "tests" / "autograder"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
matplotlib.use("Agg")
os.environ.setdefault("PYTHONWARNINGS", "ignore")

from notebook_tools import solved_namespace  # noqa: E402

from autograder.course import lessons  # noqa: E402
from autograder.notebooks import read  # noqa: E402

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


# `./course test` runs two pytest-xdist workers. The grading tests each keep both cores busy (two nbgrader runs or
# two grading workers at once), so they run one after another on one worker; the browser tests share one
# JupyterLab per module on the other; every other test goes to whichever worker is free. (xdist's own
# `--dist loadgroup` marks have no effect with pytest 9, which no longer reads a test's id from `_nodeid`.)
WORKER_GROUPS = {"test_lesson_grading": "grading", "test_grading_class": "grading",
                 "test_grading_adversarial": "grading", "test_isolation": "grading",
                 "test_feedback_class": "grading", "test_browser": "browser",
                 "test_delegation": "delegation",  # one grading worker per lesson: beside the grading tests, not after them
                 "test_no_answers_learner_side": "answer_probe"}  # its two probe runs are made once, for all its tests


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # before xdist's own; none without xdist
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class CourseScheduling(LoadScopeScheduling):
        """Each group is one unit of work, as a module is under --dist loadscope; every other test is a unit alone."""

        def _split_scope(self, nodeid: str) -> str:
            return WORKER_GROUPS.get(Path(nodeid.split("::")[0]).stem, nodeid)

    return CourseScheduling(config, log)

