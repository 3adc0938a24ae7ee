"""The `onetrip` command line (minimal: registers the calendar commands)."""

from __future__ import annotations

import argparse
import sys

import calendars.cli


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="onetrip")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    calendars.cli.register(sub)
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_usage(sys.stderr)
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
