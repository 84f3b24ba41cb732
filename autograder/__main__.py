"""Command line: python -m autograder COMMAND ... (python -m autograder --help lists them).

Each command is one function `(args) -> exit status`; COMMANDS maps its name to it."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from autograder.course import ROOT, feedback_folder, find_submissions, gradebook_url, lessons, submitted_folder
from autograder.options import Options
from autograder.safe_text import printable


def release(args) -> int:
    from autograder.release import release as regenerate

    problems = regenerate(args.lessons or None, check_only=args.check)
    for problem in problems:
        print(problem, file=sys.stderr)
    done = "in sync with source/" if args.check else "regenerated from source/"
    print(f"release/ {done}" if not problems else f"{len(problems)} problem(s) found")
    return 1 if problems else 0


def collect(args) -> int:
    from autograder.collect import collect as place

    problems = place(args.lesson, args.export, pattern=args.pattern)
    for problem in problems:
        print(f"could not place: {problem}", file=sys.stderr)
    submitted = submitted_folder()
    placed = sorted(p.name for p in submitted.iterdir()) if submitted.is_dir() else []
    print(f"submitted/ now holds {len(placed)} student folder(s); {len(problems)} file(s) need attention")
    return 0


def grade(args) -> int:
    from autograder.gradebook import record
    from autograder.pool import grade_all

    submissions, folder_flags = find_submissions(args.lesson)
    if not submissions:
        print(f"no submissions for {args.lesson} in {submitted_folder()}", file=sys.stderr)
        return 1
    options = Options(workers=args.workers, cell_timeout=args.cell_timeout, submission_timeout=args.timeout,
                      memory_mib=args.memory, use_sandbox=not args.no_sandbox, in_kernel=not args.trusted_only)
    results = grade_all(args.lesson, submissions, options)
    record(args.lesson, results, gradebook_url(ROOT, args.db), extra_flags=folder_flags)
    total = sum(len(r.flags) for r in results.values()) + len(folder_flags)
    for student, result in results.items():
        print(f"  {printable(student):20s} {result.total:6g}/{sum(result.max_scores.values()):g}"
              f"{'  (' + str(len(result.flags)) + ' flag(s))' if result.flags else ''}")
    print(f"graded {len(results)} submission(s); {total} flag(s): python -m autograder flags {args.lesson}")
    return 0


def feedback(args) -> int:
    from autograder.export import feedback as make_feedback

    files = make_feedback(args.lesson, gradebook_url(ROOT, args.db))
    print(f"{len(files)} feedback file(s) in {feedback_folder()}")
    return 0


def export(args) -> int:
    from autograder.export import export_csv

    rows = export_csv(gradebook_url(ROOT, args.db), args.output)
    print(f"wrote {rows} row(s) to {args.output}")
    return 0


def flags(args) -> int:
    from autograder.gradebook import read_flags

    found = read_flags(args.lesson)
    for flag in found:
        print(printable(f"{flag['student'] or '(collection)':20s} {flag['flag']}"))
    print(f"{len(found)} flag(s)" if found else "no flags")
    return 0


def check(args) -> int:
    from autograder.check import check as check_notebook

    check_notebook(args.notebooks, args.lesson, use_sandbox=not args.no_sandbox)
    return 0


COMMANDS = {"release": release, "collect": collect, "grade": grade, "feedback": feedback, "export": export,
            "flags": flags, "check": check}


def _parser() -> argparse.ArgumentParser:
    def lesson(name: str) -> str:
        if name not in lessons():
            raise argparse.ArgumentTypeError(f"no lesson {name!r} in source/ (lessons: {', '.join(lessons())})")
        return name

    defaults = Options()
    db_help = "gradebook URL: sqlite:///... or postgresql://... (default: gradebook.db in the course folder)"
    parser = argparse.ArgumentParser(prog="python -m autograder", description="The course's grading tool.")
    commands = parser.add_subparsers(dest="command", required=True)

    sub = commands.add_parser("release", help="regenerate release/ from source/ with nbgrader")
    sub.add_argument("lessons", nargs="*", type=lesson, help=f"lesson folders (default: all of {lessons()})")
    sub.add_argument("--check", action="store_true", help="only check that release/ matches a fresh generation")

    sub = commands.add_parser("collect", help="place an LMS export (folder or zip) into submitted/")
    sub.add_argument("lesson", type=lesson)
    sub.add_argument("export", type=Path)
    sub.add_argument("--pattern", help="regular expression with a (?P<student>...) group for file names")

    sub = commands.add_parser("grade", help="autograde every submission of a lesson, in parallel and sandboxed")
    sub.add_argument("lesson", type=lesson)
    sub.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="parallel graders (default: cores)")
    sub.add_argument("--cell-timeout", type=int, default=defaults.cell_timeout,
                     help=f"seconds per cell / per call (default {defaults.cell_timeout})")
    sub.add_argument("--timeout", type=int, default=defaults.submission_timeout,
                     help=f"seconds per notebook run (default {defaults.submission_timeout})")
    sub.add_argument("--memory", type=int, default=defaults.memory_mib, help="MiB of address space per learner process")
    sub.add_argument("--no-sandbox", action="store_true", help="run learners' code without isolation (unsafe)")
    sub.add_argument("--trusted-only", action="store_true",
                     help="skip nbgrader's in-kernel run: scores as usual, feedback without the learner's outputs")
    sub.add_argument("--db", help=db_help)

    sub = commands.add_parser("feedback", help="feedback HTML per student, without hidden tests")
    sub.add_argument("lesson", type=lesson)
    sub.add_argument("--db", help=db_help)

    sub = commands.add_parser("export", help="grades as CSV")
    sub.add_argument("--db", help=db_help)
    sub.add_argument("--output", type=Path, default=ROOT / "grades.csv")

    sub = commands.add_parser("flags", help="what the instructor should look at: tampering, timeouts, crashes")
    sub.add_argument("lesson", type=lesson)

    sub = commands.add_parser("check", help="self-check: grade notebooks with the full tests, no set-up")
    sub.add_argument("notebooks", type=Path, nargs="+")
    sub.add_argument("--lesson", type=lesson)
    sub.add_argument("--no-sandbox", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return COMMANDS[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
