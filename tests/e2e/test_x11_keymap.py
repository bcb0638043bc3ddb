"""End-to-end on a real Xvfb: spare keycodes a killed run left bound are reclaimed at
the next start (from the ``_EXPANDER_BOUND`` record on the root window), and those of
an instance that is still running are left alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from e2e_harness import ROOT

CHARS = ["á", "ě", "ŝ", "€", "😀"]  # á: a Latin-1 (legacy) keysym; the rest Unicode keysyms

CHILD = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
from expander.x11.display import open_display
from expander.x11.keymap import Keymap
d = open_display(sys.argv[2])
km = Keymap(d)
assert not km.bind(sys.argv[3:])
print("bound", flush=True)
time.sleep(60)
"""


def _mapping(name):
    from Xlib.display import Display

    d = Display(name)
    try:
        mn, mx = d.display.info.min_keycode, d.display.info.max_keycode
        return [tuple(r) for r in d.get_keyboard_mapping(mn, mx - mn + 1)]
    finally:
        d.close()


def _record(name):
    from Xlib import X
    from Xlib.display import Display

    d = Display(name)
    try:
        prop = d.screen().root.get_full_property(d.intern_atom("_EXPANDER_BOUND"), X.AnyPropertyType)
        return None if prop is None else list(prop.value)
    finally:
        d.close()


def _child(xserver, chars):
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(ROOT), xserver.name, *chars],
                            stdout=subprocess.PIPE, text=True, env=xserver.env())
    assert proc.stdout.readline().strip() == "bound"
    return proc


def _kill(proc, sig=signal.SIGKILL):
    os.kill(proc.pid, sig)
    proc.wait(5)
    proc.stdout.close()


def _keymap(xserver):
    from expander.x11.display import open_display
    from expander.x11.keymap import Keymap

    d = open_display(xserver.name)
    return d, Keymap(d)


def test_killed_run_bindings_are_reclaimed_at_next_start(xserver):
    before = _mapping(xserver.name)
    proc = _child(xserver, CHARS)
    try:
        during = _mapping(xserver.name)
        changed = [i for i, (a, b) in enumerate(zip(before, during)) if a != b]
        assert len(changed) == len(CHARS)
    finally:
        _kill(proc)  # kill -9: no clean-up at all
    assert _mapping(xserver.name) == during  # Xvfb -noreset keeps the bindings
    assert _record(xserver.name)  # ... and the record of them

    d, km = _keymap(xserver)
    try:
        assert len(km.leftovers) == len(CHARS)
        assert _mapping(xserver.name) == before  # every spare keycode is back
        assert _record(xserver.name) is None
        km.bind(["ř"])
        assert _record(xserver.name) is not None
        km.restore()
        assert _record(xserver.name) is None  # cleared on a clean exit
        assert _mapping(xserver.name) == before
    finally:
        d.close()


def test_running_instance_keeps_its_bindings(xserver):
    before = _mapping(xserver.name)
    first = _child(xserver, ["ŝ", "ĉ"])
    try:
        during = _mapping(xserver.name)
        d, km = _keymap(xserver)
        try:
            assert km.leftovers == []  # the first instance is alive: not a leftover
            assert _mapping(xserver.name) == during
            km.bind(["ĝ"])
            owners = _record(xserver.name)
            assert len(owners) == 2 * 2 + 2 * 1 + 2 * 2  # two entries: (owner, n, pairs...)
        finally:
            km.restore()
            d.close()
        assert _mapping(xserver.name) == during  # our restore left the first's keys alone
    finally:
        _kill(first, signal.SIGTERM)  # dies without restoring
    d, km = _keymap(xserver)
    try:
        assert len(km.leftovers) == 2
        assert _mapping(xserver.name) == before
    finally:
        km.restore()
        d.close()


def test_keycode_changed_since_is_not_cleared(xserver):
    """A killed run's keycode that got another keysym since (a layout switch, xmodmap)
    is not the run's any more: it is left as it is."""
    from Xlib.display import Display

    before = _mapping(xserver.name)
    proc = _child(xserver, ["ŝ"])
    during = _mapping(xserver.name)
    _kill(proc)
    i = next(i for i, (a, b) in enumerate(zip(before, during)) if a != b)
    d = Display(xserver.name)
    kc = d.display.info.min_keycode + i
    d.change_keyboard_mapping(kc, [(0x1000125,) * len(during[i])])  # ĥ: someone else's now
    d.sync()
    try:
        d2, km = _keymap(xserver)
        try:
            assert km.leftovers == []
            assert _mapping(xserver.name)[i][0] == 0x1000125
        finally:
            km.restore()
            d2.close()
    finally:
        d.change_keyboard_mapping(kc, [(0,) * len(during[i])])
        d.sync()
        d.close()
    assert _mapping(xserver.name) == before
