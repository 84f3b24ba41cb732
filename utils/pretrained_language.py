"""Lesson 07's trained models, committed so that the lesson shows a good character model at once.

`python -m utils.pretrained_language` retrains them (about ten minutes on one CPU core) and rewrites
utils/trained/language_models.pt:
    docs       a character LSTM (H = 256) on CPython's pydoc text, weights stored as float16 (the recorded
               figures are measured after that rounding); baselines (unigram, bigram) on the same split
    units      the units of its cell state that track quotes, parentheses, indentation, the position in a line
    surnames   two GRU generators of surnames, conditioned on the language and not, and a bag-of-characters
               language classifier to judge what they generate
"""

from __future__ import annotations

import argparse
import time
from functools import cache
from pathlib import Path

import torch

from utils import data, language, pretrained, training

CHECKPOINT = Path(__file__).resolve().parent / "trained" / "language_models.pt"
DOCS = {"hidden_size": 256, "embed_size": 32, "steps": 2400, "batch_size": 32, "seq_len": 128, "lr": 3e-3,
        "clip": 1.0, "seed": 0, "eval_every": 200}
SURNAMES = {"hidden_size": 64, "embed_size": 24, "epochs": 12, "batch_size": 64, "lr": 4e-3, "seed": 0}
UNIT_EXCERPT = 4000  # characters of the validation block in which units are matched to features


def docs_figures(model: language.LanguageModel) -> dict:
    corpus = language.docs_corpus()
    return {part: language.bits(language.stream_nll(model, getattr(corpus, part))) for part in ("validation", "test")}


def baselines() -> dict:
    corpus = language.docs_corpus()
    return {name: {part: fn(corpus.train, getattr(corpus, part)) for part in ("validation", "test")}
            for name, fn in (("unigram", language.unigram_bits), ("bigram", language.bigram_bits))}


def train_all(log=print) -> dict:
    contents = {"torch": str(torch.__version__), "docs_settings": dict(DOCS), "surname_settings": dict(SURNAMES)}
    run = language.train_docs_model(**DOCS, log=log)
    half = {name: tensor.half() for name, tensor in run.model.state_dict().items()}
    model = load_docs_model_from(half)
    contents["docs"] = {"state": half, "parameters": training.parameter_count(model), "seconds": run.seconds,
                        "history": {"steps": run.steps, "validation_bits": run.validation_bits},
                        "bits": docs_figures(model), "baselines": baselines()}
    excerpt = language.docs_corpus().validation[:UNIT_EXCERPT]
    contents["units"] = language.interpretable_units(model, excerpt)
    names = data.surnames()
    contents["surnames"] = {}
    for kind, conditioned in (("conditioned", True), ("unconditioned", False)):
        surname_model, result = language.train_surname_model(conditioned, **SURNAMES)
        contents["surnames"][kind] = {"state": surname_model.state_dict(), **result}
    classifier = language.BagOfCharacters(names.alphabet, len(names.languages)).fit(*names.subset("train"))
    contents["classifier"] = {"state": classifier.state()}
    return stored_in_half(contents, log)


def stored_in_half(contents: dict, log=print) -> dict:
    """Round the surname models and the classifier to float16 (the file stays under 1 MB) and measure them again
    as they will be loaded."""
    for kind, entry in contents["surnames"].items():
        entry["state"] = {name: tensor.half() for name, tensor in entry["state"].items()}
        entry["validation_nll"] = language.surname_validation_nll(_surname_model_from(kind, entry["state"]),
                                                                  kind == "conditioned")
        log(f"surnames {kind}: validation {entry['validation_nll']:.3f} nats/char ({entry['seconds']:.0f} s)")
    state = {name: tensor.half() for name, tensor in contents["classifier"]["state"].items()}
    test_names, test_labels = data.surnames().subset("test")
    accuracy = float((_classifier_from(state).predict(test_names) == test_labels).mean())
    contents["classifier"] = {"state": state, "test_accuracy": accuracy}
    return contents


def load_docs_model_from(state: dict) -> language.LanguageModel:
    model = language.LanguageModel(language.VOCAB_SIZE, DOCS["embed_size"], DOCS["hidden_size"])
    model.load_state_dict({name: tensor.float() for name, tensor in state.items()})
    return model.eval()


@cache
def _checkpoint() -> dict:
    return pretrained.load_checkpoint(CHECKPOINT, __name__)


def docs_model() -> language.LanguageModel:
    """The committed character LSTM (float32, eval mode)."""
    return load_docs_model_from(_checkpoint()["docs"]["state"])


def docs_state_dict() -> dict:
    """Its weights as float32 tensors, named like a CharLM's (embedding.*, rnn.*, head.*)."""
    return {name: tensor.float() for name, tensor in _checkpoint()["docs"]["state"].items()}


def docs_results() -> dict:
    """What training recorded: bits (validation, test), baselines, history, seconds, parameters."""
    result = _checkpoint()["docs"]
    return {key: value for key, value in result.items() if key != "state"}


def units() -> dict:
    """{feature: {"unit": index, "r": correlation}} for the committed model (on the validation excerpt)."""
    return dict(_checkpoint()["units"])


def _surname_model_from(kind: str, state: dict) -> language.LanguageModel:
    names = data.surnames()
    vocab = language.SurnameVocab(names.alphabet)
    model = language.LanguageModel(vocab.size, SURNAMES["embed_size"], SURNAMES["hidden_size"], cell="gru",
                                   conditions=len(names.languages) if kind == "conditioned" else 1)
    model.load_state_dict({name: tensor.float() for name, tensor in state.items()})
    return model.eval()


def surname_model(kind: str) -> language.LanguageModel:
    """The committed surname generator, kind "conditioned" or "unconditioned" (eval mode)."""
    return _surname_model_from(kind, _checkpoint()["surnames"][kind]["state"])


def surname_results() -> dict:
    return {kind: {k: v for k, v in result.items() if k != "state"}
            for kind, result in _checkpoint()["surnames"].items()}


def _classifier_from(state: dict) -> language.BagOfCharacters:
    names = data.surnames()
    return language.BagOfCharacters(names.alphabet, len(names.languages)).load(state)


def classifier() -> language.BagOfCharacters:
    """The committed bag-of-characters language classifier of surnames."""
    return _classifier_from(_checkpoint()["classifier"]["state"])


def classifier_accuracy() -> float:
    return float(_checkpoint()["classifier"]["test_accuracy"])


def settings() -> dict:
    return {"docs": dict(_checkpoint()["docs_settings"]), "surnames": dict(_checkpoint()["surname_settings"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=CHECKPOINT)
    output = parser.parse_args().output
    torch.set_num_threads(1)
    start = time.perf_counter()
    contents = train_all(log=lambda line: print(line, flush=True))
    output.parent.mkdir(parents=True, exist_ok=True)
    torch.save(contents, output)
    docs = contents["docs"]
    print(f"docs LSTM: validation {docs['bits']['validation']:.3f} bits/char, test {docs['bits']['test']:.3f} "
          f"(unigram {docs['baselines']['unigram']['validation']:.3f}, bigram {docs['baselines']['bigram']['validation']:.3f})")
    print(f"units: {contents['units']}")
    print(f"classifier test accuracy {contents['classifier']['test_accuracy']:.3f}")
    print(f"wrote {output} ({output.stat().st_size / 1024:.0f} KiB) in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
