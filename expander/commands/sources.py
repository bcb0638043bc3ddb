"""``expander sources``: each shared source -- where from, last refresh, cached or live,
snippet count, errors. Exit 1 when a source has errors or the config is invalid."""

from __future__ import annotations

import json
import sys
import time

from expander.commands._common import add_config_arg, print_diagnostics
from expander.config import source_manager
from expander.config import load_config
from snippets.sources import format_duration


def add_parser(sub) -> None:
    p = sub.add_parser("sources", help="show the shared snippet sources and their state")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--refresh", action="store_true", help="ask every server / git remote now")
    mode.add_argument("--offline", action="store_true", help="use only what is cached; no network, no git")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_config_arg(p)
    p.set_defaults(func=run)


def _when(ts) -> str:
    if ts is None:
        return "never"
    ago = max(0, time.time() - ts)
    stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))
    return f"{stamp} ({format_duration(ago - ago % 60) if ago >= 60 else 'just now'}{' ago' if ago >= 60 else ''})"


def run(args) -> int:
    cfg, diags = load_config(args.config)
    diags = list(diags)
    manager = source_manager(cfg, diags)
    if diags:
        print_diagnostics(diags, sys.stderr)
    if manager is None:
        if args.json:
            print("[]")
        else:
            print(f"no [[source]] in {cfg.path}")
        return 1 if diags else 0
    manager.resolve(network=not args.offline)
    if args.refresh:
        manager.refresh()
    statuses = manager.status()
    if args.json:
        print(json.dumps([s.to_json() for s in statuses], indent=2, ensure_ascii=False))
    else:
        for st in statuses:
            print(f"{st.name}  ({st.kind}{', trusted' if st.trusted else ''})")
            print(f"    from:         {st.origin}")
            print(f"    state:        {st.state}" + (" (last good copy)" if st.state == "cached" else ""))
            print(f"    last refresh: {_when(st.last_refresh)}"
                  + (f", every {format_duration(st.refresh)}" if st.refresh else ""))
            print(f"    snippets:     {st.snippet_count or 0} in {len(st.files)} file(s)")
            for f in st.files:
                print(f"      {f.path}{'  (cached)' if f.cached else ''}")
            for e in st.errors:
                print(f"    error:        {e}")
    bad = bool(diags) or any(st.errors or st.state == "unavailable" for st in statuses)
    return 1 if bad else 0
