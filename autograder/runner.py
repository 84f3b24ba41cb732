"""The learner's side of trusted grading: runs inside the sandbox, executes the learner's cells, answers requests.

Started as `python -m autograder.runner` inside bubblewrap; stdin carries requests and the original stdout
carries answers (see autograder.rpc). The learner's own prints and warnings go to /dev/null, so they can neither
flood nor forge the channel. Nothing the learner does here can change a verdict: the grader compares what comes
back with its own references, in its own process.

It starts as a *zygote*: it runs the lesson's setup cell (trusted code from source/: the slow imports) once, then
forks one child per submission. Each child runs that learner's cells and answers the grader; when it ends, the
zygote kills every other process in its PID namespace and empties its scratch folder, so nothing a learner
started can touch the next one.

Requests to the zygote:  {"op": "preload", "cells": [...]}, {"op": "fork"} (the child answers {"forked": true})
Requests to a child:     {"op": "cells", "cells": [source, ...]}   run the learner's cells in order
                         {"op": "get", "name": NAME}
                         {"op": "call", "target": NAME | handle, "args": [...], "kwargs": {...}}
                         {"op": "getattr", "handle": ID, "name": ATTRIBUTE}
                         {"op": "end"}
After a child ends, the zygote answers {"child_exit": status}.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
from pathlib import Path


def _error(exc: BaseException) -> dict:
    message = str(exc).splitlines()[0][:500] if str(exc) else ""
    return {"error": {"type": type(exc).__name__, "message": message}}


def _serve_learner(shell, channel_in, channel_out, rpc) -> None:
    """A child's life: the learner's cells, then requests, until "end" or end of input.

    The child says {"forked": true} first; the grader sends nothing more until then, so the zygote's read buffer
    never holds a message meant for the child.
    """
    rpc.write_message(channel_out, {"forked": True})
    namespace = shell.user_ns
    handles: list = []

    def resolve(target):
        if isinstance(target, int):
            return handles[target]
        if target not in namespace:
            raise NameError(f"name '{target}' is not defined")
        return namespace[target]

    def arguments(request):
        args = [rpc.decode(a, lambda i, _t: handles[i]) for a in request.get("args", [])]
        kwargs = {k: rpc.decode(v, lambda i, _t: handles[i]) for k, v in request.get("kwargs", {}).items()}
        return args, kwargs

    while True:
        try:
            request = rpc.read_message(channel_in)
        except EOFError:
            return
        try:
            op = request.get("op")
            if op == "end":
                return
            if op == "cells":
                failed = []
                for index, source in enumerate(request["cells"]):
                    rpc.write_message(channel_out, {"starting": index})
                    result = shell.run_cell(source, store_history=False, silent=False)
                    if not result.success:
                        error = result.error_in_exec or result.error_before_exec
                        failed.append([index, type(error).__name__, str(error)[:300]])
                answer = {"ok": rpc.encode(None), "failed": failed}
            elif op == "get":
                answer = {"ok": rpc.encode(resolve(request["name"]), handles)}
            elif op == "call":
                args, kwargs = arguments(request)
                value = resolve(request["target"])(*args, **kwargs)
                # arguments go back as they are now, so in-place changes show on the grader's side too
                answer = {"ok": rpc.encode(value, handles), "args_after": [rpc.encode(a, handles) for a in args],
                          "kwargs_after": {k: rpc.encode(v, handles) for k, v in kwargs.items()}}
            elif op == "getattr":
                answer = {"ok": rpc.encode(getattr(handles[int(request["handle"])], request["name"]), handles)}
            else:
                answer = {"error": {"type": "ProtocolError", "message": f"unknown op {op!r}"}}
        except BaseException as exc:  # the learner's code may raise anything, SystemExit included
            answer = _error(exc)
        try:
            rpc.write_message(channel_out, answer)
        except (TypeError, ValueError) as exc:  # an answer that cannot be encoded
            rpc.write_message(channel_out, _error(exc))


def _in_own_pid_namespace() -> bool:
    """True inside bubblewrap's PID namespace (its init is PID 1); never true on the host."""
    try:
        return Path("/proc/1/comm").read_text().strip() == "bwrap"
    except OSError:
        return False


def _clean_up(scratch: Path, child: int) -> None:
    """After a learner: kill what it left running and empty the scratch folder.

    In the sandbox that is every process of the PID namespace but the zygote and bubblewrap's init. Outside one
    (a self-learner's `check --no-sandbox`) only the learner's own process group is killed: the host's other
    processes are none of our business.
    """
    if not _in_own_pid_namespace():
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child, signal.SIGKILL)
    else:
        me = os.getpid()
        for _ in range(3):  # a second pass catches what forked during the first
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit() and int(entry.name) not in (1, me):
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(int(entry.name), signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                while os.waitpid(-1, os.WNOHANG)[0]:
                    pass
    for entry in scratch.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def serve() -> None:
    channel_out = os.fdopen(os.dup(1), "wb")
    channel_in = os.fdopen(os.dup(0), "rb")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)

    import threading

    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    from autograder import rpc  # after the redirect: nothing printed from here on reaches the channel

    # No history thread: a thread holding a lock at fork() time would deadlock the child.
    config = Config()
    config.HistoryManager.enabled = False
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    scratch = Path.cwd()
    while True:
        try:
            request = rpc.read_message(channel_in)
        except EOFError:
            return
        op = request.get("op")
        if op == "preload":
            failed = [i for i, source in enumerate(request["cells"])
                      if not shell.run_cell(source, store_history=False).success]
            threads = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
            rpc.write_message(channel_out, {"ok": rpc.encode(None), "failed": failed, "threads": threads})
        elif op == "fork":
            pid = os.fork()
            if pid == 0:
                os.setpgid(0, 0)  # the learner's own process group, killed as a whole afterwards
                try:
                    _serve_learner(shell, channel_in, channel_out, rpc)
                finally:
                    os._exit(0)
            _, status = os.waitpid(pid, 0)
            _clean_up(scratch, pid)
            rpc.write_message(channel_out, {"child_exit": os.waitstatus_to_exitcode(status)})
        else:
            rpc.write_message(channel_out, {"error": {"type": "ProtocolError", "message": f"unknown op {op!r}"}})


if __name__ == "__main__":
    sys.setrecursionlimit(10_000)
    serve()
