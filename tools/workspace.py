"""The learner's workspace: a gitignored copy of the course's notebooks that course updates never touch.

`./course open` copies `release/` and `notebooks/` into `workspace/` (same relative layout, so the start page's
links keep working) and roots JupyterLab there: `source/` is out of view and out of reach of Jupyter's contents
API. A `git pull` (or a newer student bundle unpacked over the course folder) changes only the course's copies;
`./course update [LESSON]` then brings the newer versions into the workspace without losing answers.

Each workspace file also has a hidden copy of the course version it came from, under `workspace/.course/base/`
(Jupyter does not serve hidden folders). Comparing the learner's file, that base and the course's newer version
tells which answers the learner wrote and what the course changed:
- a file the learner never changed is replaced by the newer version;
- a changed one is merged: the newer version with the learner's solution cells carried over by nbgrader grade_id,
  written in place so the lesson keeps its name and links, and the learner's file kept byte for byte beside it as
  `NAME.before-update.ipynb` (`-2`, `-3`, ... if that exists). Merging rather than leaving the new version beside
  the old one spares the learner copying answers by hand, and nothing is lost.

Standalone (standard library and nbformat): the student bundle ships this file unchanged.
    python tools/workspace.py open [JUPYTER ARGS]   copy what is missing, then exec JupyterLab at the workspace
    python tools/workspace.py update [LESSON ...]   bring newer versions in (all lessons by default)
    python tools/workspace.py find NOTEBOOK|LESSON [--from DIR]   the notebook ./course check should read
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("release", "notebooks")  # the course folders a learner works in, copied with their relative layout
START_PAGE = "notebooks/00_start_here.ipynb"
BASE = Path(".course") / "base"  # inside the workspace: each file as the course shipped it


def workspace_of(root: Path) -> Path:
    return root / "workspace"


def lessons(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "release").iterdir() if p.is_dir() and not p.name.startswith("."))


def shipped_files(root: Path, lessons_wanted: list[str] | None = None) -> list[Path]:
    """Paths (relative to root) of the files a learner works with, e.g. release/01_rnn_cell/01_rnn_cell.ipynb."""
    found = []
    for folder in SHIPPED:
        for path in sorted((root / folder).rglob("*")):
            relative = path.relative_to(root)
            if not path.is_file() or any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
                continue
            if lessons_wanted is None or (relative.parts[0] == "release" and relative.parts[1] in lessons_wanted):
                found.append(relative)
    return found


def _course_bytes(root: Path, relative: Path) -> bytes:
    """The course's version of a file: git's committed one in a course checkout, else the file itself. A learner
    who worked in release/ before the workspace existed has answers there: those are theirs, not the course's."""
    if (root / ".git").exists():
        shown = subprocess.run(["git", "-C", str(root), "show", f"HEAD:{relative.as_posix()}"], capture_output=True)
        if shown.returncode == 0:
            return shown.stdout
    return (root / relative).read_bytes()


def _cells(notebook, key) -> dict:
    return {key(cell): cell for cell in notebook.cells if key(cell)}


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _already_new(mine, base, new) -> bool:
    """Whether the learner's notebook already holds the course's new version (e.g. they renamed a merged file
    back): every cell the course changed or added reads as in `new`, and no cell the course removed is left."""
    base_cells = {cell.get("id"): cell.source for cell in base.cells}
    mine_cells = {cell.get("id"): cell.source for cell in mine.cells}
    new_ids = {cell.get("id") for cell in new.cells}
    changed = {cell.get("id"): cell.source for cell in new.cells if base_cells.get(cell.get("id")) != cell.source}
    removed = set(base_cells) - new_ids
    return all(mine_cells.get(cell_id) == source for cell_id, source in changed.items()) and not removed & set(mine_cells)


def merge(mine, base, new) -> tuple[nbformat.NotebookNode, list[str], list[str], list[str]]:
    """The new version with the learner's answers: (notebook, carried, changed_by_course, dropped) grade_ids.

    An answer is a solution cell whose source differs from the base version's (from the new one's if no base)."""
    merged = nbformat.from_dict(new)
    mine_by_id, base_by_id = _cells(mine, _grade_id), _cells(base, _grade_id) if base else {}
    carried, changed, new_ids = [], [], set()
    for cell in merged.cells:
        grade_id = _grade_id(cell)
        if not grade_id or not cell.metadata["nbgrader"].get("solution"):
            continue
        new_ids.add(grade_id)
        theirs, started_from = mine_by_id.get(grade_id), base_by_id.get(grade_id, cell)
        if theirs is None or theirs.source == started_from.source:
            continue
        if started_from.source != cell.source:
            changed.append(grade_id)
        cell.source = theirs.source
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        carried.append(grade_id)
    dropped = [g for g, cell in mine_by_id.items() if cell.metadata["nbgrader"].get("solution") and g not in new_ids
               and cell.source != base_by_id.get(g, cell).source]
    return merged, carried, changed, dropped


def _free_name(path: Path) -> Path:
    candidate, number = path.with_name(f"{path.stem}.before-update{path.suffix}"), 2
    while candidate.exists():
        candidate, number = path.with_name(f"{path.stem}.before-update-{number}{path.suffix}"), number + 1
    return candidate


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def update(root: Path = ROOT, lessons_wanted: list[str] | None = None, missing_only: bool = False) -> list[str]:
    """Bring the course's files into the workspace; return one message per file that changed or waits.

    missing_only: copy files the workspace lacks (first use, a new lesson) and only report newer versions."""
    workspace, messages = workspace_of(root), []
    for relative in shipped_files(root, lessons_wanted):
        mine_path, base_path = workspace / relative, workspace / BASE / relative
        course = _course_bytes(root, relative)
        if not mine_path.exists():
            _write(mine_path, (root / relative).read_bytes())
            _write(base_path, course)
            messages.append(f"added {relative}")
            continue
        mine = mine_path.read_bytes()
        base = base_path.read_bytes() if base_path.exists() else None
        if course in (base, mine):
            if base != course:
                _write(base_path, course)
            continue
        if missing_only:
            messages.append(f"newer version of {relative}: `./course update {_lesson_of(relative)}` takes it in")
            continue
        if mine == base:
            _write(mine_path, course)
            _write(base_path, course)
            messages.append(f"updated {relative} (you had not changed it)")
            continue
        if relative.suffix != ".ipynb":
            kept = _free_name(mine_path)
            shutil.copy2(mine_path, kept)
            _write(mine_path, course)
            _write(base_path, course)
            messages.append(f"updated {relative}; your version is kept as {kept.relative_to(workspace)}")
            continue
        messages.append(_merge_file(mine_path, base_path, course, workspace))
    return messages


def _lesson_of(relative: Path) -> str:
    return relative.parts[1] if relative.parts[0] == "release" and len(relative.parts) > 2 else ""


def _read(data: bytes):
    return nbformat.reads(data.decode(), as_version=4)


def _merge_file(mine_path: Path, base_path: Path, course: bytes, workspace: Path) -> str:
    relative = mine_path.relative_to(workspace)
    mine, new = _read(mine_path.read_bytes()), _read(course)
    base = _read(base_path.read_bytes()) if base_path.exists() else None
    if base is not None and _already_new(mine, base, new):
        _write(base_path, course)
        return f"{relative} already holds the new version"
    merged, carried, changed, dropped = merge(mine, base, new)
    kept = _free_name(mine_path)
    shutil.copy2(mine_path, kept)
    mine_path.write_text(nbformat.writes(merged))
    _write(base_path, course)
    lines = [f"updated {relative} to the new version with your {len(carried)} answer(s) carried over; "
             f"your file as it was is kept as {kept.relative_to(workspace)}"]
    if changed:
        lines.append(f"  the course changed these exercises since you answered them; check your answers: {', '.join(changed)}")
    if dropped:
        lines.append(f"  no longer in the lesson (your answers stay in the kept file): {', '.join(dropped)}")
    return "\n".join(lines)


def find_notebook(argument: str, root: Path = ROOT, caller: Path | None = None) -> Path:
    """The notebook `./course check ARGUMENT` grades: a lesson name (or its number) means the workspace's copy;
    a relative path is looked up in the workspace first, then from the caller's folder, then the course folder."""
    workspace = workspace_of(root)
    named = [lesson for lesson in lessons(root) if argument.rstrip("/") in (lesson, lesson.split("_")[0])]
    if len(named) == 1:
        path = workspace / "release" / named[0] / f"{named[0]}.ipynb"
        if not path.is_file():
            raise SystemExit(f"{path.relative_to(root)} does not exist: `./course open` (or `./course update "
                             f"{named[0]}`) copies the lesson into your workspace")
        return path
    path = Path(argument)
    for folder in ([] if path.is_absolute() else [workspace, caller or Path.cwd(), root]):
        if (folder / path).is_file():
            return (folder / path).resolve()
    if path.is_file():
        return path.resolve()
    raise SystemExit(f"{argument}: no such notebook or lesson (lessons: {', '.join(lessons(root))})")


def jupyter_command(root: Path = ROOT, extra: list[str] = ()) -> list[str]:
    """JupyterLab rooted at the workspace, opening the start page."""
    command = ["jupyter", "lab", f"--ServerApp.root_dir={workspace_of(root)}", f"--LabApp.default_url=/lab/tree/{START_PAGE}"]
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")  # containers and cloud machines often run as root
    return command + list(extra)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./course", description="The learner's workspace.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("open", help="copy what the workspace lacks, then open JupyterLab there")
    update_parser = commands.add_parser("update", help="bring newer lesson versions in, keeping your answers")
    update_parser.add_argument("lessons", nargs="*")
    find = commands.add_parser("find", help="the notebook `./course check` reads")
    find.add_argument("notebook")
    find.add_argument("--from", dest="caller", type=Path)
    args, extra = parser.parse_known_args(argv)
    if args.command == "find":
        print(find_notebook(args.notebook, caller=args.caller))
        return 0
    if args.command == "update":
        unknown = [name for name in args.lessons if name not in lessons(ROOT)]
        if unknown or extra:
            parser.error(f"no lesson {' '.join(unknown + extra)} (lessons: {', '.join(lessons(ROOT))})")
        messages = update(ROOT, args.lessons or None)
        print("\n".join(messages) if messages else "your workspace is up to date")
        return 0
    first_use = not workspace_of(ROOT).exists()
    messages = update(ROOT, missing_only=True)
    if first_use:
        print(f"Made your workspace in {workspace_of(ROOT)}: your answers live there; course updates never touch it.")
    else:
        print("\n".join(messages))
    sys.stdout.flush()
    os.execvp("jupyter", jupyter_command(ROOT, extra))
    return 1


if __name__ == "__main__":
    sys.exit(main())
