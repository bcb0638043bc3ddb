"""``expander expand --snippets FILE TRIGGER``: print one trigger's rendered replacement."""

from __future__ import annotations

import sys
from datetime import datetime

from expander.commands._common import add_render_args, load_or_report
from expander.renderer import RenderContext, render


def add_parser(sub) -> None:
    p = sub.add_parser("expand", help="print the rendered replacement of one trigger")
    add_render_args(p)
    p.add_argument("trigger", metavar="TRIGGER")
    p.set_defaults(func=run)


def run(args) -> int:
    library = load_or_report(args.snippets)
    if library is None:
        return 1
    lib = library
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
