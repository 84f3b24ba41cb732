"""The learner's side of trusted grading: runs inside the sandbox, executes the learner's cells, answers requests.

Started as `python -m autograder.runner`; stdin carries requests and the original stdout carries answers (see
autograder.rpc). The learner's own prints and warnings go to /dev/null, so they can neither flood nor forge
the channel. Nothing the learner does here can change a verdict: the grader compares what comes back with
its own references, in its own process.

Requests:
    {"op": "cells", "cells": [source, ...]}             run the cells in one IPython shell, in order
    {"op": "get", "name": NAME}                         the value bound to NAME
    {"op": "call", "target": NAME | handle, "args": [...], "kwargs": {...}}
    {"op": "getattr", "handle": ID, "name": ATTRIBUTE}
"""

from __future__ import annotations

import os
import sys
import traceback


def _error(exc: BaseException) -> dict:
    message = str(exc).splitlines()[0][:500] if str(exc) else ""
    return {"error": {"type": type(exc).__name__, "message": message}}


def serve() -> None:
    channel_out = os.fdopen(os.dup(1), "wb")
    channel_in = os.fdopen(os.dup(0), "rb")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)

    from IPython.core.interactiveshell import InteractiveShell

    from autograder import rpc  # after the redirect: nothing the learner prints reaches the channel

    shell = InteractiveShell.instance()
    namespace = shell.user_ns
    handles: list = []

    def resolve(target):
        if isinstance(target, int):
            return handles[target]
        if target not in namespace:
            raise NameError(f"name '{target}' is not defined")
        return namespace[target]

    while True:
        try:
            request = rpc.read_message(channel_in)
        except EOFError:
            return
        try:
            op = request.get("op")
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
                function = resolve(request["target"])
                args = [rpc.decode(a, lambda i, _t: handles[i]) for a in request.get("args", [])]
                kwargs = {k: rpc.decode(v, lambda i, _t: handles[i]) for k, v in request.get("kwargs", {}).items()}
                value = function(*args, **kwargs)
                # send arrays back as they are now, so in-place changes show on the grader's side too
                answer = {"ok": rpc.encode(value, handles), "args_after": [rpc.encode(a, handles) for a in args]}
            elif op == "getattr":
                answer = {"ok": rpc.encode(getattr(handles[int(request["handle"])], request["name"]), handles)}
            else:
                answer = {"error": {"type": "ProtocolError", "message": f"unknown op {op!r}"}}
        except BaseException as exc:  # the learner's code may raise anything, SystemExit included
            answer = _error(exc)
            if isinstance(exc, (KeyboardInterrupt, MemoryError)):
                traceback.clear_frames(exc.__traceback__)
        try:
            rpc.write_message(channel_out, answer)
        except (TypeError, ValueError) as exc:  # an answer that cannot be encoded
            rpc.write_message(channel_out, _error(exc))


if __name__ == "__main__":
    sys.setrecursionlimit(10_000)
    serve()
