"""Lesson 06, grader side: the worked examples of the visible tests, with the correct outputs and those of the
named mistakes on them, written to the learner side's data file
(utils/lesson06_classification_and_labeling/worked_examples.json):

    python -m utils.lesson06_classification_and_labeling.grader.worked_examples

The inputs are those the notebook's visible tests write out; `checks.worked_example` finds an example by them. The
BiRNN example's weights are `models.seeded_weights` of torch's bidirectional layer, drawn from its `seed`.
"""

from __future__ import annotations

import types

import numpy as np

from utils import checks
from utils.lesson06_classification_and_labeling.checks import layer_names
from utils.lesson06_classification_and_labeling.grader import mistakes as catalogue
from utils.lesson06_classification_and_labeling.grader import reference
from utils.models import RECURRENT_LAYERS, seeded_weights

PACKAGE = "lesson06_classification_and_labeling"


def birnn_layer(cell: str, input_size: int, hidden_size: int, num_layers: int, seed: int):
    """torch's bidirectional layer (float64) holding the example's seeded weights."""
    shapes = {name: tuple(p.shape) for name, p in RECURRENT_LAYERS[cell](
        input_size, hidden_size, num_layers=num_layers, batch_first=True, bidirectional=True).named_parameters()}
    assert sorted(shapes) == sorted(layer_names(num_layers))
    return reference.bidirectional_layer(cell, input_size, hidden_size, num_layers, seeded_weights(shapes, seed))


def birnn(cell, input_size, hidden_size, num_layers, x, lengths, seed) -> dict[str, np.ndarray]:
    outputs, final = reference.run_one_by_one(birnn_layer(cell, input_size, hidden_size, num_layers, seed), x, lengths)
    return {"final": final, "outputs": outputs}


def birnn_mistakes(cell, input_size, hidden_size, num_layers, x, lengths, seed) -> dict[str, dict]:
    return catalogue.BiRNN(birnn_layer(cell, input_size, hidden_size, num_layers, seed), x, lengths)


mistakes = types.SimpleNamespace(reverse_padded=catalogue.reverse_padded, last_hidden=catalogue.last_hidden,
                                 masked_mean=catalogue.masked_mean, BiRNN=birnn_mistakes, viterbi=catalogue.viterbi)


def viterbi(emissions, transitions, lengths) -> dict[str, np.ndarray]:
    paths, scores = reference.viterbi(emissions, transitions, lengths)
    return {"scores": scores, "paths": paths}  # in this order: the visible test compares the scores first


def viterbi_examples() -> list[tuple[str, dict, object]]:
    """The hand-worked batch (two tags, lengths 3 and 2, 9s in the padding) and a random one (K=3, T=6)."""
    hand = {"emissions": np.array([[[0.0, 1.0], [0.0, 0.8], [0.5, 0.0]], [[0.6, 0.0], [0.0, 0.3], [9.0, 9.0]]]),
            "transitions": np.array([[0.5, -0.5], [0.0, -2.0]]), "lengths": np.array([3, 2])}
    rng = np.random.default_rng(65)
    random = {"emissions": rng.normal(size=(4, 6, 3)), "transitions": rng.normal(size=(3, 3)),
              "lengths": np.array([6, 1, 4, 2])}
    return [("viterbi", hand, viterbi), ("viterbi", random, viterbi)]


def examples() -> list[tuple[str, dict, object]]:
    """(mistake catalogue's name, inputs, reference) of every example the visible tests use."""
    worked = np.array([[1.0, 2.0, 3.0, 9.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 9.0, 9.0]])[:, :, None]
    states = np.array([[[1.0, 1.0], [2.0, 2.0], [7.0, 7.0], [6.0, 6.0], [6.0, 6.0]],
                       [[3.0, 3.0], [4.0, 4.0], [5.0, 5.0], [8.0, 8.0], [9.0, 9.0]]])
    padded = np.array([[[1.0], [3.0], [100.0], [100.0]], [[2.0], [4.0], [9.0], [50.0]]])
    mean_rng = np.random.default_rng(63)
    mean_random = mean_rng.normal(size=(4, 6, 3))
    empty_row = mean_rng.normal(size=(2, 3, 2))
    return [
        ("reverse_padded", {"x": worked, "lengths": np.array([3, 4, 1])}, reference.reverse_padded),
        ("reverse_padded", {"x": np.random.default_rng(61).normal(size=(4, 6, 3)), "lengths": np.array([2, 6, 1, 4])},
         reference.reverse_padded),
        ("last_hidden", {"hs": states, "lengths": np.array([2, 3])}, reference.last_hidden),
        ("last_hidden", {"hs": np.random.default_rng(62).normal(size=(5, 7, 3)), "lengths": np.array([3, 7, 1, 5, 2])},
         reference.last_hidden),
        ("masked_mean", {"hs": padded, "lengths": np.array([2, 3])}, reference.masked_mean),
        ("masked_mean", {"hs": mean_random, "lengths": np.array([4, 1, 6, 2])}, reference.masked_mean),
        ("masked_mean", {"hs": empty_row, "lengths": np.array([0, 3])}, reference.masked_mean),
        ("BiRNN", {"cell": "rnn", "input_size": 3, "hidden_size": 4, "num_layers": 1,
                   "x": np.random.default_rng(64).normal(size=(4, 6, 3)), "lengths": np.array([4, 1, 6, 3]), "seed": 64},
         birnn),
        *viterbi_examples(),
    ]


if __name__ == "__main__":
    print(checks.write_worked_examples(PACKAGE, mistakes, examples()))
