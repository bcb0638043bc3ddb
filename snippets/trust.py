"""Trust: shared sets may only produce text unless the user trusts their source.

A placeholder that does more than produce text -- ``{shell:...}`` runs a
program; any later kind listed in :data:`expander.renderer.ACTION_PARTS` counts
too -- is refused in a set that comes from a ``[[source]]`` unless that source
says ``trusted = true`` in the user's *own* config (a shared file cannot trust
itself: ``trusted`` is not a snippet-file key). Refused snippets are removed
before the library is built, so the engine never sees them, and each refusal
is an error naming the set and ``file:line:col``.

An untrusted snippet that nests (``{snippet:TRIGGER}``) a snippet that runs a
program is refused too: otherwise a shared set could fire the user's own
command whenever it likes.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Optional

from expander.renderer import ACTION_PARTS, Nested, Shell
from snippets.model import Diagnostic

__all__ = ["is_untrusted", "trust_errors", "enforce_trust", "describe_action"]


def is_untrusted(sset) -> bool:
    """A set from a source that the user's config does not mark ``trusted = true``."""
    return getattr(sset, "source", None) is not None and not getattr(sset, "trusted", False)


def describe_action(part) -> str:
    if isinstance(part, Shell):
        return f"{{shell:{part.command}}} runs a program"
    return f"{{{type(part).__name__.lower()}}} does more than produce text"


def _actions(template) -> list:
    return [p for p in template if isinstance(p, ACTION_PARTS)]


def _find_action(snip, library) -> Optional[tuple]:
    """The first action ``snip`` performs, directly or through nested snippets: (part, chain)."""
    stack = [(snip, [snip.trigger])]
    seen = set()
    while stack:
        cur, chain = stack.pop()
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        acts = _actions(cur.template)
        if acts:
            return acts[0], chain
        for part in cur.template:
            if isinstance(part, Nested):
                inner = library.find(part.trigger)
                if inner is not None:
                    stack.append((inner, chain + [inner.trigger]))
    return None


def _error(sset, snip, part, chain) -> Diagnostic:
    loc = snip.location
    via = ""
    if len(chain) > 1:
        via = f" (through {' -> '.join('{snippet:' + t + '}' for t in chain[1:])})"
    return Diagnostic(
        loc.path, loc.line, loc.col, "error",
        f"refused: snippet '{snip.trigger}' of set '{sset.name}' from source '{sset.source}' "
        f"{describe_action(part)}{via}, and the source is not trusted; only its owner can allow "
        f"this, with trusted = true in the [[source]] of their own config.toml",
    )


def trust_errors(sets: Iterable, *, others: Iterable = ()) -> list[Diagnostic]:
    """Errors for every snippet of an untrusted shared set that would run an action.

    ``others`` are further sets (e.g. the personal ones) that nested
    ``{snippet:...}`` references may resolve to.
    """
    return enforce_trust(sets, others=others)[1]


def enforce_trust(sets: Iterable, *, others: Iterable = ()) -> tuple[list, list[Diagnostic]]:
    """Return ``(sets without refused snippets, errors)``; trusted sets pass unchanged."""
    from snippets.library import Library

    sets = list(sets)
    # nested references resolve exactly as they will when expanding: by the library's precedence
    library = Library(list(others) + sets)
    out: list = []
    diags: list[Diagnostic] = []
    for sset in sets:
        if not is_untrusted(sset):
            out.append(sset)
            continue
        keep = []
        for snip in sset.snippets:
            found = _find_action(snip, library)
            if found is None:
                keep.append(snip)
            else:
                diags.append(_error(sset, snip, *found))
        if len(keep) == len(sset.snippets):
            out.append(sset)
        else:
            out.append(dataclasses.replace(sset, snippets=keep))
    return out, diags
