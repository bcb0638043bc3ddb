"""Helpers for the end-to-end tests: Xvfb, Tk and xterm targets, a live expander."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _unavailable(msg: str):
    if os.environ.get("CI"):
        pytest.fail(msg)
    pytest.skip(msg)


def _free_display() -> int:
    for n in range(140, 400):
        if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"):
            return n
    raise RuntimeError("no free X display number")


class XServer:
    def __init__(self):
        self.proc = None
        self.name = None

    def start(self):
        if not shutil.which("Xvfb"):
            _unavailable("Xvfb is not installed (apt-get install xvfb)")
        from Xlib import display as xdisplay

        for _attempt in range(3):
            n = _free_display()
            self.name = f":{n}"
            self.proc = subprocess.Popen(
                ["Xvfb", self.name, "-screen", "0", "1280x800x24", "-noreset", "-nolisten", "tcp",
                 "+extension", "RECORD", "+extension", "XTEST"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    d = xdisplay.Display(self.name)
                    ok = d.query_extension("RECORD") and d.query_extension("XTEST")
                    d.close()
                    if ok:
                        return self
                    break
                except Exception:
                    time.sleep(0.05)
            self.stop()
        _unavailable("Xvfb did not start (with RECORD and XTEST)")

    def env(self, **extra):
        env = dict(os.environ, DISPLAY=self.name, LC_ALL="C.UTF-8", LANG="C.UTF-8")
        env.update(extra)
        return env

    def run(self, *args, check=True, **kw):
        return subprocess.run(list(args), env=self.env(), check=check, capture_output=True,
                              timeout=20, **kw)

    def setxkbmap(self, layout: str):
        self.run("setxkbmap", layout)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None




class TkTarget:
    """A Tk Text widget in its own process; ``text``/``caret`` follow it every ms."""

    def __init__(self, xserver: XServer, title="expander-target", x=0):
        self.x = xserver
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "tk_target.py"), title, str(x)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=xserver.env(), text=True, encoding="utf-8", bufsize=1,
        )
        self.lines: queue.Queue = queue.Queue()
        self.state = ("", 0)
        self.changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._ready = threading.Event()
        if not self._ready.wait(10):
            self.close()
            raise RuntimeError("Tk target did not get the focus")

    def _read(self):
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            if line == "ready":
                self._ready.set()
            elif line.startswith("T "):
                with self.changed:
                    self.state = tuple(json.loads(line[2:]))
                    self.changed.notify_all()
            elif line == "cleared":
                self._cleared.set()

    @property
    def text(self) -> str:
        return self.state[0]

    @property
    def caret(self) -> int:
        return self.state[1]

    def send(self, cmd: str):
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()

    def clear(self):
        self._cleared = threading.Event()
        self.send("clear")
        self._cleared.wait(5)
        self.wait_for(lambda t, c: t == "")

    def set_clipboard(self, value: str):
        self._cleared = threading.Event()
        self.send("setclip " + json.dumps(value))
        self._cleared.wait(5)

    def focus(self):
        self._ready.clear()
        self.send("focus")
        if not self._ready.wait(5):
            raise RuntimeError("Tk target did not get the focus back")

    def wait_for(self, pred, timeout=5.0) -> bool:
        deadline = time.monotonic() + timeout
        with self.changed:
            while not pred(*self.state):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
        return True

    def wait_text(self, expected: str, timeout=5.0, settle=0.15) -> str:
        """Wait until the text equals ``expected``, then make sure it stays (no late edits)."""
        self.wait_for(lambda t, c: t == expected, timeout)
        time.sleep(settle)
        return self.text

    def close(self):
        if self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.wait(3)
            except Exception:
                self.proc.kill()
                self.proc.wait()


class XtermTarget:
    """xterm running term_sink.py: the text it received is in ``self.path``."""

    def __init__(self, xserver: XServer, tmp: Path, title="expander-xterm"):
        self.x = xserver
        self.path = tmp / f"xterm-{time.monotonic_ns()}.txt"
        self.title = title
        self.proc = subprocess.Popen(
            ["xterm", "-u8", "-title", title, "-geometry", "80x20+0+300",
             "-xrm", "XTerm*vt100.translations: #override", "-e",
             sys.executable, str(HERE / "term_sink.py"), str(self.path)],
            env=xserver.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.path.exists():
            if time.monotonic() > deadline:
                self.close()
                raise RuntimeError("xterm did not start")
            time.sleep(0.02)
        self.focus()

    def window(self) -> str:
        out = self.x.run("xdotool", "search", "--sync", "--name", self.title).stdout.split()
        return out[-1].decode()

    def focus(self):
        self.x.run("xdotool", "windowfocus", "--sync", self.window())
        time.sleep(0.1)

    @property
    def text(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""

    def wait_text(self, expected: str, timeout=5.0, settle=0.15) -> str:
        deadline = time.monotonic() + timeout
        while self.text != expected and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(settle)
        return self.text

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()




def write_snippets(directory: Path, body: str, name="e2e") -> Path:
    path = directory / f"{name}.toml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def load(paths):
    from snippets.loader import load_library

    result = load_library([str(p) for p in paths])
    assert result.ok, [str(d) for d in result.diagnostics]
    return result.library


class Live:
    """A LiveExpander running in this process against the test display."""

    def __init__(self, xserver, library, **options):
        from expander.live import LiveExpander, LiveOptions

        self.live = LiveExpander(library, LiveOptions(display=xserver.name, **options))
        self.live.start()

    def stop(self):
        self.live.stop()


class Keyboard:
    """Types through xdotool (another XTEST client, like a user's keyboard)."""

    def __init__(self, xserver: XServer):
        self.x = xserver

    def type(self, text: str, delay_ms: int = 12):
        self.x.run("xdotool", "type", "--delay", str(delay_ms), "--", text)

    def key(self, *names: str, delay_ms: int = 12):
        self.x.run("xdotool", "key", "--delay", str(delay_ms), *names)


