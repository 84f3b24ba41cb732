"""Lesson 06's test-cell checks that give nothing away: the (outputs, final) contract of a BiRNN, the weights of one
torch bidirectional layer found in a module whatever its attribute name, and a BiRNN run on a worked example whose
weights, input and correct outputs are stored data (utils.checks.worked_examples), not computed here."""

from __future__ import annotations

import numpy as np
import torch

from utils import checks
from utils.lesson06_classification_and_labeling.models import TORCH_NAMES


def expect_outputs_and_final(result, B: int, T: int, H: int, what: str) -> dict[str, np.ndarray]:
    """(outputs, final) as the module must return them: tensors (or arrays) of shapes (B, T, 2H) and (B, 2H)."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(f"{what} must return a pair (outputs, final); got {type(result).__name__}")
    arrays = []
    for name, value, shape in (("outputs", result[0], (B, T, 2 * H)), ("final", result[1], (B, 2 * H))):
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu().numpy()
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise AssertionError(f"{what}: {name} must be a tensor; got {type(value).__name__}") from None
        if array.shape != shape:
            hint = " (one direction only? concatenate forward and backward)" if array.shape[-1:] == (H,) else ""
            if name == "outputs" and array.ndim == 3 and array.shape[1] != T:
                hint = " (pad_packed_sequence pads to the longest length; pass total_length=x.shape[1])"
            raise AssertionError(f"{what}: {name} has shape {array.shape}; expected {shape}{hint}")
        arrays.append(array)
    return dict(zip(("outputs", "final"), arrays, strict=True))


def layer_names(num_layers: int) -> list[str]:
    """The tensors of one torch bidirectional layer with `num_layers` layers, e.g. 'weight_ih_l0_reverse'."""
    return [f"{name}_l{layer}{suffix}" for layer in range(num_layers) for suffix in ("", "_reverse")
            for name in TORCH_NAMES]


def layer_keys(state: dict, num_layers: int) -> dict[str, str]:
    """{torch's name: the module's key} for the bidirectional layer's weights in a module's state_dict, whatever
    prefix they carry (e.g. 'weight_ih_l0' -> 'rnn.weight_ih_l0'); a clear AssertionError if some are missing or
    doubled."""
    wanted = layer_names(num_layers)
    found = {}
    for key in state:
        short = key.rsplit(".", 1)[-1]
        if short in wanted:
            if short in found:
                raise AssertionError(f"your module holds two tensors named {short}: keep one bidirectional layer")
            found[short] = key
    missing = [name for name in wanted if name not in found]
    if missing:
        raise AssertionError(f"your module's state_dict lacks {missing[:4]}{' ...' if len(missing) > 4 else ''}: "
                             "keep one torch bidirectional layer (e.g. self.rnn) with num_layers layers")
    return found


def load_layer_weights(model: torch.nn.Module, weights: dict, num_layers: int, what: str) -> None:
    """Copy `weights` ({torch's name: array}) into the module's bidirectional layer, whatever its attribute name."""
    state = model.state_dict()
    for short, key in layer_keys(state, num_layers).items():
        if tuple(state[key].shape) != np.shape(weights[short]):
            raise AssertionError(f"{what}: your {short} has shape {tuple(state[key].shape)}; torch's layer expects "
                                 f"{np.shape(weights[short])}")
        state[key] = torch.as_tensor(weights[short], dtype=state[key].dtype)
    model.load_state_dict(state)


def check_birnn_example(BiRNN, example: dict, what: str) -> None:
    """Build the learner's BiRNN for a stored worked example, give it the example's weights, run it in float64 on the
    padded batch (random numbers in the padding) and compare (outputs, final) with the stored correct ones, naming a
    stored mistake that matches. `example`: cell, input_size, hidden_size, num_layers, x, lengths, weights
    ({torch's name: array}), outputs, final, and mistakes ({message: {"outputs"/"final": array}})."""
    x, lengths, hidden_size = example["x"], example["lengths"], int(example["hidden_size"])
    model = BiRNN(int(example["input_size"]), hidden_size, num_layers=int(example["num_layers"]),
                  cell=str(example["cell"]))
    model = model.double()
    load_layer_weights(model, example["weights"], int(example["num_layers"]), what)
    result = model(torch.tensor(x), torch.tensor(lengths))
    got = expect_outputs_and_final(result, len(lengths), x.shape[1], hidden_size, what)
    for name in ("final", "outputs"):
        checks.expect_close(got[name], example[name], f"{what}: {name}",
                            mistakes={message: wrong.get(name) for message, wrong in example["mistakes"].items()},
                            rtol=1e-6, atol=1e-9)
