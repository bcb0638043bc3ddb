"""``expander simulate``: replay KEYS through the engine and print the field's text."""

from __future__ import annotations

import sys

from expander.commands._common import iso_datetime, print_diagnostics
from expander.simulate import KeysError, simulate
from snippets.loader import load_library


def add_parser(sub) -> None:
    p = sub.add_parser("simulate", help="replay KEYS into a simulated text field")
    p.add_argument("--snippets", action="append", required=True, metavar="FILE")
    p.add_argument("--now", type=iso_datetime, help="the date-time {date}/{time} see")
    p.add_argument("--clipboard", default="", help="the text {clipboard} sees")
    p.add_argument("--no-undo", action="store_true", help="BackSpace after an expansion does not undo it")
    p.add_argument("keys", metavar="KEYS")
    p.set_defaults(func=run)


def run(args) -> int:
    result = load_library(args.snippets)
    if not result.ok:
        print_diagnostics(result.diagnostics)
        return 1
    try:
        text = simulate(result.library, args.keys, now=args.now, clipboard=args.clipboard, undo=not args.no_undo)
    except KeysError as exc:
        print(f"expander simulate: error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    sys.stdout.flush()
    return 0
