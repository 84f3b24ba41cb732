"""Lesson 07's committed models (utils/trained/language_models.pt), so that the lesson shows a good character model
at once:
    docs       a character LSTM (H = 256) on CPython's pydoc text, weights stored as float16 (the recorded
               figures are measured after that rounding), named like a CharLM's so that they load into the
               learner's own class; baselines (unigram, bigram) on the same split
    units      the units of its cell state that track quotes, parentheses, indentation, the position in a line
    surnames   two GRU generators of surnames, conditioned on the language and not (each a CharLM's weights and a
               language embedding: they run in the learner's CharLM), and a bag-of-characters language classifier
               (lesson 06's, with character pairs) to judge what they generate
    stepper    `docs_stepper()`: one-character steps of the committed model, bound to its weights (the generation
               player runs before the learner's CharLM exists; it can run no other weights)

`python -m utils.checkpoints 07` retrains them with the grader's reference CharLM (about ten minutes on one CPU
core) and rewrites the file; the lesson's RETRAIN flag trains them again with the learner's CharLM
(`CHECKPOINT.retrain(char_lm=CharLM)`) for its own session.
"""

from __future__ import annotations

import numpy as np
import torch

from utils import data
from utils.checkpoints import Checkpoint
from utils.lesson06_classification_and_labeling.models import BagOfCharacters
from utils.lesson07_language_models import corpora, training
from utils.lesson07_language_models.models import ConditionedGenerator
from utils.lesson07_language_models.units import interpretable_units
from utils.models import parameter_count

DOCS = {"hidden_size": 256, "embed_size": 32, "steps": 2400, "batch_size": 32, "seq_len": 128, "lr": 3e-3,
        "clip": 1.0, "seed": 0, "eval_every": 200}
SURNAMES = {"hidden_size": 64, "embed_size": 24, "epochs": 12, "batch_size": 64, "lr": 4e-3, "seed": 0}
UNIT_EXCERPT = 4000  # characters of the validation block in which units are matched to features


def docs_figures(model) -> dict:
    docs = corpora.docs_corpus()
    return {part: training.bits(training.stream_nll(model, getattr(docs, part))) for part in ("validation", "test")}


def baselines() -> dict:
    docs = corpora.docs_corpus()
    return {name: {part: fn(docs.train, getattr(docs, part)) for part in ("validation", "test")}
            for name, fn in (("unigram", corpora.unigram_bits), ("bigram", corpora.bigram_bits))}


def train_all(char_lm, log=print) -> dict:
    """The checkpoint's contents, the character model built from `char_lm` (a class with CharLM's interface)."""
    contents = {"torch": str(torch.__version__), "docs_settings": dict(DOCS), "surname_settings": dict(SURNAMES)}
    run = training.train_docs_model(char_lm, **DOCS, log=log)
    half = {name: tensor.half() for name, tensor in run.model.state_dict().items()}
    model = _docs_model_from(char_lm, half)
    contents["docs"] = {"state": half, "parameters": parameter_count(model), "seconds": run.seconds,
                        "history": {"steps": run.steps, "validation_bits": run.scores},
                        "bits": docs_figures(model), "baselines": baselines()}
    contents["units"] = interpretable_units(model, corpora.docs_corpus().validation[:UNIT_EXCERPT])
    names = data.surnames()
    contents["surnames"] = {}
    for kind, conditioned in (("conditioned", True), ("unconditioned", False)):
        surname_model, result = training.train_surname_model(char_lm, conditioned, **SURNAMES)
        contents["surnames"][kind] = {"state": surname_model.named_weights(), **result}
    classifier = BagOfCharacters(names.alphabet, len(names.languages)).fit(*names.subset("train"))
    contents["classifier"] = {"state": classifier.state()}
    return stored_in_half(contents, char_lm, log)


def stored_in_half(contents: dict, char_lm, log=print) -> dict:
    """Round the surname models and the classifier to float16 (the file stays under 1 MB) and measure them again
    as they will be loaded."""
    for kind, entry in contents["surnames"].items():
        entry["state"] = {name: tensor.half() for name, tensor in entry["state"].items()}
        entry["validation_nll"] = training.surname_validation_nll(_surname_model_from(kind, entry["state"], char_lm),
                                                                  kind == "conditioned")
        log(f"surnames {kind}: validation {entry['validation_nll']:.3f} nats/char ({entry['seconds']:.0f} s)")
    state = {name: tensor.half() for name, tensor in contents["classifier"]["state"].items()}
    test_names, test_labels = data.surnames().subset("test")
    accuracy = float((_classifier_from(state).predict(test_names) == test_labels).mean())
    contents["classifier"] = {"state": state, "test_accuracy": accuracy}
    return contents


CHECKPOINT = Checkpoint("language_models.pt", train_all)
CHECKPOINTS = [CHECKPOINT]


def _docs_model_from(char_lm, state: dict):
    model = char_lm(corpora.VOCAB_SIZE, DOCS["embed_size"], DOCS["hidden_size"])
    model.load_state_dict({name: tensor.float() for name, tensor in state.items()})
    return model.eval()


def docs_model(char_lm):
    """The committed character LSTM in `char_lm` (a class with CharLM's interface, e.g. the learner's), float32,
    eval mode."""
    return _docs_model_from(char_lm, CHECKPOINT.contents()["docs"]["state"])


def docs_state_dict() -> dict:
    """Its weights as float32 tensors, named like a CharLM's (embedding.*, rnn.*, head.*)."""
    return {name: tensor.float() for name, tensor in CHECKPOINT.contents()["docs"]["state"].items()}


def docs_results() -> dict:
    """What training recorded: bits (validation, test), baselines, history, seconds, parameters."""
    return {key: value for key, value in CHECKPOINT.contents()["docs"].items() if key != "state"}


def docs_stepper():
    """The committed character LSTM, one character at a time, with torch's own LSTM cell (torch.lstm_cell) in
    float32 on one thread, with no autograd or module overhead, for explorers that generate text while a slider moves. Returns
    (start, step): start() gives the zero state (h, c); step(index, state) reads character `index` and gives the
    logits (V,) float64 for the next one and the new state. Bound to the committed weights: nothing else runs in it."""
    weights = docs_state_dict()
    w_hh, w_out, b_out = weights["rnn.weight_hh_l0"], weights["head.weight"], weights["head.bias"]
    # The input half of the gates (both biases in it) depends on the character alone: one row per character, computed
    # once, handed to the cell as its input bias with an empty input, so that a step multiplies by w_hh only.
    input_gates = torch.addmm(weights["rnn.bias_ih_l0"] + weights["rnn.bias_hh_l0"], weights["embedding.weight"],
                              weights["rnn.weight_ih_l0"].T).unbind()  # a tuple of rows: no tensor indexing per step
    no_input, no_input_weights = torch.zeros(1, 0), torch.zeros(len(input_gates[0]), 0)

    def start() -> tuple[torch.Tensor, torch.Tensor]:
        return torch.zeros(1, w_hh.shape[1]), torch.zeros(1, w_hh.shape[1])

    @torch.inference_mode()
    def step(index: int, state):
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # a step is too small to share out: on a busy machine threads mostly wait for each other
        try:
            h, c = torch.lstm_cell(no_input, state, no_input_weights, w_hh, input_gates[index], None)
            logits = torch.addmv(b_out, w_out, h[0])
        finally:
            torch.set_num_threads(threads)
        return logits.numpy().astype(np.float64), (h, c)

    return start, step


def units() -> dict:
    """{feature: {"unit": index, "r": correlation}} for the committed model (on the validation excerpt)."""
    return dict(CHECKPOINT.contents()["units"])


def _surname_model_from(kind: str, state: dict, char_lm) -> ConditionedGenerator:
    names = data.surnames()
    model = training.surname_generator(char_lm, corpora.SurnameVocab(names.alphabet).size, SURNAMES["embed_size"],
                                       SURNAMES["hidden_size"], len(names.languages) if kind == "conditioned" else 1)
    return model.load_named_weights(state).eval()


def surname_model(kind: str, char_lm) -> ConditionedGenerator:
    """The committed surname generator, kind "conditioned" or "unconditioned" (eval mode), its character model
    built from `char_lm` (a class with CharLM's interface, e.g. the learner's, with cell="gru")."""
    return _surname_model_from(kind, CHECKPOINT.contents()["surnames"][kind]["state"], char_lm)


def surname_results() -> dict:
    return {kind: {k: v for k, v in result.items() if k != "state"}
            for kind, result in CHECKPOINT.contents()["surnames"].items()}


def _classifier_from(state: dict) -> BagOfCharacters:
    names = data.surnames()
    return BagOfCharacters(names.alphabet, len(names.languages)).load(state)


def classifier() -> BagOfCharacters:
    """The committed bag-of-characters language classifier of surnames."""
    return _classifier_from(CHECKPOINT.contents()["classifier"]["state"])


def classifier_accuracy() -> float:
    return float(CHECKPOINT.contents()["classifier"]["test_accuracy"])


def settings() -> dict:
    contents = CHECKPOINT.contents()
    return {"docs": dict(contents["docs_settings"]), "surnames": dict(contents["surname_settings"])}
