"""The control socket over real Unix sockets: permissions, commands, second instance, stale socket."""

from __future__ import annotations

import io
import json
import os
import socket
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from expander.control_socket import (
    AlreadyRunning,
    ControlError,
    ControlServer,
    NotRunning,
    client_request,
    default_socket_path,
    is_running,
    run_client_command,
)
from tray.fake import FakeAppControl

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def sock_path():
    # short path: AF_UNIX paths are limited to ~104 bytes, pytest's tmp_path can be longer
    import tempfile

    d = Path(tempfile.mkdtemp(prefix="exp-cs-"))
    yield d / "run" / "control.sock"
    import shutil

    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def server(sock_path):
    ctl = FakeAppControl()
    srv = ControlServer(ctl, sock_path, pid=4242).start()
    yield srv, ctl
    srv.stop()


def test_permissions(server, sock_path):
    assert stat.S_ISSOCK(os.stat(sock_path).st_mode)
    assert stat.S_IMODE(os.stat(sock_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(sock_path.parent).st_mode) == 0o700


def test_existing_folder_permissions_tightened(sock_path):
    sock_path.parent.mkdir(parents=True, mode=0o755)
    os.chmod(sock_path.parent, 0o755)
    with ControlServer(FakeAppControl(), sock_path):
        assert stat.S_IMODE(os.stat(sock_path.parent).st_mode) == 0o700


def test_status_round_trip(server, sock_path):
    reply = client_request("status", sock_path)
    assert reply["ok"] is True and reply["pid"] == 4242
    st = reply["status"]
    assert st["state"] == "enabled" and st["snippet_count"] == 5
    assert [s["name"] for s in st["sets"]] == ["Support DE", "Team"]
    assert st["sets"][1]["read_only"] is True


def test_toggle_round_trip(server, sock_path):
    srv, ctl = server
    r = client_request("toggle", sock_path)
    assert r["status"]["enabled"] is False and r["status"]["state"] == "disabled"
    assert ctl.calls == [("set_enabled", False)]
    r = client_request("toggle", sock_path)
    assert r["status"]["state"] == "enabled"
    assert ctl.calls[-1] == ("set_enabled", True)


def test_toggle_while_paused_resumes(server, sock_path):
    srv, ctl = server
    client_request("pause", sock_path, seconds=60)
    assert ctl.calls == [("pause", 60.0)]
    assert client_request("status", sock_path)["status"]["state"] == "paused"
    r = client_request("toggle", sock_path)
    assert ctl.calls[-1] == ("set_enabled", True)
    assert r["status"]["state"] == "enabled"


def test_reload_enable_disable_set_check_quit(server, sock_path):
    srv, ctl = server
    assert client_request("reload", sock_path)["ok"]
    assert client_request("disable", sock_path)["status"]["enabled"] is False
    assert client_request("enable", sock_path)["status"]["enabled"] is True
    r = client_request("set", sock_path, name="Team", enabled=False)
    assert [s["enabled"] for s in r["status"]["sets"]] == [True, False]
    r = client_request("check", sock_path)
    assert r["check_ok"] is True and "no problems" in r["report"]
    assert client_request("quit", sock_path)["ok"]
    assert ctl.quit_called.wait(2)
    assert ctl.calls == [
        ("reload",), ("set_enabled", False), ("set_enabled", True),
        ("set_set_enabled", "Team", False), ("check",), ("quit",),
    ]


def test_bad_requests(server, sock_path):
    assert client_request("frobnicate", sock_path) == {"ok": False, "error": "unknown command 'frobnicate'"}
    assert not client_request("pause", sock_path, seconds=-1)["ok"]
    assert not client_request("pause", sock_path, seconds="x")["ok"]
    assert not client_request("set", sock_path, name="Nope", enabled=False)["ok"]
    assert not client_request("set", sock_path, name="Team")["ok"]
    # raw garbage, then a good request on the same connection
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(sock_path))
        f = s.makefile("rwb")
        f.write(b"not json\n[1]\n{\"cmd\": \"ping\"}\n")
        f.flush()
        replies = [json.loads(f.readline()) for _ in range(3)]
    assert [r["ok"] for r in replies] == [False, False, True]
    assert replies[2]["pid"] == 4242


def test_app_exception_reported_not_fatal(sock_path):
    class Broken(FakeAppControl):
        def reload(self):
            raise RuntimeError("disk on fire")

    with ControlServer(Broken(), sock_path):
        r = client_request("reload", sock_path)
        assert r == {"ok": False, "error": "reload failed: disk on fire"}
        assert client_request("status", sock_path)["ok"]


def test_second_instance_refused(server, sock_path):
    assert is_running(sock_path) == 4242
    with pytest.raises(AlreadyRunning) as ei:
        ControlServer(FakeAppControl(), sock_path).start()
    assert str(ei.value) == "expander is already running (pid 4242)"
    # the first one still works
    assert client_request("status", sock_path)["ok"]


def test_second_instance_refused_across_processes(server, sock_path):
    code = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(REPO)!r})
        from expander.control_socket import ControlServer, AlreadyRunning
        from tray.fake import FakeAppControl
        try:
            ControlServer(FakeAppControl(), {str(sock_path)!r}).start()
        except AlreadyRunning as e:
            print(e); sys.exit(3)
        """
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert p.returncode == 3, p.stderr
    assert p.stdout.strip() == "expander is already running (pid 4242)"


def test_stale_socket_is_replaced(sock_path):
    sock_path.parent.mkdir(parents=True, mode=0o700)
    # a socket file with nobody listening, as a crashed instance leaves it
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(sock_path))
    s.close()
    assert sock_path.exists()
    assert is_running(sock_path) is None
    with pytest.raises(NotRunning):
        client_request("status", sock_path)
    with ControlServer(FakeAppControl(), sock_path, pid=7):
        assert is_running(sock_path) == 7


def test_stale_socket_from_killed_process(sock_path):
    code = textwrap.dedent(
        f"""
        import sys, os, time
        sys.path.insert(0, {str(REPO)!r})
        from expander.control_socket import ControlServer
        from tray.fake import FakeAppControl
        ControlServer(FakeAppControl(), {str(sock_path)!r}).start()
        print("up", flush=True)
        time.sleep(60)
        """
    )
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "up"
        assert is_running(sock_path) == p.pid
        p.kill()
        p.wait(10)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        p.stdout.close()
    assert sock_path.exists()  # SIGKILL left it behind
    assert is_running(sock_path) is None
    with ControlServer(FakeAppControl(), sock_path, pid=8):
        assert is_running(sock_path) == 8


def test_non_socket_file_in_the_way(sock_path):
    sock_path.parent.mkdir(parents=True, mode=0o700)
    sock_path.write_text("x")
    with pytest.raises(ControlError, match="not a socket"):
        ControlServer(FakeAppControl(), sock_path).start()


def test_stop_removes_socket(sock_path):
    srv = ControlServer(FakeAppControl(), sock_path).start()
    assert sock_path.exists()
    srv.stop()
    assert not sock_path.exists()
    srv.stop()  # idempotent


def test_not_running(sock_path):
    assert is_running(sock_path) is None
    err = io.StringIO()
    assert run_client_command("status", sock_path, out=io.StringIO(), err=err) == 1
    assert err.getvalue().strip() == "expander is not running"


def test_cli_output(server, sock_path):
    srv, ctl = server
    out = io.StringIO()
    assert run_client_command("status", sock_path, out=out) == 0
    text = out.getvalue()
    assert text.startswith("expander: enabled\nsnippets active: 5\n")
    assert "[on ] Team: 2 snippets (read-only)" in text
    out = io.StringIO()
    assert run_client_command("toggle", sock_path, out=out) == 0
    assert out.getvalue() == "expander: disabled\n"
    out = io.StringIO()
    assert run_client_command("reload", sock_path, out=out) == 0
    assert out.getvalue() == "reloaded: 5 snippets active\n"
    ctl.set_error("/s/a.toml:2:1: error: bad")
    err = io.StringIO()
    assert run_client_command("reload", sock_path, out=io.StringIO(), err=err) == 1
    assert "/s/a.toml:2:1: error: bad" in err.getvalue()
    out = io.StringIO()
    assert run_client_command("status", sock_path, out=out) == 1
    assert "error: /s/a.toml:2:1: error: bad" in out.getvalue()


def test_default_path_in_runtime_dir(monkeypatch, tmp_path):
    rt = tmp_path / "rt"
    rt.mkdir(mode=0o700)
    os.chmod(rt, 0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(rt))
    assert default_socket_path() == rt / "expander" / "control.sock"
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "missing" / ("x" * 120)))
    p = default_socket_path()  # unusable runtime dir: a private folder in the temp dir
    assert p.name == "control.sock"
    assert len(str(p)) < 104
