"""Runs the real tray (tray.app.TrayApp) in its own process for the end-to-end test.

    python tests/tray/tray_harness.py --log CALLS.jsonl [--backend gtk] [--app module:factory]

Prints one JSON line ``{"ready": true, "backend": ..., "shown": ...}`` once the
icon is created, then runs the tray loop on the main thread until Quit.

``--app module:factory`` (or env ``EXPANDER_TRAY_E2E_APP``) swaps the fake for
another AppControl (``factory(log_path)``). With the default fake, every
AppControl call is appended to ``--log`` as a JSON line. The test with the real
app runs ``expander run`` itself (test_tray_stops_and_resumes_live_expansion).
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tray.app import TrayApp  # noqa: E402
from tray.fake import FakeAppControl  # noqa: E402
from tray.interface import SetInfo  # noqa: E402


def make_app_control(log_path: Path, app_spec: str | None):
    """The AppControl the tray talks to: the fake by default, or ``module:factory``."""
    if app_spec:
        mod_name, _, fn = app_spec.partition(":")
        factory = getattr(importlib.import_module(mod_name), fn or "make_app_control")
        return factory(log_path)
    return FakeAppControl(
        sets=[SetInfo("Support DE", 3, True, False), SetInfo("Team", 2, True, True)],
        log_path=log_path,
        snippets_folder=log_path.parent / "snippets",
        config_path=log_path.parent / "config.toml",
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", type=Path, required=True)
    ap.add_argument("--backend", default=None)
    ap.add_argument("--app", default=os.environ.get("EXPANDER_TRAY_E2E_APP"))
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s: %(message)s")

    control = make_app_control(args.log, args.app)

    def opener(path):
        with open(args.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(["open", str(path)]) + "\n")

    tray = TrayApp(control, backend=args.backend, opener=opener)
    signal.signal(signal.SIGTERM, lambda *a: tray.stop())
    res = tray.prepare()
    print(json.dumps({"ready": True, "backend": res.backend, "shown": res.shown,
                      "has_menu": res.has_menu, "message": res.message}), flush=True)
    res = tray.run()
    print(json.dumps({"exited": True, "shown": res.shown}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
