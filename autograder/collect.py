"""Place a learning-management system's export (a folder or a zip, one file per student) into submitted/.

File names must carry the student id. Recognised, in this order:
    Canvas      doejane_12345_678901_01_rnn_cell.ipynb        (name_userid_submissionid_file; late_ allowed)
    Moodle      Jane Doe_12345_assignsubmission_file_01_rnn_cell.ipynb
    plain       <student_id>.ipynb  or  <student_id>_<anything>.ipynb  or  <student_id>-<anything>.ipynb
or pass --pattern with a regular expression that has a named group (?P<student>...).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from autograder.course import ROOT

PATTERNS = [
    r"^(?P<student>[A-Za-z]+)_(?:late_)?\d+_\d+_.+\.ipynb$",  # Canvas: the login-like name
    r"^(?P<student>.+?)_\d+_assignsubmission_file_.+\.ipynb$",  # Moodle: full name
    r"^(?P<student>[A-Za-z0-9][A-Za-z0-9.@\-]*?)(?:[_\-].*)?\.ipynb$",  # plain
]


def student_id(filename: str, patterns: list[str]) -> str | None:
    for pattern in patterns:
        match = re.match(pattern, filename)
        if match:
            return re.sub(r"[^A-Za-z0-9.@\-]+", "_", match.group("student")).strip("_") or None
    return None


def collect(lesson: str, export: Path, submitted: Path | None = None, pattern: str | None = None) -> list[str]:
    """Copy each student's notebook to submitted/<student>/<lesson>/<lesson>.ipynb; return one message per file
    that could not be placed (and per duplicate)."""
    submitted = submitted or ROOT / "submitted"
    patterns = [pattern] if pattern else PATTERNS
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as unpacked:
        if export.is_file() and zipfile.is_zipfile(export):
            with zipfile.ZipFile(export) as archive:
                for member in archive.infolist():
                    name = Path(member.filename).name
                    if member.is_dir() or not name or member.file_size > 200 * 2**20:
                        if name and not member.is_dir():
                            problems.append(f"{member.filename}: larger than 200 MiB, skipped")
                        continue
                    with archive.open(member) as data, open(Path(unpacked) / name, "wb") as out:
                        shutil.copyfileobj(data, out)  # flattened: no path from the archive is trusted
            folder = Path(unpacked)
        elif export.is_dir():
            folder = export
        else:
            return [f"{export}: not a folder or a zip file"]
        placed: dict[str, Path] = {}
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if path.suffix != ".ipynb":
                problems.append(f"{path.name}: not a notebook (.ipynb), skipped")
                continue
            student = student_id(path.name, patterns)
            if student is None:
                problems.append(f"{path.name}: no student id found in the file name, skipped")
                continue
            if student in placed:
                problems.append(f"{path.name}: a second file for student '{student}' "
                                f"(kept {placed[student].name}, the later in name order)")
            target = submitted / student / lesson
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / f"{lesson}.ipynb")
            placed[student] = path
    return problems
