"""The X11 layer of live expansion (python-xlib only; no helper processes).

One small module per concern:

* :mod:`.display`   - opening connections, clear errors when X is unusable
* :mod:`.keysyms`   - keysym <-> character tables
* :mod:`.keymap`    - the current keyboard map, decoding key events to ``Key``
                      (shift, AltGr, Caps Lock, dead keys), spare keycodes
* :mod:`.record`    - a RECORD reader thread that drains the socket into a queue
* :mod:`.inject`    - XTEST batches, encoded once, written in one flush
* :mod:`.clipboard` - owning CLIPBOARD/PRIMARY to paste, giving the old contents back
* :mod:`.paste_keys`- which keys paste in which application
* :mod:`.backend`   - :class:`X11Backend`, the object :mod:`expander.live` drives
"""

from .display import X11Unavailable, open_display

__all__ = ["X11Unavailable", "open_display"]
