"""Reads snippet files (TOML) into :class:`SnippetSet` objects, with precise errors.

Loading never writes to a snippet file. Every problem becomes a
:class:`Diagnostic` naming ``file:line:col``; a file with errors yields no set
(the caller keeps its last good version), the other files load as usual.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from expander.gcpause import paused_gc
from expander.renderer import TemplateError, parse_template
from snippets.model import Diagnostic, Location, Snippet, SnippetSet
from snippets.tomlpos import Locator

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SET_KEYS = {"name": str, "description": str, "priority": int, "lang": str}
SNIPPET_KEYS = {
    "trigger",
    "triggers",
    "replace",
    "word_start",
    "word_end",
    "case",
    "label",
    "tags",
    "examples",
}
TOP_KEYS = {"set", "snippets", "snippet"}
CASES = ("smart", "exact")
MAX_TRIGGER = 256

_TOML_POS = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_EOF = re.compile(r"\s*\(at end of document\)\s*$")


class FileErrors:
    """Collects diagnostics for one file, resolving positions through its locator."""

    def __init__(self, path: str, locator: Locator):
        self.path = path
        self.locator = locator
        self.items: list[Diagnostic] = []

    def at_key(self, keypath: tuple, message: str, severity: str = "error") -> None:
        line, col = self.locator.key(keypath)
        self.items.append(Diagnostic(self.path, line, col, severity, message))

    def at_value(self, keypath: tuple, message: str, offset: Optional[int] = None) -> None:
        line, col = self.locator.value(keypath, offset)
        self.items.append(Diagnostic(self.path, line, col, "error", message))


def type_name(t) -> str:
    return {str: "a string", int: "an integer", bool: "true or false", list: "an array"}.get(t, str(t))


def is_type(value, t) -> bool:
    if t is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, t)


def unknown_key(errs: FileErrors, keypath: tuple, allowed: Iterable[str]) -> None:
    key = keypath[-1]
    close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else f" (allowed: {', '.join(sorted(allowed))})"
    errs.at_key(keypath, f"unknown key '{key}'{hint}")


def read_text(path: Path) -> tuple[Optional[str], list[Diagnostic]]:
    """The file's text, or a diagnostic saying why it cannot be read."""
    p = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Diagnostic(p, 1, 1, "error", f"cannot read file: {exc.strerror or exc}")]
    try:
        return raw.decode("utf-8-sig"), []  # a byte-order mark some editors write is not an error
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].decode("utf-8", "replace")
        line = before.count("\n") + 1
        col = len(before) - (before.rfind("\n") + 1) + 1
        return None, [Diagnostic(p, line, col, "error", "file is not valid UTF-8")]


def parse_toml(path: str, text: str) -> tuple[Optional[dict], list[Diagnostic]]:
    try:
        return tomllib.loads(text), []
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _TOML_POS.search(msg)
        if m:
            line, col = int(m.group(1)), int(m.group(2))
            msg = msg[: m.start()]
        else:
            lines = text.split("\n")
            line, col = len(lines), len(lines[-1]) + 1
            msg = _TOML_EOF.sub("", msg)
        return None, [Diagnostic(path, line, col, "error", f"TOML syntax: {msg}")]


def load_file(
    path,
    *,
    order: int = 0,
    read_only: bool = False,
    source: Optional[str] = None,
    trusted: bool = True,
) -> tuple[Optional[SnippetSet], list[Diagnostic]]:
    """Load one snippet file. Returns ``(set or None, diagnostics)``; None when it has errors."""
    path = Path(path)
    p = str(path)
    text, diags = read_text(path)
    if text is None:
        return None, diags
    data, diags = parse_toml(p, text)
    if data is None:
        return None, diags
    return build_set(p, text, data, order=order, read_only=read_only, source=source, trusted=trusted)


def build_set(
    p: str,
    text: str,
    data: dict,
    *,
    order: int = 0,
    read_only: bool = False,
    source: Optional[str] = None,
    trusted: bool = True,
) -> tuple[Optional[SnippetSet], list[Diagnostic]]:
    locator = Locator(text)
    errs = FileErrors(p, locator)
    for key in data:
        if key not in TOP_KEYS:
            unknown_key(errs, (key,), TOP_KEYS)

    meta = data.get("set", {})
    sset = SnippetSet(name=Path(p).stem, path=p, order=order, read_only=read_only, source=source, trusted=trusted)
    if not isinstance(meta, dict):
        errs.at_key(("set",), "[set] must be a table")
        meta = {}
    for key, value in meta.items():
        want = SET_KEYS.get(key)
        if want is None:
            unknown_key(errs, ("set", key), SET_KEYS)
        elif not is_type(value, want):
            errs.at_value(("set", key), f"set.{key} must be {type_name(want)}")
        else:
            setattr(sset, key, value)
    if not sset.name.strip():
        errs.at_value(("set", "name"), "set.name must not be empty")
    if "set" in data:
        sset.location = Location(p, locator=locator, keypath=("set",))

    seen: dict = {}

    def add(trigger, replace, keypath, replace_path, options) -> None:
        at = errs.at_key if keypath[0] == "snippets" else errs.at_value
        if not isinstance(trigger, str) or trigger == "":
            at(keypath, "a trigger must be a non-empty string")
            return
        if len(trigger) > MAX_TRIGGER:
            at(keypath, f"a trigger must be at most {MAX_TRIGGER} characters long")
            return
        # typed text arrives composed (é, not e + U+0301): compare triggers the same way
        trigger = unicodedata.normalize("NFC", trigger)
        if not isinstance(replace, str):
            errs.at_value(replace_path, "the replacement must be a string")
            return
        try:
            template = parse_template(replace)
        except TemplateError as exc:
            errs.at_value(replace_path, exc.message, exc.offset)
            return
        snippet = Snippet(
            trigger=trigger,
            replace=replace,
            template=template,
            set_name=sset.name,
            location=Location(p, locator=locator, keypath=keypath),
            **options,
        )
        first = seen.get(snippet.key)
        if first is not None:
            errs.at_key(keypath, f"duplicate trigger '{trigger}' (first defined at {first.location})")
            return
        seen[snippet.key] = snippet
        sset.snippets.append(snippet)

    short = data.get("snippets", {})
    if not isinstance(short, dict):
        errs.at_key(("snippets",), "[snippets] must be a table of trigger = \"replacement\"")
        short = {}
    for trigger, replace in short.items():
        kp = ("snippets", trigger)
        if not isinstance(replace, str):
            errs.at_value(kp, f"snippet '{trigger}': the replacement must be a string (use [[snippet]] for options)")
            continue
        add(trigger, replace, kp, kp, {})

    long = data.get("snippet", [])
    if isinstance(long, dict):
        errs.at_key(("snippet",), "write [[snippet]] (an array of tables), not [snippet]")
        long = []
    elif not isinstance(long, list):
        errs.at_key(("snippet",), "snippet must be an array of tables ([[snippet]])")
        long = []
    for idx, entry in enumerate(long):
        base = ("snippet", idx)
        if not isinstance(entry, dict):
            errs.at_key(base, "each [[snippet]] must be a table")
            continue
        options, triggers = _snippet_options(entry, base, errs)
        if options is None:
            continue
        replace_path = base + ("replace",)
        if "replace" not in entry:
            errs.at_key(base, "[[snippet]] needs 'replace'")
            continue
        for trigger, kp in triggers:
            add(trigger, entry["replace"], kp, replace_path, options)

    if errs.items:
        return None, errs.items
    locator.forget_text()  # positions are worked out only if a message needs one
    return sset, []


def _snippet_options(entry: dict, base: tuple, errs: FileErrors):
    n_before = len(errs.items)
    for key in entry:
        if key not in SNIPPET_KEYS:
            unknown_key(errs, base + (key,), SNIPPET_KEYS)
    triggers: list = []
    if "trigger" in entry and "triggers" in entry:
        errs.at_key(base + ("triggers",), "use either 'trigger' or 'triggers', not both")
    elif "trigger" in entry:
        triggers = [(entry["trigger"], base + ("trigger",))]
    elif "triggers" in entry:
        value = entry["triggers"]
        if not isinstance(value, list) or not value:
            errs.at_value(base + ("triggers",), "'triggers' must be a non-empty array of strings")
        else:
            triggers = [(t, base + ("triggers",)) for t in value]
    else:
        errs.at_key(base, "[[snippet]] needs 'trigger' or 'triggers'")
    options: dict = {}
    for key in ("word_start", "word_end"):
        if key in entry:
            if not isinstance(entry[key], bool):
                errs.at_value(base + (key,), f"'{key}' must be true or false")
            else:
                options[key] = entry[key]
    if "case" in entry:
        if entry["case"] not in CASES:
            errs.at_value(base + ("case",), f"'case' must be \"smart\" or \"exact\", not {entry['case']!r}")
        else:
            options["case"] = entry["case"]
    if "label" in entry:
        if not isinstance(entry["label"], str):
            errs.at_value(base + ("label",), "'label' must be a string")
        else:
            options["label"] = entry["label"]
    if "tags" in entry:
        tags = entry["tags"]
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            errs.at_value(base + ("tags",), "'tags' must be an array of strings")
        else:
            options["tags"] = tuple(tags)
    if "examples" in entry:
        ex = entry["examples"]
        ok = isinstance(ex, list) and all(
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(s, str) for s in pair) for pair in ex
        )
        if not ok:
            errs.at_value(base + ("examples",), "'examples' must be an array of [keys, expected] string pairs")
        else:
            options["examples"] = tuple((a, b) for a, b in ex)
    if len(errs.items) > n_before:
        return None, []
    return options, triggers


@dataclass
class LoadResult:
    """Everything loaded from a list of files: the sets, the merged library, the findings."""

    sets: list = field(default_factory=list)
    diagnostics: list = field(default_factory=list)
    library: object = None
    failed: list = field(default_factory=list)  # paths whose file did not load

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def expand_paths(paths: Iterable) -> list[Path]:
    """Files named directly, and the ``*.toml`` files of named folders (sorted)."""
    out: list[Path] = []
    seen: set = set()
    for raw in paths:
        path = Path(raw).expanduser()
        found = sorted(p for p in path.glob("*.toml") if p.is_file()) if path.is_dir() else [path]
        for p in found:
            key = os.path.realpath(p)
            if key not in seen:  # the same file named twice (a folder and a file in it) loads once
                seen.add(key)
                out.append(p)
    return out


def load_library(paths: Iterable, *, disabled_sets: Iterable[str] = (), sets_before: Iterable = ()) -> LoadResult:
    """Load files in order (later wins ties) and merge them into a :class:`Library`.

    ``sets_before`` are already-loaded sets (e.g. shared ones) that come first.
    """
    from snippets.library import Library

    with paused_gc():
        return _load_library(paths, disabled_sets, sets_before, Library)


def _load_library(paths, disabled_sets, sets_before, Library) -> LoadResult:
    result = LoadResult()
    result.sets.extend(sets_before)
    for path in expand_paths(paths):
        sset, diags = load_file(path, order=len(result.sets))
        result.diagnostics.extend(diags)
        if sset is None:
            result.failed.append(str(path))
        else:
            result.sets.append(sset)
    library = Library(result.sets, disabled_sets=disabled_sets)
    result.diagnostics.extend(library.diagnostics)
    result.library = library
    return result
