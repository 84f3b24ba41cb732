"""How a class is graded: the instructor's options (`grade` flags) and the grader's own time limits."""

from __future__ import annotations

import os
from dataclasses import dataclass

from autograder import sandbox

# per cell in the kernel, per call in the trusted run: room for a lesson cell on a loaded machine, yet an
# endless loop is cut within a minute
CELL_SECONDS = 60
NOTEBOOK_SECONDS = 600  # nbgrader's whole run of one notebook; also the learner's CPU-time limit
IOPUB_SECONDS = 30  # as in nbgrader_config.py: output that arrives late on a busy machine is not a failure
WORKER_START_SECONDS = 300  # a grading process's start-up (imports, kernel spec, a zygote) beyond the two runs
POOL_POLL_SECONDS = 5  # how often the pool looks at workers that neither answer nor die
WORKER_EXIT_SECONDS = 10  # a stopped grading process's clean-up (its zygotes) before it is left behind


@dataclass
class Options:
    workers: int = os.cpu_count() or 1
    cell_timeout: int = CELL_SECONDS
    submission_timeout: int = NOTEBOOK_SECONDS
    memory_mib: int = 2048  # address space per learner process; torch with a lesson's data fits in 1 GiB
    use_sandbox: bool = True
    in_kernel: bool = True  # run nbgrader's own execution too (feedback with the learner's outputs, tamper flags)

    def limits(self) -> sandbox.Limits:
        return sandbox.Limits(memory_bytes=self.memory_mib * 2**20, cpu_seconds=self.submission_timeout)

    @property
    def worker_budget(self) -> int:
        """Wall seconds a grading process may take for one submission: nbgrader's run, the trusted run (each at
        most submission_timeout), and its start-up; past it the process is replaced and the submission flagged."""
        return 2 * self.submission_timeout + WORKER_START_SECONDS
