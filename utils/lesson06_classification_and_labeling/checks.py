"""Lesson 06's test-cell checks that give nothing away: the (outputs, final) contract of a BiRNN, the weights of one
torch bidirectional layer found in a module whatever its attribute name, and a BiRNN run on a worked example whose
correct outputs are stored data (worked_examples.json, written by the grader side), not computed here."""

from __future__ import annotations

import numpy as np
import torch

from utils import checks
from utils.lesson06_classification_and_labeling.models import TORCH_NAMES
from utils.models import seeded_weights

PACKAGE = "lesson06_classification_and_labeling"


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


def load_seeded_weights(model: torch.nn.Module, num_layers: int, seed: int) -> None:
    """Give the module's bidirectional layer (whatever its attribute name) the worked example's weights:
    models.seeded_weights of its tensors, by torch's names, from `seed`."""
    state = model.state_dict()
    keys = layer_keys(state, num_layers)
    weights = seeded_weights({short: tuple(state[key].shape) for short, key in keys.items()}, seed)
    for short, key in keys.items():
        state[key] = torch.as_tensor(weights[short], dtype=state[key].dtype)
    model.load_state_dict(state)


def check_birnn_example(BiRNN, cell: str, input_size: int, hidden_size: int, num_layers: int, x, lengths,
                        seed: int) -> None:
    """Build the learner's BiRNN, give it the worked example's weights (from `seed`), run it in float64 on the padded
    batch x (random numbers in the padding) and compare (outputs, final) with the stored correct ones, naming a
    stored mistake that matches."""
    example = checks.worked_example(PACKAGE, "BiRNN", cell, input_size, hidden_size, num_layers, x, lengths, seed)
    what = (f"BiRNN({input_size}, {hidden_size}, num_layers={num_layers}, cell={cell!r}) on lengths "
            f"{np.asarray(lengths).tolist()} padded to T={x.shape[1]}")
    model = BiRNN(input_size, hidden_size, num_layers=num_layers, cell=cell)
    model = model.double()
    load_seeded_weights(model, num_layers, seed)
    result = model(torch.tensor(x), torch.tensor(lengths))
    got = expect_outputs_and_final(result, len(lengths), x.shape[1], hidden_size, what)
    for name in ("final", "outputs"):
        checks.expect_close(got[name], example.expected[name], f"{what}: {name}",
                            mistakes={message: wrong.get(name) for message, wrong in example.mistakes.items()},
                            rtol=1e-6, atol=1e-9)


def expect_paths_and_scores(result, B: int, T: int, K: int, lengths, what: str) -> dict[str, np.ndarray]:
    """(paths, scores) as viterbi must return them: paths an integer array (B, T) holding tags 0..K-1 at each row's
    first lengths[b] steps and -1 after them, scores a float array (B,). Returned as float64 arrays by name."""
    pair = checks.expect_named(result, ("paths", "scores"), what)
    paths = np.asarray(pair["paths"])
    if paths.shape != (B, T):
        raise AssertionError(f"{what}: paths has shape {paths.shape}; expected (B, T) = {(B, T)}")
    if not np.issubdtype(paths.dtype, np.integer):
        raise AssertionError(f"{what}: paths must hold integers (tag indices); got dtype {paths.dtype}")
    valid = np.arange(T)[None, :] < np.asarray(lengths)[:, None]
    if ((paths[valid] < 0) | (paths[valid] >= K)).any():
        raise AssertionError(f"{what}: inside each row's length, paths must hold tags 0 to {K - 1}")
    scores = checks.expect_array(pair["scores"], (B,), f"{what}: scores")
    return {"paths": paths.astype(np.float64), "scores": scores}
