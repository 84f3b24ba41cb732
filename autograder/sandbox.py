"""Run a learner's code in a sandbox: bubblewrap namespaces plus resource limits.

Inside the sandbox the learner's process
- has no network (a new, empty network namespace) and sees no other processes;
- sees the machine read-only, an empty /tmp and home, and none of the course folder except the installed
  environment and the packages it imports (utils/, autograder/): no source/, no gradebook, no other students;
- can write only to its own scratch folder (and the sockets folder the kernel talks through);
- is limited in address space, CPU time, file size and process count; dies with its parent;
- does not inherit the grader's environment (no NBGRADER_EXECUTION or other hint that it is being graded).

`python -m autograder.sandbox kernel CONNECTION_FILE [kernel args]` is the argv of the course's sandboxed
Jupyter kernel (see `kernel_spec`): nbgrader's own Execute preprocessor starts it like any kernel.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.course import ROOT

KERNEL_NAME = "course-sandbox"


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 4 * 2**30  # address space; torch needs ~1.5 GiB of it
    cpu_seconds: int = 600
    file_bytes: int = 64 * 2**20

    def apply(self) -> None:
        """Set the limits on this process (inherited by what it execs)."""
        resource.setrlimit(resource.RLIMIT_AS, (self.memory_bytes, self.memory_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (self.cpu_seconds, self.cpu_seconds))
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.file_bytes, self.file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    def environment(self) -> dict[str, str]:
        return {"AUTOGRADER_LIMITS": json.dumps(self.__dict__)}

    @classmethod
    def from_environment(cls) -> Limits:
        return cls(**json.loads(os.environ.get("AUTOGRADER_LIMITS", "{}")))


def available() -> bool:
    return shutil.which("bwrap") is not None


def _visible_course_paths(root: Path) -> list[Path]:
    """What the learner's code may read of the course folder: the packages it imports."""
    return [root / "utils", root / "autograder"]


def _interpreter_paths() -> list[Path]:
    """The environment and the interpreter it was made from (a venv's python links to it, maybe under $HOME)."""
    return sorted({Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()})


def bwrap_command(argv: list[str], writable: list[Path], readable: list[Path] = (), cwd: Path | None = None,
                  root: Path = ROOT) -> list[str]:
    """The bubblewrap command line that runs `argv` under the policy of this module's docstring."""
    home = "/tmp/home"
    command = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
               "--tmpfs", "/tmp", "--dir", home, "--tmpfs", str(Path.home()), "--tmpfs", "/var/tmp",
               "--tmpfs", str(root)]
    for path in _visible_course_paths(root) + _interpreter_paths():
        command += ["--ro-bind", str(path), str(path)]
    for path in readable:
        command += ["--ro-bind", str(path), str(path)]
    for path in writable:
        command += ["--bind", str(path), str(path)]
    command += ["--unshare-all", "--die-with-parent", "--new-session", "--clearenv",
                "--setenv", "HOME", home, "--setenv", "PATH", f"{Path(sys.executable).parent}:/usr/bin:/bin",
                "--setenv", "MPLBACKEND", "Agg", "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
                "--setenv", "OMP_NUM_THREADS", "1", "--setenv", "MKL_NUM_THREADS", "1",
                "--setenv", "PYTHONHASHSEED", "0", "--setenv", "LANG", "C.UTF-8"]
    if cwd is not None:
        command += ["--chdir", str(cwd)]
    return command + ["--", *argv]


def kernel_spec(folder: Path) -> Path:
    """Write the sandboxed kernel's spec under `folder` (put `folder` on JUPYTER_PATH); return the spec folder."""
    spec_dir = folder / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "autograder.sandbox", "kernel", "{connection_file}"],
        "display_name": "Python 3 (course sandbox)",
        "language": "python",
        "env": {},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
    return spec_dir


def _run_kernel(connection_file: str, kernel_args: list[str]) -> None:
    """Exec an IPython kernel inside the sandbox; it talks to nbgrader through IPC sockets in a shared folder."""
    connection = Path(connection_file).resolve()
    info = json.loads(connection.read_text())
    if info.get("transport") != "ipc":
        raise SystemExit("the sandboxed kernel needs KernelManager.transport = 'ipc' (its network is cut)")
    sockets = Path(info["ip"]).resolve().parent
    cwd = Path.cwd()
    Limits.from_environment().apply()
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", str(connection), *kernel_args]
    command = bwrap_command(argv, writable=[cwd, sockets], readable=[connection], cwd=cwd)
    devnull = os.open(os.devnull, os.O_RDWR)  # the kernel's banner and stray prints stay out of the grader's log
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.execvp(command[0], command)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "kernel":
        _run_kernel(sys.argv[2], sys.argv[3:])
    else:
        raise SystemExit("usage: python -m autograder.sandbox kernel CONNECTION_FILE [kernel args]")
