"""The small interface between the tray (and the control socket) and the running app.

The tray never imports engine internals: the app hands it an object that
satisfies :class:`AppControl`. Everything the tray shows comes from
:meth:`AppControl.status`; everything it does goes through the other methods.

Threading: methods may be called from the tray's thread, the control-socket
thread or the hotkey thread; implementations must be thread-safe. Callbacks
registered with :meth:`AppControl.subscribe` may be called from any thread.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Optional, Protocol, runtime_checkable


@dataclass(frozen=True)
class SetInfo:
    """One snippet set as the tray shows it."""

    name: str
    snippet_count: int
    enabled: bool = True
    read_only: bool = False  # a shared set (e.g. on a team share) the user cannot edit


@dataclass(frozen=True)
class Status:
    """A snapshot of the running app's state."""

    enabled: bool = True
    paused_until: Optional[float] = None  # time.time() when a pause ends; None = not paused
    error: Optional[str] = None  # "path:line:col: message" of a file that failed to load
    sets: list[SetInfo] = field(default_factory=list)
    snippet_count: int = 0  # snippets active now (enabled sets only)

    @property
    def paused(self) -> bool:
        return self.paused_until is not None

    @property
    def active(self) -> bool:
        """True when keystrokes are expanded right now."""
        return self.enabled and self.paused_until is None

    @property
    def state(self) -> str:
        """One of "error", "paused", "disabled", "enabled" (icon priority order)."""
        if self.error:
            return "error"
        if not self.enabled:
            return "disabled"
        if self.paused_until is not None:
            return "paused"
        return "enabled"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["state"] = self.state
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Status":
        return cls(
            enabled=bool(d.get("enabled", True)),
            paused_until=d.get("paused_until"),
            error=d.get("error"),
            sets=[
                SetInfo(
                    name=str(s["name"]),
                    snippet_count=int(s.get("snippet_count", 0)),
                    enabled=bool(s.get("enabled", True)),
                    read_only=bool(s.get("read_only", False)),
                )
                for s in d.get("sets", [])
            ],
            snippet_count=int(d.get("snippet_count", 0)),
        )


StateCallback = Callable[[], None]


@runtime_checkable
class AppControl(Protocol):
    """What the tray, the control socket and the hotkey need from the running app."""

    def status(self) -> Status:
        """The current state (cheap; called on every menu build)."""

    def set_enabled(self, enabled: bool) -> None:
        """Enable or disable expansion. Enabling also ends a pause."""

    def pause(self, seconds: float) -> None:
        """Stop expanding for ``seconds``; expansion resumes by itself afterwards."""

    def set_set_enabled(self, name: str, enabled: bool) -> None:
        """Switch one snippet set on or off (persisted by the app, never in snippet files)."""

    def reload(self) -> None:
        """Re-read config and snippet files now (a failing file keeps its last good version)."""

    def check(self) -> tuple[bool, str]:
        """Run the same checks as ``expander check``; (ok, report text)."""

    def snippets_folder(self) -> Path:
        """Folder holding the user's snippet files (opened by the tray)."""

    def config_path(self) -> Path:
        """The config.toml path (opened by the tray for editing)."""

    def version(self) -> str:
        """expander's version string."""

    def quit(self) -> None:
        """Stop the whole app (the tray stops itself too)."""

    def subscribe(self, callback: StateCallback) -> None:
        """Call ``callback()`` (no arguments) after every state change."""
