"""The global toggle hotkey: spec parser, a pure matcher, and a thin pynput adapter.

Spec syntax is pynput's ``HotKey`` syntax — ``"<ctrl>+<alt>+e"`` (the default),
``"<cmd>+<shift>+<f12>"``, ``"<ctrl>+<alt>+<65>"`` (virtual key code) — and,
for hand-written configs, the same without angle brackets, any case:
``"Ctrl+Alt+E"``. Modifiers: ctrl, alt, shift, cmd (aliases super/win/meta),
alt_gr. A spec needs at least one modifier and exactly one-or-more other keys.

The matcher works on *tokens*: a modifier name (``"ctrl"``), a lower-case
character (``"e"``), a named key (``"f12"``, ``"space"``) or ``"<65>"``. Feed it
presses and releases from any keyboard stream: on X11 `expander run` feeds it the
live engine's own stream (:meth:`expander.live.LiveExpander.set_hotkey`, no second
hook); :func:`start_hotkey_listener` is the pynput adapter for platforms without one::

    m = HotkeyMatcher(parse_hotkey("<ctrl>+<alt>+e"), on_toggle)
    m.press("ctrl"); m.press("alt"); m.press("e")      # -> on_toggle() once
    m.release("e"); m.release("alt"); m.release("ctrl")

It fires on the press that completes the exact combination (extra modifiers
held = no match, so Ctrl+Alt+Shift+E stays free for apps), once per press:
auto-repeat does not fire again until a key of the combination is released.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Optional

log = logging.getLogger("expander.hotkey")

DEFAULT_HOTKEY = "<ctrl>+<alt>+e"

MODIFIERS = {
    "ctrl": "ctrl", "ctrl_l": "ctrl", "ctrl_r": "ctrl", "control": "ctrl",
    "alt": "alt", "alt_l": "alt", "alt_r": "alt", "option": "alt",
    "alt_gr": "alt_gr", "altgr": "alt_gr",
    "shift": "shift", "shift_l": "shift", "shift_r": "shift",
    "cmd": "cmd", "cmd_l": "cmd", "cmd_r": "cmd", "super": "cmd", "super_l": "cmd",
    "super_r": "cmd", "win": "cmd", "meta": "cmd", "command": "cmd",
}

#: Named non-modifier keys (pynput ``Key`` member names) plus a few friendly aliases.
NAMED_KEYS = {
    "space", "tab", "enter", "esc", "backspace", "delete", "insert", "home", "end",
    "page_up", "page_down", "up", "down", "left", "right", "pause", "print_screen",
    "scroll_lock", "caps_lock", "num_lock", "menu",
    *(f"f{i}" for i in range(1, 25)),
}
_ALIASES = {"return": "enter", "escape": "esc", "del": "delete", "pgup": "page_up",
            "pgdn": "page_down", "ins": "insert", "plus": "+", "minus": "-", "comma": ","}


class HotkeySpecError(ValueError):
    pass


class HotkeyUnavailable(RuntimeError):
    """The global hotkey cannot be installed here (no pynput, no display...)."""


@dataclass(frozen=True)
class Hotkey:
    spec: str
    modifiers: frozenset[str]
    keys: frozenset[str]

    @property
    def tokens(self) -> frozenset[str]:
        return self.modifiers | self.keys

    def __str__(self) -> str:
        order = ["ctrl", "alt", "alt_gr", "shift", "cmd"]
        mods = [f"<{m}>" for m in order if m in self.modifiers]
        keys = [k if len(k) == 1 or k.startswith("<") else f"<{k}>" for k in sorted(self.keys)]
        return "+".join(mods + keys)


def _token(raw: str, spec: str) -> str:
    t = raw.strip()
    if not t:
        raise HotkeySpecError(f"hotkey {spec!r}: empty key (a stray '+'?)")
    bracketed = t.startswith("<") and t.endswith(">") and len(t) > 2
    if bracketed:
        t = t[1:-1].strip()
        if t.isdigit():
            return f"<{int(t)}>"
    if len(t) == 1 and not bracketed:
        return t.lower()
    name = t.lower().replace("-", "_").replace(" ", "_")
    name = _ALIASES.get(name, name)
    if name in MODIFIERS:
        return MODIFIERS[name]
    if name in NAMED_KEYS or len(name) == 1:
        return name
    raise HotkeySpecError(f"hotkey {spec!r}: unknown key {raw.strip()!r}")


def parse_hotkey(spec: str) -> Hotkey:
    """Parse a hotkey spec; raises :class:`HotkeySpecError` with a readable message."""
    if not isinstance(spec, str) or not spec.strip():
        raise HotkeySpecError("hotkey: empty spec; example: <ctrl>+<alt>+e")
    s = spec.strip()
    # split on '+' but allow '+' itself as the last key: "<ctrl>++"
    parts = s.split("+")
    if s.endswith("++"):
        parts = parts[:-2] + ["+"]
    tokens = [_token(p, spec) for p in parts]
    if len(set(tokens)) != len(tokens):
        raise HotkeySpecError(f"hotkey {spec!r}: a key is listed twice")
    mods = frozenset(t for t in tokens if t in MODIFIERS.values())
    keys = frozenset(t for t in tokens if t not in MODIFIERS.values())
    if not keys:
        raise HotkeySpecError(f"hotkey {spec!r}: needs a key besides the modifiers")
    if not mods:
        raise HotkeySpecError(
            f"hotkey {spec!r}: needs at least one modifier (ctrl, alt, shift, cmd); "
            "a bare key would fire while typing"
        )
    return Hotkey(spec=spec, modifiers=mods, keys=keys)


class HotkeyMatcher:
    """Pure press/release state machine for one :class:`Hotkey`."""

    def __init__(self, hotkey: Hotkey | str, callback: Callable[[], None]) -> None:
        self.hotkey = parse_hotkey(hotkey) if isinstance(hotkey, str) else hotkey
        self.callback = callback
        self._down: set[str] = set()
        self._armed = True

    def press(self, token: Optional[str]) -> bool:
        """A key went down; returns True when this press fired the hotkey."""
        if token is None:
            return False
        repeat = token in self._down
        self._down.add(token)
        if self._down == set(self.hotkey.tokens) and self._armed and not repeat:
            self._armed = False
            try:
                self.callback()
            except Exception:
                log.exception("hotkey callback failed")
            return True
        return False

    def release(self, token: Optional[str]) -> None:
        if token is None:
            return
        self._down.discard(token)
        if token in self.hotkey.tokens:
            self._armed = True

    def reset(self) -> None:
        """Forget held keys (after a focus change or a lost release event)."""
        self._down.clear()
        self._armed = True


def token_from_pynput(key: Any) -> Optional[str]:
    """A matcher token for a pynput ``Key``/``KeyCode`` (use ``listener.canonical(key)`` first)."""
    if key is None:
        return None
    name = getattr(key, "name", None)  # pynput.keyboard.Key members
    if isinstance(name, str):
        name = name.lower()
        return MODIFIERS.get(name, name)
    char = getattr(key, "char", None)
    if isinstance(char, str) and char:
        if len(char) == 1 and ord(char) < 32:  # Ctrl+letter control characters
            return chr(ord(char) + 96)
        return char.lower()
    vk = getattr(key, "vk", None)
    if vk is not None:
        return f"<{int(vk)}>"
    return None


class HotkeyListener:
    """A running pynput listener feeding a :class:`HotkeyMatcher`; call :meth:`stop`."""

    def __init__(self, listener, matcher: HotkeyMatcher) -> None:
        self.listener = listener
        self.matcher = matcher

    def stop(self) -> None:
        try:
            self.listener.stop()
        except Exception:
            pass

    def wait_ready(self, timeout: float = 2.0) -> bool:
        try:
            self.listener.wait()  # pynput: blocks until the listener is running
            return True
        except Exception:
            return False


def start_hotkey_listener(spec: str | Hotkey, callback: Callable[[], None]) -> HotkeyListener:
    """Install the global hotkey with pynput; raises HotkeySpecError / HotkeyUnavailable.

    The callback runs on pynput's listener thread: keep it short (e.g.
    ``lambda: control.set_enabled(not control.status().active)``).
    """
    hk = parse_hotkey(spec) if isinstance(spec, str) else spec
    matcher = HotkeyMatcher(hk, callback)
    try:
        from pynput import keyboard
    except Exception as e:  # ImportError, or Xlib's DisplayNameError without a display
        raise HotkeyUnavailable(f"global hotkey unavailable: {type(e).__name__}: {e}") from e

    holder: dict = {}

    def canon(key):
        lst = holder.get("l")
        try:
            key = lst.canonical(key) if lst is not None else key
        except Exception:
            pass
        return token_from_pynput(key)

    def on_press(key, injected=False):
        if injected:  # our own XTEST output (pynput >= 1.8 tells)
            return
        matcher.press(canon(key))

    def on_release(key, injected=False):
        if injected:
            return
        matcher.release(canon(key))

    try:
        listener = keyboard.Listener(on_press=on_press, on_release=on_release)
        holder["l"] = listener
        listener.daemon = True
        listener.start()
    except Exception as e:
        raise HotkeyUnavailable(f"global hotkey unavailable: {type(e).__name__}: {e}") from e
    return HotkeyListener(listener, matcher)
