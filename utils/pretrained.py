"""Small models trained by the course's own code, committed so that lessons can show trained networks at once.

`python -m utils.pretrained` retrains them (about a minute on 2 CPU cores) and rewrites the checkpoint; lessons
also train the same models live (utils.training.train_adding_problem), so nothing here is taken on trust.
"""

from __future__ import annotations

import argparse
import time
from functools import cache
from pathlib import Path

import torch

from utils import training

CHECKPOINT = Path(__file__).resolve().parent / "trained" / "adding_problem.pt"
KINDS = ("rnn", "lstm", "gru")
SETTINGS = {"hidden_size": 32, "length": 100, "max_steps": 1500, "batch_size": 64, "lr": 0.01, "seed": 0,
            "target_mse": None, "eval_every": 50}


def _first_below(run: training.AddingRun, level: float) -> int | None:
    return next((step for step, mse in zip(run.steps, run.test_mse, strict=True) if mse < level), None)


def train_all() -> dict:
    """Train the RNN, LSTM and GRU of the adding problem with the same settings; the checkpoint's contents."""
    contents = {"settings": dict(SETTINGS), "torch": str(torch.__version__), "models": {}, "results": {}}
    for kind in KINDS:
        run = training.train_adding_problem(kind, **SETTINGS)
        contents["models"][kind] = run.model.state_dict()
        contents["results"][kind] = {"final_mse": run.final_mse, "seconds": run.seconds, "steps": run.steps[-1],
                                     "parameters": run.parameters, "first_below_0.01": _first_below(run, 0.01),
                                     "history": {"steps": run.steps, "test_mse": run.test_mse}}
    return contents


def load_checkpoint(path: Path, script: str) -> dict:
    """A committed checkpoint (tensors and plain data only: weights_only), or how to recreate it if it is missing."""
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: recreate it with `python -m {script}`")
    return torch.load(path, weights_only=True)


@cache
def _checkpoint() -> dict:
    return load_checkpoint(CHECKPOINT, __name__)


def load_adding_model(kind: str) -> training.SequenceRegressor:
    """The committed adding-problem model of `kind` ("rnn", "lstm" or "gru"), float32, in eval mode."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {KINDS}")
    model = training.SequenceRegressor(kind, _checkpoint()["settings"]["hidden_size"], forget_bias=None)
    model.load_state_dict(_checkpoint()["models"][kind])
    return model.eval()


def adding_results() -> dict[str, dict]:
    """What training the committed models measured, per kind: final_mse, seconds, steps, parameters, first step
    with test MSE below 0.01 (None if never), and the test-MSE history."""
    return {kind: dict(result) for kind, result in _checkpoint()["results"].items()}


def settings() -> dict:
    return dict(_checkpoint()["settings"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=CHECKPOINT)
    output = parser.parse_args().output
    torch.set_num_threads(1)  # one thread: the figures match what a lesson's own run measures
    start = time.perf_counter()
    contents = train_all()
    output.parent.mkdir(parents=True, exist_ok=True)
    torch.save(contents, output)
    for kind, result in contents["results"].items():
        print(f"{kind:4s} test MSE {result['final_mse']:.4f} after {result['steps']} steps, {result['seconds']:.1f} s,"
              f" {result['parameters']} parameters, below 0.01 from step {result['first_below_0.01']}")
    print(f"wrote {output} in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
