"""Lesson 06's torch references of the graded exercises: padding, masking and packing done with gather, masks and
torch's own bidirectional layers run one sequence at a time."""

from __future__ import annotations

import numpy as np
import torch

from utils.lesson06_classification_and_labeling.checks import layer_keys
from utils.models import RECURRENT_LAYERS, to_numpy, to_torch, valid_mask


def _steps(lengths, T: int) -> tuple[torch.Tensor, torch.Tensor]:
    lengths = torch.tensor(np.array(lengths, dtype=np.int64))
    return lengths, torch.arange(T)[None, :].expand(len(lengths), T)


def reverse_padded(x, lengths) -> np.ndarray:
    """Each row's first lengths[b] steps in reverse order, later steps as they were (torch.gather)."""
    x = to_torch(x)
    lengths, t = _steps(lengths, x.shape[1])
    source = torch.where(t < lengths[:, None], lengths[:, None] - 1 - t, t)
    index = source.reshape(source.shape + (1,) * (x.dim() - 2)).expand(x.shape)
    return to_numpy(torch.gather(x, 1, index))


def last_hidden(hs, lengths) -> np.ndarray:
    """hs[b, lengths[b] - 1] for every row b (torch.gather); lengths must be >= 1."""
    hs = to_torch(hs)
    index = torch.tensor(np.array(lengths, dtype=np.int64)).sub(1).clamp(min=0)
    return to_numpy(torch.gather(hs, 1, index[:, None, None].expand(-1, 1, hs.shape[2])).squeeze(1))


def masked_mean(hs, lengths) -> np.ndarray:
    """The mean of hs[b, :lengths[b]] for every row; zeros for a row of length 0."""
    hs = to_torch(hs)
    mask = torch.as_tensor(valid_mask(lengths, hs.shape[1]), dtype=hs.dtype)
    total = torch.einsum("bt,bth->bh", mask, hs)
    return to_numpy(total / mask.sum(1, keepdim=True).clamp(min=1.0))


def layer_state(state: dict, num_layers: int) -> dict[str, torch.Tensor]:
    """The weights of a bidirectional torch layer found in a module's state_dict, whatever prefix they carry
    (e.g. 'rnn.weight_ih_l0' -> 'weight_ih_l0'); a clear AssertionError if some are missing or doubled."""
    return {short: torch.as_tensor(state[key]).detach() for short, key in layer_keys(state, num_layers).items()}


def bidirectional_layer(cell: str, input_size: int, hidden_size: int, num_layers: int, state: dict) -> torch.nn.Module:
    """torch's own bidirectional nn.RNN / nn.GRU / nn.LSTM in float64, holding the weights of `state`."""
    layer = RECURRENT_LAYERS[cell](input_size, hidden_size, num_layers=num_layers, batch_first=True, bidirectional=True)
    layer = layer.double()
    weights = layer_state(state, num_layers)
    with torch.no_grad():
        for name, parameter in layer.named_parameters():
            if weights[name].shape != parameter.shape:
                raise AssertionError(f"your {name} has shape {tuple(weights[name].shape)}; torch's "
                                     f"{cell.upper()}({input_size}, {hidden_size}) expects {tuple(parameter.shape)}")
            parameter.copy_(weights[name])
    return layer.eval()


def run_one_by_one(layer: torch.nn.Module, x, lengths, total_length: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The reference: every sequence run alone, without padding. Returns outputs (B, T, 2H), zero at padding,
    and final (B, 2H) = [forward state after the last valid step, backward state after reading step 0]."""
    x = to_torch(x)
    lengths = np.asarray(lengths)
    T = x.shape[1] if total_length is None else total_length
    H = layer.hidden_size
    outputs = torch.zeros(len(lengths), T, 2 * H, dtype=torch.float64)
    final = torch.zeros(len(lengths), 2 * H, dtype=torch.float64)
    with torch.no_grad():
        for b, length in enumerate(lengths):
            out, state = layer(x[b : b + 1, : int(length)])
            h_n = state[0] if isinstance(state, tuple) else state
            outputs[b, : int(length)] = out[0]
            final[b] = torch.cat([h_n[-2, 0], h_n[-1, 0]])
    return to_numpy(outputs), to_numpy(final)


class BiRNN(torch.nn.Module):
    """The reference of the graded BiRNN (same contract and state_dict layout): torch's bidirectional layer run on
    the packed batch. Grader side: `python -m utils.checkpoints 06` trains the bidirectional classifier in it."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, cell: str = "rnn"):
        super().__init__()
        self.rnn = RECURRENT_LAYERS[cell](input_size, hidden_size, num_layers=num_layers, batch_first=True,
                                          bidirectional=True)

    def forward(self, x, lengths) -> tuple[torch.Tensor, torch.Tensor]:
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.as_tensor(lengths).cpu(), batch_first=True,
                                                         enforce_sorted=False)
        packed_outputs, state = self.rnn(packed)
        h_n = state[0] if isinstance(state, tuple) else state
        outputs, _ = torch.nn.utils.rnn.pad_packed_sequence(packed_outputs, batch_first=True, total_length=x.shape[1])
        return outputs, torch.cat([h_n[-2], h_n[-1]], dim=1)
