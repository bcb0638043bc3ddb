"""XTEST injection: one batch of key events, encoded once, written in one flush.

python-xlib's ``xtest.fake_input`` costs ~12 us per event in Python; here the
36-byte FakeInput requests are packed with :mod:`struct` and handed to the
connection as one raw request blob (sequence numbers are advanced to match).

Every batch starts with a press and ends with a release of the *marker* keycode
(a spare keycode with no keysym: applications ignore it), so the event reader
knows exactly which events in the stream are ours.
"""

from __future__ import annotations

import struct

from . import keysyms as K
from .keymap import LEVEL3, SHIFT, Keymap

_FAKE_INPUT = struct.Struct("=BBHBBHII8xhh8x")  # 36 bytes
KEY_PRESS, KEY_RELEASE = 2, 3


class _Raw:
    """Looks enough like a python-xlib request for its send queue."""

    __slots__ = ("_binary",)

    def __init__(self, binary: bytes):
        self._binary = binary


class Untypable(ValueError):
    """A character has no key on the layout and no spare keycode."""


class Batch:
    """Key events to send as one unit (build it, then :meth:`Injector.send`)."""

    def __init__(self, injector: "Injector"):
        self.inj = injector
        self.events: list[tuple[int, int]] = []
        self.presses = 0
        self.caps_key: int | None = None  # Caps Lock tapped off at the start, on at the end

    def caps_off(self) -> bool:
        """Caps Lock is on: tap it off now and on again at the end of the batch (in
        :meth:`Injector.send`), so every key types exactly its level-1/2 character.
        Returns False when the layout has no Caps_Lock key."""
        if self.caps_key is not None:
            return True
        kc = self.inj.keymap.keycode_for_keysym(K.CAPS_LOCK)
        if kc is None:
            return False
        self.caps_key = kc
        self.press(kc)
        self.release(kc)
        return True

    def press(self, kc: int) -> None:
        self.events.append((KEY_PRESS, kc))
        self.presses += 1

    def release(self, kc: int) -> None:
        self.events.append((KEY_RELEASE, kc))

    def tap(self, kc: int, mods: int = 0) -> None:
        inj = self.inj
        if mods & SHIFT:
            self.press(inj.keymap.shift_key)
        if mods & LEVEL3:
            self.press(inj.keymap.level3_key)
        self.press(kc)
        self.release(kc)
        if mods & LEVEL3:
            self.release(inj.keymap.level3_key)
        if mods & SHIFT:
            self.release(inj.keymap.shift_key)

    def key(self, keysym: int, times: int = 1, mods: int = 0) -> None:
        if times <= 0:
            return
        kc = self.inj.keymap.keycode_for_keysym(keysym)
        if kc is None:
            raise Untypable(f"no key for keysym 0x{keysym:x}")
        for _ in range(times):
            self.tap(kc, mods)

    def text(self, text: str, caps: bool = False, group: int = 0) -> None:
        """Type ``text``. ``caps``: Caps Lock is on - it is tapped off for the batch (no
        guessing which keys Caps Lock acts on: ``ß``, digits, AltGr levels, keys bound to
        spare keycodes); without a Caps_Lock key, Shift is inverted only on keys whose
        two levels are a lower/upper case pair."""
        km = self.inj.keymap
        if caps and self.caps_off():
            caps = False
        for ch in text:
            stroke = km.stroke(ch, group)
            if stroke is None:
                raise Untypable("character not on the layout")
            kc, mods = stroke
            if caps and not mods & LEVEL3 and km.is_case_pair(kc, group):
                mods ^= SHIFT  # Caps Lock is on and acts on this key like on a letter
            self.tap(kc, mods)

    def chord(self, modifier_keysyms, keysym: int) -> None:
        km = self.inj.keymap
        mods = [km.keycode_for_keysym(s) for s in modifier_keysyms]
        if None in mods:
            raise Untypable("no modifier key")
        kc = km.keycode_for_keysym(keysym)
        if kc is None:
            raise Untypable("no key for the paste keysym")
        for m in mods:
            self.press(m)
        self.press(kc)
        self.release(kc)
        for m in reversed(mods):
            self.release(m)


class Injector:
    """Sends batches through XTEST on its own connection (``disp``)."""

    def __init__(self, disp, keymap: Keymap):
        self.disp = disp
        self.keymap = keymap
        self.opcode = disp.query_extension("XTEST").major_opcode

    def batch(self, release=()) -> Batch:
        """A new batch: marker press, then releases of ``release`` (keys still held)."""
        b = Batch(self)
        if self.keymap.marker is not None:
            b.events.append((KEY_PRESS, self.keymap.marker))
        for kc in release:
            # keys the user still holds: release them, except lock keys (Caps/Shift/Num
            # Lock), whose release can toggle the lock; Shift, Ctrl, Alt and AltGr are
            # released by send() anyway
            if kc not in self.keymap.lock_codes:
                b.release(kc)
        return b

    def send(self, batch: Batch) -> None:
        km = self.keymap
        # A key the user still holds (possibly not yet seen in our event stream) would
        # swallow our press of the same key: release every key this batch uses, and
        # every modifier, first. Releasing a key that is up is ignored by the server.
        start = 1 if km.marker is not None else 0
        used = {kc for t, kc in batch.events[start:] if t == KEY_PRESS}
        used |= km.shift_codes | km.chord_codes | km.level3_codes
        used -= km.lock_codes  # releasing a held lock key could toggle its lock
        used.discard(km.marker)
        first = [(KEY_RELEASE, kc) for kc in sorted(used)]
        batch.events[start:start] = first
        if batch.caps_key is not None:  # Caps Lock back on
            batch.events.append((KEY_PRESS, batch.caps_key))
            batch.events.append((KEY_RELEASE, batch.caps_key))
        if km.marker is not None:
            batch.events.append((KEY_RELEASE, km.marker))
        pack = _FAKE_INPUT.pack
        op = self.opcode
        data = b"".join(pack(op, 2, 9, t, kc, 0, 0, 0, 0, 0) for t, kc in batch.events)
        d = self.disp.display
        d.request_queue_lock.acquire()
        try:
            d.request_serial = (d.request_serial + len(batch.events)) % 65536
            d.request_queue.append((_Raw(data), False))
        finally:
            d.request_queue_lock.release()
        self.disp.flush()

    # helpers used by the live loop
    def edit_batch(self, ops, release=(), caps=False, group=0) -> Batch:
        """Build a batch from ops: ("bs", n) ("del", n) ("left", n) ("right", n) ("text", s)
        ("paste", (modifier_keysyms, keysym))."""
        b = self.batch(release)
        if caps and b.caps_off():
            caps = False  # off for the whole batch: text and the paste chord alike
        for op, arg in ops:
            if op == "bs":
                b.key(K.BACKSPACE, arg)
            elif op == "del":
                b.key(K.DELETE, arg)
            elif op == "left":
                b.key(K.LEFT, arg)
            elif op == "right":
                b.key(K.RIGHT, arg)
            elif op == "text":
                b.text(arg, caps, group)
            elif op == "paste":
                b.chord(*arg)
        return b
