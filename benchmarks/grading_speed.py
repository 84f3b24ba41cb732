"""Grading a class: plain serial `nbgrader autograde` against `autograder grade`, side by side in one run.

    ./course python benchmarks/grading_speed.py [--size 20] [--workers N]

Prints both wall times, their ratio, the mean time per submission, and whether the two agree on every score
(the synthetic class has no cheats, so they should). Targets (course design, section 8): ratio >= 1.6 on 2 cores;
overhead per submission beyond the notebook's own compute <= 3 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "autograder"))
sys.path.insert(0, str(ROOT / "tests" / "lessons"))  # classroom.py imports the lesson 01 variants

from classroom import LESSON, synthetic_class  # noqa: E402
from plain_nbgrader import autograde  # noqa: E402

from autograder.course import make_course  # noqa: E402
from autograder.options import Options  # noqa: E402
from autograder.pool import grade_all  # noqa: E402


def compare(size: int, workers: int) -> dict:
    """Grade one synthetic class both ways in one run; the figures as a dict."""
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        submissions = synthetic_class(scratch / "inbox", size)
        readable = {s: p for s, p in submissions.items() if p.stat().st_size > 0}  # plain nbgrader stops on an empty file

        start = time.perf_counter()
        plain = autograde(LESSON, readable, scratch / "plain")
        plain_seconds = time.perf_counter() - start

        start = time.perf_counter()
        ours = grade_all(LESSON, submissions, Options(workers=workers), root=make_course(scratch / "ours", [LESSON]),
                         progress=False)
        ours_seconds = time.perf_counter() - start
    per_submission = sorted(r.seconds for r in ours.values())
    return {"size": size, "readable": len(readable), "workers": workers, "plain_seconds": plain_seconds,
            "ours_seconds": ours_seconds, "speedup": plain_seconds / ours_seconds,
            "median_seconds": per_submission[len(per_submission) // 2], "max_seconds": per_submission[-1],
            "agree": sum(1 for s in readable if sum(plain[s].values()) == ours[s].total)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    r = compare(args.size, args.workers)
    print(f"class of {r['size']} submissions for {LESSON} ({r['readable']} readable by plain nbgrader); "
          f"{os.cpu_count()} cores")
    print(f"  plain nbgrader autograde, serial:   {r['plain_seconds']:7.1f} s  "
          f"({r['plain_seconds'] / r['readable']:.1f} s each)")
    print(f"  autograder grade, {r['workers']} workers, sandboxed + trusted verdicts: {r['ours_seconds']:7.1f} s  "
          f"({r['ours_seconds'] / r['size']:.1f} s each)")
    print(f"  speed-up: {r['speedup']:.2f}x (target >= 1.6x)")
    print(f"  autograder time per submission in a worker: median {r['median_seconds']:.1f} s, max {r['max_seconds']:.1f} s")
    print(f"  same total score as plain nbgrader: {r['agree']}/{r['readable']} submissions")


if __name__ == "__main__":
    main()
