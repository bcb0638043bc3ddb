"""Merges loaded snippet sets into the one collection the engine expands from.

Precedence: for snippets with the same trigger, the set with the higher
``priority`` wins; on a tie the set loaded later wins. Disabled sets take no
part. Nested snippets (``{snippet:TRIGGER}``) are resolved here, and cycles
between them are load errors.
"""

from __future__ import annotations

from typing import Iterable, Optional

from expander.renderer import Template, nested_triggers
from snippets.model import Diagnostic, Snippet, SnippetSet


MAX_NESTING = 32


def _rank(s: SnippetSet) -> tuple:
    return (s.priority, s.order)


class Library:
    """The enabled snippets after precedence, plus what was overridden."""

    def __init__(self, sets: Iterable[SnippetSet], *, disabled_sets: Iterable[str] = ()):
        self.sets: list[SnippetSet] = list(sets)
        self.disabled_sets = frozenset(disabled_sets)
        self.diagnostics: list[Diagnostic] = []
        # (winner, loser, winner_set, loser_set) for every trigger defined twice
        self.overrides: list[tuple] = []
        ranked = sorted(self.sets, key=_rank)
        # Nested references resolve over every loaded set, enabled or not.
        self._all = self._merge(ranked, record=False)
        self._exact = {s.trigger: s for s in self._all.values()}
        self._folded_index: Optional[dict] = None
        broken = self._check_nested()
        enabled = [s for s in ranked if s.name not in self.disabled_sets]
        # one enabled set cannot override itself: reuse the merge above
        merged = self._all if len(ranked) == 1 and enabled else self._merge(enabled, record=True)
        self.active: list[Snippet] = [s for s in merged.values() if id(s) not in broken]

    def _merge(self, ranked: list, *, record: bool) -> dict:
        by_key: dict = {}
        owner: dict = {}
        for sset in ranked:  # lowest rank first, so later assignments win
            for snip in sset.snippets:
                prev = by_key.get(snip.key)
                if prev is not None and record:
                    self.overrides.append((snip, prev, sset, owner[snip.key]))
                by_key[snip.key] = snip
                owner[snip.key] = sset
        return by_key

    def find(self, trigger: str) -> Optional[Snippet]:
        """The snippet a ``{snippet:TRIGGER}`` names: exact spelling first, then any case."""
        snip = self._exact.get(trigger)
        if snip is None:
            if self._folded_index is None:
                self._folded_index = {}
                for s in self._all.values():
                    self._folded_index.setdefault(s.trigger.casefold(), s)
            snip = self._folded_index.get(trigger.casefold())
        return snip

    def nested(self, trigger: str) -> Optional[Template]:
        """The template a ``{snippet:TRIGGER}`` refers to."""
        snip = self.find(trigger)
        return None if snip is None else snip.template

    def _check_nested(self) -> set:
        """Report unknown nested triggers and cycles; return ids of snippets that cannot render."""
        broken: set = set()
        state: dict = {}  # id -> 1 visiting, 2 done

        def visit(snip: Snippet, chain: list) -> bool:
            """True when ``snip`` renders; False when it (or something it nests) cannot."""
            sid = id(snip)
            if state.get(sid) == 2:
                return sid not in broken
            if len(chain) >= MAX_NESTING:
                self._error(snip, f"nested snippets more than {MAX_NESTING} deep")
                broken.add(sid)
                return False
            if state.get(sid) == 1:
                names = " -> ".join(s.trigger for s in chain[chain.index(snip):] + [snip])
                self._error(snip, f"nested snippets form a cycle: {names}")
                broken.add(sid)
                return False
            state[sid] = 1
            ok = True
            for ref in nested_triggers(snip.template):
                inner = self.find(ref.trigger)
                if inner is None:
                    self._error(snip, f"{{snippet:{ref.trigger}}} refers to no known trigger")
                    ok = False
                elif not visit(inner, chain + [snip]):
                    ok = False
            state[sid] = 2
            if not ok:
                broken.add(sid)
            return ok

        for sset in self.sets:
            for snip in sset.snippets:
                if len(snip.template) > 1 or (snip.template and not isinstance(snip.template[0], str)):
                    visit(snip, [])
        return broken

    def _error(self, snip: Snippet, message: str) -> None:
        loc = snip.location
        d = Diagnostic(loc.path, loc.line, loc.col, "error", message)
        if d not in self.diagnostics:
            self.diagnostics.append(d)

    @property
    def snippet_count(self) -> int:
        return len(self.active)

    @property
    def set_count(self) -> int:
        return sum(1 for s in self.sets if s.name not in self.disabled_sets)

    def with_disabled(self, disabled_sets: Iterable[str]) -> "Library":
        return Library(self.sets, disabled_sets=disabled_sets)
