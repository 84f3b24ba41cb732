"""Every lesson graded by real `nbgrader autograde` in scratch courses (four submissions, two nbgrader runs side by
side) and by the course's own trusted grader (the path of `./course check` and `./course grade`):

- the source notebook (solutions in place) scores 100/100;
- the release notebook, untouched, scores 0 on every graded cell and still runs to the end;
- a release notebook filled with differently written correct solutions scores 100 (every other alternative is run
  against the same test cells in test_lesson_variants.py);
- a release notebook filled with plausible wrong solutions loses points on every exercise.
"""

from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest
from conftest import LESSONS, ROOT
from notebook_tools import with_solutions
from plain_nbgrader import autograde
from test_lesson_variants import variants

from autograder.notebooks import read, solution_ids
from autograder.options import Options
from autograder.submission import grade_one
from autograder.zygotes import close_zygotes


@pytest.fixture(scope="module", params=LESSONS)
def graded(request, tmp_path_factory):
    lesson = request.param
    module = variants(lesson)
    release = read(ROOT / "release" / lesson / f"{lesson}.ipynb")
    ids = solution_ids(release)
    notebooks = {
        "solution": read(ROOT / "source" / lesson / f"{lesson}.ipynb"),
        "untouched": release,
        "mistakes": with_solutions(release, {g: module.MUTANTS[g][module.WRONG[g]] for g in ids}),
        "alternatives": with_solutions(release, {g: list(module.ALTERNATIVES[g].values())[1] for g in ids}),
    }
    inbox = tmp_path_factory.mktemp("inbox")
    paths = {}
    for student, notebook in notebooks.items():
        paths[student] = inbox / f"{student}.ipynb"
        nbformat.write(notebook, str(paths[student]))
    # Two scratch courses graded side by side, one nbgrader process per core (each is serial and single-threaded);
    # meanwhile the trusted grader (learner cells in a sandbox, test cells here) grades three of them.
    groups = [dict(list(paths.items())[start::2]) for start in (0, 1)]
    courses = [tmp_path_factory.mktemp("course") for _ in groups]
    with ThreadPoolExecutor(len(groups)) as pool:
        runs = [pool.submit(autograde, lesson, group, course) for group, course in zip(groups, courses, strict=True)]
        try:
            trusted = {student: grade_one(lesson, student, paths[student], None, Options(in_kernel=False)).scores
                       for student in ("solution", "untouched", "mistakes")}
        finally:
            close_zygotes()
        results = [run.result() for run in runs]
    course_of = {student: course for group, course in zip(groups, courses, strict=True) for student in group}
    scores = {student: score for result in results for student, score in result.items()}
    scores.update({f"trusted_{student}": score for student, score in trusted.items()})
    return lesson, course_of, scores


def _max_points(lesson):
    notebook = read(ROOT / "source" / lesson / f"{lesson}.ipynb")
    return {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"] for c in notebook.cells
            if c.metadata.get("nbgrader", {}).get("grade")}


def test_correct_solutions_score_full_marks(graded):
    lesson, _, scores = graded
    for student in ("solution", "alternatives", "trusted_solution"):
        assert scores[student] == pytest.approx(_max_points(lesson)), (student, scores[student])


def test_untouched_release_scores_zero_everywhere_and_runs_to_the_end(graded):
    lesson, course_of, scores = graded
    assert set(scores["untouched"].values()) == {0.0}, scores["untouched"]
    assert set(scores["trusted_untouched"].values()) == {0.0}, scores["trusted_untouched"]
    autograded = read(course_of["untouched"] / "autograded" / "untouched" / lesson / f"{lesson}.ipynb")
    unexecuted = [i for i, c in enumerate(autograded.cells) if c.cell_type == "code" and c.execution_count is None]
    assert not unexecuted, f"cells never executed: {unexecuted}"


def test_plausible_mistakes_lose_points_on_every_exercise(graded):
    lesson, _, scores = graded
    points = _max_points(lesson)
    for grade_id in variants(lesson).WRONG:
        cells = [g for g in points if g == f"test_{grade_id}" or g.startswith(f"test_{grade_id}_")]
        for student in ("mistakes", "trusted_mistakes"):
            earned = sum(scores[student][g] for g in cells)
            assert earned < sum(points[g] for g in cells), f"{grade_id}: the mistake kept full marks ({student})"
