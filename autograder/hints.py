"""What `./course check` says about a failed test cell: teach without telling.

A hidden test's assertion message names the mistake ("your output ignores h_prev"), which is what a learner needs.
For a checkpoint question (grade_id `test_checkpoint_...`) the message explains the answer ("... = 2480"), so the
check withholds it and points back to the question instead.
"""

from __future__ import annotations

import re

from autograder.notebooks import grade_id

CHECKPOINT_TEST = "test_checkpoint_"
QUESTION = re.compile(r"\*\*(Q\d+)\.\*\*\s*(.*?)(?:\s+Set `|\n\n|$)", re.S)


def question_of(notebook, answer_id: str) -> str:
    """'Q3: How many numbers ...?', from the markdown cell just above the answer cell `answer_id`."""
    previous = None
    for cell in notebook.cells:
        if grade_id(cell) == answer_id:
            found = QUESTION.search(previous.source) if previous is not None and previous.cell_type == "markdown" else None
            return f"{found.group(1)}: {' '.join(found.group(2).split())}" if found else answer_id
        previous = cell
    return answer_id


def hint(notebook, test_id: str, message: str) -> str:
    """The line to print for the failed test cell `test_id` of `notebook` (the lesson), given the grader's message."""
    if not test_id.startswith(CHECKPOINT_TEST):
        return message
    question = question_of(notebook, test_id.removeprefix("test_"))
    if message.startswith("NameError"):
        return f"not answered yet ({question})"
    return (f"not right yet. Reconsider {question} "
            "(the grader's explanation is withheld: it gives the answer; the test cell in your notebook checks the form)")
