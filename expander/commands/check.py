"""``expander check [FILE...]``: validate snippet files; exit 1 on any error."""

from __future__ import annotations

import sys

from expander.commands._common import add_config_arg, load_for_command, print_diagnostics
from snippets.lint import lint


def add_parser(sub) -> None:
    p = sub.add_parser("check", help="validate snippet files (default: the configured ones)")
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument("--strict", action="store_true", help="warnings fail too (exit 1)")
    add_config_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    result, config_diags, paths = load_for_command(args.files, args.config)
    diags = list(config_diags) + list(result.diagnostics) + lint(result.library)
    print_diagnostics(diags, sys.stdout)
    if not result.sets and not any(d.is_error for d in diags):
        where = ", ".join(map(str, paths)) or "the configuration"
        print(f"expander: no snippet files found ({where})", file=sys.stderr)
        return 1
    errors = sum(d.is_error for d in diags)
    warnings = len(diags) - errors
    print(
        f"{len(result.sets)} set(s), {result.library.snippet_count} snippet(s): "
        f"{errors} error(s), {warnings} warning(s)",
        file=sys.stderr,
    )
    if errors or (args.strict and warnings):
        return 1
    return 0
