"""Run a learner's code in a sandbox: bubblewrap namespaces, an unprivileged uid and resource limits.

Inside the sandbox the learner's process
- runs with no capabilities, `no_new_privs`, and (when the grader is root) as a uid of its own that no file on
  the machine belongs to, one per grading process: it cannot mount, unmount, ptrace anything outside its
  sandbox or read a file only root may read, and RLIMIT_NPROC, counted per uid, limits one submission alone;
- sees an allowlist of the machine, read-only: the system's binaries and libraries, the parts of /etc that
  programs read (no shadow, no ssh keys), the interpreter and the course's environment, and of the course
  folder only the packages the lessons import (utils/, autograder/), with utils' grader-side folders hidden
  unless asked for; no /run, no host socket, no other copy of the course;
- has no network (an empty network namespace), a read-only /proc of its own PID namespace, a minimal /dev;
- writes only to size-capped tmpfs mounts that vanish with it (/tmp, /dev/shm, home, the working directory),
  and to the folders the caller names `writable` (the kernel's sockets);
- gets an environment of a few fixed variables: bubblewrap itself starts with an empty one, so not even its
  init process (PID 1 of the sandbox) holds anything of the grader's;
- with sandbox.SECCOMP (on unless libseccomp is missing), cannot make the system calls that only serve to attack:
  ptrace (even of its own uid's processes: the warm runner it is forked from), new namespaces, mounts, keys, bpf;
- is limited in address space, CPU time, file size, open files and processes; dies with its parent; where the
  machine allows, all the processes of a sandbox share one memory cap (autograder.memory_cap: tmpfs and memfds too).

`python -m autograder.sandbox kernel CONNECTION_FILE [kernel args]` is the argv of the course's sandboxed
Jupyter kernel (see `kernel_spec`): nbgrader's own Execute preprocessor starts it like any kernel.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import functools
import json
import os
import resource
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder import memory_cap
from autograder.course import ROOT

KERNEL_NAME = "course-sandbox"
SECCOMP = True  # the seccomp filter (BLOCKED_SYSCALLS), when libseccomp is installed
HOME = Path("/home/learner")
SCRATCH = Path("/home/learner/work")  # the working directory when the caller names none
# The learner's uid is this plus the PID of the process that starts the sandbox: unique while that process lives,
# and its sandboxes die with it (--die-with-parent). Above the ranges Linux distributions and containers allocate.
UID_BASE = 2_000_000_000
# What programs read in /etc (the dynamic loader, name services, time zone, MIME types, alternatives' links).
ETC_ALLOWED = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "nsswitch.conf", "passwd", "group", "hosts",
               "host.conf", "gai.conf", "protocols", "services", "localtime", "timezone", "alternatives",
               "fonts", "mime.types", "os-release", "debian_version", "locale.alias", "magic", "terminfo")


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 4 * 2**30  # address space; torch needs ~1.5 GiB of it
    cpu_seconds: int = 600
    file_bytes: int = 64 * 2**20
    open_files: int = 512
    processes: int = 256  # tasks (threads included) of the sandbox's uid: ipykernel and torch start a few
    tmpfs_bytes: int = 64 * 2**20  # each of the 4 writable tmpfs mounts: together far under memory_bytes

    def apply(self) -> None:
        """Set the per-process limits on this process (inherited by what it execs).

        The process count is set inside the sandbox, for its own uid only (see `bwrap_command`): set here it would
        count every process of the caller's user.
        """
        resource.setrlimit(resource.RLIMIT_AS, (self.memory_bytes, self.memory_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (self.cpu_seconds, self.cpu_seconds))
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.file_bytes, self.file_bytes))
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files, self.open_files))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    def environment(self) -> dict[str, str]:
        return {"AUTOGRADER_LIMITS": json.dumps(self.__dict__)}

    @classmethod
    def from_environment(cls) -> Limits:
        return cls(**json.loads(os.environ.get("AUTOGRADER_LIMITS", "{}")))


def available() -> bool:
    return shutil.which("bwrap") is not None


def sandbox_uid() -> int:
    """The uid the sandboxes this process starts run as (when it is root): a grading process's zygote gets its
    grading process's, each sandboxed kernel its launcher's (`_run_kernel`, a process of its own), so the two
    never share one; neither can see the other's processes either (each sandbox has its PID namespace)."""
    return UID_BASE + os.getpid()


def library_root(root: Path) -> Path:
    """The folder whose utils/ and autograder/ the learner's code imports: the graded course's own, or, for a
    scratch course that holds only lessons (e.g. a grading test's), the grader's own."""
    return root if (root / "utils").is_dir() and (root / "autograder").is_dir() else ROOT


def _visible_course_paths(root: Path) -> list[Path]:
    """What the learner's code may read of the course folder: the packages it imports."""
    return [library_root(root) / "utils", library_root(root) / "autograder"]


def grader_side_paths(root: Path) -> list[Path]:
    """The library's grader-side code (utils/**/grader/): the test cells import it, a learner's process never."""
    utils = library_root(root) / "utils"
    return sorted(path for path in utils.glob("**/grader") if path.is_dir() and not path.is_symlink())


def torch_paths() -> list[Path]:
    """The torch installation (torch and its sibling packages) in the environment's import folders."""
    from autograder.no_torch import PACKAGES

    folders = {Path(entry).resolve() for entry in sys.path if entry and Path(entry).is_dir()}
    inside = [f for f in folders if any(f.is_relative_to(p) for p in _interpreter_paths())]
    return sorted(folder / name for folder in inside for name in PACKAGES if (folder / name).is_dir())


def _interpreter_paths() -> list[Path]:
    """The environment and the interpreter it was made from (a venv's python links to it, maybe under $HOME)."""
    return sorted({Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()})


def _system_mounts() -> list[str]:
    """The machine's binaries and libraries and the allowed parts of /etc, read-only."""
    command = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        top = Path("/") / name
        if top.is_symlink():  # merged /usr: /bin -> usr/bin
            command += ["--symlink", os.readlink(top), str(top)]
        elif top.is_dir():
            command += ["--ro-bind", str(top), str(top)]
    command += ["--dir", "/etc"]
    for name in ETC_ALLOWED:
        if os.path.lexists(f"/etc/{name}"):
            command += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    return command


def _parents(path: Path) -> list[str]:
    """Make the folders above a mount point traversable (bubblewrap makes the ones it needs private to root)."""
    command = []
    for parent in reversed(Path(path).parents[:-1]):
        command += ["--perms", "0755", "--dir", str(parent)]
    return command


def _tmpfs(path: Path | str, size: int, perms: str = "1777") -> list[str]:
    return ["--size", str(size), "--perms", perms, "--tmpfs", str(path)]


# System calls a learner's program never needs; each fails with EPERM. clone with CLONE_NEWUSER is refused too;
# clone3 fails with ENOSYS (a filter cannot read its flags), and the C library falls back to clone.
BLOCKED_SYSCALLS = ("ptrace", "process_vm_readv", "process_vm_writev", "unshare", "setns", "mount", "umount2",
                    "pivot_root", "move_mount", "open_tree", "fsopen", "fsmount", "fsconfig", "fspick",
                    "mount_setattr", "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
                    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "swapon",
                    "swapoff", "reboot", "acct", "quotactl")
CLONE_NEWUSER = 0x10000000


class _ArgumentTest(ctypes.Structure):  # libseccomp's struct scmp_arg_cmp
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                ("datum_b", ctypes.c_uint64)]


def seccomp_program() -> bytes | None:
    """The sandbox's seccomp filter as BPF (bubblewrap loads it), or None without libseccomp."""
    name = ctypes.util.find_library("seccomp")
    if name is None:
        return None
    lib = ctypes.CDLL(name)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                           ctypes.POINTER(_ArgumentTest)]
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    allow, masked_equal = 0x7FFF0000, 7  # SCMP_ACT_ALLOW, SCMP_CMP_MASKED_EQ

    def fail_with(code: int) -> int:  # SCMP_ACT_ERRNO(code)
        return 0x00050000 | code

    context = lib.seccomp_init(allow)

    def rule(syscall: str, action: int, *tests: _ArgumentTest) -> None:
        number = lib.seccomp_syscall_resolve_name(syscall.encode())
        if number >= 0 and lib.seccomp_rule_add_array(context, action, number, len(tests),
                                                      (_ArgumentTest * len(tests))(*tests)) != 0:
            raise OSError(f"seccomp: cannot add the rule for {syscall}")

    try:
        for syscall in BLOCKED_SYSCALLS:
            rule(syscall, fail_with(errno.EPERM))
        rule("clone", fail_with(errno.EPERM), _ArgumentTest(0, masked_equal, CLONE_NEWUSER, CLONE_NEWUSER))
        rule("clone3", fail_with(errno.ENOSYS))
        out = os.memfd_create("seccomp")
        try:
            if lib.seccomp_export_bpf(context, out) != 0:
                raise OSError("seccomp: cannot export the filter")
            return os.pread(out, 1 << 20, 0)
        finally:
            os.close(out)
    finally:
        lib.seccomp_release(context)


@functools.cache
def _seccomp_descriptor(pid: int) -> int | None:
    """This process's copy of the filter, which its children open by path; sealed, so no sandbox can change it."""
    program = seccomp_program()
    if program is None:
        return None
    descriptor = os.memfd_create("sandbox-seccomp", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    os.write(descriptor, program)
    fcntl.fcntl(descriptor, fcntl.F_ADD_SEALS,
                fcntl.F_SEAL_WRITE | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_SEAL)
    return descriptor


def _drop_privileges(uid: int, limits: Limits) -> list[str]:
    """The argv prefix, run by bubblewrap as root once the mounts are made, that becomes `uid` for good."""
    return ["prlimit", f"--nproc={limits.processes}:{limits.processes}", "--",
            "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
            "--ambient-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]


def bwrap_command(argv: list[str], writable: list[Path] = (), readable: list[Path] = (), cwd: Path | None = None,
                  root: Path = ROOT, *, grader_side: bool = False, limits: Limits | None = None,
                  uid: int | None = None, readable_data: dict[Path, int] | None = None,
                  hide_torch: bool = False) -> list[str]:
    """The command line that runs `argv` under the policy of this module's docstring.

    cwd: the working directory, a fresh tmpfs at that path (a `writable` entry equal to it is not bound: the
    tmpfs takes its place); SCRATCH if None. writable: host folders bound read-write, handed to the sandbox's uid
    (this function changes their owner). readable: host paths bound read-only. readable_data: files made from
    open descriptors (which must stay open and inheritable until bubblewrap has started). grader_side: show
    utils' grader-side folders (the sandboxed kernel's test cells import them). uid: the learner's uid
    (`sandbox_uid()` if None; used only when this process is root). limits: the tmpfs sizes and the process
    count; the per-process limits are the caller's to set (`Limits.apply`). hide_torch: empty folders in place of
    the torch installation (`torch_paths`), for numpy-only learner code (autograder.exercises).
    """
    limits = limits or Limits()
    cwd = Path(cwd) if cwd is not None else SCRATCH
    privileged = os.geteuid() == 0
    uid = sandbox_uid() if uid is None else uid
    command = ["env", "-i", shutil.which("bwrap") or "bwrap"]
    seccomp = _seccomp_descriptor(os.getpid()) if SECCOMP else None
    if seccomp is not None:
        # bubblewrap reads the filter to its end from a descriptor: a shell opens the memfd afresh for each sandbox
        # (its own offset), under the memfd's own number. That number is free in the child: no descriptor the caller
        # passes on can have it (a fixed 9 was once the zygote's control socket, in the pool's workers, and the
        # zygote died), and the memfd itself is close-on-exec. bash, as dash reads only one-digit descriptors.
        command = ["bash", "-c", f'exec "$@" {seccomp}< /proc/{os.getpid()}/fd/{seccomp}', "bash", *command,
                   "--seccomp", str(seccomp)]
    command += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
               "--die-with-parent", "--new-session", "--clearenv"]
    if not privileged:  # an unprivileged bubblewrap works in a user namespace, its capabilities dropped
        command += ["--unshare-user", "--disable-userns"]
    command += _system_mounts()
    command += ["--proc", "/proc", "--remount-ro", "/proc", "--dev", "/dev"]  # read-only: no /proc/PID/mem writes
    for path in ("/tmp", "/dev/shm", HOME):
        command += _tmpfs(path, limits.tmpfs_bytes)
    for path in _interpreter_paths() + _visible_course_paths(root):
        command += _parents(path) + ["--ro-bind", str(path), str(path)]
    if not grader_side:
        for path in grader_side_paths(root):
            command += _tmpfs(path, 4096, perms="0555")
    if hide_torch:
        for path in torch_paths():
            command += _tmpfs(path, 4096, perms="0555")
    for path in readable:
        command += _parents(path) + ["--ro-bind", str(path), str(path)]
    for path, fd in (readable_data or {}).items():
        command += ["--perms", "0444", "--ro-bind-data", str(fd), str(path)]
    for path in writable:
        if Path(path) == cwd:
            continue
        if privileged:
            os.chown(path, uid, uid)
        command += _parents(path) + ["--bind", str(path), str(path)]
    command += _parents(cwd) + _tmpfs(cwd, limits.tmpfs_bytes) + ["--chdir", str(cwd)]
    environment = {"HOME": str(HOME), "USER": "learner", "LOGNAME": "learner", "LANG": "C.UTF-8",
                   "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "MPLBACKEND": "Agg",
                   "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                   "PYTHONHASHSEED": "0",
                   # the course's packages from the folder being graded (read-only here), not from wherever the
                   # environment's editable install points: another copy of the course is not mounted
                   "PYTHONPATH": str(library_root(root))}
    for name, value in environment.items():
        command += ["--setenv", name, value]
    command.append("--")
    if privileged:
        command += _drop_privileges(uid, limits)
    return command + list(argv)


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
    """Exec an IPython kernel inside the sandbox; it talks to nbgrader through IPC sockets in a folder of its own.

    The kernel works in a private tmpfs, not in nbgrader's folder: nothing it writes is read by nbgrader, which
    writes the autograded notebook outside. It reads its connection file from a copy (the grader's is root's).
    """
    connection = Path(connection_file).resolve()
    info = json.loads(connection.read_text())
    if info.get("transport") != "ipc":
        raise SystemExit("the sandboxed kernel needs KernelManager.transport = 'ipc' (its network is cut)")
    sockets = Path(info["ip"]).resolve().parent
    limits = Limits.from_environment()
    limits.apply()
    if os.environ.get(memory_cap.KERNEL_VARIABLE):  # before bubblewrap starts: then all the sandbox's processes count
        memory_cap.enter(os.environ[memory_cap.KERNEL_VARIABLE])
    data = os.memfd_create("connection", 0)  # inherited by bubblewrap, which copies it into the sandbox
    os.write(data, connection.read_bytes())
    os.lseek(data, 0, os.SEEK_SET)
    inside = SCRATCH.parent / "connection.json"
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", str(inside), *kernel_args]
    command = bwrap_command(argv, writable=[sockets], readable_data={inside: data}, cwd=Path.cwd(),
                            grader_side=True, limits=limits)
    seccomp = _seccomp_descriptor(os.getpid()) if SECCOMP else None
    if seccomp is not None:
        os.set_inheritable(seccomp, True)  # this process becomes the shell that opens it for bubblewrap
    devnull = os.open(os.devnull, os.O_RDWR)  # the kernel's banner and stray prints stay out of the grader's log
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.execvp(command[0], command)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "kernel":
        _run_kernel(sys.argv[2], sys.argv[3:])
    else:
        raise SystemExit("usage: python -m autograder.sandbox kernel CONNECTION_FILE [kernel args]")
