"""Runs the program of a ``{shell:COMMAND}`` placeholder (personal or trusted sets only)."""

from __future__ import annotations

import subprocess

TIMEOUT = 5.0


def run_shell(command: str, timeout: float = TIMEOUT) -> str:
    """The command's standard output without its final newline; raises on failure."""
    result = subprocess.run(
        command, shell=True, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )
    if result.returncode != 0:
        raise RuntimeError(f"{{shell:}} command exited with status {result.returncode}")
    return result.stdout[:-1] if result.stdout.endswith("\n") else result.stdout
