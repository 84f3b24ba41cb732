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


def test_dot_attention_reference_masks_exactly_and_matches_a_loop():
    rng = np.random.default_rng(3)
    query, keys, values = rng.normal(size=(3, 4)), rng.normal(size=(3, 5, 4)), rng.normal(size=(3, 5, 2))
    mask = np.arange(5) < np.array([[5], [1], [3]])
    context, weights = reference.dot_attention(query, keys, values, mask)
    for b in range(3):
        e = keys[b, mask[b]] @ query[b]
        w = np.exp(e - e.max()) / np.exp(e - e.max()).sum()
        assert np.allclose(weights[b, mask[b]], w) and (weights[b, ~mask[b]] == 0).all()
        assert np.allclose(context[b], w @ values[b, mask[b]])
    expect_value_error(reference.dot_attention, (query, keys, values, np.zeros((3, 5), dtype=bool)), "reference")
    assert all(np.shape(wrong["weights"]) == (3, 5) for wrong in mistakes.dot_attention(query, keys, values, mask).values())


@pytest.mark.parametrize("candidates,references,max_n,expected", [
    ([["the"] * 7], [["the cat is on the mat".split(), "there is a cat on the mat".split()]], 1, 2 / 7),
    ([list("2004-03-04")], [[list("2004-03-03")]], 4, 0.6 ** 0.25),
    ([["the", "cat"]], [["the cat is on the mat".split()]], 2, np.exp(-2.0)),
    ([list("abcd"), ["a", "x"]], [[list("abcd")], [["a", "y"]]], 2, np.sqrt(5 / 8)),
    ([list("abcdef")], [[list("abdcef")]], 4, 0.0), ([[]], [[["a"]]], 1, 0.0),
    # a tie in the closest reference length takes the shorter: r = 4, c = 5 > r, no penalty
    ([list("abcde")], [[list("abcd"), list("abcdef")]], 1, 1.0),
])
def test_reference_bleu_on_hand_worked_examples(candidates, references, max_n, expected):
    assert reference.bleu(candidates, references, max_n) == pytest.approx(expected, abs=1e-12)
    assert mistakes.bleu_variant(candidates, references, max_n) == pytest.approx(expected, abs=1e-12)


def test_bleu_of_the_committed_models_is_what_the_lesson_says():
    test = dates.test_set()
    scores = {}
    for kind in pretrained.KINDS:
        texts = training.predict(pretrained.load_model(kind, reference.Seq2Seq), test, reference.greedy_decode)
        parts = reference.bleu_parts([list(t) for t in texts], [[list(t)] for t in test.targets])
        scores[kind] = reference.bleu([list(t) for t in texts], [[list(t)] for t in test.targets])
        if kind == "no_attention":
            assert (parts["c"], parts["r"]) == (28944, 32943)
            intervals = [i for i, name in enumerate(test.formats) if name == "interval"]
            outputs, targets = [list(texts[i]) for i in intervals], [[list(test.targets[i])] for i in intervals]
            assert len(intervals) == 813 and sum(len(output) == 10 for output in outputs) == 399
            assert round(reference.bleu(outputs, targets), 2) == 0.42
            shares = reference.bleu_parts(outputs, targets)
            precisions = [m / t for m, t in zip(shares["matches"], shares["totals"], strict=True)]
            assert round(precisions[0], 2) == 0.87 and round(precisions[3], 2) == 0.37
            assert round(np.exp(1 - shares["r"] / shares["c"]), 2) == 0.74
            assert round(np.exp(1 - parts["r"] / parts["c"]), 2) == 0.87
    assert round(scores["no_attention"], 3) == 0.682 and round(scores["attention"], 4) == 0.9997


def test_scheduled_sampling_in_the_reference_forward_at_both_ends_and_in_between():
    from utils.lesson08_attention.grader.checks import expect_scheduled_sampling, teacher_choices

    model = reference.seeded_model(4, hidden_size=8, scale=2.0)
    rng = np.random.default_rng(0)
    B, S, T = 32, 6, 12
    lengths = torch.tensor(rng.integers(1, S + 1, B))
    src = torch.tensor(rng.integers(1, 20, (B, S))) * valid_mask(lengths, S)
    tgt_in = torch.tensor(np.c_[np.full((B, 1), dates.BOS), rng.integers(3, 13, (B, T - 1))])
    with torch.no_grad():
        forced = model(src, lengths, tgt_in)
        assert torch.equal(model(src, lengths, tgt_in, teacher_forcing=1.0, rng=np.random.default_rng(1)), forced)
        free = model(src, lengths, tgt_in, teacher_forcing=0.0, rng=np.random.default_rng(1))
        greedy = reference.greedy_decode(model, src, lengths, T)
        fed = torch.cat([tgt_in[:, :1], free[:, :-1].argmax(dim=-1)], dim=1)
        assert torch.allclose(model(src, lengths, fed), free)  # free running is teacher forcing on its own outputs
        assert torch.equal(free.argmax(dim=-1)[:, 0], greedy[:, 0])
        half = [model(src, lengths, tgt_in, teacher_forcing=0.5, rng=np.random.default_rng(7)) for _ in range(2)]
        assert torch.equal(half[0], half[1])
    choices = teacher_choices(free, model, src, lengths, tgt_in, "free")
    assert (choices <= 0).all()
    for ratio in (0.0, 0.25, 0.5, 0.9, 1.0):
        share = expect_scheduled_sampling(model, model, src, lengths, tgt_in, ratio, 5, "reference")
        assert abs(share - ratio) < 0.1


def test_a_scheduled_sampling_that_ignores_the_ratio_is_caught():
    from utils.lesson08_attention.grader.checks import expect_scheduled_sampling

    class Inverted(reference.Seq2Seq):
        def forward(self, src, src_lengths, tgt_in, teacher_forcing=1.0, rng=None):
            return super().forward(src, src_lengths, tgt_in, 1 - teacher_forcing if teacher_forcing < 1 else 1.0, rng)

    reference_model = reference.seeded_model(6, hidden_size=8, scale=2.0)
    model = Inverted(**{**reference.MODEL_SIZES, "hidden_size": 8})
    model.load_state_dict(reference_model.state_dict())
    rng = np.random.default_rng(2)
    lengths = torch.tensor(rng.integers(1, 7, 40))
    src = torch.tensor(rng.integers(1, 20, (40, 6))) * valid_mask(lengths, 6)
    tgt_in = torch.tensor(np.c_[np.full((40, 1), dates.BOS), rng.integers(3, 13, (40, 14))])
    with pytest.raises(AssertionError, match="ratio is 20%"):
        expect_scheduled_sampling(model, reference_model, src, lengths, tgt_in, 0.2, 1, "inverted")


def test_the_fixed_context_check_names_averaged_weights():
    from utils.lesson08_attention.checks import AVERAGED_CONTEXT, expect_fixed_context_weights

    mask = torch.tensor([[True, True, True, False], [True, False, False, False]])
    expect_fixed_context_weights(torch.tensor([[0.0, 0, 1, 0], [1, 0, 0, 0]]), mask, "right")
    with pytest.raises(AssertionError, match="LAST VALID"):
        expect_fixed_context_weights(mask.double() / mask.sum(dim=1, keepdim=True), mask, "averaged")
    assert "average" in AVERAGED_CONTEXT


def test_training_with_a_ratio_uses_the_models_own_forward_and_is_seeded():
    runs = [training.train(reference.seeded_model(0, hidden_size=8), steps=3, batch_size=8, eval_size=10,
                           teacher_forcing=0.5) for _ in range(2)]
    assert runs[0].losses == runs[1].losses and len(runs[0].losses) == 3
