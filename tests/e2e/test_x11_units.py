"""Unit tests of X11-layer fixes that need no X server (injection batches)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

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
MIN, MAX = 8, 140


class FakeDisplay:
    def __init__(self, rows=MAP):
        self.display = SimpleNamespace(info=SimpleNamespace(min_keycode=MIN, max_keycode=MAX))
        self.map = {kc: rows.get(kc, (0,) * 6) for kc in range(MIN, MAX + 1)}

    def get_keyboard_mapping(self, first, count):
        return [self.map[kc] for kc in range(first, first + count)]

    def change_keyboard_mapping(self, first, rows):
        for i, row in enumerate(rows):
            self.map[first + i] = tuple(row)

    def sync(self):
        pass

    def query_extension(self, name):
        return SimpleNamespace(major_opcode=140)


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
