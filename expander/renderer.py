"""Turns a snippet's replacement text into the text to type (pure: no OS access).

A replacement is parsed once, at load time, into a :class:`Template` (a tuple of
parts). Rendering a template needs a :class:`RenderContext` that supplies the
clock, the clipboard and nested snippets; everything else is string work.

Placeholders: ``{cursor}``, ``{clipboard}``, ``{date}``/``{date:FMT}``,
``{time}``/``{time:FMT}``, offsets ``{date+3d:FMT}``/``{time-2h}`` (m, h, d, w),
``{snippet:TRIGGER}``, ``{shell:COMMAND}`` (runs a program: refused for untrusted
shared sets), ``{{`` and ``}}`` for literal braces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Optional, Union


class TemplateError(ValueError):
    """A replacement text that cannot be parsed; ``offset`` indexes the text."""

    def __init__(self, offset: int, message: str):
        super().__init__(message)
        self.offset = offset
        self.message = message


@dataclass(frozen=True, slots=True)
class Cursor:
    pass


@dataclass(frozen=True, slots=True)
class Clipboard:
    pass


@dataclass(frozen=True, slots=True)
class DateTime:
    format: str
    offset: timedelta = timedelta(0)


@dataclass(frozen=True, slots=True)
class Nested:
    trigger: str
    offset: int = 0  # where the placeholder starts in the replacement text


@dataclass(frozen=True, slots=True)
class Shell:
    command: str


Part = Union[str, Cursor, Clipboard, DateTime, Nested, Shell]
Template = tuple  # tuple[Part, ...]

#: Placeholder kinds that do more than produce text; shared sets may use them
#: only when their source is trusted.
ACTION_PARTS = (Shell,)

_DATE_RE = re.compile(r"(date|time)(?:([+-])(\d+)([mhdw]))?(?::(.*))?\Z", re.S)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DEFAULT_FORMATS = {"date": "%Y-%m-%d", "time": "%H:%M"}
_MAX_OFFSET = timedelta(days=36525)


def parse_template(text: str) -> Template:
    """Parse a replacement; raise :class:`TemplateError` for bad placeholders."""
    if "{" not in text and "}" not in text:
        return (text,) if text else ()
    parts: list = []
    literal: list[str] = []
    cursor_at: Optional[int] = None
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "{":
            if text.startswith("{{", i):
                literal.append("{")
                i += 2
                continue
            end = text.find("}", i + 1)
            inner_open = text.find("{", i + 1)
            if end < 0 or (0 <= inner_open < end):
                raise TemplateError(i, "unmatched '{' (write '{{' for a literal brace)")
            body = text[i + 1 : end]
            part = _parse_placeholder(body, i)
            if isinstance(part, Cursor):
                if cursor_at is not None:
                    raise TemplateError(i, f"a second {{cursor}} (the first is at offset {cursor_at})")
                cursor_at = i
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(part)
            i = end + 1
        elif ch == "}":
            if text.startswith("}}", i):
                literal.append("}")
                i += 2
                continue
            raise TemplateError(i, "unmatched '}' (write '}}' for a literal brace)")
        else:
            literal.append(ch)
            i += 1
    if literal:
        parts.append("".join(literal))
    return tuple(parts)


def _parse_placeholder(body: str, offset: int) -> Part:
    if body == "cursor":
        return Cursor()
    if body == "clipboard":
        return Clipboard()
    if body.startswith("snippet:"):
        trigger = body[len("snippet:") :]
        if not trigger:
            raise TemplateError(offset, "{snippet:} needs a trigger")
        return Nested(trigger, offset)
    if body.startswith("shell:"):
        command = body[len("shell:") :].strip()
        if not command:
            raise TemplateError(offset, "{shell:} needs a command")
        return Shell(command)
    m = _DATE_RE.match(body)
    if m:
        kind, sign, amount, unit, fmt = m.groups()
        delta = timedelta(0)
        if sign:
            try:
                delta = timedelta(**{_UNITS[unit]: int(amount)})
            except OverflowError:
                delta = _MAX_OFFSET * 2
            if delta > _MAX_OFFSET:
                raise TemplateError(offset, f"{{{body}}}: the offset is more than 100 years")
            if sign == "-":
                delta = -delta
        if fmt == "":
            raise TemplateError(offset, f"{{{kind}:}} needs a format after ':'")
        return DateTime(fmt if fmt is not None else _DEFAULT_FORMATS[kind], delta)
    raise TemplateError(offset, f"unknown placeholder {{{body}}}")


def nested_triggers(template: Template) -> list[Nested]:
    return [p for p in template if isinstance(p, Nested)]


@dataclass
class RenderContext:
    """What rendering needs from the world, injected so the core stays pure."""

    now: Callable[[], datetime] = datetime.now
    clipboard: Callable[[], str] = lambda: ""
    nested: Callable[[str], Optional[Template]] = lambda trigger: None
    run_shell: Optional[Callable[[str], str]] = None


def render(template: Template, ctx: RenderContext) -> tuple[str, str]:
    """Render to ``(before_cursor, after_cursor)``; without ``{cursor}`` after is ''."""
    before: list[str] = []
    after: list[str] = []
    out = before
    now: Optional[datetime] = None
    for part in template:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, Cursor):
            out = after
        elif isinstance(part, DateTime):
            if now is None:
                now = ctx.now()
            out.append((now + part.offset).strftime(part.format))
        elif isinstance(part, Clipboard):
            out.append(ctx.clipboard())
        elif isinstance(part, Nested):
            inner = ctx.nested(part.trigger)
            if inner is not None:
                b, a = render(inner, ctx)  # a nested {cursor} is ignored
                out.append(b + a)
        elif isinstance(part, Shell):
            if ctx.run_shell is None:
                raise RuntimeError("{shell:} is not allowed here")
            out.append(ctx.run_shell(part.command))
    return "".join(before), "".join(after)


def _letters(typed: str) -> list[str]:
    return [c for c in typed if c.isalpha()]


def case_style(typed: str) -> str:
    """How a smart-case replacement follows the typed trigger: 'keep', 'capitalize', 'upper'."""
    letters = _letters(typed)
    if not letters or not letters[0].isupper():
        return "keep"
    if len(letters) >= 2 and not any(c.islower() for c in letters):
        return "upper"
    return "capitalize"


def apply_case(style: str, before: str, after: str) -> tuple[str, str]:
    if style == "keep":
        return before, after
    if style == "upper":
        return before.upper(), after.upper()
    for idx, c in enumerate(before):
        if c.isalpha():
            return before[:idx] + c.upper() + before[idx + 1 :], after
    for idx, c in enumerate(after):
        if c.isalpha():
            return before, after[:idx] + c.upper() + after[idx + 1 :]
    return before, after
