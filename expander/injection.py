"""What the engine asks the injector to do to the focused text field.

One :class:`Injection` is applied in this order: ``backspaces`` presses of
BackSpace, ``deletes`` presses of Delete, then ``text`` is typed (or pasted), then
``caret_left`` presses of Left. :meth:`Injection.ops` spells that out as steps; the
simulated text field and the real injectors apply exactly those steps, so
`expander simulate` shows what a live app receives.
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

    def ops(self) -> list:
        """The edit as a list of ``(op, count or text)`` steps in the order they apply:
        ``("bs", n)``, ``("del", n)``, ``("text", s)``, ``("left", n)``."""
        steps: list = []
        if self.backspaces:
            steps.append(("bs", self.backspaces))
        if self.deletes:
            steps.append(("del", self.deletes))
        if self.text:
            steps.append(("text", self.text))
        if self.caret_left:
            steps.append(("left", self.caret_left))
        return steps
