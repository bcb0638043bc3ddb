"""Warnings about snippets that load but will not behave as their author thinks.

- overrides: the same trigger in two sets (precedence picks one; both places named);
- shadowed triggers: a shorter trigger always fires while the longer one is typed,
  so the longer one can never fire (``demo`` with ``word_end = false`` shadows ``demoo``);
- accidental triggers: ordinary words of the set's language (:mod:`snippets.wordlists`).
"""

from __future__ import annotations

from snippets.library import Library
from snippets.model import Diagnostic, Snippet
from expander.matcher import is_word_char


def _warn(snip: Snippet, message: str) -> Diagnostic:
    loc = snip.location
    return Diagnostic(loc.path, loc.line, loc.col, "warning", message)


def override_warnings(library: Library) -> list[Diagnostic]:
    out = []
    for winner, loser, wset, lset in library.overrides:
        if wset.priority != lset.priority:
            why = f"higher priority ({wset.priority} > {lset.priority})"
        else:
            why = "same priority, loaded later"
        out.append(
            _warn(
                loser,
                f"trigger '{loser.trigger}' of set '{lset.name}' is overridden by set '{wset.name}' "
                f"at {winner.location} ({why})",
            )
        )
    return out


def _fires_within(t: Snippet, s: Snippet, j: int, k: int) -> bool:
    """Does trigger ``t``, found at s.trigger[j:k], fire every time ``s`` is typed?"""
    trig = s.trigger
    if t.case == "exact" and s.case == "smart":
        return False  # s may be typed in another case
    if t.word_start:
        if j == 0:
            if not s.word_start:
                return False
        elif is_word_char(trig[j - 1]):
            return False
    if t.word_end:
        # fires on the separator after it, which must be part of s
        return k < len(trig) and not is_word_char(trig[k])
    # fires on its last character: before s completes
    return k < len(trig) or s.word_end


def shadow_warnings(snippets: list[Snippet]) -> list[Diagnostic]:
    by_key = {s.key: s for s in snippets}
    lengths = sorted({len(s.trigger) for s in snippets})
    out = []
    for s in snippets:
        trig = s.trigger
        n = len(trig)
        found = None
        for k in range(1, n + 1):
            for length in lengths:
                j = k - length
                if j < 0:
                    break
                if j == 0 and k == n:
                    continue  # the trigger itself
                part = trig[j:k]
                for key in (("exact", part), ("smart", part.casefold())):
                    t = by_key.get(key)
                    if t is not None and t is not s and _fires_within(t, s, j, k):
                        found = t
                        break
                if found:
                    break
            if found:
                break
        if found is not None:
            how = "as soon as its last character is typed" if not found.word_end else "on the separator inside it"
            out.append(
                _warn(
                    s,
                    f"trigger '{trig}' can never fire: '{found.trigger}' at {found.location} "
                    f"always fires first ({how})",
                )
            )
    return out


def set_name_warnings(library: Library) -> list[Diagnostic]:
    """Sets are switched on and off by name: two sets with one name cannot be told apart."""
    first: dict = {}
    out = []
    for sset in library.sets:
        other = first.setdefault(sset.name, sset)
        if other is not sset:
            loc = sset.location
            line, col = (loc.line, loc.col) if loc is not None else (1, 1)
            out.append(Diagnostic(sset.path, line, col, "warning",
                                  f"set name '{sset.name}' is also used by {other.path}; switching one "
                                  f"on or off switches both (give each set its own [set] name)"))
    return out


def lint(library: Library) -> list[Diagnostic]:
    """All warnings about a loaded library (accidental triggers need its sets' languages)."""
    from snippets.wordlists import accidental_trigger_warnings

    return (
        set_name_warnings(library)
        + override_warnings(library)
        + shadow_warnings(library.active)
        + accidental_trigger_warnings(library.sets)
    )
