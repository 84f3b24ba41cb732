"""The course-wide performance table: every lesson's Run All time and slider latencies (median and 95th
percentile), the adding-problem training times, grading throughput against plain nbgrader, and the time to
install the environment from nothing.

    ./course bench                      print the table (takes about 10 minutes on 2 cores)
    ./course bench --write              also record it, with date and machine, in benchmarks/REPORT.md
    ./course python benchmarks/report.py --skip-install --class-size 10
    ./course python benchmarks/compare.py OLD   Run All and slider medians of checkout OLD and this one, side by side

Targets are those of the course design, section 8. Figures taken in one run, side by side, on one machine.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from adding_problem import table_rows as adding_problem_rows  # noqa: E402
from grading_speed import LESSON as GRADED_LESSON  # noqa: E402
from grading_speed import compare  # noqa: E402
from language_model import table_rows as language_model_rows  # noqa: E402
from lesson_timings import percentile, run_all_seconds, slider_times  # noqa: E402
from seq2seq import table_rows as seq2seq_rows  # noqa: E402
from sequence_tasks import table_rows as sequence_task_rows  # noqa: E402

from autograder.course import ROOT, lessons  # noqa: E402


def install_seconds() -> float:
    """Wall time to create an empty virtual environment and install the pinned requirements and the course."""
    with tempfile.TemporaryDirectory() as scratch:
        venv = Path(scratch) / "venv"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-cache-dir",
               "--disable-pip-version-check"]
        subprocess.run([*pip, "-r", str(ROOT / "requirements.txt")], check=True, capture_output=True)
        subprocess.run([*pip, "--no-deps", "-e", str(ROOT)], check=True, capture_output=True)
        return time.perf_counter() - start


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    memory = ""
    if Path("/proc/meminfo").exists():
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 2**20:.0f} GiB"
    return f"{os.cpu_count()} cores ({cpu}){memory}, {platform.system()}, Python {platform.python_version()}"


def table(args) -> list[str]:
    lines = ["| figure | measured | target |", "|---|---|---|"]
    run_all = {}
    for lesson in lessons():
        runs = [run_all_seconds(lesson) for _ in range(args.runs)]
        run_all[lesson] = statistics.median(runs)
        lines.append(f"| {lesson}: Run All with solutions, fresh kernel (median of {args.runs}) | "
                     f"{statistics.median(runs):.1f} s | <= 60 s |")
        for name, seconds in slider_times(lesson, args.moves).items():
            lines.append(f"| {lesson}: slider `{name}`, median / 95th percentile of {args.moves} moves | "
                         f"{statistics.median(seconds) * 1000:.0f} / {percentile(seconds, 0.95) * 1000:.0f} ms | "
                         f"<= 100 ms median |")
        print("\n".join(lines[-1:]), flush=True)
    lines.extend(adding_problem_rows(args.seeds))
    lines.extend(sequence_task_rows())
    lines.extend(language_model_rows())
    lines.extend(seq2seq_rows())
    grading = compare(args.class_size, os.cpu_count() or 1)
    lines.append(f"| grading a class of {grading['size']} ({grading['workers']} workers) vs serial plain nbgrader | "
                 f"{grading['ours_seconds']:.0f} s vs {grading['plain_seconds']:.0f} s = {grading['speedup']:.2f}x, "
                 f"{grading['agree']}/{grading['readable']} same totals | >= 1.6x, identical scores |")
    lines.append(f"| grading time per submission in a worker, median / max ({GRADED_LESSON}) | "
                 f"{grading['median_seconds']:.1f} / {grading['max_seconds']:.1f} s | |")
    lines.append("| grading overhead per submission: that median minus the lesson's Run All in a fresh kernel "
                 "(below 0: the warm sandbox has already imported torch) | "
                 f"{grading['median_seconds'] - run_all[GRADED_LESSON]:.1f} s | <= 3 s |")
    if not args.skip_install:
        lines.append(f"| install into an empty environment (venv + pinned requirements, no pip cache) | "
                     f"{install_seconds():.0f} s | |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     epilog="another checkout against this one: ./course python benchmarks/compare.py OLD")
    parser.add_argument("--runs", type=int, default=3, help="Run All repetitions per lesson")
    parser.add_argument("--moves", type=int, default=20, help="value changes per slider")
    parser.add_argument("--class-size", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=3, help="training runs per model on the adding problem")
    parser.add_argument("--skip-install", action="store_true")
    parser.add_argument("--write", action="store_true", help="record the table in benchmarks/REPORT.md")
    args = parser.parse_args()
    header = f"Measured {datetime.date.today().isoformat()} on {machine()}."
    lines = table(args)
    print("\n" + header + "\n\n" + "\n".join(lines))
    if args.write:
        report = HERE / "REPORT.md"
        earlier = report.read_text() if report.exists() else ""
        kept = earlier[earlier.find("\n## "):] if "\n## " in earlier else ""  # later sections (comparisons) stay
        report.write_text("# Performance of the course\n\nWritten by `./course bench --write` "
                          "(benchmarks/report.py): every figure in this table comes from one run on one machine, side "
                          "by side. Targets: course design, section 8.\n\n" + header + "\n\n" + "\n".join(lines)
                          + "\n" + kept)
        print(f"\nrecorded in {report.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
