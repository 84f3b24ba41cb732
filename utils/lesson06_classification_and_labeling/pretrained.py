"""Lesson 06's committed models (utils/trained/labeling.pt): surname classifiers and word-boundary taggers, one- and
bidirectional, with the baselines they are measured against; the CO2 forecaster (utils/trained/forecasting.pt, see
forecasting.py); and the CRF experiment's BMES tagger and learned transitions (utils/trained/boundary_crf.pt, crf.py).

The bidirectional classifier's encoder is a BiRNN, the answer of a graded exercise: it loads into a BiRNN class that
the caller gives (the lesson passes the learner's). `python -m utils.checkpoints 06` retrains them with the grader's
reference BiRNN (about 2 minutes on one CPU thread) and rewrites the file; the lesson's RETRAIN flag trains them again
for its own session with the learner's (`CHECKPOINT.retrain(birnn=BiRNN)`); tests check that they still score what
is recorded. `tagger_states` runs the committed bidirectional tagger, packed (the lesson's torch check).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from utils.checkpoints import Checkpoint
from utils.lesson06_classification_and_labeling import crf, forecasting, training
from utils.lesson06_classification_and_labeling.models import CharClassifier, CharTagger
from utils.lesson06_classification_and_labeling.tasks import boundary_windows, surname_data, surname_tensors
from utils.models import to_numpy

SETTINGS = {"classifier": {"steps": 1500, "hidden_size": 64, "batch_size": 64, "lr": 3e-3, "seed": 0},
            "tagger": {"steps": 600, "hidden_size": 64, "batch_size": 64, "lr": 3e-3, "seed": 0}}


def _key(task: str, bidirectional: bool) -> str:
    return f"{task}_{'bi' if bidirectional else 'uni'}"


def _summary(run, scores: dict) -> dict:
    return {**scores, "seconds": run.seconds, "steps": run.steps[-1], "parameters": run.parameters,
            "history": run.history}


def train_all(birnn) -> dict:
    """The four models and the baselines, trained with SETTINGS, the bidirectional classifier in `birnn` (a BiRNN
    class): the checkpoint's contents."""
    contents = {"settings": SETTINGS, "torch": str(torch.__version__), "models": {}, "results": {}}
    for bidirectional in (False, True):
        run = training.train_classifier(birnn if bidirectional else None, **SETTINGS["classifier"])
        key = _key("classifier", bidirectional)
        contents["models"][key] = run.model.committed_state()
        contents["results"][key] = _summary(run, {"test_accuracy": training.classifier_accuracy(
            run.model, *surname_tensors("test"))})
        run = training.train_tagger(bidirectional, **SETTINGS["tagger"])
        key = _key("tagger", bidirectional)
        contents["models"][key] = run.model.state_dict()
        contents["results"][key] = _summary(run, training.boundary_scores(run.model, *boundary_windows("test")))
    contents["results"]["majority"] = {"test_accuracy": training.majority_accuracy("test")}
    contents["results"]["bag_of_characters"] = {"test_accuracy": training.bag_of_characters_accuracy("test")}
    return contents


CHECKPOINT = Checkpoint("labeling.pt", train_all)
FORECASTING = Checkpoint("forecasting.pt", forecasting.train_all)


def train_crf(viterbi) -> dict:
    """The CRF experiment (crf.py) over the committed bidirectional tagger, decoding with `viterbi`."""
    return crf.train_all(load_tagger(True), viterbi)


BOUNDARY_CRF = Checkpoint("boundary_crf.pt", train_crf)
CHECKPOINTS = [CHECKPOINT, FORECASTING, BOUNDARY_CRF]


def load_classifier(bidirectional: bool, birnn=None) -> CharClassifier:
    """The committed surname classifier; the bidirectional one runs in `birnn` (a BiRNN class, e.g. the learner's)."""
    if bidirectional and birnn is None:
        raise ValueError("the bidirectional classifier runs in a BiRNN: pass the class (birnn=BiRNN)")
    surnames = surname_data()
    contents = CHECKPOINT.contents()
    model = CharClassifier(len(surnames.alphabet), len(surnames.languages),
                           contents["settings"]["classifier"]["hidden_size"], birnn if bidirectional else None)
    model.load_committed(contents["models"][_key("classifier", bidirectional)])
    return model.eval()


def load_tagger(bidirectional: bool) -> CharTagger:
    contents = CHECKPOINT.contents()
    model = CharTagger(contents["settings"]["tagger"]["hidden_size"], bidirectional)
    model.load_state_dict(contents["models"][_key("tagger", bidirectional)])
    return model.eval()


def tagger_states(ids, lengths) -> np.ndarray:
    """The committed bidirectional tagger's outputs on a padded batch, packed, as numpy float64 (B, T, 2H), zero at
    padding. Bound to the committed weights: torch's own answer, for the lesson's check of the by-hand states."""
    tagger = load_tagger(True)
    with torch.no_grad():
        packed = pack_padded_sequence(tagger.embed(torch.as_tensor(ids)).double(), torch.as_tensor(lengths).cpu(),
                                      batch_first=True, enforce_sorted=False)
        rnn = tagger.rnn.double()
        out, _ = pad_packed_sequence(rnn(packed)[0], batch_first=True, total_length=np.shape(ids)[1])
    return to_numpy(out)


def load_forecaster() -> forecasting.Forecaster:
    """The committed CO2 forecaster (utils/trained/forecasting.pt)."""
    contents = FORECASTING.contents()
    model = forecasting.Forecaster(contents["settings"]["hidden_size"])
    model.load_state_dict(contents["model"])
    return model.eval()


def load_bmes_tagger() -> crf.BMESTagger:
    """The committed BMES tagger of the CRF experiment (utils/trained/boundary_crf.pt)."""
    contents = BOUNDARY_CRF.contents()
    model = crf.BMESTagger(contents["settings"]["tagger"]["hidden_size"])
    model.load_state_dict(contents["bmes_tagger"])
    return model.eval()


def crf_transitions() -> dict[str, np.ndarray]:
    """The learned transition matrices of the CRF experiment: "binary" (2, 2) and "bmes" (4, 4)."""
    return {name: value.numpy().copy() for name, value in BOUNDARY_CRF.contents()["transitions"].items()}


def crf_results() -> dict:
    """What the CRF experiment measured on the test windows, per scheme and decoding (see crf.train_all)."""
    return BOUNDARY_CRF.contents()["results"]


def forecasting_results() -> dict:
    """What training the forecaster measured: seconds, parameters and {method: held-out MAE (ppm) per horizon}."""
    return FORECASTING.contents()["results"]


def results() -> dict[str, dict]:
    """What training measured: per model (classifier_uni, classifier_bi, tagger_uni, tagger_bi) its held-out
    scores, seconds, steps and parameters; and the classifier's baselines (majority, bag_of_characters)."""
    return {key: dict(value) for key, value in CHECKPOINT.contents()["results"].items()}
