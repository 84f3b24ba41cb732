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

from classroom import LESSON, synthetic_class  # noqa: E402

from autograder.course import make_course  # noqa: E402
from autograder.grade import Options, grade_all  # noqa: E402
from autograder.grading import autograde  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        submissions = synthetic_class(scratch / "inbox", args.size)
        readable = {s: p for s, p in submissions.items() if p.stat().st_size > 0}  # plain nbgrader stops on an empty file

        start = time.perf_counter()
        plain = autograde(LESSON, readable, scratch / "plain")
        plain_seconds = time.perf_counter() - start

        start = time.perf_counter()
        ours = grade_all(LESSON, submissions, Options(workers=args.workers), root=make_course(scratch / "ours", [LESSON]),
                         progress=False)
        ours_seconds = time.perf_counter() - start

    agree = sum(1 for s in readable if sum(plain[s].values()) == ours[s].total)
    print(f"class of {args.size} submissions for {LESSON} ({len(readable)} readable by plain nbgrader); "
          f"{os.cpu_count()} cores")
    print(f"  plain nbgrader autograde, serial:   {plain_seconds:7.1f} s  ({plain_seconds / len(readable):.1f} s each)")
    print(f"  autograder grade, {args.workers} workers, sandboxed + trusted verdicts: {ours_seconds:7.1f} s  "
          f"({ours_seconds / args.size:.1f} s each)")
    print(f"  speed-up: {plain_seconds / ours_seconds:.2f}x (target >= 1.6x)")
    per_submission = sorted(r.seconds for r in ours.values())
    print(f"  autograder time per submission in a worker: median {per_submission[len(per_submission) // 2]:.1f} s, "
          f"max {per_submission[-1]:.1f} s")
    print(f"  same total score as plain nbgrader: {agree}/{len(readable)} submissions")


if __name__ == "__main__":
    main()
