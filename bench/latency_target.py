"""Tk Text target for bench_latency.py.

stdin: ``expect <json>`` (report when the text equals it), ``clear``, ``quit``.
stdout: ``ready`` once focused; ``hit <monotonic>`` the moment the text equals the
expected string (checked on every modification, via <<Modified>>), ``cleared``.
"""

import json
import sys
import time
import tkinter as tk

root = tk.Tk()
root.title("expander-bench")
text = tk.Text(root, width=80, height=20, undo=False)
text.pack()
state = {"expect": None, "ready": False}


def emit(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def check(*_):
    text.edit_modified(False)
    want = state["expect"]
    if want is not None and len(text.get("1.0", "end-1c")) == len(want):
        if text.get("1.0", "end-1c") == want:
            state["expect"] = None
            emit(f"hit {time.monotonic():.6f}")


def poll_focus():
    if root.focus_get() is text:
        state["ready"] = True
        emit("ready")
        return
    root.focus_force()
    text.focus_set()
    root.after(5, poll_focus)


def on_stdin(*_):
    line = sys.stdin.readline()
    if not line:
        root.destroy()
        return
    cmd, _, arg = line.strip().partition(" ")
    if cmd == "expect":
        state["expect"] = json.loads(arg)
        check()
    elif cmd == "get":
        emit("text " + json.dumps(text.get("1.0", "end-1c")))
    elif cmd == "clear":
        text.delete("1.0", "end")
        emit("cleared")
    elif cmd == "quit":
        root.destroy()


text.bind("<<Modified>>", check)
root.tk.createfilehandler(sys.stdin, tk.READABLE, on_stdin)
root.after(1, poll_focus)
root.mainloop()
