"""A small class with hostile feedback graded once per gradebook, through the command line as an instructor runs it
(`collect`, `grade --db`, `feedback --db`, `flags`, `export --db` on a scratch copy of the course): with a SQLite
gradebook outside the course folder and with a real PostgreSQL server.

Checked on what people read: no hidden-test text in any feedback notebook, feedback page or gradebook; no learner
script runs when a page is opened in chromium; every feedback under its size cap; every student, the three with
tampered nbgrader metadata included, gets feedback and the score an honest grader gives; `flags` prints no
control characters.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest
import sqlalchemy
from classroom import _release, _solutions
from lesson01_variants import MUTANTS
from notebook_tools import with_solutions
from scratch_course import LESSON, ROOT, cli, copy_course

from autograder.export import MAX_HTML_BYTES
from autograder.notebooks import read
from autograder.safe_feedback import MAX_FEEDBACK_BYTES, hidden_lines, html_leaks, leaks, output_text

pytest_plugins = ["grader_fixtures"]  # lesson 01's source and zygote, a PostgreSQL server

SOURCE = read(ROOT / "source" / LESSON / f"{LESSON}.ipynb")
SECRETS = sorted(hidden_lines(SOURCE))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
PWN = "window.pwned = (window.pwned || []).concat([{!r}])"
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _with_cells(notebook, *cells):
    notebook = nbformat.from_dict(json.loads(json.dumps(notebook)))
    notebook.cells += list(cells)
    return notebook


def _encoded(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _class() -> dict:
    """{student: notebook}: correct answers everywhere, and one way each to attack what people read."""
    honest = with_solutions(_release(), _solutions())
    leak = nbformat.v4.new_code_cell(  # as a learner that read the course's files would: the text built at run time
        "import base64\nfrom IPython.display import HTML, display\n"
        f"found = [base64.b64decode(s).decode() for s in {[_encoded(s) for s in SECRETS[3:6]]!r}]\n"
        "print('\\n'.join(found))\ndisplay(HTML('<pre>' + found[0] + '</pre>'))")
    leak_error = nbformat.v4.new_code_cell(
        f"raise RuntimeError(__import__('base64').b64decode({_encoded(SECRETS[6])!r}).decode())")
    svg = '<svg xmlns="http://www.w3.org/2000/svg" onload="{}"/>'.format(PWN.format("svg onload"))
    displays = [("HTML", f"<script>{PWN.format('html script')}</script>"),
                ("HTML", '<img src=x onerror="{}">'.format(PWN.format("img onerror"))), ("SVG", svg),
                ("Javascript", PWN.format("javascript output")),
                ("Markdown", f"<script>{PWN.format('markdown script')}</script>")]
    scripts = nbformat.v4.new_code_cell("from IPython.display import HTML, SVG, Javascript, Markdown, display\n" +
                                        "\n".join(f"display({kind}({payload!r}))" for kind, payload in displays))
    markdown = nbformat.v4.new_markdown_cell(f"<script>{PWN.format('markdown cell')}</script>\n\n"
                                             f"<img src=x onerror=\"{PWN.format('markdown img')}\">")
    raw = nbformat.v4.new_raw_cell(f"<script>{PWN.format('raw cell')}</script>")
    raw.metadata["raw_mimetype"] = "text/html"
    flood = [nbformat.v4.new_code_cell(f"print('{letter}' * 990_000)") for letter in "wxyz"]  # under the cell cap
    fake = nbformat.v4.new_code_cell("print('free points')")
    fake.metadata["nbgrader"] = {"grade": True, "grade_id": "bonus", "points": 50, "locked": False,
                                 "solution": False, "schema_version": 3}
    solution_as_test = nbformat.from_dict(json.loads(json.dumps(honest)))
    for cell in solution_as_test.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.metadata["nbgrader"].update(grade=True, points=10)
    garbage = nbformat.from_dict(json.loads(json.dumps(honest)))
    garbage.cells[0].metadata["nbgrader"] = "garbage"
    garbage.cells[2].metadata["nbgrader"] = {"grade_id": {"nested": 1}, "grade": "maybe", "points": "many"}
    garbage.cells.append(nbformat.v4.new_code_cell("x = 1"))
    garbage.cells[-1].metadata["nbgrader"] = [1, 2, 3]
    wrong = with_solutions(_release(), {**_solutions(), "softmax": MUTANTS["softmax"]["no max subtraction (overflows)"]})
    return {"honest": honest, "wrong": wrong, "leaker": _with_cells(honest, leak, leak_error),
            "scripts": _with_cells(honest, scripts, markdown, raw), "flood": _with_cells(honest, *flood),
            "fakecell": _with_cells(honest, fake), "soltest": solution_as_test, "garbage": garbage}


def _gradebook_text(url: str) -> str:
    """Every text value in every table of the gradebook."""
    engine = sqlalchemy.create_engine(url)
    metadata = sqlalchemy.MetaData()
    metadata.reflect(engine)
    values = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(table.select()):
                values += [value for value in row if isinstance(value, str)]
    engine.dispose()
    return "\n".join(values)


@pytest.fixture(scope="module")
def graded(tmp_path_factory, postgres_url):  # noqa: F811
    base = tmp_path_factory.mktemp("feedback-class")
    course = copy_course(base / "course")
    notebooks = _class()
    export = base / "export.zip"
    with zipfile.ZipFile(export, "w") as archive:
        for student, notebook in notebooks.items():
            archive.writestr(f"{student}_1_{len(student)}_{LESSON}.ipynb", nbformat.writes(notebook))
    runs = {"collect": cli(course, "collect", LESSON, str(export))}
    # a file copied in by hand, with a name that would move the instructor's cursor and retitle the terminal
    odd = course / "submitted" / "ctrl" / LESSON / "\x1b[2J\x1b]0;pwned\x07.ipynb"
    odd.parent.mkdir(parents=True)
    odd.write_text(nbformat.writes(notebooks["honest"]))
    (base / "outside").mkdir()
    urls = {"sqlite": f"sqlite:///{base / 'outside' / 'gradebook.db'}", "postgresql": postgres_url}
    snapshots = {}
    for name, url in urls.items():
        runs[f"grade {name}"] = cli(course, "grade", LESSON, "--workers", "2", "--db", url)
        runs[f"feedback {name}"] = cli(course, "feedback", LESSON, "--db", url)
        runs[f"export {name}"] = cli(course, "export", "--db", url, "--output", str(base / f"{name}.csv"))
        runs[f"flags {name}"] = cli(course, "flags", LESSON)
        snapshots[name] = base / f"after-{name}"
        for folder in ("autograded", "feedback", "flags"):
            shutil.copytree(course / folder, snapshots[name] / folder)
    return {"course": course, "runs": runs, "urls": urls, "snapshots": snapshots, "base": base,
            "students": sorted([*notebooks, "ctrl"])}


def _results(graded, name: str) -> dict:
    return json.loads((graded["snapshots"][name] / "flags" / f"{LESSON}.results.json").read_text())


def _pages(graded, name: str) -> dict[str, Path]:
    return {p.parent.parent.name: p for p in (graded["snapshots"][name] / "feedback").glob(f"*/{LESSON}/*.html")}


def test_every_command_succeeds_and_every_student_gets_feedback(graded):
    for command, run in graded["runs"].items():
        assert run.returncode == 0, f"{command}: {run.stdout}\n{run.stderr}"
    assert "0 file(s) need attention" in graded["runs"]["collect"].stdout
    for name in graded["urls"]:
        assert "no feedback for" not in graded["runs"][f"feedback {name}"].stderr
        assert sorted(_pages(graded, name)) == graded["students"]
        rows = (graded["base"] / f"{name}.csv").read_text().splitlines()
        assert len(rows) == len(graded["students"]) + 1


@pytest.mark.parametrize("name", ["sqlite", "postgresql"])
def test_scores_are_an_honest_graders_whatever_the_metadata(graded, name):
    results = _results(graded, name)
    full = sum(results["honest"]["max_scores"].values())
    totals = {student: sum(result["scores"].values()) for student, result in results.items()}
    overflow = results["wrong"]["max_scores"]["test_softmax_hidden"]  # only the hidden test feeds it +-1000
    assert totals == {**{s: full for s in graded["students"]}, "wrong": full - overflow}
    pages = _pages(graded, name)
    for student, total in totals.items():  # the page shows the gradebook's score: nbgrader read it for every one
        assert f"(Score: {total:.1f} / {full:.1f})" in pages[student].read_text()


@pytest.mark.parametrize("name", ["sqlite", "postgresql"])
def test_no_hidden_test_text_in_feedback_or_gradebook(graded, name):
    for student, page in _pages(graded, name).items():
        assert not html_leaks(page.read_text(), SOURCE), f"the feedback page of {student} holds hidden-test text"
    for path in (graded["snapshots"][name] / "autograded").glob(f"*/{LESSON}/{LESSON}.ipynb"):
        notebook = read(path)
        text = "\n".join([c.source for c in notebook.cells] +
                         [output_text(o) for c in notebook.cells for o in c.get("outputs", [])])
        assert not leaks(text, set(SECRETS)), path
    assert not leaks(_gradebook_text(graded["urls"][name]), set(SECRETS))
    leaker = _pages(graded, name)["leaker"].read_text()
    assert leaker.count("it contained text of the hidden tests") == 3  # the print, the HTML and the error


def test_feedback_stays_under_its_size_cap_with_a_note(graded):
    for name in graded["urls"]:
        for path in (graded["snapshots"][name] / "autograded").glob(f"*/{LESSON}/{LESSON}.ipynb"):
            assert path.stat().st_size <= MAX_FEEDBACK_BYTES, path
        for page in _pages(graded, name).values():
            assert page.stat().st_size <= MAX_HTML_BYTES, page
        flood = _pages(graded, name)["flood"].read_text()
        assert "the feedback is limited to 2 MB" in flood and "Your feedback is limited to 2 MB" in flood
        assert "limited to" not in _pages(graded, name)["honest"].read_text()


def test_flags_print_no_control_characters(graded):
    for name in graded["urls"]:
        output = graded["runs"][f"flags {name}"].stdout + graded["runs"][f"grade {name}"].stdout
        assert not CONTROL.search(output), output
        assert "\\x1b[2J\\x1b]0;pwned\\x07.ipynb" in graded["runs"][f"flags {name}"].stdout


def test_no_learner_script_runs_when_feedback_is_opened_in_chromium(graded):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail("no chromium: ./course test installs it")
    pages = _pages(graded, "postgresql")
    control = graded["base"] / "control.html"  # the same check on a page whose script must run
    control.write_text(f"<html><body><script>{PWN.format('control')}</script></body></html>")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route(re.compile(r"^https?://"), lambda route: route.abort())  # the template's CDN links: offline
            dialogs = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(control.as_uri())
            assert page.evaluate("window.pwned") == ["control"]
            for student in ("scripts", "leaker", "flood", "garbage"):
                page.goto(pages[student].as_uri(), wait_until="load")
                page.wait_for_timeout(500)  # onerror and onload handlers fire after load
                assert page.evaluate("window.pwned === undefined"), (student, page.evaluate("window.pwned"))
            page.goto(pages["scripts"].as_uri(), wait_until="load")
            shown = page.inner_text("body")
            assert "<script>" + PWN.format("html script") + "</script>" in shown  # the learner's HTML, as text
            assert dialogs == []
        finally:
            browser.close()
