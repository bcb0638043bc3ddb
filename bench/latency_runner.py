"""Runs live expansion for bench_latency.py: ``python latency_runner.py SNIPPETS.toml...``.

Prints ``ready <seconds since process start>`` on stdout when the hook is live.
"""

import time

T0 = time.monotonic()

import logging  # noqa: E402
import sys  # noqa: E402

from expander.live import LiveOptions, run_live  # noqa: E402
from snippets.loader import load_library  # noqa: E402

logging.basicConfig(level=logging.WARNING)


def ready(live):
    print(f"ready {time.monotonic() - T0:.4f}", flush=True)


result = load_library(sys.argv[1:])
run_live(result.library, LiveOptions(), on_ready=ready)
