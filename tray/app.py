"""pystray glue: pick the best backend, show the icon, keep it in sync with the app.

Usage from ``expander run`` (main thread; the engine runs in its own threads)::

    from tray.app import TrayApp
    tray = TrayApp(control)            # control: tray.interface.AppControl
    result = tray.run()                # blocks until Quit / tray.stop()
    if not result.shown:               # no tray at all: keep expanding
        quit_event.wait()              # ... until SIGINT/SIGTERM or control.quit()

``TrayApp.run`` never raises for a missing tray: it logs one warning and
returns a :class:`TrayResult` saying why. Backend order on Linux is
``appindicator``, ``gtk``, ``xorg`` (the first two need PyGObject and a D-Bus
session; ``xorg`` shows an icon without a menu, and in pystray 0.19.5 ignores
clicks). ``PYSTRAY_BACKEND`` (or ``backend=``) forces one.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from .interface import AppControl, Status
from .menu import APP_NAME, Opener, TrayMenu, open_path

log = logging.getLogger("expander.tray")

LINUX_BACKENDS = ("appindicator", "gtk", "xorg")
#: Backends that have a real menu (others: icon only).
MENU_BACKENDS = frozenset({"appindicator", "gtk", "win32", "darwin"})
PYGOBJECT_HINT = (
    "install PyGObject for a tray menu: pip install 'expander[tray-gtk]' "
    "(Debian/Ubuntu: apt install libgirepository1.0-dev libcairo2-dev pkg-config "
    "gir1.2-gtk-3.0 gir1.2-ayatanaappindicator3-0.1)"
)


@dataclass
class TrayResult:
    """What happened to the tray (returned by :meth:`TrayApp.run` / :meth:`TrayApp.start`)."""

    shown: bool  # an icon was created and its loop ran / is running
    backend: Optional[str] = None  # "appindicator", "gtk", "xorg", "win32", "darwin"
    has_menu: bool = False
    message: str = ""  # one human line: why there is no tray / what is limited
    errors: list[str] = field(default_factory=list)  # per-backend import errors


def _platform_candidates(preferred: Optional[str]) -> list[str]:
    name = preferred or os.environ.get("PYSTRAY_BACKEND") or None
    if name:
        return [name]
    if sys.platform == "win32":
        return ["win32"]
    if sys.platform == "darwin":
        return ["darwin"]
    return list(LINUX_BACKENDS)


def select_backend(preferred: Optional[str] = None):
    """Import the first usable pystray backend.

    Returns ``(name, IconClass, errors)``; ``name`` is None when none works.
    Never raises (pystray's xorg backend raises Xlib errors, not ImportError,
    when there is no display).
    """
    errors: list[str] = []
    for name in _platform_candidates(preferred):
        if name == "dummy":
            errors.append("dummy: not a real tray")
            continue
        if sys.platform.startswith("linux") and name in LINUX_BACKENDS and not os.environ.get("DISPLAY"):
            errors.append(f"{name}: no X display (DISPLAY is not set)")
            continue
        try:
            mod = importlib.import_module(f"pystray._{name}")
            return name, mod.Icon, errors
        except Exception as e:  # ImportError, ValueError (gi), Xlib errors...
            errors.append(f"{name}: {type(e).__name__}: {e}".strip())
    return None, None, errors


def tray_host_present(display_name: Optional[str] = None) -> Optional[bool]:
    """Is there an X11 system tray (``_NET_SYSTEM_TRAY_S<n>`` owner) on the display?

    Returns None when it cannot tell (no python-xlib, not X11). A StatusNotifier
    host (KDE, GNOME with the AppIndicator extension) is checked by
    :func:`sni_host_present`.
    """
    try:
        from Xlib import X, display as xdisplay
    except Exception:
        return None
    try:
        d = xdisplay.Display(display_name)
    except Exception:
        return None
    try:
        atom = d.intern_atom(f"_NET_SYSTEM_TRAY_S{d.get_default_screen()}")
        return d.get_selection_owner(atom) != X.NONE
    except Exception:
        return None
    finally:
        d.close()


def sni_host_present() -> Optional[bool]:
    """Is a StatusNotifierWatcher on the session bus? None when it cannot tell."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return None
    try:
        from gi.repository import Gio, GLib

        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        reply = bus.call_sync(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
            "NameHasOwner", GLib.Variant("(s)", ("org.kde.StatusNotifierWatcher",)),
            None, Gio.DBusCallFlags.NONE, 1000, None,
        )
        return bool(reply.unpack()[0])
    except Exception:
        return None


class TrayApp:
    """The tray icon for one running app."""

    def __init__(
        self,
        control: AppControl,
        *,
        backend: Optional[str] = None,
        opener: Opener = open_path,
        icon_size: int = 64,
        on_quit: Optional[Callable[[], None]] = None,
    ) -> None:
        self.control = control
        self.backend_pref = backend
        self.icon_size = icon_size
        self.icon = None
        self.result: Optional[TrayResult] = None
        self._stopped = threading.Event()
        self._last_error: Optional[str] = None
        self._last_state: Optional[str] = None
        self._pause_timer: Optional[threading.Timer] = None
        self._extra_on_quit = on_quit
        self.menu = TrayMenu(control, opener=opener, notifier=self.notify, on_quit=self._after_quit)
        self._reported = False
        self._prepare_lock = threading.Lock()

    # -- lifecycle -----------------------------------------------------------------
    def prepare(self) -> TrayResult:
        """Choose a backend and create the icon (not shown yet). Never raises."""
        with self._prepare_lock:
            if self.result is None:
                self._prepare()
            return self.result

    def _prepare(self) -> TrayResult:
        name, icon_cls, errors = select_backend(self.backend_pref)
        if name is None:
            self.result = TrayResult(
                shown=False,
                message="no system tray available ("
                + "; ".join(errors)
                + "); expander keeps expanding — use the toggle hotkey or `expander toggle`",
                errors=errors,
            )
            self._report()
            return self.result
        st = self.control.status()
        try:
            self.icon = icon_cls(
                APP_NAME,
                icon=self.menu.icon_image(st, self.icon_size),
                title=self._title(self.menu.tooltip(st), name),
                menu=self.menu.menu(),
            )
        except Exception as e:
            self.result = TrayResult(
                shown=False, backend=name,
                message=f"could not create the tray icon ({name}: {e}); expander keeps expanding",
                errors=errors + [f"{name}: {e}"],
            )
            self._report()
            return self.result
        has_menu = name in MENU_BACKENDS
        msg = f"tray icon shown (backend {name})"
        if not has_menu:
            msg += f"; no tray menu with this backend: {PYGOBJECT_HINT}"
        if sys.platform.startswith("linux") and name in LINUX_BACKENDS:
            hosts = (tray_host_present(), sni_host_present() if name == "appindicator" else None)
            if hosts[0] is False and not hosts[1]:
                msg += "; no tray host is running yet, the icon appears when one starts"
        self.result = TrayResult(shown=True, backend=name, has_menu=has_menu, message=msg, errors=errors)
        self._last_error = st.error
        self._last_state = st.state
        self.control.subscribe(self.refresh)
        self._report()
        return self.result

    def run(self) -> TrayResult:
        """Show the icon and run its loop until Quit / :meth:`stop` (call on the main thread)."""
        res = self.prepare()
        if not res.shown or self._stopped.is_set():
            return res

        def setup(icon):
            icon.visible = True
            # pystray's gtk/appindicator backends apply the constructor's title only
            # when it changes later: push it now
            icon.title = self._title(self.menu.tooltip())
            try:
                icon._update_title()
            except Exception:
                pass
            self._set_tooltip()

        try:
            self.icon.run(setup=setup)
        except Exception as e:
            if self._stopped.is_set():
                # gtk/appindicator tear-down raises without a notification service
                log.debug("tray: error while stopping ignored: %r", e)
            else:
                res.shown = False
                res.message = f"tray loop failed ({res.backend}: {e}); expander keeps expanding"
                log.warning("%s", res.message)
        return res

    def start(self) -> TrayResult:
        """Run :meth:`run` in a daemon thread; returns once the backend is chosen."""
        res = self.prepare()
        if res.shown:
            threading.Thread(target=self.run, name="expander-tray", daemon=True).start()
        return res

    def stop(self) -> None:
        """Stop the icon's loop. Safe to call twice, from any thread, without a tray."""
        self._stopped.set()
        if self._pause_timer is not None:
            self._pause_timer.cancel()
        icon = self.icon
        if icon is None:
            return
        try:
            icon.visible = False
        except Exception:
            pass
        try:
            icon.stop()  # gtk/appindicator raise here when there is no notification service
        except Exception as e:
            log.debug("tray: icon.stop() raised %r (ignored)", e)

    def _after_quit(self) -> None:
        self.stop()
        if self._extra_on_quit is not None:
            self._extra_on_quit()

    def _report(self) -> None:
        if self._reported or self.result is None:
            return
        self._reported = True
        if self.result.shown and self.result.has_menu:
            log.info("%s", self.result.message)
        else:
            log.warning("%s", self.result.message)

    # -- sync with the app -----------------------------------------------------------
    def refresh(self) -> None:
        """Re-read status; update icon, tooltip, menu; notify a new load error."""
        icon = self.icon
        if icon is None:
            return
        try:
            st: Status = self.control.status()
            if st.state != self._last_state:
                icon.icon = self.menu.icon_image(st, self.icon_size)
                self._last_state = st.state
            icon.title = self._title(self.menu.tooltip(st))
            self._set_tooltip()
            icon.update_menu()
            if st.error and st.error != self._last_error:
                self.notify(st.error, f"{APP_NAME}: a snippet file failed to load")
            elif self._last_error and not st.error:
                self.notify("all snippet files load again", f"{APP_NAME}: fixed")
            self._last_error = st.error
            self._schedule_pause_end(st)
        except Exception:
            log.exception("tray: refresh failed")

    def _schedule_pause_end(self, st: Status) -> None:
        if self._pause_timer is not None:
            self._pause_timer.cancel()
            self._pause_timer = None
        if st.paused_until is not None and not self._stopped.is_set():
            delay = max(0.0, st.paused_until - time.time()) + 0.2
            self._pause_timer = threading.Timer(delay, self.refresh)
            self._pause_timer.daemon = True
            self._pause_timer.start()

    def _set_tooltip(self) -> None:
        """pystray's gtk backend sets only the StatusIcon title; add the hover tooltip."""
        icon = self.icon
        si = getattr(icon, "_status_icon", None)
        if si is None:
            return
        try:
            from gi.repository import GLib

            text = icon.title
            GLib.idle_add(lambda: (si.set_tooltip_text(text), False)[1])
        except Exception:
            pass

    def _title(self, text: str, backend: Optional[str] = None) -> str:
        """pystray's xorg backend sets the title as a Latin-1 STRING: keep it encodable."""
        backend = backend or (self.result.backend if self.result else None)
        if backend != "xorg":
            return text
        return text.replace("—", "-").replace("…", "...").encode("latin-1", "replace").decode("latin-1")

    def notify(self, message: str, title: str = APP_NAME) -> None:
        """A desktop notification when the backend has them, else a log line."""
        icon = self.icon
        if icon is not None and getattr(icon, "HAS_NOTIFICATION", False) and self.result and self.result.shown:
            try:
                icon.notify(message, title)
                log.info("notification: %s: %s", title, message)
                return
            except Exception as e:
                log.debug("tray: notify failed: %r", e)
        log.warning("%s: %s", title, message)
