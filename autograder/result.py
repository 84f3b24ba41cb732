"""What grading one submission gives: scores per test cell, flags for the instructor, notes and feedback for the
student."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Result:
    student: str
    scores: dict[str, float]  # final, per test cell
    max_scores: dict[str, float]
    messages: dict[str, str] = field(default_factory=dict)  # why a test cell failed (student-facing)
    in_kernel: dict[str, float] | None = None
    flags: list[str] = field(default_factory=list)  # for the instructor
    notes: list[str] = field(default_factory=list)  # for the student
    feedback: dict | None = None  # the feedback notebook, as JSON
    seconds: float = 0.0

    @property
    def total(self) -> float:
        return sum(self.scores.values())


def ungraded(student: str, points: dict[str, float], flag: str) -> Result:
    """Zero for a submission the grader itself could not grade (a grading process that died or raised)."""
    return Result(student, {g: 0.0 for g in points}, points, flags=[flag],
                  notes=["Your notebook could not be graded automatically; your instructor will look at it."],
                  messages={g: "not graded" for g in points})
