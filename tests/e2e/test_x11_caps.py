"""End-to-end: Caps Lock on while expander types (German layout: ß, digits, umlauts,
AltGr characters and characters bound to spare keycodes must arrive unchanged)."""

from __future__ import annotations

import pytest

from e2e_harness import Live, load, write_snippets

SNIPPETS = '''
[[snippet]]
trigger = "SX"
case = "exact"
replace = "Straße 1234567890 äöü ÄÖÜ € @ {{ ě ẞ ß? Ende"

[[snippet]]
trigger = "PX"
case = "exact"
replace = "Grüße ß ě"
'''
EXPANSION = "Straße 1234567890 äöü ÄÖÜ € @ { ě ẞ ß? Ende"


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return load([write_snippets(tmp_path_factory.mktemp("caps"), SNIPPETS, name="caps")])


@pytest.fixture
def german_caps(xserver, tk, keyboard):
    xserver.setxkbmap("de")
    keyboard.key("Escape")
    tk.clear()
    keyboard.key("Caps_Lock")
    yield
    keyboard.key("Caps_Lock")
    xserver.setxkbmap("us")


def _caps_on(xserver) -> bool:
    from Xlib import X
    from Xlib.display import Display

    d = Display(xserver.name)
    try:
        return bool(d.screen().root.query_pointer().mask & X.LockMask)
    finally:
        d.close()


def test_caps_lock_on_german_layout_types_exactly(xserver, library, german_caps, tk, keyboard):
    runner = Live(xserver, library)
    try:
        assert _caps_on(xserver)
        keyboard.key("s", "x", "space")  # Caps Lock on: the user typed "SX"
        expected = EXPANSION + " "
        assert tk.wait_text(expected) == expected
        assert _caps_on(xserver)  # Caps Lock is on again after the batch
        keyboard.key("q", "p", "x", "space")  # still upper case for the user: "QPX"
        expected += "Q"  # "QPX" is no trigger (word start), typed as is
        expected += "PX "
        assert tk.wait_text(expected) == expected
        keyboard.key("p", "x", "space")
        expected += "Grüße ß ě "
        assert tk.wait_text(expected) == expected
        assert _caps_on(xserver)
    finally:
        runner.stop()
