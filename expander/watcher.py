"""Watch snippet files and config.toml; call back within 1 s of a change.

Dependency-free polling: every ``interval`` (0.25 s) a daemon thread stats
the watched files (mtime_ns, ctime_ns, size, inode). A change is reported once
things have been quiet for ``debounce`` (0.2 s) — so an editor's
write-temp-then-rename or truncate-then-write gives one callback with the final
content — but never later than ``max_delay`` (0.5 s) after it was first seen.
Worst case from save to callback: interval + max_delay + one tick = 1.0 s,
typical ~0.5 s.

What can be watched (mix freely)::

    FileWatcher(["~/.config/expander/config.toml",     # a file (may not exist yet)
                 "~/.config/expander/snippets",        # a folder: files matching patterns, recursively
                 "/srv/team/*.toml"],                  # a glob
                callback=lambda changed: app.reload(changed))

``callback(changed: set[Path])`` gets the files that were created, modified,
replaced or deleted. It runs on the watcher thread; exceptions are logged and
watching goes on.
"""

from __future__ import annotations

import fnmatch
import glob
import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable, Iterable, Optional, Union

log = logging.getLogger("expander.watcher")

Sig = tuple  # (mtime_ns, ctime_ns, size, inode)
PathLike = Union[str, os.PathLike]

_GLOB_CHARS = set("*?[")


def _sig(path: str) -> Optional[Sig]:
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not os.path.isfile(path):
        return None
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)


class FileWatcher:
    def __init__(
        self,
        paths: Iterable[PathLike],
        callback: Callable[[set[Path]], None],
        *,
        patterns: Iterable[str] = ("*.toml",),
        interval: float = 0.25,
        debounce: float = 0.2,
        max_delay: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.callback = callback
        self.patterns = tuple(patterns)
        self.interval = interval
        self.debounce = debounce
        self.max_delay = max_delay
        self._clock = clock
        self._lock = threading.Lock()
        self._roots: list[str] = []
        self._snapshot: dict[str, Sig] = {}
        self._pending: set[str] = set()
        self._first_seen: Optional[float] = None
        self._last_seen: Optional[float] = None
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self.set_paths(paths)

    # -- configuration ---------------------------------------------------------------
    def set_paths(self, paths: Iterable[PathLike]) -> None:
        """Replace what is watched (e.g. after config.toml changed its folders).

        The new set is snapshotted now; files that only appear in the new set
        are not reported as changes.
        """
        roots = [os.path.abspath(os.path.expanduser(os.fspath(p))) for p in paths]
        with self._lock:
            self._roots = roots
            self._snapshot = self._scan()

    def _matches(self, name: str) -> bool:
        return any(fnmatch.fnmatch(name, p) for p in self.patterns)

    def _files(self) -> set[str]:
        files: set[str] = set()
        for root in self._roots:
            if _GLOB_CHARS & set(root):
                files.update(p for p in glob.glob(root, recursive=True) if os.path.isfile(p))
            elif os.path.isdir(root):
                for dirpath, dirnames, filenames in os.walk(root):
                    dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                    for fn in filenames:
                        if self._matches(fn):
                            files.add(os.path.join(dirpath, fn))
            else:
                files.add(root)  # a single file, watched even while missing
        return files

    def _scan(self) -> dict[str, Sig]:
        out = {}
        for f in self._files():
            s = _sig(f)
            if s is not None:
                out[f] = s
        return out

    # -- polling -----------------------------------------------------------------------
    def poll(self) -> set[Path]:
        """One polling step; returns (and calls back with) the changes that are due."""
        with self._lock:
            now = self._clock()
            new = self._scan()
            old = self._snapshot
            changed = {p for p in old.keys() | new.keys() if old.get(p) != new.get(p)}
            self._snapshot = new
            if changed:
                self._pending |= changed
                self._last_seen = now
                if self._first_seen is None:
                    self._first_seen = now
            if not self._pending:
                return set()
            quiet = now - self._last_seen >= self.debounce
            overdue = now - self._first_seen >= self.max_delay
            if not (quiet or overdue):
                return set()
            due = {Path(p) for p in self._pending}
            self._pending.clear()
            self._first_seen = self._last_seen = None
        try:
            self.callback(due)
        except Exception:
            log.exception("watcher callback failed")
        return due

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll()
            except Exception:
                log.exception("watcher poll failed")

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> "FileWatcher":
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="expander-watcher", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout=2)
        self._thread = None

    def __enter__(self) -> "FileWatcher":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
