from __future__ import annotations

import types

import pytest

from expander.hotkey import (
    DEFAULT_HOTKEY,
    HotkeyMatcher,
    HotkeySpecError,
    parse_hotkey,
    token_from_pynput,
)


@pytest.mark.parametrize(
    "spec,mods,keys",
    [
        ("<ctrl>+<alt>+e", {"ctrl", "alt"}, {"e"}),
        ("Ctrl+Alt+E", {"ctrl", "alt"}, {"e"}),
        ("<ctrl_l>+<shift>+<f12>", {"ctrl", "shift"}, {"f12"}),
        ("<cmd>+<space>", {"cmd"}, {"space"}),
        ("super+Return", {"cmd"}, {"enter"}),
        ("<ctrl>+<alt>+<65>", {"ctrl", "alt"}, {"<65>"}),
        ("<ctrl>++", {"ctrl"}, {"+"}),
        (" <alt_gr> + x ", {"alt_gr"}, {"x"}),
        ("<ctrl>+<alt>+ě", {"ctrl", "alt"}, {"ě"}),
    ],
)
def test_parse(spec, mods, keys):
    hk = parse_hotkey(spec)
    assert hk.modifiers == mods
    assert hk.keys == keys


def test_default_and_str():
    hk = parse_hotkey(DEFAULT_HOTKEY)
    assert str(hk) == "<ctrl>+<alt>+e"
    assert str(parse_hotkey("shift+ctrl+F5")) == "<ctrl>+<shift>+<f5>"


@pytest.mark.parametrize(
    "spec,msg",
    [
        ("", "empty spec"),
        ("e", "needs at least one modifier"),
        ("<ctrl>+<alt>", "needs a key besides"),
        ("<ctrl>+<bogus>", "unknown key '<bogus>'"),
        ("<ctrl>+", "empty key"),
        ("<ctrl>+<ctrl_l>+e", "listed twice"),
        ("ctrl+alt+ee", "unknown key 'ee'"),
    ],
)
def test_parse_errors(spec, msg):
    with pytest.raises(HotkeySpecError, match=msg.replace("(", r"\(")):
        parse_hotkey(spec)


class Counter:
    def __init__(self):
        self.n = 0

    def __call__(self):
        self.n += 1


def test_fires_once_on_completion():
    c = Counter()
    m = HotkeyMatcher("<ctrl>+<alt>+e", c)
    assert not m.press("ctrl")
    assert not m.press("alt")
    assert m.press("e")
    assert c.n == 1
    # auto-repeat of e does not fire again
    assert not m.press("e")
    assert not m.press("e")
    assert c.n == 1
    m.release("e")
    assert m.press("e")  # modifiers still held: a second toggle
    assert c.n == 2
    for k in ("e", "alt", "ctrl"):
        m.release(k)
    assert c.n == 2


def test_order_of_presses_does_not_matter():
    c = Counter()
    m = HotkeyMatcher("<ctrl>+<alt>+e", c)
    m.press("alt")
    m.press("ctrl")
    m.press("e")
    assert c.n == 1


def test_extra_modifier_blocks():
    c = Counter()
    m = HotkeyMatcher("<ctrl>+<alt>+e", c)
    for k in ("ctrl", "alt", "shift", "e"):
        m.press(k)
    assert c.n == 0


def test_plain_typing_does_not_fire():
    c = Counter()
    m = HotkeyMatcher("<ctrl>+<alt>+e", c)
    for ch in "hello everyone":
        m.press(ch)
        m.release(ch)
    m.press("ctrl")
    m.press("e")  # Ctrl+E without Alt
    assert c.n == 0


def test_letter_first_then_modifiers_does_not_fire_until_letter_repressed():
    c = Counter()
    m = HotkeyMatcher("<ctrl>+<alt>+e", c)
    m.press("e")
    m.press("ctrl")
    assert m.press("alt")  # the set is complete on this press: fires (like pynput)
    assert c.n == 1


def test_reset_after_lost_release():
    c = Counter()
    m = HotkeyMatcher("<ctrl>+<alt>+e", c)
    m.press("x")  # its release got lost
    for k in ("ctrl", "alt", "e"):
        m.press(k)
    assert c.n == 0
    m.reset()
    for k in ("ctrl", "alt", "e"):
        m.press(k)
    assert c.n == 1


def test_callback_exception_contained():
    def boom():
        raise RuntimeError("x")

    m = HotkeyMatcher("<ctrl>+e", boom)
    m.press("ctrl")
    assert m.press("e") is True  # no exception escapes into the listener thread


def test_token_from_pynput_shapes():
    Key = types.SimpleNamespace
    assert token_from_pynput(Key(name="ctrl_l")) == "ctrl"
    assert token_from_pynput(Key(name="alt_r")) == "alt"
    assert token_from_pynput(Key(name="alt_gr")) == "alt_gr"
    assert token_from_pynput(Key(name="f12")) == "f12"
    assert token_from_pynput(types.SimpleNamespace(char="E", vk=69)) == "e"
    assert token_from_pynput(types.SimpleNamespace(char="\x05", vk=None)) == "e"  # Ctrl+E
    assert token_from_pynput(types.SimpleNamespace(char=None, vk=65)) == "<65>"
    assert token_from_pynput(None) is None

# The pynput adapter (start_hotkey_listener) is tested under Xvfb in tests/tray/test_tray_e2e.py.
