"""Control of the running instance over a local Unix socket.

The socket lives in ``platformdirs.user_runtime_dir("expander")`` (folder mode
0700, socket mode 0600, and on Linux the peer's uid is checked with
SO_PEERCRED), so only the user can talk to it. The protocol is one JSON object
per line each way::

    -> {"cmd": "status"}
    <- {"ok": true, "pid": 1234, "status": {"enabled": true, "state": "enabled", ...}}
    -> {"cmd": "frobnicate"}
    <- {"ok": false, "error": "unknown command 'frobnicate'"}

Commands: ``ping``, ``status``, ``toggle``, ``enable``, ``disable``,
``pause`` (``seconds``, default 900), ``reload``, ``set`` (``name``,
``enabled``), ``check``, ``quit``. Every successful reply except ``ping``
and ``check`` carries the status after the command.

Server side (``expander run``)::

    server = ControlServer(control)      # control: tray.interface.AppControl
    server.start()                       # raises AlreadyRunning("expander is already running (pid N)")
    ...
    server.stop()                        # removes the socket

Client side (``expander status|toggle|reload``)::

    sys.exit(run_client_command("status"))       # prints, returns 0 / 1
    reply = client_request("pause", seconds=60)  # dict; raises NotRunning
"""

from __future__ import annotations

import errno
import json
import logging
import os
import socket
import stat
import struct
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Optional, TextIO

log = logging.getLogger("expander.control")

SOCKET_NAME = "control.sock"
MAX_LINE = 64 * 1024
DEFAULT_PAUSE = 15 * 60
_SUN_PATH_MAX = 104  # the smallest sun_path of the platforms we run on (macOS), minus NUL


class ControlError(Exception):
    pass


class AlreadyRunning(ControlError):
    def __init__(self, pid: Optional[int], path: Path):
        self.pid = pid
        self.path = path
        super().__init__(
            f"expander is already running (pid {pid})" if pid else "expander is already running"
        )


class NotRunning(ControlError, ConnectionError):
    def __init__(self, path: Path):
        self.path = path
        super().__init__(f"expander is not running (no control socket at {path})")


# -- paths ----------------------------------------------------------------------------
def default_socket_path() -> Path:
    """``<user_runtime_dir>/expander/control.sock`` (falls back to a private temp folder)."""
    import platformdirs

    p = Path(platformdirs.user_runtime_dir("expander")) / SOCKET_NAME
    base = p.parent.parent
    if len(os.fsencode(str(p))) <= _SUN_PATH_MAX and (base.is_dir() and os.access(base, os.W_OK)):
        return p
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"expander-{uid}" / SOCKET_NAME


def _prepare_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = folder.stat()
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise ControlError(f"{folder} belongs to another user; refusing to use it")
    if stat.S_IMODE(st.st_mode) != 0o700:
        os.chmod(folder, 0o700)


# -- client ---------------------------------------------------------------------------
def _connect(path: Path, timeout: float) -> socket.socket:
    if not hasattr(socket, "AF_UNIX"):
        raise NotRunning(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(str(path))
    except (FileNotFoundError, ConnectionRefusedError) as e:
        s.close()
        raise NotRunning(path) from e
    except OSError as e:
        s.close()
        if e.errno in (errno.ENOENT, errno.ECONNREFUSED, errno.ENOTSOCK):
            raise NotRunning(path) from e
        raise
    return s


def _read_line(f) -> bytes:
    line = f.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE:
        raise ControlError("reply too long")
    return line


def client_request(cmd: str, path: Optional[Path] = None, *, timeout: float = 10.0, **args: Any) -> dict:
    """Send one command to the running instance and return its JSON reply.

    Raises :class:`NotRunning` when no instance listens at ``path``;
    :class:`ControlError` on a malformed reply. A reply with ``"ok": false``
    is returned, not raised.
    """
    path = Path(path) if path is not None else default_socket_path()
    with _connect(path, timeout) as s, s.makefile("rwb") as f:
        f.write(json.dumps({"cmd": cmd, **args}).encode() + b"\n")
        f.flush()
        line = _read_line(f)
    if not line:
        raise ControlError("the running instance closed the connection without a reply")
    try:
        reply = json.loads(line)
    except json.JSONDecodeError as e:
        raise ControlError(f"bad reply from the running instance: {e}") from e
    if not isinstance(reply, dict):
        raise ControlError("bad reply from the running instance")
    return reply


def is_running(path: Optional[Path] = None, *, timeout: float = 2.0) -> Optional[int]:
    """The pid of the instance listening at ``path`` (0 if it does not say), or None.

    A socket file nobody listens on (left by a crash) counts as not running.
    """
    try:
        reply = client_request("ping", path, timeout=timeout)
    except NotRunning:
        return None
    except (ControlError, OSError):
        # something accepts connections there but does not speak our protocol
        return 0
    return int(reply.get("pid") or 0)


def format_status(status: dict) -> str:
    """Human text for ``expander status``."""
    import time as _time

    state = status.get("state", "?")
    lines = [f"expander: {state}"]
    if status.get("paused_until"):
        lines[0] += " until " + _time.strftime("%H:%M:%S", _time.localtime(status["paused_until"]))
    lines.append(f"snippets active: {status.get('snippet_count', 0)}")
    for s in status.get("sets", []):
        mark = "on " if s.get("enabled") else "off"
        ro = " (read-only)" if s.get("read_only") else ""
        lines.append(f"  [{mark}] {s['name']}: {s.get('snippet_count', 0)} snippets{ro}")
    if status.get("error"):
        lines.append(f"error: {status['error']}")
    return "\n".join(lines)


def run_client_command(
    cmd: str,
    path: Optional[Path] = None,
    *,
    out: Optional[TextIO] = None,
    err: Optional[TextIO] = None,
    **args: Any,
) -> int:
    """``expander status|toggle|reload|...``: print the result, return the exit code.

    0 = done; 1 = not running, the command failed, or (reload/status) a file
    failed to load. Messages go to ``err`` for failures.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        reply = client_request(cmd, path, **args)
    except NotRunning:
        print("expander is not running", file=err)
        return 1
    except (ControlError, OSError) as e:
        print(f"expander: cannot talk to the running instance: {e}", file=err)
        return 1
    if not reply.get("ok"):
        print(f"expander: {reply.get('error', 'command failed')}", file=err)
        return 1
    st = reply.get("status") or {}
    if cmd == "status":
        print(format_status(st), file=out)
        return 1 if st.get("error") else 0
    if cmd == "check":
        print(reply.get("report", ""), file=out)
        return 0 if reply.get("check_ok") else 1
    if cmd == "reload":
        if st.get("error"):
            print(f"reloaded; kept the last good version of a failing file:\n{st['error']}", file=err)
            return 1
        print(f"reloaded: {st.get('snippet_count', 0)} snippets active", file=out)
        return 0
    if cmd in ("toggle", "enable", "disable", "pause", "set"):
        print(f"expander: {st.get('state', '?')}", file=out)
        return 0
    print(json.dumps(reply), file=out)
    return 0


# -- server ---------------------------------------------------------------------------
def _status_dict(st) -> dict:
    if hasattr(st, "to_dict"):
        return st.to_dict()
    import dataclasses

    return dataclasses.asdict(st)


def _peer_uid(conn: socket.socket) -> Optional[int]:
    so_peercred = getattr(socket, "SO_PEERCRED", None)
    if so_peercred is None:
        return None
    try:
        creds = conn.getsockopt(socket.SOL_SOCKET, so_peercred, struct.calcsize("3i"))
        _pid, uid, _gid = struct.unpack("3i", creds)
        return uid
    except OSError:
        return None


class ControlServer:
    """Serves the control protocol for one :class:`tray.interface.AppControl`."""

    def __init__(self, control, path: Optional[Path] = None, *, pid: Optional[int] = None) -> None:
        self.control = control
        self.path = Path(path) if path is not None else default_socket_path()
        self.pid = pid if pid is not None else os.getpid()
        self._sock: Optional[socket.socket] = None
        self._thread: Optional[threading.Thread] = None
        self._stop = threading.Event()
        self._owned_inode: Optional[int] = None

    # -- lifecycle -------------------------------------------------------------------
    def bind(self) -> None:
        """Create the socket (0600 in a 0700 folder). Raises :class:`AlreadyRunning`."""
        if not hasattr(socket, "AF_UNIX"):
            raise ControlError("the control socket needs Unix sockets (not available on this platform)")
        if len(os.fsencode(str(self.path))) > _SUN_PATH_MAX:
            raise ControlError(f"socket path too long for a Unix socket: {self.path}")
        _prepare_folder(self.path.parent)
        if os.path.lexists(self.path):
            pid = is_running(self.path)
            if pid is not None:
                raise AlreadyRunning(pid or None, self.path)
            st = os.lstat(self.path)
            if not stat.S_ISSOCK(st.st_mode):
                raise ControlError(f"{self.path} exists and is not a socket; remove it")
            log.info("removing stale control socket %s", self.path)
            os.unlink(self.path)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            s.bind(str(self.path))
        except OSError as e:
            s.close()
            if e.errno == errno.EADDRINUSE:  # lost a race with another `expander run`
                raise AlreadyRunning(is_running(self.path) or None, self.path) from e
            raise
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        s.listen(8)
        s.settimeout(0.25)
        self._sock = s
        self._owned_inode = os.stat(self.path).st_ino

    def start(self) -> "ControlServer":
        """:meth:`bind` and serve in a daemon thread."""
        if self._sock is None:
            self.bind()
        self._thread = threading.Thread(target=self._serve, name="expander-control", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
            self._sock = None
        # remove the socket only if it is still ours (a new instance may have replaced it)
        try:
            if self._owned_inode is not None and os.stat(self.path).st_ino == self._owned_inode:
                os.unlink(self.path)
        except OSError:
            pass
        self._owned_inode = None

    def __enter__(self) -> "ControlServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- serving ---------------------------------------------------------------------
    def _serve(self) -> None:
        while not self._stop.is_set():
            sock = self._sock
            if sock is None:
                return
            try:
                conn, _ = sock.accept()
            except socket.timeout:
                continue
            except OSError:
                if self._stop.is_set():
                    return
                continue
            threading.Thread(target=self._handle_conn, args=(conn,), daemon=True).start()

    def _handle_conn(self, conn: socket.socket) -> None:
        with conn:
            uid = _peer_uid(conn)
            if uid is not None and hasattr(os, "getuid") and uid != os.getuid():
                log.warning("control socket: refused a connection from uid %s", uid)
                return
            conn.settimeout(30)
            try:
                with conn.makefile("rwb") as f:
                    while True:
                        line = f.readline(MAX_LINE + 1)
                        if not line:
                            return
                        if len(line) > MAX_LINE:
                            reply = {"ok": False, "error": "request too long"}
                            f.write(json.dumps(reply).encode() + b"\n")
                            f.flush()
                            return
                        reply = self.handle_line(line)
                        f.write(json.dumps(reply).encode() + b"\n")
                        f.flush()
            except (OSError, ValueError):
                return

    def handle_line(self, line: bytes) -> dict:
        try:
            req = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return {"ok": False, "error": "bad request: not JSON"}
        if not isinstance(req, dict) or not isinstance(req.get("cmd"), str):
            return {"ok": False, "error": "bad request: expected {\"cmd\": ...}"}
        try:
            return self.dispatch(req["cmd"], req)
        except Exception as e:  # the app's error, reported to the client, server keeps going
            log.exception("control command %r failed", req.get("cmd"))
            return {"ok": False, "error": f"{req['cmd']} failed: {e}"}

    def dispatch(self, cmd: str, req: dict) -> dict:
        c = self.control
        if cmd == "ping":
            return {"ok": True, "pid": self.pid}
        if cmd == "status":
            pass
        elif cmd == "toggle":
            c.set_enabled(not c.status().active)
        elif cmd == "enable":
            c.set_enabled(True)
        elif cmd == "disable":
            c.set_enabled(False)
        elif cmd == "pause":
            seconds = req.get("seconds", DEFAULT_PAUSE)
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0:
                return {"ok": False, "error": "pause: 'seconds' must be a positive number"}
            c.pause(float(seconds))
        elif cmd == "reload":
            c.reload()
        elif cmd == "set":
            name, enabled = req.get("name"), req.get("enabled")
            if not isinstance(name, str) or not isinstance(enabled, bool):
                return {"ok": False, "error": "set: needs 'name' (string) and 'enabled' (true/false)"}
            if name not in {s.name for s in c.status().sets}:
                return {"ok": False, "error": f"set: no snippet set named {name!r}"}
            c.set_set_enabled(name, enabled)
        elif cmd == "check":
            ok, report = c.check()
            return {"ok": True, "pid": self.pid, "check_ok": bool(ok), "report": report}
        elif cmd == "quit":
            reply = {"ok": True, "pid": self.pid}
            threading.Thread(target=c.quit, daemon=True).start()
            return reply
        else:
            return {"ok": False, "error": f"unknown command {cmd!r}"}
        return {"ok": True, "pid": self.pid, "status": _status_dict(c.status())}
