"""Lesson 08's library: the date task, the reference encoder-decoder and its decoding, the committed checkpoints,
the explorers' specific behaviour, and a learner's model crossing the trusted grader's channel."""

import datetime as dt

import numpy as np
import pytest
import torch

from autograder import rpc
from utils.lesson08_attention import dates, explorers, pretrained, training
from utils.lesson08_attention.grader import mistakes, reference
from utils.lesson08_attention.grader.checks import expect_value_error
from utils.models import valid_mask


def test_every_format_writes_the_date_in_the_source_alphabet_and_numeric_ones_read_back():
    day = dt.date(2004, 3, 3)
    assert dates.human(day, "dd/mm/yy") == "03/03/04"
    assert dates.human(day, "the day-in-words of month, year-in-words") == "the third of march, two thousand and four"
    assert dates.human(day, "weekday, month d, yyyy") == "wednesday, march 3, 2004"  # datetime knows the weekday
    for day in dates.split_dates()["train"][:: 997]:
        for name in dates.FORMATS:
            assert set(dates.human(day, name)) <= set(dates.SOURCE_ALPHABET), name
        assert dt.datetime.strptime(dates.human(day, "d.m.yyyy"), "%d.%m.%Y").date() == day
        assert dt.datetime.strptime(dates.human(day, "d month yyyy"), "%d %B %Y").date() == day


@pytest.mark.parametrize("number,words", [(1, "first"), (2, "second"), (12, "twelfth"), (20, "twentieth"),
                                          (22, "twenty-second"), (30, "thirtieth"), (31, "thirty-first")])
def test_ordinal_words(number, words):
    assert dates.ordinal_words(number) == words


@pytest.mark.parametrize("year,words", [(1950, "nineteen fifty"), (1999, "nineteen ninety-nine"),
                                        (2000, "two thousand"), (2007, "two thousand and seven"),
                                        (2012, "twenty twelve"), (2049, "twenty forty-nine")])
def test_year_words(year, words):
    assert dates.year_words(year) == words


def test_split_is_by_date_and_the_test_set_uses_held_out_dates_only():
    split = dates.split_dates()
    train, test = set(split["train"]), set(split["test"])
    assert not train & test and len(train | test) == len(dates.all_dates())
    assert 0.09 < len(test) / len(train | test) < 0.11
    batch = dates.test_set()
    for item in batch.items:
        for day in item if isinstance(item, tuple) else (item,):
            assert day in test


def test_batches_encode_targets_with_eos_then_padding_and_intervals_in_iso_notation():
    batch = dates.sample(300, np.random.default_rng(4))
    assert batch.tgt.shape == (300, dates.TARGET_LENGTH) and batch.src.shape[0] == 300
    for text, target, row, item in zip(batch.texts, batch.targets, batch.tgt, batch.items, strict=True):
        assert dates.decode_target(row) == target
        assert row[len(target)] == dates.EOS and (row[len(target) + 1:] == dates.PAD).all()
        if isinstance(item, tuple):
            assert item[0] <= item[1] and text.startswith("from ") and target == f"{item[0]}/{item[1]}"
        else:
            assert target == item.isoformat()
    assert 0.25 < np.mean([f == "interval" for f in batch.formats]) < 0.45
    assert dates.decode_source(batch.src[0]) == batch.texts[0]
    np.testing.assert_array_equal(dates.with_bos(batch.tgt)[:, 1:], batch.tgt[:, :-1])
    assert batch.subset([2, 0]).texts == (batch.texts[2], batch.texts[0])


def test_attention_reference_masks_exactly_and_raises_on_an_empty_row():
    rng = np.random.default_rng(1)
    mask = np.array([[True, False, True, False], [True, True, True, True]])
    context, weights = reference.additive_attention(rng.normal(size=(2, 3)), rng.normal(size=(2, 4, 5)),
                                                    rng.normal(size=(2, 4, 2)), mask, rng.normal(size=(6, 3)),
                                                    rng.normal(size=(6, 5)), 500 * rng.normal(size=6))
    assert (weights[~mask] == 0).all() and np.allclose(weights.sum(axis=1), 1) and np.isfinite(context).all()
    with pytest.raises(ValueError, match="valid"):
        reference.additive_attention(np.ones((1, 1)), np.ones((1, 2, 1)), np.ones((1, 2, 1)), np.zeros((1, 2), bool),
                                     np.ones((1, 1)), np.ones((1, 1)), np.ones(1))
    expect_value_error(reference.additive_attention, (np.ones((1, 1)), np.ones((1, 2, 1)), np.ones((1, 2, 1)),
                                                      np.zeros((1, 2), bool), np.ones((1, 1)), np.ones((1, 1)),
                                                      np.ones(1)), "reference")


def test_the_models_attention_is_the_numpy_layouts_attention():
    model = reference.seeded_model(3).double()
    src, lengths = torch.tensor([[5, 6, 7, 8], [9, 3, 0, 0]]), torch.tensor([4, 2])
    memory, state = model.encode(src, lengths)
    mask = valid_mask(lengths, 4)
    _, _, weights = model.decode_step(torch.tensor([dates.BOS] * 2), state, memory, mask)
    keys = memory.detach().numpy()
    _, expected = reference.additive_attention(state.detach().numpy(), keys, keys, mask.numpy(),
                                               **explorers.attention_arrays(model))
    np.testing.assert_allclose(weights.detach().numpy(), expected, atol=1e-12)


@pytest.mark.parametrize("attention", [True, False])
def test_beam_width_one_is_greedy_and_scores_are_summed_log_probabilities(attention):
    model = reference.seeded_model(7, attention=attention, eos_bias=1.0, scale=2.0)
    rng = np.random.default_rng(2)
    lengths = torch.tensor([9, 4, 1, 6])
    src = torch.tensor(rng.integers(1, dates.SOURCE_VOCAB, (4, 9)) * (np.arange(9) < lengths.numpy()[:, None]))
    greedy = reference.greedy_decode(model, src, lengths, 8)
    tokens, scores = reference.beam_search(model, src, lengths, 1, 8)
    assert torch.equal(tokens, greedy)
    for width in (1, 3):
        tokens, scores = reference.beam_search(model, src, lengths, width, 8)
        np.testing.assert_allclose(scores.numpy(), reference.sequence_log_prob(model, src, lengths, tokens).numpy(),
                                   atol=1e-5)
        variant = mistakes.beam_variant(model, src, lengths, width, 8)
        assert torch.equal(variant[0], tokens) and torch.allclose(variant[1], scores)
    assert torch.equal(mistakes.greedy_variant(model, src, lengths, 8), greedy)


def test_teacher_forced_training_lowers_the_loss_and_is_seeded():
    runs = [training.train(reference.seeded_model(0, hidden_size=8), steps=12, batch_size=16, eval_size=20, lr=0.01,
                           decode=reference.greedy_decode) for _ in range(2)]
    assert runs[0].losses == runs[1].losses and runs[0].losses[-1] < runs[0].losses[0]
    assert runs[0].scores == runs[1].scores and runs[0].steps == [12]
    free = training.train(reference.seeded_model(0, hidden_size=8), steps=3, batch_size=8, eval_size=10,
                          teacher_forcing=0.0, sampled_logits=reference.scheduled_sampling_logits)
    assert len(free.losses) == 3 and free.steps == []  # no decoder given: nothing evaluated


def test_exact_match_and_character_accuracy():
    assert training.exact_match(["2004-03-03", "2004-03-04"], ["2004-03-03", "2004-03-03"]).tolist() == [True, False]
    assert training.char_accuracy(["2004-03-04"], ["2004-03-03"]) == pytest.approx(0.9)
    by_length = training.accuracy_by_length(np.array([True, False, True]), np.array([8, 9, 30]))
    assert by_length["count"] == [2, 1] and by_length["accuracy"] == [0.5, 1.0]


@pytest.mark.parametrize("name", ["dates", "teacher_forcing"])
def test_checkpoints_are_small_and_trained_with_the_scripts_settings(name):
    checkpoint = {"dates": pretrained.DATES, "teacher_forcing": pretrained.TEACHER_FORCING}[name]
    assert checkpoint.path.stat().st_size < 1_000_000
    expected = pretrained.DATES_SETTINGS if name == "dates" else pretrained.TF_SETTINGS
    assert pretrained.settings(name) == expected


@pytest.mark.parametrize("kind", pretrained.KINDS)
def test_committed_date_models_score_what_their_training_recorded(kind):
    recorded = pretrained.results()[kind]
    measured = pretrained.evaluate(pretrained.load_model(kind, reference.Seq2Seq), reference.greedy_decode)
    assert measured["exact_match"] == pytest.approx(recorded["exact_match"], abs=1e-9)
    assert measured["by_length"] == recorded["by_length"]


def test_the_bottleneck_shows_without_attention_and_not_with_it():
    results = pretrained.results()
    plain, attention = (results[kind]["by_length"] for kind in ("no_attention", "attention"))
    assert results["attention"]["exact_match"] > 0.9
    assert min(attention["accuracy"][i] for i, n in enumerate(attention["count"]) if n >= 20) > 0.8
    short, long = plain["accuracy"][0], np.mean(plain["accuracy"][-4:])
    assert short - long > 0.3, (short, long)  # the lesson's claim: the fixed context fails on long inputs
    assert np.mean(attention["accuracy"][-4:]) - long > 0.3


def test_committed_teacher_forcing_models_score_what_their_training_recorded():
    test = dates.test_set(interval_share=pretrained.TF_SETTINGS["interval_share"])
    for ratio in pretrained.RATIOS:
        model = pretrained.load_ratio_model(ratio, reference.Seq2Seq)
        recorded = pretrained.results("teacher_forcing")[f"{ratio:.2f}"]
        assert pretrained.evaluate(model, reference.greedy_decode, test)["exact_match"] == pytest.approx(recorded["exact_match"],
                                                                                        abs=1e-9)
        assert recorded["teacher_forced_accuracy"] == pytest.approx(
            pretrained.teacher_forced_accuracy(model, test), abs=1e-9)


def test_attention_explorer_recomputes_the_models_weights_and_flags_wrong_ones():
    explorer = explorers.AttentionExplorer(reference.additive_attention, reference.Seq2Seq)
    explorer.update()
    assert explorer.ready and "match the model's own" in explorer.heat_title.get_text()
    explorer.set(example=len(explorer.batch) - 1, step=3)
    assert explorer.ready and "step 3" in explorer.bar_title.get_text()

    def uniform(query, keys, values, mask, W_q, W_k, v):
        weights = mask / mask.sum(axis=1, keepdims=True)
        return np.einsum("bs,bsh->bh", weights, values), weights

    wrong = explorers.AttentionExplorer(uniform, reference.Seq2Seq)
    wrong.update()
    assert wrong.ready and "differ from the model's" in wrong.heat_title.get_text()


def test_attention_explorer_reports_a_broken_function_and_recovers():
    state = {"broken": True}

    def flaky(*args, **kwargs):
        if state["broken"]:
            return np.zeros((2, 2))
        return reference.additive_attention(*args, **kwargs)

    explorer = explorers.AttentionExplorer(flaky, reference.Seq2Seq)
    explorer.update()
    assert not explorer.ready and "additive_attention" in explorer.status.value
    state["broken"] = False
    explorer.set(step=2)
    assert explorer.ready and explorer.status.value == ""


def test_teacher_forcing_explorer_decodes_with_the_learners_function():
    explorer = explorers.TeacherForcingExplorer(reference.greedy_decode, reference.Seq2Seq)
    explorer.set(ratio=0.0)
    assert explorer.ready and "ratio 0" in explorer.text_title.get_text()
    broken = explorers.TeacherForcingExplorer(lambda model, src, lengths, max_len: torch.zeros(2, 2),
                                             reference.Seq2Seq)
    broken.update()
    assert not broken.ready and "shape" in broken.status.value


def test_explorers_wait_for_the_learners_seq2seq():
    def unwritten(*args, **kwargs):
        raise NotImplementedError

    attention = explorers.AttentionExplorer(reference.additive_attention, unwritten)
    attention.update()
    assert not attention.ready and "Implement Seq2Seq" in attention.status.value
    forcing = explorers.TeacherForcingExplorer(reference.greedy_decode, torch.nn.Linear)  # cannot hold the weights
    forcing.update()
    assert not forcing.ready and "could not run the committed weights" in forcing.status.value


def test_a_namedtuple_crosses_the_graders_channel_as_a_tuple():
    result = torch.nn.Linear(2, 2).load_state_dict(torch.nn.Linear(2, 2).state_dict())
    assert rpc.decode(rpc.encode(result)) == ([], [])
