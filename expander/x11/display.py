"""Opening X connections, with one clear message when X cannot be used."""

from __future__ import annotations

import os

REQUIRED_EXTENSIONS = ("RECORD", "XTEST")


class X11Unavailable(RuntimeError):
    """X11 cannot be used (no DISPLAY, cannot connect, missing extension)."""


def open_display(name: str | None = None, *, check_extensions: bool = True):
    """Open a python-xlib ``Display``; raise :class:`X11Unavailable` with a clear message."""
    try:
        from Xlib import display as xdisplay
        from Xlib import error as xerror
    except ImportError as exc:  # pragma: no cover - dependency missing
        raise X11Unavailable(
            "python-xlib is not installed (pip install python-xlib)"
        ) from exc
    name = name or os.environ.get("DISPLAY")
    if not name:
        raise X11Unavailable(
            "no X display: DISPLAY is not set (live expansion needs an X11 session; "
            "Wayland without XWayland is not supported)"
        )
    try:
        disp = xdisplay.Display(name)
    except (xerror.DisplayError, OSError, xerror.ConnectionClosedError) as exc:
        raise X11Unavailable(f"cannot connect to X display {name!r}: {exc}") from None
    if check_extensions:
        missing = [ext for ext in REQUIRED_EXTENSIONS if not disp.query_extension(ext)]
        if missing:
            disp.close()
            raise X11Unavailable(
                f"X display {name!r} lacks the {' and '.join(missing)} extension(s) "
                "that live expansion needs"
            )
    return disp
