"""``expander expand --snippets FILE TRIGGER``: print one trigger's rendered replacement.

The trigger is looked up like a nested ``{snippet:TRIGGER}`` (exact spelling
first, then any case); a smart-case snippet follows the case of TRIGGER as typed.
"""

from __future__ import annotations

import sys
from datetime import datetime

from expander.commands._common import add_render_args, load_or_report
from expander.renderer import RenderContext, apply_case, case_style, render
from expander.shell import run_shell


def add_parser(sub) -> None:
    p = sub.add_parser("expand", help="print the rendered replacement of one trigger")
    add_render_args(p)
    p.add_argument("trigger", metavar="TRIGGER")
    p.set_defaults(func=run)


def run(args) -> int:
    library = load_or_report(args.snippets)
    if library is None:
        return 1
    snippet = library.find(args.trigger)
    if snippet is None or (snippet.case == "exact" and snippet.trigger != args.trigger):
        print(f"expander expand: no snippet with trigger {args.trigger!r}", file=sys.stderr)
        return 1
    now = args.now or datetime.now()
    ctx = RenderContext(now=lambda: now, clipboard=lambda: args.clipboard, nested=library.nested,
                        run_shell=run_shell)
    try:
        before, after = render(snippet.template, ctx)
    except Exception as exc:
        print(f"expander expand: {snippet.location}: cannot render {args.trigger!r}: {exc}", file=sys.stderr)
        return 1
    if snippet.case == "smart":
        before, after = apply_case(case_style(args.trigger), before, after)
    sys.stdout.write(before + after)
    return 0
