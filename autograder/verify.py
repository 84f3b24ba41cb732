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
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder import rpc, sandbox
from autograder.notebooks import cells_by_id, grade_id, solution_ids

STARTUP_SECONDS = 90  # a zygote's start: the lesson's setup cell (importing torch) in a new sandbox


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
    """The cells the learner's process runs after the source's setup cell (which its zygote has run): in the
    submission's order, every solution cell and every cell the learner added. Locked cells (tests, figures,
    explorers) are left out."""
    source_cells = cells_by_id(source)
    solutions = set(solution_ids(source))
    cells = []
    for cell in submission.cells:
        if cell.get("cell_type") != "code":
            continue
        identifier = grade_id(cell)
        if identifier in solutions or identifier not in source_cells:
            cells.append(cell.get("source", ""))
    return cells


class Zygote:
    """A warm sandboxed runner that has run the lesson's setup cell and forks one learner process per request."""

    def __init__(self, setup_source: str, workdir: Path, limits: sandbox.Limits, use_sandbox: bool = True):
        self.setup_source = setup_source
        self.workdir = workdir
        self.limits = limits
        self.use_sandbox = use_sandbox
        self.process = None

    def _spawn(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-m", "autograder.runner"]
        env = None
        if self.use_sandbox:
            argv = sandbox.bwrap_command(argv, writable=[self.workdir], cwd=self.workdir)
        else:
            env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, cwd=self.workdir, env=env,
                                        preexec_fn=self.limits.apply, start_new_session=True)
        self.reader = rpc.MessageReader(self.process.stdout.fileno())
        self.write({"op": "preload", "cells": [self.setup_source]})
        answer = self.read(STARTUP_SECONDS)
        if answer.get("failed"):
            raise LearnerFailure("the lesson's setup cell failed in the sandbox")
        if answer.get("threads"):  # forking a process with threads can deadlock its children
            raise LearnerFailure(f"the zygote runs threads after its setup: {answer['threads']}")

    def write(self, message: dict) -> None:
        rpc.write_message(self.process.stdin, message)

    def read(self, timeout: float) -> dict:
        return self.reader.read(timeout)

    def fork(self) -> None:
        """Start a fresh learner process (the zygote starts first if it is not running)."""
        if self.process is None or self.process.poll() is not None:
            self.restart()
            self._spawn()
        self.write({"op": "fork"})
        if not self.read(STARTUP_SECONDS).get("forked"):
            raise rpc.ProtocolError("the zygote did not fork")

    def end_child(self) -> None:
        """End the current learner process and wait until the zygote has cleaned up after it."""
        try:
            self.write({"op": "end"})
            while "child_exit" not in self.read(10):
                pass
        except (TimeoutError, EOFError, BrokenPipeError, rpc.ProtocolError):
            self.restart()

    def restart(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, 9)
            self.process.wait()
            self.process = None

    def close(self, remove_workdir: bool = False) -> None:
        self.restart()
        if remove_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


class Learner:
    """One submission's learner process, forked from a zygote. After a crash or a timeout it is forked again with
    the cells that ran before; a cell that hangs is skipped, one that kills the process ends the list."""

    def __init__(self, cells: list[str], zygote: Zygote, call_timeout: float, max_restarts: int = 3):
        self.cells = list(cells)
        self.zygote = zygote
        self.call_timeout = call_timeout
        self.cell_timeout = max(call_timeout, 30.0)  # a cell may import or build data; a busy machine is slow
        self.restarts_left = max_restarts
        self.alive = False
        self.events: list[str] = []  # what happened, for the instructor's flags
        self.cell_errors: list = []

    def _lost(self, answer: dict | None) -> int | None:
        """After the learner process died: resynchronise with the zygote; the exit code if known."""
        self.alive = False
        try:
            while answer is None or "child_exit" not in answer:
                answer = self.zygote.read(10)
        except (TimeoutError, EOFError, rpc.ProtocolError):
            self.zygote.restart()
            return None
        return answer["child_exit"]

    def start(self) -> None:
        while True:
            try:
                self.zygote.fork()
            except (TimeoutError, EOFError, BrokenPipeError, rpc.ProtocolError):
                self.zygote.restart()
                raise LearnerFailure("the sandboxed learner process did not start") from None
            self.zygote.write({"op": "cells", "cells": self.cells})
            current = None
            try:
                while True:
                    message = self.zygote.read(self.cell_timeout)
                    if "starting" in message:
                        current = int(message["starting"])
                    elif "child_exit" in message:
                        code = self._lost(message)
                        self.events.append(f"the learner's process died (exit code {code}) in one of its cells; "
                                           "the cells after it were not run")
                        self.cells = self.cells[: current or 0]
                        break
                    else:
                        self.cell_errors = message.get("failed", [])
                        self.alive = True
                        return
            except TimeoutError:
                self.events.append(f"a cell of the learner ran over {self.cell_timeout:.0f} s and was skipped")
                self.zygote.restart()
                if current is None:
                    raise LearnerFailure("the learner's process did not start") from None
                del self.cells[current]
            except (EOFError, rpc.ProtocolError):
                self.zygote.restart()
                self.events.append("the learner's process broke its channel; the cells after it were not run")
                self.cells = self.cells[: current or 0]

    def request(self, message: dict) -> dict:
        if not self.alive:
            if self.restarts_left <= 0:
                raise LearnerFailure("your code crashed or hung too often; no further checks were run")
            self.restarts_left -= 1
            self.start()
        try:
            self.zygote.write(message)
            answer = self.zygote.read(self.call_timeout)
        except TimeoutError:
            self.zygote.restart()
            self.alive = False
            self.events.append(f"a call ran over {self.call_timeout:.0f} s")
            raise LearnerFailure(f"your code did not return within {self.call_timeout:.0f} s") from None
        except (EOFError, BrokenPipeError, rpc.ProtocolError) as exc:
            self.zygote.restart()
            self.alive = False
            self.events.append(f"the learner's process broke its channel during a call ({type(exc).__name__})")
            raise LearnerFailure("your code crashed the Python process") from None
        if "child_exit" in answer:
            code = self._lost(answer)
            self.events.append(f"the learner's process died during a call (exit code {code})")
            raise LearnerFailure(f"your code crashed the Python process (exit code {code})")
        if "error" in answer:
            error = answer["error"]
            raise LearnerFailure(f"{error.get('type')}: {error.get('message')}")
        return answer

    def close(self) -> None:
        if self.alive:
            self.zygote.end_child()
            self.alive = False


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

    def own(value):  # one of this learner's objects, passed back to its code (e.g. a model to a training loop)
        return value._handle if isinstance(value, _Remote) and value._learner is learner else None

    encoded = [rpc.encode(a, handles, own) for a in args]
    encoded_kwargs = {k: rpc.encode(v, handles, own) for k, v in kwargs.items()}
    if handles:
        raise TypeError("only data (arrays, numbers, strings, numpy Generators and containers of them) and the "
                        "learner's own objects can be passed to learner code")
    answer = learner.request({"op": "call", "target": target, "args": encoded, "kwargs": encoded_kwargs})
    for original, after in zip(args, answer.get("args_after", []), strict=False):
        _write_back(original, _decode(learner, after))
    for name, after in answer.get("kwargs_after", {}).items():
        if name in kwargs:
            _write_back(kwargs[name], _decode(learner, after))
    return _decode(learner, answer["ok"])


def _write_back(original, after) -> None:
    """Make an argument look as the learner's call left it, as it would in a kernel: arrays it wrote into
    (also inside dicts, lists and tuples) and generators it drew from."""
    if isinstance(original, np.ndarray):
        if original.flags.writeable and isinstance(after, np.ndarray) and after.shape == original.shape:
            np.copyto(original, after, casting="unsafe")
    elif isinstance(original, np.random.Generator):
        if isinstance(after, np.random.Generator) and type(after.bit_generator) is type(original.bit_generator):
            original.bit_generator.state = after.bit_generator.state
    elif isinstance(original, dict) and isinstance(after, dict):
        for key, value in original.items():
            if key in after:
                _write_back(value, after[key])
    elif isinstance(original, (list, tuple)) and isinstance(after, (list, tuple)):
        for value, changed in zip(original, after, strict=False):
            _write_back(value, changed)


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


def run_trusted(source, submission, zygote: Zygote, call_timeout: float = 60.0) -> TrustedResult:
    """Grade `submission` against the test cells of `source` (both nbformat notebooks); see module docstring.

    `zygote` must have been made with the setup cell of `source`.
    """
    cells = cells_by_id(source)
    learner = Learner(learner_cells(submission, source), zygote, call_timeout)
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
