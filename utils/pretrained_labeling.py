"""The lesson-06 models the course trained itself: surname classifiers and word-boundary taggers, one- and
bidirectional, with the baselines they are measured against.

`python -m utils.pretrained_labeling` retrains them (about 2 minutes on one CPU thread) and rewrites the checkpoint.
The lesson loads them (or retrains them live with RETRAIN = True); tests check they still score what is recorded.
"""

from __future__ import annotations

import argparse
import time
from functools import cache
from pathlib import Path

import torch

from utils import pretrained, sequences

CHECKPOINT = Path(__file__).resolve().parent / "trained" / "labeling.pt"
SETTINGS = {"classifier": {"steps": 1500, "hidden_size": 64, "batch_size": 64, "lr": 3e-3, "seed": 0},
            "tagger": {"steps": 600, "hidden_size": 64, "batch_size": 64, "lr": 3e-3, "seed": 0}}
NAMES = {"classifier": ("one-directional", "bidirectional"), "tagger": ("one-directional", "bidirectional")}


def _key(task: str, bidirectional: bool) -> str:
    return f"{task}_{'bi' if bidirectional else 'uni'}"


def train_all() -> dict:
    contents = {"settings": SETTINGS, "torch": str(torch.__version__), "models": {}, "results": {}}
    for bidirectional in (False, True):
        run = sequences.train_classifier(bidirectional, **SETTINGS["classifier"])
        key = _key("classifier", bidirectional)
        contents["models"][key] = run.model.state_dict()
        contents["results"][key] = {"test_accuracy": sequences.classifier_accuracy(
            run.model, *sequences.surname_tensors("test")), "seconds": run.seconds, "steps": run.steps,
            "parameters": sequences.parameter_count(run.model), "history": run.history}
        run = sequences.train_tagger(bidirectional, **SETTINGS["tagger"])
        key = _key("tagger", bidirectional)
        contents["models"][key] = run.model.state_dict()
        contents["results"][key] = {**sequences.boundary_scores(run.model, *sequences.boundary_windows("test")),
                                    "seconds": run.seconds, "steps": run.steps,
                                    "parameters": sequences.parameter_count(run.model), "history": run.history}
    contents["results"]["majority"] = {"test_accuracy": sequences.majority_accuracy("test")}
    contents["results"]["bag_of_characters"] = {"test_accuracy": sequences.bag_of_characters_accuracy("test")}
    return contents


_RETRAINED: dict = {}  # set by retrain(): this process loads from the new models instead of the committed file


@cache
def _checkpoint() -> dict:
    return _RETRAINED or pretrained.load_checkpoint(CHECKPOINT, __name__)


def retrain(output: Path | None = None) -> dict:
    """Train all four models and the baselines again; from now on this process loads from them. The committed
    checkpoint is rewritten only when `output` names it (the script does; a lesson's RETRAIN flag does not, so a
    learner's run never changes the course's files)."""
    contents = train_all()
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        torch.save(contents, output)
    _RETRAINED.clear()
    _RETRAINED.update(contents)
    _checkpoint.cache_clear()
    return contents


def load_classifier(bidirectional: bool) -> sequences.CharClassifier:
    surnames = sequences.surname_data()
    model = sequences.CharClassifier(len(surnames.alphabet), len(surnames.languages),
                                     _checkpoint()["settings"]["classifier"]["hidden_size"], bidirectional)
    model.load_state_dict(_checkpoint()["models"][_key("classifier", bidirectional)])
    return model.eval()


def load_tagger(bidirectional: bool) -> sequences.CharTagger:
    model = sequences.CharTagger(_checkpoint()["settings"]["tagger"]["hidden_size"], bidirectional)
    model.load_state_dict(_checkpoint()["models"][_key("tagger", bidirectional)])
    return model.eval()


def results() -> dict[str, dict]:
    """What training measured: per model (classifier_uni, classifier_bi, tagger_uni, tagger_bi) its held-out
    scores, seconds, steps and parameters; and the classifier's baselines (majority, bag_of_characters)."""
    return {key: dict(value) for key, value in _checkpoint()["results"].items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=CHECKPOINT)
    output = parser.parse_args().output
    torch.set_num_threads(1)
    start = time.perf_counter()
    contents = retrain(output)
    for key, result in contents["results"].items():
        print(key, {k: (round(v, 4) if isinstance(v, float) else v) for k, v in result.items() if k != "history"})
    print(f"wrote {output} ({output.stat().st_size / 1e3:.0f} kB) in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
