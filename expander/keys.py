"""The one key type every layer shares: a typed character or a named special key.

A key is either a one-character ``str`` (what the user typed, after the keyboard
layout, AltGr and dead keys are applied; Return is ``"\\n"``, Tab is ``"\\t"``) or a
member of :class:`Special`. Adapters translate their platform's events into these;
the matcher, the simulated text field and the CLI only ever see this type.
"""

from __future__ import annotations

import enum
from typing import Union


class Special(enum.Enum):
    """Keys and events that are not text."""

    BACKSPACE = "BackSpace"
    DELETE = "Delete"
    LEFT = "Left"
    RIGHT = "Right"
    UP = "Up"
    DOWN = "Down"
    HOME = "Home"
    END = "End"
    PAGE_UP = "Prior"
    PAGE_DOWN = "Next"
    ESCAPE = "Escape"
    CLICK = "click"  # a mouse button press
    FOCUS = "focus"  # another window got the keyboard focus
    CHORD = "chord"  # a key pressed with Ctrl, Alt or Super held (shortcut, not text)


Key = Union[str, Special]

#: Specials that make the matcher forget what it remembers (the caret moved or
#: the context changed). BACKSPACE is not here: it edits the memory instead.
RESETS = frozenset(
    {
        Special.DELETE,
        Special.LEFT,
        Special.RIGHT,
        Special.UP,
        Special.DOWN,
        Special.HOME,
        Special.END,
        Special.PAGE_UP,
        Special.PAGE_DOWN,
        Special.ESCAPE,
        Special.CLICK,
        Special.FOCUS,
        Special.CHORD,
    }
)
