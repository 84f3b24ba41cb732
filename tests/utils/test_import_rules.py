"""The import rules of utils/ (stated in utils/__init__.py), checked with `ast` on every module:
the core never imports a lesson; a lesson imports the core and earlier lessons only; learner-side code never imports
a grader package."""

import ast
import re
from pathlib import Path

import pytest
from conftest import ROOT

LESSON = re.compile(r"lesson(\d\d)_\w+")


def _place(parts: tuple[str, ...]) -> tuple[int | None, bool]:
    """(lesson number or None for the core, whether it is grader side) of a module path under utils/."""
    lesson = LESSON.fullmatch(parts[0]) if parts else None
    return (int(lesson.group(1)) if lesson else None), "grader" in parts


def _imported(module: Path, root: Path) -> list[tuple[tuple[str, ...], int]]:
    """Every utils module (as path parts below utils/) that `module` imports, with the line; relative imports resolved."""
    package = module.relative_to(root).with_suffix("").parts[:-1]
    found = []
    for node in ast.walk(ast.parse(module.read_text(), str(module))):
        if isinstance(node, ast.Import):
            names = [alias.name.split(".") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = (node.module or "").split(".") if node.module else []
            if node.level:  # relative: from the module's own package upwards
                base = ["utils", *package[: len(package) - node.level + 1], *base]
            # `from utils.x import y` may import a submodule y: count it as utils.x.y
            names = [[*base, alias.name] for alias in node.names]
        else:
            continue
        for name in names:
            if name[0] == "utils" and len(name) > 1:
                found.append((tuple(name[1:]), node.lineno))
    return found


def violations(root: Path) -> list[str]:
    """One line per import that breaks a rule, for every module under `root` (a utils/ folder)."""
    problems = []
    for module in sorted(root.rglob("*.py")):
        parts = module.relative_to(root).with_suffix("").parts
        lesson, grader = _place(parts)
        where = module.relative_to(root.parent)
        for target, line in _imported(module, root):
            target_lesson, target_grader = _place(target)
            if target_lesson is None:
                continue  # the core may be imported by anyone
            name = "utils." + ".".join(target)
            if lesson is None:
                problems.append(f"{where}:{line}: the core imports the lesson module {name}")
            elif target_lesson > lesson:
                problems.append(f"{where}:{line}: lesson {lesson:02d} imports the later lesson module {name}")
            elif target_grader and not grader:
                problems.append(f"{where}:{line}: learner-side code imports the grader module {name}")
    return problems


def test_every_module_of_utils_keeps_the_import_rules():
    assert violations(ROOT / "utils") == []


def test_the_rules_name_the_layout_they_check():
    packages = sorted(p.name for p in (ROOT / "utils").iterdir() if LESSON.fullmatch(p.name))
    lessons = sorted(p.name for p in (ROOT / "source").iterdir() if p.is_dir())
    assert [p.removeprefix("lesson") for p in packages] == lessons  # one package per lesson, named as in source/
    docstring = ast.get_docstring(ast.parse((ROOT / "utils" / "__init__.py").read_text()))
    for package in packages:
        assert package in docstring, f"utils/__init__.py does not list {package}"


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "utils"
    for name, text in {"__init__.py": "", "checks.py": "", "lesson01_a/__init__.py": "",
                       "lesson01_a/grader/__init__.py": "", "lesson02_b/__init__.py": "", **files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize("files,expected", [
    ({"plots.py": "from utils.lesson01_a import tools\n"}, "the core imports the lesson module utils.lesson01_a.tools"),
    ({"plots.py": "def f():\n    import utils.lesson02_b.x\n"}, "the core imports the lesson module utils.lesson02_b.x"),
    ({"lesson01_a/tools.py": "from utils.lesson02_b import explorers\n"}, "lesson 01 imports the later lesson"),
    ({"lesson01_a/grader/mistakes.py": "from utils.lesson02_b.grader import reference\n"},
     "lesson 01 imports the later lesson"),
    ({"lesson02_b/explorers.py": "from utils.lesson01_a.grader import mistakes\n"},
     "learner-side code imports the grader module utils.lesson01_a.grader.mistakes"),
    ({"lesson01_a/explorers.py": "from .grader import reference\n"},
     "learner-side code imports the grader module utils.lesson01_a.grader.reference"),
    ({"lesson01_a/explorers.py": "from utils.lesson01_a import grader\n"}, "learner-side code imports the grader"),
])
def test_each_rule_is_caught(tmp_path, files, expected):
    problems = violations(_tree(tmp_path, files))
    assert len(problems) == 1 and expected in problems[0], problems


def test_what_the_rules_allow_passes(tmp_path):
    allowed = {
        "lesson01_a/tools.py": "from utils import checks\nfrom utils.checks import expect_close\n",
        "lesson02_b/explorers.py": "from utils.lesson01_a import tools\nfrom . import helpers\n",
        "lesson02_b/helpers.py": "",
        "lesson02_b/grader/mistakes.py": "from utils.lesson01_a.grader import mistakes\nfrom utils.lesson02_b import x\n",
        "lesson01_a/grader/reference.py": "from utils.lesson01_a import tools\nfrom . import mistakes\n",
    }
    assert violations(_tree(tmp_path, allowed)) == []
