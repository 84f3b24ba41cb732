"""Trusted verdicts: the lesson's own test cells, run in the grader's process against the learner's functions.

The learner's cells run in a sandboxed process (autograder.runner). In the grader's process, a fresh namespace
gets the lesson's setup cell (from source/) and, for every name a solution cell defines, a proxy: calling it
sends the arguments to the learner's process and brings back the result as plain data. The test cells, hidden
tests included, then run here, with the course's own numpy, torch and utils. Patching numpy, rewriting later
cells, or reading the gradebook in the learner's process changes nothing here: the only thing that crosses is
data, and it is judged by code the learner never touched.

Each graded name is called in a learner process of its solution cell's kind (autograder.exercises): numpy-only
code in one without torch, torch-allowed code in one with it; neither has the grader side. A call (or the cell
that defines the name) that fails on what its process lacks is delegation: the verdict and the flags name the
function and what it reached ("rnn_cell_forward (numpy-only) reached torch (torch.tanh)").
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder import memory_cap, rpc, sandbox
from autograder.exercises import NUMPY, TORCH
from autograder.notebooks import cells_by_id, grade_id, solution_ids
from autograder.rpc import Op, Reply

STARTUP_SECONDS = 90  # a zygote's start: the lesson's setup cell (importing torch) in a new sandbox


class LearnerFailure(Exception):
    """The learner's code raised, crashed, timed out or returned something that cannot cross."""


GRADER_MODULE = re.compile(r"'(utils\.\w+\.grader(?:\.\w+)*)'")
TORCH_USE = re.compile(r"torch is not available to numpy-only exercises \(([\w.()]{1,120})\)")


def reached(error_type: str, message: str) -> str | None:
    """What a learner's error says its code reached that its process lacks ('torch (torch.tanh)', 'the grader
    side (utils.lesson01_rnn_cell.grader.reference)'), or None for any other error."""
    if error_type in ("ModuleNotFoundError", "ImportError") and (module := GRADER_MODULE.search(message)):
        return f"the grader side ({module.group(1)})"
    if error_type == "TorchUnavailable" and (use := TORCH_USE.search(message)):  # autograder.no_torch
        return f"torch ({use.group(1)})"
    return None


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


def _names_in(cell_source: str) -> list[str]:
    """The top-level names a learner's cell defines or imports (none if it is not plain Python)."""
    try:
        tree = ast.parse(cell_source)
    except SyntaxError:
        return []
    imported = [alias.asname or alias.name.split(".")[0] for node in tree.body
                if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names]
    return list(defined_names(cell_source)) + imported


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
    """A warm sandboxed runner that has run the lesson's setup cell and forks one learner process per submission.

    It talks to the grader over a control socket of its own; each learner process gets a fresh socket pair and
    key (see autograder.runner), so what one learner sends can reach only the grader's end of its own channel.
    With a memory cgroup (autograder.memory_cap), the zygote and whatever the current learner starts share a cap:
    the zygote's own memory after its setup, plus limits.memory_bytes.
    """

    def __init__(self, setup_source: str, workdir: Path, limits: sandbox.Limits, use_sandbox: bool = True,
                 kind: str = TORCH):
        self.setup_source = setup_source
        self.kind = kind  # NUMPY: no torch in it (autograder.exercises)
        self.workdir = workdir
        self.limits = limits
        self.use_sandbox = use_sandbox
        self.process = None
        self.control: rpc.Channel | None = None
        self.cgroup: memory_cap.MemoryCgroup | None = None

    def _start_in_cgroup(self) -> None:
        """The zygote's sandbox process, before it execs: its limits, and its memory cgroup if there is one."""
        self.limits.apply()
        if self.cgroup is not None:
            self.cgroup.enter()

    def _spawn(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        ours, theirs = socket.socketpair()
        # -P: neither the working folder (the learners' scratch) nor any other writable one is on sys.path
        argv = [sys.executable, "-P", "-m", "autograder.runner", str(theirs.fileno()), self.kind]
        env = None
        if self.use_sandbox:
            argv = sandbox.bwrap_command(argv, cwd=self.workdir, limits=self.limits, grader_side=False,
                                         hide_torch=self.kind == NUMPY)
            if memory_cap.available():  # the zygote and every learner it forks, together (see below)
                self.cgroup = memory_cap.MemoryCgroup("zygote", self.limits.memory_bytes)
        else:
            env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}
        self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, cwd=self.workdir, env=env, pass_fds=[theirs.fileno()],
                                        preexec_fn=self._start_in_cgroup, start_new_session=True)
        theirs.close()
        key = secrets.token_bytes(32)
        ours.sendall(key.hex().encode() + b"\n")
        self.control = rpc.Channel(ours, key)
        self.control.send({"op": Op.PRELOAD, "cells": [self.setup_source]})
        answer = self._expect(Reply.PRELOADED, STARTUP_SECONDS)
        if answer.get("failed"):
            raise LearnerFailure("the lesson's setup cell failed in the sandbox")
        if answer.get("threads"):  # forking a process with threads can deadlock its children
            raise LearnerFailure(f"the zygote runs threads after its setup: {answer['threads']}")
        if self.cgroup is not None:  # one learner at a time: what the warm zygote holds, and one learner's share
            self.cgroup.set_limit(self.cgroup.usage() + self.limits.memory_bytes)

    def _expect(self, reply: Reply, timeout: float) -> dict:
        answer = self.control.receive(timeout)
        if answer.get("reply") != reply:
            raise rpc.ProtocolError(f"the zygote answered {str(answer)[:100]} where {reply} was due")
        return answer

    def fork(self, key: bytes) -> rpc.Channel:
        """A fresh learner process (the zygote starts first if it is not running), and the grader's end of its
        private channel, signed with `key`."""
        if self.process is None or self.process.poll() is not None:
            self.restart()
            self._spawn()
        ours, theirs = socket.socketpair()
        try:
            self.control.send({"op": Op.FORK, "key": key.hex()}, fds=[theirs.fileno()])
        finally:
            theirs.close()
        self.child = self._expect(Reply.FORKED, STARTUP_SECONDS)["pid"]
        return rpc.Channel(ours, key)

    def finish(self, kill: bool) -> tuple[int | None, str | None, bool]:
        """Wait until the current learner process has ended and the zygote has cleaned up after it (`kill`: end
        it now). Returns (exit code or None, why the zygote was replaced or None, whether the zygote itself was
        lost: killed, stopped or out of step, which only learner code can do)."""
        try:
            if kill:
                self.control.send({"op": Op.KILL})
            try:
                answer = self._expect(Reply.CHILD_EXIT, 10)
            except TimeoutError:
                if kill:
                    raise
                self.control.send({"op": Op.KILL})  # it ignored the end of its channel
                answer = self._expect(Reply.CHILD_EXIT, 10)
            if answer.get("pid") != self.child:
                raise rpc.ProtocolError("the zygote reported the end of another process")
        except (TimeoutError, EOFError, OSError, rpc.ProtocolError) as error:
            self.restart()
            return None, f"it was killed, stopped or out of step ({type(error).__name__})", True
        if answer.get("tainted"):  # what the learner left could not be removed: a fresh zygote for the next one
            self.restart()
        return answer.get("code"), answer.get("tainted"), False

    def restart(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, 9)
            self.process.wait()
            self.process = None
        if self.cgroup is not None:
            self.cgroup.remove()
            self.cgroup = None
        if self.control is not None:
            self.control.close()
            self.control = None

    def close(self, remove_workdir: bool = False) -> None:
        self.restart()
        if remove_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


class Learner:
    """One submission's learner process, forked from a zygote, and the grader's end of its private channel.

    After a crash or a timeout it is forked again with the cells that ran before; a cell that hangs is skipped,
    one that kills the process ends the list. Whatever its process does to its channel (garbage, forged or
    replayed messages, closing it, faking its exit) ends only this learner: the events name it for the flags.
    """

    def __init__(self, cells: list[str], zygote: Zygote, call_timeout: float, max_restarts: int = 3):
        self.cells = list(cells)
        self.zygote = zygote
        self.call_timeout = call_timeout
        self.cell_timeout = max(call_timeout, 30.0)  # a cell may import or build data; a busy machine is slow
        self.restarts_left = max_restarts
        self.channel: rpc.Channel | None = None
        self.lost_zygote = False  # its code killed or stopped the zygote, as the last learner process ended
        self.damaged = False  # ... during a call: a restart would run the cells that did it again
        self.events: list[str] = []  # what happened, for the instructor's flags
        self.cell_errors: list = []
        self.cells_reached: dict[str, str] = {}  # name -> what the cell defining it reached (see `reached`)

    @property
    def alive(self) -> bool:
        return self.channel is not None

    def _end(self, kill: bool) -> int | None:
        """End the learner process (politely: by closing its channel); its exit code if known."""
        if self.channel is None:
            return None
        if not kill:
            with contextlib.suppress(OSError):
                self.channel.send({"op": Op.END})
        self.channel.close()
        self.channel = None
        code, replaced, lost = self.zygote.finish(kill)
        if replaced:
            self.events.append(f"the warm learner process was replaced after this submission: {replaced}")
        self.lost_zygote = lost
        return code

    def _broken(self, error: Exception, during: str) -> str:
        """End a learner process that closed, garbled or desynchronised its channel; the event for the flags."""
        code = self._end(kill=True)
        if isinstance(error, rpc.ProtocolError):
            return f"the learner's process broke the grading protocol {during} ({error}) and was stopped"
        return f"the learner's process died or closed its channel {during} (exit code {code})"

    def start(self) -> None:
        while True:
            try:
                self.channel = self.zygote.fork(secrets.token_bytes(32))
                if self.channel.receive(STARTUP_SECONDS).get("reply") != Reply.READY:
                    raise rpc.ProtocolError("no ready message")
                self.channel.send({"op": Op.CELLS, "cells": self.cells})
            except (TimeoutError, EOFError, OSError, rpc.ProtocolError):
                self._end(kill=True)
                self.zygote.restart()
                raise LearnerFailure("the sandboxed learner process did not start") from None
            current = None
            try:
                while True:
                    message = self.channel.receive(self.cell_timeout)
                    if message.get("reply") == Reply.STARTING:
                        current = int(message["index"])
                    elif message.get("reply") == Reply.CELLS_RUN:
                        self.cell_errors = message.get("failed", [])
                        self._map_cell_errors()
                        return
                    else:
                        raise rpc.ProtocolError(f"unexpected {str(message)[:60]}")
            except TimeoutError:
                self.events.append(f"a cell of the learner ran over {self.cell_timeout:.0f} s and was skipped")
                self._end(kill=True)
                if current is None:
                    raise LearnerFailure("the learner's process did not start") from None
                del self.cells[current]
            except (EOFError, OSError, ValueError, TypeError, KeyError, rpc.ProtocolError) as error:
                self.events.append(self._broken(error, "in one of its cells") + "; the cells after it were not run")
                self.cells = self.cells[: current or 0]

    def _map_cell_errors(self) -> None:
        """A cell that failed on what this process lacks (an import at its top) delegates every name it defines."""
        for index, error_type, message in self.cell_errors:
            what = reached(str(error_type), str(message))
            if what and 0 <= int(index) < len(self.cells):
                for name in _names_in(self.cells[int(index)]):
                    self.cells_reached.setdefault(name, what)

    def delegated(self, name: str, what: str) -> str:
        """The verdict's message for `name`, which reached `what`; the flag, once per name."""
        text = f"{name} ({self.zygote.kind}) reached {what}: its points are withheld"
        if text not in self.events:
            self.events.append(text)
        return text

    def request(self, message: dict) -> dict:
        if not self.alive:
            if self.damaged:
                raise LearnerFailure("your code stopped the grader's learner process; no further checks were run")
            if self.restarts_left <= 0:
                raise LearnerFailure("your code crashed or hung too often; no further checks were run")
            self.restarts_left -= 1
            self.start()
        try:
            self.channel.send(message)
            answer = self.channel.receive(self.call_timeout)
            if answer.get("reply") not in (Reply.OK, Reply.ERROR):
                raise rpc.ProtocolError(f"unexpected {str(answer)[:60]}")
        except TimeoutError:
            self._end(kill=True)
            self.events.append(f"a call ran over {self.call_timeout:.0f} s")
            raise LearnerFailure(f"your code did not return within {self.call_timeout:.0f} s") from None
        except (EOFError, OSError, rpc.ProtocolError) as error:
            self.events.append(self._broken(error, "during a call"))
            self.damaged = self.lost_zygote
            raise LearnerFailure("your code crashed the Python process or broke its channel to the grader") from None
        if answer["reply"] == Reply.ERROR:
            raise LearnerFailure(f"{str(answer.get('type'))[:80]}: {str(answer.get('message'))[:500]}")
        return answer

    def close(self) -> None:
        self._end(kill=False)


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
        request = {"op": Op.GETATTR, "handle": self._handle, "name": name}
        value = _decode(self._learner, self._learner.request(request).get("value"))
        if isinstance(value, _Remote) and value._type == "method":
            value._type = f"{self._type}.{name}"  # named for the messages: "your Seq2Seq.encode"
        return value

    def __call__(self, *args, **kwargs):
        try:
            return _call(self._learner, self._handle, args, kwargs, what=f"your {self._type}")
        except LearnerFailure as failure:
            raise _delegation(self._learner, self._type, failure) or failure from None

    def __repr__(self):
        return f"<learner's {self._type}>"


def _decode(learner: Learner, message):
    try:
        return rpc.decode(message, lambda handle, type_name: _Remote(learner, handle, type_name))
    except (rpc.ProtocolError, ValueError, TypeError, KeyError) as exc:
        raise LearnerFailure(f"your code returned something the grader cannot read ({exc})") from None


def _call(learner: Learner, target, args, kwargs, what: str = "your function"):
    handles: list = []

    def own(value):  # one of this learner's objects, passed back to its code (e.g. a model to a training loop)
        return value._handle if isinstance(value, _Remote) and value._learner is learner else None

    encoded = [rpc.encode(a, handles, own) for a in args]
    encoded_kwargs = {k: rpc.encode(v, handles, own) for k, v in kwargs.items()}
    if handles:
        raise TypeError("only data (arrays, numbers, strings, numpy Generators and containers of them) and the "
                        "learner's own objects can be passed to learner code")
    generators = _generators([*args, *kwargs.values()])
    if any(type(g.bit_generator).__name__ not in LCG_MULTIPLIERS for g in generators):
        raise TypeError(f"only generators of {' or '.join(LCG_MULTIPLIERS)} (np.random.default_rng) can be passed "
                        "to learner code")
    answer = learner.request({"op": Op.CALL, "target": target, "args": encoded, "kwargs": encoded_kwargs})
    # The grader's arguments stay as they were: a change the call made in place fails it, and only the
    # generators move on, along their own streams (see _follow).
    if answer.get("changed"):
        name = re.sub(r"[^\w\[\]'\" .-]", "", str(answer["changed"][0]))[:40]
        raise LearnerFailure(f"{what} changed its argument {name} in place; compute a new array instead of "
                             "writing into the one it was given")
    states = answer.get("generators", [])
    if not isinstance(states, list) or len(states) != len(generators):
        raise LearnerFailure("your code returned something the grader cannot read (generator states)")
    for generator, state in zip(generators, states, strict=True):
        _follow(generator, _decode(learner, state), what)
    return _decode(learner, answer.get("value"))


def _generators(value) -> list[np.random.Generator]:
    """The numpy generators inside `value`, in the order rpc.encode meets them."""
    if isinstance(value, np.random.Generator):
        return [value]
    if isinstance(value, (list, tuple)):
        return [g for item in value for g in _generators(item)]
    if isinstance(value, dict):
        return [g for pair in value.items() for g in _generators(list(pair))]
    return []


LCG_MULTIPLIERS = {"PCG64": 0x2360ED051FC65DA44385DF649FCCF645, "PCG64DXSM": 0xDA942042E4DD58B5}
MAX_DRAWS = 2**40  # more 64-bit draws than any call can make within its time limit
SPARE_HALF_WINDOW = 2**20  # a call's last 32-bit draw is looked for among its last 2**20 draws


def _lcg_steps(start: int, end: int, multiplier: int, increment: int) -> int | None:
    """How many steps of the 128-bit LCG (state * multiplier + increment) lead from `start` to `end` (O'Neill's
    pcg_extras distance, one bit of the step count at a time); None if `end` is no state of that stream."""
    mask, steps, bit = 2**128 - 1, 0, 1
    while start != end:
        if bit > mask:
            return None
        if (start ^ end) & bit:
            start = (start * multiplier + increment) & mask
            steps |= bit
        bit <<= 1
        increment = ((multiplier + 1) * increment) & mask
        multiplier = (multiplier * multiplier) & mask
    return steps


def _follow(generator: np.random.Generator, state, what: str) -> None:
    """Advance the grader's `generator` to where the learner's call left its copy (`state`), as a kernel would,
    and only so: forward along its own stream, by at most MAX_DRAWS draws, keeping as the spare half of a 64-bit
    draw (numpy's `uinteger`, the next 32-bit draw) one it had or one of those draws made. Any state that drawing
    could not have reached (another stream, a step back, a jump, a spare half made up) fails the call."""
    bit_generator = generator.bit_generator
    before = bit_generator.state
    try:
        half = int(state["has_uint32"]) == 1
        uinteger = int(state["uinteger"])
        steps = None if state["bit_generator"] != before["bit_generator"] or state["state"]["inc"] != \
            before["state"]["inc"] else _lcg_steps(before["state"]["state"], int(state["state"]["state"]),
                                                   LCG_MULTIPLIERS[before["bit_generator"]], before["state"]["inc"])
    except (KeyError, TypeError, ValueError):
        steps = None
    reachable = steps is not None and steps <= MAX_DRAWS and 0 <= uinteger < 2**32
    if reachable and half and not (before["has_uint32"] == 1 and uinteger == before["uinteger"]):
        drawn = type(bit_generator)()
        drawn.state = before
        drawn.advance(max(0, steps - SPARE_HALF_WINDOW))
        reachable = uinteger in drawn.random_raw(min(steps, SPARE_HALF_WINDOW)) >> np.uint64(32)
    if not reachable:
        raise LearnerFailure(f"{what} replaced the state of the random generator it was given; draw from it instead")
    bit_generator.advance(steps)
    bit_generator.state = {**bit_generator.state, "has_uint32": int(half), "uinteger": uinteger}


def _delegation(learner: Learner, name: str, failure: LearnerFailure) -> LearnerFailure | None:
    """The failure to report instead of `failure` if the code of `name` (or the cell that defines it) reached what
    its learner process lacks (see `reached`): the verdict's message and a flag that name it; None otherwise."""
    error_type, _, message = str(failure).partition(": ")
    what = reached(error_type, message) or learner.cells_reached.get(name)
    return LearnerFailure(learner.delegated(name, what)) if what else None


class LearnerFunction:
    """Stands in for the learner's function in the grader's namespace."""

    def __init__(self, learner: Learner, name: str):
        self._learner, self.__name__ = learner, name

    def __call__(self, *args, **kwargs):
        try:
            return _call(self._learner, self.__name__, args, kwargs, what=self.__name__)
        except LearnerFailure as failure:
            if delegation := _delegation(self._learner, self.__name__, failure):
                raise delegation from None
            text = str(failure)
            if text.startswith("NotImplementedError"):
                raise LearnerFailure(f"{self.__name__} is not implemented yet") from None
            if text.startswith(("NameError: name '" + self.__name__, "your code", self.__name__ + " ")):
                raise
            raise LearnerFailure(f"{self.__name__} raised {text}") from None


def run_trusted(source, submission, zygotes: Zygote | dict[str, Zygote], call_timeout: float = 60.0,
                kinds: dict[str, str] | None = None) -> TrustedResult:
    """Grade `submission` against the test cells of `source` (both nbformat notebooks); see module docstring.

    `zygotes`: {kind: Zygote} made with the setup cell of `source`, one for each kind in `kinds` ({solution
    grade_id: kind}, autograder.exercises.declared); or one Zygote, whose kind every solution cell then has.
    """
    if isinstance(zygotes, Zygote):
        zygotes = {zygotes.kind: zygotes}
    if kinds is None:
        (only,) = zygotes  # one zygote: every solution cell is of its kind
        kinds = dict.fromkeys(solution_ids(source), only)
    cells = cells_by_id(source)
    learners = {kind: Learner(learner_cells(submission, source), zygotes[kind], call_timeout)
                for kind in sorted(set(kinds.values()))}
    result = TrustedResult()
    try:
        for learner in learners.values():
            learner.start()
        namespace: dict = {"__name__": "__trusted__"}
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(cells["setup"].source, "<setup>", "exec"), namespace)
        for solution in solution_ids(source):
            learner = learners[kinds[solution]]
            for name, kind in defined_names(cells[solution].source).items():
                if kind == "function":
                    namespace[name] = LearnerFunction(learner, name)
                else:
                    try:
                        namespace[name] = _decode(learner, learner.request({"op": Op.GET, "name": name}).get("value"))
                    except LearnerFailure:
                        namespace.pop(name, None)  # unanswered: the test cell meets a NameError, as in a kernel
                        if name in learner.cells_reached:
                            learner.delegated(name, learner.cells_reached[name])
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
        for learner in learners.values():
            learner.close()
            result.events += learner.events
            result.cell_errors += learner.cell_errors
    return result
