"""Print the adding-problem training figures (lessons 04-05): per model, over several seeds, the wall time and Adam
steps to reach test MSE < 0.01 at sequence length 100, and the MSE a same-size tanh RNN reaches meanwhile.

    ./course python benchmarks/adding_problem.py --seeds 3

Target (course design, section 8): an LSTM reaches MSE < 0.01 (baseline 0.167) in <= 120 s on CPU; moonshot 60 s.
One torch thread, as in the lessons; hidden size 32, batch 64, Adam lr 0.01, gradients clipped to norm 1.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from utils.lesson04_lstm import adding  # noqa: E402

TARGET = 0.01


def measure(kind: str, seeds: int, max_steps: int, length: int = 100) -> dict:
    """Median seconds and steps to the target over `seeds` runs (runs that never reach it count at max_steps)."""
    runs = [adding.train_adding_problem(kind, length=length, max_steps=max_steps, seed=seed, target_mse=TARGET)
            for seed in range(seeds)]
    return {"kind": kind, "runs": len(runs), "reached": sum(run.reached_at is not None for run in runs),
            "seconds": statistics.median(run.seconds for run in runs),
            "steps": statistics.median(run.steps[-1] for run in runs),
            "ms_per_step": statistics.median(1000 * run.seconds / run.steps[-1] for run in runs),
            "final_mse": statistics.median(run.final_score for run in runs), "parameters": runs[0].parameters}


def table_rows(seeds: int = 3, max_steps: int = 3000) -> list[str]:
    torch.set_num_threads(1)
    rows = []
    for kind in ("lstm", "gru", "rnn"):
        figures = measure(kind, seeds, max_steps)
        target = "<= 120 s (moonshot 60 s)" if kind == "lstm" else ""
        rows.append(f"| adding problem, length 100, {kind.upper()} H=32 ({figures['parameters']} parameters): time and "
                    f"Adam steps to test MSE < {TARGET}, median of {seeds} seeds ({figures['reached']}/{seeds} reached;"
                    f" {figures['ms_per_step']:.1f} ms per step) | {figures['seconds']:.1f} s, {figures['steps']:.0f} "
                    f"steps, final MSE {figures['final_mse']:.4f} | {target} |")
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--max-steps", type=int, default=3000, help="give up after this many steps (the RNN does)")
    args = parser.parse_args()
    table_rows(args.seeds, args.max_steps)


if __name__ == "__main__":
    main()
