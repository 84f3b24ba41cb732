"""Units of the feedback's safety (autograder.safe_feedback, autograder.safe_text): what a submission puts in its
notebook can neither carry hidden-test text into the feedback, nor run in a browser, nor break nbgrader's feedback,
nor make it larger than its cap, nor put control characters on the instructor's terminal."""

from __future__ import annotations

import json

import nbformat
import pytest
from scratch_course import LESSON, ROOT

from autograder import safe_feedback as safety
from autograder.notebooks import read, solution_ids
from autograder.safe_feedback import hidden_lines, html_leaks, nbgrader_from_source, output_text, safe_feedback
from autograder.safe_text import printable

SOURCE = read(ROOT / "source" / LESSON / f"{LESSON}.ipynb")
RELEASE = read(ROOT / "release" / LESSON / f"{LESSON}.ipynb")
ACTIVE = {
    "text/html": "<script>window.ran = 1</script><img src=x onerror='window.ran = 2'>",
    "application/javascript": "window.ran = 3",
    "image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg' onload='window.ran = 4'/>",
    "text/markdown": "<script>window.ran = 5</script>",
    "text/latex": "$\\href{javascript:alert(1)}{x}$",
    "application/vnd.jupyter.widget-view+json": {"model_id": "x"},
}


def _learner_cell(*outputs):
    cell = nbformat.v4.new_code_cell("print('hello')")
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    return cell


def _feedback(*cells):
    notebook = nbformat.from_dict(json.loads(json.dumps(RELEASE)))
    notebook.cells += list(cells)
    return notebook


def test_hidden_lines_are_the_lines_only_hidden_tests_have():
    lines = hidden_lines(SOURCE)
    assert "### BEGIN HIDDEN TESTS" in lines and len(lines) > 20
    visible = "\n".join(c.source for c in RELEASE.cells)
    assert not any(line in visible for line in lines)  # none is in what students already have


def test_an_output_carrying_a_hidden_test_line_is_removed_with_a_note():
    line = sorted(hidden_lines(SOURCE))[5]
    leaking = [{"output_type": "stream", "name": "stdout", "text": f"I found:\n{line}\n"},
               {"output_type": "error", "ename": "X", "evalue": f"... {line} ...", "traceback": []},
               {"output_type": "display_data", "data": {"text/html": f"<pre>{line}</pre>"}, "metadata": {}}]
    kept = {"output_type": "stream", "name": "stdout", "text": "an honest output\n"}
    safe = safe_feedback(_feedback(_learner_cell(*leaking, kept)), SOURCE)
    outputs = safe.cells[-1].outputs
    assert [o.get("text") for o in outputs] == [safety.LEAK_NOTE] * 3 + ["an honest output\n"]
    assert safe.cells[0].id == safety.NOTES_CELL_ID and "3 output(s) were removed" in safe.cells[0].source
    assert not any(line in output_text(o) for c in safe.cells if c.cell_type == "code" for o in c.outputs)


def test_active_outputs_become_text_and_nothing_reaches_an_attribute():
    outputs = [{"output_type": "display_data", "data": {key: value}, "metadata": {}} for key, value in ACTIVE.items()]
    outputs += [
        {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"},
         "metadata": {"image/png": {"width": "1 onerror=window.ran=6"}}},
        {"output_type": "display_data", "data": {"image/png": "\"><script>window.ran=7</script>"}, "metadata": {}},
        {"output_type": "stream", "name": "stdout\"><script>window.ran=8</script>", "text": "x"},
        {"output_type": "execute_result", "execution_count": 3, "metadata": {},
         "data": {"text/html": "<b onmouseover=x>bold</b>", "text/plain": "bold"}},
    ]
    safe = safe_feedback(_feedback(_learner_cell(*outputs)), SOURCE)
    result = safe.cells[-1].outputs
    for output in result:
        assert set(output.get("data", {})) <= {"text/plain", "image/png", "image/jpeg"}
        assert not output.get("metadata")
    assert [o.data["text/plain"] for o in result[:4]] == [
        f"({key} output, shown as text)\n{value}" for key, value in list(ACTIVE.items())[:4]]
    assert result[6].data == {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}
    assert "image/png" not in result[7].data and result[8].name == "stdout"
    assert result[9].data == {"text/plain": "(text/html output, shown as text)\n<b onmouseover=x>bold</b>"}
    nbformat.validate(safe)


def test_raw_and_attachment_cells_cannot_inject_html():
    raw = nbformat.v4.new_raw_cell("<script>window.ran = 9</script>")
    raw.metadata = {"raw_mimetype": "text/html"}
    markdown = nbformat.v4.new_markdown_cell("![x](attachment:x.svg)")
    markdown["attachments"] = {"x.svg": {"image/svg+xml": "<svg onload='window.ran = 10'/>"}}
    safe = safe_feedback(_feedback(raw, markdown), SOURCE)
    assert safe.cells[-2].cell_type == "markdown" and safe.cells[-2].source == "    <script>window.ran = 9</script>"
    assert "attachments" not in safe.cells[-1] and safe.cells[-2].metadata == {}


def test_a_learners_markdown_has_its_html_escaped_and_the_lessons_is_untouched():
    learner = nbformat.v4.new_markdown_cell("**mine** <script>window.ran = 12</script> <img src=x onerror=alert(1)>")
    safe = safe_feedback(_feedback(learner), SOURCE)
    assert "<script>" not in safe.cells[-1].source and "&lt;script&gt;" in safe.cells[-1].source
    assert "<img" not in safe.cells[-1].source and "**mine**" in safe.cells[-1].source
    lesson = [c.source for c in SOURCE.cells if c.cell_type == "markdown"]
    assert [c.source for c in safe.cells if c.cell_type == "markdown"][:len(lesson)] == lesson


def _tampered(kind: str):
    notebook = _feedback()
    solution = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == solution_ids(SOURCE)[0])
    if kind == "fake graded cell":
        fake = nbformat.v4.new_code_cell("pass")
        fake.metadata["nbgrader"] = {"grade": True, "grade_id": "fake_points", "points": 100, "solution": False,
                                     "locked": True, "schema_version": 3}
        notebook.cells.append(fake)
    elif kind == "solution marked as a test":
        solution.metadata["nbgrader"].update(grade=True, points=50)
    elif kind == "garbage metadata":
        solution.metadata["nbgrader"] = "garbage"
        notebook.cells[3].metadata["nbgrader"] = {"grade_id": ["not", "a", "name"], "grade": "yes"}
        notebook.cells[4].metadata = {"nbgrader": {"grade_id": "test_softmax", "grade": True, "points": 999},
                                      "tags": ["\"><script>window.ran=11</script>"]}
    return notebook


@pytest.mark.parametrize("kind", ["fake graded cell", "solution marked as a test", "garbage metadata"])
def test_nbgrader_metadata_comes_from_the_source_only(kind):
    safe = safe_feedback(_tampered(kind), SOURCE)
    expected = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"] for c in SOURCE.cells
                if c.metadata.get("nbgrader")}
    seen = []
    for cell in safe.cells:
        assert set(cell.metadata) <= {"nbgrader"}
        if "nbgrader" in cell.metadata:
            grade_id = cell.metadata["nbgrader"]["grade_id"]
            assert cell.metadata["nbgrader"] == expected[grade_id]
            seen.append(grade_id)
    assert len(seen) == len(set(seen)) and "fake_points" not in seen


@pytest.mark.parametrize("kind", ["fake graded cell", "solution marked as a test", "garbage metadata"])
def test_a_tampered_submission_is_graded_by_the_roles_of_the_source(kind):
    submission = _tampered(kind)
    submission.cells[3].metadata.setdefault("nbgrader", {})
    if isinstance(submission.cells[3].metadata["nbgrader"], dict):
        submission.cells[3].metadata["nbgrader"]["checksum"] = "kept"
    nbgrader_from_source(submission, SOURCE)
    roles = {k: v for c in SOURCE.cells if (v := c.metadata.get("nbgrader")) for k in [v["grade_id"]]}
    graded = [c.metadata["nbgrader"] for c in submission.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert [m["grade_id"] for m in graded] == [k for k, v in roles.items() if v.get("grade")]
    assert all({k: m[k] for k in roles[m["grade_id"]]} == roles[m["grade_id"]] for m in graded)
    kept = submission.cells[3].metadata.get("nbgrader", {})
    assert kept.get("checksum") == ("kept" if kept else None)  # nbgrader's own fields stay with a valid role


def test_the_feedback_is_capped_with_a_note_and_small_feedback_is_untouched():
    flood = [_learner_cell({"output_type": "stream", "name": "stdout", "text": "x" * 900_000}) for _ in range(6)]
    small = safe_feedback(_feedback(flood[0]), SOURCE)
    assert small.cells[-1].outputs[0].text == "x" * 900_000 and small.cells[0].id != safety.NOTES_CELL_ID
    safe = safe_feedback(_feedback(*flood, nbformat.v4.new_code_cell("# padding\n" * 400_000)), SOURCE)
    assert len(nbformat.writes(safe)) <= safety.MAX_FEEDBACK_BYTES
    assert safe.cells[0].id == safety.NOTES_CELL_ID and "limited to 2 MB" in safe.cells[0].source
    tests = [c for c in safe.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(tests) == len([c for c in SOURCE.cells if c.metadata.get("nbgrader", {}).get("grade")])
    angle = safe_feedback(_feedback(_learner_cell({"output_type": "stream", "name": "stdout",
                                                   "text": "<" * 1_500_000})), SOURCE)
    assert "limited to 2 MB" in angle.cells[0].source  # 1.5 MB of '<' is 6 MB of HTML


def test_html_leak_check_reads_text_through_tags():
    line = sorted(hidden_lines(SOURCE))[7]
    page = "<p>" + "</span><span>".join(line.split(" ")).replace("&", "&amp;").replace('"', "&quot;") + "</p>"
    assert not html_leaks(page, SOURCE)  # the spaces are gone: tags split words, never join them
    assert html_leaks(f"<pre>{line.replace('&', '&amp;').replace('<', '&lt;')}</pre>", SOURCE)


@pytest.mark.parametrize("text, shown", [
    ("plain ok", "plain ok"), ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"), ("a\rb", "a\\x0db"), ("bell\x07", "bell\\x07"),
    ("rtl\u202eevil", "rtl\\u202eevil"), ("two\nlines", "two\\x0alines"), ("c1\x9b31m", "c1\\x9b31m"),
    ("accents é ü and 中文", "accents é ü and 中文"),
])
def test_printable_escapes_every_control_character(text, shown):
    assert printable(text) == shown
    assert printable("a\nb", keep_newlines=True) == "a\nb"
