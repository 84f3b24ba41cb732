"""Trusted verdicts: the lesson's own test cells, run in the grader's process against the learner's functions.

The learner's cells run in a sandboxed process (autograder.runner). In the grader's process, a fresh namespace
gets the lesson's setup cell (from source/) and, for every name a solution cell defines, a proxy: calling it
sends the arguments to the learner's process and brings back the result as plain data. The test cells, hidden
tests included, then run here, with the course's own numpy, torch and utils. Patching numpy, rewriting later
cells, or reading the gradebook in the learner's process changes nothing here: the only thing that crosses is
data, and it is judged by code the learner never touched.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import select
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder import rpc, sandbox
from autograder.notebooks import cells_by_id, grade_id, solution_ids

STARTUP_SECONDS = 60  # importing torch and running the learner's cells, per cell


class LearnerFailure(Exception):
    """The learner's code raised, crashed, timed out or returned something that cannot cross."""


def defined_names(source: str) -> dict[str, str]:
    """{name: 'function' | 'value'} for the top-level names a solution cell's reference code defines."""
    names = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names[node.name] = "function"
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update({t.id: "value" for t in targets if isinstance(t, ast.Name)})
    return names


def learner_cells(submission, source) -> list[str]:
    """The cells the learner's process runs: the source's setup cell, then, in the submission's order, every
    solution cell and every cell the learner added. Locked cells (tests, figures, explorers) are left out."""
    source_cells = cells_by_id(source)
    solutions = set(solution_ids(source))
    cells = [source_cells["setup"].source]
    for cell in submission.cells:
        if cell.get("cell_type") != "code":
            continue
        identifier = grade_id(cell)
        if identifier in solutions or identifier not in source_cells:
            cells.append(cell.get("source", ""))
    return cells


class Learner:
    """The learner's sandboxed process. Restarted after a crash or a timeout, with the cells that ran before."""

    def __init__(self, cells: list[str], workdir: Path, limits: sandbox.Limits, call_timeout: float,
                 use_sandbox: bool = True, max_restarts: int = 3):
        self.cells = list(cells)
        self.workdir = workdir
        self.limits = limits
        self.call_timeout = call_timeout
        self.use_sandbox = use_sandbox
        self.restarts_left = max_restarts
        self.process = None
        self.events: list[str] = []  # what happened, for the instructor's flags
        self.cell_errors: list = []

    # -- process management
    def _spawn(self) -> None:
        argv = [sys.executable, "-m", "autograder.runner"]
        if self.use_sandbox:
            argv = sandbox.bwrap_command(argv, writable=[self.workdir], cwd=self.workdir)
            env = None
        else:
            env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, cwd=self.workdir, env=env,
                                        preexec_fn=self.limits.apply, start_new_session=True)

    def _read(self, timeout: float) -> dict:
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            raise TimeoutError
        return rpc.read_message(self.process.stdout)

    def kill(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, 9)
            self.process.wait()
            self.process = None

    def start(self) -> None:
        """Run the learner's cells. A cell that times out is skipped; one that kills the process ends the list."""
        while True:
            self._spawn()
            rpc.write_message(self.process.stdin, {"op": "cells", "cells": self.cells})
            current = None
            try:
                while True:
                    message = self._read(STARTUP_SECONDS)
                    if "starting" in message:
                        current = int(message["starting"])
                        continue
                    self.cell_errors = message.get("failed", [])
                    return
            except TimeoutError:
                self.events.append(f"a cell of the learner ran over {STARTUP_SECONDS} s and was skipped")
                self.kill()
                if current is None:
                    raise LearnerFailure("the learner's process did not start") from None
                del self.cells[current]
            except (EOFError, rpc.ProtocolError):
                code = self.process.poll() if self.process else None
                self.kill()
                if current is None:
                    raise LearnerFailure("the learner's process did not start") from None
                self.events.append(f"the learner's process died (exit code {code}) in one of its cells; "
                                   "the cells after it were not run")
                self.cells = self.cells[:current]

    def request(self, message: dict) -> dict:
        if self.process is None:
            if self.restarts_left <= 0:
                raise LearnerFailure("the learner's code crashed or hung too often; no further checks were run")
            self.restarts_left -= 1
            self.start()
        try:
            rpc.write_message(self.process.stdin, message)
            answer = self._read(self.call_timeout)
        except TimeoutError:
            self.kill()
            self.events.append(f"a call ran over {self.call_timeout:.0f} s")
            raise LearnerFailure(f"your code did not return within {self.call_timeout:.0f} s") from None
        except (EOFError, BrokenPipeError, rpc.ProtocolError) as exc:
            code = self.process.poll() if self.process else None
            self.kill()
            self.events.append(f"the learner's process died during a call (exit code {code})")
            raise LearnerFailure(f"your code crashed the Python process ({type(exc).__name__}, exit code {code})") \
                from None
        if "error" in answer:
            error = answer["error"]
            raise LearnerFailure(f"{error.get('type')}: {error.get('message')}")
        return answer

    def close(self) -> None:
        self.kill()


@dataclass
class Verdict:
    passed: bool
    message: str = ""


@dataclass
class TrustedResult:
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    cell_errors: list = field(default_factory=list)


class _Remote:
    """A learner object that stayed in its process (e.g. a model); attribute reads and calls go there."""

    def __init__(self, learner: Learner, handle: int, type_name: str):
        self._learner, self._handle, self._type = learner, handle, type_name

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _decode(self._learner, self._learner.request({"op": "getattr", "handle": self._handle, "name": name})["ok"])

    def __call__(self, *args, **kwargs):
        return _call(self._learner, self._handle, args, kwargs)

    def __repr__(self):
        return f"<learner's {self._type}>"


def _decode(learner: Learner, message):
    try:
        return rpc.decode(message, lambda handle, type_name: _Remote(learner, handle, type_name))
    except (rpc.ProtocolError, ValueError, TypeError, KeyError) as exc:
        raise LearnerFailure(f"your code returned something the grader cannot read ({exc})") from None


def _call(learner: Learner, target, args, kwargs):
    handles: list = []
    encoded = [rpc.encode(a, handles) for a in args]
    encoded_kwargs = {k: rpc.encode(v, handles) for k, v in kwargs.items()}
    if handles:
        raise TypeError("only data (arrays, numbers, strings and containers of them) can be passed to learner code")
    answer = learner.request({"op": "call", "target": target, "args": encoded, "kwargs": encoded_kwargs})
    for original, after in zip(args, answer.get("args_after", []), strict=False):
        if isinstance(original, np.ndarray) and original.flags.writeable:
            changed = _decode(learner, after)
            if isinstance(changed, np.ndarray) and changed.shape == original.shape:
                np.copyto(original, changed, casting="unsafe")  # the learner wrote into its input
    return _decode(learner, answer["ok"])


class LearnerFunction:
    """Stands in for the learner's function in the grader's namespace."""

    def __init__(self, learner: Learner, name: str):
        self._learner, self.__name__ = learner, name

    def __call__(self, *args, **kwargs):
        try:
            return _call(self._learner, self.__name__, args, kwargs)
        except LearnerFailure as failure:
            text = str(failure)
            if text.startswith("NotImplementedError"):
                raise LearnerFailure(f"{self.__name__} is not implemented yet") from None
            if text.startswith(("NameError: name '" + self.__name__, "your code")):
                raise
            raise LearnerFailure(f"{self.__name__} raised {text}") from None


def run_trusted(source, submission, workdir: Path, limits: sandbox.Limits, call_timeout: float = 60.0,
                use_sandbox: bool = True) -> TrustedResult:
    """Grade `submission` against the test cells of `source` (both nbformat notebooks); see module docstring."""
    cells = cells_by_id(source)
    learner = Learner(learner_cells(submission, source), workdir, limits, call_timeout, use_sandbox)
    result = TrustedResult()
    try:
        learner.start()
        namespace: dict = {"__name__": "__trusted__"}
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(cells["setup"].source, "<setup>", "exec"), namespace)
        for solution in solution_ids(source):
            for name, kind in defined_names(cells[solution].source).items():
                if kind == "function":
                    namespace[name] = LearnerFunction(learner, name)
                else:
                    try:
                        namespace[name] = _decode(learner, learner.request({"op": "get", "name": name})["ok"])
                    except LearnerFailure:
                        namespace.pop(name, None)  # unanswered: the test cell meets a NameError, as in a kernel
        for cell in source.cells:
            nbgrader = cell.get("metadata", {}).get("nbgrader", {})
            if not nbgrader.get("grade") or cell.cell_type != "code":
                continue
            started = time.monotonic()
            try:
                with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
                    exec(compile(cell.source, f"<{nbgrader['grade_id']}>", "exec"), namespace)
                result.verdicts[nbgrader["grade_id"]] = Verdict(True)
            except Exception as exc:  # a failed check, or the learner's code failing inside it
                message = str(exc).splitlines()[0] if str(exc) else ""
                if not isinstance(exc, (LearnerFailure, AssertionError)):
                    message = f"{type(exc).__name__}: {message}"
                result.verdicts[nbgrader["grade_id"]] = Verdict(False, message[:400])
            if time.monotonic() - started > call_timeout * 3:
                result.events.append(f"{nbgrader['grade_id']} took {time.monotonic() - started:.0f} s")
    except LearnerFailure as exc:
        result.events.append(str(exc))
        for cell in source.cells:
            identifier = cell.get("metadata", {}).get("nbgrader", {})
            if identifier.get("grade") and identifier["grade_id"] not in result.verdicts:
                result.verdicts[identifier["grade_id"]] = Verdict(False, str(exc))
    finally:
        learner.close()
        result.events += learner.events
        result.cell_errors = learner.cell_errors
    return result
