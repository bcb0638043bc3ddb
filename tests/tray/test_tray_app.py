"""tray.app without a tray host: backend choice, no-tray fallback, sync with the app, guarded stop."""

from __future__ import annotations

import logging
import threading

import pytest

import tray.app as app_mod
from tray._compat import import_pystray
from tray.app import TrayApp, select_backend
from tray.fake import FakeAppControl
from tray.icons import make_icon

import_pystray()
from pystray._base import Icon as BaseIcon  # noqa: E402


class FakeIcon(BaseIcon):
    """A pystray Icon whose 'native' side records what the tray asked for."""

    HAS_NOTIFICATION = True
    instances: list["FakeIcon"] = []
    stop_raises = False

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.events = []
        self.notes = []
        self._loop_stop = threading.Event()
        FakeIcon.instances.append(self)

    def _show(self):
        self.events.append("show")

    def _hide(self):
        self.events.append("hide")

    def _update_icon(self):
        self.events.append("icon")

    def _update_title(self):
        self.events.append(("title", self.title))

    def _update_menu(self):
        self.events.append("menu")

    def _notify(self, message, title=None):
        self.notes.append((message, title))

    def _run(self):
        self._mark_ready()
        self._loop_stop.wait(10)

    def _stop(self):
        self._loop_stop.set()
        if FakeIcon.stop_raises:
            raise RuntimeError("no notification service")  # what gtk does without one


@pytest.fixture
def fake_backend(monkeypatch):
    FakeIcon.instances.clear()
    FakeIcon.stop_raises = False
    monkeypatch.setattr(app_mod, "select_backend", lambda pref=None: ("gtk", FakeIcon, []))
    monkeypatch.setattr(app_mod, "tray_host_present", lambda *a: True)
    return FakeIcon


def test_select_backend_without_display_never_raises(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("PYSTRAY_BACKEND", raising=False)
    monkeypatch.setattr(app_mod.sys, "platform", "linux")
    name, cls, errors = select_backend()
    assert name is None and cls is None
    assert [e.split(":")[0] for e in errors] == ["appindicator", "gtk", "xorg"]


def test_env_backend_respected(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setenv("PYSTRAY_BACKEND", "xorg")
    monkeypatch.setattr(app_mod.sys, "platform", "linux")
    name, cls, errors = select_backend()
    assert name is None and len(errors) == 1 and errors[0].startswith("xorg:")
    # an explicit argument wins over the environment
    _, _, errors = select_backend("gtk")
    assert errors[0].startswith("gtk:")


def test_unknown_backend_is_an_error_not_a_crash(monkeypatch):
    monkeypatch.setenv("DISPLAY", ":12345")
    name, _, errors = select_backend("nonsense")
    assert name is None and errors[0].startswith("nonsense: ModuleNotFoundError")


def test_no_tray_keeps_running_and_reports_once(monkeypatch, caplog):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setattr(app_mod.sys, "platform", "linux")
    ctl = FakeAppControl()
    tray = TrayApp(ctl)
    with caplog.at_level(logging.INFO, logger="expander.tray"):
        res = tray.run()
        res2 = tray.run()
        tray.start()
        tray.stop()  # no icon: a no-op
        tray.notify("hello", "title")  # falls back to the log
    assert res.shown is False and res2 is res
    assert "no system tray available" in res.message and "keeps expanding" in res.message
    assert sum("no system tray available" in r.message for r in caplog.records) == 1
    assert "title: hello" in caplog.text
    assert ctl.calls == []


def test_run_shows_icon_and_quit_stops_it(fake_backend):
    ctl = FakeAppControl()
    tray = TrayApp(ctl)
    res = tray.prepare()
    t = threading.Thread(target=tray.run)
    t.start()
    try:
        assert res.shown and res.backend == "gtk" and res.has_menu
        icon = fake_backend.instances[0]
        # the loop runs; the title was pushed at start
        for _ in range(100):
            if ("title", "expander — enabled — 5 snippets") in icon.events:
                break
            threading.Event().wait(0.02)
        assert ("title", "expander — enabled — 5 snippets") in icon.events
        tray.menu.item("Quit")(icon)
        t.join(5)
        assert not t.is_alive()
        assert ctl.calls == [("quit",)]
    finally:
        tray.stop()
        t.join(5)


def test_stop_is_guarded(fake_backend):
    fake_backend.stop_raises = True
    tray = TrayApp(FakeAppControl())
    t = threading.Thread(target=tray.run)
    t.start()
    for _ in range(100):
        if fake_backend.instances and fake_backend.instances[0]._running:
            break
        threading.Event().wait(0.02)
    tray.stop()  # must not raise
    tray.stop()
    t.join(5)
    assert not t.is_alive()


def test_state_changes_update_icon_title_menu_and_notify(fake_backend):
    ctl = FakeAppControl()
    tray = TrayApp(ctl)
    tray.prepare()
    icon = fake_backend.instances[0]
    icon.visible = True  # what run()'s setup does
    icon.events.clear()
    ctl.set_enabled(False)  # e.g. from the hotkey or `expander toggle`
    assert icon.title == "expander — disabled — 5 snippets"
    assert "icon" in icon.events and "menu" in icon.events
    assert icon.icon.tobytes() == make_icon("disabled", 64).tobytes()
    ctl.set_error("/s/a.toml:3:7: error: unknown key 'replce'")
    assert icon.notes[-1] == ("/s/a.toml:3:7: error: unknown key 'replce'",
                              "expander: a snippet file failed to load")
    assert icon.icon.tobytes() == make_icon("error", 64).tobytes()
    n = len(icon.notes)
    ctl.reload()  # same error again: no second notification
    assert len(icon.notes) == n
    ctl.set_error(None)
    assert icon.notes[-1][1] == "expander: fixed"
    assert icon.icon.tobytes() == make_icon("disabled", 64).tobytes()


def test_pause_end_refreshes_by_itself(fake_backend, monkeypatch):
    ctl = FakeAppControl()
    tray = TrayApp(ctl)
    tray.prepare()
    icon = fake_backend.instances[0]
    icon.visible = True
    ctl.pause(0.3)
    assert icon.title.startswith("expander — paused until")
    for _ in range(100):
        if icon.title == "expander — enabled — 5 snippets":
            break
        threading.Event().wait(0.02)
    assert icon.title == "expander — enabled — 5 snippets"
    tray.stop()


def test_xorg_backend_reports_missing_menu(monkeypatch):
    monkeypatch.setattr(app_mod, "select_backend", lambda pref=None: ("xorg", FakeIcon, ["gtk: no gi"]))
    monkeypatch.setattr(app_mod, "tray_host_present", lambda *a: False)
    res = TrayApp(FakeAppControl()).prepare()
    assert res.shown and not res.has_menu
    assert "pip install 'expander[tray-gtk]'" in res.message
    assert "no tray host is running yet" in res.message


def test_xorg_titles_stay_latin1():
    """pystray's xorg backend writes the title as a Latin-1 STRING: the em dash broke it."""
    from tray.app import TrayApp
    from tray.fake import FakeAppControl

    app = TrayApp(FakeAppControl())
    title = app._title("expander — enabled — 5 snippets …", "xorg")
    assert title == "expander - enabled - 5 snippets ..." and title.encode("latin-1")
    assert app._title("expander — enabled", "gtk") == "expander — enabled"
