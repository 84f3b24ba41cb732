"""The feedback notebook a student gets back: their notebook with the lesson's test cells, hidden parts removed,
each showing its verdict."""

from __future__ import annotations

import json

import nbformat

from autograder.notebooks import grade_id, graded_cells, without_hidden_tests
from autograder.result import Result
from autograder.safe_feedback import safe_feedback


def feedback_notebook(notebook, source, result: Result):
    """`notebook` (the autograded or submitted one) with each test cell restored from `source`, hidden tests
    removed, its output replaced by its verdict, and error tracebacks cut to their message."""
    notebook = nbformat.from_dict(json.loads(json.dumps(notebook)))
    tests = graded_cells(source)
    for cell in notebook.cells:
        identifier = grade_id(cell)
        if identifier in tests:
            cell.source = without_hidden_tests(tests[identifier].source)
            cell.metadata["nbgrader"] = dict(tests[identifier].metadata["nbgrader"])
            earned, points = result.scores.get(identifier, 0.0), result.max_scores[identifier]
            text = (f"PASSED ({earned:g}/{points:g} points)\n" if earned == points else
                    f"FAILED ({earned:g}/{points:g} points): {result.messages.get(identifier, '')}\n")
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        elif cell.get("cell_type") == "code":
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":  # keep the message, drop frames that may quote test code
                    output["traceback"] = [f"{output.get('ename')}: {output.get('evalue')}"]
    if result.notes:
        notes = "\n".join(f"- {note}" for note in result.notes)
        notebook.cells.insert(0, nbformat.v4.new_markdown_cell(f"**Grading notes**\n\n{notes}"))
        notebook.cells[0]["id"] = "grading-notes"
    return safe_feedback(notebook, source)


def source_stub(source):
    """The lesson's title and test cells, used as the feedback notebook when a submission cannot be read."""
    title = [c for c in source.cells if c.cell_type == "markdown"][:1]
    return nbformat.from_dict({**source, "cells": title + list(graded_cells(source).values())})
