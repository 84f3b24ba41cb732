"""The learner's side of trusted grading: runs inside the sandbox, executes the learner's cells, answers requests.

Started as `python -P -m autograder.runner FD` inside bubblewrap, FD being its end of a socket to the grader
(the control channel, autograder.rpc.Channel, its key the first line sent on it). The learner's own prints and
warnings go to /dev/null, so they can neither flood nor forge a channel. Nothing the learner does here can change
a verdict: the grader compares what comes back with its own references, in its own process.

It starts as a *zygote*: it runs the lesson's setup cell (trusted code from source/: the slow imports) once and
never runs learner code. For each submission the grader sends a fresh socket of its own and a key with
Op.FORK; the zygote forks a child that closes every other descriptor, serves that submission on that socket
only, and dies. The zygote then kills whatever the child left running, removes whatever it left in the writable
places of the sandbox, and reports Reply.CHILD_EXIT, saying whether it is still fit to fork the next learner.

`python -P -m autograder.runner FD numpy-only` serves numpy-only exercises (autograder.exercises): before anything
else it installs the torch stub (autograder.no_torch), and it runs the setup cell one statement at a time, skipping
those that need torch (their imports' names are bound to stubs that say so when used).
"""

from __future__ import annotations

import ast
import contextlib
import ctypes
import inspect
import os
import select
import shutil
import signal
import socket
import stat
import sys
import time
from pathlib import Path

PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER = 4, 36
KEY_LINE = 65  # the control channel's key: 32 bytes as hex, and a newline
# signals a learner could send the zygote to end it; ignored there, default again in each learner process
IGNORED_IN_ZYGOTE = (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGUSR1, signal.SIGUSR2,
                     signal.SIGALRM, signal.SIGPIPE, signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU, signal.SIGVTALRM,
                     signal.SIGPROF, signal.SIGXCPU, signal.SIGXFSZ)
LIVE_FILESYSTEMS = {"proc", "sysfs", "devpts", "mqueue", "cgroup", "cgroup2"}  # not where a learner leaves files


def _error(exc: BaseException) -> dict:
    from autograder.rpc import Reply

    message = str(exc).splitlines()[0][:500] if str(exc) else ""
    return {"reply": Reply.ERROR, "type": type(exc).__name__, "message": message}


class _CellHooks:
    """How IPython turns the next cell into code (its transformers and event callbacks, the shell's own
    attributes), as the zygote left it. Restored before each learner cell, so a cell that blanks or rewrites the
    cells after it changes only itself: each function is graded on the cell that defines it."""

    def __init__(self, shell):
        self.shell = shell
        manager = shell.input_transformer_manager
        self.lists = [manager.cleanup_transforms, manager.line_transforms, manager.token_transformers,
                      shell.input_transformers_post, shell.ast_transformers, *shell.events.callbacks.values()]
        self.contents = [list(items) for items in self.lists]
        self.attributes = dict(vars(shell))
        self.traits = {name: getattr(shell, name) for name in
                       ("input_transformer_manager", "input_transformers_post", "ast_transformers", "events")}
        self.run_cell = type(shell).run_cell  # the class's own, whatever the learner rebinds

    def restore(self) -> None:
        for items, contents in zip(self.lists, self.contents, strict=True):
            items[:] = contents
        for name in set(vars(self.shell)) - set(self.attributes):
            delattr(self.shell, name)
        for name, value in self.traits.items():
            if getattr(self.shell, name) is not value:
                setattr(self.shell, name, value)

    def run(self, source: str):
        self.restore()
        return self.run_cell(self.shell, source, store_history=False, silent=False)


def _comparable(message, generator_states: list):
    """An encoded value with generators reduced to their kind (their states go to `generator_states`, in
    encoding order) and handles to their id: equal before and after a call unless the call changed the data."""
    if isinstance(message, dict):
        kind = message.get("t")
        if kind == "generator":
            generator_states.append(message["state"])
            return "generator"
        if kind == "handle":
            return ("handle", message["id"])
        return {key: _comparable(value, generator_states) for key, value in message.items()}
    if isinstance(message, list):
        return [_comparable(item, generator_states) for item in message]
    return message


def _argument_names(function, args, kwargs) -> list[str]:
    """The parameter name of each positional argument, then the keywords (for the student's message)."""
    try:
        positional = [name for name, p in inspect.signature(function).parameters.items()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        positional = []
    names = [positional[i] if i < len(positional) else f"number {i + 1}" for i in range(len(args))]
    return names + list(kwargs)


def serve_learner(shell, channel, hooks: _CellHooks) -> None:
    """A learner process's life: the learner's cells, then requests, until Op.END or end of input."""
    from autograder import rpc
    from autograder.rpc import Op, Reply

    channel.send({"reply": Reply.READY})
    namespace = shell.user_ns
    handles: list = []

    def resolve(target):
        if isinstance(target, int):
            return handles[target]
        if target not in namespace:
            raise NameError(f"name '{target}' is not defined")
        return namespace[target]

    def held(value):
        return next((i for i, h in enumerate(handles) if h is value), None)

    def call(request) -> dict:
        sent = list(request.get("args", [])) + list(request.get("kwargs", {}).values())
        args = [rpc.decode(a, lambda i, _t: handles[i]) for a in request.get("args", [])]
        kwargs = {k: rpc.decode(v, lambda i, _t: handles[i]) for k, v in request.get("kwargs", {}).items()}
        function = resolve(request["target"])
        value = function(*args, **kwargs)
        # The grader keeps its own arguments as they were: it learns only which the call changed in place
        # (that fails the call) and where the generators it passed now stand (they advance, as in a kernel).
        states: list = []
        after = [_comparable(rpc.encode(a, [], held), states) for a in [*args, *kwargs.values()]]
        changed = [name for name, now, before in zip(_argument_names(function, args, kwargs), after, sent, strict=True)
                   if now != _comparable(before, [])]
        return {"reply": Reply.OK, "value": rpc.encode(value, handles), "changed": changed, "generators": states}

    while True:
        try:
            request = channel.receive(timeout=None)
        except EOFError:
            return
        try:
            op = request.get("op")
            if op == Op.END:
                return
            if op == Op.CELLS:
                failed = []
                for index, source in enumerate(request["cells"]):
                    channel.send({"reply": Reply.STARTING, "index": index})
                    result = hooks.run(source)
                    if not result.success:
                        error = result.error_in_exec or result.error_before_exec
                        failed.append([index, type(error).__name__, str(error)[:300]])
                answer = {"reply": Reply.CELLS_RUN, "failed": failed}
            elif op == Op.GET:
                answer = {"reply": Reply.OK, "value": rpc.encode(resolve(request["name"]), handles)}
            elif op == Op.CALL:
                answer = call(request)
            elif op == Op.GETATTR:
                value = getattr(handles[int(request["handle"])], request["name"])
                answer = {"reply": Reply.OK, "value": rpc.encode(value, handles)}
            else:
                answer = {"reply": Reply.ERROR, "type": "ProtocolError", "message": f"unknown op {str(op)[:40]!r}"}
        except BaseException as exc:  # the learner's code may raise anything, SystemExit included
            answer = _error(exc)
        try:
            channel.send(answer)
        except (TypeError, ValueError) as exc:  # an answer that cannot be encoded
            channel.send(_error(exc))


def _writable_places(scratch: Path) -> list[Path]:
    """Where a learner process can leave files: the scratch folder and, inside the sandbox, its writable
    in-memory file systems (/tmp, /dev/shm, the home folder...). Outside the sandbox only the scratch folder: the
    host's /tmp is none of our business."""
    places = [scratch]
    if _in_own_pid_namespace():
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            fields = line.split()
            filesystem = fields[fields.index("-") + 1]
            if fields[5].split(",")[0] == "rw" and filesystem == "tmpfs":
                places.append(Path(fields[4].replace("\\040", " ")))
    return places


def _inventory(places: list[Path]) -> dict[str, tuple]:
    """Every path under `places` (not crossing into other mounts) with what identifies its content."""
    found = {}
    for place in places:
        with contextlib.suppress(OSError):
            device = place.lstat().st_dev
            for folder, dirs, files in os.walk(place):
                for name in dirs + files:
                    path = os.path.join(folder, name)
                    info = os.lstat(path)
                    if stat.S_ISDIR(info.st_mode):
                        found[path] = (info.st_mode, info.st_ino)  # its mtime changes as we remove what is new
                        if info.st_dev != device or os.path.ismount(path):
                            dirs.remove(name)  # another mount (e.g. /dev/shm in /dev): walked on its own or not ours
                    else:
                        found[path] = (info.st_mode, info.st_ino, info.st_size, info.st_mtime_ns)
    return found


def _remove(path: str) -> None:
    """Remove what a learner left: a file or link, or a folder with all it holds, even one made read-only."""
    if os.path.isdir(path) and not os.path.islink(path):
        for folder, dirs, _ in os.walk(path):
            with contextlib.suppress(OSError):
                os.chmod(folder, 0o700)
            for name in dirs:
                with contextlib.suppress(OSError):
                    os.chmod(os.path.join(folder, name), 0o700, follow_symlinks=False)
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _descendants() -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return sorted(found)


def _kill_descendants() -> bool:
    """Kill every process the learner started. The zygote is their subreaper: an orphan, even one that made a
    session of its own, becomes its child, so none escapes. True when none is left."""
    for _ in range(50):
        remaining = _descendants()
        if not remaining:
            return True
        for pid in remaining:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        time.sleep(0.01)
    return False


def _in_own_pid_namespace() -> bool:
    """True inside bubblewrap's PID namespace (its init is PID 1); never true on the host."""
    try:
        return Path("/proc/1/comm").read_text().strip() == "bwrap"
    except OSError:
        return False


def _one_name_each(statement: ast.stmt) -> list[ast.stmt]:
    """An import of several names as one import per name (each can fail alone); any other statement as it is."""
    if isinstance(statement, ast.Import):
        return [ast.Import(names=[alias]) for alias in statement.names]
    if isinstance(statement, ast.ImportFrom) and all(alias.name != "*" for alias in statement.names):
        return [ast.ImportFrom(module=statement.module, names=[alias], level=statement.level)
                for alias in statement.names]
    return [statement]


def _imported_names(statement: ast.stmt) -> dict[str, str]:
    """{name bound: what it imports} for an import statement of one name; {} for anything else."""
    if isinstance(statement, ast.Import):
        alias = statement.names[0]
        return {alias.asname: alias.name} if alias.asname else {alias.name.split(".")[0]: alias.name.split(".")[0]}
    if isinstance(statement, ast.ImportFrom) and statement.names[0].name != "*":
        alias = statement.names[0]
        return {alias.asname or alias.name: f"{statement.module}.{alias.name}"}
    return {}


class Zygote:
    """The zygote's side: the lesson's setup, the inventory of the writable places, and one learner at a time."""

    def __init__(self, control, scratch: Path, numpy_only: bool = False):
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        self.control, self.scratch, self.numpy_only = control, scratch, numpy_only
        # No history thread: a thread holding a lock at fork() time would deadlock the child.
        config = Config()
        config.HistoryManager.enabled = False
        config.HistoryManager.hist_file = ":memory:"
        self.shell = InteractiveShell.instance(config=config)
        self.places: list[Path] = []
        self.clean: dict = {}

    def preload(self, cells: list[str]) -> dict:
        import threading

        from autograder.rpc import Reply

        run = self._run_without_torch if self.numpy_only else self._run
        failed = [i for i, source in enumerate(cells) if not run(source)]
        self.places = _writable_places(self.scratch)
        self.clean = _inventory(self.places)  # what the next learner must find, and nothing more
        threads = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
        return {"reply": Reply.PRELOADED, "failed": failed, "threads": threads}

    def _run(self, source: str) -> bool:
        return self.shell.run_cell(source, store_history=False).success

    def _run_without_torch(self, source: str) -> bool:
        """Run a setup cell statement by statement; one that fails on an import (torch, or what needs it) is
        skipped, and the names its import would bind are stubs that raise TorchUnavailable when used."""
        from autograder.no_torch import Stub

        for statement in [one for node in ast.parse(source).body for one in _one_name_each(node)]:
            result = self.shell.run_cell(ast.unparse(statement), store_history=False)
            if result.success:
                continue
            if not isinstance(result.error_in_exec, ImportError):
                return False
            for name, imported in _imported_names(statement).items():
                self.shell.user_ns[name] = Stub(imported)
        return True

    def fork(self, key: bytes) -> None:
        """Serve one learner on the socket that came with Op.FORK; report its end with Reply.CHILD_EXIT."""
        from autograder import rpc
        from autograder.rpc import Op, Reply

        fds, self.control.fds = self.control.fds, []
        if len(fds) != 1:
            for fd in fds:
                os.close(fd)
            self.control.send({"reply": Reply.ERROR, "type": "ProtocolError", "message": "fork needs one socket"})
            return
        hooks = _CellHooks(self.shell)
        pid = os.fork()
        if pid == 0:
            try:
                os.closerange(3, fds[0])  # nothing of the zygote's: no control channel, no other learner's socket
                os.closerange(fds[0] + 1, 1 << 16)
                for number in IGNORED_IN_ZYGOTE:
                    signal.signal(number, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.default_int_handler)
                serve_learner(self.shell, rpc.Channel(socket.socket(fileno=fds[0]), key), hooks)
            finally:
                os._exit(0)
        os.close(fds[0])
        self.control.send({"reply": Reply.FORKED, "pid": pid})
        pidfd = os.pidfd_open(pid)
        try:
            while not select.select([pidfd, self.control.sock], [], [])[0].count(pidfd):
                try:
                    request = self.control.receive(timeout=1)
                except TimeoutError:
                    continue
                if request.get("op") == Op.KILL:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
        finally:
            os.close(pidfd)
        tainted = self.clean_up()
        self.control.send({"reply": Reply.CHILD_EXIT, "pid": pid, "code": os.waitstatus_to_exitcode(status),
                           "tainted": tainted})

    def clean_up(self) -> str | None:
        """After a learner: kill what it left running, remove what it left behind; why the zygote cannot serve
        another learner (something it had was changed or removed), or None."""
        if not _kill_descendants():
            return "processes of the learner could not be killed"
        now = _inventory(self.places)
        for path in sorted(set(now) - set(self.clean), key=len):
            if os.path.lexists(path):
                _remove(path)
        after = _inventory(self.places)
        if after != self.clean:
            changed = sorted(set(after) ^ set(self.clean)) or [p for p in after if after[p] != self.clean[p]]
            return f"the learner changed or left {changed[0][:200]}"
        return None


def serve(control_fd: int, numpy_only: bool = False) -> None:
    if numpy_only:  # before any other import: nothing may hold the real torch, nor find it later
        from autograder import no_torch

        no_torch.install()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # learners (same uid) cannot ptrace it or open its /proc files
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    for number in IGNORED_IN_ZYGOTE:
        signal.signal(number, signal.SIG_IGN)

    from autograder import rpc  # after the redirect: nothing printed from here on reaches the channel
    from autograder.rpc import Op, Reply

    sock = socket.socket(fileno=control_fd)
    key = b""
    while len(key) < KEY_LINE:  # the key's line, and not a byte of the first message after it
        chunk = sock.recv(KEY_LINE - len(key))
        if not chunk:
            return
        key += chunk
    control = rpc.Channel(sock, bytes.fromhex(key.decode()), accept_fds=True)
    zygote = Zygote(control, Path.cwd(), numpy_only)
    while True:
        try:
            request = control.receive(timeout=None)
        except EOFError:
            return
        op = request.get("op")
        if op == Op.PRELOAD:
            control.send(zygote.preload(request["cells"]))
        elif op == Op.FORK:
            zygote.fork(bytes.fromhex(request["key"]))
        elif op != Op.KILL:  # a KILL that came after its learner had ended is answered by the CHILD_EXIT sent
            control.send({"reply": Reply.ERROR, "type": "ProtocolError", "message": f"unknown op {str(op)[:40]!r}"})


if __name__ == "__main__":
    sys.setrecursionlimit(10_000)
    from autograder.exercises import NUMPY

    serve(int(sys.argv[1]), numpy_only=sys.argv[2:] == [NUMPY])
