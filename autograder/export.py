"""Grades out of the gradebook as CSV, and feedback HTML per student through nbgrader."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from nbgrader.api import Gradebook

from autograder.course import ROOT, run_nbgrader


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


def feedback(lesson: str, db_url: str, root: Path = ROOT) -> list[Path]:
    """nbgrader generate_feedback over the (hidden-test-free) autograded notebooks; the HTML files written."""
    run_nbgrader(["generate_feedback", lesson, "--force"], root, db_url=db_url)
    return sorted((root / "feedback").glob(f"*/{lesson}/*.html"))
