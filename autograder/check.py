"""Self-check for learners without an instructor: grade one notebook with the full (hidden) tests."""

from __future__ import annotations

from pathlib import Path

from autograder import hints, sandbox
from autograder.course import lesson_notebook, lessons
from autograder.notebooks import cells_by_id, read
from autograder.options import CELL_SECONDS, Options
from autograder.submission import grade_one
from autograder.zygotes import close_zygotes


def infer_lesson(path: Path) -> str:
    """The lesson a notebook belongs to: by file name, else by the graded cells it shares with a lesson."""
    if path.name.split(".")[0] in lessons():  # 04_lstm.ipynb, or a kept 04_lstm.before-update.ipynb
        return path.name.split(".")[0]
    try:
        ids = set(cells_by_id(read(path)))
    except Exception:
        ids = set()
    overlap = {lesson: len(ids & set(cells_by_id(read(lesson_notebook(lesson))))) for lesson in lessons()}
    best = max(overlap, key=overlap.get, default=None)
    if not best or overlap[best] == 0:
        raise SystemExit(f"{path}: cannot tell which lesson this is; pass --lesson (one of {', '.join(lessons())})")
    return best


def check(paths: list[Path], lesson: str | None = None, use_sandbox: bool = True, timeout: int = CELL_SECONDS) -> int:
    """Print per-test scores and hints for each notebook (one after another; the warm learner processes of a
    lesson are started once for all of them); return the total score of the last."""
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise SystemExit(f"{', '.join(missing)}: no such file")
    if use_sandbox and not sandbox.available():
        print("(bubblewrap is not installed, so your code runs without a sandbox: fine for your own notebook)")
        use_sandbox = False
    options = Options(workers=1, cell_timeout=timeout, use_sandbox=use_sandbox, in_kernel=False)
    try:
        return [_check_one(path, lesson or infer_lesson(path), options) for path in paths][-1]
    finally:
        close_zygotes()


def _check_one(path: Path, lesson: str, options: Options) -> int:
    print(f"Checking {path} against lesson {lesson} with every test, hidden ones included ...")
    result = grade_one(lesson, "you", path, None, options)
    width = max(len(g) for g in result.max_scores)
    lesson_source = read(lesson_notebook(lesson))
    for grade_id, points in result.max_scores.items():
        earned = result.scores[grade_id]
        status = "passed" if earned == points else hints.hint(lesson_source, grade_id, result.messages.get(grade_id, "failed"))
        print(f"  {grade_id:{width}s}  {earned:>4g}/{points:<3g} {status}")
    for note in result.notes:
        print(f"note: {note}")
    print(f"Total: {result.total:g}/{sum(result.max_scores.values()):g}")
    return int(result.total)
