"""Command line: python -m autograder COMMAND ..."""

from __future__ import annotations

import argparse
import sys

from autograder import release as release_module
from autograder.course import lessons


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description="The course's grading tool.")
    commands = parser.add_subparsers(dest="command", required=True)
    release = commands.add_parser("release", help="regenerate release/ from source/ with nbgrader")
    release.add_argument("lessons", nargs="*", help=f"lesson folders (default: all of {lessons()})")
    release.add_argument("--check", action="store_true", help="only check that release/ matches a fresh generation")
    args = parser.parse_args(argv)

    if args.command == "release":
        unknown = sorted(set(args.lessons) - set(lessons()))
        if unknown:
            parser.error(f"no such lesson in source/: {', '.join(unknown)}")
        problems = release_module.release(args.lessons or None, check_only=args.check)
        for problem in problems:
            print(problem, file=sys.stderr)
        done = "in sync with source/" if args.check else "regenerated from source/"
        print(f"release/ {done}" if not problems else f"{len(problems)} problem(s) found")
        return 1 if problems else 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
