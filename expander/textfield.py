"""A simulated text field with a caret: how an app applies keys and injections.

`expander simulate` replays keys into one; the live loop keeps two to compare
what the app got with what it should have.
"""

from __future__ import annotations

from typing import Optional

from expander.injection import Injection
from expander.keys import Key, Special


class TextField:
    def __init__(self, text: str = "", caret: Optional[int] = None) -> None:
        self.text = text
        self.caret = len(text) if caret is None else caret

    def __repr__(self) -> str:
        return f"TextField({self.text[:self.caret]!r} | {self.text[self.caret:]!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, TextField) and (self.text, self.caret) == (other.text, other.caret)

    def insert(self, s: str) -> None:
        self.text = self.text[: self.caret] + s + self.text[self.caret :]
        self.caret += len(s)

    def _line_bounds(self, pos: int) -> tuple[int, int]:
        start = self.text.rfind("\n", 0, pos) + 1
        end = self.text.find("\n", pos)
        return start, len(self.text) if end < 0 else end

    def press(self, key: Key) -> None:
        """Apply one key the way a plain text widget does."""
        if isinstance(key, str):
            self.insert(key)
            return
        t, c = self.text, self.caret
        if key is Special.BACKSPACE:
            if c > 0:
                self.text = t[: c - 1] + t[c:]
                self.caret = c - 1
        elif key is Special.DELETE:
            self.text = t[:c] + t[c + 1 :]
        elif key is Special.LEFT:
            self.caret = max(0, c - 1)
        elif key is Special.RIGHT:
            self.caret = min(len(t), c + 1)
        elif key is Special.HOME:
            self.caret = self._line_bounds(c)[0]
        elif key is Special.END:
            self.caret = self._line_bounds(c)[1]
        elif key is Special.PAGE_UP:
            self.caret = 0
        elif key is Special.PAGE_DOWN:
            self.caret = len(t)
        elif key in (Special.UP, Special.DOWN):
            start, end = self._line_bounds(c)
            column = c - start
            if key is Special.UP:
                if start == 0:
                    self.caret = 0
                    return
                prev_start, prev_end = self._line_bounds(start - 1)
                self.caret = min(prev_start + column, prev_end)
            else:
                if end == len(t):
                    self.caret = len(t)
                    return
                next_start, next_end = self._line_bounds(end + 1)
                self.caret = min(next_start + column, next_end)
        # ESCAPE, CLICK, FOCUS, CHORD change nothing in the field

    def apply(self, injection: Injection) -> None:
        """Apply an injection in its documented order."""
        self.apply_ops(injection.ops())

    def apply_ops(self, ops) -> None:
        """Apply edit steps: ``bs``/``del``/``left``/``right`` with a count, ``text``/``paste_text``."""
        for op, arg in ops:
            if op in ("text", "paste_text"):
                self.insert(arg)
            else:
                key = _STEP_KEYS[op]
                for _ in range(arg):
                    self.press(key)


_STEP_KEYS = {"bs": Special.BACKSPACE, "del": Special.DELETE, "left": Special.LEFT, "right": Special.RIGHT}
