"""The core's model helpers: parameter counts, the valid-step mask, the run record."""

import numpy as np
import pytest
import torch

from utils.models import RECURRENT_LAYERS, Run, parameter_count, valid_mask


@pytest.mark.parametrize("kind,layers,bidirectional", [("rnn", 1, False), ("gru", 2, True), ("lstm", 3, False),
                                                       ("lstm", 2, True)])
def test_a_recurrent_layers_count_is_the_count_of_the_layer_torch_builds(kind, layers, bidirectional):
    module = RECURRENT_LAYERS[kind](7, 5, num_layers=layers, bidirectional=bidirectional)
    assert parameter_count(kind, 7, 5, layers=layers, bidirectional=bidirectional) == parameter_count(module)
    assert parameter_count(module) == sum(p.numel() for p in module.parameters())


def test_counting_by_kind_leaves_torchs_random_state_alone():
    before = torch.random.get_rng_state()
    parameter_count("gru", 11, 13, layers=2, bidirectional=True)
    assert torch.equal(torch.random.get_rng_state(), before)


def test_one_layer_counts_follow_the_two_bias_formula():
    for kind, blocks in (("rnn", 1), ("gru", 3), ("lstm", 4)):
        assert parameter_count(kind, 10, 20) == blocks * (20 * 10 + 20 * 20 + 2 * 20)


@pytest.mark.parametrize("lengths", [[2, 0, 3], np.array([1, 3]), torch.tensor([3, 1, 2])])
def test_valid_mask_is_true_before_each_length_for_lists_arrays_and_tensors(lengths):
    mask = valid_mask(lengths, 3)
    expected = np.arange(3)[None, :] < np.asarray(lengths)[:, None]
    assert mask.dtype == torch.bool and np.array_equal(mask.numpy(), expected)


def test_a_run_records_scores_against_steps():
    run = Run(torch.nn.Linear(3, 2))
    run.record(10, np.float32(0.5))
    run.record(20, 0.25)
    assert run.steps == [10, 20] and run.scores == [0.5, 0.25] and isinstance(run.scores[0], float)
    assert run.history == [(10, 0.5), (20, 0.25)] and run.final_score == 0.25
    assert run.parameters == 3 * 2 + 2 and run.losses == [] and run.reached_at is None
