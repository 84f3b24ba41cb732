"""Lesson 07's library: the corpora, the course's language models, the committed checkpoint, the test-cell checks
and the explorers."""

import numpy as np
import pytest
import torch
from conftest import solved

from utils import data
from utils.lesson07_language_models import corpora, generation, models, pretrained, training, units
from utils.lesson07_language_models.explorers import GenerationPlayer, HiddenUnitExplorer
from utils.lesson07_language_models.grader.checks import check_bptt_batches, expect_samples
from utils.lesson07_language_models.grader.reference import LanguageModel
from utils.models import parameter_count

LESSON = "07_language_models"


def test_encode_maps_rare_characters_to_unknown_and_decodes_back():
    ids = corpora.encode("a\n\u201cb\u201d~")
    assert ids.dtype == np.int64 and ids.tolist()[2] == corpora.UNKNOWN and ids.tolist()[4] == corpora.UNKNOWN
    assert corpora.decode(ids) == f"a\n{corpora.UNKNOWN_GLYPH}b{corpora.UNKNOWN_GLYPH}~"
    assert corpora.VOCAB_SIZE == 97 and ids.max() < corpora.VOCAB_SIZE


def test_docs_corpus_is_three_contiguous_blocks_of_the_text():
    corpus = corpora.docs_corpus()
    whole = corpora.encode(data.python_docs_text())
    assert np.array_equal(np.concatenate([corpus.train, corpus.validation, corpus.test]), whole)
    assert corpus.sizes["train"] == int(0.9 * len(whole))
    assert (corpora.encode(data.python_docs_text()) == corpora.UNKNOWN).mean() < 0.005


def test_bigram_beats_unigram_beats_uniform():
    corpus = corpora.docs_corpus()
    unigram = corpora.unigram_bits(corpus.train, corpus.validation)
    bigram = corpora.bigram_bits(corpus.train, corpus.validation)
    assert bigram < unigram < np.log2(corpora.VOCAB_SIZE)
    assert 4.0 < unigram < 5.0


def test_locked_dropout_uses_one_mask_per_sequence():
    layer = models.LockedDropout(0.5).train()
    out = layer(torch.ones(3, 7, 10))
    assert torch.equal(out, out[:, :1].expand_as(out))  # the same units are dropped at every step
    assert set(out.unique().tolist()) <= {0.0, 2.0}
    assert torch.equal(layer.eval()(torch.ones(2, 3, 4)), torch.ones(2, 3, 4))
    masks = generation.dropout_masks(np.random.default_rng(0), 20, 8, 0.3)
    assert (masks["variational"] == masks["variational"][:, :1]).all()
    assert not (masks["standard"] == masks["standard"][:, :1]).all()


def test_text_features_track_quotes_brackets_indentation_and_column():
    features = units.text_features('a "b" (c\n   d)\ne')
    assert features["inside quotes"].tolist()[:6] == [0, 0, 1, 1, 0, 0]
    assert features["inside parentheses"][6] == 1 and features["inside parentheses"][-1] == 0
    assert features["indented line"][10] == 1 and features["indented line"][-1] == 0
    assert features["position in line"][0] == pytest.approx(1 / 80)


def test_scheduled_sampling_probability_decays_from_one():
    eps = generation.scheduled_sampling_probability(np.array([0, 1000, 5000]), k=300)
    assert eps[0] == pytest.approx(300 / 301) and eps[0] > eps[1] > eps[2] and eps[2] < 0.01


# The committed checkpoint ----------------------------------------------------------------------------------------


def test_checkpoint_is_small_and_was_trained_with_the_scripts_settings():
    assert pretrained.CHECKPOINT.path.stat().st_size < 1_000_000
    assert pretrained.settings() == {"docs": pretrained.DOCS, "surnames": pretrained.SURNAMES}


def test_committed_docs_model_scores_what_its_training_recorded_and_beats_the_baselines():
    results = pretrained.docs_results()
    corpus = corpora.docs_corpus()
    model = pretrained.docs_model(LanguageModel)
    measured = training.bits(training.stream_nll(model, corpus.validation))
    assert measured == pytest.approx(results["bits"]["validation"], rel=1e-4)
    assert results["baselines"]["unigram"]["validation"] == pytest.approx(
        corpora.unigram_bits(corpus.train, corpus.validation))
    assert measured < 2.5 < results["baselines"]["bigram"]["validation"]
    assert results["bits"]["test"] < 2.5
    assert results["parameters"] == parameter_count(model)


def test_committed_units_are_the_best_correlated_ones():
    model = pretrained.docs_model(LanguageModel)
    found = units.interpretable_units(model, corpora.docs_corpus().validation[:pretrained.UNIT_EXCERPT])
    committed = pretrained.units()
    assert {name: info["unit"] for name, info in found.items()} == {name: info["unit"] for name, info in committed.items()}
    assert [info["r"] for info in found.values()] == pytest.approx([info["r"] for info in committed.values()], abs=1e-4)
    assert max(abs(info["r"]) for info in found.values()) > 0.4


@pytest.mark.parametrize("char_lm", ["reference", "learner"])
def test_committed_surname_models_and_classifier_score_what_training_recorded(char_lm):
    """The surname generators run in any CharLM: the grader's reference, or the learner's (the lesson's)."""
    char_lm = LanguageModel if char_lm == "reference" else solved(LESSON)["CharLM"]
    names = data.surnames()
    vocab = corpora.SurnameVocab(names.alphabet)
    val_names, val_labels = names.subset("validation")
    x, y = (torch.as_tensor(a) for a in vocab.batch(val_names))
    for kind, result in pretrained.surname_results().items():
        model = pretrained.surname_model(kind, char_lm)
        condition = torch.as_tensor(val_labels if kind == "conditioned" else np.zeros_like(val_labels))
        with torch.no_grad():
            logits, _ = model(x, condition=condition)
            nll = float(torch.nn.functional.cross_entropy(logits.transpose(1, 2), y, ignore_index=0))
        assert nll == pytest.approx(result["validation_nll"], rel=1e-4)
    results = pretrained.surname_results()
    assert results["conditioned"]["validation_nll"] < results["unconditioned"]["validation_nll"]
    test_names, test_labels = names.subset("test")
    accuracy = (pretrained.classifier().predict(test_names) == test_labels).mean()
    assert accuracy == pytest.approx(pretrained.classifier_accuracy()) and accuracy > 0.5


def test_surname_batches_start_and_end_with_the_boundary():
    vocab = corpora.SurnameVocab("abc")
    inputs, targets = vocab.batch(["ab", "c"])
    assert inputs.tolist() == [[4, 1, 2], [4, 3, 0]] and targets.tolist() == [[1, 2, 4], [3, 4, 0]]
    assert vocab.text([1, 2, 4, 3]) == "ab"


def test_exposure_bias_free_running_loses_more_than_teacher_forcing():
    curves = generation.exposure_bias(pretrained.docs_model(LanguageModel), corpora.docs_corpus().validation, prompts=60,
                                    context=32, horizon=30)
    assert curves["free_running"][10:].mean() > curves["teacher_forced"][10:].mean() + 0.3


# The test-cell checks --------------------------------------------------------------------------------------------


def test_expect_samples_names_a_multiplied_temperature():
    logits = np.array([2.0, 1.0, 0.0])
    probabilities = generation.probabilities(logits * 0.5, 1.0)  # multiplied by T = 0.5 instead of divided
    rng = np.random.default_rng(0)
    wrong = rng.choice(3, size=20000, p=probabilities)
    with pytest.raises(AssertionError, match="multiplied the logits"):
        expect_samples(wrong, logits, 0.5, "sampler")
    right = rng.choice(3, size=20000, p=generation.probabilities(logits, 0.5))
    expect_samples(right, logits, 0.5, "sampler")


def test_check_bptt_batches_names_a_leak_and_a_wrong_count():
    inputs = np.array([[0, 1], [3, 4]])
    expected = [(inputs, inputs + 1)]
    with pytest.raises(AssertionError, match="leaks"):
        check_bptt_batches([(inputs, inputs)], expected, "batches")
    with pytest.raises(AssertionError, match="returned 2 batches"):
        check_bptt_batches([(inputs, inputs + 1)] * 2, expected, "batches")
    check_bptt_batches([(inputs, inputs + 1)], expected, "batches")


# Explorers (beyond tests/utils/test_widgets.py) --------------------------------------------------------------------------


def test_generation_player_greedy_follows_the_argmax():
    def greedy(logits, temperature, rng):
        return int(np.argmax(logits))

    player = GenerationPlayer(greedy, steps=20)
    player.set(temperature=0.0, t=19)
    rows, drawn = player._result
    assert np.array_equal(drawn, rows.argmax(axis=1))
    assert player.ready and "drew" in player.ax_bars.get_title()


def test_generation_player_reports_a_sampler_that_returns_garbage():
    player = GenerationPlayer(lambda logits, temperature, rng: "x", steps=5)
    player.update()
    assert not player.ready and "not a character id" in player.status.value


def test_committed_docs_model_loads_into_the_learners_charlm_and_gives_the_references_logits():
    ids = torch.as_tensor(corpora.docs_corpus().validation[:64])[None]
    with torch.no_grad():
        mine, _ = pretrained.docs_model(solved(LESSON)["CharLM"])(ids)
        reference, _ = pretrained.docs_model(LanguageModel)(ids)
    assert torch.allclose(mine, reference, atol=1e-5)


def test_the_docs_stepper_gives_the_models_logits_one_character_at_a_time():
    """Against the committed model run whole by torch.nn.LSTM (the reference LanguageModel); a step runs on one thread
    and leaves torch's thread count as it found it."""
    start, step = pretrained.docs_stepper()
    ids = corpora.encode("def f(x):\n    return x")
    threads = torch.get_num_threads()
    state, stepped = start(), []
    for index in ids:
        logits, state = step(int(index), state)
        stepped.append(logits)
    assert torch.get_num_threads() == threads
    with torch.no_grad():
        whole, _ = pretrained.docs_model(LanguageModel)(torch.as_tensor(ids)[None])
    assert all(logits.dtype == np.float64 for logits in stepped)
    np.testing.assert_allclose(np.array(stepped), whole[0].double().numpy(), atol=1e-5)


def test_hidden_unit_explorer_colours_with_the_learners_model():
    explorer = HiddenUnitExplorer(solved(LESSON)["CharLM"])
    explorer.update()
    assert explorer.ready
    name, unit = next(iter(explorer.choices.values()))
    assert explorer.controls["unit"].value == unit
    assert f"unit {unit}: correlation with '{name}'" in explorer.heading.get_text()
    explorer.set(unit=(unit + 1) % 256)
    assert f"unit {(unit + 1) % 256}:" in explorer.heading.get_text()
