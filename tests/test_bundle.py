"""The student bundle (`./course bundle`): what a learner gets holds no answer, and a lesson runs from it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from notebook_tools import with_solutions

from autograder.bundle import COPIED, STUDENT_COMMANDS, student_script, write_bundle
from autograder.notebooks import cells_by_id, read, solution_ids

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted(p.name for p in (ROOT / "source").iterdir() if p.is_dir())
BLOCK = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END (SOLUTION|HIDDEN TESTS)", re.S)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "rnn-course-student"
    archive = write_bundle(out)
    assert archive == out.with_suffix(".zip")
    return out


def _words(text: str) -> str:
    return " ".join(text.split())


def _secret_lines(lesson: str) -> set[str]:
    """Lines of the lesson's solution and hidden-test blocks that no release notebook shows anyway."""
    shown = _words("\n".join(cell.source for path in sorted((ROOT / "release").glob("*/*.ipynb"))
                              for cell in read(path).cells))
    secret = set()
    for cell in read(ROOT / "source" / lesson / f"{lesson}.ipynb").cells:
        for block in BLOCK.finditer(cell.source):
            for line in block.group(2).splitlines():
                line = _words(line)
                if len(line) > 12 and not line.startswith("#") and line not in shown:
                    secret.add(line)
    return secret


def test_the_bundle_holds_only_the_learners_side(bundle):
    top = {p.name for p in bundle.iterdir()}
    assert top == {Path(name).parts[0] for name in COPIED} | {"course", "pyproject.toml", "README.md"}
    assert not any(p.name in ("source", "autograder", "tests", "grader", "benchmarks") for p in bundle.rglob("*"))
    assert {p.parent.name for p in (bundle / "release").glob("*/*.ipynb")} == set(LESSONS)
    with zipfile.ZipFile(bundle.with_suffix(".zip")) as archive:
        zipped = {name.removeprefix(f"{bundle.name}/") for name in archive.namelist() if not name.endswith("/")}
    assert zipped == {str(p.relative_to(bundle)) for p in bundle.rglob("*") if p.is_file()}


def _bundle_text(bundle: Path, library: bool) -> str:
    """The words of the bundle's text files: those of its library (utils/) or all the others."""
    return _words("\n".join(p.read_text(errors="replace") for p in bundle.rglob("*")
                            if p.is_file() and p.suffix in (".py", ".ipynb", ".md", ".txt", ".toml", ".yml")
                            and (p.relative_to(bundle).parts[0] == "utils") == library))


def test_the_bundle_holds_no_text_of_a_solution_or_hidden_test(bundle):
    text = _bundle_text(bundle, library=False)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    for lesson in LESSONS:
        secret = _secret_lines(lesson)
        assert len(secret) > 20, f"{lesson}: too few lines to check"
        leaked = [line for line in secret if line in text]
        assert not leaked, f"{lesson}: the bundle holds {leaked[:3]}"


def test_the_bundled_library_holds_no_line_of_a_solution_or_hidden_test(bundle):
    """Bookkeeping a learner-side helper may share with a solution (a loop header, `loss.backward()`) is short."""
    text = _bundle_text(bundle, library=True)
    leaked = {lesson: [line for line in _secret_lines(lesson) if len(line) >= 30 and line in text] for lesson in LESSONS}
    assert not any(leaked.values()), {lesson: lines[:3] for lesson, lines in leaked.items() if lines}


def test_grader_packages_stay_out(tmp_path):
    """After the library's restructuring, grader-side code lives in utils/**/grader/: none of it is bundled."""
    scratch = tmp_path / "course"
    for name in (*COPIED, "course"):
        (scratch / name).parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy2)(ROOT / name, scratch / name)
    grader = scratch / "utils" / "lesson01_rnn_cell" / "grader"
    grader.mkdir(parents=True, exist_ok=True)
    (grader / "__init__.py").write_text("")
    (grader / "answer_key.py").write_text("def answer_key_of_lesson_01(): ...\n")
    (scratch / "utils" / "lesson01_rnn_cell" / "explorers.py").write_text("EXPLORER = 1\n")
    out = tmp_path / "out"
    write_bundle(out, root=scratch)
    assert (out / "utils" / "lesson01_rnn_cell" / "explorers.py").is_file()
    assert not (out / "utils" / "lesson01_rnn_cell" / "grader").exists()
    assert "answer_key_of_lesson_01" not in "".join(p.read_text(errors="replace") for p in out.rglob("*.py"))


def test_the_course_script_offers_only_the_students_commands(bundle):
    script = (bundle / "course").read_text()
    assert script == student_script((ROOT / "course").read_text())
    subprocess.run(["bash", "-n", str(bundle / "course")], check=True)
    shown = subprocess.run([str(bundle / "course"), "help"], capture_output=True, text=True, check=True).stdout
    assert [line.split()[1] for line in shown.splitlines()] == list(STUDENT_COMMANDS)
    branches = re.findall(r"^    ([\w|*-]+)\)$", script, re.M)
    assert branches == [*STUDENT_COMMANDS, "*"]
    assert "autograder" not in script and "pip install" in script


def test_the_workspace_tool_works_in_the_bundle(bundle):
    tool = [sys.executable, str(bundle / "tools" / "workspace.py")]
    subprocess.run([*tool, "update"], check=True, capture_output=True)
    found = subprocess.run([*tool, "find", "01"], check=True, capture_output=True, text=True).stdout.strip()
    assert Path(found) == bundle / "workspace" / "release" / "01_rnn_cell" / "01_rnn_cell.ipynb"
    assert (bundle / "workspace" / "notebooks" / "00_start_here.ipynb").is_file()
    shutil.rmtree(bundle / "workspace")


RUN_LESSON = """
import sys
sys.path.insert(0, sys.argv[1])
import nbformat
import utils
assert utils.__file__.startswith(sys.argv[1]), utils.__file__
from IPython.display import display  # a kernel's built-in
namespace = {"__name__": "__lesson__", "display": display}
tests = 0
for cell in nbformat.read(sys.argv[2], as_version=4).cells:
    if cell.cell_type == "code":
        exec(compile(cell.source, cell.get("id", "cell"), "exec"), namespace)
        tests += bool(cell.metadata.get("nbgrader", {}).get("grade"))
print("test cells passed:", tests)
"""


# Every lesson's visible tests import the learner side only (issue 17): mistakes named from worked examples' data
VISIBLE_READY = tuple(LESSONS)


@pytest.mark.parametrize("lesson", VISIBLE_READY)
def test_visible_tests_import_no_grader_module(lesson):
    """The visible part of every test cell (all of it in the release) names no grader-side module."""
    release = read(ROOT / "release" / lesson / f"{lesson}.ipynb")
    graded = [cell for cell in release.cells if cell.metadata.get("nbgrader", {}).get("grade")]
    assert graded
    for cell in graded:
        assert not re.search(r"\bgrader\b", cell.source), f"{lesson}, {cell.metadata['nbgrader']['grade_id']}"


@pytest.mark.parametrize("lesson", VISIBLE_READY)
def test_a_lesson_runs_from_the_bundle_with_its_visible_tests_passing(bundle, lesson):
    """A lesson from the bundle, the answers typed in, run top to bottom with the bundle's library."""
    source = read(ROOT / "source" / lesson / f"{lesson}.ipynb")
    answers = {g: re.sub(r"^ *### (BEGIN|END) SOLUTION\n", "", cells_by_id(source)[g].source, flags=re.M)
               for g in solution_ids(source)}
    folder = bundle / "release" / lesson
    solved = folder / "solved.ipynb"
    nbformat.write(with_solutions(read(folder / f"{lesson}.ipynb"), answers), str(solved))
    try:
        result = subprocess.run([sys.executable, "-c", RUN_LESSON, str(bundle), str(solved)], cwd=folder,
                                capture_output=True, text=True, timeout=600, env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"})
    finally:
        solved.unlink()
    assert result.returncode == 0, result.stderr[-3000:]
    graded = sum(1 for cell in source.cells if cell.metadata.get("nbgrader", {}).get("grade"))
    assert f"test cells passed: {graded}" in result.stdout
