"""Learner code tries to get out of the sandbox (autograder.sandbox): each case is an attack that worked once.

Each test runs a small Python program through `bwrap_command` (or the sandboxed Jupyter kernel), as a grader
started by root does, and checks on the host side that nothing got out. They need bubblewrap.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager

from autograder import memory_cap, sandbox
from autograder.sandbox import Limits, bwrap_command

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not sandbox.available(), reason="bubblewrap (bwrap) is not installed")
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="the grader's case: bubblewrap started by root")
MiB = 2**20


def run(code: str, course: Path, limits: Limits | None = None, timeout: float = 120, libc: bool = False,
        **options) -> dict:
    """Run `code` (after LIBC if `libc`) in a sandbox over `course`; the JSON object it prints last (or its exit
    status and errors)."""
    source = (LIBC if libc else "") + textwrap.dedent(code)
    limits = limits or Limits()
    command = bwrap_command([sys.executable, "-c", source], root=course, limits=limits, **options)
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, preexec_fn=limits.apply)
    lines = done.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        return {"exit": done.returncode, "stdout": done.stdout[-2000:], "stderr": done.stderr[-2000:]}


def tree_digest(folder: Path) -> dict[str, str]:
    """Every entry under `folder`: a file's hash, a link's target, a folder's mark."""
    digest = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            digest[name] = "-> " + os.readlink(path)
        elif path.is_file():
            digest[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            digest[name] = "dir"
    return digest


@pytest.fixture
def course(tmp_path) -> Path:
    """A scratch course: what the sandbox shows (utils/, autograder/), grader-side code and hidden tests."""
    course = tmp_path / "course"
    (course / "utils" / "lesson99" / "grader").mkdir(parents=True)
    (course / "utils" / "__init__.py").write_text("")
    (course / "utils" / "lesson99" / "grader" / "reference.py").write_text("ANSWER = 'grader-side'\n")
    (course / "autograder").mkdir()
    (course / "autograder" / "export.py").write_text("# the grader's own source\n")
    (course / "source" / "99_lesson").mkdir(parents=True)
    (course / "source" / "99_lesson" / "99_lesson.ipynb").write_text("HIDDEN TEST SOURCE\n")
    return course


@pytest.fixture
def host_dir():
    """A folder of the host outside /tmp and outside the course (an older sandbox showed such folders)."""
    folder = Path(tempfile.mkdtemp(prefix=".sandbox-test-", dir=ROOT.parent))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


LIBC = """
import ctypes, ctypes.util, errno, json, os
libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
MS_RDONLY, MS_REMOUNT, MS_BIND, MNT_DETACH = 1, 32, 4096, 2
def call(function, *args):
    result = function(*args)
    return "ok" if result == 0 else errno.errorcode.get(ctypes.get_errno(), "?")
def mount_points():
    return [line.split()[4] for line in open("/proc/self/mountinfo")]
"""


@as_root
def test_no_capabilities_no_root_no_ptrace(course):
    answer = run("""
    status = dict(line.split(":", 1) for line in open("/proc/self/status"))
    print(json.dumps({"uid": os.getuid(), "euid": os.geteuid(), "groups": os.getgroups(),
                      "caps": [status[k].strip() for k in ("CapEff", "CapPrm", "CapBnd", "CapAmb")],
                      "no_new_privs": status["NoNewPrivs"].strip(),
                      "ptrace_init": call(libc.ptrace, 16, 1, None, None)}))
    """, course, libc=True)
    assert answer.get("uid") not in (None, 0) and answer["euid"] == answer["uid"], answer
    assert 0 not in answer["groups"]
    assert answer["caps"] == ["0000000000000000"] * 4
    assert answer["no_new_privs"] == "1"
    assert answer["ptrace_init"] != "ok"


def test_masks_cannot_be_unmounted_nor_root_remounted(course):
    """Detach every mount (the course masks first), remount / read-write, try in a new user namespace too."""
    answer = run(f"""
    course = {str(course)!r}
    tries = {{}}
    for point in reversed(mount_points()):
        tries[point] = call(libc.umount2, point.encode(), MNT_DETACH)
    tries["remount /"] = call(libc.mount, None, b"/", None, MS_REMOUNT | MS_BIND, None)
    tries["userns"] = call(libc.unshare, 0x10000000 | 0x00020000)  # CLONE_NEWUSER | CLONE_NEWNS
    if tries["userns"] == "ok":
        for point in reversed(mount_points()):
            tries["userns " + point] = call(libc.umount2, point.encode(), MNT_DETACH)
    seen = []
    for path in (course + "/source/99_lesson/99_lesson.ipynb", course + "/utils/lesson99/grader/reference.py"):
        try:
            seen.append(open(path).read())
        except OSError:
            pass
    try:
        open(course + "/autograder/export.py", "a").write("# changed")
        seen.append("wrote the grader's source")
    except OSError:
        pass
    print(json.dumps({{"tries": tries, "seen": seen}}))
    """, course, libc=True)
    assert "tries" in answer, answer
    assert answer["seen"] == [], answer
    assert not [point for point, outcome in answer["tries"].items() if outcome == "ok" and point != "userns"], answer
    assert (course / "autograder" / "export.py").read_text() == "# the grader's own source\n"


def test_course_folder_and_working_folder_stay_unchanged(course, tmp_path):
    """Writes into the course, new files in its root, a symlink out of the working folder: none reach the host."""
    workdir = tmp_path / "work"
    workdir.mkdir()
    before = tree_digest(course)
    answer = run(f"""
    import json, os
    course, done = {str(course)!r}, []
    def attempt(name, action):
        try:
            action()
            done.append(name)
        except OSError:
            pass
    attempt("export.py", lambda: open(course + "/autograder/export.py", "w").write("changed"))
    attempt("new file", lambda: open(course + "/planted.py", "w").write("x"))
    attempt("utils", lambda: open(course + "/utils/planted.py", "w").write("x"))
    attempt("symlink", lambda: os.symlink(course + "/autograder/export.py", "link.py"))
    attempt("through symlink", lambda: open("link.py", "w").write("changed"))
    attempt("scratch file", lambda: open("scratch.txt", "w").write("mine"))
    print(json.dumps({{"done": done, "cwd": os.getcwd()}}))
    """, course, cwd=workdir, writable=[workdir])
    assert "done" in answer, answer
    assert answer["cwd"] == str(workdir)
    assert "scratch file" in answer["done"]  # the working folder is writable, inside
    assert tree_digest(course) == before
    assert list(workdir.iterdir()) == []  # and private: nothing of it shows outside


@as_root
def test_root_only_files_and_other_courses_unreadable(course, host_dir):
    secret = host_dir / "root-only.txt"
    secret.write_text("root's secret")
    secret.chmod(0o600)
    other_course = host_dir / "course-copy" / "source"
    other_course.mkdir(parents=True)
    (other_course / "hidden.txt").write_text("another course's hidden tests")
    answer = run(f"""
    import json
    read = {{}}
    for path in ("/etc/shadow", "/etc/gshadow", "/etc/ssh/ssh_host_ed25519_key", {str(secret)!r},
                 {str(other_course / "hidden.txt")!r}, "/root/.bash_history"):
        try:
            read[path] = open(path).read()[:40]
        except OSError as error:
            read[path] = None
    print(json.dumps(read))
    """, course)
    assert answer and all(value is None for value in answer.values()), answer


def test_no_host_unix_socket(course, host_dir):
    listeners = []
    for folder in (host_dir, Path("/run") if os.access("/run", os.W_OK) else None):
        if folder is None:
            continue
        path = folder / f"sandbox-test-{os.getpid()}.sock"
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(path))
        listener.listen(4)
        listener.setblocking(False)
        listeners.append((path, listener))
    try:
        answer = run(f"""
        import json, socket
        reached = []
        for path in {[str(path) for path, _ in listeners]!r} + ["/run/dbus/system_bus_socket", "/var/run/docker.sock"]:
            client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                client.connect(path)
                reached.append(path)
            except OSError:
                pass
        print(json.dumps({{"reached": reached}}))
        """, course)
        assert answer.get("reached") == [], answer
        for _, listener in listeners:
            with pytest.raises(BlockingIOError):
                listener.accept()
    finally:
        for path, listener in listeners:
            listener.close()
            path.unlink(missing_ok=True)


def test_no_grader_environment_even_in_init(course, monkeypatch):
    secret = secrets.token_hex(16)
    monkeypatch.setenv("GRADER_SECRET", secret)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    answer = run("""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() or entry == "self":
            try:
                found[entry] = open(f"/proc/{entry}/environ", "rb").read().decode(errors="replace")
            except OSError as error:
                found[entry] = type(error).__name__
    print(json.dumps(found))
    """, course, libc=True)
    assert "self" in answer, answer
    assert not [name for name, text in answer.items() if secret in text or "NBGRADER" in text], answer


def test_no_processes_outside(course):
    marker = f"sandbox-test-marker-{secrets.token_hex(8)}"
    hidden = marker[::-1]  # the program's own command line must not hold the marker
    outside = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", marker])
    try:
        answer = run(f"""
        detached = call(libc.umount2, b"/proc", MNT_DETACH)
        pids, seen = [], False
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                pids.append(int(entry))
                try:
                    seen = seen or {hidden!r}[::-1] in open(f"/proc/{{entry}}/cmdline").read()
                except OSError:
                    pass
        print(json.dumps({{"detached": detached, "pids": pids, "seen": seen}}))
        """, course, libc=True)
        assert answer.get("seen") is False, answer
        assert outside.pid not in answer["pids"] or max(answer["pids"]) < 10, answer
        assert len(answer["pids"]) <= 3  # bubblewrap's init, the program (and what it runs)
    finally:
        outside.kill()
        outside.wait()


FORK_BOMB = """
import json, os, sys, time
children = 0
try:
    for _ in range(2 * LIMIT):  # a bound for this test only: an unlimited bomb would take the machine down
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        children += 1
except OSError as error:
    pass
print(json.dumps({"children": children}), flush=True)
time.sleep(60)
"""


@as_root
def test_fork_bomb_stops_at_the_process_limit_and_spares_another_slot(course):
    limits = Limits(processes=24)
    bomb = subprocess.Popen(bwrap_command([sys.executable, "-c", FORK_BOMB.replace("LIMIT", "24")], root=course,
                                          limits=limits, uid=sandbox.UID_BASE + 1),
                            stdout=subprocess.PIPE, text=True, preexec_fn=limits.apply)
    try:
        line = bomb.stdout.readline()
        assert json.loads(line)["children"] < 24, line
        neighbour = run("""
        import json, os, time
        pids = []
        for _ in range(8):
            pid = os.fork()
            if pid == 0:
                time.sleep(1)  # all 8 alive at once
                os._exit(0)
            pids.append(pid)
        for pid in pids:
            os.waitpid(pid, 0)
        print(json.dumps({"forked": len(pids)}))
        """, course, limits=limits, uid=sandbox.UID_BASE + 2)
        assert neighbour == {"forked": 8}
    finally:
        bomb.kill()
        bomb.wait()


def test_tmpfs_mounts_are_capped(course):
    limits = Limits(tmpfs_bytes=8 * MiB)
    answer = run(f"""
    import json, os
    written = {{}}
    for folder in ("/tmp", "/dev/shm", os.environ["HOME"], os.getcwd()):
        total = 0
        try:
            with open(os.path.join(folder, "fill"), "wb") as out:
                while total < {32 * MiB}:
                    out.write(b"x" * {MiB})
                    out.flush()
                    total += {MiB}
        except OSError:
            pass
        written[folder] = total
    print(json.dumps(written))
    """, course, limits=limits)
    assert len(answer) == 4 and all(total <= 8 * MiB for total in answer.values()), answer


def test_disk_writes_are_capped(course, tmp_path):
    """Many files, each under the file size limit, in every place the program may write: the caps hold."""
    workdir = tmp_path / "work"
    workdir.mkdir()
    limits = Limits(tmpfs_bytes=8 * MiB, file_bytes=4 * MiB)
    answer = run(f"""
    import json, os
    total = 0
    for folder in ("/tmp", "/dev/shm", os.environ["HOME"], os.getcwd(), "/var/tmp", "/"):
        for index in range(32):
            try:
                with open(os.path.join(folder, f"part{{index}}"), "wb") as out:
                    out.write(b"x" * {4 * MiB})
                total += {4 * MiB}
            except OSError:
                break
    print(json.dumps({{"total": total}}))
    """, course, limits=limits, cwd=workdir, writable=[workdir])
    assert 0 < answer.get("total", -1) <= 4 * 8 * MiB, answer
    assert list(workdir.iterdir()) == []


def test_grader_side_code_hidden_unless_asked(course):
    code = f"""
    import json, os
    grader = {str(course / "utils" / "lesson99" / "grader")!r}
    print(json.dumps({{"listed": sorted(os.listdir(grader)) if os.path.isdir(grader) else None,
                       "utils": sorted(os.listdir({str(course / "utils")!r})),
                       "course": sorted(os.listdir({str(course)!r}))}}))
    """
    hidden = run(code, course)
    assert hidden.get("listed") in ([], None), hidden
    assert hidden["course"] == ["autograder", "utils"]
    shown = run(code, course, grader_side=True)
    assert shown["listed"] == ["reference.py"]


def test_sandboxed_kernel_writes_only_its_scratch(course, tmp_path, monkeypatch):
    """nbgrader's way: the kernel's working folder is the autograded one; what the kernel writes stays inside."""
    from jupyter_client import KernelManager

    secret = secrets.token_hex(16)
    monkeypatch.setenv("GRADER_SECRET", secret)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    sandbox.kernel_spec(tmp_path / "jupyter")
    autograded = tmp_path / "autograded"
    sockets = tmp_path / "sockets"
    autograded.mkdir()
    sockets.mkdir()
    manager = KernelManager(kernel_name=sandbox.KERNEL_NAME, transport="ipc", ip=str(sockets / "kernel"))
    manager.start_kernel(cwd=str(autograded))
    client = manager.client()
    outputs = []
    try:
        client.start_channels()
        client.wait_for_ready(timeout=120)
        code = textwrap.dedent(f"""
        import json, os
        open("planted.txt", "w").write("x")
        os.symlink({str(ROOT / "autograder" / "export.py")!r}, "01_rnn_cell.ipynb")
        environ = open("/proc/1/environ", "rb").read() if os.access("/proc/1/environ", os.R_OK) else b""
        print(json.dumps({{"uid": os.getuid(), "cwd": os.getcwd(), "listed": os.listdir("."),
                           "secret": {secret!r} in environ.decode(errors="replace") + json.dumps(dict(os.environ))}}))
        """)
        client.execute_interactive(code, timeout=120, output_hook=lambda message: outputs.append(message))
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    texts = [m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream"]
    errors = [m["content"] for m in outputs if m["msg_type"] == "error"]
    assert texts and not errors, (texts, errors)
    answer = json.loads(texts[-1].strip().splitlines()[-1])
    assert answer["cwd"] == str(autograded) and sorted(answer["listed"]) == ["01_rnn_cell.ipynb", "planted.txt"]
    assert answer["secret"] is False
    if os.geteuid() == 0:
        assert answer["uid"] != 0
    assert list(autograded.iterdir()) == []
    assert [p.name for p in sockets.iterdir() if not p.name.startswith("kernel-")] == []


@pytest.mark.skipif(sandbox.seccomp_program() is None, reason="libseccomp is not installed")
def test_no_ptrace_of_its_own_parent_and_no_new_namespaces(course):
    """A learner forked from a warm runner shares its uid: it must still not reach into it, nor make namespaces."""
    answer = run("""
    import subprocess
    parent = os.getpid()
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:
        outcome = call(libc.ptrace, 16, parent, None, None)  # PTRACE_ATTACH to the parent
        try:
            open(f"/proc/{parent}/mem", "r+b").close()  # writing there would change the parent's code
            memory = "ok"
        except OSError as error:
            memory = errno.errorcode[error.errno]
        os.write(writer, json.dumps([outcome, memory]).encode())
        os._exit(0)
    os.waitpid(child, 0)
    ptrace, memory = json.loads(os.read(reader, 1000))
    nested = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "true"]).returncode
    print(json.dumps({"ptrace": ptrace, "memory": memory, "userns": call(libc.unshare, 0x10000000),
                      "unshare_command": nested, "mount": call(libc.mount, b"none", b"/tmp", b"tmpfs", 0, None),
                      "threads_still_work": __import__("threading").Thread(target=print).start() is None}))
    """, course, libc=True)
    assert answer.get("ptrace") == "EPERM" and answer["memory"] != "ok", answer
    assert answer["userns"] == "EPERM" and answer["unshare_command"] != 0 and answer["mount"] == "EPERM"
    assert answer["threads_still_work"]


@pytest.mark.skipif(sandbox.seccomp_program() is None, reason="libseccomp is not installed")
def test_descriptors_passed_in_keep_their_numbers_under_the_filter(course):
    """The filter reaches bubblewrap on a descriptor of its own: each one the caller passes, at any number, still
    reaches the sandbox unchanged (the zygote's control socket was once number 9, the filter's, and it died)."""
    code = ("import os\nfor n in range(3, 16):\n    os.write(n, b'%d ' % n) if n != FILTER else None\n"
            "print(open('/proc/self/status').read().split('Seccomp:')[1].split()[0])")
    command = bwrap_command([sys.executable, "-c", code], root=course)  # makes this process's filter descriptor
    numbers = [n for n in range(3, 16) if n != sandbox._seccomp_descriptor(os.getpid())]
    command[-1] = code.replace("FILTER", str(sandbox._seccomp_descriptor(os.getpid())))
    saved = {}  # this process's descriptors (pytest's among them) at those numbers: (copy, inheritable)
    for number in numbers:
        with contextlib.suppress(OSError):
            saved[number] = (fcntl.fcntl(number, fcntl.F_DUPFD_CLOEXEC, 100), os.get_inheritable(number))
    ends = os.pipe()
    reader, writer = (fcntl.fcntl(end, fcntl.F_DUPFD_CLOEXEC, 100) for end in ends)
    for end in ends:
        os.close(end)
    try:
        for number in numbers:
            os.dup2(writer, number, inheritable=False)
        done = subprocess.run(command, pass_fds=numbers, capture_output=True, text=True, timeout=120)
    finally:
        for number in numbers:
            os.close(number)
        for number, (copy, inheritable) in saved.items():
            os.dup2(copy, number, inheritable=inheritable)
            os.close(copy)
        os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        written = [int(n) for n in pipe.read().split()]
    assert written == numbers, (written, done.stderr[-500:])
    assert done.stdout.strip() == "2", done  # the filter is on


SWAP_SOCKETS = """
import json, os
folder = os.path.dirname({ip!r})
mine = sorted(os.listdir(folder))
tries = {{}}
for name in mine:
    path = os.path.join(folder, name)
    for what, attempt in (("unlink", lambda: os.unlink(path)), ("rename", lambda: os.rename(path, path + "-old")),
                          ("symlink", lambda: os.symlink("/run/host.sock", path + "-new"))):
        try:
            attempt()
            tries[what + " " + name] = "ok"
        except OSError as error:
            tries[what + " " + name] = error.strerror
for what, attempt in (("chmod", lambda: os.chmod(folder, 0o777)), ("plant", lambda: open(folder + "/x", "w"))):
    try:
        attempt()
        tries[what] = "ok"
    except OSError as error:
        tries[what] = error.strerror
print(json.dumps({{"mine": mine, "tries": tries}}))
"""


@as_root
def test_kernel_cannot_swap_its_sockets_for_links(course, tmp_path, monkeypatch):
    """nbgrader's run (CappedExecute) hands the sockets folder back to the grader before the first cell: the
    learner can neither remove, rename nor replace a socket by a link to a host socket; the kernel keeps working."""
    from autograder.kernel import CappedExecute

    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    sandbox.kernel_spec(tmp_path / "jupyter")
    sockets = tmp_path / "sockets"
    sockets.mkdir()
    ip = str(sockets / "kernel")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SWAP_SOCKETS.format(ip=ip)),
                                               nbformat.v4.new_code_cell("print('still talking')")])
    executor = CappedExecute(kernel_name=sandbox.KERNEL_NAME, timeout=120)
    manager = KernelManager(kernel_name=sandbox.KERNEL_NAME, transport="ipc", ip=ip)
    seen = []  # the folder before each cell: its owner, mode and entries

    def look(**_):
        info = sockets.stat()
        seen.append((info.st_uid, oct(info.st_mode & 0o7777),
                     {p.name: (p.lstat().st_ino, stat.S_ISSOCK(p.lstat().st_mode)) for p in sockets.iterdir()}))
    executor.on_cell_execute = look
    (tmp_path / "work").mkdir()
    executor.preprocess(notebook, {"metadata": {"path": str(tmp_path / "work")}}, km=manager)
    texts = [out.get("text", "") for cell in notebook.cells for out in cell.outputs]
    assert len(texts) == 2 and texts[1] == "still talking\n", notebook.cells
    answer = json.loads(texts[0])
    assert len(answer["mine"]) == 5 and len(answer["tries"]) == 17, answer
    assert "ok" not in answer["tries"].values(), answer
    assert seen[0] == seen[1] and seen[0][:2] == (0, "0o755"), seen
    assert sorted(seen[0][2]) == answer["mine"] and all(is_socket for _, is_socket in seen[0][2].values())


SPREAD_MEMORY = """
import os, time
for _ in range(4):  # memfd pages count in no process's address space (RLIMIT_AS) nor in any tmpfs's size
    if os.fork() == 0:
        fd = os.memfd_create("spread")
        for _ in range(40):
            os.write(fd, b"x" * 2**20)
        print("wrote 40 MiB", flush=True)
        time.sleep(2)  # all four hold theirs at once
        os._exit(0)
for _ in range(4):
    os.wait()
"""


@pytest.mark.skipif(not memory_cap.available(), reason="no writable memory cgroup (root and cgroup v1 needed)")
def test_one_memory_cap_covers_all_of_a_sandboxs_processes(course):
    """Four processes write 40 MiB each into memfds: per-process limits let all of them through; under a memory
    cgroup of 96 MiB not all finish, and the cap killed one."""
    limits = Limits(memory_bytes=512 * MiB)

    def spread(cap=None) -> int:
        def start() -> None:
            limits.apply()
            if cap is not None:
                cap.enter()
        done = subprocess.run(bwrap_command([sys.executable, "-c", SPREAD_MEMORY], root=course, limits=limits),
                              capture_output=True, text=True, timeout=120, preexec_fn=start)
        return done.stdout.count("wrote 40 MiB")

    assert spread() == 4
    cap = memory_cap.MemoryCgroup("test", 96 * MiB)
    try:
        assert spread(cap) < 4
        assert cap.oom_kills() >= 1
    finally:
        cap.remove()
    assert not cap.path.exists()
