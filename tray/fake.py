"""An in-memory :class:`~tray.interface.AppControl` for tests and demos.

It behaves like the real app as far as the tray can see (enable/disable,
pause with expiry, per-set switches, reload, check, subscribers) and records
every call in :attr:`FakeAppControl.calls`; with ``log_path`` it also appends
each call as one JSON line, so a test in another process can see what a click
reached.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable, Optional

from .interface import SetInfo, StateCallback, Status


class FakeAppControl:
    def __init__(
        self,
        sets: Optional[list[SetInfo]] = None,
        *,
        enabled: bool = True,
        error: Optional[str] = None,
        check_result: tuple[bool, str] = (True, "2 files, 5 snippets, no problems"),
        snippets_folder: Path = Path("/tmp/expander-snippets"),
        config_path: Path = Path("/tmp/expander-config.toml"),
        version: str = "0.1.0",
        log_path: Optional[Path] = None,
        clock: Callable[[], float] = time.time,
        on_quit: Optional[Callable[[], None]] = None,
    ) -> None:
        self._lock = threading.RLock()
        self._sets = list(
            sets
            if sets is not None
            else [SetInfo("Support DE", 3, True, False), SetInfo("Team", 2, True, True)]
        )
        self._enabled = enabled
        self._paused_until: Optional[float] = None
        self.error = error
        self.check_result = check_result
        self._folder = Path(snippets_folder)
        self._config = Path(config_path)
        self._version = version
        self._log_path = Path(log_path) if log_path else None
        self._clock = clock
        self._on_quit = on_quit
        self._subscribers: list[StateCallback] = []
        self.calls: list[tuple] = []
        self.quit_called = threading.Event()

    # -- recording -----------------------------------------------------------
    def _record(self, *call) -> None:
        self.calls.append(call)
        if self._log_path is not None:
            with open(self._log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(list(call)) + "\n")

    def _changed(self) -> None:
        for cb in list(self._subscribers):
            cb()

    # -- AppControl ----------------------------------------------------------
    def status(self) -> Status:
        with self._lock:
            if self._paused_until is not None and self._clock() >= self._paused_until:
                self._paused_until = None
            active = sum(s.snippet_count for s in self._sets if s.enabled)
            return Status(
                enabled=self._enabled,
                paused_until=self._paused_until,
                error=self.error,
                sets=list(self._sets),
                snippet_count=active,
            )

    def set_enabled(self, enabled: bool) -> None:
        with self._lock:
            self._record("set_enabled", bool(enabled))
            self._enabled = bool(enabled)
            if enabled:
                self._paused_until = None
        self._changed()

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._record("pause", seconds)
            self._paused_until = self._clock() + seconds
        self._changed()

    def set_set_enabled(self, name: str, enabled: bool) -> None:
        with self._lock:
            self._record("set_set_enabled", name, bool(enabled))
            for i, s in enumerate(self._sets):
                if s.name == name:
                    self._sets[i] = replace(s, enabled=bool(enabled))
                    break
            else:
                raise KeyError(name)
        self._changed()

    def reload(self) -> None:
        with self._lock:
            self._record("reload")
        self._changed()

    def check(self) -> tuple[bool, str]:
        with self._lock:
            self._record("check")
            return self.check_result

    def snippets_folder(self) -> Path:
        return self._folder

    def config_path(self) -> Path:
        return self._config

    def version(self) -> str:
        return self._version

    def quit(self) -> None:
        with self._lock:
            self._record("quit")
        self.quit_called.set()
        if self._on_quit is not None:
            self._on_quit()

    def subscribe(self, callback: StateCallback) -> None:
        self._subscribers.append(callback)

    # -- test helpers --------------------------------------------------------
    def set_error(self, error: Optional[str]) -> None:
        with self._lock:
            self.error = error
        self._changed()
