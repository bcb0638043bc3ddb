"""``expander expand --snippets FILE TRIGGER``: print one trigger's rendered replacement."""

from __future__ import annotations

import sys
from datetime import datetime

from expander.commands._common import iso_datetime, print_diagnostics
from expander.renderer import RenderContext, render
from snippets.loader import load_library


def add_parser(sub) -> None:
    p = sub.add_parser("expand", help="print the rendered replacement of one trigger")
    p.add_argument("--snippets", action="append", required=True, metavar="FILE")
    p.add_argument("--now", type=iso_datetime)
    p.add_argument("--clipboard", default="")
    p.add_argument("trigger", metavar="TRIGGER")
    p.set_defaults(func=run)


def run(args) -> int:
    result = load_library(args.snippets)
    if not result.ok:
        print_diagnostics(result.diagnostics)
        return 1
    lib = result.library
    exact = [s for s in lib.active if s.trigger == args.trigger]
    found = exact or [s for s in lib.active if s.case == "smart" and s.trigger.casefold() == args.trigger.casefold()]
    if not found:
        print(f"expander expand: no snippet with trigger {args.trigger!r}", file=sys.stderr)
        return 1
    now = args.now or datetime.now()
    ctx = RenderContext(now=lambda: now, clipboard=lambda: args.clipboard, nested=lib.nested)
    before, after = render(found[0].template, ctx)
    sys.stdout.write(before + after)
    return 0
