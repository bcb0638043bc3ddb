"""``expander test [FILE...]``: run every snippet's examples through the real engine.

Prints a FAIL block per failing example (``-v``: a PASS line per passing one)
and ends with ``N passed, N failed``. Exit 1 on a failure or a load error.
"""

from __future__ import annotations

import sys

from expander.commands._common import add_config_arg, iso_datetime, load_for_command, print_diagnostics
from snippets.examples import format_result, run_examples, summary_line


def add_parser(sub) -> None:
    p = sub.add_parser("test", help="run the snippets' examples (default: the configured sets)")
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument("--now", type=iso_datetime, help="the date-time {date}/{time} see (default: now)")
    p.add_argument("--clipboard", default="", help="the text {clipboard} sees")
    p.add_argument("-v", "--verbose", action="store_true", help="also list the examples that pass")
    add_config_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    result, config_diags, paths = load_for_command(args.files, args.config)
    errors = [d for d in list(config_diags) + list(result.diagnostics) if d.is_error]
    if errors:
        print_diagnostics(errors, sys.stdout)
    results = run_examples(result.library, now=args.now, clipboard=args.clipboard)
    for r in results:
        if args.verbose or not r.passed:
            print(format_result(r))
    if errors:
        print(f"{len(errors)} load error(s): files that failed to load were not tested, and snippets "
              "dropped for an error fail their examples", file=sys.stdout)
    print(summary_line(results))
    return 1 if errors or any(not r.passed for r in results) else 0
