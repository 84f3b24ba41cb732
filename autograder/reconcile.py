"""The verdict rule, the heart of the grader's design: the grader's own (trusted) verdict is the score; where
nbgrader's in-kernel run disagrees, the instructor is told why.

- trusted pass: full points; trusted fail: zero, with the trusted run's message for the student;
- in-kernel pass but trusted fail, on a test cell without hidden parts: suspected tampering (the learner's code
  made its own kernel pass a test it fails), flagged; the trusted verdict stands;
  (on a cell with hidden parts the kernel ran only the visible part, so its pass says nothing about the rest)
- in-kernel fail (or missing) but trusted pass: full points, flagged with a note (stderr output, a deleted cell,
  a notebook that did not run to the end: nbgrader fails these, the learner's functions are still right).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reconciled:
    scores: dict[str, float]
    messages: dict[str, str] = field(default_factory=dict)  # why a test cell failed, for the student
    flags: list[str] = field(default_factory=list)  # disagreements, for the instructor


def reconcile(points: Mapping[str, float], trusted: Mapping, in_kernel: Mapping[str, float] | None,
              partly_hidden: set[str] = frozenset()) -> Reconciled:
    """Scores per test cell from the trusted verdicts (grade_id -> object with .passed and .message), checked
    against nbgrader's in-kernel scores (None: not run); `partly_hidden` names the cells with hidden tests.
    A cell with no trusted verdict scores zero."""
    scores = {grade_id: 0.0 for grade_id in points}
    messages, flags = {}, []
    for grade_id, verdict in trusted.items():
        scores[grade_id] = points[grade_id] if verdict.passed else 0.0
        if not verdict.passed:
            messages[grade_id] = verdict.message
        if in_kernel is None:
            continue
        kernel_passed = in_kernel.get(grade_id, 0.0) >= points[grade_id]
        if kernel_passed and not verdict.passed and grade_id not in partly_hidden:
            flags.append(f"{grade_id}: passed in the kernel but failed the grader's own run "
                         f"({verdict.message}); suspected tampering, the grader's verdict stands")
        elif not kernel_passed and verdict.passed:
            flags.append(f"{grade_id}: failed or missing in the kernel (stderr output, a deleted cell, or "
                         "a notebook that did not run to the end) but passed the grader's own run; full points given")
    return Reconciled(scores, messages, flags)
