"""A Tk Text target for the end-to-end tests.

stdout: ``ready`` once it really has the keyboard focus, then ``T <json [text, caret]>``
whenever the text or caret changes (polled every 1 ms). stdin commands: ``clear``,
``focus``, ``quit``.
"""

import json
import sys
import tkinter as tk

root = tk.Tk()
root.title(sys.argv[1] if len(sys.argv) > 1 else "expander-target")
root.geometry("+%s+%s" % (sys.argv[2] if len(sys.argv) > 2 else "0", "0"))
text = tk.Text(root, width=60, height=12, undo=False)
text.pack()
state = {"last": None, "ready": False}


def emit(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def poll():
    n = text.count("1.0", "insert", "chars")
    cur = (text.get("1.0", "end-1c"), int(n[0]) if n else 0)
    if cur != state["last"]:
        state["last"] = cur
        emit("T " + json.dumps(cur))
    if not state["ready"]:
        if root.focus_get() is text:
            state["ready"] = True
            emit("ready")
        else:
            root.focus_force()
            text.focus_set()
    root.after(1, poll)


def on_stdin(*_):
    line = sys.stdin.readline()
    if not line:
        root.destroy()
        return
    cmd = line.strip()
    if cmd == "clear":
        text.delete("1.0", "end")
        emit("cleared")
    elif cmd == "focus":
        state["ready"] = False
        root.focus_force()
        text.focus_set()
    elif cmd.startswith("setclip "):
        root.clipboard_clear()
        root.clipboard_append(json.loads(cmd[8:]))
        emit("cleared")
    elif cmd == "quit":
        root.destroy()


root.tk.createfilehandler(sys.stdin, tk.READABLE, on_stdin)
root.after(1, poll)
text.focus_set()
root.mainloop()
