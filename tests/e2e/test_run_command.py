"""`expander run` as a user starts it: a real process on Xvfb, typing into a Tk window.

Covers the CLI around the live engine: ready line, live reload (and a broken file
keeping the last good snippets), `expander status/toggle`, one instance only, a
clear error without a display, and privacy for the whole app at its most verbose.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from e2e_harness import ROOT


class Expander:
    """`python -m expander run ...` with private config/state/cache/runtime folders."""

    def __init__(self, xserver, tmp: Path, *args: str, tray: bool = False, **env):
        self.home = tmp / "home"
        self.home.mkdir(exist_ok=True)
        self.env = xserver.env(
            HOME=str(self.home),
            PYTHONPATH=str(ROOT),
            EXPANDER_CONFIG_DIR=str(self.home / "config"),
            EXPANDER_STATE_DIR=str(self.home / "state"),
            EXPANDER_CACHE_DIR=str(self.home / "cache"),
            EXPANDER_RUNTIME_DIR=str(self.home / "run"),
            **env,
        )
        flags = [] if tray else ["--no-tray", "-v"]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "expander", "run", *flags, *args],
            env=self.env, cwd=str(self.home), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        self.lines: list[str] = []
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        if not self.wait_log("ready", 20):
            self.stop()
            pytest.fail("expander run did not get ready:\n" + self.output)

    def _read(self):
        for raw in self.proc.stderr:
            with self._cond:
                self.lines.append(raw.decode("utf-8", "replace"))
                self._cond.notify_all()

    @property
    def output(self) -> str:
        with self._cond:
            return "".join(self.lines)

    def wait_log(self, text: str, timeout: float = 5.0, after: int = 0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not any(text in line for line in self.lines[after:]):
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    return any(text in line for line in self.lines[after:])
                self._cond.wait(min(left, 0.2))
        return True

    def mark(self) -> int:
        with self._cond:
            return len(self.lines)

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "expander", *args], env=self.env,
                              capture_output=True, text=True, timeout=30)

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        out = self.proc.stdout.read().decode("utf-8", "replace")
        time.sleep(0.05)
        return out + self.output


def type_and_expect(tk, keyboard, typed: str, expected: str) -> str:
    keyboard.key("Escape")
    tk.clear()
    keyboard.type(typed)
    return tk.wait_text(expected)


def test_run_reload_status_toggle_and_privacy(xserver, tk, keyboard, tmp_path):
    secret = "Tr0ub4dor&3horse"
    rare = "ŧ¶ǂŋʬ"  # characters nothing else writes: a per-key log line would show one of them
    snips = tmp_path / "mine.toml"
    snips.write_text('[snippets]\nzd = "Hallo"\n', encoding="utf-8")
    app = Expander(xserver, tmp_path, "--snippets", str(snips))
    try:
        assert "ready: 1 snippets in 1 sets" in app.output
        assert type_and_expect(tk, keyboard, "zd ", "Hallo ") == "Hallo "

        # a second instance refuses to start and says why
        second = app.cli("run", "--no-tray", "--snippets", str(snips))
        assert second.returncode == 1 and "already running" in second.stderr

        # editing the file changes what expands, without a restart
        mark = app.mark()
        snips.write_text('[snippets]\nzd = "Servus"\n', encoding="utf-8")
        assert app.wait_log("library replaced", 3, after=mark), app.output
        assert type_and_expect(tk, keyboard, "zd ", "Servus ") == "Servus "

        # breaking it keeps the last good snippets working and reports where
        mark = app.mark()
        snips.write_text('[snippets]\nzd = "Servus\n', encoding="utf-8")
        assert app.wait_log("keeping its last good version", 3, after=mark), app.output
        typed = f"zd {secret} {rare} "
        assert type_and_expect(tk, keyboard, typed, f"Servus {secret} {rare} ") == f"Servus {secret} {rare} "
        status = app.cli("status")
        assert status.returncode == 1 and f"{snips}:2:" in status.stdout + status.stderr

        # fixing it clears the error
        mark = app.mark()
        snips.write_text('[snippets]\nzd = "Moin"\n', encoding="utf-8")
        assert app.wait_log("library replaced", 3, after=mark)
        assert app.cli("status").returncode == 0
        assert type_and_expect(tk, keyboard, "zd ", "Moin ") == "Moin "

        # toggle off: nothing expands; toggle on: expands again
        assert "disabled" in app.cli("toggle").stdout
        time.sleep(0.2)
        assert type_and_expect(tk, keyboard, "zd ", "zd ") == "zd "
        assert "enabled" in app.cli("toggle").stdout
        time.sleep(0.2)
        assert type_and_expect(tk, keyboard, "zd ", "Moin ") == "Moin "

        # the global hotkey Ctrl+Alt+E does the same from any window
        def state():
            return app.cli("status").stdout.split("\n")[0]

        keyboard.key("ctrl+alt+e")
        deadline = time.monotonic() + 3
        while "disabled" not in state() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "disabled" in state()
        assert type_and_expect(tk, keyboard, "zd ", "zd ") == "zd "
        keyboard.key("ctrl+alt+e")
        deadline = time.monotonic() + 3
        while "enabled" not in state() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert type_and_expect(tk, keyboard, "zd ", "Moin ") == "Moin "
    finally:
        output = app.stop()
    assert app.proc.returncode == 0, output
    assert "stopped after" in output
    # privacy: what was typed is nowhere in the output or in any file expander wrote
    assert secret not in output
    assert not any(ch in output for ch in rare), output
    for path in app.home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert secret.encode() not in data, path
            assert not any(ch.encode() in data for ch in rare), path


def test_run_without_display_says_what_is_missing(tmp_path):
    snips = tmp_path / "s.toml"
    snips.write_text('[snippets]\nzd = "Hallo"\n')
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env.update(PYTHONPATH=str(ROOT), EXPANDER_RUNTIME_DIR=str(tmp_path / "run"),
               EXPANDER_STATE_DIR=str(tmp_path / "state"), EXPANDER_CONFIG_DIR=str(tmp_path / "cfg"))
    r = subprocess.run([sys.executable, "-m", "expander", "run", "--no-tray", "--snippets", str(snips)],
                       env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert "DISPLAY" in r.stderr and "Traceback" not in r.stderr


def test_team_snippets_from_url_survive_network_loss(xserver, tk, keyboard, tmp_path):
    """A URL source expands live; with the server gone, a restarted expander uses the cache."""
    import http.server

    team = tmp_path / "site"
    team.mkdir()
    (team / "team.toml").write_text('[set]\nname = "Team"\n[snippets]\ntmz = "Team-Gruß"\n', encoding="utf-8")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(team), **kw)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    home_cfg = tmp_path / "home" / "config"
    home_cfg.mkdir(parents=True)
    (home_cfg / "config.toml").write_text(
        f'[[source]]\nname = "team"\nurl = "http://127.0.0.1:{server.server_address[1]}/team.toml"\nrefresh = "1s"\n',
        encoding="utf-8",
    )
    try:
        app = Expander(xserver, tmp_path)
        try:
            assert type_and_expect(tk, keyboard, "tmz ", "Team-Gruß ") == "Team-Gruß "
            assert "[ro ]" in app.cli("status").stdout or "read-only" in app.cli("status").stdout
        finally:
            app.stop()
    finally:
        server.shutdown()
        server.server_close()
    # the network (server) is gone: a restarted expander expands the team's snippets from cache
    app = Expander(xserver, tmp_path)
    try:
        assert "source 'team'" in app.output  # the agent is told, once
        assert type_and_expect(tk, keyboard, "tmz ", "Team-Gruß ") == "Team-Gruß "
    finally:
        output = app.stop()
    assert output.count("source 'team'") == 1, output


def test_run_on_a_display_without_record_says_so(tmp_path):
    """A display that lacks the RECORD extension: a clear message, exit 1, no traceback."""
    from e2e_harness import _free_display, _unavailable

    n = _free_display()
    xvfb = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "640x480x24", "-nolisten", "tcp",
                             "-extension", "RECORD"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(f"/tmp/.X11-unix/X{n}") and time.monotonic() < deadline:
            time.sleep(0.05)
        if not os.path.exists(f"/tmp/.X11-unix/X{n}"):
            _unavailable("Xvfb did not start")
        snips = tmp_path / "s.toml"
        snips.write_text('[snippets]\nzd = "Hallo"\n')
        env = dict(os.environ, DISPLAY=f":{n}", PYTHONPATH=str(ROOT), EXPANDER_RUNTIME_DIR=str(tmp_path / "run"),
                   EXPANDER_STATE_DIR=str(tmp_path / "state"), EXPANDER_CONFIG_DIR=str(tmp_path / "cfg"))
        r = subprocess.run([sys.executable, "-m", "expander", "run", "--no-tray", "--snippets", str(snips)],
                           env=env, capture_output=True, text=True, timeout=30)
    finally:
        xvfb.terminate()
        xvfb.wait(5)
    assert r.returncode == 1, r.stderr
    assert "RECORD" in r.stderr and "Traceback" not in r.stderr


def test_run_with_a_tray_icon_but_no_tray_host(xserver, tk, keyboard, tmp_path):
    """The plain install (no PyGObject: pystray's xorg icon) on a desktop with no tray yet:
    expansion works, the app says once that the icon appears later, and no tracebacks."""
    snips = tmp_path / "s.toml"
    snips.write_text('[snippets]\nzd = "Hallo"\n', encoding="utf-8")
    app = Expander(xserver, tmp_path, "--snippets", str(snips), tray=True, PYSTRAY_BACKEND="xorg")
    try:
        assert app.wait_log("tray icon shown (backend xorg)", 5), app.output
        assert type_and_expect(tk, keyboard, "zd ", "Hallo ") == "Hallo "
        app.cli("toggle")
        app.cli("toggle")  # icon updates while undocked
        assert type_and_expect(tk, keyboard, "zd ", "Hallo ") == "Hallo "
    finally:
        output = app.stop()
    assert "Traceback" not in output and "the icon appears when one starts" in output, output
