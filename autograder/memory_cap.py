"""One memory cap on all the processes of a sandbox together: a memory cgroup (v1) of its own.

RLIMIT_AS bounds each process's address space, not their sum (processes x address space is large), and counts
neither tmpfs files nor memfds written without a mapping. A memory cgroup counts all of it: every process the
sandbox starts (children stay in their parent's cgroup; a learner cannot leave it, having neither root nor the
cgroup file system), their tmpfs and memfd pages, and the page cache they fill (reclaimed first). Past the cap
the kernel reclaims, then kills a process of that cgroup only.

A cgroup is made under the grading process's own memory cgroup, which needs root and a writable cgroup v1 memory
hierarchy. Elsewhere (an unprivileged grader, cgroup v2 without delegation) `available()` is False and the bound
is per process: Limits.memory_bytes of address space for each of at most Limits.processes tasks, and
Limits.tmpfs_bytes for each tmpfs mount.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import signal
import time
from pathlib import Path

V1_MEMORY = Path("/sys/fs/cgroup/memory")
KERNEL_VARIABLE = "AUTOGRADER_MEMORY_CGROUP"  # the cgroup a sandboxed kernel's launcher enters (autograder.sandbox)
_NAMES = itertools.count()


@functools.cache
def _parent() -> Path | None:
    """This process's own memory cgroup, if it may make cgroups under it."""
    if os.geteuid() != 0:
        return None
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if "memory" in controllers.split(","):
                folder = V1_MEMORY / path.lstrip("/")
                if (folder / "memory.limit_in_bytes").exists() and os.access(folder, os.W_OK):
                    return folder
    return None


def available() -> bool:
    return _parent() is not None


def enter(cgroup: Path | str) -> None:
    """Move the calling process into `cgroup` (all it starts from now on stays there); safe in a preexec_fn."""
    with open(Path(cgroup, "cgroup.procs"), "w") as procs:
        procs.write(str(os.getpid()))


class MemoryCgroup:
    """A memory cgroup of this process's, capped at `limit_bytes` (swap included where the kernel counts it)."""

    def __init__(self, purpose: str, limit_bytes: int):
        self.path = _parent() / f"autograder-{os.getpid()}-{purpose}-{next(_NAMES)}"
        self.path.mkdir()
        self.set_limit(limit_bytes)

    def set_limit(self, limit_bytes: int) -> None:
        # memsw (memory + swap) may never be below the memory limit: raise in the order that keeps that true
        files = ["memory.limit_in_bytes"] + (["memory.memsw.limit_in_bytes"]
                                              if (self.path / "memory.memsw.limit_in_bytes").exists() else [])
        if limit_bytes > self.limit():
            files.reverse()
        for name in files:
            (self.path / name).write_text(str(limit_bytes))

    def limit(self) -> int:
        return int((self.path / "memory.limit_in_bytes").read_text())

    def usage(self) -> int:
        return int((self.path / "memory.usage_in_bytes").read_text())

    def oom_kills(self) -> int:
        """How many processes the cap killed."""
        for line in (self.path / "memory.oom_control").read_text().splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
        return 0

    def enter(self) -> None:
        enter(self.path)

    def remove(self) -> None:
        """Kill whatever still runs in the cgroup, then remove it."""
        for _ in range(100):
            with contextlib.suppress(FileNotFoundError):
                pids = [int(pid) for pid in (self.path / "cgroup.procs").read_text().split()]
                for pid in pids:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                try:
                    self.path.rmdir()
                except OSError:  # busy: processes not yet reaped
                    time.sleep(0.02)
                    continue
            return
