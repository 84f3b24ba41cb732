"""Lesson 07, language models: the corpora, their vocabularies, the course's own models, baselines and measurements.

Corpora (nothing is downloaded):
    python docs  CPython's pydoc help topics (`data.python_docs_text()`), about 465,000 characters, cut into three
                 contiguous blocks: train (first 90 %), validation (next 5 %), test (last 5 %). The vocabulary is
                 newline plus the 95 printable ASCII characters; the ~600 other characters (curly quotes, dashes,
                 "ß") all map to one "unknown" id 0, shown as UNKNOWN_GLYPH.
    surnames     `data.surnames()`: lower-cased surnames with one of 12 languages, for generation conditioned on
                 the language (one-to-many).

The models here are the course's own (trained by `python -m utils.pretrained_language`); the learner writes their
own `CharLM` and training loop in the lesson. Sampling here uses torch (torch.multinomial), never numpy.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import torch
from torch import nn

from utils import checks, data, reference, training

# --- The python-docs corpus ---------------------------------------------------------------------------------------

CHARS = "\n" + "".join(chr(code) for code in range(32, 127))  # id i + 1 is CHARS[i]
UNKNOWN = 0
UNKNOWN_GLYPH = "\u00a4"  # how the unknown id prints
VOCAB_SIZE = len(CHARS) + 1  # 97
SPLIT = (0.90, 0.05, 0.05)
_IDS = {ch: i + 1 for i, ch in enumerate(CHARS)}


def encode(text: str) -> np.ndarray:
    """Character ids, int64; characters outside CHARS become UNKNOWN (0)."""
    return np.fromiter((_IDS.get(ch, UNKNOWN) for ch in text), dtype=np.int64, count=len(text))


def decode(ids) -> str:
    """The text of character ids (UNKNOWN prints as UNKNOWN_GLYPH)."""
    return "".join(CHARS[i - 1] if i > 0 else UNKNOWN_GLYPH for i in np.asarray(ids, dtype=np.int64).ravel())


@dataclass(frozen=True)
class Corpus:
    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray

    @property
    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "validation": len(self.validation), "test": len(self.test)}


@cache
def docs_corpus() -> Corpus:
    """The python-docs text as ids, split into contiguous train / validation / test blocks (90 / 5 / 5 %)."""
    ids = encode(data.python_docs_text())
    cut1, cut2 = int(SPLIT[0] * len(ids)), int((SPLIT[0] + SPLIT[1]) * len(ids))
    return Corpus(ids[:cut1].copy(), ids[cut1:cut2].copy(), ids[cut2:].copy())


def unigram_bits(train: np.ndarray, evaluate: np.ndarray, vocab_size: int = VOCAB_SIZE) -> float:
    """Bits per character on `evaluate` of character frequencies counted on `train` (add-one smoothing)."""
    counts = np.bincount(train, minlength=vocab_size) + 1.0
    log_p = np.log2(counts / counts.sum())
    return float(-log_p[evaluate].mean())


def bigram_bits(train: np.ndarray, evaluate: np.ndarray, vocab_size: int = VOCAB_SIZE, alpha: float = 0.1) -> float:
    """Bits per character on `evaluate` of P(next | current) counted on `train` (add-alpha smoothing)."""
    counts = np.full((vocab_size, vocab_size), alpha)
    np.add.at(counts, (train[:-1], train[1:]), 1.0)
    log_p = np.log2(counts / counts.sum(axis=1, keepdims=True))
    return float(-log_p[evaluate[:-1], evaluate[1:]].mean())


# --- The course's model -------------------------------------------------------------------------------------------


class LockedDropout(nn.Module):
    """Variational dropout (Gal and Ghahramani 2016) on (B, T, D) activations: one mask per sequence, reused at every
    time step (standard dropout would draw a fresh mask at every step)."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        mask = x.new_empty(x.shape[0], 1, x.shape[2]).bernoulli_(1 - self.p) / (1 - self.p)
        return x * mask  # the (B, 1, D) mask broadcasts over time


class LanguageModel(nn.Module):
    """Embedding -> LSTM or GRU (batch first) -> linear head, with the same parameter names as the lesson's CharLM
    (`embedding`, `rnn`, `head`), so that its weights load into a learner's CharLM of the same sizes.

    With `conditions` > 0 it is a one-to-many generator: `condition` (an nn.Embedding) maps a category to the
    initial hidden state of every layer, tanh-squashed (the LSTM's cell state starts at zero).
    """

    def __init__(self, vocab_size: int, embed_size: int, hidden_size: int, num_layers: int = 1, cell: str = "lstm",
                 conditions: int = 0, dropout: float = 0.0):
        super().__init__()
        if cell not in ("lstm", "gru"):
            raise ValueError(f"unknown cell {cell!r}; choose 'lstm' or 'gru'")
        self.cell, self.num_layers, self.hidden_size = cell, num_layers, hidden_size
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = (nn.LSTM if cell == "lstm" else nn.GRU)(embed_size, hidden_size, num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)
        self.drop = LockedDropout(dropout)
        if conditions:
            self.condition = nn.Embedding(conditions, num_layers * hidden_size)

    def initial_state(self, condition: torch.Tensor):
        """The state (as torch's LSTM/GRU takes it) that starts a sequence of each category in `condition` (B,)."""
        h = torch.tanh(self.condition(condition)).view(-1, self.num_layers, self.hidden_size).transpose(0, 1)
        h = h.contiguous()
        return (h, torch.zeros_like(h)) if self.cell == "lstm" else h

    def forward(self, ids: torch.Tensor, state=None, condition: torch.Tensor | None = None):
        if state is None and condition is not None:
            state = self.initial_state(condition)
        outputs, state = self.rnn(self.drop(self.embedding(ids)), state)
        return self.head(self.drop(outputs)), state


def detach(state):
    """The state with its history cut off (a tensor, or a tuple of them)."""
    if state is None:
        return None
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


@torch.no_grad()
def stream_nll(model: nn.Module, ids: np.ndarray, streams: int = 8, chunk: int = 256) -> float:
    """Mean negative log-likelihood (nats per character) of `ids`, read as `streams` contiguous pieces in parallel
    with the state carried from chunk to chunk (every character but each piece's first is predicted)."""
    model.eval()
    length = (len(ids) - 1) // streams
    x = torch.as_tensor(np.stack([ids[k * length: (k + 1) * length] for k in range(streams)]))
    y = torch.as_tensor(np.stack([ids[k * length + 1: (k + 1) * length + 1] for k in range(streams)]))
    total, state = 0.0, None
    for start in range(0, length, chunk):
        logits, state = model(x[:, start: start + chunk], state)
        total += float(nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                   y[:, start: start + chunk].reshape(-1), reduction="sum"))
    return total / (streams * length)


def bits(nll_nats: float) -> float:
    """Nats per character to bits per character."""
    return nll_nats / math.log(2)


@dataclass
class DocsRun:
    model: LanguageModel
    steps: list[int] = field(default_factory=list)
    validation_bits: list[float] = field(default_factory=list)
    seconds: float = 0.0


def train_docs_model(hidden_size: int = 256, embed_size: int = 32, steps: int = 2400, batch_size: int = 32,
                     seq_len: int = 128, lr: float = 3e-3, clip: float = 1.0, seed: int = 0, eval_every: int = 200,
                     dropout: float = 0.0, cell: str = "lstm", log=None) -> DocsRun:
    """The course's character LSTM on the python docs: random windows of the training block (a fresh zero state
    each), Adam with the learning rate decayed linearly to a tenth, clipping to `clip`; validation bits/char
    measured every `eval_every` steps. Seeded; leaves torch's global random state as it found it."""
    corpus = docs_corpus()
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        generator = torch.Generator().manual_seed(seed)
        model = LanguageModel(VOCAB_SIZE, embed_size, hidden_size, cell=cell, dropout=dropout)
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda k: 1 - 0.9 * k / steps)
        train = torch.as_tensor(corpus.train)
        run = DocsRun(model)
        start = time.perf_counter()
        for step in range(1, steps + 1):
            model.train()
            offsets = torch.randint(0, len(train) - seq_len - 1, (batch_size,), generator=generator)
            windows = train[offsets[:, None] + torch.arange(seq_len + 1)]
            logits, _ = model(windows[:, :-1])
            loss = nn.functional.cross_entropy(logits.reshape(-1, VOCAB_SIZE), windows[:, 1:].reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), clip)
            optimizer.step()
            schedule.step()
            if step % eval_every == 0 or step == steps:
                run.steps.append(step)
                run.validation_bits.append(bits(stream_nll(model, corpus.validation)))
                if log:
                    log(f"step {step}: validation {run.validation_bits[-1]:.3f} bits/char "
                        f"({time.perf_counter() - start:.0f} s)")
        run.seconds = time.perf_counter() - start
    model.eval()
    return run


# --- Generation, exposure bias ------------------------------------------------------------------------------------


def probabilities(logits, temperature: float) -> np.ndarray:
    """softmax(logits / temperature) by torch (the argmax one-hot at temperature 0), for drawing distributions."""
    scores = np.array(logits, dtype=float)
    if temperature <= 0:
        one_hot = np.zeros_like(scores)
        np.put_along_axis(one_hot, scores.argmax(axis=-1)[..., None], 1.0, axis=-1)
        return one_hot
    return reference.softmax(scores / temperature)


@torch.no_grad()
def step_logits(model: nn.Module, ids: np.ndarray, state=None):
    """Feed `ids` (B, T) and return the logits after the last one, (B, V) float64, and the state."""
    logits, state = model(torch.as_tensor(np.asarray(ids, dtype=np.int64)), state)
    return logits[:, -1].double().numpy(), state


class FastStepper:
    """One-character steps of a one-layer LSTM LanguageModel in numpy float32 (about ten times faster than calling
    torch for a single character): for explorers that generate text while a slider moves."""

    def __init__(self, model: LanguageModel):
        weights = {name: value.detach().float().numpy() for name, value in model.state_dict().items()}
        self.embedding = weights["embedding.weight"]
        self.w_ih, self.w_hh = weights["rnn.weight_ih_l0"], weights["rnn.weight_hh_l0"]
        self.bias = weights["rnn.bias_ih_l0"] + weights["rnn.bias_hh_l0"]
        self.w_out, self.b_out = weights["head.weight"], weights["head.bias"]
        self.hidden = self.w_hh.shape[1]

    def start(self) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(self.hidden, np.float32), np.zeros(self.hidden, np.float32)

    def step(self, index: int, state) -> tuple[np.ndarray, tuple]:
        """Read character `index`; return the logits (V,) float64 for the next one and the new state (h, c)."""
        h, c = state
        a = self.w_ih @ self.embedding[index] + self.w_hh @ h + self.bias
        H = self.hidden
        i, f = 1 / (1 + np.exp(-a[:H])), 1 / (1 + np.exp(-a[H:2 * H]))
        g, o = np.tanh(a[2 * H:3 * H]), 1 / (1 + np.exp(-a[3 * H:]))
        c = f * c + i * g
        h = o * np.tanh(c)
        return (self.w_out @ h + self.b_out).astype(np.float64), (h, c)


@torch.no_grad()
def exposure_bias(model: nn.Module, ids: np.ndarray, prompts: int = 200, context: int = 64, horizon: int = 60,
                  seed: int = 0) -> dict[str, np.ndarray]:
    """Per-step loss on held-out text, teacher-forced against free-running.

    From `prompts` random places in `ids`, the model reads `context` true characters; then, for k = 1..horizon,
    it predicts character k of the true continuation. Teacher forced: it has read the true characters before k.
    Free running: it has read its own samples (temperature 1, drawn by torch) instead. Returns the mean loss (nats)
    at each k for both, and the share of free-running samples that equal the true character.
    """
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    starts = torch.randint(0, len(ids) - context - horizon - 1, (prompts,), generator=generator)
    windows = torch.as_tensor(np.asarray(ids))[starts[:, None] + torch.arange(context + horizon)]
    prefix, truth = windows[:, :context], windows[:, context:]
    logits, state = model(prefix[:, :-1])
    forced_logits, _ = model(torch.cat([prefix[:, -1:], truth[:, :-1]], dim=1), state)
    forced = nn.functional.cross_entropy(forced_logits.transpose(1, 2), truth, reduction="none").mean(0)
    free, same = [], []
    token = prefix[:, -1:]
    for k in range(horizon):
        step, state = model(token, state)
        step = step[:, -1]
        free.append(float(nn.functional.cross_entropy(step, truth[:, k])))
        token = torch.multinomial(torch.softmax(step, dim=-1), 1, generator=generator)
        same.append(float((token[:, 0] == truth[:, k]).float().mean()))
    return {"teacher_forced": forced.double().numpy(), "free_running": np.array(free), "agreement": np.array(same)}


def scheduled_sampling_probability(step, k: float = 200.0):
    """Bengio et al. (2015), inverse sigmoid decay: the probability of feeding the true token at training step i,
    eps_i = k / (k + exp(i / k))."""
    step = np.asarray(step, dtype=np.float64)
    return k / (k + np.exp(step / k))


def dropout_masks(rng: np.random.Generator, steps: int, units: int, p: float) -> dict[str, np.ndarray]:
    """Demo of the two dropout schemes on a (units, steps) grid of one sequence: 'standard' draws a new keep mask
    at every step; 'variational' draws one and keeps it for the whole sequence. 1 keeps a unit, 0 drops it."""
    standard = (rng.random((units, steps)) >= p).astype(float)
    variational = np.repeat((rng.random((units, 1)) >= p).astype(float), steps, axis=1)
    return {"standard": standard, "variational": variational}


# --- What single units track --------------------------------------------------------------------------------------


def text_features(text: str) -> dict[str, np.ndarray]:
    """Per character of `text`, 0/1 (or a fraction) features that single units are known to track (Karpathy,
    Johnson and Fei-Fei 2015): inside double quotes (on the line), inside parentheses or brackets, on an indented
    line, and the position in the line (column / 80)."""
    n = len(text)
    quotes, parens, indented, column = (np.zeros(n) for _ in range(4))
    in_quote, depth, col, line_indented = False, 0, 0, False
    for i, ch in enumerate(text):
        if ch == "\n":
            in_quote, col = False, 0
            line_indented = text[i + 1: i + 2] == " "
        else:
            col += 1
        if ch == '"':
            in_quote = not in_quote
        depth = max(0, depth + (ch in "([{") - (ch in ")]}"))
        quotes[i], parens[i], indented[i], column[i] = in_quote, depth > 0, line_indented, min(col, 80) / 80
    return {"inside quotes": quotes, "inside parentheses": parens, "indented line": indented,
            "position in line": column}


def correlations(states: np.ndarray, features: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Pearson correlation of every unit (columns of states (T, H)) with every feature (T,)."""
    centred = states - states.mean(axis=0)
    scale = np.sqrt((centred**2).sum(axis=0)) + 1e-12
    found = {}
    for name, feature in features.items():
        f = feature - feature.mean()
        found[name] = centred.T @ f / (scale * (np.sqrt((f**2).sum()) + 1e-12))
    return found


@torch.no_grad()
def cell_states(model: LanguageModel, ids: np.ndarray) -> np.ndarray:
    """tanh(c_t) of the LSTM's last layer (or h_t of a GRU) after each character of `ids`, shape (T, H)."""
    model.eval()
    x = model.embedding(torch.as_tensor(np.asarray(ids))[None])
    state, rows = None, []
    for t in range(x.shape[1]):  # one step at a time: torch's LSTM returns only the last cell state
        _, state = model.rnn(x[:, t: t + 1], state)
        rows.append(torch.tanh(state[1][-1, 0]) if model.cell == "lstm" else state[-1, 0])
    return torch.stack(rows).double().numpy()


def interpretable_units(model: LanguageModel, ids: np.ndarray) -> dict[str, dict]:
    """For each feature of `text_features`, the unit whose tanh(c) correlates most (in absolute value) with it."""
    states = cell_states(model, ids)
    found = {}
    for name, r in correlations(states, text_features(decode(ids))).items():
        unit = int(np.abs(r).argmax())
        found[name] = {"unit": unit, "r": float(r[unit])}
    return found


# --- Surnames: one-to-many generation conditioned on the language ---------------------------------------------------


@dataclass(frozen=True)
class SurnameVocab:
    """Surname characters with a boundary token: inputs start with it, targets end with it; 0 is padding."""

    alphabet: str

    @property
    def boundary(self) -> int:
        return len(self.alphabet) + 1

    @property
    def size(self) -> int:
        return len(self.alphabet) + 2

    def batch(self, names) -> tuple[np.ndarray, np.ndarray]:
        """(inputs, targets), both (N, T_max + 1): boundary + name, and name + boundary, padded with 0."""
        ids, lengths = data.encode_texts(names, self.alphabet)
        inputs = np.concatenate([np.full((len(names), 1), self.boundary), ids], axis=1)
        targets = np.concatenate([ids, np.zeros((len(names), 1), dtype=np.int64)], axis=1)
        targets[np.arange(len(names)), lengths] = self.boundary
        return inputs, targets

    def text(self, ids) -> str:
        out = []
        for i in ids:
            if i == self.boundary or i == 0:
                break
            out.append(self.alphabet[i - 1])
        return "".join(out)


def train_surname_model(conditioned: bool, hidden_size: int = 64, embed_size: int = 24, epochs: int = 12,
                        batch_size: int = 64, lr: float = 4e-3, seed: int = 0) -> tuple[LanguageModel, dict]:
    """A GRU generator of surnames; `conditioned`: its initial state is the language's embedding (12 categories);
    otherwise one learned initial state for all. Returns the model and its validation loss (nats/char)."""
    names = data.surnames()
    vocab = SurnameVocab(names.alphabet)
    train_names, train_labels = names.subset("train")
    x, y = (torch.as_tensor(a) for a in vocab.batch(train_names))
    labels = torch.as_tensor(train_labels if conditioned else np.zeros_like(train_labels))
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = LanguageModel(vocab.size, embed_size, hidden_size, cell="gru",
                              conditions=len(names.languages) if conditioned else 1)
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        start = time.perf_counter()
        for _ in range(epochs):
            model.train()
            for batch in torch.randperm(len(x)).split(batch_size):
                logits, _ = model(x[batch], condition=labels[batch])
                loss = nn.functional.cross_entropy(logits.transpose(1, 2), y[batch], ignore_index=0)
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
        seconds = time.perf_counter() - start
    model.eval()
    return model, {"validation_nll": surname_validation_nll(model, conditioned), "seconds": seconds,
                   "parameters": training.parameter_count(model)}


@torch.no_grad()
def surname_validation_nll(model: LanguageModel, conditioned: bool) -> float:
    """Mean NLL (nats per character, the end boundary included) of the validation surnames."""
    names = data.surnames()
    vocab = SurnameVocab(names.alphabet)
    val_names, val_labels = names.subset("validation")
    x, y = (torch.as_tensor(a) for a in vocab.batch(val_names))
    labels = torch.as_tensor(val_labels if conditioned else np.zeros_like(val_labels))
    logits, _ = model.eval()(x, condition=labels)
    return float(nn.functional.cross_entropy(logits.transpose(1, 2), y, ignore_index=0))


@torch.no_grad()
def generate_surnames(model: LanguageModel, vocab: SurnameVocab, conditions: np.ndarray, sampler, temperature: float,
                      rng: np.random.Generator, max_length: int = 16) -> list[str]:
    """One surname per entry of `conditions` (category ids), drawn step by step with `sampler(logits (B, V),
    temperature, rng)` (the learner's sample_with_temperature); padding and the boundary never start a name."""
    model.eval()
    n = len(conditions)
    token = torch.full((n, 1), vocab.boundary)
    state = model.initial_state(torch.as_tensor(np.asarray(conditions, dtype=np.int64)))
    drawn = np.zeros((n, max_length), dtype=np.int64)
    for t in range(max_length):
        logits, state = model(token, state)
        logits = logits[:, -1].double().numpy()
        logits[:, 0] = -1e9  # padding is never a character
        if t == 0:
            logits[:, vocab.boundary] = -1e9  # no empty names
        choice = np.asarray(sampler(logits, temperature, rng), dtype=np.int64).reshape(n)
        drawn[:, t] = choice
        token = torch.as_tensor(choice)[:, None]
    return [vocab.text(row) for row in drawn]


class BagOfCharacters:
    """A lesson-06-style language classifier for surnames: multinomial logistic regression on the counts of
    characters and character pairs (with the word's boundaries), fitted by L-BFGS with a small L2 penalty."""

    def __init__(self, alphabet: str, classes: int):
        self.alphabet, self.classes = alphabet, classes
        self.index = {ch: i for i, ch in enumerate("^$" + alphabet)}
        size = len(self.index)
        self.features = size + size * size
        self.weight = torch.zeros(self.features, classes, dtype=torch.float64)
        self.bias = torch.zeros(classes, dtype=torch.float64)

    def featurise(self, names) -> torch.Tensor:
        size = len(self.index)
        x = np.zeros((len(names), self.features))
        for row, name in enumerate(names):
            chars = [self.index[c] for c in "^" + name + "$"]
            for c in chars[1:-1]:
                x[row, c] += 1
            for a, b in zip(chars[:-1], chars[1:], strict=True):
                x[row, size + a * size + b] += 1
        return torch.as_tensor(x)

    def fit(self, names, labels, l2: float = 1e-3, iterations: int = 200) -> BagOfCharacters:
        x, y = self.featurise(names), torch.as_tensor(np.asarray(labels))
        weight = torch.zeros_like(self.weight, requires_grad=True)
        bias = torch.zeros_like(self.bias, requires_grad=True)
        optimizer = torch.optim.LBFGS([weight, bias], max_iter=iterations, line_search_fn="strong_wolfe")

        def closure():
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(x @ weight + bias, y) + l2 * (weight**2).sum()
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


# --- Checks for the lesson's test cells (they diagnose; they do not compute the answers) ---------------------------


def perplexity_mistakes(nll) -> dict[str, float]:
    """Likely wrong perplexities of per-token NLLs `nll`, by the message a test shows."""
    nll = np.asarray(nll, dtype=np.float64)
    return {
        "you returned the mean NLL itself; the perplexity is exp(mean NLL)": float(nll.mean()),
        "you averaged exp(NLL) token by token; take exp of the mean NLL (a geometric, not arithmetic, mean)":
            float(np.exp(nll).mean()),
        "you used 2 ** (mean NLL), but the NLL is in nats: the perplexity is e ** (mean NLL)": float(2.0 ** nll.mean()),
        "you took exp of the sum of the NLLs; use their mean (perplexity is per token)": float(np.exp(nll.sum())),
        "you returned exp(-mean NLL), the geometric-mean probability; perplexity is its inverse":
            float(np.exp(-nll.mean())),
    }


def expect_ids(samples, shape, vocab_size: int, what: str) -> np.ndarray:
    """`samples` as an int64 array of `shape` holding ids in 0..vocab_size-1; otherwise a clear AssertionError."""
    if samples is None:
        raise AssertionError(f"{what} returned None: did you forget the `return` statement?")
    array = np.asarray(samples)
    if array.dtype.kind == "f" and array.size and np.all(np.isfinite(array)) and np.all(array == np.round(array)):
        array = array.astype(np.int64)
    if array.dtype.kind not in "iu":
        raise AssertionError(f"{what} returned {array.dtype} values; expected integer ids (did you return the "
                             "probabilities instead of a draw?)")
    if array.shape != tuple(shape):
        raise AssertionError(f"{what} returned shape {array.shape}; expected {tuple(shape)} (one id per row of logits)")
    if array.size and (array.min() < 0 or array.max() >= vocab_size):
        raise AssertionError(f"{what} returned ids outside 0..{vocab_size - 1}")
    return array.astype(np.int64)


def _frequencies_match(freq: np.ndarray, p: np.ndarray, n: int) -> bool:
    return bool((np.abs(freq - p) <= 5 * np.sqrt(p * (1 - p) / n) + 2e-3).all())


def expect_samples(samples, logits, temperature: float, what: str) -> None:
    """Assert that the ids `samples` (n draws from one row `logits` at `temperature`) are distributed like
    softmax(logits / temperature), within 5 standard deviations per id; name a likely mistake otherwise."""
    row = np.array(logits, dtype=float)
    n, size = len(np.asarray(samples)), len(row)
    samples = expect_ids(samples, (n,), size, what)
    freq = np.bincount(samples, minlength=size) / n
    expected = probabilities(row, temperature)
    if _frequencies_match(freq, expected, n):
        return
    shifted = row - row.max()
    candidates = {
        "you multiplied the logits by the temperature; divide them by it (high temperature flattens)":
            reference.softmax(shifted * temperature),
        "your draws ignore the temperature: they follow softmax(logits)": reference.softmax(shifted),
        "you always return the most likely id; draw at random from softmax(logits / temperature)":
            probabilities(row, 0.0),
        "every id comes up about equally often: weight the draw by the probabilities": np.full(size, 1.0 / size),
    }
    for message, wrong in candidates.items():
        if not _frequencies_match(wrong, expected, n) and _frequencies_match(freq, wrong, n):
            raise AssertionError(f"{what}: {message}")
    worst = int(np.abs(freq - expected).argmax())
    raise AssertionError(f"{what}: id {worst} was drawn with frequency {freq[worst]:.3f}, but softmax(logits / "
                         f"temperature) gives it {expected[worst]:.3f} (over {n} draws)")


def check_bptt_batches(batches, expected: list, what: str) -> None:
    """Compare a learner's batches with the expected list of (inputs, targets) and say what is wrong."""
    if not isinstance(batches, (list, tuple)):
        raise AssertionError(f"{what} returned {type(batches).__name__}; expected a list of (inputs, targets) pairs")
    for k, (pair, (inputs, targets)) in enumerate(zip(batches, expected, strict=False)):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise AssertionError(f"{what}: batch {k} is not a pair (inputs, targets)")
        got_x, got_y = (np.asarray(a) for a in pair)
        if got_x.shape != inputs.shape or got_y.shape != targets.shape:
            hint = " (batch first: rows are streams, columns are time)" if got_x.shape == inputs.shape[::-1] else ""
            raise AssertionError(f"{what}: batch {k} has inputs of shape {got_x.shape} and targets of shape "
                                 f"{got_y.shape}; expected {inputs.shape}{hint}")
        if got_x.dtype.kind not in "iu" or got_y.dtype.kind not in "iu":
            raise AssertionError(f"{what}: batch {k} holds {got_x.dtype} / {got_y.dtype}; keep the integer ids")
        if np.array_equal(got_y, got_x):
            raise AssertionError(f"{what}: in batch {k} the targets equal the inputs, so the answer leaks into the "
                                 "input: the target at each position is the NEXT id")
        if not np.array_equal(got_x, inputs):
            if np.array_equal(got_x, targets) or np.array_equal(got_y[:, 1:], got_x[:, :-1]):
                raise AssertionError(f"{what}: batch {k} is shifted the wrong way: the inputs start at ids[b * L] "
                                     "and each target is the id AFTER its input")
            if k == 0:
                raise AssertionError(f"{what}: batch 0 has inputs {got_x.tolist()}; expected {inputs.tolist()}: "
                                     "each row must be one contiguous stream, L = (len(ids) - 1) // batch_size "
                                     "long, row b starting at ids[b * L]")
            raise AssertionError(f"{what}: batch {k} does not continue batch {k - 1} row by row: its inputs "
                                 f"start with {got_x[:, 0].tolist()}, expected {inputs[:, 0].tolist()}")
        if not np.array_equal(got_y, targets):
            raise AssertionError(f"{what}: the targets of batch {k} are {got_y.tolist()}; expected "
                                 f"{targets.tolist()} (each target is the id after its input)")
    if len(batches) != len(expected):
        raise AssertionError(f"{what} returned {len(batches)} batches; expected {len(expected)} (the last one may be "
                             "shorter: it holds what is left of each stream)")


CHARLM_KEYS = ("embedding.weight", "head.weight", "head.bias")


def charlm_reference(state_dict: dict, cell: str = "lstm") -> LanguageModel:
    """The course's LanguageModel (float32, eval mode) holding the weights of a learner's CharLM `state_dict`."""
    vocab_size, embed_size = state_dict["embedding.weight"].shape
    hidden_size = state_dict["rnn.weight_hh_l0"].shape[1]
    num_layers = sum(name.startswith("rnn.weight_hh_l") for name in state_dict)
    model = LanguageModel(vocab_size, embed_size, hidden_size, num_layers, cell)
    model.load_state_dict({name: torch.as_tensor(value).float() for name, value in state_dict.items()})
    return model.eval()


def expect_charlm_weights(state_dict, vocab_size, embed_size, hidden_size, num_layers, cell, what) -> None:
    """The parameter names and shapes of a CharLM: embedding, rnn (torch's LSTM or GRU), head."""
    if not isinstance(state_dict, dict):
        raise AssertionError(f"{what}: state_dict() did not return a dict of tensors")
    gates = 4 if cell == "lstm" else 3
    wanted = {"embedding.weight": (vocab_size, embed_size), "head.weight": (vocab_size, hidden_size),
              "head.bias": (vocab_size,)}
    for layer in range(num_layers):
        wanted[f"rnn.weight_ih_l{layer}"] = (gates * hidden_size, embed_size if layer == 0 else hidden_size)
        wanted[f"rnn.weight_hh_l{layer}"] = (gates * hidden_size, hidden_size)
        wanted[f"rnn.bias_ih_l{layer}"] = (gates * hidden_size,)
        wanted[f"rnn.bias_hh_l{layer}"] = (gates * hidden_size,)
    missing = sorted(set(wanted) - set(state_dict))
    extra = sorted(set(state_dict) - set(wanted))
    if missing or extra:
        raise AssertionError(f"{what}: the parameters must be named like {sorted(wanted)} (attributes embedding, rnn "
                             f"= nn.{'LSTM' if cell == 'lstm' else 'GRU'} with {num_layers} layer(s), head); missing "
                             f"{missing}, unexpected {extra}")
    for name, shape in wanted.items():
        if tuple(state_dict[name].shape) != shape:
            hint = ""
            if name.startswith("rnn.weight_hh") and state_dict[name].shape[0] != shape[0]:
                hint = f" (is it an nn.{'LSTM' if cell == 'lstm' else 'GRU'}? cell={cell!r} was asked for)"
            raise AssertionError(f"{what}: {name} has shape {tuple(state_dict[name].shape)}; expected {shape}{hint}")


def _as_array(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().double().numpy()
    return np.asarray(value, dtype=np.float64)


def _state_arrays(state, cell: str, what: str) -> list[np.ndarray]:
    if cell == "lstm":
        if not isinstance(state, (tuple, list)) or len(state) != 2:
            raise AssertionError(f"{what}: an LSTM's state is the pair (h, c) that nn.LSTM returns")
        return [_as_array(s) for s in state]
    if isinstance(state, (tuple, list)):
        raise AssertionError(f"{what}: a GRU's state is one tensor h, as nn.GRU returns it")
    return [_as_array(state)]


def check_char_lm(model, cell: str, ids: torch.Tensor, state, what: str):
    """Run a learner's CharLM on `ids` (and `state`) and compare logits and new state with the course's model holding
    the same weights; name a likely mistake. Returns the learner's (logits, state)."""
    weights = {name: torch.as_tensor(value).clone() for name, value in model.state_dict().items()}
    reference_model = charlm_reference(weights, cell)
    result = model(ids, state)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(f"{what}: forward must return a pair (logits, state)")
    logits, new_state = result
    with torch.no_grad():
        expected, expected_state = reference_model(ids, state)
        embedded = reference_model.embedding(ids)
        mistakes = {
            "you returned probabilities (a softmax); return the logits, the head's raw output": torch.softmax(
                expected, -1),
            "the LSTM/GRU must be built with batch_first=True (ids are (B, T))": None,
            "the head must read the recurrent outputs directly (no extra nonlinearity)":
                reference_model.head(torch.tanh(reference_model.rnn(embedded, state)[0])),
        }
        if state is not None:
            mistakes["your forward ignores the state it is given: pass it to the recurrent layer"] = reference_model(
                ids, None)[0]
        rnn = reference_model.rnn
        swapped = (nn.LSTM if cell == "lstm" else nn.GRU)(rnn.input_size, rnn.hidden_size, rnn.num_layers)
        swapped.load_state_dict(rnn.state_dict())
        if state is None:
            mistakes["the LSTM/GRU must be built with batch_first=True (ids are (B, T))"] = reference_model.head(
                swapped(embedded)[0])
    checks.expect_close(_as_array(logits), expected.double().numpy(), f"{what}, logits",
                        {m: (None if v is None else v.double().numpy()) for m, v in mistakes.items()},
                        rtol=1e-4, atol=1e-5)
    got = _state_arrays(new_state, cell, f"{what}, returned state")
    given = None if state is None else _state_arrays(state, cell, "the given state")
    for index, (value, target) in enumerate(zip(got, _state_arrays(expected_state, cell, "reference"), strict=True)):
        stale = np.zeros_like(target) if given is None else given[index]
        checks.expect_close(value, target, f"{what}, returned state {'hc'[index]}",
                            {"you returned the state you were given (or zeros), not the new one": stale},
                            rtol=1e-4, atol=1e-5)
    return logits, new_state


def call_training(train, *args):
    """Call the learner's training loop; turn the error of a state that was not detached into a clear message."""
    try:
        return train(*args)
    except Exception as error:
        if "backward through the graph a second time" in str(error):
            raise AssertionError("train_language_model tried to backpropagate into the previous batch: detach the "
                                 "state after each step (state.detach(), or each of an LSTM's (h, c))") from None
        raise


def expect_losses(losses, steps: int, what: str) -> np.ndarray:
    """A list of `steps` finite losses (floats)."""
    if losses is None:
        raise AssertionError(f"{what} returned None: return the list of losses, one per step")
    try:
        array = np.array([float(loss) for loss in losses])
    except (TypeError, ValueError):
        raise AssertionError(f"{what} must return a list of numbers (loss.item() at each step)") from None
    if array.shape != (steps,):
        raise AssertionError(f"{what} returned {len(array)} losses; expected one per step, {steps}")
    if not np.isfinite(array).all():
        raise AssertionError(f"{what}: a loss is NaN or infinite")
    return array
