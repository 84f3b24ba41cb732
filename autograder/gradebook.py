"""nbgrader's gradebook (SQLite or PostgreSQL, nbgrader's own schema): the scores read from it, and a graded
class recorded into it with its feedback notebooks (autograded/) and flags (flags/) beside it."""

from __future__ import annotations

import json
import shutil
import tempfile
import warnings
from dataclasses import asdict
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from autograder.course import ROOT, autograded_notebook, flags_file, generate_assignment, results_file
from autograder.result import Result


def quiet_gradebook() -> None:
    """nbgrader's gradebook code triggers SQLAlchemy warnings that say nothing about the grades."""
    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)


def scores(db_url: str, lesson: str, students: list[str]) -> dict[str, dict[str, float]]:
    """{student: {grade_id: score}} for one lesson, from the gradebook at db_url."""
    result = {}
    with Gradebook(db_url) as gradebook:
        for student in students:
            submission = gradebook.find_submission(lesson, student)
            result[student] = {grade.name: float(grade.score) for notebook in submission.notebooks
                               for grade in notebook.grades}
    return result


def _knows(db_url: str, lesson: str) -> bool:
    with Gradebook(db_url) as gradebook:
        try:
            gradebook.find_assignment(lesson)
            return True
        except MissingEntry:
            return False


def register_lesson(lesson: str, db_url: str, root: Path = ROOT) -> None:
    """Make the gradebook at db_url know the lesson's test cells and points, never the text of its hidden tests:
    a gradebook outside the course folder (a --db URL) is one more place a learner's code could read."""
    from autograder.template import prepare_template  # the lesson without its hidden tests, in a scratch course

    with tempfile.TemporaryDirectory(prefix=f"register-{lesson}-") as scratch:
        course = prepare_template(lesson, Path(scratch) / "course", root)
        generate_assignment(lesson, course, db_url=db_url, release_folder=Path(scratch) / "release-unused")


def record(lesson: str, results: dict[str, Result], db_url: str, root: Path = ROOT, extra_flags=()) -> None:
    """Write scores to the gradebook, feedback notebooks to autograded/, flags to flags/<lesson>.json."""
    quiet_gradebook()
    if not _knows(db_url, lesson):
        register_lesson(lesson, db_url, root)
    with Gradebook(db_url) as gradebook:
        for student, result in results.items():
            gradebook.update_or_create_student(student)
            submission = gradebook.update_or_create_submission(lesson, student)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    grade.auto_score = result.scores.get(grade.name, 0.0)
                    grade.needs_manual_grade = False
            gradebook.db.commit()
    for student, result in results.items():
        path = autograded_notebook(student, lesson, root)
        shutil.rmtree(path.parent, ignore_errors=True)
        path.parent.mkdir(parents=True)
        if result.feedback is not None:
            nbformat.write(nbformat.from_dict(result.feedback), str(path))
    flags = [{"student": "", "flag": flag} for flag in extra_flags]
    flags += [{"student": s, "flag": f} for s, r in results.items() for f in r.flags]
    flags_file(lesson, root).parent.mkdir(exist_ok=True)
    flags_file(lesson, root).write_text(json.dumps(flags, indent=1))
    results_file(lesson, root).write_text(json.dumps(
        {s: {k: v for k, v in asdict(r).items() if k != "feedback"} for s, r in results.items()}, indent=1))


def read_flags(lesson: str, root: Path = ROOT) -> list[dict]:
    """The flags recorded for a lesson ({"student": ..., "flag": ...}; student "" for the collection's own)."""
    path = flags_file(lesson, root)
    return json.loads(path.read_text()) if path.exists() else []
