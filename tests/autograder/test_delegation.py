"""Delegation earns nothing (issue 17): a graded function that gets its answer from torch (where numpy is asked
for), from a learner-side torch twin, or from the grader side (the course's references and mistake catalogues)
loses that function's points under `./course grade` and `./course check`, and the flags name it and what it reached.

autograder/exercises.py declares each solution cell numpy-only or torch-allowed; the trusted run calls each name
in a learner process of its kind (autograder.verify). The delegating variants are in delegation_variants.py; each
is checked here to pass the lesson's tests in a learner's own kernel, so that each is a hole the grader closes.
"""

import ast
import json
import re
import time

import nbformat
import pytest
from conftest import LESSONS, ROOT, solved
from delegation_variants import DELEGATIONS
from notebook_tools import grading_cells_of, notebook_from_cells, run_cells, with_solutions
from scratch_course import cli, copy_course

from autograder.course import results_file, submission_notebook
from autograder.exercises import EXERCISES, NUMPY, TORCH, declared
from autograder.notebooks import cells_by_id, read, solution_ids
from autograder.sandbox import Limits
from autograder.verify import Zygote, run_trusted

HONEST = "honest_with_torch_imports"  # the source's solutions, `import torch` at the top of every numpy-only cell
REACHED = {"torch": "reached torch (torch.", "torch twin": "reached torch (", "grader side": "reached the grader side (utils."}


def _source(lesson):
    return read(ROOT / "source" / lesson / f"{lesson}.ipynb")


def _variants():
    return [(lesson, grade_id, route) for lesson, functions in DELEGATIONS.items()
            for grade_id, routes in functions.items() for route in routes]


def _student(grade_id, route):
    return f"{grade_id}__{route.replace(',', '').replace(' ', '_')}"


# --- the declaration -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lesson", LESSONS)
def test_the_table_names_exactly_the_solution_cells_of_every_lesson(lesson):
    assert set(EXERCISES[lesson]) == set(solution_ids(_source(lesson)))
    assert set(declared(lesson, _source(lesson)).values()) <= {NUMPY, TORCH}


def test_an_undeclared_solution_cell_cannot_be_graded():
    source = _source("01_rnn_cell")
    extra = notebook_from_cells("import numpy as np", {"new_exercise": "def new_exercise():\n    return 1"}, {})
    source.cells += extra.cells[1:]
    with pytest.raises(ValueError, match="new_exercise"):
        declared("01_rnn_cell", source)


@pytest.mark.parametrize("lesson", LESSONS)
def test_torch_allowed_cells_are_those_whose_solution_uses_torch(lesson):
    cells = cells_by_id(_source(lesson))
    for grade_id, kind in EXERCISES[lesson].items():
        names = {node.id for node in ast.walk(ast.parse(cells[grade_id].source)) if isinstance(node, ast.Name)}
        assert (kind == TORCH) == bool(names & {"torch", "nn"}), (grade_id, kind)


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_graded_function_has_its_delegating_variants(lesson):
    for grade_id, kind in EXERCISES[lesson].items():
        if grade_id.startswith("checkpoint_"):
            continue
        routes = set(DELEGATIONS[lesson].get(grade_id, {}))
        needed = {"grader side"} | ({"torch"} if kind == NUMPY else set())
        if kind == NUMPY and lesson < "06":  # lessons 01-05 ship a torch twin of every numpy exercise
            needed.add("torch twin")
        assert needed <= routes, (grade_id, sorted(needed - routes))


@pytest.mark.parametrize("lesson,grade_id,route", _variants())
def test_each_delegation_passes_in_a_learners_own_kernel(lesson, grade_id, route):
    """Without the trusted run's rule these would earn full marks: the hole is real."""
    source = _source(lesson)
    namespace = run_cells([DELEGATIONS[lesson][grade_id][route]], solved(lesson))
    for test_id in grading_cells_of(source, grade_id):
        run_cells([cells_by_id(source)[test_id].source], namespace)


# --- the numpy-only learner process ----------------------------------------------------------------------------

TORCH_PROBE = """
import sys

def probe():
    import torch
    try:
        torch.tanh
    except ImportError as error:
        stubbed = str(error)
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "StubFinder"]  # our hook, removed
    for name in [n for n in sys.modules if n.split(".")[0] == "torch"]:
        del sys.modules[name]
    import torch
    return [stubbed, hasattr(torch, "tanh"), str(getattr(torch, "__file__", None))]
"""


def test_the_numpy_only_process_has_no_torch_even_without_its_stub(tmp_path):
    notebook = notebook_from_cells("import numpy as np\nimport torch", {"probe": TORCH_PROBE}, {"test_probe": (
        "stubbed, found, where = probe()\n"
        "assert stubbed == 'torch is not available to numpy-only exercises (torch.tanh)', stubbed\n"
        "assert not found and where == 'None', (found, where)")})
    zygote = Zygote("import numpy as np\nimport torch\ntorch.manual_seed(0)", tmp_path / "numpy", Limits(), kind=NUMPY)
    try:
        result = run_trusted(notebook, notebook, zygote, 20)
    finally:
        zygote.close(remove_workdir=True)
    assert result.verdicts["test_probe"].passed, result.verdicts["test_probe"].message


# --- grading as an instructor does ------------------------------------------------------------------------------

def _with_torch_imports(lesson, source):
    numpy_only = [g for g, kind in EXERCISES[lesson].items() if kind == NUMPY]
    cells = cells_by_id(source)
    return with_solutions(source, {g: "import torch\n\n" + cells[g].source for g in numpy_only})


def _one_per_route(lesson) -> list[str]:
    """The lesson's first delegating variant of each route (torch, torch twin, grader side, ...)."""
    firsts = {}
    for _, grade_id, route in [v for v in _variants() if v[0] == lesson]:
        firsts.setdefault(route.split(",")[0], _student(grade_id, route))
    return list(firsts.values())


@pytest.fixture(scope="module", params=LESSONS)
def graded(request, tmp_path_factory):
    """One `grade --trusted-only` run (one worker: the suite runs beside it) of every delegating variant of a
    lesson, plus an honest one that imports torch where it is not used; and one `check` of one variant per route."""
    lesson = request.param
    source = _source(lesson)
    course = copy_course(tmp_path_factory.mktemp("course"), lesson)
    notebooks = {HONEST: _with_torch_imports(lesson, source)}
    for _, grade_id, route in [v for v in _variants() if v[0] == lesson]:
        notebooks[_student(grade_id, route)] = with_solutions(source, {grade_id: DELEGATIONS[lesson][grade_id][route]})
    for student, notebook in notebooks.items():
        path = submission_notebook(student, lesson, course)
        path.parent.mkdir(parents=True)
        nbformat.write(notebook, str(path))
    started = time.monotonic()
    run = cli(course, "grade", lesson, "--workers", "1", "--trusted-only")
    seconds = time.monotonic() - started
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(results_file(lesson, course).read_text())
    variants = _one_per_route(lesson)  # `check` shares `grade`'s trusted run: one variant per route shows its report
    checked = cli(course, "check", *[str(submission_notebook(s, lesson, course)) for s in variants], "--lesson", lesson)
    assert checked.returncode == 0, checked.stderr[-3000:]
    print(f"{lesson}: {len(notebooks)} submissions graded in {seconds:.0f} s")
    reports = re.split(r"^Checking ", checked.stdout, flags=re.M)[1:]  # one per notebook, in the order given
    assert len(reports) == len(variants), checked.stdout
    return lesson, source, results, dict(zip(variants, reports, strict=True))


def test_an_unused_torch_import_keeps_full_marks(graded):
    _, _, results, _ = graded
    result = results[HONEST]
    assert result["scores"] == result["max_scores"], result["messages"]
    assert not [flag for flag in result["flags"] if "reached" in flag], result["flags"]


def _users(source, grade_id) -> set[str]:
    """The test cells of the other graded functions that call `grade_id` (in their solution, as lstm_forward calls
    lstm_cell_forward, or in their tests, as greedy_decode's build a Seq2Seq), directly or through another graded
    function (as lstm_backward calls lstm_forward): a delegation costs these too."""
    cells = cells_by_id(source)
    graded = set(solution_ids(source))

    def callers(name) -> set[str]:
        found = set()
        for other in graded - {name}:
            sources = [cells[other].source] + [cells[t].source for t in grading_cells_of(source, other)]
            if any(name in {n.id for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name)} for code in sources):
                found.add(other)
        return found

    reached, pending = set(), [grade_id]
    while pending:
        for other in callers(pending.pop()) - reached - {grade_id}:
            reached.add(other)
            pending.append(other)
    return {test for other in reached for test in grading_cells_of(source, other)}


def test_each_delegation_loses_exactly_its_functions_points_and_is_flagged(graded):
    lesson, source, results, _ = graded
    for _, grade_id, route in [v for v in _variants() if v[0] == lesson]:
        result = results[_student(grade_id, route)]
        named = f"{grade_id} ({EXERCISES[lesson][grade_id]}) {REACHED[route.split(',')[0]]}"
        own, users = set(grading_cells_of(source, grade_id)), _users(source, grade_id)
        assert own, grade_id
        for test_id, points in result["max_scores"].items():
            if test_id in users:
                continue
            expected = 0.0 if test_id in own else points
            assert result["scores"][test_id] == expected, (grade_id, route, test_id, result["messages"].get(test_id))
        assert all(named in result["messages"][test_id] for test_id in own), (named, result["messages"])
        assert [flag for flag in result["flags"] if named in flag], (named, result["flags"])


def test_check_withholds_the_points_and_says_why(graded):
    """`./course check` (one call for the lesson, one variant per route): the same verdicts as `grade`, and why."""
    lesson, source, _, reports = graded
    for student, output in reports.items():
        grade_id = student.split("__")[0]
        lines = {line.split()[0]: line for line in output.splitlines() if line.startswith("  ")}
        for test_id in grading_cells_of(source, grade_id):
            assert " 0/" in lines[test_id] and f"{grade_id} ({EXERCISES[lesson][grade_id]}) reached" in lines[test_id], \
                output
        others = [line for test_id, line in lines.items()
                  if test_id not in grading_cells_of(source, grade_id) and test_id not in _users(source, grade_id)]
        assert others and all(line.rstrip().endswith("passed") for line in others), output
