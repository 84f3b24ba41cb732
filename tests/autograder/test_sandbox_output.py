"""The caps on what a notebook may print under nbgrader (autograder.kernel.CappedExecute), message by message."""

from __future__ import annotations

from autograder.kernel import ERROR_TEXT_CHARS, CappedExecute


def stream(text: str) -> dict:
    return {"msg_type": "stream", "parent_header": {"msg_id": "cell"}, "header": {"msg_type": "stream"},
            "content": {"name": "stdout", "text": text}}


def error(size: int) -> dict:
    return {"msg_type": "error", "parent_header": {"msg_id": "cell"}, "header": {"msg_type": "error"},
            "content": {"ename": "ValueError", "evalue": "v" * size, "traceback": ["t" * size] * 500}}


def executor(per_cell: int, per_notebook: int) -> CappedExecute:
    execute = CappedExecute(max_output_bytes=per_cell, max_notebook_output_bytes=per_notebook)
    execute.reset_execution_trackers()  # what preprocess does before the notebook runs
    execute._notebook_output_bytes = 0
    return execute


def run_cell(execute: CappedExecute, messages: list[dict]) -> list:
    execute._output_bytes, execute._truncated = 0, False  # what preprocess_cell does before a cell runs
    execute.clear_before_next_output = False  # and nbclient's execute_cell
    outputs = []
    for message in messages:
        execute.output(outputs, message, None, 0)
    return outputs


def kept_bytes(outputs) -> int:
    return sum(len(out.get("text", "")) for out in outputs if out.get("output_type") == "stream")


def test_a_flood_under_the_cell_cap_is_stopped_by_the_notebook_cap():
    execute = executor(per_cell=1000, per_notebook=5000)
    cells = [run_cell(execute, [stream("x" * 900)]) for _ in range(20)]
    assert sum(kept_bytes(outputs) for outputs in cells) <= 5000 + 20 * 100  # the notices are short
    assert "notebook's output is capped" in cells[-1][-1]["text"]
    assert kept_bytes(cells[0]) == 900


def test_a_cell_keeps_its_cap_and_one_notice():
    execute = executor(per_cell=1000, per_notebook=10**6)
    outputs = run_cell(execute, [stream("y" * 400) for _ in range(50)])
    notices = [out for out in outputs if "truncated" in out["text"]]
    assert len(notices) == 1 and kept_bytes(outputs) - len(notices[0]["text"]) <= 1000


def test_errors_are_kept_shortened_and_cannot_flood():
    execute = executor(per_cell=1000, per_notebook=5000)
    outputs = run_cell(execute, [error(10**5) for _ in range(30)])
    errors = [out for out in outputs if out["output_type"] == "error"]
    assert errors and errors[0]["ename"] == "ValueError"  # the cell still fails as it did
    assert len(errors) == 1
    assert len(errors[0]["evalue"]) <= ERROR_TEXT_CHARS and len(errors[0]["traceback"]) <= 20
