"""Shared snippet sources: folders, globs, files, git checkouts and URLs.

A team lead publishes snippet files in one place; every agent's config names
that place as a ``[[source]]``::

    [[source]]
    name = "support-team"
    path = "/mnt/share/support/*.toml"   # folder, glob or file (file share)

    [[source]]
    name = "support-git"
    path = "~/team-snippets"             # a git checkout ...
    git = true                           # ... updated with `git pull --ff-only`
    refresh = "1h"

    [[source]]
    name = "support-web"
    url = "https://intranet.example/snippets/support.toml"
    refresh = "15m"
    sha256 = "..."                       # optional pin
    trusted = false                      # true allows {shell:...} and other actions

:class:`SourceManager` turns the configured sources into local files:

* URL sources are fetched with conditional requests (``If-None-Match`` /
  ``If-Modified-Since``) and cached under
  ``platformdirs.user_cache_dir("expander")/sources/<name>/``. A download that
  fails, times out, does not validate (TOML / snippet load errors) or does not
  match the ``sha256`` pin never replaces the last good copy.
* Path sources (a file share, a git checkout) are mirrored into the same cache
  folder after every good read, so an unmounted share or a file the lead is
  half-way through editing falls back to the last good copy too.
* Git sources run the real ``git pull --ff-only`` on refresh (with a timeout and
  no prompts); a failing pull keeps the files as they are.

Every fallback is reported once, as a :class:`Notice`, when it starts (and once
more when the source recovers), never on each refresh. The manager does blocking
I/O (HTTP, git); a GUI should call :meth:`SourceManager.poll` from a worker thread.
"""

from __future__ import annotations

import glob as globmod
import hashlib
import json
import os
import re
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

from expander.atomicfile import write_atomic
from snippets.model import Diagnostic

__all__ = [
    "Source",
    "SourceFile",
    "SourceStatus",
    "Notice",
    "RefreshResult",
    "SourceManager",
    "parse_sources",
    "parse_duration",
    "format_duration",
    "default_cache_dir",
    "validate_snippet_file",
    "load_source_sets",
    "load_all",
    "ALLOWED_KEYS",
]

ALLOWED_KEYS = ("name", "path", "url", "refresh", "timeout", "sha256", "trusted", "git")

#: Refresh interval when a URL or git source gives none.
DEFAULT_REFRESH = 3600.0
#: Network / git timeouts (seconds).
DEFAULT_TIMEOUT = 10.0
DEFAULT_GIT_TIMEOUT = 60.0
#: Largest download accepted for one URL source.
MAX_DOWNLOAD = 16 * 1024 * 1024

_DURATION_RE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhd])\s*\Z")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._ -]*\Z")
_SHA_RE = re.compile(r"[0-9a-fA-F]{64}\Z")
_GLOB_CHARS = re.compile(r"[*?\[]")

META_FILE = "meta.json"
MIRROR_DIR = "files"


# --------------------------------------------------------------------------- config


@dataclass(frozen=True)
class Source:
    """One ``[[source]]`` table of the user's config."""

    name: str
    path: Optional[str] = None  # absolute, ~ and $VARS expanded
    url: Optional[str] = None
    refresh: Optional[float] = None  # seconds; None = default for the kind
    timeout: Optional[float] = None  # seconds for one download or git pull; None = the manager's
    sha256: Optional[str] = None  # lower-case hex
    trusted: bool = False
    git: bool = False
    config_path: str = ""
    line: int = 0
    col: int = 0

    @property
    def kind(self) -> str:
        if self.url:
            return "url"
        return "git" if self.git else "path"

    @property
    def origin(self) -> str:
        return self.url or self.path or ""

    @property
    def refresh_seconds(self) -> float:
        if self.refresh is not None:
            return self.refresh
        # A local folder is cheap to look at: every poll checks it.
        return 0.0 if self.kind == "path" else DEFAULT_REFRESH


def parse_duration(text) -> float:
    """``"15m"`` -> 900.0. Units: s, m, h, d. Raises ValueError."""
    if isinstance(text, bool):
        raise ValueError("expected a duration such as \"15m\"")
    if isinstance(text, (int, float)):
        if text <= 0:
            raise ValueError("a duration must be more than 0")
        return float(text)
    if not isinstance(text, str):
        raise ValueError("expected a duration such as \"15m\"")
    m = _DURATION_RE.match(text)
    if not m:
        raise ValueError(f"bad duration {text!r}: use a number and s, m, h or d, e.g. \"15m\"")
    seconds = float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
    if seconds <= 0:
        raise ValueError(f"bad duration {text!r}: must be more than 0")
    return seconds


def format_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    if seconds >= 3600:
        return f"{seconds // 3600}h{(seconds % 3600) // 60}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60}s"
    return f"{seconds}s"


def _safe_locate(locate, key_path) -> tuple[int, int]:
    if locate is None:
        return (1, 1)
    try:
        line, col = locate(key_path)
        return int(line), int(col)
    except Exception:  # a locator that does not know the key must not break parsing
        return (1, 1)


def parse_sources(
    raw: list, path, locate: Optional[Callable] = None
) -> tuple[list[Source], list[Diagnostic]]:
    """Validate the ``[[source]]`` array of tables of a config file.

    ``raw`` is the parsed list of dicts; ``path`` the config file (relative
    ``path =`` values are relative to its folder); ``locate(key_path)`` returns
    ``(line, col)`` for ``("source", index)`` or ``("source", index, key)``.
    Returns the valid sources and a diagnostic for every problem; a source with
    an error is left out.
    """
    path = str(path)
    base = Path(path).parent if path else Path.cwd()
    sources: list[Source] = []
    diags: list[Diagnostic] = []
    seen: dict[str, int] = {}

    def err(key_path, message):
        line, col = _safe_locate(locate, key_path)
        diags.append(Diagnostic(path, line, col, "error", message))

    if not isinstance(raw, list):
        err(("source",), "'source' must be an array of tables: write [[source]]")
        return [], diags
    for i, entry in enumerate(raw):
        where = ("source", i)
        if not isinstance(entry, dict):
            err(where, "each [[source]] must be a table")
            continue
        before = len(diags)
        for key in entry:
            if key not in ALLOWED_KEYS:
                hint = _did_you_mean(key, ALLOWED_KEYS)
                err(where + (key,), f"unknown key '{key}' in [[source]]{hint}"
                    f" (allowed: {', '.join(ALLOWED_KEYS)})")
        name = entry.get("name")
        if name is None:
            err(where, "[[source]] needs a name = \"...\"")
        elif not isinstance(name, str) or not _NAME_RE.match(name):
            err(where + ("name",), "source name must be a non-empty string of letters, digits,"
                " '.', '_', '-' or spaces, starting with a letter or digit")
            name = None
        elif name in seen:
            err(where + ("name",), f"duplicate source name '{name}' (first used by source #{seen[name] + 1})")
        else:
            seen[name] = i
        p, u = entry.get("path"), entry.get("url")
        if p is None and u is None:
            err(where, "[[source]] needs either path = \"...\" or url = \"...\"")
        if p is not None and u is not None:
            err(where + ("url",), "[[source]] has both path and url: use one per source")
        abspath = None
        if p is not None:
            if not isinstance(p, str) or not p.strip():
                err(where + ("path",), "path must be a non-empty string")
            else:
                expanded = os.path.expandvars(os.path.expanduser(p))
                abspath = str(base / expanded) if not os.path.isabs(expanded) else expanded
        if u is not None:
            if not isinstance(u, str):
                err(where + ("url",), "url must be a string")
            else:
                parsed = urllib.parse.urlparse(u)
                if parsed.scheme not in ("http", "https") or not parsed.netloc:
                    err(where + ("url",), f"url must start with http:// or https:// (got {u!r})")
        refresh = None
        if "refresh" in entry:
            try:
                refresh = parse_duration(entry["refresh"])
            except ValueError as e:
                err(where + ("refresh",), str(e))
        timeout = None
        if "timeout" in entry:
            try:
                timeout = parse_duration(entry["timeout"])
                if timeout <= 0:
                    raise ValueError("timeout must be more than 0s")
            except ValueError as e:
                err(where + ("timeout",), str(e))
        sha = entry.get("sha256")
        if sha is not None:
            if not isinstance(sha, str) or not _SHA_RE.match(sha.strip()):
                err(where + ("sha256",), "sha256 must be 64 hexadecimal digits")
                sha = None
            else:
                sha = sha.strip().lower()
                if u is None:
                    err(where + ("sha256",), "sha256 pins the download of a url source; a path source has none")
        for flag in ("trusted", "git"):
            if flag in entry and not isinstance(entry[flag], bool):
                err(where + (flag,), f"{flag} must be true or false")
        git = entry.get("git") is True
        if git and p is None:
            err(where + ("git",), "git = true needs path = the folder of a git checkout")
        if len(diags) != before:
            continue
        line, col = _safe_locate(locate, where)
        sources.append(Source(
            name=name, path=abspath, url=u, refresh=refresh, timeout=timeout, sha256=sha,
            trusted=entry.get("trusted") is True, git=git,
            config_path=path, line=line, col=col,
        ))
    return sources, diags


def _did_you_mean(key: str, choices: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


# --------------------------------------------------------------------------- status


@dataclass(frozen=True)
class SourceFile:
    """A local snippet file that comes from a source."""

    path: str
    source: str
    trusted: bool
    cached: bool = False  # True when this is the last good copy, not the live file


@dataclass(frozen=True)
class Notice:
    """Something the agent should be told once (tray notification, log line)."""

    source: str
    message: str
    level: str = "warning"  # "warning" | "info"

    def __str__(self) -> str:
        return f"source '{self.source}': {self.message}"


@dataclass
class SourceStatus:
    """What ``expander sources`` shows for one source."""

    name: str
    kind: str  # "path" | "git" | "url"
    origin: str
    trusted: bool
    files: list = field(default_factory=list)  # list[SourceFile]
    state: str = "unknown"  # "live" | "cached" | "unavailable" | "unknown"
    last_refresh: Optional[float] = None  # epoch seconds of the last successful check
    last_attempt: Optional[float] = None
    errors: list = field(default_factory=list)  # list[str], of the last refresh
    snippet_count: Optional[int] = None
    refresh: float = 0.0

    @property
    def cached(self) -> bool:
        return self.state == "cached"

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "origin": self.origin,
            "trusted": self.trusted,
            "state": self.state,
            "files": [f.path for f in self.files],
            "last_refresh": _iso(self.last_refresh),
            "last_attempt": _iso(self.last_attempt),
            "refresh": format_duration(self.refresh) if self.refresh else None,
            "snippets": self.snippet_count,
            "errors": list(self.errors),
        }


def _iso(ts: Optional[float]) -> Optional[str]:
    if ts is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(ts))


@dataclass
class RefreshResult:
    changed: bool = False  # the list of files or their content changed: reload the library
    notices: list = field(default_factory=list)  # list[Notice], each said once


# --------------------------------------------------------------------------- validation


def validate_snippet_file(path: str) -> list[str]:
    """Errors that make a downloaded / shared file unusable (empty list = good).

    Uses the real loader (``snippets.loader.load_file``) so that a file which
    would not load is never taken over a good cached copy.
    """
    try:
        from snippets.loader import load_file  # the engine's loader
    except ImportError:  # pragma: no cover - only before the loader exists
        load_file = None
    if load_file is None:  # pragma: no cover
        import tomllib

        try:
            with open(path, "rb") as fh:
                tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            return [f"{path}: {e}"]
        return []
    try:
        _set, diags = load_file(path)
    except OSError as e:
        return [f"{path}: {e}"]
    errors = [str(d) for d in diags if getattr(d, "severity", "error") == "error"]
    if _set is None and not errors:
        errors.append(f"{path}: could not be loaded")
    return errors


def count_snippets(paths: Iterable[str]) -> int:
    try:
        from snippets.loader import load_file
    except ImportError:  # pragma: no cover
        return 0
    n = 0
    for p in paths:
        try:
            s, _d = load_file(p)
        except OSError:
            continue
        if s is not None:
            n += len(s.snippets)
    return n


def default_cache_dir() -> Path:
    """``$EXPANDER_CACHE_DIR/sources`` or ``platformdirs.user_cache_dir("expander")/sources``."""
    env = os.environ.get("EXPANDER_CACHE_DIR")
    if env:
        return Path(env) / "sources"
    import platformdirs

    return Path(platformdirs.user_cache_dir("expander")) / "sources"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- manager


@dataclass
class _State:
    status: SourceStatus
    last_check: Optional[float] = None  # when the network / git was last asked
    fingerprint: tuple = ()  # of the resolved files, to see changes
    problem: Optional[str] = None  # the fallback currently told to the agent


class SourceManager:
    """Resolves sources to local files, refreshes them, and remembers their status.

    ``cache_dir`` defaults to ``platformdirs.user_cache_dir("expander")/sources``;
    ``clock`` returns epoch seconds (tests inject one); ``validate(path) -> [errors]``
    decides whether a new copy may replace the last good one.
    """

    def __init__(
        self,
        sources: Iterable[Source],
        *,
        cache_dir=None,
        timeout: float = DEFAULT_TIMEOUT,
        git_timeout: float = DEFAULT_GIT_TIMEOUT,
        clock: Callable[[], float] = time.time,
        validate: Callable[[str], list] = validate_snippet_file,
        user_agent: str = "expander",
    ):
        self.sources = list(sources)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.timeout = timeout
        self.git_timeout = git_timeout
        self.clock = clock
        self.validate = validate
        self.user_agent = user_agent
        self._states: dict[str, _State] = {
            s.name: _State(SourceStatus(s.name, s.kind, s.origin, s.trusted, refresh=s.refresh_seconds))
            for s in self.sources
        }
        self._resolved = False
        self._validated: dict[str, tuple] = {}

    # ---- public API

    def resolve(self, *, network: bool = True) -> RefreshResult:
        """First look at every source (at start-up).

        A URL source whose cached copy is younger than its refresh interval is
        used without asking the server; otherwise the server is asked (unless
        ``network`` is False) and the cache is the fallback.
        """
        result = RefreshResult()
        now = self.clock()
        for src in self.sources:
            st = self._states[src.name]
            fetch = network
            if src.kind == "url":
                meta = self._read_meta(src)
                fetched = meta.get("checked_at") if meta else None
                if fetched is not None and now - fetched < src.refresh_seconds:
                    fetch = False
                    st.last_check = fetched
            elif src.kind == "git":
                # git itself remembers the last fetch: pull now only if that is too long ago
                last = _last_git_fetch(src.path)
                if last is not None and now - last < src.refresh_seconds:
                    fetch = False
                    st.last_check = last
            self._refresh_one(src, fetch=fetch, result=result)
        self._resolved = True
        result.changed = True
        return result

    def refresh(self, names: Optional[Iterable[str]] = None, *, force: bool = True) -> RefreshResult:
        """Refresh the named sources (all by default) now, or only the due ones with ``force=False``."""
        if not self._resolved:
            r = self.resolve()
            if names is None and not force:
                return r
        wanted = set(names) if names is not None else None
        due = {s.name for s in self.refresh_due()} if not force else None
        result = RefreshResult()
        for src in self.sources:
            if wanted is not None and src.name not in wanted:
                continue
            if due is not None and src.name not in due:
                continue
            self._refresh_one(src, fetch=True, result=result)
        return result

    def poll(self) -> RefreshResult:
        """For the running app: refresh what is due; reload the library if ``changed``."""
        return self.refresh(force=False)

    def refresh_due(self, now: Optional[float] = None) -> list[Source]:
        """Sources whose refresh interval has passed (path sources: always, it is a cheap stat)."""
        now = self.clock() if now is None else now
        due = []
        for src in self.sources:
            st = self._states[src.name]
            if st.last_check is None or now - st.last_check >= src.refresh_seconds:
                due.append(src)
        return due

    def next_due_in(self, now: Optional[float] = None) -> float:
        """Seconds until the next source is due (0 when one is due now)."""
        now = self.clock() if now is None else now
        waits = []
        for src in self.sources:
            st = self._states[src.name]
            if st.last_check is None:
                return 0.0
            waits.append(max(0.0, st.last_check + src.refresh_seconds - now))
        return min(waits) if waits else float("inf")

    def files(self) -> list[SourceFile]:
        """Every local snippet file of every source, in source order."""
        if not self._resolved:
            self.resolve()
        out: list[SourceFile] = []
        for src in self.sources:
            out.extend(self._states[src.name].status.files)
        return out

    def read_only_sets(self) -> dict[str, str]:
        """``{file path: source name}`` for the loader: these sets are read-only."""
        return {f.path: f.source for f in self.files()}

    def trusted_sources(self) -> set[str]:
        return {s.name for s in self.sources if s.trusted}

    def status(self, *, count: bool = True) -> list[SourceStatus]:
        if not self._resolved:
            self.resolve()
        out = []
        for src in self.sources:
            st = self._states[src.name].status
            if count:
                st.snippet_count = count_snippets(f.path for f in st.files)
            out.append(st)
        return out

    # ---- one source

    def _refresh_one(self, src: Source, *, fetch: bool, result: RefreshResult) -> None:
        st = self._states[src.name]
        now = self.clock()
        st.status.last_attempt = now
        if fetch or st.last_check is None:
            st.last_check = now
        try:
            if src.kind == "url":
                files, state, errors = self._refresh_url(src, fetch=fetch)
            else:
                files, state, errors = self._refresh_path(src, pull=fetch and src.kind == "git")
        except Exception as e:  # never let one source break the others
            files, state, errors = list(st.status.files), "unavailable", [f"internal error: {e!r}"]
        st.status.files = files
        st.status.state = state
        st.status.errors = errors
        if src.kind == "url":
            st.status.last_refresh = self._read_meta(src).get("checked_at")
        elif state == "live" and not errors:
            st.status.last_refresh = now
        fingerprint = tuple((f.path, f.cached, *_stat_sig(f.path)) for f in files)
        if fingerprint != st.fingerprint:
            st.fingerprint = fingerprint
            result.changed = True
        problem = "; ".join(errors) if errors else None
        if problem and problem != st.problem:
            fallback = {
                "cached": "using the last good copy",
                "unavailable": "no copy available, its snippets are missing",
                "live": "some files were skipped",
            }.get(state, "")
            result.notices.append(Notice(src.name, f"{problem} ({fallback})" if fallback else problem))
        elif not problem and st.problem:
            result.notices.append(Notice(src.name, "is available again", level="info"))
        st.problem = problem

    # ---- URL

    def _dir(self, src: Source) -> Path:
        return self.cache_dir / _dirname(src.name)

    def _read_meta(self, src: Source) -> dict:
        try:
            meta = json.loads((self._dir(src) / META_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(meta, dict) or meta.get("url") != src.url:
            return {}  # the config now names another URL: the old copy is not this source
        return meta

    def _cached_url_file(self, src: Source, meta: dict) -> Optional[Path]:
        fname = meta.get("file")
        if not fname:
            return None
        p = self._dir(src) / fname
        if not p.is_file():
            return None
        if meta.get("sha256") and _sha256(p.read_bytes()) != meta["sha256"]:
            return None  # the cached copy was damaged
        if src.sha256 and meta.get("sha256") != src.sha256:
            return None  # the pin changed: this copy is not the pinned one
        return p

    def _refresh_url(self, src: Source, *, fetch: bool):
        meta = self._read_meta(src)
        cached = self._cached_url_file(src, meta)
        if not fetch:
            if cached is not None:
                return [SourceFile(str(cached), src.name, src.trusted, cached=True)], "cached", []
            return [], "unavailable", ["not downloaded yet"]
        headers = {"User-Agent": self.user_agent, "Accept": "application/toml, text/plain, */*"}
        if cached is not None:
            if meta.get("etag"):
                headers["If-None-Match"] = meta["etag"]
            if meta.get("last_modified"):
                headers["If-Modified-Since"] = meta["last_modified"]
        error: Optional[str] = None
        try:
            req = urllib.request.Request(src.url, headers=headers)
            with urllib.request.urlopen(req, timeout=src.timeout or self.timeout) as resp:
                status = resp.status
                body = resp.read(MAX_DOWNLOAD + 1)
                etag = resp.headers.get("ETag")
                last_modified = resp.headers.get("Last-Modified")
        except urllib.error.HTTPError as e:
            if e.code == 304 and cached is not None:
                meta["checked_at"] = self.clock()
                self._write_meta(src, meta)
                return [SourceFile(str(cached), src.name, src.trusted)], "live", []
            error = f"HTTP {e.code} {e.reason} from {src.url}"
        except (urllib.error.URLError, OSError, ValueError) as e:
            reason = getattr(e, "reason", e)
            if isinstance(reason, (TimeoutError,)) or "timed out" in str(reason):
                error = f"no answer from {src.url} within {src.timeout or self.timeout:g}s"
            else:
                error = f"cannot reach {src.url}: {reason}"
        else:
            if status != 200:
                error = f"unexpected HTTP {status} from {src.url}"
            elif len(body) > MAX_DOWNLOAD:
                error = f"download larger than {MAX_DOWNLOAD} bytes"
            else:
                error = self._accept_download(src, meta, body, etag, last_modified)
                if error is None:
                    meta = self._read_meta(src)
                    fresh = self._cached_url_file(src, meta)
                    return [SourceFile(str(fresh), src.name, src.trusted)], "live", []
        if cached is not None:
            return [SourceFile(str(cached), src.name, src.trusted, cached=True)], "cached", [error]
        return [], "unavailable", [error]

    def _accept_download(self, src, meta, body: bytes, etag, last_modified) -> Optional[str]:
        digest = _sha256(body)
        if src.sha256 and digest != src.sha256:
            return f"download does not match the sha256 pin (got {digest[:12]}..., want {src.sha256[:12]}...)"
        d = self._dir(src)
        d.mkdir(parents=True, exist_ok=True)
        fname = _url_filename(src)
        # Validate under the final name so that the set's default name (the file
        # stem) and the loader's messages are the same as for the real file.
        with tempfile.TemporaryDirectory(dir=d, prefix=".check-") as tmp:
            candidate = Path(tmp) / fname
            candidate.write_bytes(body)
            errors = self.validate(str(candidate))
        if errors:
            first = errors[0].replace(str(Path(tmp) / fname), src.url)
            more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
            return f"new download does not validate: {first}{more}"
        write_atomic(d / fname, body)
        new_meta = {
            "url": src.url,
            "file": fname,
            "etag": etag,
            "last_modified": last_modified,
            "fetched_at": self.clock(),
            "checked_at": self.clock(),
            "sha256": digest,
        }
        self._write_meta(src, new_meta)
        return None

    def _write_meta(self, src: Source, meta: dict) -> None:
        write_atomic(self._dir(src) / META_FILE, json.dumps(meta, indent=2).encode("utf-8"))

    # ---- path / git

    def _validate_cached(self, path: str) -> list:
        """Validate a file once per version (mtime, size): polls stay cheap."""
        sig = _stat_sig(path)
        hit = self._validated.get(path)
        if hit is not None and hit[0] == sig and sig != (None, None):
            return hit[1]
        problems = self.validate(path)
        self._validated[path] = (sig, problems)
        return problems

    def _refresh_path(self, src: Source, *, pull: bool):
        errors: list[str] = []
        if pull:
            err = self._git_pull(src)
            if err:
                errors.append(err)
        base = _base_dir(src.path)
        mirror = self._dir(src) / MIRROR_DIR
        single = not _GLOB_CHARS.search(src.path) and src.path.endswith(".toml")
        if not os.path.exists(base) or (single and not os.path.isfile(src.path)):
            mirrored = _mirror_files(mirror)
            errors.append(f"{src.path} is not reachable")
            if mirrored:
                return [SourceFile(str(p), src.name, src.trusted, cached=True) for p in mirrored], "cached", errors
            return [], "unavailable", errors
        live = _expand(src.path)
        files: list[SourceFile] = []
        keep: set[str] = set()
        any_cached = False
        for p in live:
            rel = _mirror_name(p, base)
            keep.add(rel)
            problems = self._validate_cached(str(p))
            if not problems:
                try:
                    data = Path(p).read_bytes()
                    target = mirror / rel
                    if not target.is_file() or target.read_bytes() != data:
                        write_atomic(target, data)
                except OSError:
                    pass
                files.append(SourceFile(str(p), src.name, src.trusted))
                continue
            copy = mirror / rel
            if copy.is_file():
                any_cached = True
                errors.append(f"{problems[0]} (using the last good copy of {Path(p).name})")
                files.append(SourceFile(str(copy), src.name, src.trusted, cached=True))
            else:
                errors.append(problems[0])
                # No good copy: hand the file over anyway so that `check` reports its errors.
                files.append(SourceFile(str(p), src.name, src.trusted))
        # Files removed from the share are removed from the mirror too.
        for old in _mirror_files(mirror):
            if str(old.relative_to(mirror)) not in keep:
                try:
                    old.unlink()
                except OSError:
                    pass
        state = "cached" if any_cached else "live"
        return files, state, errors

    def _git_pull(self, src: Source) -> Optional[str]:
        cwd = _base_dir(src.path)
        if not os.path.isdir(cwd):
            return f"git checkout {cwd} is not reachable"
        env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="", SSH_ASKPASS="",
                   GIT_SSH_COMMAND=os.environ.get("GIT_SSH_COMMAND", "ssh -o BatchMode=yes"),
                   LC_ALL="C")
        try:
            proc = subprocess.run(
                ["git", "-C", cwd, "pull", "--ff-only", "--quiet"],
                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                timeout=src.timeout or self.git_timeout, env=env,
            )
        except FileNotFoundError:
            return "git is not installed"
        except subprocess.TimeoutExpired:
            return f"git pull did not finish within {src.timeout or self.git_timeout:g}s"
        if proc.returncode != 0:
            msg = (proc.stderr or proc.stdout).strip().splitlines()
            detail = msg[-1] if msg else f"exit code {proc.returncode}"
            return f"git pull failed: {detail} (kept the current files)"
        return None


def _last_git_fetch(path: str) -> Optional[float]:
    """When git last fetched into the checkout (mtime of FETCH_HEAD, else of the clone)."""
    try:
        proc = subprocess.run(["git", "-C", _base_dir(path), "rev-parse", "--absolute-git-dir"],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    gitdir = Path(proc.stdout.strip())
    for name in ("FETCH_HEAD", "HEAD"):
        try:
            return (gitdir / name).stat().st_mtime
        except OSError:
            continue
    return None


def _stat_sig(path: str) -> tuple:
    try:
        st = os.stat(path)
        return (st.st_mtime_ns, st.st_size)
    except OSError:
        return (None, None)


def _dirname(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def _url_filename(src: Source) -> str:
    base = os.path.basename(urllib.parse.urlparse(src.url).path)
    base = re.sub(r"[^A-Za-z0-9._-]", "_", urllib.parse.unquote(base))
    if base.endswith(".toml") and len(base) > len(".toml") and not base.startswith("."):
        return base
    return _dirname(src.name) + ".toml"


def _base_dir(path: str) -> str:
    """The folder a path source lives in (for a glob: its part before the first wildcard)."""
    if _GLOB_CHARS.search(path):
        parts = Path(path).parts
        fixed = []
        for part in parts:
            if _GLOB_CHARS.search(part):
                break
            fixed.append(part)
        return str(Path(*fixed)) if fixed else "."
    if os.path.isdir(path) or not path.endswith(".toml"):
        return path  # a folder (or one that is not there right now)
    return os.path.dirname(path) or "."


def _expand(path: str) -> list[str]:
    if _GLOB_CHARS.search(path):
        found = globmod.glob(path, recursive=True)
    elif os.path.isdir(path):
        found = [os.path.join(path, n) for n in os.listdir(path) if n.endswith(".toml")]
    elif os.path.isfile(path):
        found = [path]
    else:
        found = []
    return sorted(p for p in found if os.path.isfile(p) and not os.path.basename(p).startswith("."))


def _mirror_name(path: str, base: str) -> str:
    try:
        rel = os.path.relpath(path, base)
    except ValueError:
        rel = os.path.basename(path)
    if rel.startswith(".."):
        rel = os.path.basename(path)
    return rel


def _mirror_files(mirror: Path) -> list[Path]:
    if not mirror.is_dir():
        return []
    return sorted(p for p in mirror.rglob("*") if p.is_file() and not p.name.startswith("."))


# --------------------------------------------------------------------------- loading


def load_source_sets(files: Iterable[SourceFile], *, start_order: int = 0) -> tuple[list, list[Diagnostic]]:
    """Load the files of the sources as read-only sets carrying their source name and trust."""
    from snippets.loader import load_file

    sets: list = []
    diags: list[Diagnostic] = []
    for f in files:
        sset, d = load_file(f.path, order=start_order + len(sets), read_only=True, source=f.source,
                            trusted=f.trusted)
        diags.extend(d)
        if sset is not None:
            sets.append(sset)
    return sets, diags


def load_all(manager: Optional["SourceManager"], paths: Iterable, *, disabled_sets: Iterable[str] = ()):
    """Shared sets (first, so personal sets win ties) + personal files -> ``LoadResult``.

    Refuses actions in untrusted shared sets (:mod:`snippets.trust`); the
    refusals are error diagnostics of the result, and the refused snippets are
    not in ``result.library``.
    """
    from snippets.loader import load_library
    from snippets.library import Library
    from snippets.trust import enforce_trust

    shared, diags = load_source_sets(manager.files()) if manager is not None else ([], [])
    result = load_library(paths, disabled_sets=disabled_sets, sets_before=shared)
    personal = result.sets[len(shared):]
    checked, refusals = enforce_trust(shared, others=personal)
    result.diagnostics[:0] = diags + refusals
    if refusals:
        result.sets = checked + personal
        library = Library(result.sets, disabled_sets=disabled_sets)
        known = set(result.diagnostics)
        result.diagnostics.extend(d for d in library.diagnostics if d not in known)
        result.library = library
    return result
