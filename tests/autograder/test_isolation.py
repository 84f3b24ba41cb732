"""Isolation between submissions: what one learner's process does to its channel, to the warm process learners
are forked from (the zygote) or to the sandbox it leaves behind changes nothing for the next submission.

Every attacker starts from the correct solutions of lesson 01. Correct bystanders ("probes") are graded before
and after it on the same zygote, and must get exactly the verdicts they get alone. A probe also looks for what
an attacker may have left (files, modules, patches, environment, signal handlers, threads, processes, open
descriptors, writable folders on sys.path) and, if it finds any, gives a wrong checkpoint answer naming it, so
a leak costs it points and the failing message says what leaked.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from classroom import LESSON
from lesson01_variants import MUTANTS
from notebook_tools import with_solutions
from scratch_course import copy_course

from autograder import memory_cap
from autograder.notebooks import cells_by_id
from autograder.options import Options
from autograder.pool import grade_all
from autograder.sandbox import Limits
from autograder.verify import Zygote, run_trusted

pytest_plugins = ["grader_fixtures"]  # lesson 01's source and zygote, a PostgreSQL server

CALL_TIMEOUT = 8
ROOT = Path(__file__).resolve().parents[2]

PROBE = '''
import os, sys, threading
import signal as _sig  # spelt so that the code flags of grade.py stay quiet for a bystander
_leaks = []
for _place in {os.getcwd(), "/tmp", "/var/tmp", "/dev", "/dev/shm", os.path.expanduser("~"), os.path.dirname(os.getcwd())}:
    for _folder, _dirs, _files in os.walk(_place):
        _leaks += [os.path.join(_folder, n) for n in _dirs + _files if "planted" in n]
_leaks += [name for name in sys.modules if "planted" in name] + [k for k in os.environ if "PLANTED" in k]
_leaks += ["numpy.allclose patched"] if np.allclose.__module__ != "numpy" else []
_leaks += [f"handler for signal {s}" for s in (_sig.SIGTERM, _sig.SIGUSR1, _sig.SIGALRM)
           if _sig.getsignal(s) not in (_sig.SIG_DFL, None)]
_leaks += [t.name for t in threading.enumerate() if t is not threading.main_thread()]
_leaks += [f"writable {p!r} on sys.path" for p in sys.path if p == "" or (os.path.isdir(p) and os.access(p, os.W_OK))]
_mine = {os.getpid(), os.getppid(), 1}
_leaks += [f"process {p}" for p in os.listdir("/proc") if p.isdigit() and int(p) not in _mine]
_sockets = [fd for fd in os.listdir("/proc/self/fd") if os.readlink(f"/proc/self/fd/{fd}").startswith("sock" + "et:")]
_leaks += [f"{len(_sockets)} sockets open"] if len(_sockets) != 1 else []
if _leaks:
    wiring_for_translation = "leak: " + ", ".join(_leaks)[:300]
'''

# Finds this process's own channel the way an attacker would: every socket among its descriptors.
SOCKETS = ('import os\n'
           '_socks = [int(fd) for fd in os.listdir("/proc/self/fd") if os.path.exists(f"/proc/self/fd/{fd}") '
           'and os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")]\n')
SIGNED = ('import gc\nfrom autograder import rpc\n'
          '_channel = next(o for o in gc.get_objects() if isinstance(o, rpc.Channel))\n')
PLANT = '''
import os, stat
for _place in {os.getcwd(), "/tmp", "/var/tmp", "/dev", "/dev/shm", os.path.expanduser("~"), os.path.dirname(os.getcwd())}:
    try:
        os.makedirs(f"{_place}/planted_dir/deeper", exist_ok=True)
        for _name in ("planted.py", "numpy.py", "sitecustomize.py", "planted_dir/deeper/planted.txt"):
            with open(f"{_place}/{_name}" if "/" in _name else f"{_place}/planted_dir/{_name}", "w") as _f:
                _f.write("raise SystemExit('planted')\\n")
        open(f"{_place}/planted.py", "w").write("PLANTED = True\\n")
        os.symlink("/etc/passwd", f"{_place}/planted_link")
        os.chmod(f"{_place}/planted_dir/deeper", 0o500)
        os.chmod(f"{_place}/planted_dir", 0o500)
    except OSError:
        pass
'''
LINGER = '''
import os, signal, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:  # a daemon, orphaned twice, in a session of its own, waiting for the next learner
        _known, _end = set(os.listdir("/proc")), time.time() + 120
        while time.time() < _end:
            for _pid in set(os.listdir("/proc")) - _known:
                if _pid.isdigit():
                    try:
                        os.kill(int(_pid), signal.SIGKILL)
                    except OSError:
                        pass
            try:
                open(os.path.join(os.getcwd(), "planted_late.py"), "w").write("x = 1")
            except OSError:
                pass
            time.sleep(0.02)
    os._exit(0)
time.sleep(0.5)
'''

WRONG_CELL = MUTANTS["rnn_cell_forward"]["ignores h_prev"]
RNN_TESTS = {"test_rnn_cell_forward", "test_rnn_cell_forward_hidden"}

# name: (cell added at the end, solution replacements, test cells it must fail, exact: the others must pass)
ATTACKS = {
    "garbage_on_its_channel": (SOCKETS + "for _s in _socks:\n    os.write(_s, b'garbage\\n' * 50 + b'\\xff' * 99)\n",
                               {}, set(), True),
    "forged_unsigned_replies": (SOCKETS + 'for _s in _socks:\n    os.write(_s, b\'{"reply": "cells_run", '
                                '"failed": []}\\n{"reply": "ok", "value": {"t": "py", "v": true}}\\n\')\n',
                                {"rnn_cell_forward": WRONG_CELL}, RNN_TESTS, False),
    "signed_replies_out_of_turn": (SIGNED + '_channel.send({"reply": "cells_run", "failed": []})\n'
                                   'for _ in range(5):\n    _channel.send({"reply": "ok", "value": {"t": "py", "v": 1}})\n',
                                   {"rnn_cell_forward": WRONG_CELL}, RNN_TESTS, False),
    "replayed_frame": (SIGNED + '_channel.sent -= 1\n_channel.send({"reply": "starting", "index": 0})\n',
                       {}, set(), True),
    "closes_its_channel": (SOCKETS + "for _s in _socks:\n    os.close(_s)\n", {}, set(), True),
    "fakes_its_exit": (SOCKETS + "for _s in _socks:\n    os.close(_s)\nimport time\ntime.sleep(600)\n",
                       {}, set(), True),
    "forks_and_lingers": (LINGER, {}, set(), True),
    "leaves_files": (PLANT, {}, set(), True),
    "leaves_patches_modules_threads_and_handlers": (
        "import sys, types, signal, threading, numpy, time\nsys.modules['planted'] = types.ModuleType('planted')\n"
        "numpy.allclose = lambda *a, **k: True\nos.environ['PLANTED'] = '1'\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\nsignal.signal(signal.SIGUSR1, lambda *a: None)\n"
        "threading.Thread(target=time.sleep, args=(600,), daemon=True, name='planted').start()\n"
        "import builtins\nbuiltins.planted = True\nimport os\n", {}, set(), True),
    "kills_the_zygote": ("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n", {}, set(), False),
    "stops_the_zygote": ("import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)\n", {}, set(), True),
    "signals_the_zygote": ("import os, signal\nfor _s in (signal.SIGTERM, signal.SIGUSR1, signal.SIGHUP, signal.SIGINT):\n"
                           "    os.kill(os.getppid(), _s)\n", {}, set(), True),
    "stops_itself_in_a_call": ("", {"rnn_param_count": "import os, signal\ndef rnn_param_count(D, H, O):\n"
                                    "    os.kill(os.getpid(), signal.SIGSTOP)\n"},
                               {"test_rnn_param_count", "test_rnn_param_count_hidden"}, True),
}


def _with_cell(notebook, source):
    notebook = nbformat.from_dict(json.loads(json.dumps(notebook)))
    if source:
        notebook.cells.append(nbformat.v4.new_code_cell(source))
    return notebook


def _probe(source):
    return _with_cell(source, PROBE)


def _attacker(source, name):
    cell, replacements, _, _ = ATTACKS[name]
    return _with_cell(with_solutions(source, replacements), cell)


def _passed(result) -> dict:
    return {grade_id: (verdict.passed, verdict.message) for grade_id, verdict in result.verdicts.items()}


@pytest.fixture(scope="module")
def alone(source, tmp_path_factory):
    """A probe's verdicts, graded alone on a zygote of its own: full marks, nothing leaked."""
    zygote = Zygote(cells_by_id(source)["setup"].source, tmp_path_factory.mktemp("alone"), Limits())
    try:
        result = run_trusted(source, _probe(source), zygote, CALL_TIMEOUT)
    finally:
        zygote.close(remove_workdir=True)
    assert all(v.passed for v in result.verdicts.values()) and not result.events, (_passed(result), result.events)
    return _passed(result)


@pytest.mark.parametrize("name", list(ATTACKS))
def test_an_attacker_ends_only_its_own_submission(name, source, zygote, alone):
    before = run_trusted(source, _probe(source), zygote, CALL_TIMEOUT)
    attacker = run_trusted(source, _attacker(source, name), zygote, CALL_TIMEOUT)
    after = run_trusted(source, _probe(source), zygote, CALL_TIMEOUT)
    again = run_trusted(source, _probe(source), zygote, CALL_TIMEOUT)
    for bystander in (before, after, again):
        assert _passed(bystander) == alone, f"{name} changed a bystander's verdicts: {_passed(bystander)}"
        assert not bystander.events, f"{name}: a bystander was flagged: {bystander.events}"
    _, _, must_fail, exact = ATTACKS[name]
    failed = {g for g, v in attacker.verdicts.items() if not v.passed}
    assert must_fail <= failed, f"{name} got credit it cheated for: {_passed(attacker)}"
    if exact:
        assert failed == must_fail, f"{name} lost more than what it cheated: {_passed(attacker)}; {attacker.events}"
    if name not in ("leaves_files", "leaves_patches_modules_threads_and_handlers", "signals_the_zygote",
                    "forks_and_lingers"):  # what the zygote undoes without a trace; grade's code flags name them
        assert attacker.events, f"{name} was not flagged"


def test_the_zygote_is_replaced_only_when_a_learner_damaged_it(source, zygote):
    """Leftovers that the zygote removes cost nothing; one that it cannot undo (a zygote stopped or killed)
    makes it start afresh, and the flag says so, on the attacker's submission."""
    run_trusted(source, _probe(source), zygote, CALL_TIMEOUT)
    warm = zygote.process.pid
    run_trusted(source, _attacker(source, "leaves_files"), zygote, CALL_TIMEOUT)
    run_trusted(source, _attacker(source, "forks_and_lingers"), zygote, CALL_TIMEOUT)
    assert zygote.process.pid == warm
    stopped = run_trusted(source, _attacker(source, "stops_the_zygote"), zygote, CALL_TIMEOUT)
    assert any("warm learner process" in event for event in stopped.events), stopped.events
    assert run_trusted(source, _probe(source), zygote, CALL_TIMEOUT).events == []
    assert zygote.process.pid != warm


def _class(source, folder: Path, attackers: list[str]) -> dict[str, Path]:
    """Probes and attackers interleaved, so each worker grades bystanders before and after attackers."""
    order = ["probe0"] + [f for i, attacker in enumerate(attackers) for f in (attacker, f"probe{i + 1}")]
    paths = {}
    for position, student in enumerate(order):
        path = folder / f"{position:02d}_{student}" / LESSON / f"{LESSON}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(_probe(source) if student.startswith("probe") else _attacker(source, student), str(path))
        paths[path.parent.parent.name] = path
    return paths


def _check_class(results, exactly_flagged):
    for student, result in results.items():
        if "probe" in student:
            assert result.total == 100, (student, result.messages, result.flags)
            assert not result.flags, (student, result.flags)
        else:
            assert result.total <= 100 - 30 * ("signed_replies" in student), (student, result.messages)
            if any(attack in student for attack in exactly_flagged):
                assert result.flags, f"{student} was not flagged"


@pytest.mark.parametrize("workers", [1, 2])
def test_bystanders_keep_their_scores_with_one_worker_and_with_two(workers, source, tmp_path):
    submissions = _class(source, tmp_path / "submitted", ["kills_the_zygote", "signed_replies_out_of_turn",
                                                          "forks_and_lingers", "leaves_files", "fakes_its_exit"])
    results = grade_all(LESSON, submissions, Options(workers=workers, in_kernel=False, cell_timeout=CALL_TIMEOUT),
                        progress=False)
    _check_class(results, ("kills_the_zygote", "signed_replies", "fakes_its_exit", "forks_and_lingers"))


def _tracked_hashes(folder: Path) -> dict[str, str]:
    import hashlib

    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def test_the_grade_command_keeps_bystanders_scores_and_flags_only_attackers(source, tmp_path):
    """`python -m autograder grade` on a copy of the course, as an instructor runs it (nbgrader's kernel run
    included), with two workers."""
    course = copy_course(tmp_path / "course", LESSON)
    # attackers that also leave nbgrader's kernel able to finish (closing a channel there would hang it)
    submitted = _class(source, course / "submitted", ["kills_the_zygote", "signed_replies_out_of_turn",
                                                       "forks_and_lingers", "leaves_files"])
    code = {part: _tracked_hashes(course / part) for part in ("autograder", "utils", "source", "release")}
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", LESSON, "--workers", "2", "--cell-timeout", "30",
                          "--timeout", "240"], cwd=course, capture_output=True, text=True, timeout=1500)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    results = json.loads((course / "flags" / f"{LESSON}.results.json").read_text())
    assert set(results) == set(submitted)
    for student, result in results.items():
        total = sum(result["scores"].values())
        if "probe" in student:
            assert total == 100 and not result["flags"], (student, result["messages"], result["flags"])
        else:
            assert total <= 100, student
    flagged = {entry["student"] for entry in json.loads((course / "flags" / f"{LESSON}.json").read_text())}
    assert not any("probe" in student for student in flagged), flagged
    assert {"01_kills_the_zygote", "03_signed_replies_out_of_turn", "05_forks_and_lingers"} <= flagged, flagged
    assert code == {part: _tracked_hashes(course / part) for part in code}, "grading changed the course's files"


# 3 GiB written into memfds: in no process's address space (RLIMIT_AS) nor in any tmpfs's size, each one under
# the file size limit
MEMFD_FLOOD = ('import os\n_chunk, _fds = b"x" * 2**24, []\nfor _ in range(64):\n'
               '    _fds.append(os.memfd_create("flood"))\n    for _ in range(3):\n        os.write(_fds[-1], _chunk)\n')


@pytest.mark.skipif(not memory_cap.available(), reason="no writable memory cgroup (root and cgroup v1 needed)")
def test_one_memory_cap_holds_the_zygote_and_its_learner(source, tmp_path):
    """The zygote and the learner it forks share one cap (the zygote's own memory plus memory_bytes): a learner
    that fills a memfd is stopped there, only its submission is flagged, and the bystanders after it lose nothing."""
    limits = Limits(memory_bytes=2 * 2**30)
    zygote = Zygote(cells_by_id(source)["setup"].source, tmp_path / "capped", limits)
    try:
        before = run_trusted(source, _probe(source), zygote, CALL_TIMEOUT)
        baseline = zygote.cgroup.limit() - limits.memory_bytes
        attacker = run_trusted(source, _with_cell(source, MEMFD_FLOOD), zygote, CALL_TIMEOUT)
        after = [run_trusted(source, _probe(source), zygote, CALL_TIMEOUT) for _ in range(2)]
    finally:
        zygote.close(remove_workdir=True)
    assert 0 < baseline < limits.memory_bytes
    assert attacker.events, "the flood went through"
    for bystander in (before, *after):
        assert all(v.passed for v in bystander.verdicts.values()) and not bystander.events, bystander.events


# In nbgrader's kernel only (the trusted run's learner is not the attacker here): stop, then kill, every process
# a signal can name, the zygote among them if the kernel could see it.
KERNEL_SIGNALS = '''
import json, os, signal, sys
if "ipykernel" in sys.modules:
    _reached, _mine = [], {int(task) for task in os.listdir("/proc/self/task")}  # its own threads: itself
    for _s in (signal.SIGSTOP, signal.SIGKILL):
        for _pid in [-1, *range(2, 1 << 16)]:
            if _pid not in _mine:
                try:
                    os.kill(_pid, _s)
                    _reached.append(_pid)
                except OSError:
                    pass
    print("KERNEL", json.dumps({"uid": os.getuid(), "reached": sorted(set(_reached))}))
'''


def test_the_kernel_cannot_signal_the_zygote(source, tmp_path, monkeypatch):
    """nbgrader's sandboxed kernel runs as a uid other than the zygote's (its launcher's, not its grading
    process's) and in a PID namespace of its own: learner code there that signals every process it can name
    reaches nothing of the trusted run, and the bystander graded after it on the same zygote loses nothing."""
    from autograder import sandbox
    from autograder.course import make_course
    from autograder.exercises import NUMPY
    from autograder.submission import grade_one
    from autograder.template import prepare_template
    from autograder.zygotes import close_zygotes, zygotes_for

    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    sandbox.kernel_spec(tmp_path / "jupyter")
    course = make_course(tmp_path / "course", [LESSON])
    template = prepare_template(LESSON, tmp_path / "template", course)
    options = Options(workers=1, cell_timeout=30, submission_timeout=240)
    results, zygotes = {}, []
    try:
        for student, notebook in [("attacker", _with_cell(source, KERNEL_SIGNALS)), ("probe", _probe(source))]:
            path = tmp_path / "submitted" / student / f"{LESSON}.ipynb"
            path.parent.mkdir(parents=True)
            nbformat.write(notebook, str(path))
            results[student] = grade_one(LESSON, student, path, template, options, course)
            zygotes.append(zygotes_for(source, options, [NUMPY])[NUMPY].process.pid)  # lesson 01: numpy-only
        zygote_uid = sandbox.sandbox_uid()
    finally:
        close_zygotes()
    printed = [output.get("text", "") for cell in results["attacker"].feedback.cells
               for output in cell.get("outputs", []) if "KERNEL" in output.get("text", "")]
    assert len(printed) == 1, results["attacker"].flags
    kernel = json.loads(printed[0].split("KERNEL", 1)[1])
    if os.geteuid() == 0:
        assert kernel["uid"] != zygote_uid
    assert kernel["reached"] in ([], [-1]), kernel  # at most its own kernel's sandbox: nothing else is visible
    assert zygotes[0] == zygotes[1], "the zygote was replaced"
    for student, result in results.items():
        assert result.total == 100, (student, result.messages, result.flags)
    assert not results["probe"].flags, results["probe"].flags
