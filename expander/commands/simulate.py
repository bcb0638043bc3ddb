"""``expander simulate``: replay KEYS through the engine and print the field's text."""

from __future__ import annotations

import sys

from expander.commands._common import add_render_args, load_or_report
from expander.simulate import KeysError, simulate


def add_parser(sub) -> None:
    p = sub.add_parser("simulate", help="replay KEYS into a simulated text field")
    add_render_args(p)
    p.add_argument("--no-undo", action="store_true", help="BackSpace after an expansion does not undo it")
    p.add_argument("keys", metavar="KEYS")
    p.set_defaults(func=run)


def run(args) -> int:
    library = load_or_report(args.snippets)
    if library is None:
        return 1
    try:
        text = simulate(library, args.keys, now=args.now, clipboard=args.clipboard, undo=not args.no_undo)
    except KeysError as exc:
        print(f"expander simulate: error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    sys.stdout.flush()
    return 0
