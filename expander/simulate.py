"""Replays a KEYS string through the real engine into a simulated text field.

KEYS notation: every character is typed as itself, except ``<Name>`` tokens:
a special key by its X keysym name (``<BackSpace>``, ``<Return>``, ``<Tab>``,
``<Escape>``, ``<Left>``, ``<Right>``, ``<Up>``, ``<Down>``, ``<Home>``,
``<End>``, ``<Prior>``, ``<Next>``, ``<Delete>``), a character keysym
(``<less>`` for ``<``, ``<space>``, ``<comma>``, ...), ``<click>`` (mouse
click), ``<focus>`` (focus change) or ``<chord>`` (a Ctrl/Alt shortcut). A
``<`` that does not start such a token is typed as itself.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Optional

from expander.engine import Engine
from expander.keys import Key, Special
from expander.textfield import TextField

_CHAR_KEYSYMS = {
    "Return": "\n", "KP_Enter": "\n", "Tab": "\t", "space": " ", "exclam": "!", "quotedbl": '"',
    "numbersign": "#", "dollar": "$", "percent": "%", "ampersand": "&", "apostrophe": "'",
    "parenleft": "(", "parenright": ")", "asterisk": "*", "plus": "+", "comma": ",", "minus": "-",
    "period": ".", "slash": "/", "colon": ":", "semicolon": ";", "less": "<", "equal": "=",
    "greater": ">", "question": "?", "at": "@", "bracketleft": "[", "backslash": "\\",
    "bracketright": "]", "asciicircum": "^", "underscore": "_", "grave": "`", "braceleft": "{",
    "bar": "|", "braceright": "}", "asciitilde": "~", "EuroSign": "€",
}
_SPECIAL_NAMES = {s.value: s for s in Special}
_SPECIAL_NAMES.update({"Page_Up": Special.PAGE_UP, "Page_Down": Special.PAGE_DOWN})
_TOKEN = re.compile(r"<([A-Za-z_][A-Za-z0-9_]*)>")


def _keysym_char(name: str) -> Optional[str]:
    """The character of any other X keysym name (``<a>``, ``<adiaeresis>``, ``<EuroSign>``)."""
    if len(name) == 1:
        return name
    if re.fullmatch(r"U[0-9A-Fa-f]{4,6}", name) and int(name[1:], 16) <= 0x10FFFF:
        return chr(int(name[1:], 16))
    try:  # X's keysym table is plain data in python-xlib; no display is opened
        from Xlib import XK

        from expander.x11.keysyms import keysym_to_char
    except ImportError:
        return None
    for group in _KEYSYM_GROUPS:
        try:
            XK.load_keysym_group(group)
        except ImportError:  # a group this python-xlib does not ship
            pass
    keysym = XK.string_to_keysym(name)
    return keysym_to_char(keysym) if keysym else None


_KEYSYM_GROUPS = ("latin2", "latin3", "latin4", "greek", "cyrillic", "publishing", "technical", "special",
                  "arabic", "hebrew", "thai", "katakana", "korean", "miscellany")


class KeysError(ValueError):
    """KEYS names a key that does not exist."""


def parse_keys(keys: str) -> list[Key]:
    out: list[Key] = []
    i, n = 0, len(keys)
    while i < n:
        if keys[i] == "<":
            m = _TOKEN.match(keys, i)
            if m:
                name = m.group(1)
                if name in _SPECIAL_NAMES:
                    out.append(_SPECIAL_NAMES[name])
                else:
                    ch = _CHAR_KEYSYMS.get(name) or _keysym_char(name)
                    if ch is None:
                        raise KeysError(f"unknown key <{name}> (write <less> for a literal '<')")
                    out.append(ch)
                i = m.end()
                continue
        out.append(keys[i])
        i += 1
    return out


def replay(engine: Engine, keys: list[Key], field: Optional[TextField] = None) -> TextField:
    """Each key reaches the field first (as in a real app), then the engine reacts."""
    field = field if field is not None else TextField()
    for key in keys:
        field.press(key)
        injection = engine.feed(key)
        if injection is not None:
            field.apply(injection)
    return field


def make_engine(library, *, now: Optional[datetime] = None, clipboard: str = "", undo: bool = True) -> Engine:
    """An engine whose clock and clipboard are fixed, as `expander simulate` and `test` use."""
    from expander.shell import run_shell

    fixed_now = now or datetime.now()
    return Engine(library, undo=undo, now=lambda: fixed_now, clipboard=lambda: clipboard, run_shell=run_shell)


def simulate_with(engine: Engine, keys: str) -> str:
    """Replay KEYS into an empty field through ``engine`` (reset first, so it can be reused)."""
    engine.reset()
    return replay(engine, parse_keys(keys)).text


def simulate(
    library,
    keys: str,
    *,
    now: Optional[datetime] = None,
    clipboard: str = "",
    undo: bool = True,
) -> str:
    return simulate_with(make_engine(library, now=now, clipboard=clipboard, undo=undo), keys)
