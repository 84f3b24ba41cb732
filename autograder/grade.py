"""Grade a class: every submission in parallel, each in a sandbox, scored by verdicts its code cannot forge.

For one submission (a worker process):
1. read the notebook file; one that is not a notebook gets zero and a flag, and grading goes on;
2. nbgrader autograde in a scratch course of its own, with the kernel in the sandbox (autograder.sandbox):
   nbgrader restores the test cells and their points from its gradebook, runs the notebook, and scores it;
3. the trusted run (autograder.verify): the lesson's test cells in the grader's process, against the learner's
   functions in a second sandboxed process;
4. the score of each test cell is the trusted verdict; where the in-kernel verdict disagrees it is overruled and
   the instructor gets a flag;
5. a feedback notebook: the autograded notebook (or, if the kernel died, the submission) with hidden tests
   removed and each test cell's output replaced by its verdict.
The coordinator then writes the scores into the course's gradebook (SQLite or PostgreSQL, nbgrader's own
schema), the feedback notebooks into autograded/, and the flags into flags/<lesson>.json.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from autograder import sandbox
from autograder.course import ROOT, lesson_notebook, make_course, run_nbgrader
from autograder.notebooks import cells_by_id, read
from autograder.safe_feedback import HIDDEN, nbgrader_from_source, safe_feedback
from autograder.safe_text import printable

HIDDEN_PLACEHOLDER = "# (hidden tests ran here when your notebook was graded)\n"
SUSPICIOUS = {  # patterns in a learner's code that an instructor may want to look at (they change no score)
    r"input_transformers|ast_transformers|register_magic": "rewrites how cells run (IPython transformers)",
    r"gradebook|nbgrader|NBGRADER": "mentions the grading system",
    r"os\._exit|sys\.exit|SystemExit|signal\.|ctypes": "exits or manipulates the process",
    r"(np|numpy)(\.testing)?\.\w+\s*=[^=]|setattr\(\s*(np|numpy)": "rebinds a numpy function",
    r"\bsocket\b|urllib|requests\.|http\.client": "tries to use the network",
    r"\.\./|/source/|open\(\s*['\"]/": "reads or writes files outside its folder",
}


@dataclass
class Options:
    workers: int = os.cpu_count() or 1
    cell_timeout: int = 60  # seconds per cell, in the kernel and per call in the trusted run
    submission_timeout: int = 600  # wall seconds for nbgrader's whole run of one notebook
    memory_mib: int = 2048  # address space per learner process; torch with a lesson's data fits in 1 GiB
    use_sandbox: bool = True
    in_kernel: bool = True  # run nbgrader's own execution too (feedback with the learner's outputs, tamper flags)

    def limits(self) -> sandbox.Limits:
        return sandbox.Limits(memory_bytes=self.memory_mib * 2**20, cpu_seconds=self.submission_timeout)


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


def max_scores(source) -> dict[str, float]:
    return {c.metadata["nbgrader"]["grade_id"]: float(c.metadata["nbgrader"]["points"]) for c in source.cells
            if c.get("metadata", {}).get("nbgrader", {}).get("grade")}


def prepare_template(lesson: str, workdir: Path, root: Path = ROOT) -> Path:
    """A scratch course whose gradebook knows the lesson's test cells, without their hidden parts.

    nbgrader restores test cells from this gradebook into the sandboxed kernel, so the kernel never holds a
    hidden test: nothing the learner's code prints can carry one into the feedback. Hidden tests run only in
    the grader's own process (autograder.verify).
    """
    course = make_course(workdir, [lesson], root)
    path = lesson_notebook(lesson, root=course)
    notebook = read(path)
    for cell in notebook.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            cell.source = HIDDEN.sub(HIDDEN_PLACEHOLDER, cell.source)
    nbformat.write(notebook, str(path))
    run_nbgrader(["generate_assignment", lesson, "--force",
                  f"--CourseDirectory.release_directory={workdir / 'release-unused'}"], course)
    return course


def suspicious_code(notebook) -> list[str]:
    """Flags for learner code that touches the grading machinery (the verdicts do not depend on them)."""
    found = []
    for cell in notebook.cells:
        if cell.get("cell_type") != "code" or cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            continue
        for pattern, meaning in SUSPICIOUS.items():
            if re.search(pattern, cell.get("source", "")) and meaning not in found:
                found.append(meaning)
    return [f"suspicious code: {meaning}" for meaning in found]


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


def _in_kernel(lesson: str, student: str, course: Path, scratch: Path, options: Options, keep=()) -> tuple:
    """nbgrader's own autograde of one student, in this process, with the kernel in the sandbox.

    Returns (scores by test cell, autograded notebook). Raises RuntimeError if nbgrader could not finish.
    """
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput, SaveAutoGrades
    from nbgrader.utils import capture_log
    from traitlets.config import Config

    from autograder.grading import scores
    from autograder.kernel import CappedExecute

    sockets = scratch / "sockets"
    sockets.mkdir()
    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.db_url = f"sqlite:///{course / 'gradebook.db'}"
    config.Autograde.autograde_preprocessors = [CappedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
                                                SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
    config.Execute.timeout = options.cell_timeout
    config.Execute.interrupt_on_timeout = True
    config.Execute.iopub_timeout = 30  # as in nbgrader_config.py: late output on a busy machine is not a failure
    config.KernelManager.transport = "ipc"  # unix sockets of this submission's own: no TCP port to race for
    config.KernelManager.ip = str(sockets / "kernel")
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
    watchdog.start()
    try:
        outcome = capture_log(app)
    finally:
        watchdog.cancel()
    if fired.is_set():
        raise TimeoutError
    autograded = course / "autograded" / student / lesson / f"{lesson}.ipynb"
    if not outcome["success"] or not autograded.exists():
        last = (outcome.get("error") or outcome.get("log") or "").strip().splitlines()[-1:]
        raise RuntimeError(f"nbgrader could not run the notebook to the end ({' '.join(last)[-300:]})")
    return scores(course, lesson, [student])[student], read(autograded)


def feedback_notebook(notebook, source, result: Result):
    """The notebook a student gets back: hidden tests removed, each test cell showing its verdict."""
    notebook = nbformat.from_dict(json.loads(json.dumps(notebook)))
    tests = {c.metadata["nbgrader"]["grade_id"]: c for c in source.cells
             if c.get("metadata", {}).get("nbgrader", {}).get("grade")}
    for cell in notebook.cells:
        identifier = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if identifier in tests:
            cell.source = HIDDEN.sub(HIDDEN_PLACEHOLDER, tests[identifier].source)
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


_ZYGOTES: dict = {}  # per process: one warm learner sandbox per lesson setup cell


def zygote_for(source, options: Options):
    """This process's zygote for the lesson of `source` (started on first use, reused for every submission)."""
    from autograder.verify import Zygote

    setup = cells_by_id(source)["setup"].source
    key = (setup, options.use_sandbox)
    if key not in _ZYGOTES:
        _ZYGOTES[key] = Zygote(setup, Path(tempfile.mkdtemp(prefix="learner-")), options.limits(), options.use_sandbox)
    return _ZYGOTES[key]


def close_zygotes() -> None:
    """Stop this process's zygotes and remove the folders they worked in."""
    while _ZYGOTES:
        _ZYGOTES.popitem()[1].close(remove_workdir=True)


def grade_one(lesson: str, student: str, path: Path, template: Path | None, options: Options,
              root: Path = ROOT) -> Result:
    """Grade one submission file (runs in a worker process); never raises for a bad submission.

    `template` is a course from prepare_template (needed when options.in_kernel); the test cells, hidden ones
    included, come from the source/ of `root`.
    """
    from autograder.verify import run_trusted

    started = time.monotonic()
    source = read(lesson_notebook(lesson, root=root))
    points = max_scores(source)
    result = Result(student, {g: 0.0 for g in points}, points)
    try:
        submission = nbformat.read(str(path), as_version=4)
        nbformat.validate(submission)
    except Exception as error:  # empty, truncated, not JSON, not a notebook
        result.flags.append(f"not a readable notebook ({type(error).__name__}): zero points")
        result.notes.append("Your file could not be read as a Jupyter notebook, so nothing could be graded.")
        result.messages = {g: "the notebook could not be read" for g in points}
        result.feedback = feedback_notebook(source_stub(source), source, result)
        result.seconds = time.monotonic() - started
        return result

    nbgrader_from_source(submission, source)  # tampered nbgrader metadata neither breaks nbgrader nor counts
    result.flags += suspicious_code(submission)
    with tempfile.TemporaryDirectory(prefix=f"grade-{student}-") as scratch_name:
        scratch = Path(scratch_name)
        autograded = None
        if options.in_kernel:
            course = scratch / "course"
            shutil.copytree(template, course)
            target = course / "submitted" / student / lesson
            target.mkdir(parents=True)
            nbformat.write(submission, str(target / f"{lesson}.ipynb"))
            zygote = zygote_for(source, options)
            keep = {zygote.process.pid} if zygote.process else set()
            try:
                result.in_kernel, autograded = _in_kernel(lesson, student, course, scratch, options, keep)
            except TimeoutError:
                result.flags.append(f"the notebook ran over {options.submission_timeout} s in the kernel")
                result.notes.append(f"Your notebook did not finish within {options.submission_timeout} s.")
            except Exception as error:  # nbgrader could not finish: the trusted run still grades
                result.flags.append(str(error) if isinstance(error, RuntimeError) else
                                    f"nbgrader failed: {type(error).__name__}: {error}")
                result.notes.append("Your notebook stopped the grading kernel before the end (for example by "
                                    "exiting the process, crashing it, or using too much memory).")
        trusted = run_trusted(source, submission, zygote_for(source, options), options.cell_timeout)
    result.flags += trusted.events
    # the kernel ran these cells without their hidden parts: its pass says nothing about the hidden checks
    partly_hidden = {c.metadata["nbgrader"]["grade_id"] for c in source.cells
                     if c.get("metadata", {}).get("nbgrader", {}).get("grade") and HIDDEN.search(c.source)}
    for grade_id, verdict in trusted.verdicts.items():
        result.scores[grade_id] = points[grade_id] if verdict.passed else 0.0
        if not verdict.passed:
            result.messages[grade_id] = verdict.message
        if result.in_kernel is not None:
            kernel_score = result.in_kernel.get(grade_id, 0.0)
            if kernel_score >= points[grade_id] and not verdict.passed and grade_id not in partly_hidden:
                result.flags.append(f"{grade_id}: passed in the kernel but failed the grader's own run "
                                    f"({verdict.message}); suspected tampering, the grader's verdict stands")
            elif kernel_score < points[grade_id] and verdict.passed:
                result.flags.append(f"{grade_id}: failed or missing in the kernel (stderr output, a deleted cell, or "
                                    "a notebook that did not run to the end) but passed the grader's own run; "
                                    "full points given")
    result.feedback = feedback_notebook(autograded or submission, source, result)
    result.seconds = time.monotonic() - started
    return result


def source_stub(source):
    """The release form of a lesson, used as the feedback notebook when a submission cannot be read."""
    return nbformat.from_dict({**source, "cells": [c for c in source.cells if c.cell_type == "markdown"][:1]
                               + [c for c in source.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")]})


def find_submissions(lesson: str, submitted: Path) -> tuple[dict[str, Path], list[str]]:
    """{student: notebook path} from submitted/<student>/<lesson>/, and flags for folders that do not fit."""
    found, flags = {}, []
    if not submitted.is_dir():
        return found, [f"no folder {submitted}"]
    for student_dir in sorted(p for p in submitted.iterdir() if p.is_dir()):
        folder = student_dir / lesson
        expected = folder / f"{lesson}.ipynb"
        if expected.is_file():
            found[student_dir.name] = expected
            continue
        others = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
        if len(others) == 1:
            found[student_dir.name] = others[0]
            flags.append(f"{student_dir.name}: graded {others[0].name}, expected {expected.name}")
        elif folder.is_dir() or others:
            found[student_dir.name] = expected  # graded as missing: zero, with feedback
            flags.append(f"{student_dir.name}: no notebook named {expected.name} in {folder}")
    return found, flags


def _progress(done: int, total: int, note: str) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} graded  {printable(note)[:40]:40s}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _quiet_gradebook() -> None:
    """nbgrader's gradebook code triggers SQLAlchemy warnings that say nothing about the grades."""
    import warnings

    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)


def _worker_main(connection, template, options: Options, root: Path) -> None:
    """A grading process: set up once (kernel spec, limits), then grade the submissions it is sent."""
    _quiet_gradebook()
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
            result = _failed(lesson, student, f"grading failed: {type(error).__name__}: {error}", root)
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
        self.process.join(10)


def _failed(lesson: str, student: str, flag: str, root: Path) -> Result:
    points = max_scores(read(lesson_notebook(lesson, root=root)))
    return Result(student, {g: 0.0 for g in points}, points, flags=[flag],
                  notes=["Your notebook could not be graded automatically; your instructor will look at it."],
                  messages={g: "not graded" for g in points})


def grade_all(lesson: str, submissions: dict[str, Path], options: Options, root: Path = ROOT,
              progress: bool = True) -> dict[str, Result]:
    """Grade every submission with `options.workers` processes; results by student.

    A grading process that dies or runs past every limit is replaced; only its submission is affected.
    """
    if options.use_sandbox and not sandbox.available():
        raise SystemExit("bubblewrap (bwrap) is not installed: install it (Debian: apt-get install bubblewrap), "
                         "or pass --no-sandbox to grade without isolation")
    from multiprocessing.connection import wait

    results: dict[str, Result] = {}
    budget = options.submission_timeout * 2 + 300  # nbgrader's run, the trusted run, and start-up
    with tempfile.TemporaryDirectory(prefix=f"grade-{lesson}-") as scratch:
        template = prepare_template(lesson, Path(scratch) / "template", root)
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
            ready = wait([w.connection for w in busy] + [w.process.sentinel for w in busy], timeout=5)
            for index, worker in enumerate(workers):
                if not worker.task:
                    continue
                student = worker.task[1]
                if worker.connection in ready:
                    try:
                        results[student] = worker.connection.recv()
                    except (EOFError, OSError):
                        results[student] = _failed(lesson, student, "the grading process died", root)
                        worker.stop(kill=True)
                        workers[index] = worker = _Worker(context, template, options, root)
                elif worker.process.sentinel in ready or time.monotonic() - worker.started > budget:
                    results[student] = _failed(lesson, student, "the grading process died or ran out of time", root)
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


def record(lesson: str, results: dict[str, Result], db_url: str, root: Path = ROOT, extra_flags=()) -> None:
    """Write scores to the gradebook, feedback notebooks to autograded/, flags to flags/<lesson>.json."""
    from nbgrader.api import Gradebook, MissingEntry

    from autograder.export import register_lesson

    _quiet_gradebook()
    with Gradebook(db_url) as gradebook:
        try:
            gradebook.find_assignment(lesson)
            known = True
        except MissingEntry:
            known = False
    if not known:  # register the lesson's test cells in this gradebook, without their hidden parts
        register_lesson(lesson, db_url, root)
    with Gradebook(db_url) as gradebook:
        for student, result in results.items():
            gradebook.update_or_create_student(student)
            submission = gradebook.update_or_create_submission(lesson, student)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    grade.auto_score = result.scores.get(grade.name, 0.0)
                    grade.needs_manual_grade = False
            gradebook.db.commit()
    for student, result in results.items():
        folder = root / "autograded" / student / lesson
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        if result.feedback is not None:
            nbformat.write(nbformat.from_dict(result.feedback), str(folder / f"{lesson}.ipynb"))
    flags = [{"student": "", "flag": flag} for flag in extra_flags]
    flags += [{"student": s, "flag": f} for s, r in results.items() for f in r.flags]
    (root / "flags").mkdir(exist_ok=True)
    (root / "flags" / f"{lesson}.json").write_text(json.dumps(flags, indent=1))
    (root / "flags" / f"{lesson}.results.json").write_text(json.dumps(
        {s: {k: v for k, v in asdict(r).items() if k != "feedback"} for s, r in results.items()}, indent=1))
