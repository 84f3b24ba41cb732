"""Grades out of the gradebook as CSV, and feedback HTML per student through nbgrader."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from autograder.course import ROOT, lesson_notebook, run_nbgrader
from autograder.notebooks import read
from autograder.safe_feedback import MAX_FEEDBACK_BYTES, html_leaks, safe_feedback
from autograder.safe_text import printable

MAX_HTML_BYTES = MAX_FEEDBACK_BYTES + 2**20  # the notebook's cap and nbgrader's page template (its CSS)


def export_csv(db_url: str, output: Path, root: Path = ROOT) -> int:
    """One row per student and lesson: total, maximum, every test cell's score, and the number of flags."""
    rows = []
    with Gradebook(db_url) as gradebook:
        for assignment in gradebook.assignments:
            flags_file = root / "flags" / f"{assignment.name}.json"
            flags = json.loads(flags_file.read_text()) if flags_file.exists() else []
            cells = [cell.name for notebook in assignment.notebooks for cell in notebook.grade_cells]
            for student in gradebook.students:
                try:
                    submission = gradebook.find_submission(assignment.name, student.id)
                except Exception:  # no submission: nothing to export for this pair
                    continue
                scores = {g.name: g.score for notebook in submission.notebooks for g in notebook.grades}
                row = {"student_id": student.id, "lesson": assignment.name, "score": submission.score,
                       "max_score": submission.max_score,
                       "flags": sum(1 for flag in flags if flag["student"] == student.id)}
                row.update({cell: scores.get(cell, 0.0) for cell in cells})
                rows.append(row)
    columns = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    with open(output, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns or ["student_id", "lesson", "score", "max_score", "flags"])
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def _generate(lesson: str, db_url: str, root: Path, student: str | None = None) -> str | None:
    """nbgrader generate_feedback for the class or one student; the error, if it failed."""
    only = [f"--CourseDirectory.student_id={student}"] if student else []
    try:
        run_nbgrader(["generate_feedback", lesson, "--force", *only], root,
                     db_url=db_url)
    except RuntimeError as error:
        return str(error).strip().splitlines()[-1][-300:] if str(error).strip() else "nbgrader failed"
    return None


def feedback(lesson: str, db_url: str, root: Path = ROOT) -> list[Path]:
    """Feedback HTML per student from the autograded notebooks (made safe again first: autograder.safe_feedback),
    through nbgrader generate_feedback; the HTML files written.

    A student nbgrader cannot make feedback for does not stop the others; each such student, and any page over
    MAX_HTML_BYTES or holding hidden-test text (then removed), gets a message on stderr.
    """
    source = read(lesson_notebook(lesson, root=root))
    students = {}
    for path in sorted((root / "autograded").glob(f"*/{lesson}/{lesson}.ipynb")):
        try:
            nbformat.write(safe_feedback(read(path), source), str(path))
            students[path.parent.parent.name] = path
        except Exception as error:  # an unreadable file: no feedback for it, and say so
            print(f"no feedback for {printable(path.parent.parent.name)}: {printable(error)}", file=sys.stderr)
    if _generate(lesson, db_url, root):
        for student in students:
            if not _page(root, student, lesson).exists() and (error := _generate(lesson, db_url, root, student)):
                print(f"no feedback for {printable(student)}: {printable(error)}", file=sys.stderr)
    for student, path in students.items():
        page = _page(root, student, lesson)
        if page.exists() and page.stat().st_size > MAX_HTML_BYTES:  # text that grows as HTML: a tighter cap
            nbformat.write(safe_feedback(read(path), source, MAX_FEEDBACK_BYTES // 4), str(path))
            _generate(lesson, db_url, root, student)
        if page.exists() and (page.stat().st_size > MAX_HTML_BYTES or html_leaks(page.read_text(), source)):
            page.unlink()
            print(f"no feedback for {printable(student)}: its page was too large or held hidden-test text",
                  file=sys.stderr)
    return sorted((root / "feedback").glob(f"*/{lesson}/*.html"))


def _page(root: Path, student: str, lesson: str) -> Path:
    return root / "feedback" / student / lesson / f"{lesson}.html"
