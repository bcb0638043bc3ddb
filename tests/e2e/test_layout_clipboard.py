"""End-to-end: keyboard layouts (AltGr, dead keys, switching while running), clipboard
restore (text and a PNG image, byte-identical), and privacy of logs and files."""

from __future__ import annotations

import hashlib
import os
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from e2e_harness import HERE, ROOT, Live, load, write_snippets

SNIPPETS = '''
[snippets]
zd = "Hallo"
dkj = "Děkuji, že jste nás kontaktovali."
"@@x" = "at-sign"
"€€" = "euro"
"{x" = "brace"
"café" = "coffee"
lng = "LONG-{text}"
'''.replace("{text}", "Řeřicha ĉu 😀 " * 20)
LONG = "LONG-" + "Řeřicha ĉu 😀 " * 20


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return load([write_snippets(tmp_path_factory.mktemp("snip"), SNIPPETS, name="layout")])


@pytest.fixture
def live(xserver, library, tk):
    runner = Live(xserver, library)
    yield runner.live
    runner.stop()


@pytest.fixture
def german(xserver):
    xserver.setxkbmap("de")
    yield
    xserver.setxkbmap("us")


@pytest.fixture
def field(tk, keyboard):
    keyboard.key("Escape")
    tk.clear()
    return tk


def test_german_layout_altgr_and_dead_keys(german, live, field, keyboard):
    keyboard.type("zd ")  # z and y are swapped on de: decoded by the current map
    assert field.wait_text("Hallo ") == "Hallo "
    keyboard.key("ISO_Level3_Shift+q", "ISO_Level3_Shift+q", "x", "space")  # @@x
    assert field.wait_text("Hallo at-sign ") == "Hallo at-sign "
    keyboard.key("ISO_Level3_Shift+e", "ISO_Level3_Shift+e", "space")  # €€
    assert field.wait_text("Hallo at-sign euro ") == "Hallo at-sign euro "
    keyboard.key("ISO_Level3_Shift+7", "x", "space")  # {x
    assert field.wait_text("Hallo at-sign euro brace ") == "Hallo at-sign euro brace "
    keyboard.type("caf")
    keyboard.key("dead_acute", "e", "space")  # ´ then e = é
    assert field.wait_text("Hallo at-sign euro brace coffee ") == "Hallo at-sign euro brace coffee "
    keyboard.type("dkj ")
    expected = "Hallo at-sign euro brace coffee Děkuji, že jste nás kontaktovali. "
    assert field.wait_text(expected) == expected


def test_layout_switch_while_running(xserver, live, field, keyboard):
    keyboard.type("dkj ")
    assert field.wait_text("Děkuji, že jste nás kontaktovali. ") == "Děkuji, že jste nás kontaktovali. "
    xserver.setxkbmap("de")
    try:
        time.sleep(0.2)
        keyboard.type("zd ")
        keyboard.key("ISO_Level3_Shift+q", "ISO_Level3_Shift+q", "x", "space")
        keyboard.type("dkj ")
        expected = "Děkuji, že jste nás kontaktovali. Hallo at-sign Děkuji, že jste nás kontaktovali. "
        assert field.wait_text(expected) == expected
    finally:
        xserver.setxkbmap("us")
    time.sleep(0.2)
    keyboard.type("zd ")
    expected += "Hallo "
    assert field.wait_text(expected) == expected


def _png(width=160, height=120) -> bytes:
    raw = b"".join(b"\0" + bytes((x * 7 + y * 3) % 256 for x in range(width * 3)) for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 0)) + chunk(b"IEND", b""))


def _xclip(xserver, *args, input=None):
    return subprocess.run(["xclip", "-selection", "clipboard", *args], input=input,
                          capture_output=True, env=xserver.env(), timeout=10)


def _helpers_on_display(xserver) -> list:
    """xclip/xsel processes running on the test display."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
            env = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        if comm in ("xclip", "xsel") and f"DISPLAY={xserver.name}\0".encode() in env:
            found.append(pid)
    return found


def test_clipboard_image_survives_paste(xserver, live, field, keyboard):
    png = _png(800, 600)  # ~1.4 MB: fetched and served back through INCR transfers
    assert len(png) > 1_000_000
    # xclip serves the image (and exits once expander takes the selection)
    proc = subprocess.Popen(["xclip", "-selection", "clipboard", "-t", "image/png", "-i"],
                            stdin=subprocess.PIPE, env=xserver.env())
    proc.stdin.write(png)
    proc.stdin.close()
    deadline = time.monotonic() + 5
    while b"image/png" not in _xclip(xserver, "-t", "TARGETS", "-o").stdout:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    try:
        keyboard.type("lng ")
        assert field.wait_text(LONG + " ") == LONG + " "
        got = _xclip(xserver, "-t", "image/png", "-o").stdout
        assert hashlib.sha256(got).hexdigest() == hashlib.sha256(png).hexdigest()
        # a second paste still gives the image back
        keyboard.type("lng ")
        assert field.wait_text((LONG + " ") * 2) == (LONG + " ") * 2
        got = _xclip(xserver, "-t", "image/png", "-o").stdout
        assert got == png
    finally:
        proc.wait(5)
    assert _helpers_on_display(xserver) == []


def test_clipboard_text_restored(xserver, live, field, keyboard):
    field.set_clipboard("the user's own clipboard ✓")
    keyboard.type("lng ")
    assert field.wait_text(LONG + " ") == LONG + " "
    out = _xclip(xserver, "-o").stdout.decode()
    assert out == "the user's own clipboard ✓"
    assert _helpers_on_display(xserver) == []


def test_nothing_typed_is_logged_or_stored(xserver, tk, keyboard, tmp_path):
    secret = "hunter2secretpw"
    snip = write_snippets(tmp_path, '[snippets]\nzd = "Hallo"\n', name="priv")
    home = tmp_path / "home"
    home.mkdir()
    env = xserver.env(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
                      XDG_DATA_HOME=str(home / ".local/share"), XDG_STATE_HOME=str(home / ".local/state"),
                      XDG_CACHE_HOME=str(home / ".cache"), PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "live_runner.py"), str(snip)], env=env, cwd=str(home),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        line = b""
        while b"ready" not in line:
            got = proc.stderr.readline()
            assert got, "live runner exited before ready"
            line += got
        keyboard.key("Escape")
        tk.clear()
        keyboard.type(f"zd {secret} zd ")
        assert tk.wait_text(f"Hallo {secret} Hallo ") == f"Hallo {secret} Hallo "
    finally:
        proc.terminate()
        out, err = proc.communicate(10)
    output = line + out + err
    assert b"ready" in output and b"zd" in output  # it did log (trigger names only)
    assert secret.encode() not in output
    for path in home.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


class RawKeys:
    """Presses keycodes through XTEST like a physical keyboard (no keysym lookup)."""

    def __init__(self, xserver):
        from Xlib.display import Display
        from Xlib.ext import xtest

        self.d = Display(xserver.name)
        self.xtest = xtest

    def tap(self, *keycodes, hold=()):
        for kc in keycodes:
            for h in hold:
                self.xtest.fake_input(self.d, 2, h)
            self.xtest.fake_input(self.d, 2, kc)
            self.xtest.fake_input(self.d, 3, kc)
            for h in hold:
                self.xtest.fake_input(self.d, 3, h)
            self.d.sync()
            time.sleep(0.01)

    def close(self):
        self.d.close()


def test_second_layout_group(xserver, field, keyboard, tk, tmp_path):
    """`setxkbmap us,de` with a group toggle: keys decode and type in the active group."""
    xserver.run("setxkbmap", "-layout", "us,de", "-option", "grp:caps_toggle")
    lib = load([write_snippets(tmp_path, '[snippets]\nzd = "Hallo yz@"\ndkj = "Děkuji"\n', name="grp")])
    runner = Live(xserver, lib)
    keys = RawKeys(xserver)
    try:
        keys.tap(66)  # Caps Lock key = next group (de): keycode 29 is now z, 52 is y
        keys.tap(29, 40, 65)  # z d space
        assert field.wait_text("Hallo yz@ ") == "Hallo yz@ "
        keys.tap(40, 45, 44, 65)  # d k j space
        assert field.wait_text("Hallo yz@ Děkuji ") == "Hallo yz@ Děkuji "
        keys.tap(66)  # back to us: keycode 52 is z
        keys.tap(52, 40, 65)
        assert field.wait_text("Hallo yz@ Děkuji Hallo yz@ ") == "Hallo yz@ Děkuji Hallo yz@ "
    finally:
        keys.close()
        runner.stop()
        xserver.run("setxkbmap", "-layout", "us", "-option", "")


def test_clipboard_manager_fetch_does_not_end_the_paste(xserver, tk):
    """Only the focused client's fetch gives the old contents back: a clipboard manager
    reading the new owner's text first must not make the target paste the old text."""
    from Xlib import X
    from Xlib.display import Display

    from expander.x11.clipboard import Clipboard

    tk.set_clipboard("old contents")
    clip = Clipboard(xserver.name)
    target = Display(xserver.name)
    try:
        win = target.screen().root.create_window(0, 0, 1, 1, 0, X.CopyFromParent)
        base = clip.client_of(win.id)
        done = clip.offer("paste me", "CLIPBOARD", target_client=base)
        # a "clipboard manager" (another client) fetches first: it gets the new text...
        assert _xclip(xserver, "-o").stdout.decode() == "paste me"
        assert not done.is_set()
        # ...then the target fetches: now the old contents come back
        prop = target.intern_atom("GOT")
        win.convert_selection(target.intern_atom("CLIPBOARD"), target.intern_atom("UTF8_STRING"), prop,
                              X.CurrentTime)
        target.flush()
        while True:
            ev = target.next_event()
            if ev.type == X.SelectionNotify:
                break
        assert bytes(win.get_full_property(prop, X.AnyPropertyType).value) == "paste me".encode()
        assert done.wait(2)
        assert _xclip(xserver, "-o").stdout.decode() == "old contents"
    finally:
        clip.close()
        target.close()
