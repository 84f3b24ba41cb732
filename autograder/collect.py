"""Place a learning-management system's export (a folder or a zip, one file per student) into submitted/.

File names must carry the student id. Recognised, in this order:
    Canvas      doejane_12345_678901_01_rnn_cell.ipynb        (name_userid_submissionid_file; late_ allowed)
    Moodle      Jane Doe_12345_assignsubmission_file_01_rnn_cell.ipynb
    Blackboard  Lesson 1_jdoe_attempt_2024-03-01-14-22-05_01_rnn_cell.ipynb
    plain       <student_id>.ipynb  or  <student_id>_<anything>.ipynb  or  <student_id>-<anything>.ipynb
or pass --pattern with a regular expression that has a named group (?P<student>...).

Safe student ids: the id found in the name, with spaces as '_' and accents dropped (Moodle's full names), must
match SAFE_ID: a letter or digit, then up to 63 letters, digits, '.', '_' or '-', and no '..'. Other ids (path
parts, '-rf', '@SUM_1_1', ...) are refused.

Only regular files of the export itself are placed: a symbolic link (in a folder or a zip) is never followed or
placed, nor a device, pipe, socket or hard link to a file elsewhere; a zip member whose path is absolute or has
'..' parts, a name longer than 255 bytes or with control characters, or a file over 200 MiB is refused. When one
student has several files, the latest is kept: by the timestamp in the names where every one has one, otherwise
by modification time. Each refused or superseded file gets one message; the rest are placed. Nothing is written
outside submitted/.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re
import stat
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from autograder.course import ROOT
from autograder.safe_text import printable

PATTERNS = [
    r"^(?P<student>[A-Za-z]+)_(?:late_)?\d+_\d+_.+\.ipynb$",  # Canvas: the login-like name
    r"^(?P<student>.+?)_\d+_assignsubmission_file_.+\.ipynb$",  # Moodle: full name
    r"^.+?_(?P<student>[^_]+)_attempt_\d{4}(?:-\d\d){5}(?:_.*)?\.ipynb$",  # Blackboard
    r"^(?P<student>[A-Za-z0-9][A-Za-z0-9.\-]*?)(?:[_\-].*)?\.ipynb$",  # plain
]
SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
SAFE_ID_TEXT = "a letter or digit, then up to 63 letters, digits, '.', '_' or '-', without '..'"
MAX_BYTES = 200 * 2**20
MAX_NAME_BYTES = 255
# a date and time in a file name, as LMSs write them: 2024-03-01-14-22-05, 20240301T142205, 2024-03-01_14:22:05
TIMESTAMP = re.compile(r"(?<!\d)(\d{4})-?(\d\d)-?(\d\d)[T_ -]?(\d\d)[-:]?(\d\d)[-:]?(\d\d)(?!\d)")


@dataclass
class Candidate:
    """One file of the export that may be a student's submission."""

    shown: str  # its path in the export, printable
    name: str  # its file name
    mtime: float
    read: Callable[[], bytes]  # its content; raises ValueError with a reason if it cannot be read safely


def student_id(filename: str, patterns: list[str]) -> str | None:
    """The safe student id in a file name, or None if there is none (see SAFE_ID)."""
    for pattern in patterns:
        match = re.match(pattern, filename)
        if match:
            return safe_id(match.group("student"))
    return None


def safe_id(raw: str) -> str | None:
    """`raw` with accents dropped and runs of spaces as '_'; None unless the result matches SAFE_ID."""
    ascii_text = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode()
    candidate = re.sub(r"\s+", "_", ascii_text.strip())
    if SAFE_ID.fullmatch(candidate) and ".." not in candidate:
        return candidate
    return None


def _name_problem(name: str) -> str | None:
    if len(name.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
        return f"file name longer than {MAX_NAME_BYTES} bytes"
    if printable(name) != name:
        return "file name with control characters or undecodable bytes"
    return None


def _read_limited(handle) -> bytes:
    data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError("larger than 200 MiB")
    return data


def _zip_candidates(archive: zipfile.ZipFile, problems: list[str]) -> list[Candidate]:
    found = []
    for member in archive.infolist():
        shown = printable(member.filename)
        path = PurePosixPath(member.filename.replace("\\", "/"))
        mode = member.external_attr >> 16
        if member.is_dir():
            continue
        if path.is_absolute() or PureWindowsPath(member.filename).drive or ".." in path.parts:
            problems.append(f"{shown}: its path in the zip leaves the export (absolute or with '..'), not placed")
        elif stat.S_ISLNK(mode):
            problems.append(f"{shown}: a symbolic link, never followed or placed")
        elif stat.S_IFMT(mode) not in (0, stat.S_IFREG):  # 0: the zip records no file type
            problems.append(f"{shown}: not a regular file, not placed")
        elif member.file_size > MAX_BYTES:
            problems.append(f"{shown}: larger than 200 MiB, not placed")
        else:
            def read(member=member) -> bytes:
                try:
                    with archive.open(member) as handle:
                        return _read_limited(handle)
                except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as error:
                    raise ValueError(f"cannot be read from the zip ({printable(error)})") from error

            found.append(Candidate(shown, path.name, _zip_time(member), read))
    return found


def _zip_time(member: zipfile.ZipInfo) -> float:
    try:
        return datetime.datetime(*member.date_time).timestamp()
    except ValueError:
        return 0.0


def _folder_candidates(export: Path, problems: list[str]) -> list[Candidate]:
    """Regular files under `export`, found without following any symbolic link."""
    found = []
    pending = [export]
    while pending:
        folder = pending.pop()
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                shown = printable(os.path.relpath(entry.path, export))
                if entry.is_symlink():
                    problems.append(f"{shown}: a symbolic link, never followed or placed")
                elif entry.is_dir(follow_symlinks=False):
                    pending.append(Path(entry.path))
                elif not entry.is_file(follow_symlinks=False):
                    problems.append(f"{shown}: not a regular file, not placed")
                else:
                    info = entry.stat(follow_symlinks=False)
                    if info.st_nlink > 1:
                        problems.append(f"{shown}: a hard link shared with a file outside the export, not placed")
                        continue

                    def read(path=entry.path) -> bytes:
                        try:
                            descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
                        except OSError as error:
                            raise ValueError(f"cannot be opened ({error.strerror})") from error
                        with os.fdopen(descriptor, "rb") as handle:
                            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                                raise ValueError("not a regular file")
                            return _read_limited(handle)

                    found.append(Candidate(shown, entry.name, info.st_mtime, read))
    return found


def _name_time(name: str) -> str | None:
    match = TIMESTAMP.search(name)
    return "".join(match.groups()) if match else None


def _latest_first(files: list[Candidate]) -> tuple[list[Candidate], str]:
    """The files of one student, latest first, and how 'latest' was decided."""
    if all(_name_time(f.name) for f in files):
        return sorted(files, key=lambda f: (_name_time(f.name), f.name), reverse=True), "by the timestamp in its name"
    return sorted(files, key=lambda f: (f.mtime, f.name), reverse=True), "by modification time"


def _place(data: bytes, submitted: Path, student: str, lesson: str) -> None:
    """Write submitted/<student>/<lesson>/<lesson>.ipynb, refusing any symbolic link on the way."""
    submitted.mkdir(parents=True, exist_ok=True)
    folder = submitted
    for part in (student, lesson):
        folder = folder / part
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            raise ValueError(f"{folder} is not a plain folder")
        folder.mkdir(exist_ok=True)
    if folder.resolve().parent.parent != submitted.resolve():
        raise ValueError(f"{folder} is outside {submitted}")
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".collect-")
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.replace(temporary, folder / f"{lesson}.ipynb")  # replaces a link there, never writes through it


def collect(lesson: str, export: Path, submitted: Path | None = None, pattern: str | None = None) -> list[str]:
    """Copy each student's notebook to submitted/<student>/<lesson>/<lesson>.ipynb; return one message per file
    that was not placed (refused, or superseded by a later file of the same student)."""
    submitted = submitted or ROOT / "submitted"
    patterns = [pattern] if pattern else PATTERNS
    problems: list[str] = []
    with contextlib.ExitStack() as stack:
        if export.is_file() and zipfile.is_zipfile(export):
            try:
                candidates = _zip_candidates(stack.enter_context(zipfile.ZipFile(export)), problems)
            except (zipfile.BadZipFile, OSError) as error:
                return [f"{printable(export)}: a damaged zip file ({printable(error)})"]
        elif export.is_dir():
            candidates = _folder_candidates(export.resolve(), problems)
        else:
            return [f"{printable(export)}: not a folder or a zip file"]
        _place_latest(candidates, lesson, submitted, patterns, problems)
    return problems


def _place_latest(candidates: list[Candidate], lesson: str, submitted: Path, patterns: list[str],
                  problems: list[str]) -> None:
    """Place the latest acceptable file of each student; a message in `problems` for every other file."""
    by_student: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        reason = _name_problem(candidate.name)
        if reason:
            problems.append(f"{candidate.shown}: {reason}, not placed")
        elif not candidate.name.endswith(".ipynb"):
            problems.append(f"{candidate.shown}: not a notebook (.ipynb), not placed")
        elif (student := student_id(candidate.name, patterns)) is None:
            problems.append(f"{candidate.shown}: no safe student id in the file name ({SAFE_ID_TEXT}), not placed")
        else:
            by_student.setdefault(student, []).append(candidate)

    for student, files in sorted(by_student.items()):
        ordered, rule = _latest_first(files)
        for position, candidate in enumerate(ordered):
            try:
                data = candidate.read()
            except ValueError as error:
                problems.append(f"{candidate.shown}: {error}, not placed")
                continue
            try:
                _place(data, submitted, student, lesson)
            except (ValueError, OSError) as error:
                problems.append(f"{candidate.shown}: could not be written ({printable(error)})")
                break
            problems += [f"{older.shown}: a second file for student '{student}' (kept {candidate.shown}, the "
                         f"latest {rule}), not placed" for older in ordered[position + 1:]]
            break
