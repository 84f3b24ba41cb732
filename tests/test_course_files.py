"""The course's files: pins agree, CI runs the README's command, notebooks are clean and linted, release is in sync."""

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import release
from autograder.course import lessons
from autograder.notebooks import cells_by_id, read, solution_ids

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p for folder in ("source", "release", "notebooks") for p in (ROOT / folder).rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)


def _pins(lines):
    return dict(re.match(r"\s*-?\s*([A-Za-z0-9_.\-]+)==(\S+)", line).groups() for line in lines
                if re.match(r"\s*-?\s*[A-Za-z0-9_.\-]+==", line))


def test_environment_yml_has_the_same_pins_as_requirements():
    requirements = _pins((ROOT / "requirements.txt").read_text().splitlines())
    environment = _pins((ROOT / "environment.yml").read_text().splitlines())
    assert requirements == environment
    assert requirements["torch"] == "2.13.0"
    for package in ("jupyterlab", "notebook", "nbgrader", "ipywidgets", "numpy", "matplotlib", "pytest"):
        assert package in requirements, package


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "./course open" in readme and "./course test" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^\./course test\s*$", ci, re.MULTILINE)


def test_classroom_data_is_ignored_by_git():
    ignored = (ROOT / ".gitignore").read_text().split()
    for entry in ("submitted/", "autograded/", "feedback/", "gradebook.db", ".venv/"):
        assert entry in ignored, entry


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_is_valid_with_outputs_cleared(path):
    notebook = read(path)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{path}: outputs not cleared"


def test_code_and_notebooks_pass_ruff():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_release_is_in_sync_with_source_and_keeps_no_secrets():
    assert release.release(check_only=True) == []


@pytest.mark.parametrize("lesson", lessons())
def test_lesson_follows_the_grading_conventions(lesson):
    notebook = read(ROOT / "source" / lesson / f"{lesson}.ipynb")
    cells = cells_by_id(notebook)
    assert "setup" in cells, "every lesson has a setup cell with grade_id 'setup'"
    graded = {g: c.metadata["nbgrader"]["points"] for g, c in cells.items() if c.metadata["nbgrader"].get("grade")}
    assert sum(graded.values()) == 100
    for function in solution_ids(notebook):
        assert f"test_{function}" in graded, f"{function} has no test cell test_{function}"
    for grade_id in graded:
        assert grade_id.startswith("test_"), grade_id


def _notebook_links(path: Path) -> list[str]:
    text = "\n".join(cell.source for cell in read(path).cells if cell.cell_type == "markdown")
    return re.findall(r"\]\(([^)#]+\.ipynb)(?:#[^)]*)?\)", text)


def test_start_page_links_every_lesson():
    links = _notebook_links(ROOT / "notebooks" / "00_start_here.ipynb")
    for lesson in lessons():
        assert f"../release/{lesson}/{lesson}.ipynb" in links, f"the start page does not link {lesson}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_between_notebooks_resolves(path):
    for link in _notebook_links(path):
        assert (path.parent / link).resolve().is_file(), f"broken link {link}"
