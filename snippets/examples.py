"""Snippet examples: executable documentation that ``expander test`` checks.

A snippet may carry ``examples = [["zd, ", "Hallo, "]]``: the keys typed (in
the KEYS notation of ``expander simulate``) and the text the field must then
hold. Each example is replayed through the real engine
(:func:`expander.simulate.simulate`) over the whole library, so precedence,
nesting and word boundaries are exactly those an agent gets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Optional

__all__ = ["ExampleResult", "collect_examples", "run_examples", "format_result", "summary_line"]


@dataclass
class ExampleResult:
    path: str
    line: int
    col: int
    set_name: str
    trigger: str
    index: int  # 1-based, within the snippet
    keys: str
    expected: str
    actual: Optional[str] = None
    error: Optional[str] = None  # the example could not run (bad KEYS, render failure)

    @property
    def passed(self) -> bool:
        return self.error is None and self.actual == self.expected

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


def collect_examples(sets: Iterable) -> list[ExampleResult]:
    """One (not yet run) result per example, in file order; a ``triggers = [...]``
    snippet's examples are run once, not once per trigger."""
    out: list[ExampleResult] = []
    seen: set = set()
    for sset in sets:
        for snip in sset.snippets:
            loc = snip.location
            for i, (keys, expected) in enumerate(getattr(snip, "examples", ()) or (), start=1):
                key = (loc.path, loc.line, loc.col, i, keys, expected)
                if key in seen:
                    continue
                seen.add(key)
                out.append(ExampleResult(loc.path, loc.line, loc.col, sset.name, snip.trigger, i, keys, expected))
    return out


def run_examples(
    library,
    sets: Optional[Iterable] = None,
    *,
    now: Optional[datetime] = None,
    clipboard: str = "",
    undo: bool = True,
) -> list[ExampleResult]:
    """Run every example of ``sets`` (default: the library's sets) through the engine."""
    from expander.simulate import KeysError, make_engine, simulate_with

    engine = make_engine(library, now=now, clipboard=clipboard, undo=undo)  # one trie for every example
    results = collect_examples(library.sets if sets is None else sets)
    for r in results:
        try:
            r.actual = simulate_with(engine, r.keys)
        except KeysError as exc:
            r.error = f"bad keys: {exc}"
        except Exception as exc:  # a failing example must not stop the run
            r.error = f"{type(exc).__name__}: {exc}"
    return results


def format_result(r: ExampleResult, *, verbose: bool = False) -> str:
    head = f"{'PASS' if r.passed else 'FAIL'} {r.where}: '{r.trigger}' example {r.index} (set '{r.set_name}')"
    if r.passed:
        return head
    lines = [head, f"    keys:     {r.keys!r}"]
    if r.error:
        lines.append(f"    error:    {r.error}")
    else:
        lines.append(f"    expected: {r.expected!r}")
        lines.append(f"    got:      {r.actual!r}")
    return "\n".join(lines)


def summary_line(results: list[ExampleResult]) -> str:
    passed = sum(r.passed for r in results)
    return f"{passed} passed, {len(results) - passed} failed"
