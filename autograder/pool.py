"""The worker pool: a class graded by `options.workers` grading processes, each grading one submission at a time
(autograder.submission). A process that dies or runs past its budget is replaced; only its submission is
flagged. The results are recorded by autograder.gradebook."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from multiprocessing.connection import wait
from pathlib import Path

from autograder import sandbox
from autograder.course import ROOT, lesson_notebook
from autograder.gradebook import quiet_gradebook
from autograder.notebooks import max_scores, read
from autograder.options import POOL_POLL_SECONDS, WORKER_EXIT_SECONDS, Options
from autograder.result import Result, ungraded
from autograder.safe_text import printable
from autograder.submission import grade_one
from autograder.template import prepare_template
from autograder.zygotes import close_zygotes


def _progress(done: int, total: int, note: str) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} graded  {printable(note)[:40]:40s}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _ungraded(lesson: str, student: str, flag: str, root: Path) -> Result:
    return ungraded(student, max_scores(read(lesson_notebook(lesson, root=root))), flag)


def _worker_main(connection, template, options: Options, root: Path) -> None:
    """A grading process: set up once (kernel spec, limits), then grade the submissions it is sent."""
    quiet_gradebook()
    jupyter = Path(tempfile.mkdtemp(prefix="kernelspec-"))
    sandbox.kernel_spec(jupyter)
    os.environ["JUPYTER_PATH"] = str(jupyter)
    os.environ.update(options.limits().environment())
    while True:
        task = connection.recv()
        if task is None:
            break
        lesson, student, path = task
        try:
            result = grade_one(lesson, student, path, template, options, root)
        except Exception as error:  # a fault of the grader's: flag this submission, keep the worker
            result = _ungraded(lesson, student, f"grading failed: {type(error).__name__}: {error}", root)
        connection.send(result)
    close_zygotes()
    shutil.rmtree(jupyter, ignore_errors=True)


class _Worker:
    def __init__(self, context, template, options, root):
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, template, options, root), daemon=True)
        self.process.start()
        self.task = None
        self.started = 0.0

    def send(self, task) -> None:
        self.task, self.started = task, time.monotonic()
        self.connection.send(task)

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            with contextlib.suppress(OSError):
                self.connection.send(None)
        self.process.join(WORKER_EXIT_SECONDS)


def grade_all(lesson: str, submissions: dict[str, Path], options: Options, root: Path = ROOT,
              progress: bool = True) -> dict[str, Result]:
    """Grade every submission with `options.workers` processes; results by student."""
    if options.use_sandbox and not sandbox.available():
        raise SystemExit("bubblewrap (bwrap) is not installed: install it (Debian: apt-get install bubblewrap), "
                         "or pass --no-sandbox to grade without isolation")
    results: dict[str, Result] = {}
    with tempfile.TemporaryDirectory(prefix=f"grade-{lesson}-") as scratch:
        # nbgrader's template course serves only its in-kernel run
        template = prepare_template(lesson, Path(scratch) / "template", root) if options.in_kernel else None
        context = multiprocessing.get_context("spawn")  # workers start clean: no threads or state inherited
        queue = [(lesson, student, path) for student, path in submissions.items()]
        workers = [_Worker(context, template, options, root) for _ in range(max(1, min(options.workers, len(queue))))]
        if progress:
            _progress(0, len(submissions), "")
        for worker in workers:
            if queue:
                worker.send(queue.pop(0))
        while any(worker.task for worker in workers):
            busy = [worker for worker in workers if worker.task]
            ready = wait([w.connection for w in busy] + [w.process.sentinel for w in busy], timeout=POOL_POLL_SECONDS)
            for index, worker in enumerate(workers):
                if not worker.task:
                    continue
                student = worker.task[1]
                if worker.connection in ready:
                    try:
                        results[student] = worker.connection.recv()
                    except (EOFError, OSError):
                        results[student] = _ungraded(lesson, student, "the grading process died", root)
                        worker.stop(kill=True)
                        workers[index] = worker = _Worker(context, template, options, root)
                elif worker.process.sentinel in ready or time.monotonic() - worker.started > options.worker_budget:
                    results[student] = _ungraded(lesson, student, "the grading process died or ran out of time", root)
                    worker.stop(kill=True)
                    workers[index] = worker = _Worker(context, template, options, root)
                else:
                    continue
                worker.task = None
                if progress:
                    _progress(len(results), len(submissions), f"{student}: {results[student].total:g}")
                if queue:
                    worker.send(queue.pop(0))
        for worker in workers:
            worker.stop()
    return dict(sorted(results.items()))
