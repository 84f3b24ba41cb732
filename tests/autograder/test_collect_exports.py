"""`collect` on hostile LMS exports: only regular files of the export are placed, under safe ids, inside submitted/;
one message per refused or superseded file, and every acceptable file is still placed."""

from __future__ import annotations

import os
import re
import stat
import zipfile
from pathlib import Path

import pytest
from scratch_course import LESSON, ROOT, cli, copy_course

from autograder.collect import PATTERNS, SAFE_ID, collect, safe_id, student_id

NOTEBOOK = (ROOT / "release" / LESSON / f"{LESSON}.ipynb").read_bytes()


def placed(submitted: Path) -> dict[str, bytes]:
    """{student: bytes of submitted/<student>/<lesson>/<lesson>.ipynb}, and nothing else in submitted/."""
    found = {}
    for path in sorted(submitted.rglob("*")):
        if path.is_file() or path.is_symlink():
            relative = path.relative_to(submitted).parts
            assert relative[1:] == (LESSON, f"{LESSON}.ipynb") and not path.is_symlink(), path
            found[relative[0]] = path.read_bytes()
    return found


def tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _symlink_member(archive: zipfile.ZipFile, name: str, target: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive.writestr(info, target)


@pytest.mark.parametrize("raw, expected", [
    ("doejane", "doejane"), ("Jane Doe", "Jane_Doe"), ("José Núñez", "Jose_Nunez"), ("s1234567", "s1234567"),
    ("a.b-c_d", "a.b-c_d"), ("-rf", None), ("@SUM_1_1", None), ("..", None), ("a..b", None), ("../../etc", None),
    ("a/b", None), ("", None), (".hidden", None), ("x" * 64, "x" * 64), ("x" * 65, None), ("a\x1b[2J", None),
    ("=cmd|' /C calc'!A0", None),
])
def test_safe_ids_follow_the_documented_pattern(raw, expected):
    assert safe_id(raw) == expected
    if expected:
        assert SAFE_ID.fullmatch(expected)


@pytest.mark.parametrize("name", ["-rf.ipynb", "@SUM_1_1.ipynb", "-rf_12_34_x.ipynb", "..ipynb", ".._1_x.ipynb",
                                  "@SUM_1_1_12_assignsubmission_file_x.ipynb"])
def test_names_without_a_safe_id_are_refused(name):
    assert student_id(name, PATTERNS) is None


def test_a_hostile_zip_places_the_good_files_and_explains_each_refusal(tmp_path):
    export = tmp_path / "export.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("submissions/good_1_2_01_rnn_cell.ipynb", NOTEBOOK)
        archive.writestr("../../traversal_1_2_x.ipynb", NOTEBOOK)
        archive.writestr("/abs_1_2_x.ipynb", NOTEBOOK)
        archive.writestr("a/..", NOTEBOOK)  # the member that crashed collect
        archive.writestr("long" + "g" * 300 + "_1_2_x.ipynb", NOTEBOOK)
        archive.writestr("plain_" + "x" * 300 + ".ipynb", NOTEBOOK)
        archive.writestr("odd\x1b[31m_1_2_x.ipynb", NOTEBOOK)
        archive.writestr("-rf.ipynb", NOTEBOOK)
        archive.writestr("@SUM_1_1.ipynb", NOTEBOOK)
        _symlink_member(archive, "linked_1_2_x.ipynb", str(ROOT / "source" / LESSON / f"{LESSON}.ipynb"))
        _symlink_member(archive, "inside_1_2_x.ipynb", "submissions/good_1_2_01_rnn_cell.ipynb")
        fifo = zipfile.ZipInfo("fifo_1_2_x.ipynb")
        fifo.external_attr = (stat.S_IFIFO | 0o644) << 16
        archive.writestr(fifo, NOTEBOOK)
        archive.writestr("notes.txt", "hello")
    submitted = tmp_path / "course" / "submitted"
    before = tree(tmp_path)
    problems = collect(LESSON, export, submitted)
    assert placed(submitted) == {"good": NOTEBOOK}
    assert tree(tmp_path) - before <= {"course", "course/submitted"} | {str(p.relative_to(tmp_path))
                                                                        for p in submitted.rglob("*")}
    expected = {"traversal": "leaves the export", "abs_1_2": "leaves the export", "a/..": "leaves the export",
                "longgg": "longer than 255 bytes", "plain_xxx": "longer than 255 bytes",
                "odd\\x1b[31m": "control characters", "-rf.ipynb": "no safe student id",
                "@SUM_1_1.ipynb": "no safe student id", "linked_1_2": "symbolic link", "inside_1_2": "symbolic link",
                "fifo_1_2": "not a regular file", "notes.txt": "not a notebook"}
    assert len(problems) == len(expected), problems
    for start, reason in expected.items():
        [message] = [p for p in problems if start in p.split(":")[0]]
        assert reason in message, message
    assert all(printable_only(p) for p in problems)


def printable_only(text: str) -> bool:
    """No control character but the newlines between messages."""
    return not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text)


def test_a_folder_export_never_follows_or_places_a_link(tmp_path):
    export = tmp_path / "export"
    (export / "sub").mkdir(parents=True)
    (export / "good_1_2_x.ipynb").write_bytes(NOTEBOOK)
    secret = ROOT / "source" / LESSON / f"{LESSON}.ipynb"
    (export / "thief_1_2_x.ipynb").symlink_to(secret)  # placed the instructor's source as a submission
    (export / "inner_1_2_x.ipynb").symlink_to(export / "good_1_2_x.ipynb")
    (export / "outside").symlink_to(secret.parent, target_is_directory=True)
    (export / "sub" / "deep_1_2_x.ipynb").write_bytes(NOTEBOOK)
    os.mkfifo(export / "pipe_1_2_x.ipynb")
    os.link(export / "sub" / "deep_1_2_x.ipynb", export / "hard_1_2_x.ipynb")
    submitted = tmp_path / "submitted"
    problems = collect(LESSON, export, submitted)
    assert set(placed(submitted)) == {"good"}  # deep shares its file with a hard link: both refused
    assert placed(submitted)["good"] == NOTEBOOK
    for name, reason in {"thief_1_2_x.ipynb": "symbolic link", "inner_1_2_x.ipynb": "symbolic link",
                         "outside": "symbolic link", "pipe_1_2_x.ipynb": "not a regular file",
                         "hard_1_2_x.ipynb": "hard link", "sub/deep_1_2_x.ipynb": "hard link"}.items():
        [message] = [p for p in problems if p.startswith(f"{name}:")]
        assert reason in message
    assert len(problems) == 6, problems


def test_duplicates_keep_the_latest_and_say_which(tmp_path):
    export = tmp_path / "export"
    export.mkdir()
    versions = {}
    for name, when in [("ann_1_2_x.ipynb", 1_700_000_300), ("ann_late_1_3_x.ipynb", 1_700_000_100),
                       ("ann_1_4_x.ipynb", 1_700_000_200)]:
        versions[name] = NOTEBOOK + name.encode()
        (export / name).write_bytes(versions[name])
        os.utime(export / name, (when, when))
    for name in ["Bo_attempt_2024-03-02-09-00-00_x.ipynb", "Bo_attempt_2024-03-01-23-59-59_x.ipynb"]:
        versions[name] = NOTEBOOK + name.encode()
        (export / f"L1_{name}").write_bytes(versions[name])
        os.utime(export / f"L1_{name}", (1_800_000_000, 1_800_000_000) if "03-01" in name else None)
    submitted = tmp_path / "submitted"
    problems = collect(LESSON, export, submitted)
    assert placed(submitted) == {"ann": versions["ann_1_2_x.ipynb"],
                                 "Bo": versions["Bo_attempt_2024-03-02-09-00-00_x.ipynb"]}
    assert sorted(problems) == sorted([
        "ann_1_4_x.ipynb: a second file for student 'ann' (kept ann_1_2_x.ipynb, the latest by modification time), "
        "not placed",
        "ann_late_1_3_x.ipynb: a second file for student 'ann' (kept ann_1_2_x.ipynb, the latest by modification "
        "time), not placed",
        "L1_Bo_attempt_2024-03-01-23-59-59_x.ipynb: a second file for student 'Bo' (kept "
        "L1_Bo_attempt_2024-03-02-09-00-00_x.ipynb, the latest by the timestamp in its name), not placed"])


def test_a_link_planted_in_submitted_is_replaced_not_written_through(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    folder = tmp_path / "submitted" / "eve" / LESSON
    folder.mkdir(parents=True)
    (folder / f"{LESSON}.ipynb").symlink_to(victim)
    export = tmp_path / "export"
    export.mkdir()
    (export / "eve_1_2_x.ipynb").write_bytes(NOTEBOOK)
    assert collect(LESSON, export, tmp_path / "submitted") == []
    assert victim.read_text() == "untouched" and placed(tmp_path / "submitted") == {"eve": NOTEBOOK}


def test_the_command_line_collects_a_hostile_export_into_the_course(tmp_path):
    course = copy_course(tmp_path / "course")
    export = tmp_path / "export.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("alice_1_2_01_rnn_cell.ipynb", NOTEBOOK)
        archive.writestr("bob.ipynb", NOTEBOOK)
        archive.writestr("../../../escape_1_2_x.ipynb", NOTEBOOK)
        archive.writestr("-rf.ipynb", NOTEBOOK)
        archive.writestr("\x1b]0;owned\x07evil_1_2_x.ipynb", NOTEBOOK)
        _symlink_member(archive, "mallory_1_2_x.ipynb", "../source/01_rnn_cell/01_rnn_cell.ipynb")
    before = tree(tmp_path)
    run = cli(course, "collect", LESSON, str(export))
    assert run.returncode == 0, run.stderr
    assert set(placed(course / "submitted")) == {"alice", "bob"}
    assert all(p.startswith("course/submitted") or "__pycache__" in p for p in tree(tmp_path) - before)
    refused = run.stderr.strip().splitlines()
    assert len(refused) == 4 and all(line.startswith("could not place: ") for line in refused), run.stderr
    assert printable_only(run.stdout + run.stderr)
    assert "2 student folder(s); 4 file(s) need attention" in run.stdout
