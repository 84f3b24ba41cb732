"""Lesson 04's library: the LSTM's torch twins and mistakes, and the adding problem: the torch training
loop and the committed checkpoint that lessons 04-05 load."""

import numpy as np
import pytest
import torch

from utils import models
from utils.lesson04_lstm import adding, pretrained, torch_lstm
from utils.lesson04_lstm.grader import mistakes, reference


def test_lstm_reference_agrees_with_torch_modules_and_loops_over_the_cell():
    rng = np.random.default_rng(0)
    module = torch_lstm.lstm(3, 4, rng, scale=0.8)
    params = torch_lstm.lstm_params(module)
    assert params["W_x"].shape == (16, 3) and params["W_h"].shape == (16, 4) and params["b"].shape == (16,)
    x, h0, c0 = rng.normal(size=(2, 6, 3)), rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    hs, cs = torch_lstm.run_lstm(x, h0, c0, **params)
    torch_hs, h_last, c_last = torch_lstm.run_lstm_module(module, x, h0, c0)
    np.testing.assert_allclose(hs, torch_hs, atol=1e-12)
    np.testing.assert_allclose(cs[:, -1], c_last, atol=1e-12)
    h, c = h0, c0
    for t in range(6):  # run_lstm is load_lstm_cell stepped over time
        h, c = reference.lstm_cell_step(x[:, t], h, c, **params)
        np.testing.assert_allclose(hs[:, t], h, atol=1e-12)
        np.testing.assert_allclose(cs[:, t], c, atol=1e-12)
    cell = torch_lstm.lstm_cell(3, 4, rng)
    step = torch_lstm.run_lstm_cell(cell, x[:, 0], h0, c0)
    loaded = reference.lstm_cell_step(x[:, 0], h0, c0, **torch_lstm.lstm_params(cell))  # summed biases
    np.testing.assert_allclose(step[0], loaded[0], atol=1e-12)
    np.testing.assert_allclose(step[1], loaded[1], atol=1e-12)
    assert reference.lstm_param_count(10, 20) == 4 * (20 * 10 + 20 * 20 + 20)


def test_lstm_gates_rebuild_the_cell_and_the_sequence():
    rng = np.random.default_rng(1)
    params = torch_lstm.lstm_params(torch_lstm.lstm_cell(2, 3, rng, scale=1.5))
    x, h0, c0 = rng.normal(size=(2, 5, 2)), np.zeros((2, 3)), np.zeros((2, 3))
    hs, cs = torch_lstm.run_lstm(x, h0, c0, **params)
    gates = torch_lstm.lstm_gate_sequence(x, hs, h0, **params)
    previous_c = np.concatenate([c0[:, None], cs[:, :-1]], axis=1)
    np.testing.assert_allclose(cs, gates["f"] * previous_c + gates["i"] * gates["g"], atol=1e-12)
    np.testing.assert_allclose(hs, gates["o"] * np.tanh(cs), atol=1e-12)
    assert all(((gates[name] > 0) & (gates[name] < 1)).all() for name in "ifo")


def test_lstm_mistakes_name_each_gate_order_and_leave_the_answer_out():
    rng = np.random.default_rng(2)
    x_t, h_prev, c_prev = rng.normal(size=(2, 3)), rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
    W_x, W_h, b = rng.normal(size=(8, 3)), rng.normal(size=(8, 2)), rng.normal(size=8)
    found = mistakes.lstm_cell_forward(x_t, h_prev, c_prev, W_x, W_h, b)
    assert sum("you read them as" in message for message in found) == 23
    right_h, right_c = reference.lstm_cell_step(x_t, h_prev, c_prev, W_x, W_h, b)
    for message, wrong in found.items():
        assert not (np.allclose(wrong["h_t"], right_h) and np.allclose(wrong["c_t"], right_c)), message


def test_state_gradients_match_the_cell_path_when_the_gates_are_saturated():

    torch.manual_seed(0)
    model = adding.SequenceRegressor("lstm", 3, forget_bias=None).to(models.DTYPE)
    with torch.no_grad():  # forget gates shut open (f = 1), input gates shut (i = 0): dy/dc_k = dy/dc_T at every k
        model.recurrent.weight_hh_l0.zero_()
        model.recurrent.weight_ih_l0.zero_()
        model.recurrent.bias_ih_l0[3:6] = 60.0
        model.recurrent.bias_ih_l0[0:3] = -60.0
    x = np.random.default_rng(3).normal(size=(1, 12, 2))
    norms, hs, last = torch_lstm.state_gradients(model, x)
    assert norms.shape == (12,) and hs.shape == (1, 12, 3)
    np.testing.assert_allclose(norms, np.linalg.norm(last), rtol=1e-9)


def test_training_is_seeded_and_leaves_torch_global_state_alone():
    state = torch.random.get_rng_state()
    runs = [adding.train_adding_problem("gru", hidden_size=4, length=8, max_steps=20, eval_every=10, target_mse=None)
            for _ in range(2)]
    assert torch.equal(state, torch.random.get_rng_state())
    assert runs[0].steps == [10, 20] and runs[0].scores == runs[1].scores
    other = adding.train_adding_problem("gru", hidden_size=4, length=8, max_steps=20, eval_every=10, seed=1,
                                          target_mse=None)
    assert other.scores != runs[0].scores


def test_training_stops_at_the_target():
    run = adding.train_adding_problem("lstm", hidden_size=4, length=4, max_steps=30, eval_every=5, target_mse=10.0)
    assert run.reached_at == 5 and run.steps == [5]


def test_lstm_forget_bias_is_the_sum_of_torchs_two_biases():
    model = adding.SequenceRegressor("lstm", 3, forget_bias=1.0)
    summed = model.recurrent.bias_ih_l0 + model.recurrent.bias_hh_l0
    assert torch.equal(summed[3:6], torch.ones(3))
    with pytest.raises(ValueError, match="unknown kind"):
        adding.SequenceRegressor("transformer", 3)


@pytest.mark.parametrize("kind", pretrained.KINDS)
def test_checkpoint_models_score_what_their_training_recorded(kind):
    model = pretrained.load_adding_model(kind)
    x_test, y_test = adding.adding_test_set(pretrained.settings()["length"])
    result = pretrained.adding_results()[kind]
    assert adding.adding_mse(model, x_test, y_test) == pytest.approx(result["final_mse"], rel=1e-4)
    assert result["parameters"] == models.parameter_count(model)
    if kind == "rnn":  # the lesson's claim: a same-size tanh RNN stays near the baseline, gated units solve it
        assert result["final_mse"] > 0.1
    else:
        assert result["final_mse"] < 0.01 and result["first_below_0.01"] is not None


def test_checkpoint_was_trained_with_the_scripts_settings():
    assert pretrained.settings() == pretrained.SETTINGS
