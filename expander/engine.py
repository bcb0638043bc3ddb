"""Decides, key by key, what to do to the focused text field (pure: no OS, no threads).

``Engine.feed(key)`` takes every key the user typed, in order, and returns an
:class:`Injection` when a trigger completes (or when a BackSpace undoes the
expansion just made). It never sees the keys expander itself types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Optional

from expander.injection import Injection
from expander.keys import RESETS, Key, Special
from expander.matcher import Matcher
from expander.renderer import Cursor, RenderContext, apply_case, case_style, render


@dataclass
class _Expansion:
    """What the last expansion left in the field, for undo."""

    before_caret: str  # text of the expansion left of the caret (including the separator if no cursor)
    after_caret: str  # text of the expansion right of the caret
    typed: str  # the trigger as typed
    memory: tuple  # matcher memory before the trigger was typed
    trigger: str


class Engine:
    """Key events in, injections out."""

    def __init__(
        self,
        library,
        *,
        undo: bool = True,
        now: Callable[[], datetime] = datetime.now,
        clipboard: Callable[[], str] = lambda: "",
        run_shell: Optional[Callable[[str], str]] = None,
    ) -> None:
        self.undo_enabled = undo
        self._now = now
        self._clipboard = clipboard
        self._run_shell = run_shell
        self._last: Optional[_Expansion] = None
        #: (trigger, reason) of recent expansions whose placeholders failed (no typed text)
        self.failures: list = []
        self.set_library(library)

    def set_library(self, library) -> None:
        """Expand from another library from now on (memory is cleared)."""
        self.library = library
        self.matcher = Matcher(library.active)
        self._ctx = RenderContext(
            now=self._now, clipboard=self._clipboard, nested=library.nested, run_shell=self._run_shell
        )
        self._last = None

    def reset(self) -> None:
        self.matcher.reset()
        self._last = None

    def feed(self, key: Key) -> Optional[Injection]:
        last, self._last = self._last, None
        if isinstance(key, str):
            return self._type(key)
        if key is Special.BACKSPACE:
            if last is not None and self.undo_enabled:
                undo = self._undo(last)
                if undo is not None:
                    return undo
            self.matcher.backspace()
            return None
        if key in RESETS:
            self.matcher.reset()
        return None

    def _type(self, ch: str) -> Optional[Injection]:
        match = self.matcher.type(ch)
        if match is None:
            return None
        snippet = match.snippet
        sep = match.separator
        erased = len(match.typed) + len(sep)
        try:
            before, after = render(snippet.template, self._ctx)
        except Exception as exc:  # a failing placeholder ({shell:}) leaves the trigger as typed
            self.failures.append((snippet.trigger, str(exc)))
            del self.failures[:-20]
            return None
        self.matcher.drop(erased)
        memory = self.matcher.snapshot()
        if snippet.case == "smart":
            before, after = apply_case(case_style(match.typed), before, after)
        has_cursor = any(isinstance(p, Cursor) for p in snippet.template)
        if has_cursor:
            text = before + after + sep
            caret_left = len(after) + len(sep)
            before_caret, after_caret = before, after + sep
        else:
            text = before + sep
            caret_left = 0
            before_caret, after_caret = text, ""
        self.matcher.push_text(before)
        if sep and not has_cursor:
            self.matcher.push_text(sep, live=True)
        self._last = _Expansion(before_caret, after_caret, match.typed, memory, snippet.trigger)
        return Injection(backspaces=erased, text=text, caret_left=caret_left, trigger=snippet.trigger)

    def _undo(self, last: _Expansion) -> Optional[Injection]:
        """Put the trigger back after the BackSpace that followed an expansion.

        The app already deleted the character left of the caret: the expansion's
        last one before the caret, or (when the caret sits at the expansion's start)
        the character before the expansion, which is typed back if it is known.
        """
        self.matcher.restore(last.memory)
        prefix = ""
        if last.before_caret:
            backspaces = len(last.before_caret) - 1
        else:
            deleted = self.matcher.last_char()
            if deleted is None:
                return None  # the deleted character is unknown: an ordinary BackSpace
            backspaces, prefix = 0, deleted
        self.matcher.push_restored(last.typed)
        return Injection(
            backspaces=backspaces,
            deletes=len(last.after_caret),
            text=prefix + last.typed,
            trigger=last.trigger,
            undo=True,
        )
