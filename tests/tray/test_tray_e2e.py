"""End-to-end: the real tray icon under Xvfb + trayer + a D-Bus session, clicked with xdotool.

What it proves (with the fake app behind tests/tray/tray_harness.py, and with the
real ``expander run`` in test_tray_stops_and_resumes_live_expansion):
- the icon is embedded in a system tray and shows the enabled icon and tooltip;
- a left click (default action) reaches ``AppControl.set_enabled(False)`` and the
  icon turns to the off icon; a right click opens the menu (screenshot saved to
  ``test-artifacts/tray-menu-<backend>.png``); clicking "Enabled" reaches
  ``set_enabled(True)``, clicking a set reaches ``set_set_enabled``; "Quit"
  reaches ``quit()`` and the tray process exits;
- the global hotkey adapter (pynput) fires on Ctrl+Alt+E typed through XTEST.

Every process started here is stopped by its id (process group of each child).
With env ``CI`` set, a missing prerequisite (Xvfb that cannot start, trayer,
xdotool, dbus-run-session, PyGObject) FAILS the test instead of skipping it.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HARNESS = Path(__file__).with_name("tray_harness.py")
ARTIFACTS = REPO / "test-artifacts"


def need(ok: bool, what: str) -> None:
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(f"e2e prerequisite missing in CI: {what}")
    pytest.skip(f"e2e prerequisite missing: {what}")


def _stop(p: subprocess.Popen, timeout: float = 5.0) -> None:
    """Stop a child we started and everything in its process group (dbus-run-session's
    children may outlive it, and a tray loop may ignore SIGTERM)."""
    try:
        os.killpg(p.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        p.wait(timeout)
    except subprocess.TimeoutExpired:
        pass
    time.sleep(0.3)
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    p.wait(timeout)


# -- X helpers --------------------------------------------------------------------------
class X:
    def __init__(self, display: str):
        from Xlib import display as xdisplay

        self.name = display
        self.d = xdisplay.Display(display)
        self.root = self.d.screen().root

    def close(self):
        self.d.close()

    def screenshot(self):
        from PIL import Image
        from Xlib import X as XC

        g = self.root.get_geometry()
        raw = self.root.get_image(0, 0, g.width, g.height, XC.ZPixmap, 0xFFFFFFFF)
        return Image.frombytes("RGB", (g.width, g.height), raw.data, "raw", "BGRX")

    def abs_geom(self, w):
        g = w.get_geometry()
        t = w.translate_coords(self.root, 0, 0)
        return (-t.x, -t.y, g.width, g.height)

    def _walk(self, w):
        yield w
        for c in w.query_tree().children:
            yield from self._walk(c)

    def title(self, w) -> str:
        """_NET_WM_NAME (UTF-8) of a window, '' if unset."""
        prop = w.get_full_property(self.d.intern_atom("_NET_WM_NAME"), self.d.intern_atom("UTF8_STRING"))
        if prop is None:
            return ""
        v = prop.value
        return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)

    def wm_name(self, w) -> str:
        """WM_NAME (Latin-1 STRING) of a window, '' if unset."""
        name = w.get_wm_name()
        return name.decode("latin-1") if isinstance(name, bytes) else (name or "")

    def find_tray_icon(self, wm_class_parts: tuple):
        """(x, y, w, h) of our icon's window embedded in trayer, or None."""
        for top in self.root.query_tree().children:
            try:
                cls = top.get_wm_class() or ()
                if "trayer" not in cls or top.get_wm_name() != "panel":
                    continue
                for w in self._walk(top):
                    wc = w.get_wm_class() or ()
                    g = w.get_geometry()
                    if any(p in c for c in wc for p in wm_class_parts) and g.width >= 16 and g.height >= 16:
                        return self.abs_geom(w), w
            except Exception:
                continue
        return None

    def find_menu(self, wm_class_part: str):
        """(x, y, w, h) of a mapped override-redirect popup of our process."""
        from Xlib import X as XC

        for w in self.root.query_tree().children:
            try:
                a = w.get_attributes()
                if a.map_state != XC.IsViewable or not a.override_redirect:
                    continue
                g = w.get_geometry()
                if g.width < 60 or g.height < 60:
                    continue
                wc = w.get_wm_class() or ()
                if any(wm_class_part in c for c in wc):
                    return self.abs_geom(w)
            except Exception:
                continue
        return None


def wait_for(fn, timeout=10.0, interval=0.1, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def menu_rows(img, geom):
    """Centre y (absolute) of each text row in a menu screenshot, top to bottom."""
    mx, my, mw, mh = geom
    crop = img.crop((mx, my, mx + mw, my + mh)).convert("L")
    w, h = crop.size
    px = crop.load()
    x0, x1 = min(28, w // 4), w - 4  # skip the check-box column
    rows = []
    for y in range(h):
        inks = [px[x, y] for x in range(x0, x1)]
        dark = sum(1 for v in inks if v < 190)
        full = sum(1 for v in inks if v < 250)
        is_sep = full > 0.9 * len(inks) and dark < 0.2 * len(inks)
        rows.append(dark > 0 and not is_sep)
    lines, start = [], None
    for y, ink in enumerate(rows + [False]):
        if ink and start is None:
            start = y
        elif not ink and start is not None:
            if y - start >= 4:
                lines.append(my + (start + y) // 2)
            start = None
    return lines


def icon_colour(img, geom) -> str:
    x, y, w, h = geom
    pix = list(img.crop((x, y, x + w, y + h)).convert("RGB").tobytes())
    rgb = [tuple(pix[i : i + 3]) for i in range(0, len(pix), 3)]
    green = sum(1 for r, g, b in rgb if g > r + 50 and g > b + 50)
    red = sum(1 for r, g, b in rgb if r > g + 80 and r > b + 80)
    grey = sum(1 for r, g, b in rgb if max(r, g, b) - min(r, g, b) < 12 and 90 < r < 150)
    n = len(rgb)
    if green > n * 0.2:
        return "enabled"
    if red > n * 0.2:
        return "error"
    if grey > n * 0.2:
        return "off"
    return f"unknown(green={green}, red={red}, grey={grey}, n={n})"


# -- fixtures ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def xvfb(tmp_path_factory):
    need(shutil.which("Xvfb") is not None, "Xvfb (apt install xvfb)")
    logdir = tmp_path_factory.mktemp("xvfb")
    candidates = list(range(140, 240))
    random.shuffle(candidates)
    tried = []
    for n in candidates[:12]:
        if os.path.exists(f"/tmp/.X{n}-lock") or os.path.exists(f"/tmp/.X11-unix/X{n}"):
            continue
        log = open(logdir / f"xvfb-{n}.log", "wb")
        p = subprocess.Popen(
            ["Xvfb", f":{n}", "-screen", "0", "800x600x24", "-noreset", "-nolisten", "tcp",
             "+extension", "RECORD"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 8
        ok = False
        while time.monotonic() < deadline and p.poll() is None:
            if os.path.exists(f"/tmp/.X11-unix/X{n}"):
                try:
                    X(f":{n}").close()
                    ok = True
                    break
                except Exception:
                    pass
            time.sleep(0.05)
        log.close()
        if ok:
            try:
                yield f":{n}"
            finally:
                _stop(p)
            return
        _stop(p)
        tried.append(f":{n}: " + (logdir / f"xvfb-{n}.log").read_text(errors="replace")[-300:])
    need(False, "Xvfb could not start on a free display: " + " | ".join(tried))


@pytest.fixture(scope="module")
def trayer(xvfb):
    need(shutil.which("trayer") is not None, "trayer (apt install trayer)")
    env = dict(os.environ, DISPLAY=xvfb)
    p = subprocess.Popen(
        ["trayer", "--edge", "top", "--align", "left", "--widthtype", "pixel", "--width", "160",
         "--heighttype", "pixel", "--height", "32", "--SetDockType", "false",
         "--transparent", "false", "--expand", "false"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    x = X(xvfb)

    def tray_ready():
        from Xlib import X as XC

        atom = x.d.intern_atom("_NET_SYSTEM_TRAY_S0")
        return x.d.get_selection_owner(atom) != XC.NONE

    try:
        wait_for(tray_ready, 10, what="trayer to own the system tray selection")
        yield xvfb
    finally:
        x.close()
        _stop(p)


def _prereqs():
    need(shutil.which("xdotool") is not None, "xdotool (apt install xdotool)")
    need(shutil.which("dbus-run-session") is not None, "dbus-run-session (apt install dbus)")
    try:
        import gi  # noqa: F401

        ok = True
    except Exception:
        ok = False
    need(ok, "PyGObject (pip install 'pygobject<3.51'; extra tray-gtk)")


class TrayProc:
    def __init__(self, display: str, backend: str, workdir: Path, extra_env: dict | None = None):
        self.display = display
        self.log = workdir / "calls.jsonl"
        self.log.write_text("")
        self.err = open(workdir / "harness.err", "w+")
        env = dict(os.environ, DISPLAY=display, NO_AT_BRIDGE="1", PYTHONUNBUFFERED="1")
        env.update(extra_env or {})
        env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        self.p = subprocess.Popen(
            ["dbus-run-session", "--", sys.executable, str(HARNESS), "--log", str(self.log),
             "--backend", backend],
            env=env, stdout=subprocess.PIPE, stderr=self.err, text=True, start_new_session=True,
            cwd=str(REPO),
        )
        line = self.p.stdout.readline()
        if not line:
            self.err.seek(0)
            pytest.fail(f"tray harness died: {self.err.read()[-2000:]}")
        self.ready = json.loads(line)

    def calls(self):
        return [json.loads(l) for l in self.log.read_text().splitlines() if l.strip()]

    def stderr(self):
        self.err.flush()
        self.err.seek(0)
        return self.err.read()

    def stop(self):
        _stop(self.p)
        self.p.stdout.close()
        self.err.close()


def xdo(display, *args):
    subprocess.run(["xdotool", *args], env=dict(os.environ, DISPLAY=display), check=True, timeout=10)


# -- the tests ----------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["gtk", "appindicator"])
def test_tray_icon_click_and_menu(trayer, backend, tmp_path):
    _prereqs()
    display = trayer
    ARTIFACTS.mkdir(exist_ok=True)
    tp = TrayProc(display, backend, tmp_path)
    x = X(display)
    try:
        assert tp.ready["shown"] and tp.ready["backend"] == backend and tp.ready["has_menu"], tp.ready
        found = wait_for(lambda: x.find_tray_icon(("tray_harness", "expander")), 10, what="the icon in the tray")
        geom, win = found
        cx, cy = geom[0] + geom[2] // 2, geom[1] + geom[3] // 2

        # the icon shows "enabled" and the tooltip/title says so
        wait_for(lambda: icon_colour(x.screenshot(), geom) == "enabled", 5, what="enabled icon")
        wait_for(lambda: x.title(win) == "expander — enabled — 5 snippets", 5,
                 what=f"tooltip title 'expander — enabled — 5 snippets' (is {x.title(win)!r})")

        # which click opens the menu: gtk = right click (left click = default action);
        # appindicator (here in its classic-tray fallback) = left click, no default action
        menu_button = "3" if backend == "gtk" else "1"

        def open_menu():
            xdo(display, "mousemove", str(cx), str(cy), "click", menu_button)
            return wait_for(lambda: x.find_menu("tray_harness"), 5, what="the menu to open")

        def rows_of(menu):
            time.sleep(0.3)  # let GTK finish drawing
            img = x.screenshot()
            return img, menu_rows(img, menu)

        # 1. disable: gtk by a left click on the icon (the default action), appindicator
        #    through its menu's first item
        if backend == "gtk":
            xdo(display, "mousemove", str(cx), str(cy), "click", "1")
        else:
            menu = open_menu()
            img, rows = rows_of(menu)
            xdo(display, "mousemove", str(menu[0] + 60), str(rows[0]), "click", "1")
        wait_for(lambda: tp.calls() == [["set_enabled", False]], 5, what="set_enabled(False)")
        wait_for(lambda: icon_colour(x.screenshot(), geom) == "off", 5, what="off icon")
        wait_for(lambda: x.title(win) == "expander — disabled — 5 snippets", 5, what="disabled title")

        labels_disabled = ["Enabled", "Support DE (3)", "Team (2) [read-only]", "Pause for 15 minutes",
                           "Reload snippets", "Open snippets folder", "Edit config", "Check snippets",
                           "About expander", "Quit"]

        # 2. open the menu; screenshot artifact; click "Enabled" -> back on
        menu = open_menu()
        img, rows = rows_of(menu)
        shot = ARTIFACTS / f"tray-menu-{backend}.png"
        img.crop((0, 0, max(menu[0] + menu[2] + 20, 200), max(menu[1] + menu[3] + 20, 200))).save(shot)
        assert len(rows) == len(labels_disabled), (rows, shot)
        xdo(display, "mousemove", str(menu[0] + 60), str(rows[0]), "click", "1")
        wait_for(lambda: tp.calls()[-1:] == [["set_enabled", True]], 5, what="set_enabled(True) from the menu")
        wait_for(lambda: x.find_menu("tray_harness") is None, 5, what="the menu to close")
        wait_for(lambda: icon_colour(x.screenshot(), geom) == "enabled", 5, what="enabled icon again")

        # 3. a set item switches that set off
        menu = open_menu()
        img, rows = rows_of(menu)
        xdo(display, "mousemove", str(menu[0] + 60), str(rows[labels_disabled.index("Team (2) [read-only]")]),
            "click", "1")
        wait_for(lambda: tp.calls()[-1:] == [["set_set_enabled", "Team", False]], 5, what="set_set_enabled")

        # 4. Open snippets folder goes through the injectable opener
        menu = open_menu()
        img, rows = rows_of(menu)
        xdo(display, "mousemove", str(menu[0] + 60), str(rows[labels_disabled.index("Open snippets folder")]),
            "click", "1")
        wait_for(lambda: tp.calls()[-1:] == [["open", str(tmp_path / "snippets")]], 5, what="open folder")

        # 5. Check snippets -> the fake's check -> notification (or its log line)
        menu = open_menu()
        img, rows = rows_of(menu)
        xdo(display, "mousemove", str(menu[0] + 60), str(rows[labels_disabled.index("Check snippets")]),
            "click", "1")
        wait_for(lambda: tp.calls()[-1:] == [["check"]], 5, what="check()")
        wait_for(lambda: "no problems" in tp.stderr(), 5, what="the check result notification/log")

        # 6. Quit: reaches quit() and the tray process ends by itself
        menu = open_menu()
        img, rows = rows_of(menu)
        xdo(display, "mousemove", str(menu[0] + 60), str(rows[-1]), "click", "1")
        wait_for(lambda: tp.calls()[-1:] == [["quit"]], 5, what="quit()")
        tp.p.wait(10)
        out = tp.p.stdout.read()
        assert '"exited": true' in out, out
    finally:
        x.close()
        tp.stop()


def test_hotkey_listener_fires_on_xtest_keys(xvfb, tmp_path):
    need(shutil.which("xdotool") is not None, "xdotool (apt install xdotool)")
    code = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(REPO)!r})
        from expander.hotkey import start_hotkey_listener
        h = start_hotkey_listener("<ctrl>+<alt>+e", lambda: print("fired", flush=True))
        h.wait_ready()
        print("ready", flush=True)
        for line in sys.stdin:  # "mark" echoes a marker: every line before it was a callback
            print(line.strip(), flush=True)
        """
    )
    p = subprocess.Popen([sys.executable, "-c", code], env=dict(os.environ, DISPLAY=xvfb), stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)

    def lines_until_mark() -> list:
        time.sleep(0.3)  # the listener has seen the keys by now
        p.stdin.write("mark\n")
        p.stdin.flush()
        out = []
        while (line := p.stdout.readline().strip()) != "mark":
            assert line, p.stderr.read() if p.poll() is not None else "listener closed its output"
            out.append(line)
        return out

    try:
        line = p.stdout.readline().strip()
        assert line == "ready", p.stderr.read() if p.poll() is not None else line
        time.sleep(0.3)
        xdo(xvfb, "type", "--delay", "20", "hello e")  # plain typing: no toggle
        xdo(xvfb, "key", "ctrl+e", "alt+e", "ctrl+shift+e")  # not the hotkey
        assert lines_until_mark() == []
        xdo(xvfb, "key", "ctrl+alt+e")
        assert lines_until_mark() == ["fired"]
        xdo(xvfb, "key", "ctrl+alt+e", "ctrl+alt+e")
        assert lines_until_mark() == ["fired", "fired"]
    finally:
        _stop(p)
        p.stdin.close()
        p.stdout.close()
        p.stderr.close()


def _tk_target(display: str):
    """The Tk Text target of tests/e2e (reads its text back every ms)."""
    e2e_dir = REPO / "tests" / "e2e"
    if str(e2e_dir) not in sys.path:
        sys.path.insert(0, str(e2e_dir))
    from e2e_harness import TkTarget

    class _Server:  # what TkTarget needs of tests/e2e's XServer
        name = display

        def env(self, **extra):
            env = dict(os.environ, DISPLAY=display, LC_ALL="C.UTF-8", LANG="C.UTF-8")
            env.update(extra)
            return env

    return TkTarget(_Server(), title="expander-tray-target", x=300)


class ExpanderRun:
    """The real ``python -m expander run`` (tray included) in a D-Bus session."""

    def __init__(self, display: str, workdir: Path, snippets: Path):
        home = workdir / "home"
        self.env = dict(
            os.environ, DISPLAY=display, NO_AT_BRIDGE="1", PYTHONUNBUFFERED="1", PYSTRAY_BACKEND="gtk",
            PYTHONPATH=str(REPO), EXPANDER_CONFIG_DIR=str(home / "config"),
            EXPANDER_STATE_DIR=str(home / "state"), EXPANDER_CACHE_DIR=str(home / "cache"),
            EXPANDER_RUNTIME_DIR=str(home / "run"),
        )
        self.env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        self.errpath = workdir / "expander.err"
        self.err = open(self.errpath, "w")
        self.p = subprocess.Popen(
            ["dbus-run-session", "--", sys.executable, "-m", "expander", "run", "--snippets", str(snippets)],
            env=self.env, stdout=subprocess.DEVNULL, stderr=self.err, start_new_session=True, cwd=str(REPO),
        )
        wait_for(lambda: "tray icon shown" in self.stderr() or self.p.poll() is not None, 20,
                 what="expander run to show its tray icon")
        assert self.p.poll() is None, self.stderr()

    def stderr(self) -> str:
        self.err.flush()
        return self.errpath.read_text(errors="replace")

    def status(self) -> dict:
        r = subprocess.run([sys.executable, "-c", STATUS_SNIPPET], env=self.env, capture_output=True,
                           text=True, timeout=20)
        return json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else {}

    def stop(self):
        _stop(self.p)
        self.err.close()


STATUS_SNIPPET = """
import json
from expander.commands.run import socket_path
from expander.control_socket import client_request
print(json.dumps(client_request("status", socket_path())["status"]))
"""


def test_tray_stops_and_resumes_live_expansion(trayer, tmp_path):
    """`expander run` with its tray: clicks on the icon/menu stop and resume expansion in a
    Tk window; editing the snippet file is live; breaking it shows the error state and
    keeps the old snippets; Quit from the menu ends the app."""
    _prereqs()
    display = trayer
    ARTIFACTS.mkdir(exist_ok=True)
    snips = tmp_path / "snippets"
    snips.mkdir()
    sfile = snips / "e2e.toml"
    sfile.write_text('[snippets]\nzd = "Hallo"\n', encoding="utf-8")
    tk = _tk_target(display)
    app = None
    x = X(display)
    try:
        app = ExpanderRun(display, tmp_path, sfile)
        geom, win = wait_for(lambda: x.find_tray_icon(("expander",)), 10, what="the icon")
        cx, cy = geom[0] + geom[2] // 2, geom[1] + geom[3] // 2
        wait_for(lambda: x.title(win) == "expander — enabled — 1 snippet", 5,
                 what=f"title (is {x.title(win)!r})")

        def type_(text):
            tk.focus()
            xdo(display, "type", "--delay", "15", "--", text)

        type_("zd ")
        assert tk.wait_text("Hallo ") == "Hallo "

        # left click on the icon: expansion stops
        xdo(display, "mousemove", str(cx), str(cy), "click", "1")
        wait_for(lambda: app.status().get("state") == "disabled", 5, what="the app to be disabled")
        wait_for(lambda: icon_colour(x.screenshot(), geom) == "off", 5, what="off icon")
        type_("zd ")
        assert tk.wait_text("Hallo zd ", settle=0.4) == "Hallo zd "

        # menu -> Enabled: expansion resumes
        xdo(display, "mousemove", str(cx), str(cy), "click", "3")
        menu = wait_for(lambda: x.find_menu("expander"), 5, what="the menu")
        time.sleep(0.3)
        img = x.screenshot()
        img.crop((0, 0, 320, menu[1] + menu[3] + 20)).save(ARTIFACTS / "tray-menu-live.png")
        rows = menu_rows(img, menu)
        xdo(display, "mousemove", str(menu[0] + 60), str(rows[0]), "click", "1")
        wait_for(lambda: app.status().get("state") == "enabled", 5, what="the app to be enabled")
        wait_for(lambda: icon_colour(x.screenshot(), geom) == "enabled", 5, what="enabled icon")
        type_("zd ")
        assert tk.wait_text("Hallo zd Hallo ") == "Hallo zd Hallo "

        # live reload: an edit is active within ~1 s, without a restart
        sfile.write_text('[snippets]\nzd = "Servus"\n', encoding="utf-8")
        wait_for(lambda: "library replaced" in app.stderr(), 2, what="the watcher to reload")
        type_("zd ")
        assert tk.wait_text("Hallo zd Hallo Servus ") == "Hallo zd Hallo Servus "

        # a broken file: error icon, the last good snippets keep working
        sfile.write_text('[snippets]\nzd = "Servus\n', encoding="utf-8")
        wait_for(lambda: icon_colour(x.screenshot(), geom) == "error", 5, what="error icon")
        assert x.title(win).startswith("expander — error — ")  # the tooltip shortens long paths
        assert str(sfile) in (app.status().get("error") or "")
        type_("zd ")
        assert tk.wait_text("Hallo zd Hallo Servus Servus ") == "Hallo zd Hallo Servus Servus "
        # fixing it clears the error
        sfile.write_text('[snippets]\nzd = "Hallo"\n', encoding="utf-8")
        wait_for(lambda: icon_colour(x.screenshot(), geom) == "enabled", 5, what="enabled icon after the fix")

        # Quit from the menu ends the app
        xdo(display, "mousemove", str(cx), str(cy), "click", "3")
        menu = wait_for(lambda: x.find_menu("expander"), 5, what="the menu")
        time.sleep(0.3)
        rows = menu_rows(x.screenshot(), menu)
        xdo(display, "mousemove", str(menu[0] + 60), str(rows[-1]), "click", "1")
        wait_for(lambda: app.p.poll() is not None, 10, what="expander to exit after Quit")
        assert "stopped after" in app.stderr()
    finally:
        x.close()
        if app is not None:
            app.stop()
        tk.close()
