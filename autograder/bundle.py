"""The student copy of the course: `./course bundle [OUT]` writes the folder OUT and OUT.zip.

It holds what a learner works with and nothing an instructor keeps: the release notebooks, notebooks/, the learner
side of the library (utils/ without any `grader/` package), the workspace tool, the `course` script cut down to
the student's commands, the pinned requirements and a README for students. Not source/, not autograder/: without
the hidden tests a self-check cannot grade, so a bundle offers no `check` (the lessons' visible tests still run).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

from autograder.course import ROOT

STUDENT_COMMANDS = ("open", "update", "python")  # the `course` commands a bundle keeps (and its help)
GRADER_SIDE = "grader"  # a package of this name anywhere under utils/ is grader side
COPIED = ("release", "notebooks", "utils", "tools/workspace.py", "requirements.txt", "environment.yml")
LEAK_MARKERS = ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
DEFAULT_OUT = ROOT / "build" / "rnn-course-student"

PYPROJECT = """[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "rnn-course-student"
version = "0.1.0"
description = "An interactive Jupyter course on recurrent neural networks (student copy)"
requires-python = ">=3.10"
dynamic = ["dependencies"]

[tool.setuptools]
packages = {packages}
package-data = {{ utils = ["trained/*.pt", "*/worked_examples.json"] }}  # as the course's own pyproject.toml

[tool.setuptools.dynamic]
dependencies = {{ file = ["requirements.txt"] }}
"""

README = """# Recurrent neural networks, hands-on (student copy)

You need Linux or macOS with Python 3.10 or newer (`python3`). From this folder:

```bash
./course open     # set up the environment in .venv (first time: a few minutes), then open JupyterLab
```

The first `./course open` copies the lessons into `workspace/`, and JupyterLab opens there at the start page
(`notebooks/00_start_here.ipynb`). Your answers live in `workspace/` only.

1. Open a lesson from the course map (start with lesson 01), run the cells from the top and fill in every
   `# YOUR CODE HERE`. Run the test cell under each exercise: it checks your answer and names the likely mistake.
2. Before you hand in: *Kernel -> Restart Kernel and Run All Cells*, then hand in the `.ipynb` file from
   `workspace/release/NN_name/` as your instructor asks.

**A newer version of the course.** Unpack the new copy over this folder (it never contains `workspace/`), then run
`./course update` (or `./course update 04_lstm` for one lesson): a lesson you have not changed is replaced; one
you have worked on becomes the new version with your answers carried over, and your file as it was is kept
beside it as `NN_name.before-update.ipynb`.

Hidden tests, which grade your notebook with random sizes, a batch of one and comparisons with PyTorch, stay with
your instructor, so this copy has no self-check command: the visible tests in each lesson are yours.
"""


def student_script(script: str) -> str:
    """The `course` script with only the student's commands: its help lines and `case` branches for the others go."""
    kept, skipping = [], False
    for line in script.splitlines(keepends=True):
        helped = re.match(r"#   \./course (\S+)", line)
        branch = re.match(r"    ([\w|-]+)\)\s*$", line)
        if helped and helped.group(1) not in STUDENT_COMMANDS:
            continue
        if branch:
            skipping = not set(branch.group(1).split("|")) <= set(STUDENT_COMMANDS)
        if not skipping:
            kept.append(line)
        if skipping and line.strip() == ";;":
            skipping = False
    return "".join(kept)


def _ignored(folder: str, names: list[str]) -> set[str]:
    return {name for name in names if name in (GRADER_SIDE, "__pycache__", ".ipynb_checkpoints") or name.endswith(".pyc")}


def leaks(folder: Path) -> list[str]:
    """What in a bundle would give answers away: a grader package or the text of a solution / hidden-test block."""
    found = [f"grader side: {p.relative_to(folder)}" for p in folder.rglob(GRADER_SIDE) if p.is_dir()]
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in (".py", ".ipynb", ".md", ".txt", ".toml", ".yml"):
            text = path.read_text(errors="replace")
            found += [f"{marker!r} in {path.relative_to(folder)}" for marker in LEAK_MARKERS if marker in text]
    return found


def write_bundle(out: Path = DEFAULT_OUT, root: Path = ROOT) -> Path:
    """Write the student copy to the folder `out` (replaced if it exists) and `out`.zip; return the zip's path."""
    if out.exists():
        shutil.rmtree(out)
    for name in COPIED:
        source, target = root / name, out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=_ignored)
        else:
            shutil.copy2(source, target)
    (out / "course").write_text(student_script((root / "course").read_text()))
    (out / "course").chmod(0o755)
    (out / "pyproject.toml").write_text(PYPROJECT.format(packages='["utils"]'))
    (out / "README.md").write_text(README)
    problems = leaks(out)
    if problems:
        shutil.rmtree(out)
        raise SystemExit("the bundle would give answers away; nothing written:\n" + "\n".join(problems))
    return Path(shutil.make_archive(str(out), "zip", root_dir=out.parent, base_dir=out.name))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./course bundle", description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT, help=f"folder to write (default {DEFAULT_OUT})")
    out = parser.parse_args(argv).out.resolve()
    archive = write_bundle(out)
    print(f"student copy written to {out}/ and {archive}\n(run `./course release --check` first: the bundle "
          "takes release/ as it is)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
