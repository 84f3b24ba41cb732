"""nbgrader's own autograde of one submission, with its kernel in the sandbox: the learner's outputs for the
feedback, and the in-kernel scores that autograder.reconcile checks against the trusted ones."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

from autograder import memory_cap, sandbox
from autograder.course import autograded_notebook, gradebook_url, kernel_on_unix_sockets
from autograder.notebooks import read
from autograder.options import IOPUB_SECONDS, Options


def _kill_children(keep: set[int]) -> None:
    """Kill this process's descendants (a kernel past its time), sparing the processes in `keep` and theirs."""
    import psutil

    me = psutil.Process()
    spared = set(keep)
    for pid in keep:
        with contextlib.suppress(psutil.Error):
            spared.update(child.pid for child in psutil.Process(pid).children(recursive=True))
    for child in me.children(recursive=True):
        if child.pid not in spared:
            with contextlib.suppress(psutil.Error):
                child.kill()


def autograde_in_kernel(lesson: str, student: str, course: Path, scratch: Path, options: Options,
                        keep: set[int] = frozenset()) -> tuple:
    """nbgrader autograde of `student` in the scratch `course` (a copy of the template holding the submission),
    in this process; `keep`: processes the watchdog spares (this process's zygote).

    Returns (scores by test cell, autograded notebook). Raises TimeoutError past options.submission_timeout and
    RuntimeError if nbgrader could not finish.
    """
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput, SaveAutoGrades
    from nbgrader.utils import capture_log
    from traitlets.config import Config

    from autograder.gradebook import scores
    from autograder.kernel import CappedExecute

    sockets = scratch / "sockets"
    sockets.mkdir()
    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.db_url = gradebook_url(course)
    config.Autograde.autograde_preprocessors = [CappedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
                                                SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
    config.Execute.timeout = options.cell_timeout
    config.Execute.interrupt_on_timeout = True
    config.Execute.iopub_timeout = IOPUB_SECONDS
    config.KernelManager.update(kernel_on_unix_sockets(sockets))
    if options.use_sandbox:
        config.Execute.kernel_name = sandbox.KERNEL_NAME
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id, coursedir.student_id = lesson, student
    app = Autograde(coursedir=coursedir, config=config)
    app.force, app.create_student = True, True
    fired = threading.Event()

    def time_up() -> None:
        fired.set()
        _kill_children(set(keep))  # the kernel dies, nbgrader stops, this submission is flagged

    watchdog = threading.Timer(options.submission_timeout, time_up)
    cgroup = None
    if options.use_sandbox and memory_cap.available():  # every process of this kernel's sandbox, together
        cgroup = memory_cap.MemoryCgroup("kernel", options.limits().memory_bytes)
        os.environ[memory_cap.KERNEL_VARIABLE] = str(cgroup.path)  # the kernel's launcher enters it
    watchdog.start()
    try:
        outcome = capture_log(app)
    finally:
        watchdog.cancel()
        if cgroup is not None:
            del os.environ[memory_cap.KERNEL_VARIABLE]
            cgroup.remove()
    if fired.is_set():
        raise TimeoutError
    autograded = autograded_notebook(student, lesson, course)
    if not outcome["success"] or not autograded.exists():
        last = (outcome.get("error") or outcome.get("log") or "").strip().splitlines()[-1:]
        raise RuntimeError(f"nbgrader could not run the notebook to the end ({' '.join(last)[-300:]})")
    return scores(gradebook_url(course), lesson, [student])[student], read(autograded)
