"""Command line: python -m autograder COMMAND ... (python -m autograder --help lists them)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from autograder.course import ROOT, lessons

DEFAULT_DB = f"sqlite:///{ROOT / 'gradebook.db'}"


def _lesson(parser, name: str) -> str:
    if name not in lessons():
        parser.error(f"no lesson {name!r} in source/ (lessons: {', '.join(lessons())})")
    return name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description="The course's grading tool.")
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser("release", help="regenerate release/ from source/ with nbgrader")
    release.add_argument("lessons", nargs="*", help=f"lesson folders (default: all of {lessons()})")
    release.add_argument("--check", action="store_true", help="only check that release/ matches a fresh generation")

    collect = commands.add_parser("collect", help="place an LMS export (folder or zip) into submitted/")
    collect.add_argument("lesson")
    collect.add_argument("export", type=Path)
    collect.add_argument("--pattern", help="regular expression with a (?P<student>...) group for file names")

    grade = commands.add_parser("grade", help="autograde every submission of a lesson, in parallel and sandboxed")
    grade.add_argument("lesson")
    grade.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="parallel graders (default: cores)")
    grade.add_argument("--cell-timeout", type=int, default=60, help="seconds per cell / per call (default 60)")
    grade.add_argument("--timeout", type=int, default=600, help="seconds per notebook run (default 600)")
    grade.add_argument("--memory", type=int, default=2048, help="MiB of address space per learner process")
    grade.add_argument("--no-sandbox", action="store_true", help="run learners' code without isolation (unsafe)")
    grade.add_argument("--db", default=DEFAULT_DB, help="gradebook URL: sqlite:///... or postgresql://...")

    feedback = commands.add_parser("feedback", help="feedback HTML per student, without hidden tests")
    feedback.add_argument("lesson")
    feedback.add_argument("--db", default=DEFAULT_DB)

    export = commands.add_parser("export", help="grades as CSV")
    export.add_argument("--db", default=DEFAULT_DB)
    export.add_argument("--output", type=Path, default=ROOT / "grades.csv")

    flags = commands.add_parser("flags", help="what the instructor should look at: tampering, timeouts, crashes")
    flags.add_argument("lesson")

    check = commands.add_parser("check", help="self-check: grade one notebook with the full tests, no set-up")
    check.add_argument("notebook", type=Path)
    check.add_argument("--lesson")
    check.add_argument("--no-sandbox", action="store_true")

    args = parser.parse_args(argv)
    if args.command == "release":
        from autograder import release as release_module

        for name in args.lessons:
            _lesson(parser, name)
        problems = release_module.release(args.lessons or None, check_only=args.check)
        for problem in problems:
            print(problem, file=sys.stderr)
        done = "in sync with source/" if args.check else "regenerated from source/"
        print(f"release/ {done}" if not problems else f"{len(problems)} problem(s) found")
        return 1 if problems else 0
    if args.command == "collect":
        from autograder.collect import collect as collect_files

        problems = collect_files(_lesson(parser, args.lesson), args.export, pattern=args.pattern)
        for problem in problems:
            print(f"could not place: {problem}", file=sys.stderr)
        placed = sorted(p.name for p in (ROOT / "submitted").iterdir()) if (ROOT / "submitted").is_dir() else []
        print(f"submitted/ now holds {len(placed)} student folder(s); {len(problems)} file(s) need attention")
        return 0
    if args.command == "grade":
        from autograder.grade import Options, find_submissions, grade_all, record
        from autograder.safe_text import printable

        lesson = _lesson(parser, args.lesson)
        submissions, folder_flags = find_submissions(lesson, ROOT / "submitted")
        if not submissions:
            print(f"no submissions for {lesson} in {ROOT / 'submitted'}", file=sys.stderr)
            return 1
        options = Options(workers=args.workers, cell_timeout=args.cell_timeout, submission_timeout=args.timeout,
                          memory_mib=args.memory, use_sandbox=not args.no_sandbox)
        results = grade_all(lesson, submissions, options)
        record(lesson, results, args.db, extra_flags=folder_flags)
        total = sum(len(r.flags) for r in results.values()) + len(folder_flags)
        for student, result in results.items():
            print(f"  {printable(student):20s} {result.total:6g}/{sum(result.max_scores.values()):g}"
                  f"{'  (' + str(len(result.flags)) + ' flag(s))' if result.flags else ''}")
        print(f"graded {len(results)} submission(s); {total} flag(s): python -m autograder flags {lesson}")
        return 0
    if args.command == "feedback":
        from autograder.export import feedback as make_feedback

        files = make_feedback(_lesson(parser, args.lesson), args.db)
        print(f"{len(files)} feedback file(s) in {ROOT / 'feedback'}")
        return 0
    if args.command == "export":
        from autograder.export import export_csv

        rows = export_csv(args.db, args.output)
        print(f"wrote {rows} row(s) to {args.output}")
        return 0
    if args.command == "flags":
        import json

        from autograder.safe_text import printable

        path = ROOT / "flags" / f"{_lesson(parser, args.lesson)}.json"
        flags = json.loads(path.read_text()) if path.exists() else []
        for flag in flags:
            print(printable(f"{flag['student'] or '(collection)':20s} {flag['flag']}"))
        print(f"{len(flags)} flag(s)" if flags else "no flags")
        return 0
    if args.command == "check":
        from autograder.check import check as check_notebook

        check_notebook(args.notebook, args.lesson, use_sandbox=not args.no_sandbox)
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
