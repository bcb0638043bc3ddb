"""A RECORD reader thread that only drains the socket into a queue.

python-xlib's ``record_enable_context`` parses every reply through its generic
machinery and falls behind under bursts (the server then drops RECORD data). This
reader sends RecordEnableContext by hand on a dedicated connection and unpacks the
32-byte events itself; all interpretation (keymap, modifiers, markers) happens in
the consumer, in stream order, which is the order the applications got the events.

Queue items (tuples):

* ``("key", pressed: bool, keycode: int, state: int)`` - a device key event (ours
  included); ``state`` is the modifier/group state before it (group in bits 13-14)
* ``("click",)``  - a mouse button 1-3 press
* ``("focus",)``  - a window got the keyboard focus (FocusIn delivered to a client,
  or ``_NET_ACTIVE_WINDOW`` changed)
* ``("mapping",)`` - the keyboard map changed (MappingNotify)
* ``("closed", reason)`` - the connection ended
"""

from __future__ import annotations

import logging
import os
import queue
import select
import struct
import threading

from Xlib import X
from Xlib.ext import record

from .display import open_display

log = logging.getLogger("expander.x11")

_REPLY_HEADER = struct.Struct("=BBHIBBxxIII8x")
_FROM_SERVER = 0
_START_OF_DATA = 4
_END_OF_DATA = 5
START_TIMEOUT = 2.0  # seconds start() waits for the server to confirm recording


class RecordReader:
    """Start with :meth:`start`; events go to ``self.queue`` (or the queue passed in)."""

    def __init__(self, display_name: str | None = None, out: queue.SimpleQueue | None = None):
        self.queue = out if out is not None else queue.SimpleQueue()
        self._ctl = open_display(display_name)
        self._data = open_display(display_name, check_extensions=False)
        self._watch = open_display(display_name, check_extensions=False)
        self._wake_r, self._wake_w = os.pipe()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._started = threading.Event()  # StartOfData arrived (or the thread ended)
        self.context = None
        self._net_active = self._watch.intern_atom("_NET_ACTIVE_WINDOW")

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Enable recording; returns once the server confirmed it (StartOfData), so
        every key event after this call is delivered. Waits at most ``timeout``."""
        ctl = self._ctl
        self.context = ctl.record_create_context(
            0,
            [record.AllClients],
            [
                {
                    "core_requests": (0, 0),
                    "core_replies": (0, 0),
                    "ext_requests": (0, 0, 0, 0),
                    "ext_replies": (0, 0, 0, 0),
                    "delivered_events": (X.FocusIn, X.FocusIn),
                    "device_events": (X.KeyPress, X.ButtonPress),
                    "errors": (0, 0),
                    "client_started": False,
                    "client_died": False,
                }
            ],
        )
        ctl.sync()
        root = self._watch.screen().root
        root.change_attributes(event_mask=X.PropertyChangeMask)
        self._watch.sync()
        self._data.sync()
        opcode = self._data.query_extension("RECORD").major_opcode
        sock = self._data.display.socket
        sock.sendall(struct.pack("=BBHI", opcode, 5, 2, self.context))  # RecordEnableContext
        self._thread = threading.Thread(target=self._run, name="expander-record", daemon=True)
        self._thread.start()
        if not self._started.wait(timeout):
            log.warning("event recording not confirmed by the X server after %.1f s", timeout)

    @property
    def started(self) -> bool:
        return self._started.is_set() and self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        if self._stopping:
            return
        self._stopping = True
        try:
            if self.context is not None:
                self._ctl.record_disable_context(self.context)
                self._ctl.sync()
        except Exception:  # pragma: no cover - server gone
            pass
        os.write(self._wake_w, b"x")
        alive = False
        if self._thread is not None:
            self._thread.join(2)
            alive = self._thread.is_alive()
        try:
            if self.context is not None:
                self._ctl.record_free_context(self.context)
                self._ctl.sync()
        except Exception:  # pragma: no cover
            pass
        try:
            self._ctl.close()
        except Exception:  # pragma: no cover
            pass
        if alive:
            # the thread is still inside select()/recv() on these: closing them now could
            # let it read from a reused descriptor. It is a daemon thread; leave them.
            log.warning("event reader did not stop in time")
            return
        try:
            self._watch.close()
        except Exception:  # pragma: no cover
            pass
        try:
            self._data.display.socket.close()
        except Exception:  # pragma: no cover
            pass
        os.close(self._wake_r)
        os.close(self._wake_w)

    # -- the thread -------------------------------------------------------
    def _run(self) -> None:
        try:
            self._loop()
        finally:
            self._started.set()  # never leave start() waiting for a thread that ended

    def _loop(self) -> None:
        put = self.queue.put
        sock = self._data.display.socket
        watch_sock = self._watch.fileno()
        buf = bytearray()
        try:
            while True:
                ready, _, _ = select.select([sock, watch_sock, self._wake_r], [], [])
                if self._wake_r in ready and self._stopping:
                    return
                if watch_sock in ready:
                    self._drain_watch(put)
                if sock not in ready:
                    continue
                chunk = sock.recv(1 << 16)
                if not chunk:
                    put(("closed", "X connection closed"))
                    return
                buf += chunk
                if self._parse(buf, put, self._started.set):
                    if not self._stopping:
                        put(("closed", "X server ended event recording"))
                    return
        except Exception as exc:  # pragma: no cover - connection broken
            if not self._stopping:
                log.error("event reader stopped: %s", type(exc).__name__)
                put(("closed", f"event reader stopped: {type(exc).__name__}"))

    def _drain_watch(self, put) -> None:
        disp = self._watch
        while disp.pending_events():
            ev = disp.next_event()
            if ev.type == X.MappingNotify:
                if ev.request in (X.MappingKeyboard, X.MappingModifier):
                    put(("mapping",))
            elif ev.type == X.PropertyNotify and ev.atom == self._net_active:
                put(("focus",))

    @staticmethod
    def _parse(buf: bytearray, put, on_start=None) -> bool:
        """Consume complete replies from ``buf``; True at end of data. ``on_start`` is
        called when the StartOfData reply arrives."""
        pos = 0
        n = len(buf)
        end = False
        while n - pos >= 32:
            kind = buf[pos]
            if kind != 1:  # an error or event on this connection: skip it
                pos += 32
                continue
            _, category, _, length, _, _, _, _, _ = _REPLY_HEADER.unpack_from(buf, pos)
            total = 32 + 4 * length
            if n - pos < total:
                break
            if category == _FROM_SERVER:
                for off in range(pos + 32, pos + total - 31, 32):
                    etype = buf[off] & 0x7F
                    if etype == 2 or etype == 3:
                        put(("key", etype == 2, buf[off + 1], buf[off + 28] | buf[off + 29] << 8))
                    elif etype == 4:
                        if buf[off + 1] in (1, 2, 3):
                            put(("click",))
                    elif etype == 9:  # FocusIn: detail at +1, mode at +8
                        if buf[off + 8] == 0 and buf[off + 1] not in (5,):
                            put(("focus",))
            elif category == _START_OF_DATA:
                if on_start is not None:
                    on_start()
            elif category == _END_OF_DATA:
                end = True
            pos += total
        del buf[:pos]
        return end
