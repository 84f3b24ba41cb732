"""No learner-importable callable of utils/ returns a graded function's answer on the hidden-test inputs.

What learner code can import when it is graded is the learner side of utils (every module outside utils/**/grader/).
A numpy-only function is graded where torch fails on use, so its candidates are what the learner side offers then
(the modules that need torch are unreachable, and listed); a torch-allowed one (answer_probe.TORCH_ALLOWED) may use
torch, so its candidates are the whole learner side. tests/answer_probe.py records each graded function's
hidden-test calls by running the lesson's own test cells over its solution, calls every candidate the same way and
reports those that give the solution's answers (see its docstring). It runs twice in the grading sandbox (the
course read-only: a candidate called with odd arguments must not write anything), with planted learner-side modules
that show it catching reworded answers and letting near misses go; each solution, tried as a candidate, shows the
matching works for its function.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from answer_probe import TORCH_ALLOWED, graded_names
from conftest import ROOT

from autograder import sandbox
from autograder.course import lessons
from autograder.notebooks import read

pytestmark = pytest.mark.skipif(not sandbox.available(), reason="bubblewrap (bwrap) is not installed")

PROBE_SECONDS = 300  # each of the two runs, which take about 16 and 4 CPU seconds

# Planted learner-side modules: {package: (module, source)}. Each ANSWER_* function is the solution of the graded
# function its name's suffix names, reworded; each NEAR_* is one plausible mistake away from it and must not match.
NUMPY_PLANT = '''
import numpy as np


def ANSWER_rnn_cell_forward(inputs, state, w_in, w_rec, offset):
    """Called positionally: other names, einsum instead of matmul."""
    return np.tanh(np.einsum("bd,hd->bh", inputs, w_in) + np.einsum("bk,hk->bh", state, w_rec) + offset)


def _answer_by_name(b, W_h, h_prev, W_x, x_t):
    """Called by keyword: the graded function's names in another order, column vectors."""
    return np.tanh((W_x @ x_t.T + W_h @ h_prev.T).T + b)


class Stepper:
    def ANSWER_rnn_cell_forward(self, x, h, wx, wh, bias):
        """A method of a class built with no arguments."""
        return np.tanh(x.dot(wx.T) + h.dot(wh.T) + bias)


def NEAR_rnn_cell_forward(x_t, h_prev, W_x, W_h, b):
    """The bias outside the tanh."""
    return np.tanh(x_t @ W_x.T + h_prev @ W_h.T) + b
'''
TORCH_PLANT = '''
import torch
from torch import nn


class ANSWER_CharLM(nn.Module):
    """The character model under other names, its recurrent layer picked by a conditional."""

    def __init__(self, vocab_size, embed_size, hidden_size, num_layers=1, cell="lstm"):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        recurrent = nn.GRU if cell == "gru" else nn.LSTM
        self.rnn = recurrent(input_size=embed_size, hidden_size=hidden_size, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, ids, state=None):
        features, new_state = self.rnn(self.embedding(ids), state)
        return self.head(features), new_state


class NEAR_CharLM(ANSWER_CharLM):
    """Ignores the state it is given."""

    def forward(self, ids, state=None):
        return super().forward(ids, None)


def ANSWER_greedy_decode(model, src, src_lengths, max_len, bos=1, eos=2, pad=0):
    """A function taking the model: the most probable token at each step, padding after the end."""
    with torch.no_grad():
        memory, state = model.encode(src, src_lengths)
        mask = torch.arange(src.shape[1]).unsqueeze(0) < src_lengths.unsqueeze(1)
        token, ended, written = torch.full((len(src),), bos), torch.zeros(len(src), dtype=torch.bool), []
        for _ in range(max_len):
            logits, state, _ = model.decode_step(token, state, memory, mask)
            token = logits.argmax(dim=1)
            written.append(torch.where(ended, torch.full_like(token, pad), token))
            ended = ended | (token == eos)
        return torch.stack(written, dim=1)


def NEAR_greedy_decode(model, src, src_lengths, max_len):
    """Goes on writing after the end."""
    return ANSWER_greedy_decode(model, src, src_lengths, max_len, eos=-1)
'''
PLANTS = {"utils.lesson01_rnn_cell": ("zz_planted_numpy", NUMPY_PLANT),
          "utils.lesson07_language_models": ("zz_planted_torch", TORCH_PLANT)}
PLANTED_MODULES = tuple(f"{package}.{module}" for package, (module, _) in PLANTS.items())


def graded_functions() -> list[tuple[str, str]]:
    return [(lesson, name) for lesson in lessons()
            for name in graded_names(read(ROOT / "source" / lesson / f"{lesson}.ipynb"))]


GRADED = graded_functions()


def _probe(mode: str, out: Path, plants: Path) -> dict:
    limits = sandbox.Limits(cpu_seconds=PROBE_SECONDS)
    argv = [sys.executable, str(ROOT / "tests" / "answer_probe.py"), mode, str(out)]
    argv += [f"--plant={package}={plants / package}" for package in PLANTS]
    command = sandbox.bwrap_command(argv, writable=[out], readable=[ROOT / "tests", ROOT / "source", plants],
                                    grader_side=mode == "torch", limits=limits)
    run = subprocess.run(command, capture_output=True, text=True, preexec_fn=limits.apply, timeout=PROBE_SECONDS)
    report = out / f"{mode}.json"
    assert run.returncode == 0 and report.is_file(), f"the {mode} probe failed:\n{run.stdout[-2000:]}{run.stderr[-4000:]}"
    return json.loads(report.read_text())


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, dict]:
    """{"torch": report, "numpy": report} of answer_probe, with the plants."""
    plants, out = tmp_path_factory.mktemp("plants"), tmp_path_factory.mktemp("probe")
    for package, (module, source) in PLANTS.items():
        (plants / package).mkdir()
        (plants / package / f"{module}.py").write_text(source)
        (plants / package).chmod(0o755)  # the sandbox's uid reads it (pytest makes its folders 0700)
    plants.chmod(0o755)
    return {mode: _probe(mode, out, plants) for mode in ("torch", "numpy")}


def _matches(reports, lesson: str, name: str) -> list[str]:
    report = reports["torch" if name in TORCH_ALLOWED else "numpy"]
    return report["matches"][f"{lesson}/{name}"]


@pytest.mark.parametrize(("lesson", "name"), GRADED, ids=[f"{lesson[:2]}-{name}" for lesson, name in GRADED])
def test_no_learner_side_callable_gives_the_answer(reports, lesson, name):
    found = [c for c in _matches(reports, lesson, name) if not c.startswith(PLANTED_MODULES)]
    kind = "torch-allowed" if name in TORCH_ALLOWED else "numpy-only (torch unavailable)"
    assert not found, (f"{name} ({kind}): these learner-importable callables give its answer on the hidden-test "
                       f"inputs: {found}; move them to the grader side")


def test_each_solution_tried_as_a_candidate_gives_its_own_answers(reports):
    """The matching itself works for every graded function: calls replayed, random states restored, weights
    loaded, answers compared, within the time limit."""
    assert reports["torch"]["solutions_answer"] == {f"{lesson}/{name}": True for lesson, name in GRADED}


def test_numpy_only_candidates_are_what_imports_without_torch(reports):
    """Modules that need torch are unreachable from a numpy-only function: listed, and none of them offers a
    numpy-only function a candidate; the torch-allowed run reaches every learner-side module."""
    unreachable = reports["numpy"]["unimportable"]
    print("unreachable without torch:", *sorted(unreachable), sep="\n  ")
    assert all("torch" in error for error in unreachable.values()), unreachable
    assert not any(c.startswith(tuple(unreachable)) for c in reports["numpy"]["candidates"])
    assert reports["torch"]["unimportable"] == {}
    assert len(reports["torch"]["candidates"]) > len(reports["numpy"]["candidates"]) > 20


def test_a_planted_numpy_answer_is_caught_and_a_near_miss_is_not(reports):
    """Caught called positionally, by keyword and as a method; the near miss and the other functions not matched."""
    found = _matches(reports, "01_rnn_cell", "rnn_cell_forward")
    module = "utils.lesson01_rnn_cell.zz_planted_numpy"
    assert set(found) == {f"{module}.ANSWER_rnn_cell_forward", f"{module}._answer_by_name",
                          f"{module}.Stepper().ANSWER_rnn_cell_forward"}, found
    assert not any(module in c for c in _matches(reports, "01_rnn_cell", "linear_output"))


@pytest.mark.parametrize(("lesson", "name"), [("07_language_models", "CharLM"), ("08_attention", "greedy_decode")])
def test_a_planted_torch_answer_is_caught_and_a_near_miss_is_not(reports, lesson, name):
    found = _matches(reports, lesson, name)
    assert found == [f"utils.lesson07_language_models.zz_planted_torch.ANSWER_{name}"], found


def test_the_torch_plant_is_out_of_reach_of_numpy_only_functions(reports):
    assert "utils.lesson07_language_models.zz_planted_torch" in reports["numpy"]["unimportable"]

