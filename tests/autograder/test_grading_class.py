"""A class of 12 synthetic submissions (the benchmark grades 20): the same scores serially, in parallel, twice, and in PostgreSQL.

The expected score of every test cell is computed a third way: the lesson's test cells run in this process
against the student's own solution cells. Last, the instructor's commands run on a scratch copy of the course.
"""

import contextlib
import io

import nbformat
import pytest
from classroom import LESSON, synthetic_class
from conftest import solved
from nbgrader.utils import is_solution
from notebook_tools import run_cells

from autograder.course import autograded_notebook, gradebook_url, lesson_notebook, make_course
from autograder.export import export_csv
from autograder.gradebook import record
from autograder.notebooks import cells_by_id, max_scores, read, solution_ids
from autograder.options import Options
from autograder.pool import grade_all
from autograder.verify import defined_names

pytest_plugins = ["grader_fixtures"]  # lesson 01's source and zygote, a PostgreSQL server


def _totals(results):
    return {student: (result.total, result.scores) for student, result in results.items()}


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    inbox = tmp_path_factory.mktemp("inbox")
    submissions = synthetic_class(inbox, 12)
    course = make_course(tmp_path_factory.mktemp("course"), [LESSON])
    runs = {
        "serial": grade_all(LESSON, submissions, Options(workers=1), root=course, progress=False),
        "parallel": grade_all(LESSON, submissions, Options(workers=2), root=course, progress=False),
        "parallel_again": grade_all(LESSON, submissions, Options(workers=2), root=course, progress=False),
    }
    return {"submissions": submissions, "course": course, "runs": runs}


def test_serial_parallel_and_repeated_grading_agree(graded_class):
    runs = graded_class["runs"]
    assert _totals(runs["serial"]) == _totals(runs["parallel"]) == _totals(runs["parallel_again"])
    totals = sorted(result.total for result in runs["parallel"].values())
    assert len(set(totals)) >= 4, f"the class should spread over several scores: {totals}"


def test_scores_match_the_test_cells_run_directly(graded_class, root):
    source = read(lesson_notebook(LESSON, root=root))
    cells = cells_by_id(source)
    points = max_scores(source)
    for student, path in graded_class["submissions"].items():
        result = graded_class["runs"]["parallel"][student]
        if path.stat().st_size == 0:
            assert result.total == 0
            continue
        submission = read(path)
        namespace = solved(LESSON)  # the setup cell's names; the student's answers replace the solutions below
        for grade_id in solution_ids(source):
            for name in defined_names(cells[grade_id].source):
                namespace.pop(name, None)
        for solution in [c.source for c in submission.cells if is_solution(c)]:
            with contextlib.suppress(Exception):
                run_cells([solution], namespace)
        for grade_id in points:
            try:
                with contextlib.redirect_stderr(io.StringIO()):
                    run_cells([cells[grade_id].source], dict(namespace))
                expected = points[grade_id]
            except Exception:
                expected = 0
            assert result.scores[grade_id] == expected, (student, grade_id, result.messages.get(grade_id))


def test_postgresql_gradebook_gives_the_same_scores_as_sqlite(graded_class, postgres_url, tmp_path):
    results = graded_class["runs"]["parallel"]
    exports = {}
    for name, url in {"sqlite": gradebook_url(tmp_path), "postgresql": postgres_url}.items():
        course = make_course(tmp_path / name, [LESSON])
        record(LESSON, results, url, root=course)
        export_csv(url, tmp_path / f"{name}.csv", root=course)
        exports[name] = sorted((tmp_path / f"{name}.csv").read_text().splitlines())
        feedback_notebook = read(autograded_notebook("student00", LESSON, course))
        nbformat.validate(feedback_notebook)
    assert exports["sqlite"] == exports["postgresql"]
    assert len(exports["sqlite"]) == len(results) + 1
