"""What several subcommands share: finding and loading the snippet files."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from expander.config import load_config, source_manager
from snippets.loader import LoadResult, load_library


def add_config_arg(parser) -> None:
    parser.add_argument("--config", type=Path, help="config.toml to use (default: the user's)")


def iso_datetime(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        import argparse

        raise argparse.ArgumentTypeError(f"not an ISO date-time: {text!r} (e.g. 2026-11-26T09:30)")


def load_for_command(files, config_path=None, *, network: bool = True) -> tuple[LoadResult, list, list]:
    """Load the named files, or the configured ones with the shared sources.

    Returns (result, config and source diagnostics, personal paths).
    """
    if files:
        paths = [Path(f) for f in files]
        return load_library(paths), [], paths
    from snippets.sources import load_all

    cfg, config_diags = load_config(config_path)
    paths = cfg.snippet_paths()
    manager = source_manager(cfg, config_diags)
    if manager is not None:
        for notice in manager.resolve(network=network).notices:
            print(f"expander: {notice}", file=sys.stderr)
    result = load_all(manager, paths, disabled_sets=cfg.disabled_sets)
    return result, config_diags, paths + ([Path(f.path) for f in manager.files()] if manager else [])


def print_diagnostics(diags, stream=None) -> None:
    stream = stream or sys.stderr
    for d in sorted(diags, key=lambda d: (d.path, d.line, d.col)):
        print(d, file=stream)


def add_render_args(parser) -> None:
    """--snippets FILE (repeatable), --now, --clipboard: what simulate and expand take."""
    parser.add_argument("--snippets", action="append", required=True, metavar="FILE")
    parser.add_argument("--now", type=iso_datetime, help="the date-time {date}/{time} see")
    parser.add_argument("--clipboard", default="", help="the text {clipboard} sees")


def load_or_report(files):
    """The library of ``files``, or None after printing its errors."""
    result = load_library(files)
    if not result.ok:
        print_diagnostics(result.diagnostics)
        return None
    return result.library
