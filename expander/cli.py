"""The ``expander`` command: one subcommand per module in :mod:`expander.commands`.

Exit codes: 0 ok, 1 findings or invalid input, 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from expander import __version__
from expander.commands import COMMANDS


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors exit 2 with a one-line message
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="expander", description="Text expander and snippet engine.")
    parser.add_argument("--version", action="version", version=f"expander {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
