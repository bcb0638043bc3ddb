"""Which keys paste in which application, by WM_CLASS.

Default: Ctrl+V pastes CLIPBOARD. Terminal emulators use Ctrl+Shift+V; xterm and
urxvt paste PRIMARY with Shift+Insert. Users extend the table per window class:
``{"myterm": "ctrl+shift+v", "oldterm": "shift+insert primary"}``.
"""

from __future__ import annotations

from dataclasses import dataclass

import logging

from . import keysyms as K

log = logging.getLogger("expander.x11")

_MODS = {"ctrl": K.CONTROL_L, "control": K.CONTROL_L, "shift": K.SHIFT_L, "alt": K.ALT_L,
         "super": K.SUPER_L}
_KEYS = {"v": K.V, "insert": 0xFF63, "y": 0x79}


@dataclass(frozen=True)
class PasteKeys:
    modifiers: tuple  # keysyms
    keysym: int
    selection: str = "CLIPBOARD"  # or "PRIMARY"


def parse(spec: str) -> PasteKeys:
    """``"ctrl+shift+v"`` / ``"shift+insert primary"`` -> :class:`PasteKeys`.

    Modifiers: ctrl, shift, alt, super; key: a letter/digit, ``insert``; an optional
    second word ``primary`` pastes the PRIMARY selection (xterm style). Raises ValueError.
    """
    words = spec.lower().split()
    if not words or len(words) > 2 or (len(words) == 2 and words[1] not in ("primary", "clipboard")):
        raise ValueError(f"unknown paste key spec {spec!r}")
    selection = "PRIMARY" if "primary" in words[1:] else "CLIPBOARD"
    parts = words[0].split("+")
    try:
        mods = tuple(_MODS[p] for p in parts[:-1])
        if parts[-1] in _KEYS:
            key = _KEYS[parts[-1]]
        else:
            key = ord(parts[-1])
            if not 0x20 < key < 0x7F:
                raise KeyError(parts[-1])
    except (KeyError, TypeError):
        raise ValueError(f"unknown paste key spec {spec!r}") from None
    return PasteKeys(mods, key, selection)


DEFAULT = parse("ctrl+v")
TERMINAL = parse("ctrl+shift+v")
BUILTIN: dict[str, PasteKeys] = {
    "xterm": parse("shift+insert primary"),
    "uxterm": parse("shift+insert primary"),
    "urxvt": parse("shift+insert primary"),
    "rxvt": parse("shift+insert primary"),
    "kitty": TERMINAL,
    "gnome-terminal": TERMINAL,
    "gnome-terminal-server": TERMINAL,
    "konsole": TERMINAL,
    "alacritty": TERMINAL,
    "xfce4-terminal": TERMINAL,
    "terminator": TERMINAL,
    "tilix": TERMINAL,
    "wezterm": TERMINAL,
    "org.wezfurlong.wezterm": TERMINAL,
    "foot": TERMINAL,
    "st": TERMINAL,
    "st-256color": TERMINAL,
    "lxterminal": TERMINAL,
    "mate-terminal": TERMINAL,
    "qterminal": TERMINAL,
    "terminology": TERMINAL,
    "sakura": TERMINAL,
    "tilda": TERMINAL,
    "guake": TERMINAL,
    "yakuake": TERMINAL,
    "ghostty": TERMINAL,
}


class PasteTable:
    """The built-in table plus the user's entries (window class -> spec)."""

    def __init__(self, user: dict[str, str] | None = None):
        self.table = dict(BUILTIN)
        for cls, spec in (user or {}).items():
            try:
                self.table[cls.lower()] = parse(spec)
            except ValueError as exc:
                log.warning("paste key for window class %r ignored: %s", cls, exc)

    def for_classes(self, classes) -> PasteKeys:
        for cls in classes:
            hit = self.table.get(cls.lower())
            if hit is not None:
                return hit
        return DEFAULT
