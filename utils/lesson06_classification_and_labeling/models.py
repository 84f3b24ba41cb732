"""Lesson 06's models: a surname classifier (a GRU left to right, or the learner's BiRNN) and a word-boundary tagger
(GRU, one- or bidirectional, over unpadded windows), an encoder classifier around any (outputs, final) encoder such
as the learner's BiRNN, a bag-of-characters baseline, and the float64 helpers the explorers use to look inside the
tagger."""

from __future__ import annotations

import numpy as np
import torch

from utils import data
from utils.lesson06_classification_and_labeling.tasks import LETTERS
from utils.models import to_numpy, to_torch, valid_mask

TORCH_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")  # one torch recurrent layer's tensors, per layer


def masked_max(hs, lengths) -> np.ndarray:
    """The largest value of every unit over the valid steps of each row (max pooling); lengths >= 1."""
    hs = to_torch(hs)
    return to_numpy(hs.masked_fill(~valid_mask(lengths, hs.shape[1])[:, :, None], -torch.inf).amax(1))


class CharClassifier(torch.nn.Module):
    """Characters -> embedding (16) -> GRU -> linear readout of [final state, mean of the valid outputs].

    One-directional (`birnn` None): a GRU read left to right over the padded batch, whose outputs at the valid steps
    do not depend on the padding after them. Bidirectional: the encoder is `birnn(16, hidden_size, 1, "gru")`, a
    class with the lesson's BiRNN contract (the learner's; the committed weights load into it, see
    `load_committed`). `states` gives the padded outputs (zero at padding) and the final states."""

    def __init__(self, alphabet_size: int, classes: int, hidden_size: int = 64, birnn=None, embedding: int = 16):
        super().__init__()
        self.hidden_size, self.bidirectional = hidden_size, birnn is not None
        self.embed = torch.nn.Embedding(alphabet_size + 1, embedding, padding_idx=data.PAD)
        if birnn is None:
            self.rnn = torch.nn.GRU(embedding, hidden_size, batch_first=True)
        else:
            self.encoder = birnn(embedding, hidden_size, 1, "gru")
        directions = 2 if self.bidirectional else 1
        self.head = torch.nn.Linear(2 * directions * hidden_size, classes)

    def states(self, ids, lengths) -> tuple[torch.Tensor, torch.Tensor]:
        """Padded outputs (B, T, D*H), zero at padding, and the final states (B, D*H)."""
        if self.bidirectional:
            return self.encoder(self.embed(ids), torch.as_tensor(lengths))
        lengths = torch.as_tensor(lengths)
        outputs = self.rnn(self.embed(ids))[0] * valid_mask(lengths, ids.shape[1])[:, :, None]
        return outputs, outputs[torch.arange(len(lengths)), lengths - 1]

    def forward(self, ids, lengths) -> torch.Tensor:
        outputs, final = self.states(ids, lengths)
        pooled = outputs.sum(1) / torch.as_tensor(lengths, dtype=outputs.dtype)[:, None]
        return self.head(torch.cat([final, pooled], dim=-1))

    def committed_state(self) -> dict[str, torch.Tensor]:
        """The state_dict under the committed file's names (see `committed_name`)."""
        return {committed_name(name): value for name, value in self.state_dict().items()}

    def load_committed(self, state: dict) -> CharClassifier:
        """Load a state_dict saved under the committed names, whatever the encoder calls its torch layer."""
        self.load_state_dict({name: state[committed_name(name)] for name in self.state_dict()})
        return self


def committed_name(name: str) -> str:
    """A classifier's tensor as the committed file names it: embed.* and head.* as they are, the recurrent layer's
    as rnn.<torch's name> (a BiRNN's 'encoder.rnn.weight_ih_l0_reverse' -> 'rnn.weight_ih_l0_reverse')."""
    return name if name.startswith(("embed.", "head.")) else "rnn." + name.rsplit(".", 1)[-1]


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


def embeddings(model: CharTagger, ids) -> np.ndarray:
    with torch.no_grad():
        return to_numpy(model.embed(torch.as_tensor(ids)).double())


def run_direction(gru: torch.nn.GRU, x) -> np.ndarray:
    """A one-directional float64 GRU over a numpy batch (B, T, D), from zero; outputs (B, T, H)."""
    with torch.no_grad():
        return to_numpy(gru(to_torch(x))[0])
class BagOfCharacters:
    """A language classifier for surnames that ignores order: multinomial logistic regression on the counts of
    characters and, with `pairs`, of character pairs (with the word's boundaries), fitted by L-BFGS with a small L2
    penalty. Lesson 06's baseline counts characters only; lesson 07's judge of generated names counts pairs too."""

    def __init__(self, alphabet: str, classes: int, pairs: bool = True):
        self.alphabet, self.classes, self.pairs = alphabet, classes, pairs
        self.index = {ch: i for i, ch in enumerate("^$" + alphabet)}
        size = len(self.index)
        self.features = size + size * size * pairs
        self.weight = torch.zeros(self.features, classes, dtype=torch.float64)
        self.bias = torch.zeros(classes, dtype=torch.float64)

    def featurise(self, names) -> torch.Tensor:
        size = len(self.index)
        x = np.zeros((len(names), self.features))
        for row, name in enumerate(names):
            chars = [self.index[c] for c in "^" + name + "$"]
            for c in chars[1:-1]:
                x[row, c] += 1
            for a, b in zip(chars[:-1], chars[1:], strict=True) if self.pairs else ():
                x[row, size + a * size + b] += 1
        return torch.as_tensor(x)

    def fit(self, names, labels, l2: float = 1e-3, iterations: int = 200) -> BagOfCharacters:
        x, y = self.featurise(names), torch.as_tensor(np.asarray(labels))
        weight = torch.zeros_like(self.weight, requires_grad=True)
        bias = torch.zeros_like(self.bias, requires_grad=True)
        optimizer = torch.optim.LBFGS([weight, bias], max_iter=iterations, line_search_fn="strong_wolfe")

        def closure():
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(x @ weight + bias, y) + l2 * (weight**2).sum()
            loss.backward()
            return loss

        optimizer.step(closure)
        self.weight, self.bias = weight.detach(), bias.detach()
        return self

    def predict(self, names) -> np.ndarray:
        return (self.featurise(names) @ self.weight + self.bias).argmax(dim=1).numpy()

    def state(self) -> dict:
        return {"weight": self.weight.float(), "bias": self.bias.float()}

    def load(self, state: dict) -> BagOfCharacters:
        self.weight, self.bias = state["weight"].double(), state["bias"].double()
        return self
