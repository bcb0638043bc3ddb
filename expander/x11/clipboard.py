"""Pasting through an X selection we own, then giving the user's contents back.

:class:`Clipboard` runs one thread with its own connection and a hidden window.
:meth:`Clipboard.offer` (called by the live worker, blocks a few ms) saves every
target of the current owner (images included; INCR transfers handled), takes the
selection with the text to paste and returns. The caller then sends the paste key.
As soon as the target application has fetched a *text* target, the saved contents
are served again (we stay the owner, serving exactly the saved bytes for every
target) - or, when nobody owned the selection before, ownership is dropped. If no
text request comes within ``timeout`` seconds, the contents are given back anyway.
No xclip/xsel processes are involved.
"""

from __future__ import annotations

import logging
import os
import queue
import select
import threading
import time

from Xlib import X, Xatom

from .display import open_display

log = logging.getLogger("expander.x11")

_SKIP_TARGETS = {"TARGETS", "MULTIPLE", "TIMESTAMP", "DELETE", "SAVE_TARGETS",
                 "INSERT_SELECTION", "INSERT_PROPERTY", "_QT_SELECTION"}
TEXT_TARGETS = ("UTF8_STRING", "text/plain;charset=utf-8", "STRING", "TEXT", "text/plain",
                "COMPOUND_TEXT")
_CHUNK = 1 << 16  # INCR chunk and the size above which we serve by INCR
HANDOVER_TIMEOUT = 2.0  # seconds a clipboard manager may take to save our contents at exit
TARGET_TIMEOUT = 0.5  # seconds one target of the previous owner may take
FETCH_BUDGET = 2.0  # seconds saving every target may take in all (offer() waits 5 s)


class Clipboard:
    def __init__(self, display_name: str | None = None, timeout: float = 2.0):
        self.timeout = timeout
        self.disp = open_display(display_name, check_extensions=False)
        d = self.disp
        self.win = d.screen().root.create_window(
            -10, -10, 1, 1, 0, X.CopyFromParent, X.InputOnly, X.CopyFromParent,
            event_mask=X.PropertyChangeMask,
        )
        self.atom = d.intern_atom
        self.name = d.get_atom_name
        self.A_TARGETS = self.atom("TARGETS")
        self.A_INCR = self.atom("INCR")
        self.A_PROP = self.atom("EXPANDER_SEL")
        self.A_ATOM = Xatom.ATOM
        self.A_MULTIPLE = self.atom("MULTIPLE")
        self.A_ATOM_PAIR = self.atom("ATOM_PAIR")
        self.A_SAVE_TARGETS = self.atom("SAVE_TARGETS")
        self.A_MANAGER = self.atom("CLIPBOARD_MANAGER")
        self.A_CLIPBOARD = self.atom("CLIPBOARD")
        self.A_SAVE_PROP = self.atom("EXPANDER_SAVE")
        self.text_atoms = {self.atom(t) for t in TEXT_TARGETS}
        self.max_bytes = min(d.display.info.max_request_length * 4 - 100, 1 << 18)
        # selection atom -> {"mode": "offer"|"saved", "data": {target: (type, fmt, value)},
        #                    "saved": data|None, "served": Event, "deadline": float}
        self.owned: dict[int, dict] = {}
        self.incr_out: dict[tuple, list] = {}  # (window, property) -> [type, fmt, bytes, offset]
        self._cmds: queue.SimpleQueue = queue.SimpleQueue()
        self._wake_r, self._wake_w = os.pipe()
        self._stop = False
        self._closed = False
        self._events: list = []  # events that arrived while fetching
        d.flush()
        self._thread = threading.Thread(target=self._run, name="expander-clipboard", daemon=True)
        self._thread.start()

    # -- API (any thread) -------------------------------------------------
    def offer(self, text: str, selection: str = "CLIPBOARD", target_client: int | None = None) -> threading.Event:
        """Own ``selection`` with ``text``; returns an Event set when the text was fetched
        (or the timeout gave the old contents back). Blocks until we own it.

        ``target_client`` is the X client (resource-id base) of the focused window: only
        its fetch gives the old contents back, so a clipboard manager that fetches every
        new owner's text first does not make the target paste the old contents.
        """
        done = threading.Event()
        reply: queue.SimpleQueue = queue.SimpleQueue()
        self._call(("offer", text, selection, done, reply, target_client))
        ok = self._reply(reply, 5)
        if not ok:
            raise RuntimeError("could not own the selection")
        return done

    def _reply(self, reply: queue.SimpleQueue, timeout: float, default=False):
        """The thread's answer; ``default`` at once if the thread has ended (X gone)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return reply.get(timeout=0.05)
            except queue.Empty:
                if not self._thread.is_alive() or time.monotonic() >= deadline:
                    return default

    def text(self, selection: str = "CLIPBOARD", timeout: float = 0.5) -> str:
        """The selection's current text ("" if none) - for ``{clipboard}``."""
        reply: queue.SimpleQueue = queue.SimpleQueue()
        self._call(("text", selection, reply, timeout))
        return self._reply(reply, timeout + 1, "")

    def busy(self) -> bool:
        return any(s["mode"] == "offer" for s in self.owned.values())

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._call(("stop",))
        self._thread.join(HANDOVER_TIMEOUT + 2)
        if self._thread.is_alive():
            # still inside a request or select(): closing its connection and pipe now
            # could make it use a reused descriptor. It is a daemon thread; leave them.
            log.warning("clipboard thread did not stop in time")
            return
        try:
            self.disp.close()
        except Exception:  # pragma: no cover
            pass
        os.close(self._wake_r)
        os.close(self._wake_w)

    def _call(self, cmd) -> None:
        self._cmds.put(cmd)
        try:
            os.write(self._wake_w, b"x")
        except OSError:  # pragma: no cover - pipe full (thread stuck) or closed
            pass

    # -- the thread -------------------------------------------------------
    def _run(self) -> None:
        from Xlib.error import ConnectionClosedError

        d = self.disp
        fd = d.fileno()
        try:
            while not self._stop:
                timeout = None
                now = time.monotonic()
                deadlines = [s["deadline"] for s in self.owned.values() if s["mode"] == "offer"]
                if deadlines:
                    timeout = max(0.0, min(deadlines) - now)
                try:
                    if not d.pending_events() and not self._events:
                        ready, _, _ = select.select([fd, self._wake_r], [], [], timeout)
                        if self._wake_r in ready:
                            os.read(self._wake_r, 4096)
                    while self._events or d.pending_events():
                        ev = self._events.pop(0) if self._events else d.next_event()
                        self._handle(ev)
                    while True:
                        try:
                            cmd = self._cmds.get_nowait()
                        except queue.Empty:
                            break
                        self._command(cmd)
                    self._expire()
                except (ConnectionClosedError, OSError) as exc:
                    if not self._stop:
                        log.warning("clipboard: X connection lost (%s)", type(exc).__name__)
                    return
                except Exception as exc:  # pragma: no cover - keep serving
                    log.warning("clipboard: %s", type(exc).__name__)
            self._at_exit()
        except Exception as exc:  # pragma: no cover - connection gone while exiting
            log.debug("clipboard exit: %s", type(exc).__name__)
        finally:
            for state in self.owned.values():
                state["served"].set()  # nobody waits for a paste that cannot happen

    def _at_exit(self) -> None:
        """The user's contents we serve die with us: hand CLIPBOARD to a clipboard
        manager (ICCCM SAVE_TARGETS); otherwise say once that they cannot outlive us."""
        d = self.disp
        for sel in list(self.owned):
            self._give_back(sel)  # a paste in flight: serve the user's contents again
        kept = [sel for sel, st in self.owned.items() if st["mode"] == "saved" and st["data"]]
        if self.A_CLIPBOARD in kept and self._hand_over(self.A_CLIPBOARD):
            kept.remove(self.A_CLIPBOARD)
            log.info("clipboard: contents handed to the clipboard manager")
        if kept:
            names = ", ".join(sorted(self.name(sel) for sel in kept))
            log.info("clipboard: the %s contents expander restored cannot outlive it "
                     "(no clipboard manager took them)", names)
        for sel in list(self.owned):
            self._set_owner(sel, X.NONE)
        d.flush()

    def _hand_over(self, sel: int) -> bool:
        """SAVE_TARGETS to the CLIPBOARD_MANAGER owner; True once it confirmed."""
        d = self.disp
        if _wid(d.get_selection_owner(self.A_MANAGER)) == X.NONE:
            return False
        targets = list(self.owned[sel]["data"])
        self.win.change_property(self.A_SAVE_PROP, self.A_ATOM, 32, targets)
        self.win.convert_selection(self.A_MANAGER, self.A_SAVE_TARGETS, self.A_SAVE_PROP,
                                   X.CurrentTime)
        d.flush()
        # serve the manager's requests meanwhile (_wait handles every other event)
        ev = self._wait(lambda e: e.type == X.SelectionNotify and e.selection == self.A_MANAGER,
                        HANDOVER_TIMEOUT)
        if ev is None:
            log.info("clipboard: the clipboard manager did not answer in time")
            return False
        return ev.property != X.NONE

    def _command(self, cmd) -> None:
        kind = cmd[0]
        if kind == "stop":
            self._stop = True
        elif kind == "offer":
            _, text, selname, done, reply, target_client = cmd
            try:
                self._offer(text, self.atom(selname), done, target_client)
                reply.put(True)
            except Exception as exc:  # pragma: no cover
                log.warning("clipboard offer failed: %s", type(exc).__name__)  # no traceback: it may hold text
                reply.put(False)
        elif kind == "text":
            _, selname, reply, timeout = cmd
            reply.put(self._text(self.atom(selname), timeout))

    def _text_data(self, text: str) -> dict:
        raw = text.encode("utf-8")
        data = {self.atom(t): (self.atom("UTF8_STRING"), 8, raw) for t in
                ("UTF8_STRING", "text/plain;charset=utf-8", "TEXT")}
        latin = text.encode("latin-1", "replace")
        data[Xatom.STRING] = (Xatom.STRING, 8, latin)
        data[self.atom("text/plain")] = (Xatom.STRING, 8, latin)
        return data

    def _offer(self, text: str, sel: int, done: threading.Event, target_client=None) -> None:
        d = self.disp
        state = self.owned.get(sel)
        if state is not None:
            saved = state["saved"] if state["mode"] == "offer" else state["data"]
            if state["mode"] == "offer":
                state["served"].set()
        else:
            saved = self._fetch_all(sel)
        self._set_owner(sel, self.win.id)
        d.sync()
        if _wid(d.get_selection_owner(sel)) != self.win.id:
            raise RuntimeError("selection not owned")
        self.owned[sel] = {
            "mode": "offer",
            "data": self._text_data(text),
            "saved": saved,
            "served": done,
            "client": target_client,
            "deadline": time.monotonic() + self.timeout,
        }

    def client_of(self, window_id: int) -> int:
        """The X client (resource-id base) that created a window."""
        return window_id & ~self.disp.display.info.resource_id_mask

    def _set_owner(self, sel: int, window: int) -> None:
        from Xlib.protocol import request

        request.SetSelectionOwner(display=self.disp.display, window=window, selection=sel,
                                  time=X.CurrentTime)

    def _give_back(self, sel: int) -> None:
        state = self.owned.get(sel)
        if state is None or state["mode"] != "offer":
            return
        saved = state["saved"]
        if saved is None:  # nobody owned it before: own nothing again
            del self.owned[sel]
            self._set_owner(sel, X.NONE)
            self.disp.flush()
        else:
            state["mode"] = "saved"
            state["data"] = saved
            state["saved"] = None
        state["served"].set()

    def _expire(self) -> None:
        now = time.monotonic()
        for sel, state in list(self.owned.items()):
            if state["mode"] == "offer" and now >= state["deadline"]:
                log.debug("clipboard: paste not fetched in time, restoring")
                self._give_back(sel)

    # -- serving ----------------------------------------------------------
    def _handle(self, ev) -> None:
        t = ev.type
        if t == X.SelectionRequest:
            self._serve(ev)
        elif t == X.SelectionClear:
            state = self.owned.pop(ev.atom, None)
            if state is not None and state["mode"] == "offer":
                state["served"].set()
        elif t == X.PropertyNotify and ev.state == X.PropertyDelete:
            key = (ev.window.id, ev.atom)
            if key in self.incr_out:
                self._incr_step(ev.window, key)

    def _put(self, requestor, target: int, prop: int, data: dict) -> bool:
        """Store ``data[target]`` in ``prop`` of ``requestor`` (INCR when large)."""
        if target == self.A_TARGETS:
            targets = [self.A_TARGETS, self.A_MULTIPLE] + [
                a for a in data if a not in (self.A_TARGETS, self.A_MULTIPLE)]
            requestor.change_property(prop, self.A_ATOM, 32, targets)
            return True
        if target not in data:
            return False
        typ, fmt, value = data[target]
        if fmt == 8 and len(value) > self.max_bytes:
            requestor.change_attributes(event_mask=X.PropertyChangeMask)
            requestor.change_property(prop, self.A_INCR, 32, [len(value)])
            self.incr_out[(requestor.id, prop)] = [typ, fmt, value, 0]
        else:
            requestor.change_property(prop, typ, fmt, value)
        return True

    def _serve(self, ev) -> None:
        d = self.disp
        state = self.owned.get(ev.selection)
        prop = ev.property if ev.property != X.NONE else ev.target
        ok = False
        is_text = False
        if state is not None:
            data = state["data"]
            try:
                if ev.target == self.A_MULTIPLE:
                    # ICCCM: the property holds (target, property) pairs; failed ones
                    # get property None (what clipboard managers use to save everything)
                    if ev.property != X.NONE:
                        got = ev.requestor.get_full_property(prop, X.AnyPropertyType)
                        pairs = list(got.value) if got is not None and got.format == 32 else []
                        out = []
                        for i in range(0, len(pairs) - 1, 2):
                            target, tprop = pairs[i], pairs[i + 1]
                            if target != self.A_MULTIPLE and self._put(ev.requestor, target, tprop, data):
                                out += [target, tprop]
                                is_text = is_text or target in self.text_atoms
                            else:
                                out += [target, X.NONE]
                        ev.requestor.change_property(prop, self.A_ATOM_PAIR, 32, out)
                        ok = True
                else:
                    ok = self._put(ev.requestor, ev.target, prop, data)
                    is_text = ok and ev.target in self.text_atoms
            except Exception:  # pragma: no cover - requestor vanished
                ok = False
        from Xlib.protocol import event as xevent

        notify = xevent.SelectionNotify(
            time=ev.time, requestor=ev.requestor.id, selection=ev.selection,
            target=ev.target, property=prop if ok else X.NONE,
        )
        try:
            ev.requestor.send_event(notify)
            d.flush()
        except Exception:  # pragma: no cover
            pass
        if ok and is_text and state is not None and state["mode"] == "offer" and (
            state["client"] is None or self.client_of(ev.requestor.id) == state["client"]
        ):
            self._give_back(ev.selection)

    def _incr_step(self, window, key) -> None:
        typ, fmt, value, off = self.incr_out[key]
        chunk = value[off : off + _CHUNK]
        try:
            window.change_property(key[1], typ, fmt, chunk)
            self.disp.flush()
        except Exception:  # pragma: no cover
            self.incr_out.pop(key, None)
            return
        if not chunk:
            del self.incr_out[key]
        else:
            self.incr_out[key][3] = off + len(chunk)

    # -- fetching ---------------------------------------------------------
    def _wait(self, pred, timeout: float):
        """Pump events until pred(ev) holds; other events are handled normally."""
        d = self.disp
        deadline = time.monotonic() + timeout
        while True:
            while d.pending_events():
                ev = d.next_event()
                if pred(ev):
                    return ev
                self._handle(ev)
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            select.select([d.fileno()], [], [], left)

    def _convert(self, sel: int, target: int, timeout: float = TARGET_TIMEOUT,
                 deadline: float | None = None):
        """The owner's value of ``target``; every wait is capped by ``deadline``."""
        d = self.disp
        if deadline is not None:
            timeout = min(timeout, deadline - time.monotonic())
            if timeout <= 0:
                return None
        self.win.delete_property(self.A_PROP)
        self.win.convert_selection(sel, target, self.A_PROP, X.CurrentTime)
        d.flush()
        ev = self._wait(lambda e: e.type == X.SelectionNotify and e.selection == sel, timeout)
        if ev is None or ev.property == X.NONE:
            return None
        prop = self.win.get_full_property(self.A_PROP, X.AnyPropertyType, sizehint=1 << 20)
        if prop is None:
            return None
        if prop.property_type == self.A_INCR:
            chunks = []
            typ = None
            self.win.delete_property(self.A_PROP)
            d.flush()
            while True:
                left = timeout if deadline is None else min(timeout, deadline - time.monotonic())
                ev = self._wait(
                    lambda e: e.type == X.PropertyNotify and e.window.id == self.win.id
                    and e.atom == self.A_PROP and e.state == X.PropertyNewValue,
                    max(0.0, left),
                )
                if ev is None:
                    return None
                part = self.win.get_full_property(self.A_PROP, X.AnyPropertyType, sizehint=1 << 20)
                self.win.delete_property(self.A_PROP)
                d.flush()
                if part is None or not len(part.value):
                    break
                typ = part.property_type
                chunks.append(bytes(part.value))
            return (typ or Xatom.STRING, 8, b"".join(chunks))
        self.win.delete_property(self.A_PROP)
        value = prop.value
        if prop.format == 8:
            value = bytes(value)
        else:
            value = list(value)
        return (prop.property_type, prop.format, value)

    def _fetch_all(self, sel: int):
        """Every target of the current owner, or None when nobody owns ``sel``."""
        if _wid(self.disp.get_selection_owner(sel)) in (X.NONE, self.win.id):
            return None
        deadline = time.monotonic() + FETCH_BUDGET
        got = self._convert(sel, self.A_TARGETS, deadline=deadline)
        data = {}
        if got is None:
            targets = [self.atom("UTF8_STRING"), Xatom.STRING]
        else:
            targets = [a for a in got[2] if isinstance(a, int)]
        for target in targets:
            try:
                name = self.name(target)
            except Exception:  # pragma: no cover
                continue
            if name in _SKIP_TARGETS:
                continue
            if time.monotonic() >= deadline:
                log.warning("clipboard: previous owner too slow, %d targets not saved",
                            len(targets) - targets.index(target))
                break
            value = self._convert(sel, target, deadline=deadline)
            if value is not None:
                data[target] = value
        return data

    def _text(self, sel: int, timeout: float) -> str:
        state = self.owned.get(sel)
        if state is not None:
            data = state["saved"] if state["mode"] == "offer" else state["data"]
            return _decode_text(data or {}, self.atom)
        if _wid(self.disp.get_selection_owner(sel)) == X.NONE:
            return ""
        for name in ("UTF8_STRING", "STRING"):
            got = self._convert(sel, self.atom(name), timeout)
            if got is not None and got[1] == 8:
                return _decode_bytes(got[2], name)
        return ""


def _wid(window) -> int:
    return getattr(window, "id", window) or 0


def _decode_bytes(raw: bytes, name: str) -> str:
    if name == "STRING":
        return raw.decode("latin-1")
    return raw.decode("utf-8", "replace")


def _decode_text(data: dict, atom) -> str:
    for name in ("UTF8_STRING", "STRING"):
        hit = data.get(atom(name))
        if hit is not None and hit[1] == 8:
            return _decode_bytes(hit[2], name)
    return ""
