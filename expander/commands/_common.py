"""What several subcommands share: finding and loading the snippet files."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from expander.config import load_config
from snippets.loader import LoadResult, load_library


def add_config_arg(parser) -> None:
    parser.add_argument("--config", type=Path, help="config.toml to use (default: the user's)")


def iso_datetime(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        import argparse

        raise argparse.ArgumentTypeError(f"not an ISO date-time: {text!r} (e.g. 2026-11-26T09:30)")


def load_for_command(files, config_path=None) -> tuple[LoadResult, list, list]:
    """Load the named files, or the configured ones; returns (result, config diagnostics, paths)."""
    config_diags: list = []
    disabled: list = []
    if files:
        paths = [Path(f) for f in files]
    else:
        cfg, config_diags = load_config(config_path)
        paths = cfg.snippet_paths()
        disabled = cfg.disabled_sets
    result = load_library(paths, disabled_sets=disabled)
    return result, config_diags, paths


def print_diagnostics(diags, stream=None) -> None:
    stream = stream or sys.stderr
    for d in sorted(diags, key=lambda d: (d.path, d.line, d.col)):
        print(d, file=stream)
