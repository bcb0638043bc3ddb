"""``expander list [FILE...]``: the snippets as a readable table, or JSON."""

from __future__ import annotations

import json
import sys

from expander.commands._common import add_config_arg, load_for_command, print_diagnostics


def add_parser(sub) -> None:
    p = sub.add_parser("list", help="list snippets (trigger, set, label, replacement)")
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_config_arg(p)
    p.set_defaults(func=run)


def _first_line(text: str, width: int = 50) -> str:
    line = text.split("\n", 1)[0]
    more = "\n" in text or len(line) > width
    return (line[: width - 1] + "…") if more and len(line) >= width else (line + (" …" if more else ""))


def run(args) -> int:
    result, config_diags, _ = load_for_command(args.files, args.config)
    print_diagnostics(list(config_diags) + list(result.diagnostics))
    rows = []
    active = {id(s) for s in result.library.active}
    for sset in result.sets:
        for s in sset.snippets:
            rows.append((s, sset, id(s) in active))
    if args.json:
        out = [
            {
                "trigger": s.trigger,
                "set": sset.name,
                "label": s.label,
                "replace": s.replace,
                "word_start": s.word_start,
                "word_end": s.word_end,
                "case": s.case,
                "tags": list(s.tags),
                "active": act,
                "read_only": sset.read_only,
                "file": s.location.path,
                "line": s.location.line,
                "col": s.location.col,
            }
            for s, sset, act in rows
        ]
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        table = [("TRIGGER", "SET", "LABEL", "REPLACEMENT")]
        for s, sset, act in rows:
            name = sset.name + ("" if act else " (overridden/off)")
            table.append((s.trigger, name, s.label, _first_line(s.replace)))
        widths = [max(len(r[i]) for r in table) for i in range(3)]
        for r in table:
            print("  ".join(c.ljust(w) for c, w in zip(r[:3], widths)) + "  " + r[3])
    return 0 if result.ok else 1
