"""Importing pystray safely.

``import pystray`` picks a backend at import time and, on Linux without a
usable display, raises ``Xlib.error.DisplayNameError`` (not ImportError) from
its xorg backend. The menu model only needs ``pystray.Menu``/``MenuItem``,
which do not depend on a backend, so when the normal import fails we import
pystray with its ``dummy`` backend instead. The real backend is chosen
separately by :mod:`tray.app`, which imports ``pystray._<backend>`` directly.
"""

from __future__ import annotations

import os
import sys
import types


def import_pystray() -> types.ModuleType:
    mod = sys.modules.get("pystray")
    if mod is not None and hasattr(mod, "Menu"):
        return mod
    try:
        import pystray  # noqa: F401

        return sys.modules["pystray"]
    except Exception:
        sys.modules.pop("pystray", None)
    old = os.environ.get("PYSTRAY_BACKEND")
    os.environ["PYSTRAY_BACKEND"] = "dummy"
    try:
        import pystray  # noqa: F811

        return sys.modules["pystray"]
    finally:
        if old is None:
            os.environ.pop("PYSTRAY_BACKEND", None)
        else:
            os.environ["PYSTRAY_BACKEND"] = old
