"""Persisted run state: enabled, pause, and which snippet sets are switched off.

Stored as JSON in ``platformdirs.user_state_dir("expander")/state.json`` (path
injectable). The user's snippet files are never touched for this. Writes are
atomic (temp file in the same folder, fsync, rename). A missing file gives the
defaults; a corrupt or wrongly typed file gives the defaults plus one warning
(logged and returned in :attr:`State.warnings`), and is left in place until the
next save replaces it.

Usage::

    store = StateStore()                # or StateStore(path)
    state = store.load()                # State(enabled=True, paused_until=None, disabled_sets=set())
    state.disabled_sets.add("Team")
    store.save(state)

    # or the one-liners:
    store.update(enabled=False)
    store.set_set_enabled("Team", False)
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from expander.atomicfile import write_atomic

log = logging.getLogger("expander.state")

STATE_VERSION = 1
FILE_NAME = "state.json"


def default_state_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_state_dir("expander")) / FILE_NAME


@dataclass
class State:
    enabled: bool = True
    paused_until: Optional[float] = None  # wall-clock time.time(); expired pauses load as None
    disabled_sets: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list, compare=False)

    def set_enabled(self, name: str) -> bool:
        return name not in self.disabled_sets

    def to_json(self) -> dict:
        return {
            "version": STATE_VERSION,
            "enabled": self.enabled,
            "paused_until": self.paused_until,
            "disabled_sets": sorted(self.disabled_sets),
        }


class StateStore:
    def __init__(self, path: Optional[Path] = None, *, clock=time.time) -> None:
        self.path = Path(path) if path is not None else default_state_path()
        self._clock = clock
        self._lock = threading.RLock()

    # -- reading -------------------------------------------------------------------
    def load(self) -> State:
        """The saved state, or defaults (with a warning when the file is unusable)."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return State()
        except OSError as e:
            return self._bad(f"cannot read {self.path}: {e}")
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as e:
            return self._bad(f"{self.path}:{e.lineno}:{e.colno}: corrupt state file ({e.msg})")
        if not isinstance(data, dict):
            return self._bad(f"{self.path}: corrupt state file (not a JSON object)")
        st = State()
        problems = []
        enabled = data.get("enabled", True)
        if isinstance(enabled, bool):
            st.enabled = enabled
        else:
            problems.append("'enabled' is not true/false")
        pu = data.get("paused_until")
        if pu is None or (isinstance(pu, (int, float)) and not isinstance(pu, bool)):
            st.paused_until = float(pu) if pu is not None and pu > self._clock() else None
        else:
            problems.append("'paused_until' is not a number")
        ds = data.get("disabled_sets", [])
        if isinstance(ds, list) and all(isinstance(x, str) for x in ds):
            st.disabled_sets = set(ds)
        else:
            problems.append("'disabled_sets' is not a list of names")
        if problems:
            msg = f"{self.path}: ignoring bad values in state file: " + "; ".join(problems)
            log.warning("%s", msg)
            st.warnings.append(msg)
        return st

    def _bad(self, msg: str) -> State:
        msg += "; using defaults"
        log.warning("%s", msg)
        return State(warnings=[msg])

    # -- writing -------------------------------------------------------------------
    def save(self, state: State) -> None:
        """Write atomically: a reader sees the old or the new file, never half of one."""
        data = json.dumps(state.to_json(), indent=2, sort_keys=True) + "\n"
        with self._lock:
            write_atomic(self.path, data.encode("utf-8"))

    def update(self, **changes) -> State:
        """Load, apply ``enabled=`` / ``paused_until=`` / ``disabled_sets=``, save, return."""
        for k in changes:
            if k not in ("enabled", "paused_until", "disabled_sets"):
                raise TypeError(f"unknown state field {k!r}")
        with self._lock:
            st = self.load()
            for k, v in changes.items():
                setattr(st, k, set(v) if k == "disabled_sets" else v)
            self.save(st)
            return st

    def set_set_enabled(self, name: str, enabled: bool) -> State:
        with self._lock:
            st = self.load()
            if enabled:
                st.disabled_sets.discard(name)
            else:
                st.disabled_sets.add(name)
            self.save(st)
            return st
