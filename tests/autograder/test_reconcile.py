"""The verdict rule (autograder.reconcile): the trusted verdict is the score; disagreements are flagged."""

import pytest

from autograder.reconcile import reconcile
from autograder.verify import Verdict

POINTS = {"test_a": 10.0, "test_b": 5.0}


def _flags_about(result, grade_id):
    return [flag for flag in result.flags if flag.startswith(f"{grade_id}:")]


@pytest.mark.parametrize("kernel", [None, {"test_a": 10.0, "test_b": 5.0}, {"test_a": 0.0, "test_b": 0.0}])
def test_the_trusted_verdict_is_the_score_whatever_the_kernel_says(kernel):
    result = reconcile(POINTS, {"test_a": Verdict(True), "test_b": Verdict(False, "wrong shape")}, kernel)
    assert result.scores == {"test_a": 10.0, "test_b": 0.0}
    assert result.messages == {"test_b": "wrong shape"}


def test_agreement_and_no_kernel_run_give_no_flags():
    verdicts = {"test_a": Verdict(True), "test_b": Verdict(False, "no")}
    assert reconcile(POINTS, verdicts, {"test_a": 10.0, "test_b": 0.0}).flags == []
    assert reconcile(POINTS, verdicts, None).flags == []


def test_a_kernel_pass_the_grader_fails_is_suspected_tampering():
    result = reconcile(POINTS, {"test_a": Verdict(False, "not close"), "test_b": Verdict(True)},
                       {"test_a": 10.0, "test_b": 5.0})
    assert result.scores["test_a"] == 0.0
    [flag] = _flags_about(result, "test_a")
    assert "suspected tampering" in flag and "not close" in flag
    assert _flags_about(result, "test_b") == []


def test_a_kernel_pass_on_a_cell_with_hidden_tests_says_nothing():
    """The kernel ran only the visible part of such a cell: passing it there and failing here is no sign."""
    result = reconcile(POINTS, {"test_a": Verdict(False, "hidden check"), "test_b": Verdict(True)},
                       {"test_a": 10.0, "test_b": 5.0}, partly_hidden={"test_a"})
    assert result.scores["test_a"] == 0.0 and result.flags == []


@pytest.mark.parametrize("kernel", [{"test_a": 0.0, "test_b": 5.0}, {"test_a": 9.5, "test_b": 5.0}, {"test_b": 5.0}])
def test_a_kernel_fail_the_grader_passes_keeps_full_points_with_a_note(kernel):
    """Failed, partly scored or missing in the kernel (stderr output, a deleted cell, a run cut short)."""
    result = reconcile(POINTS, {"test_a": Verdict(True), "test_b": Verdict(True)}, kernel)
    assert result.scores == POINTS
    [flag] = _flags_about(result, "test_a")
    assert "full points given" in flag
    assert "suspected tampering" not in flag


def test_a_cell_without_a_trusted_verdict_scores_zero():
    result = reconcile(POINTS, {"test_a": Verdict(True)}, {"test_a": 10.0, "test_b": 5.0})
    assert result.scores == {"test_a": 10.0, "test_b": 0.0}
