"""The tray menu model, driven directly through pystray items (no tray host needed)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tray._compat import import_pystray
from tray.fake import FakeAppControl
from tray.interface import AppControl, SetInfo, Status
from tray.menu import READ_ONLY_MARK, TrayMenu, tooltip_text

pystray = import_pystray()


class Harness:
    def __init__(self, **kw):
        self.opened: list[Path] = []
        self.notes: list[tuple[str, str]] = []
        self.quits = 0
        self.control = FakeAppControl(**kw)
        self.menu = TrayMenu(
            self.control,
            opener=self.opened.append,
            notifier=lambda m, t: self.notes.append((m, t)),
            run_async=lambda f: f(),
            on_quit=self._on_quit,
        )
        # a backend-less pystray Icon: icon() runs the default action
        from pystray._base import Icon

        class TestIcon(Icon):  # no native menu: count update_menu() calls instead
            updates = 0

            def _update_menu(self):
                TestIcon.updates += 1

        self.icon = TestIcon("expander-test", self.menu.icon_image(), self.menu.tooltip(), self.menu.menu())

    def _on_quit(self):
        self.quits += 1

    def texts(self):
        return [i.text for i in self.menu.items()]

    def click(self, prefix):
        self.menu.item(prefix)(self.icon)


@pytest.fixture
def h():
    return Harness()


def test_fake_satisfies_protocol():
    assert isinstance(FakeAppControl(), AppControl)


def test_menu_layout(h):
    assert h.texts() == [
        "Enabled",
        "Support DE (3)",
        f"Team (2) {READ_ONLY_MARK}",
        "Pause for 15 minutes",
        "Reload snippets",
        "Open snippets folder",
        "Edit config",
        "Check snippets",
        "About expander",
        "Quit",
    ]
    # separators between groups, none doubled
    raw = list(h.menu.menu())
    seps = [k for k, i in enumerate(raw) if i is pystray.Menu.SEPARATOR]
    assert seps == [1, 4, 10]


def test_enabled_is_checked_default_item(h):
    enabled = h.menu.item("Enabled")
    assert enabled.default is True
    assert enabled.checked is True
    assert [i.text for i in h.menu.items() if i.default] == ["Enabled"]
    assert h.menu.item("Pause").checked is None


def test_default_action_toggles_enabled(h):
    h.icon()  # a left click on the icon
    assert h.control.calls == [("set_enabled", False)]
    assert h.control.status().enabled is False
    assert h.menu.item("Enabled").checked is False
    assert h.menu.item("Pause").enabled is False  # nothing to pause while disabled
    h.icon()
    assert h.control.calls[-1] == ("set_enabled", True)
    assert h.menu.item("Enabled").checked is True


def test_enabled_item_click(h):
    h.click("Enabled")
    assert h.control.calls == [("set_enabled", False)]
    h.click("Enabled")
    assert h.control.calls[-1] == ("set_enabled", True)


def test_set_items_toggle_each_set(h):
    team = h.menu.item("Team")
    assert team.checked is True
    team(h.icon)
    assert h.control.calls == [("set_set_enabled", "Team", False)]
    assert h.menu.item("Team").checked is False
    assert h.control.status().snippet_count == 3
    h.click("Team")
    assert h.control.calls[-1] == ("set_set_enabled", "Team", True)
    h.click("Support DE")
    assert h.control.calls[-1] == ("set_set_enabled", "Support DE", False)
    assert h.menu.item("Support DE").checked is False
    assert h.menu.item("Team").checked is True


def test_read_only_marker_only_on_shared_sets(h):
    assert READ_ONLY_MARK in h.menu.item("Team").text
    assert READ_ONLY_MARK not in h.menu.item("Support DE").text


def test_pause_then_resume(h):
    h.click("Pause for 15 minutes")
    assert h.control.calls == [("pause", 900)]
    st = h.control.status()
    assert st.paused and st.state == "paused"
    assert abs(st.paused_until - (time.time() + 900)) < 5
    en = h.menu.item("Enabled")
    assert en.checked is False
    assert "paused until" in en.text
    assert "paused until" in h.menu.tooltip()
    assert h.menu.item("Pause").enabled is False
    h.icon()  # default action resumes
    assert h.control.calls[-1] == ("set_enabled", True)
    assert h.control.status().state == "enabled"


def test_pause_expires():
    now = [1000.0]
    hh = Harness(clock=lambda: now[0])
    hh.click("Pause")
    assert hh.control.status().paused
    now[0] += 901
    assert not hh.control.status().paused
    assert hh.menu.item("Enabled").checked is True


def test_reload_notifies_result(h):
    h.click("Reload snippets")
    assert h.control.calls == [("reload",)]
    assert h.notes[-1] == ("5 snippets active", "expander: reloaded")


def test_reload_with_error_notifies_error(h):
    h.control.set_error("/s/a.toml:3:7: error: unknown key 'replce'")
    h.click("Reload snippets")
    msg, title = h.notes[-1]
    assert msg == "/s/a.toml:3:7: error: unknown key 'replce'"
    assert "last good" in title


def test_open_snippets_folder(h):
    h.click("Open snippets folder")
    assert h.opened == [Path("/tmp/expander-snippets")]


def test_edit_config_opens_existing_file(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("")
    hh = Harness(config_path=cfg)
    hh.click("Edit config")
    assert hh.opened == [cfg]


def test_edit_config_missing_file_notifies(tmp_path):
    hh = Harness(config_path=tmp_path / "nope.toml")
    hh.click("Edit config")
    assert hh.opened == []
    assert "does not exist" in hh.notes[-1][0]


def test_opener_failure_becomes_notification(tmp_path):
    hh = Harness()

    def boom(p):
        raise FileNotFoundError("xdg-open not found")

    hh.menu.opener = boom
    hh.click("Open snippets folder")  # must not raise
    assert "xdg-open not found" in hh.notes[-1][0]


def test_check_ok_and_failing(h):
    h.click("Check snippets")
    assert h.control.calls == [("check",)]
    assert h.notes[-1] == ("2 files, 5 snippets, no problems", "expander: snippets OK")
    h.control.check_result = (False, "/s/a.toml:1:1: error: bad\n")
    h.click("Check snippets")
    assert h.notes[-1] == ("/s/a.toml:1:1: error: bad", "expander: problems found")


def test_about_shows_version():
    hh = Harness(version="9.8.7")
    hh.click("About")
    assert hh.notes[-1] == ("expander 9.8.7 — text expander", "About expander")


def test_quit_calls_app_and_stops_tray(h):
    h.click("Quit")
    assert h.control.calls == [("quit",)]
    assert h.control.quit_called.is_set()
    assert h.quits == 1


def test_error_state_adds_error_item_and_icon(h):
    h.control.set_error("/s/a.toml:3:7: error: unknown key 'replce'")
    items = h.texts()
    assert items[0] == "Error: /s/a.toml:3:7: error: unknown key 'replce'"
    h.click("Error:")
    assert h.notes[-1][0] == "/s/a.toml:3:7: error: unknown key 'replce'"
    assert h.control.status().state == "error"
    assert "error" in h.menu.tooltip()
    h.control.set_error(None)
    assert h.texts()[0] == "Enabled"


def test_long_error_truncated_in_menu(h):
    h.control.set_error("/x/" + "a" * 200 + ".toml:1:1: error: y")
    t = h.texts()[0]
    assert len(t) <= len("Error: ") + 80 and t.endswith("…")


def test_failing_action_does_not_raise():
    class Broken(FakeAppControl):
        def set_enabled(self, enabled):
            raise RuntimeError("engine gone")

    notes = []
    m = TrayMenu(Broken(), opener=lambda p: None, notifier=lambda a, b: notes.append(a), run_async=lambda f: f())
    m.item("Enabled")(None)
    assert "engine gone" in notes[-1]


def test_no_sets_no_double_separator():
    hh = Harness(sets=[])
    assert hh.texts()[:2] == ["Enabled", "Pause for 15 minutes"]
    raw = list(hh.menu.menu())
    for a, b in zip(raw, raw[1:]):
        assert not (a is pystray.Menu.SEPARATOR and b is pystray.Menu.SEPARATOR)


@pytest.mark.parametrize(
    "status,expected",
    [
        (Status(True, None, None, [], 42), "expander — enabled — 42 snippets"),
        (Status(True, None, None, [], 1), "expander — enabled — 1 snippet"),
        (Status(False, None, None, [], 42), "expander — disabled — 42 snippets"),
        (
            Status(True, None, "a.toml:1:2: error: x", [], 7),
            "expander — error — enabled — 7 snippets — a.toml:1:2: error: x",
        ),
    ],
)
def test_tooltip(status, expected):
    assert tooltip_text(status) == expected


def test_tooltip_paused_shows_end_time():
    ts = time.mktime((2024, 5, 1, 14, 5, 0, 0, 0, -1))
    assert tooltip_text(Status(True, ts, None, [], 3)) == "expander — paused until 14:05 — 3 snippets"


def test_status_dict_round_trip():
    st = Status(False, 12.5, "e", [SetInfo("a", 2, False, True)], 0)
    d = st.to_dict()
    assert d["state"] == "error"
    assert Status.from_dict(d) == st
