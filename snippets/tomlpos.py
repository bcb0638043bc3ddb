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

    def __init__(self, text: str, path: str | None = None):
        self._text: str | None = text
        self._path = path
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
        """Drop the text until a position is asked for (then the file is read again)."""
        if self._path is not None and self._keys is None:
            self._text = None

    def _ensure_text(self) -> str:
        if self._text is None:
            try:
                with open(self._path, encoding="utf-8") as f:  # type: ignore[arg-type]
                    self._text = f.read()
            except (OSError, UnicodeDecodeError):
                self._text = ""
        return self._text

    def _pos(self, index: int) -> tuple[int, int]:
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self._text)]
        line = bisect.bisect_right(self._line_starts, index)
        return (line, index - self._line_starts[line - 1] + 1)

    def _scan(self) -> None:
        if self._keys is not None:
            return
        keys: dict = {}
        text = self._ensure_text()
        n = len(text)
        table: tuple = ()
        counts: dict = {}
        i = 0
        while i < n:
            i = _skip_blank(text, i)
            if i >= n:
                break
            ch = text[i]
            if ch == "[":
                double = text.startswith("[[", i)
                start = i
                j = i + (2 if double else 1)
                close = text.find("]]" if double else "]", j)
                if close < 0:
                    break
                path = _split_keypath(text[j:close])
                if double:
                    idx = counts.get(path, 0)
                    counts[path] = idx + 1
                    table = path + (idx,)
                else:
                    table = path
                keys.setdefault(table, self._pos(start))
                i = _line_end(text, close)
                continue
            m = _KEYPATH.match(text, i)
            if not m or m.end() >= n or text[m.end()] != "=":
                i = _line_end(text, i)
                continue
            path = table + _split_keypath(m.group(1))
            keys.setdefault(path, self._pos(m.start(1)))
            v = _skip_spaces(text, m.end() + 1)
            self._values.setdefault(path, v)
            i = _skip_value(text, v)
            i = _line_end(text, i)
        self._keys = keys


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


def _skip_value(text: str, i: int) -> int:
    """Skip one value starting at ``i`` (strings, arrays, inline tables may span lines)."""
    n = len(text)
    depth = 0
    while i < n:
        ch = text[i]
        if ch in "\"'":
            i = _skip_string(text, i)
            if depth == 0:
                return i
            continue
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth <= 0:
                return i + 1
        elif ch == "#":
            i = _line_end(text, i)
            if depth == 0:
                return i
            continue
        elif ch == "\n" and depth == 0:
            return i
        i += 1
    return i


def _string_char_index(text: str, start: int, offset: int) -> int:
    """Index in ``text`` of the ``offset``-th character of the string value at ``start``."""
    n = len(text)
    if start >= n or text[start] not in "\"'":
        return start
    literal = text[start] == "'"
    multi = text.startswith(text[start] * 3, start)
    i = start + (3 if multi else 1)
    if multi and i < n and text[i] == "\n":
        i += 1
    count = 0
    while i < n and count < offset:
        if not literal and text[i] == "\\":
            if text.startswith("\\u", i):
                i += 6
            elif text.startswith("\\U", i):
                i += 10
            else:
                i += 2
        else:
            i += 1
        count += 1
    return i
