"""release/ is generated from source/ by nbgrader's generate_assignment, and must stay in sync with it."""

from __future__ import annotations

import filecmp
import shutil
import tempfile
from pathlib import Path

from autograder.course import ROOT, generate_assignment, lesson_folder, lessons, make_course

SECRET_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


def generate(lesson: str, workdir: Path, root: Path = ROOT) -> Path:
    """Generate the student version of `lesson` in a scratch course under `workdir`; return its release folder."""
    course = make_course(workdir, [lesson], root)
    generate_assignment(lesson, course)
    return lesson_folder(lesson, "release", course)


def _differences(fresh: Path, committed: Path) -> list[str]:
    if not committed.is_dir():
        return [f"{committed} is missing"]
    problems = []
    comparison = filecmp.dircmp(fresh, committed, ignore=[".ipynb_checkpoints", "__pycache__"])
    stack = [(comparison, Path("."))]
    while stack:
        node, relative = stack.pop()
        problems += [f"{relative / name} is missing from {committed}" for name in node.left_only]
        problems += [f"{relative / name} is in {committed} but not generated from source" for name in node.right_only]
        _, mismatch, errors = filecmp.cmpfiles(fresh / relative, committed / relative, node.common_files, shallow=False)
        problems += [f"{relative / name} differs from a fresh generation" for name in mismatch + errors]
        stack += [(sub, relative / name) for name, sub in node.subdirs.items()]
    return problems


def secrets_in(folder: Path) -> list[str]:
    """Files in a release folder that still carry solution or hidden-test markers."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            text = path.read_text(errors="ignore")
            found += [f"{path}: contains '{marker}'" for marker in SECRET_MARKERS if marker in text]
    return found


def release(lesson_names: list[str] | None = None, check_only: bool = False, root: Path = ROOT) -> list[str]:
    """Regenerate release/<lesson> for each lesson (default: all), or only report how they differ.

    Returns the list of problems (empty when in sync and clean).
    """
    problems = []
    for lesson in lesson_names or lessons(root):
        with tempfile.TemporaryDirectory(prefix=f"release-{lesson}-") as scratch:
            fresh = generate(lesson, Path(scratch), root)
            committed = lesson_folder(lesson, "release", root)
            if check_only:
                problems += _differences(fresh, committed)
                problems += secrets_in(committed) if committed.is_dir() else []
            else:
                shutil.rmtree(committed, ignore_errors=True)
                shutil.copytree(fresh, committed)
                problems += secrets_in(committed)
    return problems
