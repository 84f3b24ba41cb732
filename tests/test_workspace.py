"""The learner workspace (tools/workspace.py): `./course open` copies the lessons out of the course's way and serves
only them, a course update never touches them, `./course update` takes newer lessons in without losing answers,
and `./course check` reads the workspace and keeps checkpoint answers to itself."""

from __future__ import annotations

import importlib.util
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest
from notebook_tools import with_solutions

from autograder.hints import hidden_phrases, hint
from autograder.notebooks import cells_by_id, read, solution_ids

ROOT = Path(__file__).resolve().parent.parent
LESSON = "01_rnn_cell"
LESSON_PATH = Path("release") / LESSON / f"{LESSON}.ipynb"

_spec = importlib.util.spec_from_file_location("workspace_tool", ROOT / "tools" / "workspace.py")
workspace = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(workspace)


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t", *args], check=True,
                   capture_output=True)


@pytest.fixture
def course(tmp_path) -> Path:
    """A scratch clone of the course (its committed state), as a learner's `git clone` would make."""
    clone = tmp_path / "course"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    return clone


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _answer(path: Path, lesson: str, replacements: dict[str, str] | None = None) -> None:
    """Type the source notebook's solutions (or `replacements`) into the learner's notebook at `path`."""
    source = read(ROOT / "source" / lesson / f"{lesson}.ipynb")
    answers = {g: cells_by_id(source)[g].source for g in solution_ids(source)} | (replacements or {})
    nbformat.write(with_solutions(read(path), answers), str(path))


def _commit_change(clone: Path, relative: Path, sentence: str) -> None:
    """A course update: a new commit that adds a sentence to the first markdown cell of a release notebook."""
    notebook = read(clone / relative)
    first = next(cell for cell in notebook.cells if cell.cell_type == "markdown")
    first.source += f"\n\n{sentence}"
    nbformat.write(notebook, str(clone / relative))
    _git(clone, "commit", "-qam", "a newer lesson")


def test_open_copies_every_lesson_with_links_that_resolve_in_the_workspace(course):
    messages = workspace.update(course, missing_only=True)
    work = workspace.workspace_of(course)
    shipped = workspace.shipped_files(course)
    assert {p.parts[1] for p in shipped if p.parts[0] == "release"} == set(workspace.lessons(course))
    assert len(messages) == len(shipped)
    for relative in shipped:
        assert (work / relative).read_bytes() == (course / relative).read_bytes()
    assert not (work / "source").exists()
    for path in work.rglob("*.ipynb"):
        text = "\n".join(cell.source for cell in read(path).cells if cell.cell_type == "markdown")
        for link in re.findall(r"\]\(([^)#]+\.ipynb)(?:#[^)]*)?\)", text):
            target = (path.parent / link).resolve()
            assert target.is_file() and work in target.parents, f"{path.name}: link {link} leaves the workspace"
    assert workspace.update(course, missing_only=True) == []  # a second open copies nothing


def test_open_command_starts_jupyter_rooted_at_the_workspace(course, tmp_path):
    fake = tmp_path / "bin" / "jupyter"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {tmp_path / "args"}\n')
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake.parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run([sys.executable, str(course / "tools" / "workspace.py"), "open", "--no-browser"],
                            env=env, capture_output=True, text=True, check=True)
    assert "Made your workspace" in result.stdout
    args = (tmp_path / "args").read_text().split("\n")
    assert args[0] == "lab"
    assert f"--ServerApp.root_dir={course / 'workspace'}" in args
    assert "--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb" in args and "--no-browser" in args
    assert (course / "workspace" / LESSON_PATH).is_file()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, token: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def test_a_started_jupyter_serves_the_workspace_and_refuses_source(course, tmp_path):
    workspace.update(course, missing_only=True)
    port, token = _free_port(), "workspace-test-token"
    command = workspace.jupyter_command(course, ["--no-browser", f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
                                                 f"--IdentityProvider.token={token}", "--ServerApp.port_retries=0"])
    command[0] = str(Path(sys.executable).parent / "jupyter")
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if _get(f"{base}/api/status", token)[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, "jupyter lab exited"
            time.sleep(0.5)
        status, body = _get(f"{base}/api/contents/{LESSON_PATH.as_posix()}", token)
        assert status == 200 and "YOUR CODE HERE" in body
        assert _get(f"{base}/api/contents/notebooks/00_start_here.ipynb", token)[0] == 200
        listing = _get(f"{base}/api/contents/", token)[1]
        assert '"name": "source"' not in listing.replace('":"', '": "')
        for api in ("api/contents", "files"):
            for path in (f"source/{LESSON}/{LESSON}.ipynb", "source", f".course/base/{LESSON_PATH.as_posix()}"):
                assert _get(f"{base}/{api}/{path}", token)[0] == 404, f"/{api}/{path} was served"
            for path in (f"../source/{LESSON}/{LESSON}.ipynb", f"%2E%2E/source/{LESSON}/{LESSON}.ipynb"):
                status, body = _get(f"{base}/{api}/{path}", token)
                assert status in (403, 404) and "BEGIN SOLUTION" not in body, f"/{api}/{path} answered {status}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_course_update_never_touches_the_workspace_and_update_keeps_the_answers(course):
    workspace.update(course, missing_only=True)
    work = workspace.workspace_of(course)
    _answer(work / LESSON_PATH, LESSON)
    answered = (work / LESSON_PATH).read_bytes()
    before = _snapshot(work)
    other = Path("release") / "02_bptt" / "02_bptt.ipynb"
    _commit_change(course, LESSON_PATH, "A sentence the course added later.")
    _commit_change(course, other, "Another sentence the course added later.")
    assert _snapshot(work) == before  # the pull itself

    waiting = workspace.update(course, missing_only=True)  # what `./course open` does after the pull
    assert len(waiting) == 2 and all("newer version" in m for m in waiting)
    assert _snapshot(work) == before

    messages = workspace.update(course, [LESSON])
    assert len(messages) == 1 and "answer(s) carried over" in messages[0], messages
    merged, source = read(work / LESSON_PATH), read(ROOT / "source" / LESSON / f"{LESSON}.ipynb")
    assert "A sentence the course added later." in merged.cells[0].source
    for grade_id in solution_ids(source):
        assert cells_by_id(merged)[grade_id].source == cells_by_id(source)[grade_id].source
    kept = work / LESSON_PATH.parent / f"{LESSON}.before-update.ipynb"
    assert kept.read_bytes() == answered
    assert (work / other).read_bytes() == before[str(other)]  # only the lesson asked for

    assert workspace.update(course) == [f"updated {other} (you had not changed it)"]
    assert (work / other).read_bytes() == (course / other).read_bytes()
    assert workspace.update(course) == []


def test_update_names_exercises_the_course_changed_under_an_answer(course):
    workspace.update(course, missing_only=True)
    work = workspace.workspace_of(course)
    _answer(work / LESSON_PATH, LESSON)
    notebook = read(course / LESSON_PATH)
    stub = next(cell for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("grade_id") == "rnn_cell_forward")
    stub.source = stub.source.replace("raise NotImplementedError()", "raise NotImplementedError()  # new hint")
    nbformat.write(notebook, str(course / LESSON_PATH))
    _git(course, "commit", "-qam", "a changed exercise")
    (message,) = workspace.update(course, [LESSON])
    assert "changed these exercises" in message and "rnn_cell_forward" in message.splitlines()[1]


def test_answers_written_in_release_before_the_workspace_existed_are_kept(course):
    _answer(course / LESSON_PATH, LESSON)  # the old way: working in release/ itself
    answered = (course / LESSON_PATH).read_bytes()
    workspace.update(course, missing_only=True)
    work = workspace.workspace_of(course)
    assert (work / LESSON_PATH).read_bytes() == answered
    subprocess.run(["git", "-C", str(course), "checkout", "--", str(LESSON_PATH)], check=True)
    _commit_change(course, LESSON_PATH, "A sentence the course added later.")
    workspace.update(course, [LESSON])
    merged = read(work / LESSON_PATH)
    assert cells_by_id(merged)["rnn_cell_forward"].source != cells_by_id(read(course / LESSON_PATH))["rnn_cell_forward"].source


def test_check_finds_the_workspace_copy(course, tmp_path):
    with pytest.raises(SystemExit, match="course open"):
        workspace.find_notebook(LESSON, course)
    workspace.update(course, missing_only=True)
    expected = workspace.workspace_of(course) / LESSON_PATH
    assert workspace.find_notebook(LESSON, course) == expected
    assert workspace.find_notebook("01", course) == expected
    assert workspace.find_notebook(str(LESSON_PATH), course, caller=course) == expected.resolve()
    elsewhere = tmp_path / "mine.ipynb"
    elsewhere.write_text("{}")
    assert workspace.find_notebook("mine.ipynb", course, caller=tmp_path) == elsewhere
    with pytest.raises(SystemExit, match="no such notebook"):
        workspace.find_notebook("99_nothing", course)


@pytest.mark.parametrize("lesson", sorted(p.name for p in (ROOT / "source").iterdir() if p.is_dir()))
def test_no_hidden_checkpoint_message_gets_through(lesson):
    notebook = read(ROOT / "source" / lesson / f"{lesson}.ipynb")
    checkpoints = [g for g in cells_by_id(notebook) if g.startswith("test_checkpoint_")]
    assert checkpoints
    for test_id in checkpoints:
        phrases = hidden_phrases(cells_by_id(notebook)[test_id].source)
        assert phrases, f"{test_id} has no hidden assertion message"
        for phrase in phrases:
            message = phrase.splitlines()[0][:400]  # what the grader reports: the first line, at most 400 characters
            shown = hint(notebook, test_id, message)
            assert message not in shown and shown.startswith("not right yet"), shown


def test_hints_withhold_checkpoint_explanations_only():
    lesson = read(ROOT / "source" / "04_lstm" / "04_lstm.ipynb")
    (explanation,) = hidden_phrases(cells_by_id(lesson)["test_checkpoint_parameters"].source)
    assert "2480" in explanation
    withheld = hint(lesson, "test_checkpoint_parameters", explanation)
    assert "2480" not in withheld and withheld.startswith("not right yet") and "Q3: How many numbers" in withheld
    assert "not answered" in hint(lesson, "test_checkpoint_parameters", "NameError: name 'lstm_parameters' is not defined")
    assert hint(lesson, "test_lstm_cell_forward", "your output ignores h_prev") == "your output ignores h_prev"
    form = "lstm_parameters must be a finite number; got 'many'"  # the visible part's check: no answer in it
    assert hint(lesson, "test_checkpoint_parameters", form).startswith(form)
    assert hint(lesson, "test_checkpoint_parameters", "the sandboxed learner process did not start").startswith("the")


def test_course_check_of_a_lesson_name_grades_the_workspace_copy_and_tells_no_answer(course):
    (course / ".venv").symlink_to(ROOT / ".venv")
    subprocess.run([str(course / "course"), "update"], check=True, capture_output=True)
    lesson = course / "workspace" / "release" / "04_lstm" / "04_lstm.ipynb"
    _answer(lesson, "04_lstm", {"checkpoint_parameters": "lstm_parameters = 4 * (20 * 10 + 20 * 20)"})
    # no sandbox: the clone's kernel would need the worktree's editable install, which the sandbox does not bind
    result = subprocess.run([str(course / "course"), "check", "04", "--no-sandbox"], capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stderr
    assert f"Checking {lesson}" in result.stdout
    assert "2480" not in result.stdout
    line = next(line for line in result.stdout.splitlines() if "test_checkpoint_parameters" in line)
    assert " 0/5 " in line and "Reconsider Q3" in line
    assert re.search(r"test_checkpoint_cell_path\s+5/5\s+passed", result.stdout)
    assert "Total: 95/100" in result.stdout
