"""The user's ``config.toml``: where snippets live and how expander behaves.

```toml
snippets = ["~/snippets", "~/team/*.toml"]   # files, folders (their *.toml) or globs
disabled_sets = ["Esperanto"]
toggle_hotkey = "<ctrl>+<alt>+e"
paste_threshold = 200        # longer expansions are pasted
undo = true                  # BackSpace right after an expansion undoes it
exclude_apps = ["KeePassXC"]   # window classes where nothing expands (password managers...)

[paste_keys]                 # window class -> paste key, extends the built-in table
"Alacritty" = "ctrl+shift+v"

[[source]]                   # shared team snippets (see README, "For team leads")
name = "support-team"
path = "/mnt/share/support/*.toml"
```
Unknown keys and wrong types are errors with ``file:line:col``, like snippet files.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import platformdirs

from snippets.loader import FileErrors, is_type, type_name, unknown_key, parse_toml, read_text
from snippets.model import Diagnostic
from snippets.tomlpos import Locator

APP = "expander"

KEYS = {
    "snippets": list,
    "disabled_sets": list,
    "toggle_hotkey": str,
    "paste_threshold": int,
    "undo": bool,
    "paste_keys": dict,
    "exclude_apps": list,
    "source": list,
}


def config_dir() -> Path:
    return Path(os.environ.get("EXPANDER_CONFIG_DIR") or platformdirs.user_config_dir(APP))


def state_dir() -> Path:
    return Path(os.environ.get("EXPANDER_STATE_DIR") or platformdirs.user_state_dir(APP))


def cache_dir() -> Path:
    return Path(os.environ.get("EXPANDER_CACHE_DIR") or platformdirs.user_cache_dir(APP))


def runtime_dir() -> Path:
    env = os.environ.get("EXPANDER_RUNTIME_DIR")
    if env:
        return Path(env)
    return Path(platformdirs.user_runtime_dir(APP))


def default_config_path() -> Path:
    return config_dir() / "config.toml"


@dataclass
class Config:
    path: Path
    exists: bool = False
    snippets: list = field(default_factory=list)  # as written (expanded ~), files/folders/globs
    disabled_sets: list = field(default_factory=list)
    toggle_hotkey: str = "<ctrl>+<alt>+e"
    paste_threshold: int = 200
    undo: bool = True
    paste_keys: dict = field(default_factory=dict)
    exclude_apps: list = field(default_factory=list)  # WM_CLASS names where nothing expands
    sources: list = field(default_factory=list)  # raw [[source]] tables
    locator: Optional[Locator] = None

    @property
    def snippets_folder(self) -> Path:
        return self.path.parent / "snippets"

    def snippet_entries(self) -> list[str]:
        """The configured files, folders and globs as absolute paths (globs not expanded)."""
        out = []
        for entry in self.snippets:
            raw = os.path.expanduser(entry)
            out.append(raw if os.path.isabs(raw) else str(self.path.parent / raw))
        return out

    def snippet_paths(self) -> list[Path]:
        """Files and folders to load, in order (globs expanded, sorted)."""
        if not self.snippets:  # the default folder; it may not exist yet
            return [self.snippets_folder] if self.snippets_folder.is_dir() else []
        out: list[Path] = []
        for raw in self.snippet_entries():
            if glob.has_magic(raw):
                out.extend(Path(p) for p in sorted(glob.glob(raw)))
            else:
                out.append(Path(raw))
        return out


def _paste_key_ok(spec) -> bool:
    if not isinstance(spec, str):
        return False
    try:
        from expander.x11.paste_keys import parse
    except ImportError:  # no X11 layer on this platform: nothing to check against
        return True
    try:
        parse(spec)
        return True
    except ValueError:
        return False


def load_config(path: Optional[Path] = None) -> tuple[Config, list[Diagnostic]]:
    """Read config.toml; a missing file gives the defaults, errors give diagnostics."""
    path = Path(path) if path else default_config_path()
    cfg = Config(path=path)
    if not path.exists():
        return cfg, []
    text, diags = read_text(path)
    if text is None:
        return cfg, diags
    data, diags = parse_toml(str(path), text)
    if data is None:
        return cfg, diags
    cfg.exists = True
    cfg.locator = Locator(text)
    errs = FileErrors(str(path), cfg.locator)
    for key, value in data.items():
        want = KEYS.get(key)
        if want is None:
            unknown_key(errs, (key,), KEYS)
            continue
        if not is_type(value, want):
            errs.at_value((key,), f"'{key}' must be {type_name(want)}")
            continue
        if key in ("snippets", "disabled_sets", "exclude_apps") and not all(isinstance(v, str) for v in value):
            errs.at_value((key,), f"'{key}' must be an array of strings")
            continue
        if key == "paste_threshold" and value < 0:
            errs.at_value((key,), "'paste_threshold' must be 0 or more")
            continue
        if key == "paste_keys":
            bad = [k for k, v in value.items() if not _paste_key_ok(v)]
            if bad:
                errs.at_value((key, bad[0]), f"paste key {value[bad[0]]!r} for '{bad[0]}' is not like "
                              "\"ctrl+shift+v\" or \"shift+insert primary\"")
                continue
        if key == "toggle_hotkey":
            from expander.hotkey import HotkeySpecError, parse_hotkey

            try:
                parse_hotkey(value)
            except HotkeySpecError as exc:
                errs.at_value((key,), str(exc))
                continue
        if key == "source":
            cfg.sources = value
            continue
        setattr(cfg, key, value)
    return cfg, errs.items


def source_manager(cfg, config_diags: list):
    """The configured shared sources (None when there are none); their errors join config_diags."""
    if not cfg.sources:
        return None
    from snippets.sources import SourceManager, parse_sources

    locate = cfg.locator.key if cfg.locator is not None else (lambda path: (1, 1))
    sources, diags = parse_sources(cfg.sources, cfg.path, locate)
    config_diags.extend(diags)
    return SourceManager(sources, cache_dir=cache_dir() / "sources")
