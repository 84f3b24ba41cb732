"""The one checkpoint mechanism: the committed file read once, RETRAIN for the session only, the command that writes."""

import hashlib

import pytest
import torch

from utils import checkpoints
from utils.checkpoints import Checkpoint


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoints, "FOLDER", tmp_path)
    return tmp_path


def test_contents_are_read_once_and_a_missing_file_says_how_to_make_it(folder):
    checkpoint = Checkpoint("toy.pt", lambda: {"weights": torch.ones(2)})
    with pytest.raises(FileNotFoundError, match="python -m utils.checkpoints"):
        checkpoint.contents()
    torch.save({"weights": torch.zeros(2)}, folder / "toy.pt")
    first = checkpoint.contents()
    torch.save({"weights": torch.full((2,), 5.0)}, folder / "toy.pt")
    assert checkpoint.contents() is first  # cached for the process
    checkpoint.forget()
    assert torch.equal(checkpoint.contents()["weights"], torch.full((2,), 5.0))


def test_retrain_serves_the_new_contents_and_writes_only_when_told(folder):
    torch.save({"weights": torch.zeros(2)}, folder / "toy.pt")
    before = hashlib.sha256((folder / "toy.pt").read_bytes()).hexdigest()
    checkpoint = Checkpoint("toy.pt", lambda scale=1.0: {"weights": torch.ones(2) * scale})
    checkpoint.retrain(scale=3.0)
    assert torch.equal(checkpoint.contents()["weights"], torch.full((2,), 3.0))
    assert hashlib.sha256((folder / "toy.pt").read_bytes()).hexdigest() == before  # the RETRAIN flag writes nothing
    checkpoint.retrain(folder / "out" / "toy.pt")
    assert torch.equal(torch.load(folder / "out" / "toy.pt", weights_only=True)["weights"], torch.ones(2))


def test_the_command_finds_each_lesson_and_the_grader_sides_training_options():
    names = {lesson: [checkpoint.name for checkpoint, _ in checkpoints.lesson_checkpoints(lesson)]
             for lesson in ("06", "07_language_models", "lesson08_attention")}
    assert names == {"06": ["labeling", "forecasting", "boundary_crf"], "07_language_models": ["language_models"],
                     "lesson08_attention": ["seq2seq_dates", "seq2seq_teacher_forcing"]}
    (_, options), = checkpoints.lesson_checkpoints("07")
    assert options["char_lm"].__name__ == "LanguageModel"
    with pytest.raises(SystemExit, match="no lesson package"):
        checkpoints.lesson_checkpoints("99")


def test_every_lesson_checkpoint_is_a_committed_file():
    for lesson in ("04", "06", "07", "08"):
        for checkpoint, _ in checkpoints.lesson_checkpoints(lesson):
            assert checkpoint.path.exists(), checkpoint.path
