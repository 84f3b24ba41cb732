"""Lesson 04 (and 05): the adding-problem RNN, LSTM and GRU the course trained itself, committed in
utils/trained/adding_problem.pt so that a lesson shows trained networks at once.

`python -m utils.checkpoints 04` retrains them (about a minute on 2 CPU cores) and rewrites the file; the lessons
also train the same models live (`adding.train_adding_problem`), so nothing here is taken on trust.
"""

from __future__ import annotations

import torch

from utils.checkpoints import Checkpoint
from utils.lesson04_lstm import adding
from utils.models import Run

KINDS = ("rnn", "lstm", "gru")
SETTINGS = {"hidden_size": 32, "length": 100, "max_steps": 1500, "batch_size": 64, "lr": 0.01, "seed": 0,
            "target_mse": None, "eval_every": 50}


def _first_below(run: Run, level: float) -> int | None:
    return next((step for step, mse in run.history if mse < level), None)


def train_all() -> dict:
    """Train the RNN, LSTM and GRU of the adding problem with the same settings; the checkpoint's contents."""
    contents = {"settings": dict(SETTINGS), "torch": str(torch.__version__), "models": {}, "results": {}}
    for kind in KINDS:
        run = adding.train_adding_problem(kind, **SETTINGS)
        contents["models"][kind] = run.model.state_dict()
        contents["results"][kind] = {"final_mse": run.final_score, "seconds": run.seconds, "steps": run.steps[-1],
                                     "parameters": run.parameters, "first_below_0.01": _first_below(run, 0.01),
                                     "history": {"steps": run.steps, "test_mse": run.scores}}
    return contents


ADDING_PROBLEM = Checkpoint("adding_problem.pt", train_all)
CHECKPOINTS = (ADDING_PROBLEM,)


def load_adding_model(kind: str) -> adding.SequenceRegressor:
    """The committed adding-problem model of `kind` ("rnn", "lstm" or "gru"), float32, in eval mode."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {KINDS}")
    contents = ADDING_PROBLEM.contents()
    model = adding.SequenceRegressor(kind, contents["settings"]["hidden_size"], forget_bias=None)
    model.load_state_dict(contents["models"][kind])
    return model.eval()


def adding_results() -> dict[str, dict]:
    """What training the committed models measured, per kind: final_mse, seconds, steps, parameters, first step
    with test MSE below 0.01 (None if never), and the test-MSE history."""
    return {kind: dict(result) for kind, result in ADDING_PROBLEM.contents()["results"].items()}


def settings() -> dict:
    return dict(ADDING_PROBLEM.contents()["settings"])
