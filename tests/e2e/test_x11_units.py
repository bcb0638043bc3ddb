"""Unit tests of X11-layer fixes that need no X server (injection batches)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from fake_display import FakeDisplay

from expander.x11 import keysyms as K
from expander.x11.inject import KEY_PRESS, KEY_RELEASE, Injector
from expander.x11.keymap import Keymap

MAP = {
    10: (0x31, 0x21, 0x31, 0x21, 0xB9, 0xA1),  # 1 !
    20: (0xDF, 0x3F, 0xDF, 0x3F, 0x5C, 0xBF),  # ß ? \ ¿  (de: Caps Lock does not act)
    24: (0x71, 0x51, 0x71, 0x51, 0x40, 0),  # q Q @
    26: (0x65, 0x45, 0x65, 0x45, 0x20AC, 0),  # e E €
    34: (0xFC, 0xDC, 0xFC, 0xDC, 0, 0),  # ü Ü
    37: (K.CONTROL_L, 0, 0, 0, 0, 0),
    50: (K.SHIFT_L, 0, 0, 0, 0, 0),
    55: (0x76, 0x56, 0, 0, 0, 0),  # v V
    65: (0x20, 0, 0x20, 0, 0, 0),  # space
    66: (K.CAPS_LOCK, 0, 0, 0, 0, 0),
    77: (0xFF7F, 0, 0, 0, 0, 0),  # Num_Lock
    92: (K.ISO_LEVEL3_SHIFT, 0, 0, 0, 0, 0),
    22: (K.BACKSPACE, 0, 0, 0, 0, 0),
}


def _injector(rows=MAP):
    disp = FakeDisplay(rows)
    return Injector(disp, Keymap(disp))


def _presses(batch, skip=()):
    km = batch.inj.keymap
    return [kc for t, kc in batch.events if t == KEY_PRESS and kc != km.marker and kc not in skip]


def test_held_keys_are_released_except_lock_keys():
    inj = _injector()
    b = inj.batch(release=[24, 66, 77, 50])
    released = [kc for t, kc in b.events if t == KEY_RELEASE]
    assert 24 in released and 50 in released  # a letter and Shift held by the user
    assert 66 not in released and 77 not in released  # Caps Lock, Num Lock: never


def test_caps_lock_is_tapped_off_for_the_batch_and_on_again():
    inj = _injector()
    b = inj.edit_batch([("text", "ßüq1€"), ("paste", ((K.CONTROL_L,), 0x76))], caps=True)
    inj.disp.display.request_queue_lock = SimpleNamespace(acquire=lambda: None, release=lambda: None)
    inj.disp.display.request_serial = 0
    inj.disp.display.request_queue = []
    inj.disp.flush = lambda: None
    inj.send(b)
    ev = [e for e in b.events if e[1] != inj.keymap.marker]
    taps = [i for i, e in enumerate(ev) if e == (KEY_PRESS, 66)]
    assert len(taps) == 2
    first, last = taps
    # nothing but up-front releases before the first tap; nothing after the last one
    assert all(t == KEY_RELEASE for t, _ in ev[:first])
    assert ev[last + 1:] == [(KEY_RELEASE, 66)]
    # the characters are typed exactly as with Caps Lock off: ß, ü, q, 1 without Shift
    body = [kc for t, kc in ev[first + 2:last] if t == KEY_PRESS]
    assert body == [20, 34, 24, 10, 92, 26, 37, 55]
    assert 66 not in [kc for t, kc in ev[:first]]  # a held Caps Lock is never released


def test_without_a_caps_lock_key_shift_is_inverted_only_on_case_pairs():
    rows = {k: v for k, v in MAP.items() if k != 66}
    inj = _injector(rows)
    b = inj.batch()
    b.text("ßüqQ1", caps=True)
    shift = inj.keymap.shift_key
    assert _presses(b) == [20, shift, 34, shift, 24, 24, 10]


@pytest.mark.parametrize("kc,pair", [(20, False), (34, True), (24, True), (10, False), (65, False)])
def test_case_pair(kc, pair):
    disp = FakeDisplay(MAP)
    assert Keymap(disp).is_case_pair(kc) is pair


def test_record_parse_reports_start_of_data():
    import struct

    from expander.x11.record import RecordReader

    def reply(category, body=b""):
        return struct.pack("=BBHIBBxxIII8x", 1, category, 0, len(body) // 4, 0, 0, 0, 0, 0) + body

    key = bytearray(32)
    key[0], key[1] = 2, 42
    buf = bytearray(reply(4) + reply(0, bytes(key)))
    started, got = [], []
    assert not RecordReader._parse(buf, got.append, lambda: started.append(1))
    assert started == [1] and got == [("key", True, 42, 0)] and not buf
