"""nbgrader's Execute preprocessor with caps on what a notebook may print (an output flood cannot exhaust memory
nor make a feedback notebook of many megabytes), and that takes the kernel's sockets folder back from it."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import nbformat
from nbgrader.preprocessors import Execute
from traitlets import Integer

ERROR_TEXT_CHARS = 2_000  # per error field and traceback line: an error is kept (it fails a test), shortened
SOCKETS_BOUND_SECONDS = 10  # the kernel binds its heartbeat socket from a thread, maybe after its first reply


def _size(content: dict) -> int:
    return (len(str(content.get("text", ""))) + sum(len(str(v)) for v in content.get("data", {}).values())
            + len(str(content.get("evalue", ""))) + sum(len(str(line)) for line in content.get("traceback", [])))


def shorten_error(content: dict) -> None:
    """Cut an error's value and traceback (in place) to a few kilobytes: its name stays, so do its last lines."""
    if "evalue" in content:
        content["evalue"] = str(content["evalue"])[:ERROR_TEXT_CHARS]
    if "traceback" in content:
        content["traceback"] = [str(line)[:ERROR_TEXT_CHARS] for line in list(content["traceback"])[-20:]]


def lock_socket_folder(manager) -> None:
    """Take the kernel's folder of IPC sockets back from it before the first cell runs.

    The sandboxed kernel, as its own uid, must own the folder to bind its sockets there (autograder.sandbox).
    Once all five are bound the folder becomes the grader's and read-only to the kernel, which then can neither
    remove nor rename a socket, nor put a link in its place (nbgrader, outside the sandbox, would connect through
    it to a socket of the host), nor leave anything else there. (With an unprivileged grader the kernel has the
    grader's own uid, and no folder is safe from it.)
    """
    if manager.transport != "ipc":
        return
    folder = Path(manager.ip).parent
    ports = (manager.shell_port, manager.iopub_port, manager.stdin_port, manager.control_port, manager.hb_port)
    sockets = {f"{Path(manager.ip).name}-{port}" for port in ports}

    def entries() -> dict[str, bool]:
        """Each name in the folder, and whether it is a socket (not a link to one)."""
        return {entry.name: stat.S_ISSOCK(entry.stat(follow_symlinks=False).st_mode) for entry in os.scandir(folder)}

    deadline = time.monotonic() + SOCKETS_BOUND_SECONDS
    while not all(entries().get(name) for name in sockets) and time.monotonic() < deadline:
        time.sleep(0.01)
    os.chown(folder, os.geteuid(), os.getegid())
    os.chmod(folder, 0o755)
    found = entries()
    if set(found) != sockets or not all(found.values()):
        raise RuntimeError(f"the kernel's sockets folder holds {sorted(found)[:8]}, not its {len(sockets)} sockets")


class CappedExecute(Execute):
    """Execute, keeping at most `max_output_bytes` of output per cell and `max_notebook_output_bytes` in all; the
    rest is replaced by one notice per cell. Errors are shortened; a cell's first error is kept even over the caps.
    Once the kernel is ready, its sockets folder is locked (lock_socket_folder)."""

    max_output_bytes = Integer(1_000_000, help="output kept per cell, in bytes").tag(config=True)
    max_notebook_output_bytes = Integer(5_000_000, help="output kept per notebook, in bytes").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._notebook_output_bytes = 0
        return super().preprocess(nb, resources, km)

    def start_new_kernel_client(self):
        client = super().start_new_kernel_client()
        try:
            lock_socket_folder(self.km)  # the kernel is ready, and has run no learner code yet
        except Exception:
            self._cleanup_kernel()
            raise
        return client

    def preprocess_cell(self, cell, resources, index):
        self._output_bytes = 0
        self._truncated = False
        return super().preprocess_cell(cell, resources, index)

    def on_cell_executed(self, **kwargs):
        shorten_error(kwargs["execute_reply"].get("content", {}))  # nbgrader may copy the reply's error into the cell
        return super().on_cell_executed(**kwargs)

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        is_error = msg.get("msg_type") == "error"
        if is_error:  # kept even over the caps (the cell failed), once per cell
            shorten_error(content)
            if not any(out.get("output_type") == "error" for out in outs):
                return super().output(outs, msg, display_id, cell_index)
        size = _size(content)
        self._output_bytes = getattr(self, "_output_bytes", 0) + size
        self._notebook_output_bytes = getattr(self, "_notebook_output_bytes", 0) + size
        over_cell = self._output_bytes > self.max_output_bytes
        if over_cell or self._notebook_output_bytes > self.max_notebook_output_bytes:
            if not getattr(self, "_truncated", False):
                self._truncated = True
                what, limit = (("this cell's", self.max_output_bytes) if over_cell else
                               ("the notebook's", self.max_notebook_output_bytes))
                outs.append(nbformat.v4.new_output("stream", name="stdout",
                                                   text=f"\n[output truncated: {what} output is capped at {limit} bytes]\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)
