"""Finds where keys and values stand in a TOML text, for ``file:line:col`` messages.

``tomllib`` gives values but no positions. This scanner walks the text once,
tracking table headers (``[t]``, ``[[t]]`` with their index) and ``key = value``
lines, and skipping multi-line strings, arrays and inline tables. It is only
run when a message needs a position, so loading a large file stays fast.

Positions are 1-based ``(line, col)``. Paths are tuples: ``("set", "name")``,
``("snippets", "zd")``, ``("snippet", 0)`` for the header of the first
``[[snippet]]``, ``("snippet", 0, "replace")`` for a key inside it.
"""

from __future__ import annotations

import bisect
import re
import sys
import zlib

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_BARE = r"[A-Za-z0-9_-]+"
_BASIC = r'"(?:[^"\\\n]|\\.)*"'
_LITERAL = r"'[^'\n]*'"
_KEYPART = rf"(?:{_BARE}|{_BASIC}|{_LITERAL})"
_KEYPATH = re.compile(rf"\s*({_KEYPART}(?:\s*\.\s*{_KEYPART})*)\s*")
_KEYPART_RE = re.compile(_KEYPART)


def _unquote(part: str) -> str:
    if part[0] == '"':
        return tomllib.loads("k = " + part)["k"]
    if part[0] == "'":
        return part[1:-1]
    return part


def _split_keypath(text: str) -> tuple:
    return tuple(_unquote(m.group(0)) for m in _KEYPART_RE.finditer(text))


class Locator:
    """Positions of the keys and values of one TOML text (computed on first use)."""

    def __init__(self, text: str):
        self._text: str | None = text
        self._packed = b""
        self._keys: dict | None = None
        self._values: dict = {}
        self._line_starts: list | None = None

    def key(self, path: tuple) -> tuple[int, int]:
        """Where the key (or table header) at ``path`` starts; the nearest parent if unknown."""
        self._scan()
        assert self._keys is not None
        p = tuple(path)
        while p:
            if p in self._keys:
                return self._keys[p]
            p = p[:-1]
        return (1, 1)

    def value(self, path: tuple, offset_in_string: int | None = None) -> tuple[int, int]:
        """Where the value at ``path`` starts; with an offset, that character of a string value."""
        self._scan()
        start = self._values.get(tuple(path))
        if start is None:
            return self.key(path)
        if offset_in_string is None:
            return self._pos(start)
        return self._pos(_string_char_index(self._ensure_text(), start, offset_in_string))

    def forget_text(self) -> None:
        """Keep the text compressed until a position is asked for (100k snippets: ~1 MB, not 14)."""
        if self._text is not None and self._keys is None:
            self._packed = zlib.compress(self._text.encode("utf-8"), 1)
            self._text = None

    def _ensure_text(self) -> str:
        if self._text is None:
            self._text = zlib.decompress(self._packed).decode("utf-8")
            self._packed = b""
        return self._text

    def _pos(self, index: int) -> tuple[int, int]:
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self._text)]
        line = bisect.bisect_right(self._line_starts, index)
        return (line, index - self._line_starts[line - 1] + 1)

    def _scan(self) -> None:
        if self._keys is not None:
            return
        self._keys = {}
        text = self._ensure_text()
        n = len(text)
        table: tuple = ()
        counts: dict = {}  # array-of-tables path (with indices) -> how many so far
        i = 0
        while i < n:
            i = _skip_blank(text, i)
            if i >= n:
                break
            if text[i] == "[":
                double = text.startswith("[[", i)
                j = i + (2 if double else 1)
                close = text.find("]]" if double else "]", j)
                if close < 0:
                    break
                table = ()
                parts = _split_keypath(text[j:close])
                for k, part in enumerate(parts):
                    table += (part,)
                    if k == len(parts) - 1 and double:
                        idx = counts.get(table, 0)
                        counts[table] = idx + 1
                        table += (idx,)
                    elif table in counts:  # [a.b] inside the latest [[a]]
                        table += (counts[table] - 1,)
                self._keys.setdefault(table, self._pos(i))
                i = _line_end(text, close)
                continue
            i = self._key_value(text, i, table)
            i = _line_end(text, i)

    def _key_value(self, text: str, i: int, table: tuple) -> int:
        """Record ``key = value`` at ``i`` (inside ``table``); return the index after the value."""
        m = _KEYPATH.match(text, i)
        if not m or m.end() >= len(text) or text[m.end()] != "=":
            return _line_end(text, i)
        parts = _split_keypath(m.group(1))
        pos = self._pos(m.start(1))
        for k in range(1, len(parts) + 1):  # a.b.c = ... also places a and a.b
            self._keys.setdefault(table + parts[:k], pos)
        v = _skip_spaces(text, m.end() + 1)
        return self._value(text, v, table + parts)

    def _value(self, text: str, i: int, path: tuple) -> int:
        """Record where the value at ``i`` starts (and its keys and items); return its end."""
        self._values.setdefault(path, i)
        n = len(text)
        if i >= n:
            return i
        ch = text[i]
        if ch in "\"'":
            return _skip_string(text, i)
        if ch == "[":
            i += 1
            index = 0
            while True:
                i = _skip_blank(text, i)
                if i >= n or text[i] == "]":
                    return i + 1
                self._keys.setdefault(path + (index,), self._pos(i))
                i = _skip_blank(text, self._value(text, i, path + (index,)))
                index += 1
                if i < n and text[i] == ",":
                    i += 1
        if ch == "{":
            i += 1
            while True:
                i = _skip_spaces(text, i)
                if i >= n or text[i] in "}\n":
                    return i + 1
                end = self._key_value(text, i, path)
                i = _skip_spaces(text, end)
                if i < n and text[i] == ",":
                    i += 1
                elif end <= i and (i >= n or text[i] != "}"):
                    return _line_end(text, i)
        j = i
        while j < n and text[j] not in ",]}#\n":
            j += 1
        return j


def _skip_spaces(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in " \t":
        i += 1
    return i


def _skip_blank(text: str, i: int) -> int:
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
        elif ch == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
        else:
            break
    return i


def _line_end(text: str, i: int) -> int:
    j = text.find("\n", i)
    return len(text) if j < 0 else j + 1


def _skip_string(text: str, i: int) -> int:
    """``i`` is at an opening quote; return the index after the closing one."""
    n = len(text)
    for q in ('"""', "'''"):
        if text.startswith(q, i):
            j = i + 3
            while j < n:
                if q == '"""' and text[j] == "\\":
                    j += 2
                    continue
                if text.startswith(q, j):
                    j += 3
                    while j < n and text[j] == q[0]:  # up to two extra quotes belong to the string
                        j += 1
                    return j
                j += 1
            return n
    q = text[i]
    j = i + 1
    while j < n and text[j] != "\n":
        if q == '"' and text[j] == "\\":
            j += 2
            continue
        if text[j] == q:
            return j + 1
        j += 1
    return j


def _string_char_index(text: str, start: int, offset: int) -> int:
    """Index in ``text`` of the ``offset``-th character of the string value at ``start``.

    Counts characters as TOML's parser produces them: an escape is one, a CRLF in a
    multi-line string is one, a line-ending backslash and the blanks after it are none.
    """
    n = len(text)
    if start >= n or text[start] not in "\"'":
        return start
    literal = text[start] == "'"
    multi = text.startswith(text[start] * 3, start)
    i = start + (3 if multi else 1)
    if multi:  # a newline right after the opening quotes is not part of the string
        if text.startswith("\r\n", i):
            i += 2
        elif text.startswith("\n", i):
            i += 1
    count = 0
    while i < n:
        if not literal and multi and text[i] == "\\":
            j = i + 1
            while j < n and text[j] in " \t":
                j += 1
            if text.startswith("\n", j) or text.startswith("\r\n", j):
                while j < n and text[j] in " \t\r\n":
                    j += 1
                i = j
                continue
        if count == offset:
            return i
        if not literal and text[i] == "\\":
            i += 6 if text.startswith("\\u", i) else 10 if text.startswith("\\U", i) else 2
        elif text.startswith("\r\n", i):
            i += 2
        else:
            i += 1
        count += 1
    return i
