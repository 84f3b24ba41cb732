"""Lesson 06's test-cell checks: test data with padding a wrong function would read, and the BiRNN check that
compares a learner's module with torch's own layer and names the likely mistake."""

from __future__ import annotations

import numpy as np
import torch

from utils import checks
from utils.lesson06_classification_and_labeling.checks import expect_outputs_and_final
from utils.lesson06_classification_and_labeling.grader import mistakes, reference
from utils.models import valid_mask


def padded_batch(rng: np.random.Generator, lengths, features: int, pad_value: float | None = None) -> np.ndarray:
    """Random (B, max(lengths), features) data; the padding holds `pad_value`, or more random numbers if None, so
    that a function reading it is caught."""
    lengths = np.asarray(lengths)
    x = rng.normal(size=(len(lengths), int(max(lengths.max(initial=0), 1)), features))
    if pad_value is not None:
        x[~valid_mask(lengths, x.shape[1]).numpy()] = pad_value
    return x


def check_birnn(BiRNN, cell: str, input_size: int, hidden_size: int, num_layers: int, lengths,
                rng: np.random.Generator, total_length: int | None = None) -> None:
    """Test a learner's BiRNN class: build it, convert it to float64, run it on a padded batch with random numbers
    in the padding, and compare (outputs, final) with torch's own bidirectional layer holding the module's
    weights, run on each sequence alone. A failure names the likely mistake."""

    lengths = np.asarray(lengths, dtype=np.int64)
    T = int(total_length or lengths.max())
    x = rng.normal(size=(len(lengths), T, input_size))
    what = (f"BiRNN({input_size}, {hidden_size}, num_layers={num_layers}, cell={cell!r}) on lengths "
            f"{lengths.tolist()} padded to T={T}")
    model = BiRNN(input_size, hidden_size, num_layers=num_layers, cell=cell)
    model = model.double()
    result = model(torch.tensor(x), torch.tensor(lengths))
    got = expect_outputs_and_final(result, len(lengths), T, hidden_size, what)
    layer = reference.bidirectional_layer(cell, input_size, hidden_size, num_layers, model.state_dict())
    outputs, final = reference.run_one_by_one(layer, x, lengths)
    found = mistakes.BiRNN(layer, x, lengths)
    for name, expected in (("final", final), ("outputs", outputs)):
        checks.expect_close(got[name], expected, f"{what}: {name}",
                            mistakes={message: wrong.get(name) for message, wrong in found.items()},
                            rtol=1e-6, atol=1e-9)
