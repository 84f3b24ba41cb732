"""What `./course check` says about a failed test cell: teach without telling.

A hidden test's assertion message names the mistake ("your output ignores h_prev"), which is what a learner needs.
For a checkpoint question (grade_id `test_checkpoint_...`) the hidden message explains the answer ("... = 2480"),
so the check withholds it and points back to the question instead. Messages the hidden block cannot have written
still show: an error raised by the learner's code, the visible part's check of the answer's form, a grading failure.
"""

from __future__ import annotations

import ast
import re

from autograder.notebooks import cells_by_id, grade_id

CHECKPOINT_TEST = "test_checkpoint_"
QUESTION = re.compile(r"\*\*(Q\d+)\.\*\*\s*(.*?)(?:\s+Set\s+`|\n\n|$)", re.S)
HIDDEN_BLOCK = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
RAISED = re.compile(r"^[A-Z]\w*(Error|Exception): ")  # verify.py prefixes every exception but an assertion's


def question_of(notebook, answer_id: str) -> str:
    """'Q3: How many numbers ...?', from the markdown cell just above the answer cell `answer_id`."""
    previous = None
    for cell in notebook.cells:
        if grade_id(cell) == answer_id:
            found = QUESTION.search(previous.source) if previous is not None and previous.cell_type == "markdown" else None
            return f"{found.group(1)}: {' '.join(found.group(2).split())}" if found else answer_id
        previous = cell
    return answer_id


def hidden_phrases(cell_source: str) -> list[str]:
    """The text pieces (f-strings included) of the messages that a test cell's hidden block asserts or raises."""
    messages = [node.msg if isinstance(node, ast.Assert) else node.exc for block in HIDDEN_BLOCK.findall(cell_source)
                for node in ast.walk(ast.parse(block)) if isinstance(node, (ast.Assert, ast.Raise))]
    return [piece.value.strip() for message in messages if message is not None for piece in ast.walk(message)
            if isinstance(piece, ast.Constant) and isinstance(piece.value, str) and len(piece.value.strip()) >= 8]


def hint(notebook, test_id: str, message: str) -> str:
    """The line to print for the failed test cell `test_id` of `notebook` (the lesson), given the grader's message."""
    if not test_id.startswith(CHECKPOINT_TEST):
        return message
    question = question_of(notebook, test_id.removeprefix("test_"))
    if message.startswith("NameError"):
        return f"not answered yet ({question})"
    cell = cells_by_id(notebook).get(test_id)
    phrases = hidden_phrases(cell.source if cell else "")
    if RAISED.match(message) or not any(phrase.splitlines()[0][:60] in message for phrase in phrases):
        return f"{message} ({question})"
    return (f"not right yet. Reconsider {question} "
            "(the grader's explanation is withheld: it gives the answer)")
