"""Lesson 03's optimiser experiment: on the long-lag task, how the optimiser, the learning-rate schedule, weight
decay and the recurrent initialisation change what a vanilla RNN learns.

Every combination of
    optimiser     SGD with momentum 0.9, RMSprop, Adam (each at its own learning rate, LEARNING_RATES)
    schedule      constant, or a linear warm-up followed by cosine decay to zero
    weight decay  0 or WEIGHT_DECAY, decoupled (Loshchilov and Hutter 2019): w <- w - lr_t * decay * w on the weight
                  matrices, the same for the three optimisers (for Adam this is AdamW)
    init          PyTorch's default for nn.RNN (every weight and bias uniform in +-1/sqrt(H), as in the long-lag
                  experiment), or W_hh Xavier/Glorot uniform (Glorot and Bengio 2010) or orthogonal (Saxe et al.
                  2014) with W_ih Xavier and the biases zero
is trained with SEEDS seeds on the task with lag SETTINGS["lag"] (the same BitRecaller and batches as
long_lag.train_long_lag, gradients clipped to norm 1). Every EVAL_EVERY steps the run records the loss and the
accuracy on a fixed test set. The results are small and committed as optimisers.json, so the lesson draws them
at once; nothing is trained when the notebook runs.

    python -m utils.lesson03_vanishing_gradients.optimisers            train every run again, rewrite the JSON
    python -m utils.lesson03_vanishing_gradients.optimisers --check    train again, compare with the committed JSON

Each run is seeded (torch.manual_seed and its own Generator) and uses one CPU thread, so the JSON is reproduced
to the printed digits on the same torch version.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import time
from pathlib import Path

import torch

from utils.lesson03_vanishing_gradients.long_lag import BitRecaller, long_lag_batch

RESULTS = Path(__file__).resolve().parent / "optimisers.json"
OPTIMISERS = ("SGD + momentum", "RMSprop", "Adam")
SCHEDULES = ("constant", "warm-up + cosine")
DECAYS = ("none", "decoupled")
INITS = ("PyTorch default", "Xavier", "orthogonal")
LEARNING_RATES = {"SGD + momentum": 0.1, "RMSprop": 0.003, "Adam": 0.01}
WEIGHT_DECAY = 0.01
SEEDS = (0, 1, 2)
SETTINGS = {"lag": 60, "hidden_size": 16, "steps": 600, "batch_size": 64, "warmup": 60, "eval_every": 25,
            "test_size": 1000, "max_norm": 1.0}


def learning_rate(step: int, peak: float, schedule: str, steps: int, warmup: int) -> float:
    """The learning rate of `step` (0-based): `peak` throughout, or a linear rise over `warmup` steps to `peak`
    followed by a cosine decay to 0 at step `steps`."""
    if schedule == "constant":
        return peak
    if schedule != "warm-up + cosine":
        raise ValueError(f"unknown schedule {schedule!r}; choose one of {SCHEDULES}")
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return peak * 0.5 * (1 + math.cos(math.pi * progress))


def initialise(model: BitRecaller, init: str, generator: torch.Generator) -> None:
    """PyTorch's default (left as torch made it), or W_ih Xavier uniform, W_hh Xavier uniform or orthogonal and the
    biases zero; the readout as torch made it."""
    rnn = model.rnn
    if init == "PyTorch default":
        return
    with torch.no_grad():
        torch.nn.init.xavier_uniform_(rnn.weight_ih_l0, generator=generator)
        if init == "Xavier":
            torch.nn.init.xavier_uniform_(rnn.weight_hh_l0, generator=generator)
        elif init == "orthogonal":
            torch.nn.init.orthogonal_(rnn.weight_hh_l0, generator=generator)
        else:
            raise ValueError(f"unknown init {init!r}; choose one of {INITS}")
        rnn.bias_ih_l0.zero_()
        rnn.bias_hh_l0.zero_()


def initial_model(init: str, seed: int, hidden_size: int = SETTINGS["hidden_size"]):
    """The BitRecaller a run of `seed` starts from, and the generator that then draws its batches."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = BitRecaller(hidden_size)
    initialise(model, init, generator)
    return model, generator


def make_optimiser(name: str, parameters, lr: float) -> torch.optim.Optimizer:
    if name == "SGD + momentum":
        return torch.optim.SGD(parameters, lr=lr, momentum=0.9)
    if name == "RMSprop":
        return torch.optim.RMSprop(parameters, lr=lr, alpha=0.99)
    if name == "Adam":
        return torch.optim.Adam(parameters, lr=lr)
    raise ValueError(f"unknown optimiser {name!r}; choose one of {OPTIMISERS}")


def train_run(optimiser: str, schedule: str, decay: str, init: str, seed: int, **overrides) -> dict:
    """One seeded run; returns {"loss": [...], "accuracy": [...]} on the fixed test set at steps 0, eval_every, ...
    and "final_accuracy"."""
    settings = {**SETTINGS, **overrides}
    steps, lag = settings["steps"], settings["lag"]
    model, generator = initial_model(init, seed, settings["hidden_size"])
    test_x, test_y = long_lag_batch(settings["test_size"], lag, torch.Generator().manual_seed(10_000 + seed))
    peak = LEARNING_RATES[optimiser]
    weights = [p for name, p in model.named_parameters() if name.startswith("rnn.weight") or name == "readout.weight"]
    decay_rate = WEIGHT_DECAY if decay == "decoupled" else 0.0
    opt = make_optimiser(optimiser, model.parameters(), peak)
    losses, accuracies = [], []

    def evaluate() -> None:
        with torch.no_grad():
            logits = model(test_x)
            losses.append(round(float(torch.nn.functional.cross_entropy(logits, test_y)), 5))
            accuracies.append(round(float((logits.argmax(dim=1) == test_y).float().mean()), 4))

    for step in range(steps):
        if step % settings["eval_every"] == 0:
            evaluate()
        lr = learning_rate(step, peak, schedule, steps, settings["warmup"])
        for group in opt.param_groups:
            group["lr"] = lr
        x, y = long_lag_batch(settings["batch_size"], lag, generator)
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=settings["max_norm"])
        if decay_rate:
            with torch.no_grad():
                for weight in weights:
                    weight.mul_(1 - lr * decay_rate)
        opt.step()
    evaluate()
    return {"loss": losses, "accuracy": accuracies, "final_accuracy": accuracies[-1]}


def key(optimiser: str, schedule: str, decay: str, init: str) -> str:
    """The name of a combination in the results: "Adam | warm-up + cosine | none | orthogonal"."""
    return " | ".join((optimiser, schedule, decay, init))


def train_all(*, seeds=SEEDS, **overrides) -> dict:
    """Every combination with every seed: the contents of optimisers.json."""
    settings = {**SETTINGS, **overrides}
    runs = {}
    for combination in itertools.product(OPTIMISERS, SCHEDULES, DECAYS, INITS):
        runs[key(*combination)] = [train_run(*combination, seed, **overrides) for seed in seeds]
    return {"settings": settings, "learning_rates": dict(LEARNING_RATES), "weight_decay": WEIGHT_DECAY,
            "seeds": list(seeds), "torch": str(torch.__version__).split("+")[0],
            "eval_steps": list(range(0, settings["steps"], settings["eval_every"])) + [settings["steps"]],
            "runs": runs}


_loaded: dict | None = None


def results() -> dict:
    """The committed results (read once per process)."""
    global _loaded
    if _loaded is None:
        _loaded = json.loads(RESULTS.read_text())
    return _loaded


def summary(contents: dict | None = None) -> dict[str, dict]:
    """Per combination: the mean final accuracy over the seeds, how many seeds ended above 90 %, and the first
    evaluation step where the mean accuracy reached 90 % (None if never)."""
    contents = results() if contents is None else contents
    table = {}
    for name, runs in contents["runs"].items():
        finals = [run["final_accuracy"] for run in runs]
        mean_curve = [sum(values) / len(values) for values in zip(*(run["accuracy"] for run in runs), strict=True)]
        first = next((step for step, a in zip(contents["eval_steps"], mean_curve, strict=True) if a >= 0.9), None)
        table[name] = {"mean_final_accuracy": sum(finals) / len(finals), "solved": sum(a >= 0.9 for a in finals),
                       "first_step_at_90": first}
    return table


FACTORS = {"optimiser": OPTIMISERS, "schedule": SCHEDULES, "weight decay": DECAYS, "init": INITS}


def factor_table(contents: dict | None = None, skip_init: str | None = None) -> dict[str, dict[str, tuple[int, int]]]:
    """{factor: {level: (seeds solved, seeds run)}} over every combination with that level: a run is solved when
    its final test accuracy is at least 90 %. `skip_init` leaves out the combinations with that initialisation."""
    contents = results() if contents is None else contents
    table = {factor: {level: [0, 0] for level in levels} for factor, levels in FACTORS.items()}
    for name, runs in contents["runs"].items():
        levels = name.split(" | ")
        if levels[3] == skip_init:
            continue
        for factor, level in zip(FACTORS, levels, strict=True):
            table[factor][level][0] += sum(run["final_accuracy"] >= 0.9 for run in runs)
            table[factor][level][1] += len(runs)
    return {factor: {level: tuple(counts) for level, counts in row.items() if counts[1]} for factor, row in table.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train lesson 03's optimiser experiment again.")
    parser.add_argument("--check", action="store_true", help="compare with the committed JSON instead of writing it")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    start = time.perf_counter()
    contents = train_all()
    print(f"trained {len(contents['runs']) * len(SEEDS)} runs in {time.perf_counter() - start:.0f} s")
    if args.check:
        committed = results()
        differ = [name for name in contents["runs"] if contents["runs"][name] != committed["runs"].get(name)]
        if differ:
            raise SystemExit(f"{len(differ)} combinations differ from {RESULTS.name}, e.g. {differ[0]}")
        print(f"every run matches {RESULTS.name}")
        return
    RESULTS.write_text(json.dumps(contents, separators=(",", ":")) + "\n")
    print(f"wrote {RESULTS} ({RESULTS.stat().st_size / 1e3:.0f} kB)")
    for name, row in summary(contents).items():
        print(f"{name:50s} final {row['mean_final_accuracy']:.0%}  solved {row['solved']}/{len(SEEDS)}  "
              f"90% at {row['first_step_at_90']}")


if __name__ == "__main__":
    main()
