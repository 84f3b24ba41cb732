"""Unit tests of the grading tool's parts: the data channel, collection of LMS exports, the CLI, the self-check."""

import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch
from notebook_tools import notebook_from_cells, with_solutions

from autograder import rpc
from autograder.collect import collect, student_id
from autograder.course import lesson_notebook
from autograder.notebooks import has_hidden_tests, read, without_hidden_tests
from autograder.scan import suspicious_code
from autograder.verify import defined_names, learner_cells


@pytest.mark.parametrize("value", [
    None, True, 3, -2**70, 0.1, float("inf"), "text", np.float64(0.5), np.int32(7),
    np.arange(6.0).reshape(2, 3), np.array([True, False]), [1, (2.0, "x")], {"a": np.ones(2), 3: [None]},
])
def test_plain_data_crosses_unchanged(value):
    back = rpc.decode(json.loads(json.dumps(rpc.encode(value))))
    if isinstance(value, np.ndarray):
        np.testing.assert_array_equal(back, value)
        assert back.dtype == value.dtype
    elif isinstance(value, dict):
        assert back.keys() == value.keys()
    else:
        assert back == value and type(back) is type(value)


def test_tensors_cross_as_tensors_and_objects_as_handles():
    back = rpc.decode(rpc.encode(torch.ones(2, 3, dtype=torch.float64)))
    assert isinstance(back, torch.Tensor) and back.shape == (2, 3)
    handles = []
    message = rpc.encode(object(), handles)
    assert message["t"] == "handle" and len(handles) == 1
    with pytest.raises(TypeError):
        rpc.encode(object())


@pytest.mark.parametrize("message", [
    {"t": "ndarray", "dtype": "|O", "shape": [1], "data": ""},  # object arrays could smuggle code
    {"t": "ndarray", "dtype": "<f8", "shape": [1000], "data": "AAAA"},  # size mismatch
    {"t": "py", "v": [1, 2]},
    {"t": "pickle", "v": "gASV"},
    "not a dict",
])
def test_malformed_or_dangerous_messages_are_refused(message):
    with pytest.raises(rpc.ProtocolError):
        rpc.decode(message)


def test_solution_names_and_learner_cells(lesson01_source):
    assert defined_names("def f(x):\n    return x\nanswer = 3\nclass Model:\n    pass") == {
        "f": "function", "answer": "value", "Model": "function"}
    cells = learner_cells(lesson01_source, lesson01_source)
    assert len(cells) == 8 and cells[0].lstrip().startswith("def rnn_cell_forward")


def test_hidden_regions_are_removed():
    source = "visible()\n### BEGIN HIDDEN TESTS\nsecret()\n### END HIDDEN TESTS\nprint('done')\n"
    cleaned = without_hidden_tests(source)
    assert "secret" not in cleaned and "visible()" in cleaned and "print('done')" in cleaned
    assert has_hidden_tests(source) and not has_hidden_tests(cleaned)


def test_suspicious_code_is_noticed(lesson01_source):
    import nbformat

    notebook = nbformat.from_dict(json.loads(json.dumps(lesson01_source)))
    notebook.cells.append(nbformat.v4.new_code_cell("np.allclose = lambda *a: True\nopen('../../gradebook.db')"))
    flags = " ".join(suspicious_code(notebook))
    assert "rebinds a numpy function" in flags and "grading system" in flags
    assert suspicious_code(lesson01_source) == []


@pytest.mark.parametrize("name,student", [
    ("doejane_12345_678901_01_rnn_cell.ipynb", "doejane"),
    ("smithj_late_12345_678901_Lesson1.ipynb", "smithj"),
    ("Jane Doe_4242_assignsubmission_file_01_rnn_cell.ipynb", "Jane_Doe"),
    ("s1234567.ipynb", "s1234567"),
    ("alice-01_rnn_cell.ipynb", "alice"),
    ("___.ipynb", None),
])
def test_student_ids_from_lms_file_names(name, student):
    from autograder.collect import PATTERNS

    assert student_id(name, PATTERNS) == student


def test_collect_places_a_zip_and_reports_what_it_cannot(tmp_path):
    export = tmp_path / "export.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("submissions/doejane_1_2_01_rnn_cell.ipynb", "{}")
        archive.writestr("submissions/roe_3_4_01_rnn_cell.ipynb", "{}")
        archive.writestr("submissions/roe_3_5_01_rnn_cell.ipynb", "{}")
        archive.writestr("submissions/readme.txt", "hello")
        archive.writestr("../../escape.ipynb", "{}")
    submitted = tmp_path / "submitted"
    problems = collect("01_rnn_cell", export, submitted)
    assert (submitted / "doejane" / "01_rnn_cell" / "01_rnn_cell.ipynb").is_file()
    assert (submitted / "roe" / "01_rnn_cell" / "01_rnn_cell.ipynb").is_file()
    assert not (submitted / "escape").exists() and any("escape.ipynb: its path in the zip leaves" in p for p in problems)
    assert not (tmp_path.parent / "escape.ipynb").exists()
    assert any("readme.txt" in p for p in problems) and any("second file for student 'roe'" in p for p in problems)


def test_cli_explains_bad_input(tmp_path):
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", "99_nothing"], capture_output=True, text=True)
    assert run.returncode != 0 and "no lesson '99_nothing'" in run.stderr
    run = subprocess.run([sys.executable, "-m", "autograder", "check", str(tmp_path / "missing.ipynb")],
                         capture_output=True, text=True)
    assert run.returncode != 0 and "no such file" in run.stderr


def test_self_check_grades_a_notebook_with_hidden_tests(root, tmp_path):
    import nbformat
    from lesson01_variants import MUTANTS

    notebook = with_solutions(read(lesson_notebook("01_rnn_cell", root=root)),
                              {"softmax": MUTANTS["softmax"]["no max subtraction (overflows)"]})
    path = tmp_path / "my_attempt.ipynb"
    nbformat.write(notebook, str(path))
    run = subprocess.run([sys.executable, "-m", "autograder", "check", str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "Total: 90/100" in run.stdout  # the overflow only shows in the hidden test
    assert "test_softmax_hidden" in run.stdout and "NaN or infinity" in run.stdout


def test_self_check_without_sandbox_leaves_other_processes_alone(root):
    """Outside bubblewrap the learner's clean-up must touch only its own processes (run in a PID namespace of
    its own, so that a regression cannot take the test runner down with it)."""
    import os

    notebook = lesson_notebook("01_rnn_cell", root=root)
    script = (f"sleep 120 & bystander=$!; {sys.executable} -m autograder check --no-sandbox {notebook} | tail -n 1; "
              "kill -0 $bystander && echo bystander survived; kill $bystander")
    unshare = ["unshare", "-pf", "--mount-proc"] + ([] if os.geteuid() == 0 else ["-r"])
    run = subprocess.run([*unshare, "bash", "-c", script], capture_output=True, text=True, timeout=300)
    assert "Total: 100/100" in run.stdout and "bystander survived" in run.stdout, run.stdout + run.stderr


def _trusted_runs(tmp_path, source, other):
    """The trusted verdicts of `source` graded on itself, then on `other`, with one sandboxed zygote."""
    from autograder.sandbox import Limits
    from autograder.verify import Zygote, run_trusted

    zygote = Zygote("import numpy as np", tmp_path / "learner", Limits())
    try:
        return run_trusted(source, source, zygote, call_timeout=20), run_trusted(source, other, zygote, call_timeout=20)
    finally:
        zygote.close()


def test_trusted_run_proxies_objects_and_fails_in_place_writes(tmp_path):
    """Learner objects stay in the sandbox (calls and attribute reads cross as handles, and they can be passed
    back to the learner's functions); a function that writes into an argument (passed by position or by keyword,
    or inside a dict) fails with a message naming it, and the grader's own arrays keep their values."""
    solution = ("class Counter:\n    def __init__(self, start):\n        self.value = start\n"
                "    def add(self, k):\n        self.value += k\n        return self.value\n\n"
                "def make_counter(start):\n    return Counter(start)\n\n"
                "def add_twice(counter, k):\n    counter.add(k)\n    return counter.add(k)\n\n"
                "def doubled(a):\n    return a * 2\n\n"
                "def doubled_all(d):\n    return {'a': d['a'] * 2, 'b': [d['b'][0] * 2]}\n")
    tests = {"test_make_counter": "c = make_counter(3)\nassert c.add(2) == 5 and c.value == 5\n"
                                  "assert add_twice(c, 1) == 7 and c.value == 7 and add_twice([c][0], 0) == 7\n",
             "test_doubled": "x = np.ones(3)\nassert (doubled(x) == 2).all() and (x == 1).all(), x\n"
                             "y = np.ones(2)\nassert (doubled(a=y) == 2).all() and (y == 1).all(), 'by keyword'\n",
             "test_doubled_all": "d = {'a': np.ones(2), 'b': [np.ones(1)]}\nout = doubled_all(d)\n"
                                 "assert (out['a'] == 2).all() and (d['a'] == 1).all() and (d['b'][0] == 1).all(), d\n"}
    source = notebook_from_cells("import numpy as np", {"make_counter": solution}, tests)
    in_place = notebook_from_cells("import numpy as np", {"make_counter": solution.replace(
        "return a * 2", "a *= 2\n    return a").replace("self.value += k", "self.value = k").replace(
        "return {'a': d['a'] * 2", "d['b'][0] *= 2\n    return {'a': d['a'] * 2")}, tests)
    right, bad = _trusted_runs(tmp_path, source, in_place)
    assert all(v.passed for v in right.verdicts.values()), right.verdicts
    assert not any(v.passed for v in bad.verdicts.values()), bad.verdicts
    assert "doubled changed its argument a in place" in bad.verdicts["test_doubled"].message
    assert "doubled_all changed its argument d in place" in bad.verdicts["test_doubled_all"].message


def test_list_and_tuple_subclasses_cross_as_plain_ones():
    """e.g. the named tuple that torch's load_state_dict returns, called from a test cell on a learner's model."""
    from collections import namedtuple

    Keys = namedtuple("Keys", "missing unexpected")
    back = rpc.decode(json.loads(json.dumps(rpc.encode(Keys([], ["x"])))))
    assert back == ([], ["x"]) and type(back) is tuple


@pytest.mark.parametrize("name", rpc.BIT_GENERATORS)
def test_numpy_generators_cross_as_their_state(name):
    rng = np.random.Generator(getattr(np.random, name)(7))
    rng.normal(size=3)  # a generator part-way through its stream
    back = rpc.decode(json.loads(json.dumps(rpc.encode(rng))))
    assert isinstance(back, np.random.Generator) and back is not rng
    np.testing.assert_array_equal(back.normal(size=5), rng.normal(size=5))


@pytest.mark.parametrize("state", [
    {"bit_generator": "os.system", "state": {}},  # only numpy's own bit generators are rebuilt
    {"bit_generator": "PCG64", "state": {"state": "zero"}, "has_uint32": 0, "uinteger": 0},
    "PCG64",
])
def test_malformed_generator_states_are_refused(state):
    with pytest.raises(rpc.ProtocolError):
        rpc.decode({"t": "generator", "state": rpc.encode(state)})


def test_trusted_run_passes_a_generator_and_advances_it_like_a_kernel(tmp_path):
    """A learner's function drawing from a passed `rng` gets an equal generator; the grader's own advances as the
    learner's did (passed by position or by keyword), so two calls with one rng differ and the same seed gives the
    same draws."""
    solution = "def draw(n, rng):\n    return rng.normal(size=n)\n"
    tests = {"test_draw": ("rng = np.random.default_rng(3)\nfirst, second = draw(2, rng), draw(2, rng=rng)\n"
                           "expected = np.random.default_rng(3).normal(size=5)\n"
                           "assert (first == expected[:2]).all() and (second == expected[2:4]).all()\n"
                           "assert rng.normal() == expected[4]\n")}
    source = notebook_from_cells("import numpy as np", {"draw": solution}, tests)
    global_rng = notebook_from_cells("import numpy as np", {"draw": solution.replace("rng.normal", "np.random.normal")},
                                     tests)
    right, wrong = _trusted_runs(tmp_path, source, global_rng)
    assert right.verdicts["test_draw"].passed, right.verdicts
    assert not wrong.verdicts["test_draw"].passed
