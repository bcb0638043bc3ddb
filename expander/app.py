"""The running app: snippets, state and controls around the live expander.

:class:`App` owns what ``expander run`` keeps alive: the configuration, the
snippet sets (each file's last good version), the shared sources, the persisted
state (enabled, pause, sets switched off), the file watcher and the toggle
hotkey. It implements :class:`tray.interface.AppControl`, which is all the tray
and the control socket see. Live typing itself is :mod:`expander.live`.

Privacy: nothing here sees typed text; logs name files, sets and counts.
"""

from __future__ import annotations

import collections
import logging
import shutil
import threading
import time
from pathlib import Path
from typing import Callable, Optional

from expander import __version__
from expander.config import Config, load_config, source_manager, state_dir
from expander.statefile import StateStore
from snippets.library import Library
from snippets.lint import lint
from snippets.loader import expand_paths, load_file
from snippets.model import Diagnostic
from tray.interface import SetInfo, Status

log = logging.getLogger("expander")

EXAMPLE_NAME = "example.toml"

CONFIG_TEMPLATE = """\
# expander configuration. Every key is optional; unknown keys are errors.
# Check this file and your snippets with:  expander check

# Snippet files, folders (their *.toml) or globs; default: the snippets folder here.
# snippets = ["~/snippets", "~/team/*.toml"]

# Sets switched off (the tray switches sets on and off without touching this file).
# disabled_sets = ["Esperanto"]

# toggle_hotkey = "<ctrl>+<alt>+e"
# paste_threshold = 200    # longer expansions are pasted through the clipboard
# undo = true              # BackSpace right after an expansion undoes it
# exclude_apps = ["KeePassXC"]   # window classes where nothing expands (e.g. password managers)

# [paste_keys]             # window class -> paste key, extends the built-in table
# "MyTerminal" = "ctrl+shift+v"

# [[source]]               # shared team snippets; see README, "For team leads"
# name = "support-team"
# path = "/mnt/share/support/*.toml"
"""


def example_file() -> Path:
    """The example snippet set shipped with expander."""
    here = Path(__file__).resolve().parent.parent / "snippets" / EXAMPLE_NAME
    if here.exists():
        return here
    import importlib.resources

    return Path(str(importlib.resources.files("snippets") / EXAMPLE_NAME))


def first_start(cfg: Config) -> Optional[str]:
    """With no config and no snippets yet, install the example set; returns what was done."""
    folder = cfg.snippets_folder
    if cfg.exists or cfg.snippets or (folder.exists() and any(folder.glob("*.toml"))):
        return None
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / EXAMPLE_NAME
    shutil.copyfile(example_file(), target)
    if not cfg.path.exists():
        cfg.path.write_text(CONFIG_TEMPLATE, encoding="utf-8")
    return f"first start: copied the example snippets to {target} (config: {cfg.path})"


class App:
    """Everything ``expander run`` keeps running, behind the AppControl interface."""

    def __init__(
        self,
        *,
        config_path: Optional[Path] = None,
        snippet_files: Optional[list] = None,
        state_store: Optional[StateStore] = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._lock = threading.RLock()  # guards state, sets, library, errors: held only briefly
        self._load_lock = threading.RLock()  # one (re)load at a time, so libraries reach live in order
        self._clock = clock
        self._config_path = config_path
        self._explicit_files = [Path(f) for f in snippet_files] if snippet_files else None
        self.state_store = state_store or StateStore(state_dir() / "state.json")
        self.state = self.state_store.load()
        self._subscribers: list = []
        self._good: dict = {}  # path -> last good SnippetSet of that file
        self.errors: list[Diagnostic] = []  # errors of the last load (files keep their last good version)
        self.notices: collections.deque = collections.deque(maxlen=50)
        self.sources = None
        self.live = None  # expander.live.LiveExpander once started
        self._pause_timer: Optional[threading.Timer] = None
        self._pause_generation = 0
        self.quit_event = threading.Event()
        self.cfg, cfg_diags = load_config(config_path)
        self._config_errors = cfg_diags
        self.library: Library = Library([])
        self._sets: list = []
        if self.state.paused_until is not None:  # a pause saved before a restart still ends on time
            self._arm_pause(self.state.paused_until - self._clock())

    @property
    def config_errors(self) -> list:
        """Errors of config.toml (the last good config stays in use)."""
        return list(self._config_errors)

    # -- loading -----------------------------------------------------------
    def personal_paths(self) -> list[Path]:
        if self._explicit_files is not None:
            return list(self._explicit_files)
        return self.cfg.snippet_paths()

    def watched_paths(self) -> list:
        """What the file watcher looks at: config.toml and the snippet files, folders and
        globs as configured (a glob, not what it matched, so new files are seen too)."""
        if self._explicit_files is not None:
            return list(self._explicit_files)
        entries = self.cfg.snippet_entries() or [str(self.cfg.snippets_folder)]
        return [str(self.cfg.path)] + entries

    def _make_sources(self):
        if self._explicit_files is not None or not self.cfg.sources:
            return None
        return source_manager(self.cfg, self._config_errors)

    def load(self, *, network: bool = True) -> Library:
        """(Re)load config, sources and snippet files; broken files keep their last good version."""
        with self._load_lock:
            if self._explicit_files is None:
                cfg, cfg_diags = load_config(self._config_path)
                if not any(d.is_error for d in cfg_diags):
                    self.cfg = cfg
                self._config_errors = list(cfg_diags)
            else:
                self._config_errors = []
            if self.sources is None:
                self.sources = self._make_sources()
            shared: list = []
            diags: list[Diagnostic] = list(self._config_errors)
            if self.sources is not None:
                from snippets.sources import load_source_sets

                for notice in self.sources.resolve(network=network).notices:
                    self._notice(str(notice))
                shared, sdiags = load_source_sets(self.sources.files())
                diags.extend(sdiags)
            personal = self._load_personal(len(shared), diags)
            from snippets.trust import enforce_trust

            shared, refusals = enforce_trust(shared, others=personal)
            diags.extend(refusals)
            sets = shared + personal
            library = Library(sets, disabled_sets=self._disabled())
            diags.extend(library.diagnostics)
            errors = [d for d in diags if d.is_error]
            for d in errors:
                log.warning("%s", d)
            with self._lock:
                self._sets, self.library, self.errors = sets, library, errors
            if self.live is not None:
                cfg = self.cfg
                self.live.update_options(
                    paste_threshold=cfg.paste_threshold, undo=cfg.undo, paste_keys=dict(cfg.paste_keys),
                    exclude_apps=tuple(cfg.exclude_apps),
                )
                self.live.replace_library(library)
        self._changed()
        return library

    def _load_personal(self, first_order: int, diags: list) -> list:
        """The personal sets in order; a file that fails keeps its last good version."""
        personal: list = []
        seen: set = set()
        for path in expand_paths(self.personal_paths()):
            key = str(path)
            sset, fdiags = load_file(path, order=first_order + len(personal))
            diags.extend(fdiags)
            if sset is None:
                sset = self._good.get(key)
                if sset is not None:
                    sset.order = first_order + len(personal)
                    log.warning("%s: keeping its last good version", key)
            else:
                self._good[key] = sset
            if sset is not None:
                personal.append(sset)
                seen.add(key)
        for gone in set(self._good) - seen:
            if not Path(gone).exists():
                del self._good[gone]
        return personal

    def poll_sources(self) -> None:
        """Refresh the shared sources that are due (blocking: call from a worker thread)."""
        if self.sources is None:
            return
        with self._load_lock:
            result = self.sources.poll()
        for notice in result.notices:
            self._notice(str(notice))
        if result.changed:
            self.load(network=False)

    def _disabled(self) -> set:
        return set(self.cfg.disabled_sets) | set(self.state.disabled_sets)

    def _notice(self, text: str) -> None:
        self.notices.append(text)
        log.warning("%s", text)

    # -- AppControl ----------------------------------------------------------
    def status(self) -> Status:
        with self._lock:
            disabled = self._disabled()
            sets = [
                SetInfo(s.name, len(s.snippets), s.name not in disabled, s.read_only) for s in self._sets
            ]
            return Status(
                enabled=self.state.enabled,
                paused_until=self.state.paused_until,
                error=str(self.errors[0]) if self.errors else None,
                sets=sets,
                snippet_count=self.library.snippet_count,
            )

    def active(self) -> bool:
        return self.state.enabled and self.state.paused_until is None

    def _apply_active(self) -> None:
        if self.live is not None:
            self.live.set_enabled(self.active())
        self._changed()

    def set_enabled(self, enabled: bool) -> None:
        with self._lock:
            self._cancel_pause()
            self.state = self.state_store.update(enabled=bool(enabled), paused_until=None)
        log.info("expansion %s", "enabled" if enabled else "disabled")
        self._apply_active()

    def toggle(self) -> None:
        self.set_enabled(not self.active())

    def pause(self, seconds: float) -> None:
        with self._lock:
            self.state = self.state_store.update(paused_until=self._clock() + float(seconds))
            self._arm_pause(float(seconds))
        log.info("paused for %d s", seconds)
        self._apply_active()

    def _arm_pause(self, seconds: float) -> None:
        with self._lock:
            self._cancel_pause()
            generation = self._pause_generation
            self._pause_timer = threading.Timer(max(0.0, seconds), self._end_pause, args=(generation,))
            self._pause_timer.daemon = True
            self._pause_timer.start()

    def _cancel_pause(self) -> None:
        with self._lock:
            self._pause_generation += 1  # a timer already firing sees it is stale
            if self._pause_timer is not None:
                self._pause_timer.cancel()
                self._pause_timer = None

    def _end_pause(self, generation: int) -> None:
        with self._lock:
            if generation != self._pause_generation:
                return
            self._pause_timer = None
            self.state = self.state_store.update(paused_until=None)
        log.info("pause over")
        self._apply_active()

    def set_set_enabled(self, name: str, enabled: bool) -> None:
        with self._load_lock:
            with self._lock:
                self.state = self.state_store.set_set_enabled(name, enabled)
                self.library = self.library.with_disabled(self._disabled())
                library = self.library
            if self.live is not None:
                self.live.replace_library(library)
        log.info("set %r %s", name, "on" if enabled else "off")
        self._changed()

    def reload(self) -> None:
        self.load()

    def check(self) -> tuple[bool, str]:
        with self._lock:
            errors, library = list(self.errors), self.library
        diags = errors + lint(library)  # lint reads word lists: not under the lock
        lines = [str(d) for d in sorted(diags, key=lambda d: (d.path, d.line, d.col))]
        n_errors = sum(d.is_error for d in diags)
        lines.append(f"{library.snippet_count} snippet(s): {n_errors} error(s), {len(diags) - n_errors} warning(s)")
        return n_errors == 0, "\n".join(lines)

    def snippets_folder(self) -> Path:
        if self._explicit_files:
            return self._explicit_files[0].resolve().parent
        return self.cfg.snippets_folder

    def config_path(self) -> Path:
        return self.cfg.path

    def version(self) -> str:
        return __version__

    def quit(self) -> None:
        self.quit_event.set()

    def subscribe(self, callback) -> None:
        self._subscribers.append(callback)

    def _changed(self) -> None:
        for cb in list(self._subscribers):
            try:
                cb()
            except Exception:  # a broken subscriber must not break the app
                log.exception("state subscriber failed")
