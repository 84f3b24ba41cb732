"""Two checkouts side by side: every lesson's Run All time and slider medians, before (another checkout) and after
(this one), measured in one run with the two interleaved so that machine load falls on both alike.

    ./course python benchmarks/compare.py ../old                      all lessons of this checkout
    ./course python benchmarks/compare.py ../old 07_language_models --runs 6 --moves 20

Each checkout is measured by its own benchmarks/lesson_timings.py, run by its own .venv/bin/python on its own
notebooks: per lesson, one worker process per checkout builds the lesson's explorers (solutions in place) and then
answers one command at a time, "run all" (the notebook in a fresh kernel) or "move slider N to value I". The two
take turns at every single measurement, in the order before, after, after, before, ... On a shared machine the load
changes within seconds; alternating at that grain is what makes the ratio fair. Run All: median of the runs, and
their range. Slider: median of its moves, and the range of the middle half (25th-75th percentile).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
AFTER = HERE.parent

# Run in the measured checkout by its python, with only its own lesson_timings (and the names it imports).
# Anything the lesson prints goes to stderr: stdout carries one JSON answer per command.
WORKER = """
import contextlib, json, sys, time
sys.path.insert(0, "benchmarks")
import lesson_timings as timings
lesson, moves = sys.argv[1], int(sys.argv[2])
answer = sys.stdout
with contextlib.redirect_stdout(sys.stderr):
    notebook = timings.read(timings.lesson_notebook(lesson))
    namespace = timings.solved_namespace(notebook)
    controls, owners = {}, {}
    forget = getattr(timings, "forget_kept_pictures", lambda explorer: None)  # older checkouts lack it
    for grade_id, source in timings.explorer_cells(notebook).items():
        explorer = timings.build_explorer(source, namespace)
        explorer.update()
        controls.update({f"{grade_id}.{name}": control for name, control in explorer.controls.items()})
        owners.update({f"{grade_id}.{name}": explorer for name in explorer.controls})
    values = {name: timings.slider_values(control, moves) for name, control in controls.items()}
    print(json.dumps(list(controls)), file=answer, flush=True)
    for command in sys.stdin:
        name, _, index = command.strip().rpartition(" ")
        if command.strip() == "run all":
            seconds = timings.run_all_seconds(lesson)
        else:
            value = values[name][int(index)]
            forget(owners[name])
            start = time.perf_counter()
            controls[name].value = value
            seconds = time.perf_counter() - start
        print(json.dumps(seconds), file=answer, flush=True)
"""


class Worker:
    """One checkout's lesson, held in its own process, measuring on command."""

    def __init__(self, checkout: Path, lesson: str, moves: int):
        venv_bin = checkout / ".venv" / "bin"
        env = {**os.environ, "VIRTUAL_ENV": str(checkout / ".venv"),
               "PATH": f"{venv_bin}{os.pathsep}{os.environ['PATH']}"}  # the kernel spec's `python` is this venv's
        self.checkout, self.lesson = checkout, lesson
        self.log = tempfile.TemporaryFile(mode="w+")  # the lesson's own output, shown if the worker dies
        self.process = subprocess.Popen([str(venv_bin / "python"), "-c", WORKER, lesson, str(moves)], cwd=checkout,
                                        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
                                        text=True)

    def wait_ready(self) -> None:
        """Wait until the worker has built its explorers; its first answer names their sliders."""
        self.sliders = self._answer()

    def _answer(self):
        line = self.process.stdout.readline()
        if not line:
            self.process.wait()
            self.log.seek(0)
            raise RuntimeError(f"the {self.lesson} worker of {self.checkout} died:\n{self.log.read()[-3000:]}")
        return json.loads(line)

    def measure(self, command: str) -> float:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._answer()

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()
        self.log.close()


def interleaved(workers: dict[str, Worker], commands: list[str]) -> dict[str, list[float]]:
    """{side: seconds of each command}, the sides taking turns at every command (before, after, after, before ...)."""
    seconds = {side: [] for side in workers}
    for number, command in enumerate(commands):
        sides = list(workers) if number % 2 == 0 else list(workers)[::-1]
        for side in sides:
            seconds[side].append(workers[side].measure(command))
    return seconds


def cell(values: list[float] | None, unit: str, spread: tuple[float, float]) -> str:
    """`median unit (low-high)`, the range between the given quantiles."""
    if not values:
        return "-"
    scale, digits = (1, 1) if unit == "s" else (1000, 0)
    ordered = sorted(v * scale for v in values)
    low, high = (ordered[round(q * (len(ordered) - 1))] for q in spread)
    return f"{statistics.median(ordered):.{digits}f} {unit} ({low:.{digits}f}-{high:.{digits}f})"


def row(figure: str, before: list[float] | None, after: list[float] | None, unit: str) -> str:
    spread = (0, 1) if unit == "s" else (0.25, 0.75)
    ratio = f"{statistics.median(after) / statistics.median(before):.2f}" if before and after else "-"
    return f"| {figure} | {cell(before, unit, spread)} | {cell(after, unit, spread)} | {ratio} |"


def lesson_rows(before: Path, lesson: str, runs: int, moves: int) -> list[str]:
    """Markdown rows for one lesson: Run All, then every slider either checkout has."""
    workers = {"before": Worker(before, lesson, moves), "after": Worker(AFTER, lesson, moves)}  # both set up at once
    try:
        for worker in workers.values():
            worker.wait_ready()
        run_all = interleaved(workers, ["run all"] * runs)
        lines = [row(f"{lesson}: Run All, fresh kernel (median of {runs})", run_all["before"], run_all["after"], "s")]
        for name in dict.fromkeys([*workers["after"].sliders, *workers["before"].sliders] if moves else []):
            having = {side: worker for side, worker in workers.items() if name in worker.sliders}
            moved = interleaved(having, [f"{name} {index}" for index in range(moves)])
            lines.append(row(f"{lesson}: slider `{name}` (median of {moves} moves)", moved.get("before"),
                             moved.get("after"), "ms"))
        return lines
    finally:
        for worker in workers.values():
            worker.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="the other checkout (with its own .venv), e.g. an older commit")
    parser.add_argument("lessons", nargs="*", help="default: every lesson of this checkout")
    parser.add_argument("--runs", type=int, default=4, help="Run All repetitions per checkout and lesson")
    parser.add_argument("--moves", type=int, default=20, help="value changes per slider and checkout (0: Run All only)")
    args = parser.parse_args()
    sys.path.insert(0, str(AFTER))
    from autograder.course import lessons

    print(f"before: {args.before.resolve()}\nafter:  {AFTER}\n")
    print("| figure | before (range) | after (range) | after / before |\n|---|---|---|---|", flush=True)
    for lesson in args.lessons or lessons():
        print("\n".join(lesson_rows(args.before.resolve(), lesson, args.runs, args.moves)), flush=True)


if __name__ == "__main__":
    main()
