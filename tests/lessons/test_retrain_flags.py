"""The RETRAIN flag of lessons 06-08: with it set, the lesson trains its models again here and runs to the end with
them instead of the committed checkpoints. Training is cut to a few steps (the real settings take minutes); the
committed checkpoints must come out unchanged (a learner's run never rewrites the course's files)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from notebook_tools import run_cells

from autograder.notebooks import read
from utils.lesson06_classification_and_labeling import pretrained as labeling
from utils.lesson07_language_models import pretrained as language
from utils.lesson07_language_models.grader.reference import LanguageModel
from utils.lesson08_attention import pretrained as attention

ROOT = Path(__file__).resolve().parents[2]
TRAINED = ROOT / "utils" / "trained"
STEPS = 3


def with_retrain(lesson: str) -> list[str]:
    """The lesson's code cells, in order, with its one `RETRAIN = False` set to True."""
    notebook = read(ROOT / "source" / lesson / f"{lesson}.ipynb")
    sources = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    flagged = [index for index, source in enumerate(sources) if source.startswith("RETRAIN = False")]
    assert len(flagged) == 1, f"{lesson} should have one cell starting with RETRAIN = False"
    sources[flagged[0]] = sources[flagged[0]].replace("RETRAIN = False", "RETRAIN = True", 1)
    return sources


def checkpoint_digests() -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(TRAINED.glob("*.pt"))}


@pytest.fixture
def committed_checkpoints_kept():
    before = checkpoint_digests()
    yield
    assert checkpoint_digests() == before, "a RETRAIN run changed a committed checkpoint"


@pytest.fixture
def committed_models_loaded_again():
    yield
    for checkpoint in (*labeling.CHECKPOINTS, *language.CHECKPOINTS, *attention.CHECKPOINTS):
        checkpoint.forget()  # later tests in this process see the committed models again


def test_lesson06_retrains_its_four_models(monkeypatch, committed_checkpoints_kept, committed_models_loaded_again):
    for part in ("classifier", "tagger"):
        monkeypatch.setitem(labeling.SETTINGS, part, {**labeling.SETTINGS[part], "steps": STEPS})
    namespace = run_cells(with_retrain("06_classification_and_labeling"))
    for key in ("classifier_uni", "classifier_bi", "tagger_uni", "tagger_bi"):
        assert namespace["results"][key]["steps"] == STEPS, key
    assert labeling.results()["classifier_bi"]["steps"] == STEPS  # the explorers use the new models too


def test_lesson07_retrains_its_language_model(monkeypatch, committed_checkpoints_kept, committed_models_loaded_again):
    monkeypatch.setitem(language.DOCS, "steps", STEPS)
    monkeypatch.setitem(language.DOCS, "eval_every", STEPS)
    monkeypatch.setitem(language.SURNAMES, "epochs", 1)  # the flag retrains the whole file, the surname models too
    namespace = run_cells(with_retrain("07_language_models"))
    assert namespace["history"]["steps"] == [STEPS]
    language.CHECKPOINT.forget()
    committed = language.docs_model(LanguageModel)
    assert any((mine != theirs).any() for mine, theirs in
               zip(namespace["docs_model"].state_dict().values(), committed.state_dict().values(), strict=True))


def test_lesson08_retrains_both_date_models(monkeypatch, committed_checkpoints_kept, committed_models_loaded_again):
    monkeypatch.setitem(attention.DATES_SETTINGS, "steps", STEPS)
    monkeypatch.setitem(attention.DATES_SETTINGS, "eval_every", STEPS)
    namespace = run_cells(with_retrain("08_attention"))
    for kind in attention.KINDS:
        assert namespace["results"][kind]["history"]["steps"] == [STEPS], kind
        assert 0 <= namespace["results"][kind]["exact_match"] <= 1
