"""Live expansion: the worker that turns the X11 event stream into exact edits.

Public API (what ``expander run`` calls)::

    from expander.live import LiveOptions, LiveExpander, run_live

    run_live(library, LiveOptions(...), on_ready=callback)   # blocks until stop()

or, to drive it yourself (tray, tests)::

    live = LiveExpander(library, LiveOptions())
    live.start()            # raises expander.x11.X11Unavailable with a clear message
    live.set_enabled(False) # thread-safe
    live.replace_library(new_library)  # thread-safe, queued to the worker
    live.counters           # {trigger: expansions}
    live.stop()

How it stays exact. One worker thread reads the RECORD stream (the order in which
applications got the keys). Keys between our batch markers are ours and never
reach the engine. The worker keeps two :class:`TextField` models of the text since
the last reset: ``intended`` (user keys plus injections, in the order the engine
decided them - exactly what ``expander simulate`` shows) and ``app`` (every event
in the order the stream shows the app got it, our batches applied where their end
marker appears). When no batch is in flight and the two differ (the user typed
while a batch was on its way), one repair batch (caret moves, BackSpaces,
retyping) makes the app equal ``intended``. Resets (click, focus, arrows,
chords...) clear both models.

Privacy: nothing typed is logged; log lines name triggers and counts only.
"""

from __future__ import annotations

import collections
import logging
import os
import queue
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from expander.engine import Engine
from expander.keys import RESETS, Key, Special
from expander.textfield import TextField
from expander.x11.keysyms import hotkey_token

log = logging.getLogger("expander.live")

_BATCH_TIMEOUT = 1.5  # seconds without our end marker: assume RECORD lost it
_MAX_REPAIRS = 10
_MAX_FAILURES = 5  # errors in a row before the worker gives up
_MODEL_LIMIT = 4096  # characters of recent text each model keeps
_SWITCH_INTERVAL = 0.0005  # let the event reader thread in quickly (default 5 ms)


@dataclass
class LiveOptions:
    paste_threshold: int = 200  # longer expansions are pasted
    undo: bool = True  # BackSpace right after an expansion undoes it
    paste_keys: dict = field(default_factory=dict)  # WM_CLASS -> "ctrl+shift+v" | "shift+insert primary"
    exclude_apps: tuple = ()  # WM_CLASS names (any case) in which nothing expands
    clipboard_timeout: float = 2.0  # give the clipboard back if the app never fetches
    display: Optional[str] = None  # default: $DISPLAY
    now: Optional[Callable] = None  # clock for {date}/{time} (tests)


@dataclass
class _Pending:
    ops: list  # applied to the app model at the end marker
    sent: float
    done: Optional[threading.Event] = None  # clipboard fetched (paste batches)


def library_chars(library) -> tuple[list, list]:
    """Characters the replacements type as written, then their other cases; each list
    most frequent first (spare keycodes are few: the most used characters get them)."""
    counts: collections.Counter = collections.Counter()
    for snip in getattr(library, "active", None) or []:
        counts.update(getattr(snip, "replace", ""))
    keep = lambda c: len(c) == 1 and c.isprintable()  # noqa: E731
    written = [c for c, _ in counts.most_common() if keep(c)]
    seen = set(written)
    cased = []
    for c in written:
        for other in (c.upper(), c.lower()):
            if other not in seen and keep(other):
                seen.add(other)
                cased.append(other)
    return written, cased


def repair_ops(app: TextField, want: TextField) -> Optional[list]:
    """Edits that turn ``app`` into ``want`` (caret included), or None."""
    A, a, W, w = app.text, app.caret, want.text, want.caret
    p = 0
    limit = min(len(A), len(W))
    while p < limit and A[p] == W[p]:
        p += 1
    s = 0
    while s < limit - p and A[-1 - s] == W[-1 - s]:
        s += 1
    end_a = len(A) - s
    ops: list = []
    if a > end_a:
        ops.append(("left", a - end_a))
    elif a < end_a:
        ops.append(("right", end_a - a))
    if end_a - p:
        ops.append(("bs", end_a - p))
    if W[p : len(W) - s]:
        ops.append(("text", W[p : len(W) - s]))
    pos = len(W) - s
    if w < pos:
        ops.append(("left", pos - w))
    elif w > pos:
        ops.append(("right", w - pos))
    check = TextField(A, a)
    check.apply_ops(ops)
    return ops if check == want else None


class LiveExpander:
    """Runs the engine against the live X11 session (see module docstring)."""

    def __init__(self, library, options: Optional[LiveOptions] = None, *, backend=None,
                 engine: Optional[Engine] = None):
        self.options = options or LiveOptions()
        self.library = library
        self._backend = backend
        self._engine = engine
        self.counters: collections.Counter = collections.Counter()
        self.stats = collections.Counter()  # expansions, repairs, pasted, lost_batches
        self.enabled = True
        self._thread: Optional[threading.Thread] = None
        self._stopped = threading.Event()
        self._stop_lock = threading.Lock()
        self._cleaned = False
        self._ready = threading.Event()
        self.error: Optional[str] = None
        self._inflight: collections.deque = collections.deque()
        self._in_batch = False
        self._paste_done: Optional[threading.Event] = None
        self._last_reset: Optional[Key] = None
        self._hotkey = None  # HotkeyMatcher fed from the key stream
        self._excluded = False  # the focused window belongs to an excluded app
        self._hotkey_held: dict = {}
        self._reset_models()

    # -- control (any thread) ----------------------------------------------
    def start(self) -> None:
        """Open the display and start; raises X11Unavailable if X cannot be used."""
        if self._backend is None:
            from expander.x11.backend import X11Backend

            self._backend = X11Backend(
                self.options.display, paste_keys=self.options.paste_keys,
                clipboard_timeout=self.options.clipboard_timeout,
            )
        b = self._backend
        if self._engine is None:
            from expander.shell import run_shell

            kwargs = dict(undo=self.options.undo, clipboard=self._clipboard_text, run_shell=run_shell)
            if self.options.now is not None:
                kwargs["now"] = self.options.now
            self._engine = Engine(self.library, **kwargs)
        self._bind(self.library)
        if sys.getswitchinterval() > _SWITCH_INTERVAL:
            sys.setswitchinterval(_SWITCH_INTERVAL)
        b.start()
        self._thread = threading.Thread(target=self._run, name="expander-live", daemon=True)
        self._thread.start()
        if self.options.exclude_apps:
            self._command(self._check_focus)  # the window focused at start
        self._ready.set()
        n_snippets, n_sets = self.library.snippet_count, self.library.set_count
        log.info("ready: %d snippets in %d sets", n_snippets, n_sets)

    def stop(self) -> None:
        """Stop the worker, restore the keymap and clipboard, close connections (idempotent)."""
        with self._stop_lock:
            if self._cleaned:
                self._stopped.set()
                return
            self._cleaned = True
        if self._backend is not None:
            self._backend.queue.put(("stop",))
            if self._thread is not None and self._thread is not threading.current_thread():
                self._thread.join(3)
            try:
                self._backend.stop()
            except Exception as exc:  # the X server may be gone already
                log.debug("cleanup: %s", type(exc).__name__)
        self._stopped.set()

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Block until :meth:`stop` was called (or the X connection ended)."""
        return self._stopped.wait(timeout)

    def set_enabled(self, enabled: bool) -> None:
        self._command(lambda: self._set_enabled(enabled))

    def replace_library(self, library) -> None:
        self._command(lambda: self._replace_library(library))

    def set_hotkey(self, spec: Optional[str], callback: Callable[[], None]) -> None:
        """Watch the key stream for a global hotkey (``"<ctrl>+<alt>+e"``); None turns it off.

        Raises :class:`expander.hotkey.HotkeySpecError` for a bad spec. The callback runs
        in a thread of its own, so the worker never waits for it.
        """
        from expander.hotkey import HotkeyMatcher, parse_hotkey

        def fire() -> None:
            threading.Thread(target=callback, name="expander-hotkey", daemon=True).start()

        matcher = HotkeyMatcher(parse_hotkey(spec), fire) if spec else None
        self._command(lambda: setattr(self, "_hotkey", matcher))

    def update_options(self, *, paste_threshold: int, undo: bool, paste_keys: dict,
                       exclude_apps=()) -> None:
        """Apply changed settings from config.toml (thread-safe, queued to the worker)."""
        self._command(lambda: self._update_options(paste_threshold, undo, dict(paste_keys), tuple(exclude_apps)))

    def _command(self, fn) -> None:
        if self._backend is None or self._thread is None:
            fn()
        else:
            self._backend.queue.put(("cmd", fn))

    # -- worker ---------------------------------------------------------------
    def _set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled
        self._reset_models()
        self._engine.reset()

    def _update_options(self, paste_threshold: int, undo: bool, paste_keys: dict, exclude_apps: tuple = ()) -> None:
        opts = self.options
        opts.paste_threshold, opts.undo = paste_threshold, undo
        if tuple(exclude_apps) != tuple(opts.exclude_apps):
            opts.exclude_apps = tuple(exclude_apps)
            self._check_focus()
        if self._engine is not None:
            self._engine.undo_enabled = undo
        if paste_keys != opts.paste_keys:
            opts.paste_keys = paste_keys
            if self._backend is not None:
                from expander.x11.paste_keys import PasteTable

                self._backend.paste_table = PasteTable(paste_keys)

    def _replace_library(self, library) -> None:
        self.library = library
        self._engine.set_library(library)
        self._bind(library)
        self._reset_models()
        n_snippets, n_sets = library.snippet_count, library.set_count
        log.info("library replaced: %d snippets in %d sets", n_snippets, n_sets)

    def _bind(self, library) -> None:
        b = self._backend
        written, cased = library_chars(library)
        b.keymap.release_unused(set(written) | set(cased))
        left_out = b.keymap.bind(written)
        left_out |= b.keymap.bind(cased)
        if left_out:
            log.info("%d characters have no key on this layout: they are pasted", len(left_out))

    def _clipboard_text(self) -> str:
        try:
            return self._backend.clipboard.text()
        except Exception:  # pragma: no cover
            return ""

    def _reset_models(self) -> None:
        self.app = TextField()
        self.intended = TextField()
        self._suspect = bool(self._inflight)
        self._repairs = 0

    def _run(self) -> None:
        b = self._backend
        get = b.queue.get
        failures = 0
        while True:
            try:
                item = get(timeout=0.25 if self._inflight else None)
            except queue.Empty:
                self._check_timeout()
                continue
            kind = item[0]
            if kind == "stop":
                return
            if kind == "closed":
                self.error = item[1]
                log.error("%s", item[1])
                self._stopped.set()
                return
            try:
                self._handle(item)
                failures = 0
            except Exception as exc:  # one bad event must not end live expansion
                failures += 1
                self.stats["errors"] += 1
                log.error("live worker: %s", _where(exc))  # type and place only: never the message
                self._inflight.clear()
                self._in_batch = False
                self._reset_models()
                self._engine.reset()
                if failures >= _MAX_FAILURES:
                    self.error = f"live worker failed {failures} times in a row ({_where(exc)})"
                    log.error("%s; stopping", self.error)
                    self._stopped.set()
                    return

    def _handle(self, item: tuple) -> None:
        b = self._backend
        kind = item[0]
        if kind == "key":
            self._key(item[1], item[2], item[3] if len(item) > 3 else None)
        elif kind == "click":
            self._user(Special.CLICK)
        elif kind == "focus":
            self._user(Special.FOCUS)
        elif kind == "mapping":
            if b.reload_keymap():
                log.info("keyboard layout changed: re-binding characters")
                self._bind(self.library)
        elif kind == "cmd":
            item[1]()
        if self._inflight:
            self._check_timeout()
        elif not self._in_batch and not self._suspect:
            if self.app != self.intended:
                self._repair()
            else:
                self._repairs = 0
                self._trim_models()

    def _trim_models(self) -> None:
        """Keep only the recent text in the two models (memory and per-key cost stay bounded)."""
        app = self.app
        if len(app.text) > _MODEL_LIMIT:
            cut = len(app.text) - _MODEL_LIMIT // 2
            if app.caret < cut:
                self._reset_models()
                return
            for f in (self.app, self.intended):
                f.text, f.caret = f.text[cut:], f.caret - cut

    def _key(self, pressed: bool, kc: int, state: Optional[int] = None) -> None:
        b = self._backend
        dec = b.decoder
        if kc == b.keymap.marker:
            if pressed:
                self._in_batch = True
            else:
                self._in_batch = False
                self._batch_done()
            return
        if self._hotkey is not None:
            self._watch_hotkey(pressed, kc)
        if not pressed:
            dec.release(kc)
            return
        if self._in_batch:
            dec.down[kc] = None  # our own key: track it, never decode or feed it
            return
        for key in dec.press(kc, state):
            self._user(key)

    def _watch_hotkey(self, pressed: bool, kc: int) -> None:
        held = self._hotkey_held  # keycode -> token as it was pressed (the map may change meanwhile)
        if not pressed:  # releases always count, ours too (a batch may release a held key)
            self._hotkey.release(held.pop(kc, None))
            if not held:
                self._hotkey.reset()  # nothing is down: no release lost on the way can linger
        elif not self._in_batch:
            token = held[kc] = self._hotkey_token(kc)
            self._hotkey.press(token)

    def _hotkey_token(self, kc: int) -> Optional[str]:
        sym, _ = self._backend.keymap.keysym(kc, False, False, self._backend.decoder.group)
        return hotkey_token(sym) if sym else None

    def _check_focus(self) -> None:
        """Is the focused window one of the apps expander must leave alone?"""
        excluded = {name.lower() for name in self.options.exclude_apps}
        was = self._excluded
        self._excluded = bool(excluded) and self._backend is not None and any(
            name.lower() in excluded for name in self._backend.focused_classes()
        )
        if self._excluded != was:
            log.info("focused app is %s", "excluded: not expanding" if self._excluded else "not excluded")

    def _user(self, key: Key) -> None:
        if key is Special.FOCUS and self.options.exclude_apps:
            self._check_focus()  # before the de-duplication below: every focus change counts
        if key in (Special.CLICK, Special.FOCUS) and self._last_reset is key:
            return  # the same reset reported twice (several clients got FocusIn)
        self._last_reset = key if key in RESETS else None
        if not self.enabled or self._excluded:
            return
        inj = self._engine.feed(key)
        if key in RESETS:
            self._reset_models()
        else:
            self.app.press(key)
            self.intended.press(key)
        if inj is not None:
            self.intended.apply(inj)
            if inj.undo:
                self.stats["undos"] += 1
            else:
                self.stats["expansions"] += 1
                self.counters[inj.trigger] += 1
                log.debug("expanded trigger %s", inj.trigger)
            self._send(inj.ops())

    def _send(self, ops: list) -> None:
        try:
            self._send_ops(ops)
        except Exception as exc:
            log.warning("injection failed (%s); resetting", type(exc).__name__)
            self._reset_models()
            self._engine.reset()

    def _send_ops(self, ops: list) -> None:
        """Type the edit in one XTEST batch, or paste its text when typing cannot do it."""
        b = self._backend
        text = "".join(arg for op, arg in ops if op == "text")
        group = b.decoder.group
        release = [kc for kc in b.decoder.held() if kc != b.keymap.marker]
        if text and (len(text) > self.options.paste_threshold or not b.keymap.can_type(text, group)):
            self._paste_ops(ops, text, release, group)
            return
        batch = b.injector.edit_batch(ops, release=release, caps=b.decoder.caps, group=group)
        self._inflight.append(_Pending(ops, time.monotonic()))
        b.injector.send(batch)

    def _paste_ops(self, ops: list, text: str, release: list, group: int) -> None:
        """Own the selection, send the BackSpaces and the paste key; move the caret only
        once the app has fetched the text (apps paste asynchronously)."""
        b = self._backend
        timeout = self.options.clipboard_timeout
        paste = b.paste_keys()
        self.stats["pasted"] += 1
        i = _text_index(ops)
        before, after = ops[:i], ops[i + 1 :]
        if self._paste_done is not None:
            # one paste at a time: the app must have fetched the previous text
            self._paste_done.wait(timeout)
        done = self._paste_done = b.clipboard.offer(text, paste.selection, b.focused_client())
        batch = b.injector.edit_batch(
            before + [("paste", (paste.modifiers, paste.keysym))], release=release,
            caps=b.decoder.caps, group=group,
        )
        self._inflight.append(_Pending(before + [("paste_text", text)], time.monotonic(), done))
        b.injector.send(batch)
        if after:
            done.wait(timeout)
            batch = b.injector.edit_batch(after, caps=b.decoder.caps, group=group)
            self._inflight.append(_Pending(after, time.monotonic()))
            b.injector.send(batch)

    def _batch_done(self) -> None:
        if not self._inflight:
            return
        pending = self._inflight.popleft()
        if self._suspect:
            if not self._inflight:
                self._suspect = False
                self.app = TextField()
                self.intended = TextField()
            return
        self.app.apply_ops(pending.ops)

    def _check_timeout(self) -> None:
        if (
            self._inflight
            and time.monotonic() - self._inflight[0].sent > _BATCH_TIMEOUT
            and not self._marker_queued()  # the worker was busy (a paste wait): not lost, just unread
        ):
            self.stats["lost_batches"] += len(self._inflight)
            log.warning("lost track of %d injected batches; resetting", len(self._inflight))
            self._inflight.clear()
            self._in_batch = False
            self._reset_models()

    def _marker_queued(self) -> bool:
        q, marker = self._backend.queue, self._backend.keymap.marker
        with q.mutex:
            return any(item[0] == "key" and item[2] == marker for item in q.queue)

    def _repair(self) -> None:
        if self._repairs >= _MAX_REPAIRS:
            log.warning("could not repair concurrent typing; resetting")
            self._reset_models()
            self._engine.reset()
            return
        ops = repair_ops(self.app, self.intended)
        if ops is None:
            self._reset_models()
            return
        self._repairs += 1
        self.stats["repairs"] += 1
        self._send(ops)


def _where(exc: BaseException) -> str:
    """``KeyError at keymap.py:123``: what failed and where, without the message (it may hold text)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    place = f" at {os.path.basename(tb.tb_frame.f_code.co_filename)}:{tb.tb_lineno}" if tb is not None else ""
    return f"{type(exc).__name__}{place}"


def _text_index(ops) -> int:
    for i, (op, _arg) in enumerate(ops):
        if op == "text":
            return i
    return len(ops)


def run_live(library, options: Optional[LiveOptions] = None, *,
             on_ready: Optional[Callable[[LiveExpander], None]] = None,
             handle_signals: bool = True) -> LiveExpander:
    """Run live expansion until stopped; returns the (stopped) LiveExpander.

    Starts on ``options.display`` (default ``$DISPLAY``), logs one ``ready`` line
    with the snippet and set counts, calls ``on_ready(live)`` (e.g. to start the tray,
    which may call ``live.stop()``, ``live.set_enabled()``, ``live.replace_library()``),
    then blocks until ``live.stop()`` is called, SIGINT/SIGTERM arrives (when
    ``handle_signals`` and called from the main thread) or the X connection ends.
    Raises :class:`expander.x11.X11Unavailable` (clear message, no traceback needed)
    when there is no usable X display.
    """
    live = LiveExpander(library, options)
    live.start()
    previous = {}
    if handle_signals and threading.current_thread() is threading.main_thread():
        def _on_signal(signum, frame):
            threading.Thread(target=live.stop, daemon=True).start()

        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, _on_signal)
    try:
        if on_ready is not None:
            on_ready(live)
        while not live.wait(0.5):
            pass
    finally:
        live.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return live
