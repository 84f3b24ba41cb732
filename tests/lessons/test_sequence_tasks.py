"""Lesson 06's library: padding references, the bidirectional reference, the two real-data tasks, the committed
checkpoint, the architecture explorer (and its notebook) and the boundary explorer."""

import warnings

import nbformat
import numpy as np
import pytest
import torch
from conftest import ROOT, solved
from nbclient import NotebookClient
from traitlets.config import Config

from utils import data, plots
from utils.lesson06_classification_and_labeling import crf, explorers, forecasting, models, pretrained, tasks, training
from utils.lesson06_classification_and_labeling.grader import mistakes, reference
from utils.models import RECURRENT_LAYERS, parameter_count

LESSON = "06_classification_and_labeling"


def _loop_reverse(x, lengths):
    out = np.array(x, dtype=float)
    for b, n in enumerate(lengths):
        out[b, :n] = np.flip(np.asarray(x, dtype=float)[b, :n], axis=0)
    return out


@pytest.mark.parametrize("shape,lengths", [((3, 5, 2), [5, 0, 2]), ((2, 4), [1, 3]), ((2, 3, 2, 2), [3, 2]),
                                           ((1, 1, 1), [1])])
def test_references_agree_with_plain_loops(shape, lengths):
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    np.testing.assert_allclose(reference.reverse_padded(x, lengths), _loop_reverse(x, lengths))
    if len(shape) == 3:
        means = [x[b, :n].mean(0) if n else np.zeros(shape[2]) for b, n in enumerate(lengths)]
        np.testing.assert_allclose(reference.masked_mean(x, lengths), np.array(means))
        full = [n if n else 1 for n in lengths]
        np.testing.assert_allclose(reference.last_hidden(x, full), np.array([x[b, n - 1] for b, n in
                                                                                       enumerate(full)]))
        np.testing.assert_allclose(models.masked_max(x, full),
                                   np.array([x[b, :n].max(0) for b, n in enumerate(full)]))


def test_masked_mean_of_an_empty_row_is_zero_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = reference.masked_mean(np.ones((2, 3, 2)), [0, 0])
    assert np.array_equal(out, np.zeros((2, 2)))


@pytest.mark.parametrize("cell,layers", [("rnn", 1), ("gru", 2), ("lstm", 2)])
def test_one_by_one_reference_matches_a_packed_run(cell, layers):
    torch.manual_seed(0)
    layer = RECURRENT_LAYERS[cell](3, 4, num_layers=layers, batch_first=True, bidirectional=True).double()
    layer_reference = reference.bidirectional_layer(cell, 3, 4, layers, {f"rnn.{k}": v for k, v in layer.state_dict().items()})
    rng = np.random.default_rng(1)
    lengths = np.array([2, 5, 1, 4])
    x = rng.normal(size=(4, 6, 3))
    outputs, final = reference.run_one_by_one(layer_reference, x, lengths)
    packed = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), torch.tensor(lengths), batch_first=True,
                                                     enforce_sorted=False)
    with torch.no_grad():
        out, state = layer(packed)
    h_n = state[0] if isinstance(state, tuple) else state
    padded, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=6)
    np.testing.assert_allclose(outputs, padded.numpy(), atol=1e-12)
    np.testing.assert_allclose(final, torch.cat([h_n[-2], h_n[-1]], 1).numpy(), atol=1e-12)
    for message, wrong in mistakes.BiRNN(layer_reference, x, lengths).items():
        for name, value in wrong.items():
            assert not np.allclose(value, {"outputs": outputs, "final": final}[name]), message


def test_layer_state_names_what_is_missing():
    with pytest.raises(AssertionError, match="lacks"):
        reference.layer_state({"rnn.weight_ih_l0": torch.zeros(2, 2)}, 1)


def test_boundary_windows_label_the_first_letter_of_every_word():
    text, starts = tasks.squash(["the", "cat", "sat"])
    assert text == "thecatsat" and starts.tolist() == [1, 0, 0, 1, 0, 0, 1, 0, 0]
    ids, labels = tasks.boundary_windows("test")
    assert ids.shape == labels.shape and ids.shape[1] == tasks.WINDOW
    assert int(ids.min()) >= 1 and int(ids.max()) <= 26
    assert 0.15 < float(labels.float().mean()) < 0.3  # about one letter in five starts a word


def test_surname_parts_do_not_overlap_and_are_padded():
    ids, lengths, labels = tasks.surname_tensors("test")
    assert ids.shape[0] == lengths.shape[0] == labels.shape[0] == 1060
    assert torch.all(ids[torch.arange(len(ids)), lengths - 1] != data.PAD)
    split = tasks.surname_data().split
    assert not set(split["train"].tolist()) & set(split["test"].tolist())


def test_committed_checkpoint_is_small_and_scores_what_training_recorded():
    assert pretrained.CHECKPOINT.path.stat().st_size < 1_000_000
    results = pretrained.results()
    test = tasks.surname_tensors("test")
    windows = tasks.boundary_windows("test")
    for bi in (False, True):
        key = "bi" if bi else "uni"
        accuracy = training.classifier_accuracy(pretrained.load_classifier(bi, reference.BiRNN), *test)
        assert accuracy == pytest.approx(results[f"classifier_{key}"]["test_accuracy"], abs=1e-6)
        f1 = training.boundary_scores(pretrained.load_tagger(bi), *windows)["f1"]
        assert f1 == pytest.approx(results[f"tagger_{key}"]["f1"], abs=1e-6)
    # what the lesson claims: the recurrent models beat both baselines; bidirectional tagging beats one-directional
    assert results["classifier_uni"]["test_accuracy"] > results["bag_of_characters"]["test_accuracy"] + 0.1
    assert results["bag_of_characters"]["test_accuracy"] > results["majority"]["test_accuracy"] + 0.2
    assert results["tagger_bi"]["f1"] > results["tagger_uni"]["f1"] + 0.05


def test_the_bidirectional_classifier_runs_in_the_learners_birnn_as_in_the_reference():
    ids, lengths, _ = tasks.surname_tensors("test")
    with torch.no_grad():
        mine = pretrained.load_classifier(True, solved(LESSON)["BiRNN"])(ids, lengths)
        theirs = pretrained.load_classifier(True, reference.BiRNN)(ids, lengths)
    torch.testing.assert_close(mine, theirs)
    with pytest.raises(ValueError, match="BiRNN"):
        pretrained.load_classifier(True)


def test_the_committed_tagger_states_are_torchs_packed_run_of_each_sentence_alone():
    ids, lengths = data.encode_texts(["thecat", "a", "ofsomewords"], tasks.LETTERS)
    tagger = pretrained.load_tagger(True)
    expected = []
    with torch.no_grad():
        for row, length in enumerate(lengths):
            alone = tagger.rnn(tagger.embed(torch.as_tensor(ids[row : row + 1, :length])))[0][0]
            expected.append(np.pad(alone.double().numpy(), ((0, ids.shape[1] - length), (0, 0))))
    np.testing.assert_allclose(pretrained.tagger_states(ids, lengths), np.array(expected), atol=1e-5)


def test_your_birnn_trains_as_an_encoder():
    BiRNN = solved(LESSON)["BiRNN"]
    run, accuracy = training.train_encoder_classifier(BiRNN(16, 8, cell="gru"), final_size=16, steps=30)
    assert run.steps[-1] == 30 and 0.0 <= accuracy <= 1.0


# --- the architecture explorer ------------------------------------------------------------------------------


@pytest.mark.parametrize("cell,layers,bidirectional", [("rnn", 1, False), ("gru", 2, True), ("lstm", 3, True)])
def test_parameter_count_matches_torch(cell, layers, bidirectional):
    module = RECURRENT_LAYERS[cell](16, 64, num_layers=layers, bidirectional=bidirectional)
    assert parameter_count(cell, 16, 64, layers=layers, bidirectional=bidirectional) == sum(
        p.numel() for p in module.parameters())


def test_every_architecture_control_changes_the_drawing():
    explorer = explorers.ArchitectureExplorer()
    explorer.update()
    for name, value in [("wiring", "encoder-decoder"), ("bidirectional", True), ("layers", 3),
                        ("wiring", "one-to-many"), ("bidirectional", False), ("layers", 1)]:
        before = explorer.live.image.value
        explorer.set(**{name: value})
        assert explorer.live.image.value != before, f"moving {name} to {value!r} did not change the drawing"
    for wiring in plots.WIRINGS:  # every combination draws without raising
        for bidirectional in (False, True):
            for layers in (1, 2, 3):
                explorer.set(wiring=wiring, bidirectional=bidirectional, layers=layers)
                assert explorer.ready


def test_bidirectional_generation_is_drawn_as_impossible():
    explorer = explorers.ArchitectureExplorer()
    explorer.set(wiring="one-to-many", bidirectional=True)
    assert any("impossible" in text.get_text() for text in explorer.ax.texts)


def test_architecture_notebook_runs_top_to_bottom(tmp_path):
    path = ROOT / "notebooks" / "architecture_explorer.ipynb"
    notebook = nbformat.read(str(path), as_version=4)
    sockets = Config({"KernelManager": {"transport": "ipc", "ip": str(tmp_path / "kernel")}})  # no TCP port race
    NotebookClient(notebook, timeout=120, kernel_name="python3", config=sockets,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors


# --- the boundary explorer ------------------------------------------------------------------------------------


def test_boundary_explorer_takes_typed_text_and_fits_the_slider():
    explorer = explorers.BoundaryExplorer(solved(LESSON)["reverse_padded"])
    explorer.update()
    explorer.typed.value = "Hello, world: this is typed!"
    assert explorer.controls["sentence"].value == "hello world this is typed"
    assert explorer.controls["position"].max == len("helloworldthisistyped") - 1
    assert explorer.ready and "true:            hello world this is typed" in explorer.split_note.get_text()


def test_boundary_explorer_flags_a_wrong_reverse():
    explorer = explorers.BoundaryExplorer(lambda x, lengths: x[:, ::-1].copy())
    explorer.update()
    assert explorer.ready and "does not give torch's backward states" in explorer.ax_prob.get_title()


# --- forecasting monthly CO2 (section 11) ---------------------------------------------------------------------

def test_co2_is_every_month_from_march_1958_to_december_2001_read_from_statsmodels_package_data():
    years, co2 = forecasting.co2_monthly()
    assert len(co2) == 526 and forecasting.missing_months() == 5 and np.isfinite(co2).all()
    assert years[0] == pytest.approx(1958 + 2.5 / 12) and years[-1] == pytest.approx(2001 + 11.5 / 12)
    assert np.allclose(np.diff(years), 1 / 12)
    assert 313 < co2.min() < 318 and 370 < co2.max() < 375
    assert co2[0] == 316.1 and co2[1] == pytest.approx(np.mean([317.3, 317.6, 317.5, 316.4]))  # March: one reading
    assert forecasting.split() == 406


def test_baselines_use_only_the_past_of_each_origin():
    _, co2 = forecasting.co2_monthly()
    made = forecasting.baselines()
    t = 300
    for h in range(1, forecasting.HORIZONS + 1):
        assert made["last value"][t, h - 1] == co2[t]
        assert made["seasonal naive"][t, h - 1] == co2[t + h - 12]
        assert made["seasonal naive + last year's rise"][t, h - 1] == pytest.approx(co2[t + h - 12] + co2[t] - co2[t - 12])
    assert np.isnan(made["seasonal naive"][0, 0]) and np.isnan(made["seasonal naive + last year's rise"][11, 11])


def test_the_forecaster_reads_only_the_window_before_its_origin():
    model = pretrained.load_forecaster()
    changes = torch.randn(1, 60)
    later = torch.cat([changes, torch.randn(1, 5)], dim=1)
    with torch.no_grad():  # one output at every step, and no step's output depends on later inputs
        assert torch.allclose(model(changes), model(later)[:, :60])


def test_committed_forecaster_scores_what_training_recorded_and_what_the_lesson_says():
    assert pretrained.FORECASTING.path.stat().st_size < 100_000
    recorded = pretrained.forecasting_results()
    window = pretrained.FORECASTING.contents()["settings"]["window"]
    gru = forecasting.held_out_mae(forecasting.forecasts(pretrained.load_forecaster(), window))
    assert np.allclose(gru, recorded["mae"]["GRU"], atol=1e-4)
    base = {name: forecasting.held_out_mae(f) for name, f in forecasting.baselines().items()}
    for name, errors in base.items():
        assert np.allclose(errors, recorded["mae"][name])
    rise = base["seasonal naive + last year's rise"]
    # the numbers of the lesson's prose and summary
    assert round(gru[0], 2) == 0.26 and round(gru[11], 2) == 0.74
    assert round(rise[0], 2) == 0.31 and round(rise[11], 2) == 0.88
    assert (gru < base["last value"]).all() and (gru < base["seasonal naive"] - 0.7).all()
    assert round(base["last value"].max(), 1) == 3.7 and round(base["seasonal naive"][0], 1) == 1.5
    assert np.ptp(base["seasonal naive"]) < 1e-9  # the same error at every horizon
    assert (gru[7:] < rise[7:]).all() and (np.abs(gru[1:7] - rise[1:7]) <= 0.06).all()


def test_forecast_explorer_horizon_changes_the_figure():
    explorer = explorers.ForecastExplorer()
    explorer.update()
    assert explorer.ready
    for horizon in (1, 12, 6):
        before = explorer.live.image.value
        explorer.set(horizon=horizon)
        assert explorer.live.image.value != before and explorer.ready
    _, co2 = forecasting.co2_monthly()
    last = explorer.targets(3)["last value"]
    assert np.array_equal(last, co2[forecasting.split() - 3 : -3])  # each held-out month, forecast 3 months before


# --- the CRF experiment (section 8) -------------------------------------------------------------------------

def test_bmes_windows_are_the_boundary_windows_and_start_words_where_they_do():
    for part in ("train", "test"):
        ids, labels = tasks.boundary_windows(part)
        bmes_ids, tags = crf.bmes_windows(part)
        assert torch.equal(ids, bmes_ids)
        assert np.array_equal(crf.starts(tags, "bmes"), labels.numpy().astype(bool))
    assert crf.bmes_tags(["a", "cat", "is"]).tolist() == [crf.S, crf.B, crf.M, crf.E, crf.B, crf.E]
    assert crf.invalid_windows(np.array([[crf.B, crf.E, crf.S], [crf.B, crf.B, crf.E]])) == 0.5


def test_the_forward_algorithm_sums_every_path():
    import itertools

    rng = np.random.default_rng(0)
    scores, transitions = torch.tensor(rng.normal(size=(2, 4, 3))), torch.tensor(rng.normal(size=(3, 3)))
    for b in range(2):
        every = [float(crf.path_scores(scores[b : b + 1], torch.tensor([path]), transitions))
                 for path in itertools.product(range(3), repeat=4)]
        assert float(crf.log_partition(scores, transitions)[b]) == pytest.approx(np.log(np.exp(every).sum()))


def test_committed_crf_experiment_scores_what_it_recorded_and_what_the_lesson_says():
    assert pretrained.BOUNDARY_CRF.path.stat().st_size < 300_000
    recorded = pretrained.crf_results()
    learned = pretrained.crf_transitions()
    ids, tags = crf.bmes_windows("test")
    truth = crf.starts(tags, "bmes")
    assert len(ids) == 725
    binary = crf.evaluate(reference.viterbi, crf.emissions(pretrained.load_tagger(True), ids, "binary"),
                          {"learned": learned["binary"]}, truth, "binary")
    bmes = crf.evaluate(reference.viterbi, crf.emissions(pretrained.load_bmes_tagger(), ids, "bmes"),
                        {"constraints only": crf.constraints(), "learned": learned["bmes"]}, truth, "bmes")
    for measured, scheme in ((binary, "binary"), (bmes, "bmes")):
        assert measured.keys() == recorded[scheme].keys()
        for decoding, values in measured.items():
            assert values == pytest.approx(recorded[scheme][decoding], abs=1e-9), (scheme, decoding)
    # the numbers of the lesson's prose
    assert round(binary["each letter alone"]["f1"], 3) == 0.901 and round(binary["Viterbi, learned"]["f1"], 3) == 0.900
    assert round(learned["binary"].min(), 2) == -0.35 and np.abs(learned["binary"]).max() < 0.4
    assert round(bmes["each letter alone"]["f1"], 3) == 0.904 and round(bmes["each letter alone"]["invalid_windows"], 2) == 0.45
    for decoding in ("Viterbi, constraints only", "Viterbi, learned"):
        assert round(bmes[decoding]["f1"], 3) == 0.910 and bmes[decoding]["invalid_windows"] == 0.0
    allowed = crf.constraints() == 0
    assert 1.4 <= learned["bmes"][allowed].min() and learned["bmes"][allowed].max() <= 3.2
    assert np.allclose(learned["bmes"][~allowed], -2.7, atol=0.1)


def test_the_viterbi_table_of_the_lesson():
    E = np.array([[0.0, 1.0], [0.0, 0.8], [0.5, 0.0]])
    A = np.array([[0.5, -0.5], [0.0, -2.0]])
    delta, pointers = [E[0]], []
    for t in (1, 2):
        candidates = delta[-1][:, None] + A
        pointers.append(candidates.argmax(0).tolist())
        delta.append(candidates.max(0) + E[t])
    assert np.allclose(delta, [[0, 1], [1, 0.3], [2, 0.5]]) and pointers == [[1, 0], [0, 0]]
    paths, scores = reference.brute_force_viterbi(E[None], A, [3])
    assert paths.tolist() == [[1, 0, 0]] and scores[0] == pytest.approx(2.0)
    assert reference.path_score(E, A, [1, 1, 0]) == pytest.approx(0.3)  # each step's best emission alone
    assert E.argmax(1).tolist() == [1, 1, 0]


def test_the_co2_numbers_of_the_lesson():
    _, co2 = forecasting.co2_monthly()
    yearly = co2[12:] - co2[:-12]
    assert round(yearly.mean(), 1) == 1.3 and round(yearly[:120].mean(), 1) == 0.8 and round(yearly[-120:].mean(), 1) == 1.5
    trend = np.convolve(co2, np.ones(12) / 12, "valid")  # the 12-month running mean; what is left is the season
    season = (co2[6 : 6 + len(trend)] - trend)[: len(trend) // 12 * 12].reshape(-1, 12).mean(0)
    assert round(np.ptp(season)) == 6
