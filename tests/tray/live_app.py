"""A real AppControl over the live engine, for the tray end-to-end test.

This is also a compact reference for wiring ``expander run`` (the lead owns the
real one): LiveExpander + snippet loader + StateStore + FileWatcher behind the
:class:`tray.interface.AppControl` protocol. A file that fails to load keeps the
last good library active and sets ``error`` to ``path:line:col: message``.

Used by tests/tray/tray_harness.py through its hook::

    EXPANDER_TRAY_E2E_APP=live_app:make_app_control
    EXPANDER_TRAY_E2E_SNIPPETS=/path/a.toml:/path/b.toml
    EXPANDER_TRAY_E2E_STATE=/path/state.json
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Optional

from expander.live import LiveExpander, LiveOptions
from expander.statefile import StateStore
from expander.watcher import FileWatcher
from snippets.loader import load_library
from tray.interface import SetInfo, Status


class LiveAppControl:
    def __init__(self, files: list[Path], state_path: Path, log_path: Optional[Path] = None,
                 display: Optional[str] = None, version: str = "0.1.0") -> None:
        self.files = [Path(f) for f in files]
        self.store = StateStore(state_path)
        self.state = self.store.load()
        self.log_path = log_path
        self._lock = threading.RLock()
        self._subs = []
        self._version = version
        self.error: Optional[str] = None
        self._pause_timer: Optional[threading.Timer] = None
        self.quit_event = threading.Event()
        self.result = None
        self._load()
        if self.result is None or self.result.library is None:
            raise RuntimeError(f"snippets do not load: {self.error}")
        self.live = LiveExpander(self.result.library, LiveOptions(display=display))
        self.live.start()
        self.live.set_enabled(self.state.enabled and self.state.paused_until is None)
        if self.state.paused_until is not None:
            self._arm_pause_end()
        self.watcher = FileWatcher(self.files, lambda changed: self.reload()).start()

    # -- helpers ----------------------------------------------------------------------
    def _record(self, *call) -> None:
        if self.log_path is not None:
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(list(call)) + "\n")

    def _changed(self) -> None:
        for cb in list(self._subs):
            cb()

    def _load(self) -> bool:
        res = load_library(self.files, disabled_sets=self.state.disabled_sets)
        if res.ok:
            self.result = res
            self.error = None
            return True
        d = next(d for d in res.diagnostics if d.is_error)
        self.error = f"{d.path}:{d.line}:{d.col}: {d.message}"
        return False  # keep the last good library

    def _active(self) -> bool:
        return self.state.enabled and self.state.paused_until is None

    def _apply(self) -> None:
        self.live.set_enabled(self._active())
        self.store.save(self.state)

    def _arm_pause_end(self) -> None:
        if self._pause_timer is not None:
            self._pause_timer.cancel()
        delay = max(0.0, (self.state.paused_until or 0) - time.time())
        self._pause_timer = threading.Timer(delay, self._pause_end)
        self._pause_timer.daemon = True
        self._pause_timer.start()

    def _pause_end(self) -> None:
        with self._lock:
            if self.state.paused_until is not None and time.time() >= self.state.paused_until:
                self.state.paused_until = None
                self._apply()
        self._changed()

    # -- AppControl ---------------------------------------------------------------------
    def status(self) -> Status:
        with self._lock:
            sets = [
                SetInfo(s.name, len(s.snippets), s.name not in self.state.disabled_sets, s.read_only)
                for s in self.result.sets
            ]
            return Status(
                enabled=self.state.enabled,
                paused_until=self.state.paused_until,
                error=self.error,
                sets=sets,
                snippet_count=len(getattr(self.result.library, "active", []) or []),
            )

    def set_enabled(self, enabled: bool) -> None:
        self._record("set_enabled", enabled)
        with self._lock:
            self.state.enabled = bool(enabled)
            if enabled:
                self.state.paused_until = None
            self._apply()
        self._changed()

    def pause(self, seconds: float) -> None:
        self._record("pause", seconds)
        with self._lock:
            self.state.paused_until = time.time() + seconds
            self._apply()
            self._arm_pause_end()
        self._changed()

    def set_set_enabled(self, name: str, enabled: bool) -> None:
        self._record("set_set_enabled", name, enabled)
        with self._lock:
            (self.state.disabled_sets.discard if enabled else self.state.disabled_sets.add)(name)
            self.store.save(self.state)
        self.reload()

    def reload(self) -> None:
        self._record("reload")
        with self._lock:
            if self._load():
                self.live.replace_library(self.result.library)
        self._changed()

    def check(self) -> tuple[bool, str]:
        self._record("check")
        res = load_library(self.files)
        lines = [f"{d.path}:{d.line}:{d.col}: {d.severity}: {d.message}" for d in res.diagnostics]
        return res.ok, "\n".join(lines) or f"{len(self.files)} files, no problems"

    def snippets_folder(self) -> Path:
        return self.files[0].parent

    def config_path(self) -> Path:
        return self.files[0].parent / "config.toml"

    def version(self) -> str:
        return self._version

    def quit(self) -> None:
        self._record("quit")
        self.watcher.stop()
        if self._pause_timer is not None:
            self._pause_timer.cancel()
        self.live.stop()
        self.quit_event.set()

    def subscribe(self, callback) -> None:
        self._subs.append(callback)


def make_app_control(log_path: Path) -> LiveAppControl:
    """The tray harness hook: files from EXPANDER_TRAY_E2E_SNIPPETS (os.pathsep-separated)."""
    files = [Path(p) for p in os.environ["EXPANDER_TRAY_E2E_SNIPPETS"].split(os.pathsep) if p]
    state = Path(os.environ.get("EXPANDER_TRAY_E2E_STATE") or (Path(log_path).parent / "state.json"))
    return LiveAppControl(files, state, log_path=log_path)
