"""Runs inside xterm: raw tty, applies BackSpace, writes the text to a file on every change."""

import os
import sys
import tty

out = sys.argv[1]
fd = sys.stdin.fileno()
tty.setraw(fd)
buf = ""
pending = b""


def save():
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(buf)
    os.replace(tmp, out)


save()
while True:
    data = os.read(fd, 4096)
    if not data:
        break
    pending += data
    try:
        chunk = pending.decode("utf-8")
        pending = b""
    except UnicodeDecodeError:
        continue
    for ch in chunk:
        if ch in ("\x7f", "\x08"):
            buf = buf[:-1]
        elif ch == "\r":
            buf += "\n"
        elif ch == "\x04":
            sys.exit(0)
        else:
            buf += ch
    save()
