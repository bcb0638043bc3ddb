"""Unit tests of the X11 layer's pure parts (no X server needed)."""

from __future__ import annotations

import random

import pytest

from fake_display import FakeDisplay

from expander.keys import Special
from expander.live import repair_ops
from expander.textfield import TextField
from expander.x11 import keysyms as K
from expander.x11 import paste_keys
from expander.x11.keymap import Decoder, Keymap

# a small "de"-like map: keycode -> columns (0/1 = level 1/2, 4/5 = AltGr levels)
MAP = {
    10: (0x31, 0x21, 0x31, 0x21, 0xB9, 0xA1),  # 1 !
    16: (0x37, 0x2F, 0x37, 0x2F, 0x7B, 0),  # 7 / {
    21: (0xFE51, 0xFE50, 0xFE51, 0xFE50, 0xFE5B, 0),  # dead_acute dead_grave
    24: (0x71, 0x51, 0x71, 0x51, 0x40, 0),  # q Q @
    26: (0x65, 0x45, 0x65, 0x45, 0x20AC, 0),  # e E €
    34: (0xFC, 0xDC, 0xFC, 0xDC, 0, 0),  # ü Ü
    36: (K.RETURN, 0, K.RETURN, 0, 0, 0),
    37: (K.CONTROL_L, 0, 0, 0, 0, 0),
    50: (K.SHIFT_L, 0, 0, 0, 0, 0),
    52: (0x79, 0x59, 0, 0, 0, 0),  # y Y
    65: (0x20, 0, 0x20, 0, 0, 0),  # space
    66: (K.CAPS_LOCK, 0, 0, 0, 0, 0),
    92: (K.ISO_LEVEL3_SHIFT, 0, 0, 0, 0, 0),
    113: (K.LEFT, 0, 0, 0, 0, 0),
    22: (K.BACKSPACE, 0, 0, 0, 0, 0),
    38: (0x61, 0, 0, 0, 0, 0),  # a (one column: Shift upper-cases)
}


@pytest.fixture
def keymap():
    return Keymap(FakeDisplay(MAP))


def decode(dec, *strokes):
    out = []
    for s in strokes:
        if isinstance(s, tuple):  # chord: hold s[0..-2], tap s[-1]
            for kc in s[:-1]:
                out += dec.press(kc)
            out += dec.press(s[-1])
            dec.release(s[-1])
            for kc in s[:-1]:
                dec.release(kc)
        else:
            out += dec.press(s)
            dec.release(s)
    return out


def test_levels_altgr_and_shift(keymap):
    dec = Decoder(keymap)
    assert decode(dec, 24, (50, 24), (92, 24), (92, 26), (92, 16), 34, (50, 34)) == list("qQ@€{üÜ")


def test_one_column_letter_is_upper_cased_with_shift(keymap):
    assert decode(Decoder(keymap), (50, 38)) == ["A"]


def test_dead_keys_compose(keymap):
    dec = Decoder(keymap)
    assert decode(dec, 21, 26) == ["é"]
    assert decode(dec, (50, 21), 38) == ["à"]
    assert decode(dec, 21, 65) == ["´"]  # dead key then space: the accent itself
    assert decode(dec, 21, 52) == ["ý"]
    assert decode(dec, 21, 10) == ["´", "1"]  # nothing to compose with


def test_caps_lock(keymap):
    dec = Decoder(keymap)
    assert decode(dec, 66, 24, (50, 24), 10, 66, 24) == ["Q", "q", "1", "q"]


def test_specials_and_chords(keymap):
    dec = Decoder(keymap)
    assert decode(dec, 22, 113, 36, (37, 24)) == [Special.BACKSPACE, Special.LEFT, "\n", Special.CHORD]


def test_bind_spare_keycodes_and_restore(keymap):
    assert keymap.stroke("ě") is None
    left = keymap.bind(["ě", "😀", "q"])
    assert not left
    kc, mods = keymap.stroke("ě")
    assert mods == 0 and kc in keymap.bound.values()
    assert keymap.marker not in keymap.bound.values()
    assert decode(Decoder(keymap), kc) == ["ě"]
    # a layout switch wipes our bindings: reload reports it
    keymap.disp.map[kc] = (0,) * 6
    assert keymap.reload() is True
    keymap.restore()
    assert all(not any(keymap.disp.map[k]) for k in (kc,))


def test_keysym_tables():
    for ch in "aZ9 äßěřž€“”ĉŭ😀Ж中":
        for sym in K.char_to_keysyms(ch):
            assert K.keysym_to_char(sym) == ch
    assert K.keysym_to_char(0x1EC) == "ě"
    assert K.keysym_to_char(0xFF0D) == "\n"


def test_paste_keys_table():
    table = paste_keys.PasteTable({"MyTerm": "ctrl+shift+v"})
    assert table.for_classes(["xterm", "XTerm"]).selection == "PRIMARY"
    assert table.for_classes(["kitty"]) == paste_keys.TERMINAL
    assert table.for_classes(["myterm"]) == paste_keys.TERMINAL
    assert table.for_classes(["gedit"]) == paste_keys.DEFAULT
    with pytest.raises(ValueError):
        paste_keys.parse("hyper+nothing")


@pytest.mark.parametrize("seed", range(300))
def test_repair_ops_reach_the_intended_text(seed):
    rng = random.Random(seed)
    alphabet = "ab \nčd"
    a = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
    w = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
    app = TextField(a, rng.randint(0, len(a)))
    want = TextField(w, rng.randint(0, len(w)))
    ops = repair_ops(app, want)
    assert ops is not None
    app.apply_ops(ops)
    assert app == want


def test_no_display_gives_a_clear_error(monkeypatch):
    from expander.x11 import X11Unavailable, open_display

    monkeypatch.delenv("DISPLAY", raising=False)
    with pytest.raises(X11Unavailable, match="DISPLAY is not set"):
        open_display()
    with pytest.raises(X11Unavailable, match="cannot connect"):
        open_display(":987")


def test_state_field_gives_group_caps_and_numlock(keymap):
    keymap.disp.map[79] = (0xFF95, 0xFFB7, 0, 0, 0, 0)  # KP_Home / KP_7
    keymap.reload()
    dec = Decoder(keymap)
    assert dec.press(79, state=0) == [Special.HOME]
    assert dec.press(79, state=0x10) == ["7"]  # NumLock on
    assert dec.press(24, state=0x2) == ["Q"]  # Caps Lock on, seen in the state


def test_leftover_bindings_of_a_killed_run_are_reclaimed():
    disp = FakeDisplay(MAP)
    disp.map[130] = (0x0100011B,) * 6  # ě in every column: what a killed run leaves
    km = Keymap(disp)
    assert disp.map[130] == (0,) * 6
    assert 130 in km.spare or km.marker == 130


def test_release_unused_bindings(keymap):
    keymap.bind(["ě", "ř"])
    spare = len(keymap.spare)
    assert keymap.release_unused({"ř"}) == 1
    assert "ě" not in keymap.bound and "ř" in keymap.bound
    assert len(keymap.spare) == spare + 1
    assert keymap.stroke("ě") is None


def test_display_problems_fail_in_ci_and_skip_elsewhere(monkeypatch):
    from e2e_harness import _unavailable

    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception):
        _unavailable("no Xvfb")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        _unavailable("no Xvfb")
