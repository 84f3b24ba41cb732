"""Print, per lesson: Run All time (solutions in place, fresh kernel) and the median update time of every slider.

    ./course bench                              all lessons
    ./course python benchmarks/lesson_timings.py 01_rnn_cell --runs 3 --moves 20

Targets (course design, section 8): Run All <= 60 s per lesson; one slider update (compute + render) <= 100 ms median.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import matplotlib
import numpy as np
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from notebook_tools import build_explorer, explorer_cells, solved_namespace  # noqa: E402

from autograder.course import ROOT, lesson_notebook, lessons  # noqa: E402
from autograder.notebooks import read  # noqa: E402

matplotlib.use("Agg")


def run_all_seconds(lesson: str) -> float:
    """Wall time to execute the source notebook top to bottom in a fresh kernel (kernel start included)."""
    path = lesson_notebook(lesson)
    notebook = read(path)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def slider_values(control, moves: int) -> list:
    """`moves` values spread over a control's range, each different from the one before (a move to the value a
    control already holds fires no update, and would time nothing): options cycle for dropdowns, integer sliders
    with fewer values than moves step through their range and wrap around."""
    if hasattr(control, "options"):
        options = list(control.options)
        return [options[(options.index(control.value) + 1 + i) % len(options)] for i in range(moves)]
    if isinstance(control.value, int) and control.max - control.min + 1 <= moves:
        count = control.max - control.min + 1
        return [control.min + (control.value - control.min + 1 + i) % count for i in range(moves)]
    values, previous = [], control.value
    for v in np.linspace(control.min, control.max, moves + 1):
        v = type(control.value)(v)
        if v != previous:
            values.append(v)
            previous = v
    return values[:moves]


def forget_kept_pictures(explorer) -> None:
    """Drop the static pictures a blitting figure keeps per view (utils.widgets.BlitFigure.kept), so that a move to a
    view shown before is timed as a real update, as on its first showing, rather than as a cache hit."""
    kept = getattr(getattr(explorer, "live", None), "kept", None)
    if isinstance(kept, dict):
        kept.clear()


def slider_times(lesson: str, moves: int) -> dict[str, list[float]]:
    """{explorer.control: seconds of each programmatic change (learner's code + drawing + PNG), every move to a new
    value, with no kept picture to reuse (see slider_values and forget_kept_pictures)}."""
    notebook = read(lesson_notebook(lesson))
    namespace = solved_namespace(notebook)
    times = {}
    for grade_id, source in explorer_cells(notebook).items():
        explorer = build_explorer(source, namespace)
        explorer.update()
        for name, control in explorer.controls.items():
            times[f"{grade_id}.{name}"] = []
            for value in slider_values(control, moves):
                forget_kept_pictures(explorer)
                start = time.perf_counter()
                control.value = value
                times[f"{grade_id}.{name}"].append(time.perf_counter() - start)
    return times


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(np.ceil(fraction * len(ordered))) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", default=None)
    parser.add_argument("--runs", type=int, default=3, help="Run All repetitions (median reported)")
    parser.add_argument("--moves", type=int, default=20, help="value changes per control")
    args = parser.parse_args()
    print(f"machine: {sys.platform}, Python {sys.version.split()[0]}; course root {ROOT}")
    for lesson in args.lessons or lessons():
        runs = [run_all_seconds(lesson) for _ in range(args.runs)]
        print(f"\n{lesson}")
        print(f"  Run All (fresh kernel, solutions): median {statistics.median(runs):.1f} s over {args.runs} runs "
              f"(min {min(runs):.1f}, max {max(runs):.1f}); target <= 60 s")
        times = slider_times(lesson, args.moves)
        for name, seconds in times.items():
            print(f"  slider {name:32s} median {statistics.median(seconds) * 1000:6.1f} ms, "
                  f"95th percentile {percentile(seconds, 0.95) * 1000:6.1f} ms")
        slowest = max(statistics.median(seconds) for seconds in times.values())
        print(f"  slowest slider median {slowest * 1000:.1f} ms; target <= 100 ms")


if __name__ == "__main__":
    main()
