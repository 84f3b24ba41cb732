"""The feedback notebook made safe to hand back and to open: what a submission put in it can neither carry the
hidden tests, nor run in the reader's browser, nor confuse nbgrader, nor grow without bound.

safe_feedback() is applied to every feedback notebook (when grading writes it, and again before the HTML is made):
- nbgrader metadata comes from the lesson's source only: a cell keeps it only if its grade_id is one of the
  lesson's (first occurrence, same cell type), so a fake graded cell, a solution marked as a test or garbage
  metadata cannot make nbgrader's feedback fail with "MissingEntry: No such grade";
- other cell metadata, output metadata and the notebook's metadata (the HTML template writes some of them into
  attributes unquoted) are dropped or taken from the source;
- learner outputs keep only plain text and PNG/JPEG images; HTML, JavaScript, SVG, Markdown, LaTeX and widget
  outputs are shown as their text; markdown cells that are not the lesson's own have their HTML escaped (bleach),
  raw cells are shown as text;
- an output holding a line of a hidden test (a learner that read course files) is replaced by a note;
- the whole notebook is kept under MAX_FEEDBACK_BYTES by removing the largest learner outputs, with a note.
"""

from __future__ import annotations

import copy
import html
import json
import re
import uuid

import nbformat

from autograder.notebooks import HIDDEN
from autograder.safe_text import printable

MAX_FEEDBACK_BYTES = 2 * 2**20
MIN_HIDDEN_LINE = 12  # shorter lines (`else:`, `)`) say nothing about a test
SAFE_MIME_TYPES = ("text/plain", "image/png", "image/jpeg")
CELL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
NOTES_CELL_ID = "grading-notes"
LEAK_NOTE = "(output removed from your feedback: it contained text of the hidden tests)\n"
SIZE_NOTE = "(output removed from your feedback: the feedback is limited to {limit})\n"
CUT_NOTE = "\n# (the rest of this cell was cut from your feedback: the feedback has a size limit)"
_ANY_CODE = re.compile(r"\x1b|[<>&\"]")  # characters that grow when written as HTML


def hidden_lines(source) -> set[str]:
    """Lines of the lesson's hidden tests that appear nowhere else in the lesson (stripped, not too short)."""
    hidden, public = set(), set()
    for cell in source.cells:
        text = cell.get("source", "")
        for block in HIDDEN.findall(text):
            hidden.update(line.strip() for line in block.splitlines())
        public.update(line.strip() for line in HIDDEN.sub("\n", text).splitlines())
    return {line for line in hidden - public if len(line) >= MIN_HIDDEN_LINE}


def output_text(output) -> str:
    """Every piece of text an output carries (what a reader of the feedback could see)."""
    parts = [output.get("text", ""), output.get("ename", ""), output.get("evalue", "")]
    parts += output.get("traceback", []) or []
    for value in (output.get("data") or {}).values():
        parts.append(value if isinstance(value, str) else json.dumps(value))
    return "\n".join(p if isinstance(p, str) else json.dumps(p) for p in parts)


def leaks(text: str, secret_lines: set[str]) -> bool:
    return any(line in text for line in secret_lines)


def _note(text: str):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def _as_text(value) -> str:
    return value if isinstance(value, str) else "".join(map(str, value)) if isinstance(value, list) else json.dumps(value)


def _valid_image(value) -> bool:
    """Base64 only: the HTML template writes the data into an attribute."""
    return isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9+/=\n]*", value) is not None


def safe_output(output):
    """The output with nothing a browser would run: plain text and checked PNG/JPEG only, no metadata."""
    kind = output.get("output_type")
    if kind == "stream":
        return nbformat.v4.new_output("stream", name="stderr" if output.get("name") == "stderr" else "stdout",
                                      text=_as_text(output.get("text", "")))
    if kind == "error":
        return nbformat.v4.new_output("error", ename=_as_text(output.get("ename", "")),
                                      evalue=_as_text(output.get("evalue", "")),
                                      traceback=[_as_text(line) for line in output.get("traceback", []) or []])
    if kind not in ("display_data", "execute_result"):
        return _note(f"(an output of type {printable(str(kind)[:40])} is not shown in feedback)\n")
    data = output.get("data") or {}
    kept = {key: data[key] for key in ("image/png", "image/jpeg") if key in data and _valid_image(data[key])}
    shown_as_text = [key for key in data if key not in kept and key != "text/plain"]
    plain = _as_text(data.get("text/plain", ""))
    if shown_as_text:  # their text, not the repr beside it (`<IPython.core.display.HTML object>` says nothing)
        plain = "\n".join(f"({key} output, shown as text)\n{_as_text(data[key])}" for key in shown_as_text)
    if plain or not kept:
        kept["text/plain"] = plain
    if kind == "execute_result":
        return nbformat.v4.new_output("execute_result", data=kept, execution_count=output.get("execution_count")
                                      if isinstance(output.get("execution_count"), int) else None)
    return nbformat.v4.new_output("display_data", data=kept)


def sanitized_html(markdown: str) -> str:
    """Markdown with every HTML tag or attribute that could run script escaped (nbconvert's bleach settings)."""
    from nbconvert.preprocessors.sanitize import SanitizeHTML

    return SanitizeHTML().sanitize_html_tags(markdown)


def _size(value) -> int:
    """Bytes `value` takes at most in the notebook file (a line of text is a JSON string of its own there) and in
    its HTML (characters HTML escapes or styles grow)."""
    text = json.dumps(value)
    return len(text) + 12 * text.count("\\n") + 8 * len(_ANY_CODE.findall(text))


def _cap(notebook, learner_cells: list, learner_outputs: list[tuple], limit: int) -> int:
    """Replace the largest learner outputs by a note, then cut the longest learner cells, until the notebook fits
    `limit`; how many outputs and cells were cut."""
    total = _size(notebook)
    removed = 0
    for size, cell, index in sorted(learner_outputs, key=lambda item: item[0], reverse=True):
        if total <= limit:
            break
        note = _note(SIZE_NOTE.format(limit=f"{limit / 2**20:g} MB"))
        cell.outputs[index] = note
        total -= size - _size(note)
        removed += 1
    for cell in sorted(learner_cells, key=lambda c: len(c.source), reverse=True):
        if total <= limit:  # a notebook padded with code or text: cut its longest cells
            break
        before = _size(cell.source)
        cell.source = cell.source[:max(0, len(cell.source) - (total - limit) - 1000)] + CUT_NOTE
        total -= before - _size(cell.source)
        removed += 1
    return removed


def _add_note(notebook, text: str) -> None:
    if notebook.cells and notebook.cells[0].get("id") == NOTES_CELL_ID:
        notebook.cells[0].source += f"\n- {text}"
    else:
        notebook.cells.insert(0, nbformat.v4.new_markdown_cell(f"**Grading notes**\n\n- {text}"))
        notebook.cells[0]["id"] = NOTES_CELL_ID


def nbgrader_roles(notebook, source) -> list:
    """For each cell of `notebook`, the lesson source's nbgrader metadata for it, or None: a cell has the role its
    grade_id has in the source (first occurrence, same cell type); a grade_id the lesson does not have, a copy,
    or metadata that is not nbgrader's shape gives it none (it is then a cell the learner added)."""
    by_grade_id = {}
    for cell in source.cells:
        metadata = cell.get("metadata", {}).get("nbgrader")
        if isinstance(metadata, dict) and isinstance(metadata.get("grade_id"), str):
            by_grade_id.setdefault(metadata["grade_id"], cell)
    roles, seen = [], set()
    for cell in notebook.cells:
        metadata = cell.get("metadata", {}).get("nbgrader")
        grade_id = metadata.get("grade_id") if isinstance(metadata, dict) else None
        original = by_grade_id.get(grade_id) if isinstance(grade_id, str) else None
        if original is not None and grade_id not in seen and original.cell_type == cell.get("cell_type"):
            seen.add(grade_id)
            roles.append(copy.deepcopy(dict(original.metadata["nbgrader"])))
        else:
            roles.append(None)
    return roles


def nbgrader_from_source(submission, source):
    """The submission (changed in place) with each cell's nbgrader role taken from the lesson's source (see
    nbgrader_roles); what nbgrader itself keeps there (a checksum) stays. A fake graded cell, a solution marked as
    a test or garbage metadata then neither breaks nbgrader nor changes what is graded."""
    for cell, role in zip(submission.cells, nbgrader_roles(submission, source), strict=True):
        learner = cell.metadata.pop("nbgrader", None)
        if role is not None:
            cell.metadata["nbgrader"] = {**learner, **role}
    return submission


def safe_feedback(notebook, source, limit: int = MAX_FEEDBACK_BYTES):
    """A copy of the feedback `notebook` that is safe to hand back (see the module docstring); `source` is the
    lesson's source notebook (its nbgrader metadata, hidden tests and notebook metadata)."""
    notebook = nbformat.from_dict(copy.deepcopy(dict(notebook)))
    secret_lines = hidden_lines(source)
    notebook.metadata = copy.deepcopy(source.metadata)
    notebook.nbformat, notebook.nbformat_minor = 4, 5  # cell ids
    ids, learner_cells, learner_outputs, leaked = set(), [], [], 0
    lesson_text = {cell.source for cell in source.cells if cell.cell_type == "markdown"}
    for cell, role in zip(notebook.cells, nbgrader_roles(notebook, source), strict=True):
        cell.metadata = {"nbgrader": role} if role else {}
        if not isinstance(cell.get("id"), str) or not CELL_ID.fullmatch(cell.id) or cell.id in ids:
            cell.id = uuid.uuid4().hex[:8]
        ids.add(cell.id)
        cell.source = _as_text(cell.get("source", ""))
        cell.pop("attachments", None)  # an attachment can be SVG with script; the lesson's cells have none
        if cell.get("cell_type") == "raw":  # HTML export writes raw cells as they are: show them as text instead
            cell.cell_type = "markdown"
            cell.source = "".join(f"    {line}" for line in cell.source.splitlines(keepends=True))
        elif cell.get("cell_type") == "markdown" and cell.source not in lesson_text:
            cell.source = sanitized_html(cell.source)  # a learner's markdown: its HTML tags escaped by bleach
        grader_written = role and role.get("grade")  # a test cell: its verdict
        if not grader_written:
            learner_cells.append(cell)
        if cell.get("cell_type") != "code":
            continue
        outputs = []
        for output in cell.get("outputs", []):
            output = safe_output(output)
            if leaks(output_text(output), secret_lines):
                output, leaked = _note(LEAK_NOTE), leaked + 1
            outputs.append(output)
        cell.outputs = outputs
        if not grader_written:
            learner_outputs += [(_size(output), cell, index) for index, output in enumerate(outputs)]
    if leaked:
        _add_note(notebook, f"{leaked} output(s) were removed because they contained text of the hidden tests.")
    removed = _cap(notebook, learner_cells, learner_outputs, limit)
    if removed:
        _add_note(notebook, f"Your feedback is limited to {limit / 2**20:g} MB: {removed} of your largest outputs "
                            "or cells were cut from it. Run your notebook yourself to see them.")
    return notebook


def html_leaks(page: str, source) -> bool:
    """Whether the text of an HTML page (tags removed) holds a line of the lesson's hidden tests."""
    text = html.unescape(re.sub(r"<[^>]*>", "", page))
    return leaks(text, hidden_lines(source))
