"""Two checkouts side by side: every lesson's Run All time and slider medians, before (another checkout) and after
(this one), measured in one run with the two interleaved per lesson so that machine load falls on both alike.

    ./course python benchmarks/compare.py ../old                      all lessons of this checkout, 3 rounds
    ./course python benchmarks/compare.py ../old 07_language_models --rounds 5 --moves 20

Each checkout is measured by its own benchmarks/lesson_timings.py, run by its own .venv/bin/python on its own
notebooks. A round is one process per checkout (Run All once in a fresh kernel, then every slider `--moves` times);
rounds alternate which checkout goes first (before, after; after, before; ...). Run All: median of the rounds and
its range. Slider: median of all moves of all rounds, and the range of the rounds' medians (the noise to judge
the ratio by).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
AFTER = HERE.parent

# Run in the measured checkout by its python: its own lesson_timings, its lesson's figures as JSON on stdout.
# Measuring output (a solution cell's prints, widget fallbacks) goes to stderr so stdout stays one JSON line.
MEASURE = """
import contextlib, json, sys
sys.path.insert(0, "benchmarks")
from lesson_timings import run_all_seconds, slider_times
lesson, moves = sys.argv[1], int(sys.argv[2])
with contextlib.redirect_stdout(sys.stderr):
    figures = {"run_all": run_all_seconds(lesson), "sliders": slider_times(lesson, moves)}
print(json.dumps(figures))
"""


def measure(checkout: Path, lesson: str, moves: int) -> dict:
    """One round of `lesson` in `checkout`: {"run_all": seconds, "sliders": {name: [seconds per move]}}."""
    venv_bin = checkout / ".venv" / "bin"
    env = {**os.environ, "VIRTUAL_ENV": str(checkout / ".venv"), "PATH": f"{venv_bin}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run([str(venv_bin / "python"), "-c", MEASURE, lesson, str(moves)], cwd=checkout, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"measuring {lesson} in {checkout} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def interleaved(before: Path, lesson: str, rounds: int, moves: int) -> dict[str, list[dict]]:
    """{"before": [round, ...], "after": [...]}, the checkouts alternating which one goes first."""
    results = {"before": [], "after": []}
    for number in range(rounds):
        order = [("before", before), ("after", AFTER)]
        for side, checkout in order if number % 2 == 0 else order[::-1]:
            results[side].append(measure(checkout, lesson, moves))
    return results


def summary(rounds: list[dict], figure: str) -> tuple[float, float, float] | None:
    """(median, lowest round, highest round) of a figure ("run_all" or a slider's name), or None if absent."""
    if figure == "run_all":
        values = [r["run_all"] for r in rounds]
        return statistics.median(values), min(values), max(values)
    if any(figure not in r["sliders"] for r in rounds):
        return None
    pooled = [s for r in rounds for s in r["sliders"][figure]]
    per_round = [statistics.median(r["sliders"][figure]) for r in rounds]
    return statistics.median(pooled), min(per_round), max(per_round)


def cell(figures: tuple[float, float, float] | None, unit: str) -> str:
    if figures is None:
        return "-"
    scale, digits = (1, 1) if unit == "s" else (1000, 0)
    median, low, high = (value * scale for value in figures)
    return f"{median:.{digits}f} {unit} ({low:.{digits}f}-{high:.{digits}f})"


def rows(lesson: str, results: dict[str, list[dict]], rounds: int, moves: int) -> list[str]:
    """Markdown rows for one lesson: Run All, then every slider either checkout has."""
    sliders = list(dict.fromkeys([*results["after"][0]["sliders"], *results["before"][0]["sliders"]]))
    lines = []
    for figure in ["run_all", *sliders]:
        before, after = summary(results["before"], figure), summary(results["after"], figure)
        unit = "s" if figure == "run_all" else "ms"
        name = (f"Run All, fresh kernel (median of {rounds})" if figure == "run_all"
                else f"slider `{figure}` (median of {rounds} x {moves} moves)")
        ratio = f"{after[0] / before[0]:.2f}" if before and after and before[0] > 0 else "-"
        lines.append(f"| {lesson}: {name} | {cell(before, unit)} | {cell(after, unit)} | {ratio} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="the other checkout (with its own .venv), e.g. an older commit")
    parser.add_argument("lessons", nargs="*", help="default: every lesson of this checkout")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per lesson and checkout")
    parser.add_argument("--moves", type=int, default=20, help="value changes per slider and round")
    args = parser.parse_args()
    sys.path.insert(0, str(AFTER))
    from autograder.course import lessons

    before = args.before.resolve()
    print(f"before: {before}\nafter:  {AFTER}\n")
    print("| figure | before (range of rounds) | after (range of rounds) | after / before |\n|---|---|---|---|",
          flush=True)
    for lesson in args.lessons or lessons():
        print("\n".join(rows(lesson, interleaved(before, lesson, args.rounds, args.moves), args.rounds, args.moves)),
              flush=True)


if __name__ == "__main__":
    main()
