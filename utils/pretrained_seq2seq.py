"""The date-translation models of lesson 08, trained by the course's own code and committed (utils/trained/).

    ./course python -m utils.pretrained_seq2seq              # both checkpoints (several minutes on one core)
    ./course python -m utils.pretrained_seq2seq --only dates # or only one of them

seq2seq_dates.pt holds two GRU encoder-decoders of the same size, with and without additive attention, and what
they measured on the held-out dates (exact match overall and against input length). seq2seq_teacher_forcing.pt
holds smaller attention models trained with different teacher-forcing ratios and their learning curves. Lesson 08
loads both (and can retrain them live with its RETRAIN flag); tests/test_seq2seq.py checks that the committed
models still score what their training recorded.
"""

from __future__ import annotations

import argparse
import time
from functools import cache
from pathlib import Path

import numpy as np
import torch

from utils import dates, pretrained, seq2seq

FOLDER = Path(__file__).resolve().parent / "trained"
CHECKPOINTS = {"dates": FOLDER / "seq2seq_dates.pt", "teacher_forcing": FOLDER / "seq2seq_teacher_forcing.pt"}
KINDS = ("no_attention", "attention")
DATES_SETTINGS = {"embed_size": 16, "hidden_size": 24, "steps": 3000, "batch_size": 64, "lr": 0.005, "seed": 0,
                  "teacher_forcing": 1.0, "eval_every": 250, "interval_share": dates.INTERVAL_SHARE}
RATIOS = (0.0, 0.25, 0.5, 0.75, 1.0)
TF_SETTINGS = {"embed_size": 16, "hidden_size": 24, "steps": 600, "batch_size": 64, "lr": 0.005, "seed": 0,
               "eval_every": 50, "interval_share": 0.0}  # single dates only: the ratio's effect, quickly


def build(kind_or_attention, sizes: dict) -> seq2seq.Seq2Seq:
    attention = kind_or_attention if isinstance(kind_or_attention, bool) else kind_or_attention == "attention"
    return seq2seq.Seq2Seq(dates.SOURCE_VOCAB, dates.TARGET_VOCAB, sizes["embed_size"], sizes["hidden_size"],
                           attention=attention)


def evaluate(model, test: dates.DateBatch | None = None) -> dict:
    """Greedy exact match on the held-out set: overall, per format, per input-length bin; character accuracy."""
    test = dates.test_set() if test is None else test
    predicted = seq2seq.predict(model, test)
    correct = seq2seq.exact_match(predicted, test.targets)
    formats = np.array(test.formats)
    return {"exact_match": float(correct.mean()), "char_accuracy": seq2seq.char_accuracy(predicted, test.targets),
            "by_length": seq2seq.accuracy_by_length(correct, test.lengths),
            "by_format": {name: float(correct[formats == name].mean()) for name in (*dates.FORMATS, "interval")
                          if (formats == name).any()}}


def teacher_forced_accuracy(model, test: dates.DateBatch) -> float:
    """The share of target tokens predicted right when every previous token is the true one (teacher forcing)."""
    with torch.no_grad():
        logits = model(torch.as_tensor(test.src), torch.as_tensor(test.lengths),
                       torch.as_tensor(dates.with_bos(test.tgt)))
    target = torch.as_tensor(test.tgt)
    real = target != seq2seq.PAD
    return float((logits.argmax(dim=-1) == target)[real].double().mean())


def _model(kind_or_attention, sizes: dict, seed: int) -> seq2seq.Seq2Seq:
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return build(kind_or_attention, sizes)


def train_dates(kinds=KINDS) -> dict:
    """The no-attention and attention models on the date task, same size and schedule: the checkpoint's contents."""
    settings = dict(DATES_SETTINGS)
    contents = {"settings": settings, "torch": str(torch.__version__), "models": {}, "results": {}}
    for kind in kinds:
        model = _model(kind, settings, settings["seed"])
        run = seq2seq.train(model, steps=settings["steps"], batch_size=settings["batch_size"], lr=settings["lr"],
                            teacher_forcing=settings["teacher_forcing"], seed=settings["seed"],
                            eval_every=settings["eval_every"], interval_share=settings["interval_share"])
        contents["models"][kind] = model.state_dict()
        contents["results"][kind] = {**evaluate(model), "seconds": run.seconds, "parameters": run.parameters,
                                     "history": {"steps": run.steps, "exact": run.exact}}
        print(f"{kind}: exact match {contents['results'][kind]['exact_match']:.3f} in {run.seconds:.0f} s", flush=True)
    return contents


def train_teacher_forcing() -> dict:
    """Small attention models trained with each ratio of RATIOS (same seed, data and schedule)."""
    settings = dict(TF_SETTINGS)
    contents = {"settings": settings, "ratios": list(RATIOS), "torch": str(torch.__version__), "models": {},
                "results": {}}
    test = dates.test_set(interval_share=settings["interval_share"])
    for ratio in RATIOS:
        model = _model(True, settings, settings["seed"])
        run = seq2seq.train(model, steps=settings["steps"], batch_size=settings["batch_size"], lr=settings["lr"],
                            teacher_forcing=ratio, seed=settings["seed"], eval_every=settings["eval_every"],
                            interval_share=settings["interval_share"])
        key = f"{ratio:.2f}"
        contents["models"][key] = model.state_dict()
        measured = evaluate(model, test)
        contents["results"][key] = {"exact_match": measured["exact_match"], "char_accuracy": measured["char_accuracy"],
                                    "teacher_forced_accuracy": teacher_forced_accuracy(model, test),
                                    "seconds": run.seconds, "history": {"steps": run.steps, "exact": run.exact}}
        print(f"teacher forcing {ratio:.2f}: exact match {measured['exact_match']:.3f} in {run.seconds:.0f} s",
              flush=True)
    return contents


TRAINERS = {"dates": train_dates, "teacher_forcing": train_teacher_forcing}


@cache
def checkpoint(name: str) -> dict:
    path = CHECKPOINTS[name]
    return pretrained.load_checkpoint(path, __name__)


def load_model(kind: str) -> seq2seq.Seq2Seq:
    """The committed date model, "attention" or "no_attention", in eval mode."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {KINDS}")
    contents = checkpoint("dates")
    model = build(kind, contents["settings"])
    model.load_state_dict(contents["models"][kind])
    return model.eval()


def load_ratio_model(ratio: float) -> seq2seq.Seq2Seq:
    """The committed small attention model trained with teacher-forcing ratio `ratio` (one of RATIOS)."""
    contents = checkpoint("teacher_forcing")
    model = build(True, contents["settings"])
    model.load_state_dict(contents["models"][f"{ratio:.2f}"])
    return model.eval()


def results(name: str = "dates") -> dict:
    """What training measured: per kind (dates) or per ratio key like "0.50" (teacher_forcing)."""
    return checkpoint(name)["results"]


def settings(name: str = "dates") -> dict:
    return dict(checkpoint(name)["settings"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(TRAINERS), help="retrain one checkpoint only")
    parser.add_argument("--kind", choices=KINDS, help="with --only dates: train this model only and merge it into "
                        "the existing checkpoint (two processes can train the two kinds side by side)")
    parser.add_argument("--folder", type=Path, default=FOLDER)
    args = parser.parse_args()
    torch.set_num_threads(1)
    for name, trainer in TRAINERS.items():
        if args.only and name != args.only:
            continue
        start = time.perf_counter()
        path = args.folder / CHECKPOINTS[name].name
        if args.kind and name == "dates":
            contents = train_dates([args.kind])
            if path.exists():
                kept = torch.load(path, weights_only=True)
                if kept["settings"] == contents["settings"]:
                    for part in ("models", "results"):
                        contents[part] = {**kept[part], **contents[part]}
        else:
            contents = trainer()
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(contents, path)
        print(f"wrote {path} ({path.stat().st_size / 1e3:.0f} kB) in {time.perf_counter() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
