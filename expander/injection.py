"""What the engine asks the injector to do to the focused text field.

One :class:`Injection` is applied in this order: ``backspaces`` presses of
BackSpace, ``deletes`` presses of Delete, then ``text`` is typed (or pasted), then
``caret_left`` presses of Left. The simulated text field and the real injectors
apply exactly this, so `expander simulate` shows what a live app receives.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Injection:
    backspaces: int
    text: str
    deletes: int = 0
    caret_left: int = 0
    trigger: str = ""  # the snippet's trigger as written in its file (for counters/logs)
    undo: bool = False  # True when this reverts the previous expansion
