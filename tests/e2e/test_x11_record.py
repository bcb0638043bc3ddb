"""End-to-end: the RECORD reader reports ready only once the server delivers, and
stop() never closes descriptors its thread may still use."""

from __future__ import annotations

import os
import queue
import threading
import time


def _spare_keycode(d):
    mn, mx = d.display.info.min_keycode, d.display.info.max_keycode
    rows = d.get_keyboard_mapping(mn, mx - mn + 1)
    return max(mn + i for i, r in enumerate(rows) if not any(r))  # no keysym: apps ignore it


def test_keys_right_after_start_are_never_missed(xserver):
    from Xlib.display import Display
    from Xlib.ext import xtest

    from expander.x11.record import RecordReader

    d = Display(xserver.name)
    kc = _spare_keycode(d)
    try:
        for _ in range(15):
            r = RecordReader(xserver.name)
            try:
                r.start()
                assert r.started
                xtest.fake_input(d, 2, kc)  # at once, from another client
                xtest.fake_input(d, 3, kc)
                d.sync()
                got = []
                deadline = time.monotonic() + 2
                while time.monotonic() < deadline and ("key", False) not in got:
                    try:
                        item = r.queue.get(timeout=0.1)
                    except queue.Empty:
                        continue
                    if item[0] == "key" and item[2] == kc:
                        got.append(item[:2])
                assert got == [("key", True), ("key", False)]
            finally:
                r.stop()
    finally:
        d.close()


def test_stop_keeps_descriptors_of_a_thread_that_did_not_end(xserver):
    from expander.x11.record import RecordReader

    r = RecordReader(xserver.name)
    r.start()
    real = r._thread
    hold = threading.Event()
    stuck = threading.Thread(target=hold.wait, daemon=True)
    stuck.start()
    r._thread = stuck  # a reader thread that does not end within join(2)
    try:
        t0 = time.monotonic()
        r.stop()
        assert time.monotonic() - t0 >= 1.9
        os.fstat(r._wake_r)  # still open: the thread may still select() on them
        os.fstat(r._wake_w)
        assert r._data.display.socket.fileno() >= 0
    finally:
        hold.set()
        real.join(2)
        assert not real.is_alive()
        os.close(r._wake_r)
        os.close(r._wake_w)
        r._data.display.socket.close()
        r._watch.close()
