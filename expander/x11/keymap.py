"""The current keyboard map: decoding key events into ``Key`` and encoding characters.

* :class:`Keymap` reads the core keyboard map (re-read it on MappingNotify, e.g. after
  ``setxkbmap de``), knows the modifier keys, the spare keycodes (no keysym), which
  key and level types each character, and binds characters that are not on the
  layout to spare keycodes (in every column, so the app reads the right keysym),
  keeping those bindings until :meth:`Keymap.restore`.
* :class:`Decoder` turns the key press/release stream into the characters the user
  sees: Shift, AltGr (ISO_Level3_Shift / Mode_switch), Caps Lock and dead keys
  (composed with :mod:`unicodedata`, so ``dead_acute`` + ``e`` gives ``é``);
  Ctrl/Alt/Super held gives :data:`Special.CHORD`.

Core-map columns under XKB: 0/1 = level 1/2, 4/5 = level 3/4 (AltGr, AltGr+Shift).
"""

from __future__ import annotations

import logging
import os
import time
import unicodedata

from Xlib import X, Xatom

from expander.keys import Key, Special

from . import keysyms as K

log = logging.getLogger("expander.x11")

BOUND_PROPERTY = "_EXPANDER_BOUND"  # root property: the spare keycodes each run bound
SHIFT = 1
LEVEL3 = 2
RESERVED_FOR_OTHERS = 3
# core-map columns per XKB group: (level1, level2, level3, level4)
_GROUP_COLUMNS = ((0, 1, 4, 5), (2, 3, 6, 7))

SPECIAL_KEYSYMS = {
    K.BACKSPACE: Special.BACKSPACE,
    K.DELETE: Special.DELETE,
    0xFF9F: Special.DELETE,  # KP_Delete
    K.LEFT: Special.LEFT,
    K.RIGHT: Special.RIGHT,
    K.UP: Special.UP,
    K.DOWN: Special.DOWN,
    K.HOME: Special.HOME,
    K.END: Special.END,
    K.PAGE_UP: Special.PAGE_UP,
    K.PAGE_DOWN: Special.PAGE_DOWN,
    0xFF96: Special.LEFT,  # KP_Left
    0xFF98: Special.RIGHT,
    0xFF97: Special.UP,
    0xFF99: Special.DOWN,
    0xFF95: Special.HOME,
    0xFF9C: Special.END,
    0xFF9A: Special.PAGE_UP,
    0xFF9B: Special.PAGE_DOWN,
    K.ESCAPE: Special.ESCAPE,
    0xFE20: Special.CHORD,  # ISO_Left_Tab (Shift+Tab moves focus)
}
_SHIFT_SYMS = {K.SHIFT_L, K.SHIFT_R}
_CHORD_SYMS = {K.CONTROL_L, K.CONTROL_R, K.ALT_L, K.ALT_R, K.META_L, K.META_R,
               K.SUPER_L, K.SUPER_R, K.HYPER_L, K.HYPER_R}
_LEVEL3_SYMS = {K.ISO_LEVEL3_SHIFT, K.MODE_SWITCH}
_OTHER_MODIFIER_SYMS = {K.ISO_LEVEL5_SHIFT, 0xFFE6, 0xFF7F}  # Shift_Lock, Num_Lock
_LOCK_SYMS = {K.CAPS_LOCK, 0xFFE6, 0xFF7F}  # Caps_Lock, Shift_Lock, Num_Lock


class Keymap:
    """A snapshot of the server's keyboard map, plus our spare-keycode bindings."""

    def __init__(self, disp):
        self.disp = disp
        self.bound: dict[str, int] = {}  # char -> spare keycode we bound it to
        self.marker: int | None = None  # spare keycode kept without keysym (batch marker)
        self.leftovers: list[int] = []  # keycodes a killed earlier run left bound
        self.generation = 0
        self._root = self._atom = self._owner = None
        try:
            root = disp.screen().root
        except AttributeError:  # a display without windows (unit tests)
            pass
        else:
            self._root = root
            self._atom = disp.intern_atom(BOUND_PROPERTY)
            # a window of our connection names our entry in the record; the server
            # destroys it when the connection ends (also when the process is killed)
            self._owner = root.create_window(-10, -10, 1, 1, 0, 0, 2, 0)  # InputOnly
            self._owner.change_property(self._atom, Xatom.CARDINAL, 32, [os.getpid()])
        self.reload()

    # -- reading ----------------------------------------------------------
    def reload(self) -> bool:
        """Re-read the map. Returns True when our bindings were lost (layout switch)."""
        info = self.disp.display.info
        self.min_keycode, self.max_keycode = info.min_keycode, info.max_keycode
        rows = self.disp.get_keyboard_mapping(
            self.min_keycode, self.max_keycode - self.min_keycode + 1
        )
        self.width = len(rows[0]) if rows else 2
        self.syms: dict[int, tuple[int, ...]] = {
            self.min_keycode + i: tuple(row) for i, row in enumerate(rows)
        }
        self.shift_codes, self.chord_codes, self.level3_codes = set(), set(), set()
        self.caps_codes, self.modifier_codes, self.lock_codes = set(), set(), set()
        for kc, row in self.syms.items():
            sym = row[0] if row else 0
            if sym in _SHIFT_SYMS:
                self.shift_codes.add(kc)
            elif sym in _CHORD_SYMS:
                self.chord_codes.add(kc)
            elif sym in _LEVEL3_SYMS:
                self.level3_codes.add(kc)
            elif sym == K.CAPS_LOCK:
                self.caps_codes.add(kc)
            elif sym in _OTHER_MODIFIER_SYMS:
                pass
            else:
                continue
            if sym in _LOCK_SYMS:
                self.lock_codes.add(kc)
            self.modifier_codes.add(kc)
        self.shift_key = min(self.shift_codes) if self.shift_codes else None
        self.numlock_mask = 0x10  # Mod2 on every common layout; refined below
        try:
            numlock_codes = {kc for kc, row in self.syms.items() if row and row[0] == 0xFF7F}
            for i, codes in enumerate(self.disp.get_modifier_mapping()):
                if numlock_codes & set(codes):
                    self.numlock_mask = 1 << i
        except AttributeError:  # a display without modifier mapping (unit tests)
            pass
        # prefer a level-3 key that is in a modifier group (Mod5 on XKB layouts)
        self.level3_key = min(self.level3_codes) if self.level3_codes else None
        # bindings we made that survived?
        lost = False
        for ch, kc in list(self.bound.items()):
            if ch not in _chars_of(self.syms.get(kc, ())):
                lost = True
                del self.bound[ch]
        bound_codes = set(self.bound.values())
        if self.generation == 0:
            self._reclaim()
        elif lost:
            self._record()
        self.spare = [
            kc
            for kc in range(max(self.min_keycode, 9), self.max_keycode + 1)
            if kc not in bound_codes and not any(self.syms.get(kc, ()))
        ]
        # use the highest spare keycodes and leave the lowest few free: tools such as
        # xdotool and pynput borrow the lowest empty keycode while they type
        self.spare = self.spare[RESERVED_FOR_OTHERS:][::-1]
        if self.marker is None or self.marker not in self.spare:
            self.marker = self.spare[0] if self.spare else None
        if self.marker in self.spare:
            self.spare.remove(self.marker)
        self._index()
        self.generation += 1
        return lost

    # -- the record of our bindings (root window property) ----------------
    def _read_record(self):
        """[(owner window, [(keycode, keysym), ...]), ...] from the root property, or
        None when there is no such property."""
        try:
            prop = self._root.get_full_property(self._atom, X.AnyPropertyType)
        except Exception:  # pragma: no cover - connection gone
            return []
        if prop is None:
            return None
        if prop.format != 32:
            return []
        value, out, i = list(prop.value), [], 0
        while i + 2 <= len(value):
            owner, n = value[i], value[i + 1]
            pairs = value[i + 2 : i + 2 + 2 * n]
            out.append((owner, list(zip(pairs[0::2], pairs[1::2]))))
            i += 2 + 2 * n
        return out

    def _owner_alive(self, owner: int) -> bool:
        """The window of another running instance (it carries the property too)."""
        if owner == self._owner.id:  # a dead run's window id, given to us again
            return False
        try:
            win = self.disp.create_resource_object("window", owner)
            return win.get_full_property(self._atom, X.AnyPropertyType) is not None
        except Exception:  # BadWindow: that process is gone
            return False

    def _write_record(self, entries) -> None:
        value = []
        for owner, pairs in entries:
            if pairs:
                value += [owner, len(pairs)]
                for kc, sym in pairs:
                    value += [kc, sym]
        if value:
            self._root.change_property(self._atom, Xatom.CARDINAL, 32, value)
        else:
            self._root.delete_property(self._atom)
        self.disp.flush()

    def _record(self, ours: bool = True) -> None:
        """Store our current bindings (keycode, keysym) under our owner window, so that
        a later start can undo exactly those if this process dies without cleaning up."""
        if self._root is None:
            return
        entries = [(o, p) for o, p in self._read_record() or () if o != self._owner.id]
        if ours:
            pairs = [(kc, self.syms.get(kc, (0,))[0]) for kc in self.bound.values()]
            entries.append((self._owner.id, pairs))
        try:
            self._write_record(entries)
        except Exception:  # pragma: no cover - connection gone
            pass

    def _reclaim(self) -> None:
        """Undo the bindings of earlier runs that died (killed) without restoring them:
        exactly the keycodes recorded, and only where they still hold the recorded keysym
        (a layout switch since then may have given the keycode a real key)."""
        entries = None if self._root is None else self._read_record()
        if entries is None:
            self._reclaim_legacy()
        else:
            keep = []
            for owner, pairs in entries:
                if self._owner_alive(owner):
                    keep.append((owner, pairs))  # another instance is running: its keys
                    continue
                for kc, sym in pairs:
                    row = self.syms.get(kc)
                    nz = [s for s in row or () if s]
                    if sym and nz and all(s == sym for s in nz):
                        self._clear(kc)
            if len(keep) != len(entries):
                self._write_record(keep)
        if self.leftovers:
            self.disp.sync()
            log.info("reclaimed %d spare keycodes a killed earlier run left bound",
                     len(self.leftovers))

    def _reclaim_legacy(self) -> None:
        """No record: versions before it left the same Unicode keysym in every column."""
        for kc, row in self.syms.items():
            nz = [s for s in row if s]
            if len(nz) >= 3 and row[0] >= 0x01000100 and all(s == row[0] for s in nz):
                self._clear(kc)

    def _clear(self, kc: int) -> None:
        row = self.syms[kc]
        self.syms[kc] = (0,) * len(row)
        self.disp.change_keyboard_mapping(kc, [(0,) * len(row)])
        self.leftovers.append(kc)

    def _index(self) -> None:
        self._indexes: dict[int, dict] = {}
        self.index = self.index_for(0)

    def _columns(self, kc: int, group: int) -> tuple[int, int, int, int]:
        """Keysyms of levels 1-4 of ``kc`` in ``group`` (falls back to group 1)."""
        row = self.syms.get(kc, ())

        def col(i):
            return row[i] if i < len(row) else 0

        if group:
            cols = _GROUP_COLUMNS[1]
            syms = tuple(col(i) for i in cols)
            if syms[0] or syms[1]:
                return syms
        return tuple(col(i) for i in _GROUP_COLUMNS[0])

    def index_for(self, group: int) -> dict:
        """char -> (keycode, SHIFT|LEVEL3) for the given XKB group."""
        group = 1 if group else 0
        index = self._indexes.get(group)
        if index is not None:
            return index
        index = {}
        levels = ((0, 0), (1, SHIFT), (2, LEVEL3), (3, SHIFT | LEVEL3))
        table = {kc: self._columns(kc, group) for kc in sorted(self.syms)}
        for level, mods in levels:
            if mods & LEVEL3 and self.level3_key is None:
                continue
            for kc, syms in table.items():
                sym = syms[level]
                if not sym or 0xFF80 <= sym <= 0xFFBD:
                    continue  # keypad keysyms depend on NumLock: never type with them
                ch = K.keysym_to_char(sym)
                if ch is not None and ch not in index:
                    index[ch] = (kc, mods)
        for ch, kc in self.bound.items():
            index.setdefault(ch, (kc, 0))
        self._indexes[group] = index
        return index

    # -- encoding ---------------------------------------------------------
    def stroke(self, ch: str, group: int = 0) -> tuple[int, int] | None:
        """(keycode, SHIFT|LEVEL3 mask) that types ``ch``, or None if not typable."""
        return self.index_for(group).get(ch)

    def can_type(self, text: str, group: int = 0) -> bool:
        index = self.index_for(group)
        return all(ch in index for ch in text)

    def is_case_pair(self, kc: int, group: int = 0) -> bool:
        """Levels 1 and 2 of ``kc`` are a lower/upper case pair (Caps Lock acts on it)."""
        l1, l2 = self._columns(kc, group)[:2]
        a, b = K.keysym_to_char(l1) if l1 else None, K.keysym_to_char(l2) if l2 else None
        if a is None or b is None or a == b:
            return False
        return a.upper() == b and b.lower() == a

    def keycode_for_keysym(self, keysym: int) -> int | None:
        for kc in sorted(self.syms):
            row = self.syms[kc]
            if row and row[0] == keysym:
                return kc
        return None

    def bind(self, chars) -> set[str]:
        """Bind characters missing from the layout to spare keycodes; returns those left out."""
        typable = set(self.index_for(0)) & set(self.index_for(1))
        missing = list(dict.fromkeys(c for c in chars if c not in typable and c not in ("\n", "\t")))
        left_out = set()
        changed = False
        for ch in missing:
            if not self.spare:
                left_out.add(ch)
                continue
            kc = self.spare.pop(0)
            sym = K.char_to_keysyms(ch)[-1]  # the Unicode keysym: every app reads it
            self.disp.change_keyboard_mapping(kc, [(sym,) * self.width])
            self.bound[ch] = kc
            self.syms[kc] = (sym,) * self.width
            changed = True
        if changed:
            self.disp.sync()
            time.sleep(0.005)  # let clients process MappingNotify before we type
            self._index()
            self._record()
            log.debug("bound %d off-layout characters to spare keycodes", len(self.bound))
        return left_out

    def release_unused(self, keep) -> int:
        """Unbind characters not in ``keep`` (after a library change); returns how many."""
        keep = set(keep)
        drop = [ch for ch in self.bound if ch not in keep]
        for ch in drop:
            kc = self.bound.pop(ch)
            self.disp.change_keyboard_mapping(kc, [(0,) * self.width])
            self.syms[kc] = (0,) * self.width
            self.spare.append(kc)
        if drop:
            self._record()
            self.disp.sync()
            self._index()
        return len(drop)

    def restore(self) -> None:
        """Give back every spare keycode we bound (at exit)."""
        for kc in self.bound.values():
            try:
                self.disp.change_keyboard_mapping(kc, [(0,) * self.width])
            except Exception:  # pragma: no cover - connection gone
                pass
        self.bound.clear()
        self.leftovers.clear()
        self._record(ours=False)
        try:
            self.disp.sync()
        except Exception:  # pragma: no cover
            pass

    def keysym(self, kc: int, shift: bool, level3: bool, group: int = 0) -> tuple[int, bool]:
        """The keysym a key gives; the flag says 'upper-case it' (shift on a 1-symbol key)."""
        l1, l2, l3, l4 = self._columns(kc, group)
        if level3 and (l3 or l4):
            base, up = l3, l4
        else:
            base, up = l1, l2
        if shift:
            return (up, False) if up else (base, True)
        return base, False


def _chars_of(row) -> set:
    return {K.keysym_to_char(s) for s in row if s}


class Decoder:
    """Tracks modifiers, Caps Lock and a pending dead key across the key stream."""

    def __init__(self, keymap: Keymap, caps: bool = False):
        self.km = keymap
        self.down: dict[int, None] = {}  # keycodes held, in press order
        self.caps = caps
        self.dead: str | None = None
        self.group = 0  # XKB group (layout) of the last event, from its state field

    def reset_dead(self) -> None:
        self.dead = None

    def held(self) -> list[int]:
        return list(self.down)

    def release(self, kc: int) -> None:
        self.down.pop(kc, None)

    def press(self, kc: int, state: int | None = None) -> list[Key]:
        km = self.km
        self.down[kc] = None
        numlock = False
        if state is not None:
            self.group = (state >> 13) & 3
            self.caps = bool(state & 0x2)  # LockMask, as the server saw it
            numlock = bool(state & km.numlock_mask)
        if kc in km.modifier_codes:
            if kc in km.caps_codes:
                self.caps = not self.caps
            return []
        shift = any(c in self.down for c in km.shift_codes)
        if any(c in self.down for c in km.chord_codes):
            self.dead = None
            return [Special.CHORD]
        level3 = any(c in self.down for c in km.level3_codes)
        sym, upper = km.keysym(kc, shift, level3, self.group)
        if numlock:  # keypad keys: NumLock swaps their two levels
            l1, l2, _, _ = km._columns(kc, self.group)
            if 0xFF80 <= l2 <= 0xFFBD:
                sym, upper = (l1 if shift else l2), False
        if not sym:
            return []
        special = SPECIAL_KEYSYMS.get(sym)
        if special is not None:
            self.dead = None
            return [special]
        comb = K.DEAD.get(sym)
        if comb is not None:
            if self.dead is not None:  # two dead keys: the first one's accent, keep the second
                first, self.dead = self.dead, comb
                return [K.SPACING[first]] if first != comb else []
            self.dead = comb
            return []
        ch = K.keysym_to_char(sym)
        if ch is None:
            return []
        if upper:
            ch = ch.upper() if len(ch.upper()) == 1 else ch
        if self.caps and ch.lower() != ch.upper() and len(ch.swapcase()) == 1:
            ch = ch.swapcase() if shift else ch.upper()
        if self.dead is not None:
            comb, self.dead = self.dead, None
            if ch == " ":
                return [K.SPACING[comb]]
            composed = unicodedata.normalize("NFC", ch + comb)
            if len(composed) == 1:
                return [composed]
            return [K.SPACING[comb], ch]
        return [ch]
