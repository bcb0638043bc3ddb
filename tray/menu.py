"""The tray's menu model: pure logic from :class:`~tray.interface.Status` to menu items.

:class:`TrayMenu` knows nothing about tray hosts. It builds a ``pystray.Menu``
whose items are regenerated from ``control.status()`` every time the menu is
read, and it performs each item's action through the
:class:`~tray.interface.AppControl`. Opening files, showing notifications and
running slow work in the background are injectable, so tests drive every item
without a display::

    menu = TrayMenu(control, opener=opened.append, notifier=lambda m, t: ..., run_async=lambda f: f())
    icon = pystray.Icon("t", menu.icon_image(), menu.tooltip(), menu.menu())   # any backend
    icon()                       # the default action: toggles Enabled
    menu.item("Reload snippets")(icon)
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Optional

from . import icons
from ._compat import import_pystray
from .interface import AppControl, SetInfo, Status

log = logging.getLogger("expander.tray")

PAUSE_SECONDS = 15 * 60
APP_NAME = "expander"
READ_ONLY_MARK = "[read-only]"
ERROR_TEXT_MAX = 80

Notifier = Callable[[str, str], None]  # (message, title)
Opener = Callable[[Path], None]


def open_path(path: Path) -> None:
    """Open a file or folder with the desktop's default application (non-blocking)."""
    path = Path(path)
    if sys.platform == "win32":
        os.startfile(str(path))  # type: ignore[attr-defined]
        return
    cmd = "open" if sys.platform == "darwin" else "xdg-open"
    if shutil.which(cmd) is None:
        raise FileNotFoundError(f"{cmd} not found; open {path} yourself")
    subprocess.Popen(
        [cmd, str(path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # not our child to wait for; no zombie holding the tray
    )


def _log_notifier(message: str, title: str) -> None:
    log.info("%s: %s", title, message)


def _thread_runner(fn: Callable[[], None]) -> None:
    threading.Thread(target=fn, name="expander-tray-task", daemon=True).start()


def _clock_text(ts: float) -> str:
    return time.strftime("%H:%M", time.localtime(ts))


def set_label(s: SetInfo) -> str:
    label = f"{s.name} ({s.snippet_count})"
    if s.read_only:
        label += f" {READ_ONLY_MARK}"
    return label


def tooltip_text(status: Status) -> str:
    """One line saying the state and how many snippets are active."""
    n = status.snippet_count
    count = f"{n} snippet" + ("" if n == 1 else "s")
    state = status.state
    if state == "error":
        err = status.error or ""
        if len(err) > ERROR_TEXT_MAX:
            err = err[: ERROR_TEXT_MAX - 1] + "…"
        base = "enabled" if status.active else ("paused" if status.enabled else "disabled")
        return f"{APP_NAME} — error — {base} — {count} — {err}"
    if state == "disabled":
        return f"{APP_NAME} — disabled — {count}"
    if state == "paused":
        return f"{APP_NAME} — paused until {_clock_text(status.paused_until)} — {count}"
    return f"{APP_NAME} — enabled — {count}"


class TrayMenu:
    """Menu items, tooltip and icon for one :class:`AppControl`."""

    #: Labels of the fixed items (tests and the e2e harness look them up by these).
    ENABLED = "Enabled"
    PAUSE = "Pause for 15 minutes"
    RELOAD = "Reload snippets"
    OPEN_FOLDER = "Open snippets folder"
    EDIT_CONFIG = "Edit config"
    CHECK = "Check snippets"
    ABOUT = "About expander"
    QUIT = "Quit"

    def __init__(
        self,
        control: AppControl,
        *,
        opener: Opener = open_path,
        notifier: Notifier = _log_notifier,
        run_async: Callable[[Callable[[], None]], None] = _thread_runner,
        on_quit: Optional[Callable[[], None]] = None,
        pause_seconds: float = PAUSE_SECONDS,
    ) -> None:
        self.control = control
        self.opener = opener
        self.notifier = notifier
        self.run_async = run_async
        self.on_quit = on_quit  # e.g. stop the tray icon after control.quit()
        self.pause_seconds = pause_seconds
        self._pystray = import_pystray()

    # -- presentation ----------------------------------------------------------
    def status(self) -> Status:
        return self.control.status()

    def tooltip(self, status: Optional[Status] = None) -> str:
        return tooltip_text(status or self.status())

    def icon_image(self, status: Optional[Status] = None, size: int = 64):
        return icons.make_icon((status or self.status()).state, size)

    def menu(self):
        """A dynamic ``pystray.Menu``: items are rebuilt from status on every read."""
        return self._pystray.Menu(self._items)

    def _items(self):
        ps = self._pystray
        Item, SEP = ps.MenuItem, ps.Menu.SEPARATOR
        st = self.status()
        items = []
        if st.error:
            err = st.error if len(st.error) <= ERROR_TEXT_MAX else st.error[: ERROR_TEXT_MAX - 1] + "…"
            items.append(Item(f"Error: {err}", self._show_error, enabled=True))
            items.append(SEP)
        enabled_label = self.ENABLED
        if st.enabled and st.paused_until is not None:
            enabled_label = f"{self.ENABLED} (paused until {_clock_text(st.paused_until)})"
        items.append(
            Item(enabled_label, self._toggle_enabled, checked=lambda _i, a=st.active: a, default=True)
        )
        items.append(SEP)
        for s in st.sets:
            items.append(
                Item(
                    set_label(s),
                    self._set_toggler(s.name, not s.enabled),
                    checked=lambda _i, e=s.enabled: e,
                )
            )
        if st.sets:
            items.append(SEP)
        items.append(Item(self.PAUSE, self._pause, enabled=st.active))
        items.append(Item(self.RELOAD, self._reload))
        items.append(Item(self.OPEN_FOLDER, self._open_folder))
        items.append(Item(self.EDIT_CONFIG, self._edit_config))
        items.append(Item(self.CHECK, self._check))
        items.append(SEP)
        items.append(Item(self.ABOUT, self._about))
        items.append(Item(self.QUIT, self._quit))
        return items

    # -- lookup for tests / harnesses ----------------------------------------------
    def items(self) -> list:
        """The visible items now (separators removed)."""
        return [i for i in self.menu() if i is not self._pystray.Menu.SEPARATOR]

    def item(self, prefix: str):
        """The first visible item whose text starts with ``prefix``."""
        for i in self.items():
            if i.text.startswith(prefix):
                return i
        raise KeyError(prefix)

    # -- actions (pystray calls them as action(icon, item)) -------------------------
    def _safe(self, what: str, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception as e:  # a menu click must never kill the tray
            log.exception("tray: %s failed", what)
            self.notifier(f"{what} failed: {e}", APP_NAME)

    def _toggle_enabled(self, icon=None, item=None) -> None:
        st = self.status()
        self._safe("Enable/disable", lambda: self.control.set_enabled(not st.active))

    def _set_toggler(self, name: str, new_value: bool):
        def action(icon=None, item=None):
            self._safe(f"Switching set {name}", lambda: self.control.set_set_enabled(name, new_value))

        return action

    def _pause(self, icon=None, item=None) -> None:
        self._safe("Pause", lambda: self.control.pause(self.pause_seconds))

    def _reload(self, icon=None, item=None) -> None:
        def work():
            self.control.reload()
            st = self.status()
            if st.error:
                self.notifier(st.error, f"{APP_NAME}: reload kept the last good snippets")
            else:
                self.notifier(f"{st.snippet_count} snippets active", f"{APP_NAME}: reloaded")

        self.run_async(lambda: self._safe("Reload", work))

    def _open_folder(self, icon=None, item=None) -> None:
        self._safe("Opening the snippets folder", lambda: self.opener(self.control.snippets_folder()))

    def _edit_config(self, icon=None, item=None) -> None:
        def work():
            path = self.control.config_path()
            if not Path(path).exists():
                self.notifier(f"{path} does not exist yet", f"{APP_NAME}: no config file")
                return
            self.opener(path)

        self._safe("Opening the config", work)

    def _check(self, icon=None, item=None) -> None:
        def work():
            ok, report = self.control.check()
            title = f"{APP_NAME}: snippets OK" if ok else f"{APP_NAME}: problems found"
            self.notifier(report.strip() or ("no problems" if ok else "check failed"), title)

        self.run_async(lambda: self._safe("Check", work))

    def _about(self, icon=None, item=None) -> None:
        self._safe(
            "About",
            lambda: self.notifier(
                f"{APP_NAME} {self.control.version()} — text expander", f"About {APP_NAME}"
            ),
        )

    def _show_error(self, icon=None, item=None) -> None:
        st = self.status()
        if st.error:
            self.notifier(st.error, f"{APP_NAME}: a snippet file failed to load")

    def _quit(self, icon=None, item=None) -> None:
        self._safe("Quit", self.control.quit)
        if self.on_quit is not None:
            self._safe("Stopping the tray", self.on_quit)
