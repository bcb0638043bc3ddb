"""X11Backend: the connections and objects the live loop drives, in one place.

Threads: the RECORD reader (drains events into :attr:`X11Backend.queue`), the
clipboard server, and the caller's worker thread, which alone uses
:attr:`disp` (keymap, decoder, injector, focus queries).
"""

from __future__ import annotations

import logging

from Xlib import X

from .clipboard import Clipboard
from .display import open_display
from .inject import Injector
from .keymap import Decoder, Keymap
from .paste_keys import PasteKeys, PasteTable
from .record import RecordReader

log = logging.getLogger("expander.x11")


class X11Backend:
    def __init__(self, display_name: str | None = None, *, paste_keys: dict | None = None,
                 clipboard_timeout: float = 2.0):
        self.display_name = display_name
        self.disp = open_display(display_name)  # raises X11Unavailable
        self.keymap = Keymap(self.disp)
        caps = bool(self.disp.screen().root.query_pointer().mask & X.LockMask)
        self.decoder = Decoder(self.keymap, caps=caps)
        self.injector = Injector(self.disp, self.keymap)
        self.reader = RecordReader(display_name)
        self.queue = self.reader.queue
        self.paste_table = PasteTable(paste_keys)
        self._clipboard: Clipboard | None = None
        self.clipboard_timeout = clipboard_timeout
        self._wm_class = self.disp.intern_atom("WM_CLASS")

    @property
    def clipboard(self) -> Clipboard:
        if self._clipboard is None:
            self._clipboard = Clipboard(self.display_name, timeout=self.clipboard_timeout)
        return self._clipboard

    def start(self) -> None:
        if self.keymap.marker is None:
            log.warning("no spare keycode: expander cannot tell its own keys apart")
        self.reader.start()

    def stop(self) -> None:
        self.reader.stop()
        try:
            self.keymap.restore()
        except Exception:  # pragma: no cover
            pass
        if self._clipboard is not None:
            self._clipboard.close()
        try:
            self.disp.close()
        except Exception:  # pragma: no cover
            pass

    def reload_keymap(self) -> bool:
        """After MappingNotify: re-read; True if our spare bindings were lost."""
        return self.keymap.reload()

    def focused_client(self) -> int | None:
        """The X client (resource-id base) owning the focused window, or None."""
        try:
            win = self.disp.get_input_focus().focus
            wid = getattr(win, "id", win)
            if not wid or wid in (1, self.disp.screen().root.id):  # None / PointerRoot / root
                return None
            return wid & ~self.disp.display.info.resource_id_mask
        except Exception:  # pragma: no cover
            return None

    def focused_classes(self) -> list[str]:
        """WM_CLASS (instance and class) of the focused window or its ancestors."""
        try:
            win = self.disp.get_input_focus().focus
            root = self.disp.screen().root
            for _ in range(8):
                if not hasattr(win, "id") or win.id == root.id or win.id in (0, 1):
                    break
                prop = win.get_full_property(self._wm_class, X.AnyPropertyType)
                if prop is not None and prop.value:
                    raw = bytes(prop.value) if not isinstance(prop.value, str) else prop.value.encode()
                    return [p.decode("latin-1") for p in raw.split(b"\0") if p]
                win = win.query_tree().parent
        except Exception:  # pragma: no cover - window vanished
            pass
        return []

    def paste_keys(self) -> PasteKeys:
        return self.paste_table.for_classes(self.focused_classes())
