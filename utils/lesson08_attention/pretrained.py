"""Lesson 08's committed date-translation models (utils/trained/):

    seq2seq_dates.pt            two GRU encoder-decoders of the same size, with and without additive attention,
                                and what they measured on the held-out dates (exact match overall, per format and
                                against input length)
    seq2seq_teacher_forcing.pt  smaller attention models trained with different teacher-forcing ratios, their
                                learning curves and scores

The models are Seq2Seq's, the answer of a graded exercise, so every function here takes the model class and the
decoder: the lesson passes the learner's own Seq2Seq and greedy_decode (its RETRAIN flag:
`DATES.retrain(model_class=Seq2Seq, decode=greedy_decode)`), and `python -m utils.checkpoints 08` the grader's
references (several minutes on one core; `--only seq2seq_dates` for one file), with the grader side's scheduled
sampling for the teacher-forcing ratios below 1.
"""

from __future__ import annotations

import numpy as np
import torch

from utils.checkpoints import Checkpoint
from utils.lesson08_attention import dates, training

KINDS = ("no_attention", "attention")
DATES_SETTINGS = {"embed_size": 16, "hidden_size": 24, "steps": 3000, "batch_size": 64, "lr": 0.005, "seed": 0,
                  "teacher_forcing": 1.0, "eval_every": 250, "interval_share": dates.INTERVAL_SHARE}
RATIOS = (0.0, 0.25, 0.5, 0.75, 1.0)
TF_SETTINGS = {"embed_size": 16, "hidden_size": 24, "steps": 600, "batch_size": 64, "lr": 0.005, "seed": 0,
               "eval_every": 50, "interval_share": 0.0}  # single dates only: the ratio's effect, quickly


def build(model_class, kind_or_attention, sizes: dict):
    """`model_class` (a Seq2Seq) of the date task's vocabularies and `sizes`, with attention or not."""
    attention = kind_or_attention if isinstance(kind_or_attention, bool) else kind_or_attention == "attention"
    return model_class(dates.SOURCE_VOCAB, dates.TARGET_VOCAB, sizes["embed_size"], sizes["hidden_size"],
                       attention=attention)


def evaluate(model, decode, test: dates.DateBatch | None = None) -> dict:
    """Exact match of `decode` on the held-out set: overall, per format, per input-length bin; character accuracy."""
    test = dates.test_set() if test is None else test
    predicted = training.predict(model, test, decode)
    correct = training.exact_match(predicted, test.targets)
    formats = np.array(test.formats)
    return {"exact_match": float(correct.mean()), "char_accuracy": training.char_accuracy(predicted, test.targets),
            "by_length": training.accuracy_by_length(correct, test.lengths),
            "by_format": {name: float(correct[formats == name].mean()) for name in (*dates.FORMATS, "interval")
                          if (formats == name).any()}}


def teacher_forced_accuracy(model, test: dates.DateBatch) -> float:
    """The share of target tokens predicted right when every previous token is the true one (teacher forcing)."""
    with torch.no_grad():
        logits = model(torch.as_tensor(test.src), torch.as_tensor(test.lengths),
                       torch.as_tensor(dates.with_bos(test.tgt)))
    target = torch.as_tensor(test.tgt)
    real = target != dates.PAD
    return float((logits.argmax(dim=-1) == target)[real].double().mean())


def _model(model_class, kind_or_attention, sizes: dict, seed: int):
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return build(model_class, kind_or_attention, sizes)


def _train(model, settings: dict, decode, teacher_forcing: float, sampled_logits=None):
    return training.train(model, steps=settings["steps"], batch_size=settings["batch_size"], lr=settings["lr"],
                          teacher_forcing=teacher_forcing, seed=settings["seed"], eval_every=settings["eval_every"],
                          interval_share=settings["interval_share"], decode=decode, sampled_logits=sampled_logits)


def train_dates(model_class, decode) -> dict:
    """The no-attention and attention models on the date task, same size and schedule: the file's contents."""
    settings = dict(DATES_SETTINGS)
    contents = {"settings": settings, "torch": str(torch.__version__), "models": {}, "results": {}}
    for kind in KINDS:
        model = _model(model_class, kind, settings, settings["seed"])
        run = _train(model, settings, decode, settings["teacher_forcing"])
        contents["models"][kind] = model.state_dict()
        contents["results"][kind] = {**evaluate(model, decode), "seconds": run.seconds, "parameters": run.parameters,
                                     "history": {"steps": run.steps, "exact": run.scores}}
        print(f"{kind}: exact match {contents['results'][kind]['exact_match']:.3f} in {run.seconds:.0f} s", flush=True)
    return contents


def train_teacher_forcing(model_class, decode, sampled_logits) -> dict:
    """Small attention models trained with each ratio of RATIOS (same seed, data and schedule); below ratio 1 with
    `sampled_logits`, the grader side's scheduled sampling (see training.train)."""
    settings = dict(TF_SETTINGS)
    contents = {"settings": settings, "ratios": list(RATIOS), "torch": str(torch.__version__), "models": {},
                "results": {}}
    test = dates.test_set(interval_share=settings["interval_share"])
    for ratio in RATIOS:
        model = _model(model_class, True, settings, settings["seed"])
        run = _train(model, settings, decode, ratio, sampled_logits)
        key = f"{ratio:.2f}"
        contents["models"][key] = model.state_dict()
        measured = evaluate(model, decode, test)
        contents["results"][key] = {"exact_match": measured["exact_match"], "char_accuracy": measured["char_accuracy"],
                                    "teacher_forced_accuracy": teacher_forced_accuracy(model, test),
                                    "seconds": run.seconds, "history": {"steps": run.steps, "exact": run.scores}}
        print(f"teacher forcing {ratio:.2f}: exact match {measured['exact_match']:.3f} in {run.seconds:.0f} s",
              flush=True)
    return contents


DATES = Checkpoint("seq2seq_dates.pt", train_dates)
TEACHER_FORCING = Checkpoint("seq2seq_teacher_forcing.pt", train_teacher_forcing)
CHECKPOINTS = [DATES, TEACHER_FORCING]
_BY_NAME = {"dates": DATES, "teacher_forcing": TEACHER_FORCING}


def load_model(kind: str, model_class):
    """The committed date model, "attention" or "no_attention", in `model_class` (a Seq2Seq), eval mode."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {KINDS}")
    contents = DATES.contents()
    model = build(model_class, kind, contents["settings"])
    model.load_state_dict(contents["models"][kind])
    return model.eval()


def load_ratio_model(ratio: float, model_class):
    """The committed small attention model trained with teacher-forcing ratio `ratio` (one of RATIOS)."""
    contents = TEACHER_FORCING.contents()
    model = build(model_class, True, contents["settings"])
    model.load_state_dict(contents["models"][f"{ratio:.2f}"])
    return model.eval()


def results(name: str = "dates") -> dict:
    """What training measured: per kind ("dates") or per ratio key like "0.50" ("teacher_forcing")."""
    return _BY_NAME[name].contents()["results"]


def settings(name: str = "dates") -> dict:
    return dict(_BY_NAME[name].contents()["settings"])


def ratios() -> list[float]:
    return list(TEACHER_FORCING.contents()["ratios"])
