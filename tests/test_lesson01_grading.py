"""Lesson 01 graded by real `nbgrader autograde` in a scratch course: one run grades five submissions.

- the source notebook (solutions in place) scores 100/100;
- the release notebook, untouched, scores 0 on every graded cell and still runs to the end;
- release notebooks filled with differently written correct solutions score 100;
- a release notebook filled with plausible wrong solutions loses points on every exercise.
"""

import nbformat
import pytest
from lesson01_variants import ALTERNATIVES, MUTANTS

from autograder.grading import autograde
from autograder.notebooks import read, solution_ids, with_solutions

LESSON = "01_rnn_cell"
WRONG = {  # one plausible mistake per graded cell, chosen to be caught by the visible tests too
    "rnn_cell_forward": "ignores h_prev", "linear_output": "missing bias", "softmax": "always the last axis",
    "rnn_param_count": "two cell biases", "checkpoint_translation": "many-to-many",
    "checkpoint_param_growth": "linear", "checkpoint_jordan": "hidden state", "checkpoint_tanh_slope": "slope at 0",
}


@pytest.fixture(scope="module")
def graded(root, tmp_path_factory):
    release = read(root / "release" / LESSON / f"{LESSON}.ipynb")
    ids = solution_ids(release)
    notebooks = {
        "solution": read(root / "source" / LESSON / f"{LESSON}.ipynb"),
        "untouched": release,
        "alternatives_a": with_solutions(release, {g: list(ALTERNATIVES[g].values())[0] for g in ids}),
        "alternatives_b": with_solutions(release, {g: list(ALTERNATIVES[g].values())[1] for g in ids}),
        "mistakes": with_solutions(release, {g: MUTANTS[g][WRONG[g]] for g in ids}),
    }
    inbox = tmp_path_factory.mktemp("inbox")
    paths = {}
    for student, notebook in notebooks.items():
        paths[student] = inbox / f"{student}.ipynb"
        nbformat.write(notebook, str(paths[student]))
    course = tmp_path_factory.mktemp("course")
    return course, autograde(LESSON, paths, course)


def _max_points(root):
    notebook = read(root / "source" / LESSON / f"{LESSON}.ipynb")
    return {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"] for c in notebook.cells
            if c.metadata.get("nbgrader", {}).get("grade")}


def test_lesson_totals_100_points(root):
    assert sum(_max_points(root).values()) == 100


@pytest.mark.parametrize("student", ["solution", "alternatives_a", "alternatives_b"])
def test_correct_solutions_score_full_marks(root, graded, student):
    _, scores = graded
    assert scores[student] == pytest.approx(_max_points(root)), scores[student]


def test_untouched_release_scores_zero_everywhere_and_runs_to_the_end(graded):
    course, scores = graded
    assert set(scores["untouched"].values()) == {0.0}, scores["untouched"]
    autograded = read(course / "autograded" / "untouched" / LESSON / f"{LESSON}.ipynb")
    unexecuted = [i for i, c in enumerate(autograded.cells) if c.cell_type == "code" and c.execution_count is None]
    assert not unexecuted, f"cells never executed: {unexecuted}"


def test_plausible_mistakes_lose_points_on_every_exercise(root, graded):
    _, scores = graded
    points = _max_points(root)
    for grade_id in WRONG:
        cells = [g for g in points if g == f"test_{grade_id}" or g.startswith(f"test_{grade_id}_")]
        earned = sum(scores["mistakes"][g] for g in cells)
        assert earned < sum(points[g] for g in cells), f"{grade_id}: the mistake kept full marks"
