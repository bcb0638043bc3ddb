"""Finds the trigger that completes on each keystroke (pure: no OS, no threads).

The matcher remembers the characters typed since the last reset (a bounded
tail) and, for every new character, walks tries of the *reversed* triggers
backwards from the caret. The work per keystroke is bounded by the length of
the longest trigger, never by the number of snippets, and every trigger that
completes on the keystroke is seen, so the longest one wins (espanso's
"first path wins" bug cannot happen).

Four tries: {smart (casefolded), exact} x {fires on its last character
(``word_end = false``), fires on the separator after it}.
"""

from __future__ import annotations

import bisect
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Optional

from expander.gcpause import paused_gc

_WORD_CATEGORIES = ("L", "N", "M")


def is_word_char(ch: str) -> bool:
    """Letters, numbers, combining marks and ``_`` make words; everything else separates."""
    return ch == "_" or unicodedata.category(ch)[0] in _WORD_CATEGORIES


class _Node:
    """A node of a radix trie over reversed triggers.

    ``label`` is the run of characters leading into this node that no other
    trigger shares (path compression keeps 100k triggers to ~1.5 nodes each);
    ``children`` maps the next character to the child whose label follows it.
    """

    __slots__ = ("label", "children", "snippet")

    def __init__(self, label: str = "") -> None:
        self.label = label
        self.children = None
        self.snippet = None


def _build(keys: list, snips: list, lo: int, hi: int, depth: int) -> _Node:
    """Radix node for the sorted ``keys[lo:hi]``, which share their first ``depth`` characters."""
    first, last = keys[lo], keys[hi - 1]
    end = depth
    limit = min(len(first), len(last))
    while end < limit and first[end] == last[end]:
        end += 1
    node = _Node(first[depth:end])
    if len(first) == end:
        node.snippet = snips[lo]
        lo += 1
    if lo < hi:
        node.children = {}
        while lo < hi:
            prefix = keys[lo][: end + 1]
            nxt = bisect.bisect_right(keys, prefix + "\U0010ffff", lo, hi)
            node.children[prefix[end]] = _build(keys, snips, lo, nxt, end + 1)
            lo = nxt
    return node


def _make_trie(entries: list) -> _Node:
    """The radix trie of ``entries`` ((reversed trigger, snippet) pairs, keys unique)."""
    entries.sort(key=lambda e: e[0])
    keys = [e[0] for e in entries]
    root = _build(keys, [e[1] for e in entries], 0, len(keys), 0)
    if root.label:  # the walk starts at a label-free root
        top = _Node()
        top.children = {root.label[0]: root}
        root.label = root.label[1:]
        return top
    return root


@dataclass(frozen=True, slots=True)
class Match:
    snippet: object
    typed: str  # the trigger as the user typed it
    separator: str  # the character that fired a word_end trigger, else ''


class _Char:
    """One remembered character."""

    __slots__ = ("ch", "fold", "word", "live")

    def __init__(self, ch: str, live: bool):
        self.ch = ch
        self.fold = ch.casefold()[::-1]  # reversed: the tries are walked backwards
        self.word = is_word_char(ch)
        self.live = live  # False for expansion text: it counts for boundaries only


class Matcher:
    """Remembers recent typing and reports completed triggers."""

    def __init__(self, snippets: Iterable) -> None:
        entries: dict = {(c, e): [] for c in ("smart", "exact") for e in (False, True)}
        longest = 0
        for s in snippets:
            chars = s.trigger.casefold() if s.case == "smart" else s.trigger
            entries[(s.case, s.word_end)].append((chars[::-1], s))
            longest = max(longest, len(s.trigger))
        with paused_gc():
            self._walks = [
                (case == "smart", end, _make_trie(items)) for (case, end), items in entries.items() if items
            ]
        self._cap = longest + 2
        self._buf: list[_Char] = []
        self._lost_prefix = False  # True when older characters were dropped from memory
        self._blocked = None  # (first, last) characters of a restored trigger: that run cannot match

    # -- memory ------------------------------------------------------------
    def reset(self) -> None:
        """Forget everything; the next character starts a word."""
        self._buf.clear()
        self._lost_prefix = False
        self._blocked = None

    def push_restored(self, text: str) -> None:
        """Remember a trigger brought back by undo: ordinary text, but this run never fires again."""
        if not text:
            return
        self.push_text(text, live=True)
        n = len(text)
        if n <= len(self._buf):
            self._blocked = (self._buf[-n], self._buf[-1])

    def push_text(self, text: str, live: bool = False) -> None:
        """Remember text that is in the field but may not start a match (expansions, restores)."""
        for ch in text[-(self._cap + 1) :] if len(text) > self._cap else text:
            self._buf.append(_Char(ch, live))
        if len(text) > self._cap:
            self._lost_prefix = True
        self._trim()

    def backspace(self) -> Optional[str]:
        """Forget the last character; returns it (None when nothing was remembered)."""
        if self._buf:
            return self._buf.pop().ch
        return None

    def snapshot(self) -> tuple:
        return (list(self._buf), self._lost_prefix, self._blocked)

    def restore(self, snap: tuple) -> None:
        self._buf, self._lost_prefix, self._blocked = list(snap[0]), snap[1], snap[2]

    def last_char(self) -> Optional[str]:
        """The character left of the caret, if remembered."""
        return self._buf[-1].ch if self._buf else None

    def drop(self, count: int) -> None:
        """Forget the last ``count`` characters."""
        if count:
            del self._buf[-count:]

    def _trim(self) -> None:
        if len(self._buf) > 2 * self._cap + 16:
            del self._buf[: len(self._buf) - self._cap]
            self._lost_prefix = True

    # -- matching ----------------------------------------------------------
    def type(self, ch: str) -> Optional[Match]:
        """Remember a typed character; return the longest trigger it completes, if any."""
        entry = _Char(ch, True)
        buf = self._buf
        buf.append(entry)
        if len(buf) > 2 * self._cap + 16:
            self._trim()
        best: Optional[Match] = None
        best_rank = (-1, False, False)
        end = len(buf)
        for smart, word_end, root in self._walks:
            if word_end:
                if entry.word:
                    continue
                found = self._walk(root, smart, end - 2)
                sep = ch
            else:
                found = self._walk(root, smart, end - 1)
                sep = ""
            if found is not None:
                length, snippet = found
                # longest wins; on equal length an exact-case trigger beats a smart one,
                # then one that fires on this very character beats one fired by a separator
                rank = (length, not smart, not word_end)
                if rank > best_rank:
                    best_rank = rank
                    stop = end - (1 if word_end else 0)
                    best = Match(snippet, "".join(c.ch for c in buf[stop - length : stop]), sep)
        return best

    def _walk(self, root: _Node, smart: bool, last: int):
        """Longest trigger ending at buffer index ``last`` whose word-start rule holds."""
        buf = self._buf
        node = root
        pos = 0  # characters of node.label matched so far
        found = None
        i = last
        while i >= 0:
            entry = buf[i]
            if not entry.live:
                break
            for c in entry.fold if smart else entry.ch:
                label = node.label
                if pos < len(label):
                    if label[pos] != c:
                        return found
                    pos += 1
                else:
                    children = node.children
                    if children is None:
                        return found
                    node = children.get(c)
                    if node is None:
                        return found
                    pos = 0
            snippet = node.snippet
            if (
                snippet is not None
                and pos == len(node.label)
                and (not snippet.word_start or self._starts_word(i))
                and (self._blocked is None or self._blocked != (entry, buf[last]))
            ):
                found = (last - i + 1, snippet)
            i -= 1
        return found

    def _starts_word(self, i: int) -> bool:
        if i > 0:
            return not self._buf[i - 1].word
        return not self._lost_prefix
