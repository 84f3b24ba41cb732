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


def path_score(emissions, transitions, path) -> float:
    """The score of one tag path of one sequence: sum_t emissions[t, path[t]] + sum_t transitions[path[t-1], path[t]]
    (path: the tags of its valid steps only)."""
    emissions, transitions = np.asarray(emissions, dtype=np.float64), np.asarray(transitions, dtype=np.float64)
    path = np.asarray(path, dtype=np.int64)
    return float(emissions[np.arange(len(path)), path].sum() + transitions[path[:-1], path[1:]].sum())


def brute_force_viterbi(emissions, transitions, lengths) -> tuple[np.ndarray, np.ndarray]:
    """Every one of the K**lengths[b] tag paths of every row scored (itertools.product), the best kept (the first
    one in lexicographic order on a tie). For small K and T only."""
    import itertools

    emissions = np.asarray(emissions, dtype=np.float64)
    B, T, K = emissions.shape
    paths = np.full((B, T), -1, dtype=np.int64)
    scores = np.zeros(B)
    for b, n in enumerate(np.asarray(lengths, dtype=np.int64)):
        best = max(itertools.product(range(K), repeat=int(n)),
                   key=lambda path: path_score(emissions[b], transitions, path))
        paths[b, :n] = best
        scores[b] = path_score(emissions[b], transitions, best)
    return paths, scores


def viterbi(emissions, transitions, lengths) -> tuple[np.ndarray, np.ndarray]:
    """Viterbi decoding in torch, the whole batch at once: the max-plus recursion with back-pointers, frozen past
    each row's length, and the back-trace from each row's own last step."""
    e = to_torch(emissions)
    A = to_torch(transitions)
    lengths_t = torch.tensor(np.array(lengths, dtype=np.int64))
    B, T, K = e.shape
    best = e[:, 0]
    pointers = torch.zeros(B, T, K, dtype=torch.int64)
    for t in range(1, T):
        scores_t, previous = (best[:, :, None] + A[None]).max(dim=1)
        running = (t < lengths_t)[:, None]
        best = torch.where(running, scores_t + e[:, t], best)
        pointers[:, t] = previous
    scores, tag = best.max(dim=1)
    paths = torch.full((B, T), -1, dtype=torch.int64)
    rows = torch.arange(B)
    for t in range(T - 1, -1, -1):
        valid = t < lengths_t
        paths[:, t] = torch.where(valid, tag, torch.tensor(-1))
        tag = torch.where(valid, pointers[rows, t, tag], tag)
    return paths.numpy(), to_numpy(scores)
