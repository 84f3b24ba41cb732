"""Where the course lives, and how to run nbgrader on a throw-away copy of it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# nbgrader runs `alembic` by subprocess: this environment's bin folder must be on PATH for every nbgrader call.
_BIN = str(Path(sys.executable).parent)
if _BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")
SOURCE = ROOT / "source"
RELEASE = ROOT / "release"


def lessons(root: Path = ROOT) -> list[str]:
    """The lesson folders of source/, e.g. ['01_rnn_cell']."""
    return sorted(p.name for p in (root / "source").iterdir() if p.is_dir() and not p.name.startswith("."))


def lesson_notebook(lesson: str, kind: str = "source", root: Path = ROOT) -> Path:
    """source/NN_name/NN_name.ipynb (or release/...): one notebook per lesson, named like its folder."""
    return root / kind / lesson / f"{lesson}.ipynb"


def run_nbgrader(args: list[str], course_root: Path, timeout: float | None = None,
                 db_url: str | None = None) -> subprocess.CompletedProcess:
    """Run `nbgrader ARGS` on the course at course_root (gradebook: db_url, default its gradebook.db);
    raise with the log on failure."""
    db_url = db_url or f"sqlite:///{course_root / 'gradebook.db'}"
    command = [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course_root}",
               f"--CourseDirectory.db_url={db_url}"]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    result = subprocess.run(command, cwd=course_root, env=env, capture_output=True, text=True,
                            timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def make_course(workdir: Path, lessons_to_copy: list[str], root: Path = ROOT) -> Path:
    """A scratch course directory holding copies of the given source lessons and the course's nbgrader config."""
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(root / "nbgrader_config.py", workdir / "nbgrader_config.py")
    for lesson in lessons_to_copy:
        shutil.copytree(root / "source" / lesson, workdir / "source" / lesson, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return workdir
