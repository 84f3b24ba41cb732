"""Lesson 06: sequences of different lengths. Torch references for padding, masking and packing; the likely
mistakes of the graded functions; the two real-data tasks (a surname's language, word boundaries in text
without spaces), their models, training loops, baselines and metrics.

The references below are written in torch (gather, masks, torch's own bidirectional layers run one sequence
at a time), the way the course checks every exercise; no numpy solution of an exercise lives here.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from utils import data
from utils.reference import to_numpy, to_torch

LAYERS = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}

# --- references for the graded numpy functions (torch) ------------------------------------------------------


def _steps(lengths, T: int) -> tuple[torch.Tensor, torch.Tensor]:
    lengths = torch.tensor(np.array(lengths, dtype=np.int64))
    return lengths, torch.arange(T)[None, :].expand(len(lengths), T)


def reverse_padded_reference(x, lengths) -> np.ndarray:
    """Each row's first lengths[b] steps in reverse order, later steps as they were (torch.gather)."""
    x = to_torch(x)
    lengths, t = _steps(lengths, x.shape[1])
    source = torch.where(t < lengths[:, None], lengths[:, None] - 1 - t, t)
    index = source.reshape(source.shape + (1,) * (x.dim() - 2)).expand(x.shape)
    return to_numpy(torch.gather(x, 1, index))


def last_hidden_reference(hs, lengths) -> np.ndarray:
    """hs[b, lengths[b] - 1] for every row b (torch.gather); lengths must be >= 1."""
    hs = to_torch(hs)
    index = torch.tensor(np.array(lengths, dtype=np.int64)).sub(1).clamp(min=0)
    return to_numpy(torch.gather(hs, 1, index[:, None, None].expand(-1, 1, hs.shape[2])).squeeze(1))


def valid_mask(lengths, T: int) -> np.ndarray:
    """(B, T) booleans: True at the steps t < lengths[b] that hold data."""
    lengths, t = _steps(lengths, T)
    return (t < lengths[:, None]).numpy()


def masked_mean_reference(hs, lengths) -> np.ndarray:
    """The mean of hs[b, :lengths[b]] for every row; zeros for a row of length 0."""
    hs = to_torch(hs)
    mask = torch.as_tensor(valid_mask(lengths, hs.shape[1]), dtype=hs.dtype)
    total = torch.einsum("bt,bth->bh", mask, hs)
    return to_numpy(total / mask.sum(1, keepdim=True).clamp(min=1.0))


def masked_max_reference(hs, lengths) -> np.ndarray:
    """The largest value of every unit over the valid steps of each row (max pooling); lengths >= 1."""
    hs = to_torch(hs)
    mask = torch.as_tensor(valid_mask(lengths, hs.shape[1]))
    return to_numpy(hs.masked_fill(~mask[:, :, None], -torch.inf).amax(1))


def padded_batch(rng: np.random.Generator, lengths, features: int, pad_value: float | None = None) -> np.ndarray:
    """Random (B, max(lengths), features) data; the padding holds `pad_value`, or more random numbers if None, so
    that a function reading it is caught."""
    lengths = np.asarray(lengths)
    x = rng.normal(size=(len(lengths), int(max(lengths.max(initial=0), 1)), features))
    if pad_value is not None:
        x[~valid_mask(lengths, x.shape[1])] = pad_value
    return x


# --- likely mistakes of the graded numpy functions ------------------------------------------------------------


def reverse_padded_mistakes(x, lengths) -> dict[str, np.ndarray]:
    x, lengths = np.asarray(x), np.asarray(lengths)
    whole = x[:, ::-1].copy()
    one_short = reverse_padded_reference(x, np.maximum(lengths - 1, 0))
    zeroed = reverse_padded_reference(x, lengths)
    zeroed[~valid_mask(lengths, x.shape[1])] = 0.0
    return {
        "you reversed whole rows, padding included: the padding moved to the front. Reverse only the first "
        "lengths[b] steps of row b": whole,
        "one step short (off by one): row b must reverse all of its lengths[b] steps, x[b, lengths[b]-1] goes to 0":
            one_short,
        "the padding must be left untouched (copied as it is), not set to zero": zeroed,
        "you reversed along the wrong axis: time is axis 1": _features_reversed(x, lengths) if x.ndim > 2 else None,
        "you used the rows' lengths in the wrong order: row b reverses lengths[b] steps":
            reverse_padded_reference(x, lengths[::-1]) if len(lengths) > 1 else None,
    }


def _features_reversed(x, lengths) -> np.ndarray:
    out = np.array(x, dtype=np.float64)
    valid = valid_mask(lengths, x.shape[1])
    out[valid] = out[valid][:, ::-1]
    return out


def last_hidden_mistakes(hs, lengths) -> dict[str, np.ndarray]:
    hs, lengths = np.asarray(hs), np.asarray(lengths)
    T = hs.shape[1]
    return {
        "you returned hs[:, -1], the state at the last padded step: for a short sequence that is padding, "
        "not its last state": hs[:, -1].copy(),
        "off by one: the last valid state of row b is hs[b, lengths[b] - 1]":
            last_hidden_reference(hs, np.minimum(lengths + 1, T)),
        "you returned the first state hs[:, 0]": hs[:, 0].copy(),
        "every row used the longest length: take lengths[b] for row b":
            last_hidden_reference(hs, np.full_like(lengths, lengths.max())),
        "you averaged the valid states; last_hidden returns the state at the last valid step":
            masked_mean_reference(hs, lengths),
    }


def masked_mean_mistakes(hs, lengths) -> dict[str, np.ndarray]:
    hs, lengths = np.asarray(hs), np.asarray(lengths)
    T = hs.shape[1]
    mask = valid_mask(lengths, T)[:, :, None]
    sums = (hs * mask).sum(1)
    return {
        "your mean includes the padded steps: average over the first lengths[b] steps only": hs.mean(1),
        "you divided the valid steps' sum by T, the padded length, instead of by lengths[b]": sums / T,
        "you divided by lengths[b] but summed over every step, padding included":
            hs.sum(1) / np.maximum(lengths, 1)[:, None],
        "off by one: the valid steps are t = 0 .. lengths[b] - 1, so step lengths[b] is padding":
            (hs * valid_mask(np.minimum(lengths + 1, T), T)[:, :, None]).sum(1) / np.maximum(lengths, 1)[:, None],
        "you returned the last valid state; masked_mean averages the valid states":
            last_hidden_reference(hs, np.maximum(lengths, 1)),
        "you divided by the longest length, not by each row's own": sums / max(int(lengths.max()), 1),
    }


# --- the bidirectional module: torch's own layers as the reference ----------------------------------------------


TORCH_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def layer_state(state: dict, num_layers: int) -> dict[str, torch.Tensor]:
    """The weights of a bidirectional torch layer found in a module's state_dict, whatever prefix they carry
    (e.g. 'rnn.weight_ih_l0' -> 'weight_ih_l0'); a clear AssertionError if some are missing or doubled."""
    wanted = [f"{name}_l{layer}{suffix}" for layer in range(num_layers) for suffix in ("", "_reverse")
              for name in TORCH_NAMES]
    found = {}
    for key, value in state.items():
        short = key.rsplit(".", 1)[-1]
        if short in wanted:
            if short in found:
                raise AssertionError(f"your module holds two tensors named {short}: keep one bidirectional layer")
            found[short] = torch.as_tensor(value).detach()
    missing = [name for name in wanted if name not in found]
    if missing:
        raise AssertionError(f"your module's state_dict lacks {missing[:4]}{' ...' if len(missing) > 4 else ''}: "
                             "keep one torch bidirectional layer (e.g. self.rnn) with num_layers layers")
    return found


def bidirectional_layer(cell: str, input_size: int, hidden_size: int, num_layers: int, state: dict) -> torch.nn.Module:
    """torch's own bidirectional nn.RNN / nn.GRU / nn.LSTM in float64, holding the weights of `state`."""
    layer = LAYERS[cell](input_size, hidden_size, num_layers=num_layers, batch_first=True, bidirectional=True)
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


def birnn_mistakes(layer: torch.nn.Module, x, lengths) -> dict[str, dict[str, np.ndarray]]:
    """What a bidirectional module's (outputs, final) would be after each likely mistake, for `layer`'s weights."""
    x_t = to_torch(x)
    lengths = np.asarray(lengths)
    T = x_t.shape[1]
    right_out, right_final = run_one_by_one(layer, x, lengths)
    H = layer.hidden_size
    with torch.no_grad():
        out, state = layer(x_t)  # the padded batch as it is: the backward direction starts in the padding
    h_n = state[0] if isinstance(state, tuple) else state
    unpacked_out = to_numpy(out)
    unpacked_final = to_numpy(torch.cat([h_n[-2], h_n[-1]], dim=-1))
    rows = np.arange(len(lengths))
    backward_at_end = right_out[rows, lengths - 1].copy()
    found = {
        "no packing: run on the padded batch as it is, the backward direction starts in the padding and the "
        "forward one reads past the end; pack it with pack_padded_sequence": {
            "outputs": unpacked_out, "final": unpacked_final},
        "final is outputs[:, -1], the padded last step: zero (padding) for every shorter sequence": {
            "final": right_out[:, -1].copy()},
        "the two directions are concatenated in the wrong order: forward first, then backward": {
            "final": np.concatenate([right_final[:, H:], right_final[:, :H]], axis=1)},
        "the backward half of final must be the backward state after reading step 0, not the one at the last "
        "valid step": {"final": np.concatenate([right_final[:, :H], backward_at_end[:, H:]], axis=1)},
        "the outputs at padded steps must be zero": {"outputs": np.where(valid_mask(lengths, T)[:, :, None],
                                                                         right_out, unpacked_out)},
    }
    if len(set(lengths.tolist())) > 1:
        order = np.argsort(-lengths, kind="stable")
        found["the rows come back sorted by length: with enforce_sorted=True you must put them back in the "
              "batch's order (or pass enforce_sorted=False)"] = {"outputs": right_out[order], "final": right_final[order]}
    if layer.num_layers > 1:
        found["final must come from the last layer: h_n[-2] and h_n[-1], not h_n[0] and h_n[1]"] = {
            "final": _first_layer_final(layer, x_t, lengths)}
    return found


def _first_layer_final(layer, x_t, lengths) -> np.ndarray:
    finals = []
    with torch.no_grad():
        for b, length in enumerate(lengths):
            _, state = layer(x_t[b : b + 1, : int(length)])
            h_n = state[0] if isinstance(state, tuple) else state
            finals.append(torch.cat([h_n[0, 0], h_n[1, 0]]))
    return to_numpy(torch.stack(finals))


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


# --- the two tasks: data --------------------------------------------------------------------------------------


@cache
def surname_data(seed: int = 0) -> data.Surnames:
    return data.surnames(seed)


def surname_tensors(part: str, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Character ids (N, T) int64 padded with 0, lengths (N,) and labels (N,) of one part of the split."""
    surnames = surname_data(seed)
    names, labels = surnames.subset(part)
    ids, lengths = surnames.encode(names)
    return torch.as_tensor(ids), torch.as_tensor(lengths), torch.as_tensor(labels)


LETTERS = "abcdefghijklmnopqrstuvwxyz"
WINDOW = 40


@cache
def docs_words() -> tuple[str, ...]:
    """The words of CPython's help topics, lower-cased, letters a-z only (everything else separates words)."""
    return tuple(re.findall(r"[a-z]+", data.python_docs_text().lower()))


def squash(words) -> tuple[str, np.ndarray]:
    """Words run together without spaces, and labels (1 where a word starts, else 0)."""
    text = "".join(words)
    starts = np.zeros(len(text), dtype=np.int64)
    starts[np.cumsum([0] + [len(w) for w in words[:-1]])] = 1
    return text, starts


def letters_of(text: str) -> list[str]:
    """A typed sentence as words of letters a-z (lower-cased; anything else separates words)."""
    return re.findall(r"[a-z]+", text.lower())


@cache
def boundary_windows(part: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Windows of WINDOW letters (ids (N, WINDOW), labels (N, WINDOW)): the first 90% of the words train, the
    rest test, so no test text was seen in training."""
    words = docs_words()
    cut = int(0.9 * len(words))
    text, starts = squash(words[:cut] if part == "train" else words[cut:])
    n = len(text) // WINDOW
    ids, _ = data.encode_texts([text[: n * WINDOW]], LETTERS)
    return torch.as_tensor(ids.reshape(n, WINDOW)), torch.as_tensor(starts[: n * WINDOW].reshape(n, WINDOW))


# --- models ---------------------------------------------------------------------------------------------------


class CharClassifier(torch.nn.Module):
    """Characters -> embedding (16) -> GRU (one- or bidirectional, packed) -> linear readout of
    [final state, mean of the valid outputs]. `features` gives the padded outputs and the readout's input."""

    def __init__(self, alphabet_size: int, classes: int, hidden_size: int = 64, bidirectional: bool = False,
                 embedding: int = 16):
        super().__init__()
        self.hidden_size, self.bidirectional = hidden_size, bidirectional
        self.embed = torch.nn.Embedding(alphabet_size + 1, embedding, padding_idx=data.PAD)
        self.rnn = torch.nn.GRU(embedding, hidden_size, batch_first=True, bidirectional=bidirectional)
        directions = 2 if bidirectional else 1
        self.head = torch.nn.Linear(2 * directions * hidden_size, classes)

    def states(self, ids, lengths) -> tuple[torch.Tensor, torch.Tensor]:
        """Padded outputs (B, T, D*H), zero at padding, and the final states (B, D*H) from h_n."""
        packed = pack_padded_sequence(self.embed(ids), torch.as_tensor(lengths).cpu(), batch_first=True,
                                      enforce_sorted=False)
        packed_out, h_n = self.rnn(packed)
        outputs, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=ids.shape[1])
        return outputs, torch.cat(list(h_n), dim=-1)

    def forward(self, ids, lengths) -> torch.Tensor:
        outputs, final = self.states(ids, lengths)
        pooled = outputs.sum(1) / torch.as_tensor(lengths, dtype=outputs.dtype)[:, None]
        return self.head(torch.cat([final, pooled], dim=-1))


class CharTagger(torch.nn.Module):
    """Letters -> embedding (16) -> GRU (one- or bidirectional) -> a logit for "a word starts here" at every step."""

    def __init__(self, hidden_size: int = 64, bidirectional: bool = False, embedding: int = 16):
        super().__init__()
        self.hidden_size, self.bidirectional = hidden_size, bidirectional
        self.embed = torch.nn.Embedding(len(LETTERS) + 1, embedding, padding_idx=data.PAD)
        self.rnn = torch.nn.GRU(embedding, hidden_size, batch_first=True, bidirectional=bidirectional)
        self.head = torch.nn.Linear((2 if bidirectional else 1) * hidden_size, 1)

    def forward(self, ids) -> torch.Tensor:
        return self.head(self.rnn(self.embed(ids))[0]).squeeze(-1)

    def directions(self) -> tuple[torch.nn.GRU, torch.nn.GRU | None]:
        """The forward and (if bidirectional) backward direction as one-directional float64 GRUs."""
        made = []
        for suffix in ("", "_reverse") if self.bidirectional else ("",):
            gru = torch.nn.GRU(self.rnn.input_size, self.hidden_size, batch_first=True).double()
            with torch.no_grad():
                for name in TORCH_NAMES:
                    getattr(gru, f"{name}_l0").copy_(getattr(self.rnn, f"{name}_l0{suffix}"))
            made.append(gru.eval())
        return made[0], (made[1] if len(made) > 1 else None)

    def readout(self, states: np.ndarray) -> np.ndarray:
        """Boundary probabilities from states (..., D*H), numpy."""
        weight, bias = (p.detach().double() for p in (self.head.weight, self.head.bias))
        return to_numpy(torch.sigmoid(torch.nn.functional.linear(to_torch(states), weight, bias).squeeze(-1)))


def parameter_count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# --- training, metrics, baselines -----------------------------------------------------------------------------


@dataclass
class Run:
    model: torch.nn.Module
    steps: int = 0
    seconds: float = 0.0
    history: list[tuple[int, float]] = field(default_factory=list)  # (step, held-out score)


def train_classifier(bidirectional: bool, steps: int = 1500, hidden_size: int = 64, batch_size: int = 64,
                     lr: float = 3e-3, seed: int = 0, eval_every: int = 250) -> Run:
    """Train a CharClassifier on the surnames' training part with Adam; the validation accuracy is recorded."""
    surnames = surname_data()
    ids, lengths, labels = surname_tensors("train")
    val = surname_tensors("validation")
    rng = np.random.default_rng(seed)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = CharClassifier(len(surnames.alphabet), len(surnames.languages), hidden_size, bidirectional)
    return _train(model, steps, lr, eval_every, lambda: rng.integers(0, len(labels), batch_size),
                  lambda b: torch.nn.functional.cross_entropy(model(ids[b], lengths[b]), labels[b]),
                  lambda: classifier_accuracy(model, *val))


def train_tagger(bidirectional: bool, steps: int = 600, hidden_size: int = 64, batch_size: int = 64, lr: float = 3e-3,
                 seed: int = 0, eval_every: int = 100) -> Run:
    """Train a CharTagger on windows of the help topics' first 90% (binary cross-entropy at every letter)."""
    ids, labels = boundary_windows("train")
    test = boundary_windows("test")
    rng = np.random.default_rng(seed)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = CharTagger(hidden_size, bidirectional)
    return _train(model, steps, lr, eval_every, lambda: rng.integers(0, len(labels), batch_size),
                  lambda b: torch.nn.functional.binary_cross_entropy_with_logits(model(ids[b]), labels[b].float()),
                  lambda: boundary_scores(model, *test)["f1"])


def _train(model, steps, lr, eval_every, batch, loss_of, score) -> Run:
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    run = Run(model)
    start = time.perf_counter()
    for step in range(1, steps + 1):
        model.train()
        loss = loss_of(torch.as_tensor(batch()))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % eval_every == 0 or step == steps:
            model.eval()
            run.history.append((step, score()))
    run.steps, run.seconds = steps, time.perf_counter() - start
    model.eval()
    return run


def classifier_accuracy(model, ids, lengths, labels) -> float:
    with torch.no_grad():
        return float((model(ids, lengths).argmax(-1) == labels).float().mean())


def boundary_scores(model, ids, labels) -> dict[str, float]:
    """Accuracy per letter, and precision, recall and F1 of "a word starts here" (the first letter of a window
    always starts something, so it is left out of the counts)."""
    with torch.no_grad():
        predicted = (model(ids) > 0)[:, 1:]
    return boundary_f1(predicted.numpy(), labels[:, 1:].numpy())


def boundary_f1(predicted, truth) -> dict[str, float]:
    predicted, truth = np.asarray(predicted, dtype=bool), np.asarray(truth, dtype=bool)
    hits = int((predicted & truth).sum())
    precision = hits / max(int(predicted.sum()), 1)
    recall = hits / max(int(truth.sum()), 1)
    f1 = 2 * hits / max(int(predicted.sum() + truth.sum()), 1)
    return {"accuracy": float((predicted == truth).mean()), "precision": precision, "recall": recall, "f1": f1}


def majority_accuracy(part: str = "test") -> float:
    """Always answering the training part's most frequent language."""
    _, _, train_labels = surname_tensors("train")
    _, _, labels = surname_tensors(part)
    common = Counter(train_labels.tolist()).most_common(1)[0][0]
    return float((labels == common).float().mean())


def bag_of_characters(ids) -> torch.Tensor:
    """How often each character occurs in each name (order thrown away), as a fraction of its length."""
    counts = torch.zeros(len(ids), int(ids.max()) + 1 if len(ids) else 1)
    counts.scatter_add_(1, ids, torch.ones_like(ids, dtype=torch.float32))
    counts[:, data.PAD] = 0.0
    return counts / counts.sum(1, keepdim=True).clamp(min=1.0)


def bag_of_characters_accuracy(part: str = "test", steps: int = 300, seed: int = 0) -> float:
    """A logistic regression on character frequencies (and the length), full batch, Adam: no order at all."""
    alphabet = len(surname_data().alphabet)

    def features(ids, lengths):
        bag = torch.zeros(len(ids), alphabet + 1)
        bag[:, : ids.max() + 1] = bag_of_characters(ids)
        return torch.cat([bag, lengths[:, None].float() / 10], dim=1)

    ids, lengths, labels = surname_tensors("train")
    x = features(ids, lengths)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        linear = torch.nn.Linear(x.shape[1], len(surname_data().languages))
    optimizer = torch.optim.Adam(linear.parameters(), lr=0.05)
    for _ in range(steps):
        loss = torch.nn.functional.cross_entropy(linear(x), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    test_ids, test_lengths, test_labels = surname_tensors(part)
    with torch.no_grad():
        return float((linear(features(test_ids, test_lengths)).argmax(-1) == test_labels).float().mean())


def tagger_states(model: CharTagger, ids, lengths) -> np.ndarray:
    """The tagger's outputs on a padded batch, packed, as numpy float64 (B, T, D*H), zero at padding."""
    with torch.no_grad():
        packed = pack_padded_sequence(model.embed(ids).double(), torch.as_tensor(lengths).cpu(), batch_first=True,
                                      enforce_sorted=False)
        rnn = LAYERS["gru"](model.rnn.input_size, model.hidden_size, batch_first=True,
                            bidirectional=model.bidirectional).double()
        rnn.load_state_dict({k: v.double() for k, v in model.rnn.state_dict().items()})
        out, _ = pad_packed_sequence(rnn(packed)[0], batch_first=True, total_length=ids.shape[1])
    return to_numpy(out)


def embeddings(model: CharTagger, ids) -> np.ndarray:
    with torch.no_grad():
        return to_numpy(model.embed(torch.as_tensor(ids)).double())


def run_direction(gru: torch.nn.GRU, x) -> np.ndarray:
    """A one-directional float64 GRU over a numpy batch (B, T, D), from zero; outputs (B, T, H)."""
    with torch.no_grad():
        return to_numpy(gru(to_torch(x))[0])


class EncoderClassifier(torch.nn.Module):
    """Characters -> embedding -> any encoder(x, lengths) returning (outputs, final) -> linear readout of final.
    The lesson plugs the learner's BiRNN in as the encoder."""

    def __init__(self, encoder: torch.nn.Module, final_size: int, alphabet_size: int, classes: int, embedding: int = 16):
        super().__init__()
        self.embed = torch.nn.Embedding(alphabet_size + 1, embedding, padding_idx=data.PAD)
        self.encoder = encoder
        self.head = torch.nn.Linear(final_size, classes)

    def forward(self, ids, lengths) -> torch.Tensor:
        return self.head(self.encoder(self.embed(ids), lengths)[1])


def train_encoder_classifier(encoder: torch.nn.Module, final_size: int, steps: int = 300, batch_size: int = 64,
                             lr: float = 5e-3, seed: int = 0) -> tuple[Run, float]:
    """Train an EncoderClassifier around `encoder` on the surnames; returns the run and the test accuracy."""
    surnames = surname_data()
    ids, lengths, labels = surname_tensors("train")
    rng = np.random.default_rng(seed)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = EncoderClassifier(encoder, final_size, len(surnames.alphabet), len(surnames.languages))
    run = _train(model, steps, lr, steps, lambda: rng.integers(0, len(labels), batch_size),
                 lambda b: torch.nn.functional.cross_entropy(model(ids[b], lengths[b]), labels[b]),
                 lambda: classifier_accuracy(model, *surname_tensors("validation")))
    return run, classifier_accuracy(model, *surname_tensors("test"))


def test_sentences(count: int = 8, seed: int = 0) -> list[str]:
    """`count` stretches of 3 to 9 words from the held-out end of the help topics, as sentences with spaces."""
    words = docs_words()
    start = int(0.9 * len(words))
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        first = int(rng.integers(start, len(words) - 10))
        out.append(" ".join(words[first : first + int(rng.integers(3, 10))]))
    return out


def check_birnn(BiRNN, cell: str, input_size: int, hidden_size: int, num_layers: int, lengths,
                rng: np.random.Generator, total_length: int | None = None) -> None:
    """Test a learner's BiRNN class: build it, convert it to float64, run it on a padded batch with random numbers
    in the padding, and compare (outputs, final) with torch's own bidirectional layer holding the module's
    weights, run on each sequence alone. A failure names the likely mistake."""
    from utils import checks

    lengths = np.asarray(lengths, dtype=np.int64)
    T = int(total_length or lengths.max())
    x = rng.normal(size=(len(lengths), T, input_size))
    what = (f"BiRNN({input_size}, {hidden_size}, num_layers={num_layers}, cell={cell!r}) on lengths "
            f"{lengths.tolist()} padded to T={T}")
    model = BiRNN(input_size, hidden_size, num_layers=num_layers, cell=cell)
    model = model.double()
    result = model(torch.tensor(x), torch.tensor(lengths))
    got = expect_outputs_and_final(result, len(lengths), T, hidden_size, what)
    layer = bidirectional_layer(cell, input_size, hidden_size, num_layers, model.state_dict())
    outputs, final = run_one_by_one(layer, x, lengths)
    found = birnn_mistakes(layer, x, lengths)
    for name, expected in (("final", final), ("outputs", outputs)):
        checks.expect_close(got[name], expected, f"{what}: {name}",
                            mistakes={message: wrong.get(name) for message, wrong in found.items()},
                            rtol=1e-6, atol=1e-9)
