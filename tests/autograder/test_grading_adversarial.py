"""The adversarial corpus of the course design (section 9), graded as an instructor would grade it.

Every submission starts from the correct solutions of lesson 01 and adds one attack or accident. For each:
the score is what an honest grader would give, feedback exists and shows no hidden test, the other
submissions and the gradebook are intact, and the run ends.
"""

import hashlib
import json
import socket
import threading
from pathlib import Path

import nbformat
import pytest
from classroom import LESSON
from lesson01_variants import MUTANTS
from notebook_tools import with_solutions

from autograder.course import find_submissions, gradebook_url, lesson_notebook, make_course, submission_notebook
from autograder.export import export_csv, feedback
from autograder.gradebook import record
from autograder.notebooks import grade_id, read
from autograder.options import Options
from autograder.pool import grade_all

ALL = 100.0
PROBE_PORT = 47811


def _add_cell(notebook, source, position=None):
    notebook = nbformat.from_dict(json.loads(json.dumps(notebook)))
    cell = nbformat.v4.new_code_cell(source)
    notebook.cells.insert(len(notebook.cells) if position is None else position, cell)
    return notebook


def _position_after(notebook, identifier):
    return next(i for i, c in enumerate(notebook.cells) if grade_id(c) == identifier) + 1


def _corpus(source, release, repo, course):
    """{student: (notebook or raw text, file name, expected score)}"""
    wrong_cell = MUTANTS["rnn_cell_forward"]["ignores h_prev"]
    cases = {
        "honest": (source, None, ALL),
        "infinite_loop_cell": (_add_cell(source, "while True:\n    pass", 3), None, ALL),
        "infinite_loop_function": (with_solutions(source, {"rnn_param_count": "def rnn_param_count(D, H, O):\n"
                                                           "    while True:\n        pass"}), None, ALL - 15),
        "exception_at_import": (_add_cell(source, "import a_module_that_does_not_exist", 2), None, ALL),
        "syntax_error": (with_solutions(source, {"rnn_cell_forward": "def rnn_cell_forward(x_t, h_prev:\n    pass"}),
                         None, ALL - 30),
        "deleted_test_cell": (nbformat.from_dict({**source, "cells": [
            c for c in source.cells if grade_id(c) != "test_softmax"]}), None, ALL),
        "edited_test_cell_and_wrong_answer": (_edit_test(with_solutions(source, {"rnn_cell_forward": wrong_cell})),
                                              None, ALL - 30),
        "edited_points_and_wrong_answer": (
            _edit_points(with_solutions(source, {"softmax": MUTANTS["softmax"]["not normalised"]})), None, ALL - 20),
        "system_exit": (_add_cell(source, "raise SystemExit('bye')", 3), None, ALL),
        "os_exit_midway": (_add_cell(source, "import os\nos._exit(0)", _position_after(source, "rnn_cell_forward")),
                           None, 30.0),
        "segfault_at_end": (_add_cell(source, "import ctypes\nctypes.string_at(0)"), None, ALL),
        "memory_bomb": (_add_cell(source, "hog = []\nwhile True:\n    hog.append(bytearray(50 * 2**20))", 3), None, ALL),
        "output_flood": (_add_cell(source, "print('x' * 50_000_000)\nfor i in range(200_000):\n    print(i)", 3),
                         None, ALL),
        "stderr_in_correct_solution": (with_solutions(source, {"linear_output": (
            "import sys, warnings\n"
            "def linear_output(h_t, W_y, b_y):\n"
            "    warnings.warn('this is fine')\n"
            "    print('debug', file=sys.stderr)\n"
            "    return h_t @ W_y.T + b_y")}), None, ALL),
        "patched_numpy_and_checks": (with_solutions(source, {"rnn_cell_forward": (
            "import numpy, numpy.testing, utils.checks\n"
            "numpy.allclose = lambda *a, **k: True\n"
            "numpy.testing.assert_allclose = lambda *a, **k: None\n"
            "utils.checks.expect_close = lambda *a, **k: None\n"
            "checks.expect_close = lambda *a, **k: None\n" + wrong_cell)}), None, ALL - 30),
        "blanks_later_cells": (with_solutions(source, {"rnn_cell_forward": (
            "def _blank_tests(lines):\n"
            "    return [] if any('checks.' in line or 'HIDDEN' in line for line in lines) else lines\n"
            "get_ipython().input_transformers_cleanup.append(_blank_tests)\n" + wrong_cell)}), None, ALL - 30),
        "reads_gradebook_and_source": (with_solutions(source, {"checkpoint_translation": (
            "import glob, json, os\n"
            "wiring_for_translation = 'many-to-one'\n"
            "leaks = glob.glob('../../../source/*/*.ipynb') + glob.glob('../../../gradebook.db')\n"
            f"leaks += [p for p in ['{course}/gradebook.db', '{course}/source', '{repo}/source'] if os.path.exists(p)]\n"
            "if leaks:\n    wiring_for_translation = 'encoder-decoder'")}), None, ALL - 5),
        "writes_outside_its_folder": (_add_cell(source, (
            "import os, glob\n"
            f"for target in ['/tmp/pwned', '{course}/pwned', '../pwned', '../../honest/{LESSON}/{LESSON}.ipynb']:\n"
            "    try:\n        open(target, 'w').write('pwned')\n    except OSError:\n        pass")), None, ALL),
        "network_access": (with_solutions(source, {"checkpoint_jordan": (
            "import socket\n"
            "jordan_feedback = 'input'\n"
            "try:\n"
            f"    socket.create_connection(('127.0.0.1', {PROBE_PORT}), timeout=3).sendall(b'leak')\n"
            "    jordan_feedback = 'output'\n"
            "except OSError:\n    pass")}), None, ALL - 5),
        "detects_grading_from_environment": (with_solutions(source, {"checkpoint_param_growth": (
            "import os\n"
            "graded = any(k.startswith('NBGRADER') for k in os.environ)\n"
            "param_growth_with_length = 'linear' if graded else 'constant'")}), None, ALL),
        "prints_every_cell_it_sees": (_add_cell(_add_cell(source, (
            "seen = []\n"
            "get_ipython().events.register('pre_run_cell', lambda info: seen.append(info.raw_cell))"), 2),
            "print('\\n'.join(seen))"), None, ALL),
        "corrupt_file": ('{"cells": [{"cell_type": "code", "sour', None, 0.0),
        "empty_file": ("", None, 0.0),
        "wrong_file_name": (source, "my_homework.ipynb", ALL),
        "untouched_release": (release, None, 0.0),
    }
    return cases


def _edit_test(notebook):
    for cell in notebook.cells:
        if (grade_id(cell) or "").startswith("test_rnn_cell_forward"):
            cell.source = "print('all good')"
    return notebook


def _edit_points(notebook):
    for cell in notebook.cells:
        if (grade_id(cell) or "").startswith("test_softmax"):
            cell.metadata.nbgrader.update(points=0, grade=False)
    return notebook


@pytest.fixture(scope="module")
def graded(root, tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("course"), [LESSON])
    source = read(lesson_notebook(LESSON, root=root))
    release = read(lesson_notebook(LESSON, "release", root))
    cases = _corpus(source, release, root, course)
    Path("/tmp/pwned").unlink(missing_ok=True)
    for student, (content, name, _) in cases.items():
        path = submission_notebook(student, LESSON, course)
        path.parent.mkdir(parents=True)
        path = path.with_name(name or path.name)
        if isinstance(content, str):
            path.write_text(content)
        else:
            nbformat.write(content, str(path))
    honest_file = submission_notebook("honest", LESSON, course)
    honest_hash = hashlib.sha256(honest_file.read_bytes()).hexdigest()

    received = []
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", PROBE_PORT))
    server.listen()
    server.settimeout(1)

    def listen():
        while not stop.is_set():
            try:
                received.append(server.accept())
            except OSError:
                pass

    stop = threading.Event()
    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    try:
        submissions, folder_flags = find_submissions(LESSON, course)
        # 30 s per cell: the infinite loops are still cut soon, and the setup cell (5 s idle: torch's import in a
        # fresh sandboxed kernel) keeps its margin while the browser tests load the other core.
        results = grade_all(LESSON, submissions, Options(workers=2, cell_timeout=30, submission_timeout=240),
                            root=course, progress=False)
        db_url = gradebook_url(course)
        record(LESSON, results, db_url, root=course, extra_flags=folder_flags)
        html = feedback(LESSON, db_url, root=course)
        export_csv(db_url, course / "grades.csv", root=course)
    finally:
        stop.set()
        thread.join()
        server.close()
    return {"course": course, "cases": cases, "results": results, "html": html, "received": received,
            "folder_flags": folder_flags, "honest_hash": honest_hash, "db_url": db_url}


@pytest.mark.parametrize("student", [
    "honest", "infinite_loop_cell", "infinite_loop_function", "exception_at_import", "syntax_error",
    "deleted_test_cell", "edited_test_cell_and_wrong_answer", "edited_points_and_wrong_answer", "system_exit",
    "os_exit_midway", "segfault_at_end", "memory_bomb", "output_flood", "stderr_in_correct_solution",
    "patched_numpy_and_checks", "blanks_later_cells", "reads_gradebook_and_source", "writes_outside_its_folder",
    "network_access", "detects_grading_from_environment", "prints_every_cell_it_sees", "corrupt_file", "empty_file",
    "wrong_file_name", "untouched_release",
])
def test_each_case_gets_an_honest_grade_and_feedback(graded, student):
    expected = graded["cases"][student][2]
    result = graded["results"][student]
    assert result.total == expected, f"{result.total} != {expected}; failed: {result.messages}; flags: {result.flags}"
    html = [p for p in graded["html"] if p.parent.parent.name == student]
    assert html, f"no feedback for {student}"
    text = html[0].read_text()
    for secret in ("BEGIN HIDDEN TESTS", "hidden_rng", "assert answer =="):  # hidden test code, not its hints
        assert secret not in text, f"feedback of {student} shows hidden test text {secret!r}"


def test_cheats_are_flagged_for_the_instructor(graded):
    flags = {s: " ".join(r.flags) for s, r in graded["results"].items()}
    assert "suspected tampering" in flags["patched_numpy_and_checks"]
    assert "suspected tampering" in flags["blanks_later_cells"]
    assert "suspicious code" in flags["reads_gradebook_and_source"]
    assert "not a readable notebook" in flags["corrupt_file"] and "not a readable notebook" in flags["empty_file"]
    assert any("my_homework.ipynb" in flag for flag in graded["folder_flags"])
    assert "passed the grader's own run" in flags["stderr_in_correct_solution"]
    assert "died" in flags["os_exit_midway"] or "could not run" in flags["os_exit_midway"]
    assert "ran over" in flags["infinite_loop_cell"]
    assert not graded["results"]["honest"].flags


def test_nothing_escaped_the_sandbox(graded):
    course = graded["course"]
    assert not Path("/tmp/pwned").exists()
    assert not (course / "pwned").exists()
    assert not any(p.name == "pwned" for p in course.rglob("pwned"))
    honest = submission_notebook("honest", LESSON, course)
    assert hashlib.sha256(honest.read_bytes()).hexdigest() == graded["honest_hash"]
    assert graded["received"] == [], "a submission reached the network"


def test_gradebook_holds_every_student_with_the_recorded_scores(graded):
    from nbgrader.api import Gradebook

    with Gradebook(graded["db_url"]) as gradebook:
        for student, result in graded["results"].items():
            submission = gradebook.find_submission(LESSON, student)
            assert submission.score == result.total
            assert submission.max_score == 100
    rows = (graded["course"] / "grades.csv").read_text().splitlines()
    assert len(rows) == len(graded["results"]) + 1
