"""Shared sources against real parts: an HTTP server on 127.0.0.1, real folders, real git."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import threading
import time
import tomllib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from snippets.sources import (
    Notice,
    Source,
    SourceManager,
    format_duration,
    parse_duration,
    parse_sources,
)

GOOD = b'[set]\nname = "Support Web"\n\n[snippets]\nzd = "Hallo"\npozh = "bitte"\n'
GOOD2 = b'[set]\nname = "Support Web"\n\n[snippets]\nzd = "Hallo"\npozh = "bitte"\nmfgg = "Mit freundlichen Gruessen"\n'
BAD_TOML = b'[snippets]\nzd = "Hallo\n'


# --------------------------------------------------------------------------- HTTP server


class Site:
    """What the test server answers; tests change it between refreshes."""

    def __init__(self):
        self.body = GOOD
        self.mode = "ok"  # ok | 500 | slow
        self.etag = True
        self.last_modified = True
        self.requests: list[dict] = []
        self.delay = 1.0

    @property
    def etag_value(self):
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'

    LM = "Wed, 01 Jan 2025 10:00:00 GMT"


def make_handler(site: Site):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):  # keep test output clean
            pass

        def do_GET(self):
            site.requests.append(dict(self.headers))
            if site.mode == "500":
                self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if site.mode == "slow":
                time.sleep(site.delay)
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            not_modified = (site.etag and inm == site.etag_value) or (
                not site.etag and site.last_modified and ims == Site.LM
            )
            if not_modified:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/toml")
            if site.etag:
                self.send_header("ETag", site.etag_value)
            if site.last_modified:
                self.send_header("Last-Modified", Site.LM)
            self.send_header("Content-Length", str(len(site.body)))
            self.end_headers()
            try:
                self.wfile.write(site.body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


@pytest.fixture
def server():
    site = Site()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(site))
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    site.url = f"http://127.0.0.1:{httpd.server_address[1]}/team/support.toml"
    site.httpd = httpd
    yield site
    httpd.shutdown()
    httpd.server_close()


class Clock:
    def __init__(self, t=1_700_000_000.0):
        self.t = t

    def __call__(self):
        return self.t


def url_source(site, **kw):
    return Source(name="support-web", url=site.url, refresh=900.0, **kw)


def manager(sources, tmp_path, clock=None, **kw):
    kw.setdefault("timeout", 2.0)
    return SourceManager(sources, cache_dir=tmp_path / "cache", clock=clock or Clock(), **kw)


def read(path):
    return Path(path).read_bytes()


def snippets_of(files):
    out = {}
    for f in files:
        with open(f.path, "rb") as fh:
            out.update(tomllib.load(fh).get("snippets", {}))
    return out


# --------------------------------------------------------------------------- URL sources


def test_url_200_is_cached_with_metadata(server, tmp_path):
    m = manager([url_source(server)], tmp_path)
    r = m.resolve()
    assert r.changed and r.notices == []
    [f] = m.files()
    assert read(f.path) == GOOD and not f.cached and f.source == "support-web"
    assert Path(f.path).name == "support.toml"  # the URL's file name: same default set name
    assert str(tmp_path / "cache") in f.path
    [st] = m.status(count=False)
    assert st.state == "live" and st.errors == [] and st.last_refresh == Clock()()
    import json

    meta = json.loads((tmp_path / "cache" / "support-web" / "meta.json").read_text())
    assert meta["etag"] == server.etag_value
    assert meta["last_modified"] == Site.LM
    assert meta["sha256"] == hashlib.sha256(GOOD).hexdigest()
    assert meta["fetched_at"] == Clock()()


def test_url_304_by_etag(server, tmp_path):
    clock = Clock()
    m = manager([url_source(server)], tmp_path, clock)
    m.resolve()
    clock.t += 1000
    r = m.refresh()
    assert server.requests[-1].get("If-None-Match") == server.etag_value
    assert r.notices == [] and not r.changed
    [st] = m.status(count=False)
    assert st.state == "live" and st.last_refresh == clock.t
    assert read(m.files()[0].path) == GOOD


def test_url_304_by_last_modified(server, tmp_path):
    server.etag = False
    clock = Clock()
    m = manager([url_source(server)], tmp_path, clock)
    m.resolve()
    clock.t += 1000
    m.refresh()
    assert "If-None-Match" not in server.requests[-1]
    assert server.requests[-1].get("If-Modified-Since") == Site.LM
    assert len(server.requests) == 2
    assert m.status(count=False)[0].state == "live"


def test_url_new_content_replaces_cache(server, tmp_path):
    m = manager([url_source(server)], tmp_path)
    m.resolve()
    server.body = GOOD2
    r = m.refresh()
    assert r.changed
    assert read(m.files()[0].path) == GOOD2


def test_url_500_falls_back_to_cache_and_tells_once(server, tmp_path):
    clock = Clock()
    m = manager([url_source(server)], tmp_path, clock)
    m.resolve()
    server.mode = "500"
    clock.t += 1000
    r1 = m.refresh()
    assert len(r1.notices) == 1 and "HTTP 500" in r1.notices[0].message
    assert "last good copy" in r1.notices[0].message
    [f] = m.files()
    assert f.cached and read(f.path) == GOOD
    st = m.status(count=False)[0]
    assert st.state == "cached" and "HTTP 500" in st.errors[0]
    r2 = m.refresh()  # same failure again: not told again
    assert r2.notices == []
    server.mode = "ok"
    r3 = m.refresh()
    assert [n.level for n in r3.notices] == ["info"]
    assert m.status(count=False)[0].state == "live"


def test_url_500_without_cache_is_unavailable(server, tmp_path):
    server.mode = "500"
    m = manager([url_source(server)], tmp_path)
    r = m.resolve()
    assert m.files() == []
    assert m.status(count=False)[0].state == "unavailable"
    assert len(r.notices) == 1


def test_url_timeout_falls_back(server, tmp_path):
    m = manager([url_source(server)], tmp_path, timeout=0.2)
    m.resolve()
    server.mode = "slow"
    server.delay = 0.8
    t0 = time.monotonic()
    r = m.refresh()
    assert time.monotonic() - t0 < 0.7
    assert len(r.notices) == 1 and "0.2s" in r.notices[0].message
    [f] = m.files()
    assert f.cached and read(f.path) == GOOD


def test_url_invalid_toml_keeps_last_good(server, tmp_path):
    m = manager([url_source(server)], tmp_path)
    m.resolve()
    server.body = BAD_TOML
    r = m.refresh()
    assert len(r.notices) == 1 and "does not validate" in r.notices[0].message
    assert server.url in r.notices[0].message  # names the URL, not a temp file
    [f] = m.files()
    assert f.cached and read(f.path) == GOOD


def test_url_invalid_first_download_is_not_used(server, tmp_path):
    server.body = BAD_TOML
    m = manager([url_source(server)], tmp_path)
    m.resolve()
    assert m.files() == []
    assert not (tmp_path / "cache" / "support-web" / "support.toml").exists()


def test_url_sha256_pin(server, tmp_path):
    good_pin = hashlib.sha256(GOOD).hexdigest()
    m = manager([url_source(server, sha256=good_pin)], tmp_path)
    m.resolve()
    assert read(m.files()[0].path) == GOOD
    server.body = GOOD2  # valid TOML, but not what the pin says
    r = m.refresh()
    assert "sha256" in r.notices[0].message
    [f] = m.files()
    assert f.cached and read(f.path) == GOOD


def test_url_wrong_pin_from_the_start(server, tmp_path):
    m = manager([url_source(server, sha256="0" * 64)], tmp_path)
    r = m.resolve()
    assert m.files() == [] and "sha256" in r.notices[0].message


def test_offline_restart_uses_cache(server, tmp_path):
    clock = Clock()
    m = manager([url_source(server)], tmp_path, clock)
    m.resolve()
    server.httpd.shutdown()
    server.httpd.server_close()
    # A restarted expander, much later, with the server gone:
    clock2 = Clock(clock.t + 86400)
    m2 = manager([url_source(server)], tmp_path, clock2)
    r = m2.resolve()
    [f] = m2.files()
    assert f.cached and snippets_of([f])["zd"] == "Hallo"
    assert len(r.notices) == 1 and "cannot reach" in r.notices[0].message


def test_restart_within_refresh_interval_does_not_ask_server(server, tmp_path):
    clock = Clock()
    manager([url_source(server)], tmp_path, clock).resolve()
    clock.t += 60
    m2 = manager([url_source(server)], tmp_path, clock)
    m2.resolve()
    assert len(server.requests) == 1
    assert snippets_of(m2.files())["pozh"] == "bitte"
    assert m2.refresh_due() == []
    clock.t += 900
    assert [s.name for s in m2.refresh_due()] == ["support-web"]


def test_changed_url_in_config_ignores_old_cache(server, tmp_path):
    manager([url_source(server)], tmp_path).resolve()
    other = Source(name="support-web", url=server.url.replace("support", "other"), refresh=900.0)
    server.mode = "500"
    m = manager([other], tmp_path)
    m.resolve()
    assert m.files() == []


def test_poll_refreshes_only_due_sources(server, tmp_path):
    clock = Clock()
    m = manager([url_source(server)], tmp_path, clock)
    m.resolve()
    m.poll()
    assert len(server.requests) == 1
    clock.t += 901
    assert m.next_due_in() == 0
    m.poll()
    assert len(server.requests) == 2
    assert m.next_due_in() == 900


# --------------------------------------------------------------------------- folder sources


def test_folder_source_changes_under_running_instance(tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    (share / "a.toml").write_bytes(b'[snippets]\nzd = "Hallo"\n')
    (share / "notes.txt").write_text("not a snippet file")
    src = Source(name="team", path=str(share), trusted=False)
    m = manager([src], tmp_path)
    m.resolve()
    assert [Path(f.path).name for f in m.files()] == ["a.toml"]
    assert not m.poll().changed  # nothing changed
    (share / "b.toml").write_bytes(b'[snippets]\npozh = "bitte"\n')
    r = m.poll()
    assert r.changed and r.notices == []
    assert snippets_of(m.files()) == {"zd": "Hallo", "pozh": "bitte"}
    # The lead saves a broken file: everyone keeps the last good copy, told once.
    (share / "a.toml").write_bytes(BAD_TOML)
    r = m.poll()
    assert len(r.notices) == 1 and "a.toml" in r.notices[0].message
    assert snippets_of(m.files()) == {"zd": "Hallo", "pozh": "bitte"}
    assert m.poll().notices == []
    (share / "a.toml").write_bytes(b'[snippets]\nzd = "Hallo!"\n')
    r = m.poll()
    assert r.changed and [n.level for n in r.notices] == ["info"]
    assert snippets_of(m.files())["zd"] == "Hallo!"
    # The share is unmounted: the mirror keeps the snippets.
    shutil.rmtree(share)
    r = m.poll()
    assert len(r.notices) == 1 and "not reachable" in r.notices[0].message
    assert snippets_of(m.files()) == {"zd": "Hallo!", "pozh": "bitte"}
    assert all(f.cached for f in m.files())
    # ... also after a restart.
    m2 = manager([src], tmp_path)
    m2.resolve()
    assert snippets_of(m2.files()) == {"zd": "Hallo!", "pozh": "bitte"}


def test_file_removed_from_share_is_gone(tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    (share / "a.toml").write_bytes(b'[snippets]\nzd = "Hallo"\n')
    (share / "b.toml").write_bytes(b'[snippets]\npozh = "bitte"\n')
    m = manager([Source(name="team", path=str(share))], tmp_path)
    m.resolve()
    (share / "b.toml").unlink()
    assert m.poll().changed
    assert snippets_of(m.files()) == {"zd": "Hallo"}
    shutil.rmtree(share)
    m.poll()
    assert snippets_of(m.files()) == {"zd": "Hallo"}  # the mirror dropped b.toml too


def test_glob_and_single_file_sources(tmp_path):
    share = tmp_path / "share"
    (share / "de").mkdir(parents=True)
    (share / "de" / "a.toml").write_bytes(b'[snippets]\nzd = "Hallo"\n')
    (share / "b.toml").write_bytes(b'[snippets]\npozh = "bitte"\n')
    m = manager([
        Source(name="g", path=str(share / "**" / "*.toml")),
        Source(name="f", path=str(share / "b.toml"), trusted=True),
    ], tmp_path)
    m.resolve()
    files = m.files()
    assert [(Path(f.path).name, f.source) for f in files] == [
        ("b.toml", "g"), ("a.toml", "g"), ("b.toml", "f")]
    assert [f.trusted for f in files] == [False, False, True]
    assert m.trusted_sources() == {"f"}
    assert set(m.read_only_sets().values()) == {"g", "f"}


def test_missing_path_source_reports_error(tmp_path):
    m = manager([Source(name="gone", path=str(tmp_path / "nowhere"))], tmp_path)
    r = m.resolve()
    assert m.files() == []
    st = m.status(count=False)[0]
    assert st.state == "unavailable" and "not reachable" in st.errors[0]
    assert len(r.notices) == 1


# --------------------------------------------------------------------------- git sources

GIT_ENV = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid",
               GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")


def git(*args, cwd):
    subprocess.run(["git", *args], cwd=cwd, env=GIT_ENV, check=True, capture_output=True, timeout=30)


@pytest.fixture
def git_repos(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    git("init", "-q", "-b", "main", cwd=upstream)
    (upstream / "support.toml").write_bytes(b'[snippets]\nzd = "Hallo"\n')
    git("add", "support.toml", cwd=upstream)
    git("commit", "-q", "-m", "first", cwd=upstream)
    checkout = tmp_path / "checkout"
    git("clone", "-q", str(upstream), str(checkout), cwd=tmp_path)
    return upstream, checkout


def test_git_source_pulls_on_refresh(git_repos, tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    upstream, checkout = git_repos
    clock = Clock(time.time())
    m = manager([Source(name="team-git", path=str(checkout), git=True, refresh=3600.0)], tmp_path, clock)
    m.resolve()
    assert snippets_of(m.files()) == {"zd": "Hallo"}
    (upstream / "more.toml").write_bytes(b'[snippets]\npozh = "bitte"\n')
    git("add", "more.toml", cwd=upstream)
    git("commit", "-q", "-m", "more", cwd=upstream)
    assert m.poll().changed is False  # not due yet: no pull
    clock.t += 3600
    r = m.poll()
    assert r.changed and r.notices == []
    assert snippets_of(m.files()) == {"zd": "Hallo", "pozh": "bitte"}
    assert (checkout / "more.toml").exists()  # git itself updated the checkout


def test_git_pull_failure_keeps_files(git_repos, tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    upstream, checkout = git_repos
    m = manager([Source(name="team-git", path=str(checkout), git=True)], tmp_path)
    m.resolve()
    shutil.rmtree(upstream)  # the remote is gone
    r = m.refresh()
    assert len(r.notices) == 1 and "git pull failed" in r.notices[0].message
    assert snippets_of(m.files()) == {"zd": "Hallo"}
    assert m.refresh().notices == []  # told once


# --------------------------------------------------------------------------- config


def test_parse_sources_valid(tmp_path):
    cfg = tmp_path / "config.toml"
    raw = [
        {"name": "team", "path": "shared/*.toml"},
        {"name": "web", "url": "https://intranet.example/s.toml", "refresh": "15m",
         "sha256": "A" * 64, "trusted": True},
        {"name": "g", "path": "~/team", "git": True},
    ]
    sources, diags = parse_sources(raw, cfg, lambda kp: (7, 1))
    assert diags == []
    team, web, g = sources
    assert team.path == str(tmp_path / "shared" / "*.toml") and team.kind == "path"
    assert web.refresh == 900 and web.sha256 == "a" * 64 and web.trusted and web.kind == "url"
    assert g.kind == "git" and g.path == os.path.expanduser("~/team") and not g.trusted
    assert (team.line, team.col) == (7, 1)


@pytest.mark.parametrize("entry,key,words", [
    ({"name": "x", "path": "p", "trustd": True}, "trustd", "did you mean 'trusted'"),
    ({"name": "x"}, None, "needs either path"),
    ({"name": "x", "path": "p", "url": "https://a/b"}, "url", "both path and url"),
    ({"name": "x", "url": "ftp://a/b"}, "url", "http://"),
    ({"name": "x", "url": "https://a/b", "refresh": "15 minutes"}, "refresh", "bad duration"),
    ({"name": "x", "url": "https://a/b", "refresh": "0m"}, "refresh", "more than 0"),
    ({"name": "x", "url": "https://a/b", "sha256": "abc"}, "sha256", "64 hexadecimal"),
    ({"name": "x", "path": "p", "sha256": "a" * 64}, "sha256", "url source"),
    ({"name": "x", "path": "p", "trusted": "yes"}, "trusted", "true or false"),
    ({"name": "x", "url": "https://a/b", "git": True}, "git", "git checkout"),
    ({"path": "p"}, None, "needs a name"),
    ({"name": "../evil", "path": "p"}, "name", "source name"),
])
def test_parse_sources_errors(entry, key, words, tmp_path):
    calls = []

    def locate(kp):
        calls.append(kp)
        return (3, 5) if len(kp) == 3 else (2, 1)

    sources, diags = parse_sources([entry], tmp_path / "config.toml", locate)
    assert sources == []
    assert len(diags) >= 1
    d = diags[0]
    assert d.severity == "error" and words in d.message
    assert str(d).startswith(f"{tmp_path / 'config.toml'}:")
    expected_kp = ("source", 0, key) if key else ("source", 0)
    assert expected_kp in calls
    assert (d.line, d.col) == ((3, 5) if key else (2, 1))


def test_parse_sources_duplicate_name(tmp_path):
    sources, diags = parse_sources(
        [{"name": "a", "path": "x"}, {"name": "a", "path": "y"}], tmp_path / "c.toml", None)
    assert [s.path for s in sources] == [str(tmp_path / "x")]
    assert "duplicate source name 'a'" in diags[0].message


def test_parse_sources_not_a_list(tmp_path):
    sources, diags = parse_sources({"name": "a"}, tmp_path / "c.toml", None)
    assert sources == [] and "[[source]]" in diags[0].message


@pytest.mark.parametrize("text,seconds", [
    ("15m", 900), ("30s", 30), ("2h", 7200), ("1d", 86400), ("1.5h", 5400), (600, 600)])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["15", "m", "15x", "-1m", "", True, None, 0])
def test_parse_duration_bad(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_format_duration():
    assert [format_duration(s) for s in (900, 3600, 86400, 90, 5)] == ["15m", "1h", "1d", "1m30s", "5s"]


def test_notice_str():
    assert str(Notice("web", "HTTP 500")) == "source 'web': HTTP 500"


# --------------------------------------------------------------------------- end to end


def test_offline_restart_still_expands_team_snippets(server, tmp_path):
    from expander.simulate import simulate
    from snippets.sources import load_all

    personal = tmp_path / "mine.toml"
    personal.write_text('[snippets]\nbrb = "be right back"\n', encoding="utf-8")
    m = manager([url_source(server)], tmp_path)
    m.resolve()
    server.httpd.shutdown()
    server.httpd.server_close()
    restarted = manager([url_source(server)], tmp_path, Clock(Clock().t + 7 * 86400))
    restarted.resolve()
    result = load_all(restarted, [personal])
    assert result.ok, result.diagnostics
    assert simulate(result.library, "zd, brb pozh ") == "Hallo, be right back bitte "
    [shared] = [s for s in result.sets if s.source]
    assert shared.read_only and shared.source == "support-web" and shared.name == "Support Web"


def test_url_download_with_load_errors_is_rejected(server, tmp_path):
    m = manager([url_source(server)], tmp_path)
    m.resolve()
    server.body = b'[[snippet]]\ntrigger = "zd"\nreplce = "Hallo"\n'  # valid TOML, a typo
    r = m.refresh()
    assert "does not validate" in r.notices[0].message and "replce" in r.notices[0].message
    assert read(m.files()[0].path) == GOOD


def test_status_counts_snippets(server, tmp_path):
    m = manager([url_source(server)], tmp_path)
    m.resolve()
    [st] = m.status()
    assert st.snippet_count == 2
    j = st.to_json()
    assert j["state"] == "live" and j["snippets"] == 2 and j["refresh"] == "15m" and j["kind"] == "url"


def test_git_restart_pulls_when_last_fetch_is_old(git_repos, tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    upstream, checkout = git_repos
    (upstream / "more.toml").write_bytes(b'[snippets]\npozh = "bitte"\n')
    git("add", "more.toml", cwd=upstream)
    git("commit", "-q", "-m", "more", cwd=upstream)
    src = Source(name="team-git", path=str(checkout), git=True, refresh=3600.0)
    # Just cloned: the last fetch is recent, start-up does not pull.
    m = manager([src], tmp_path, Clock(time.time()))
    m.resolve()
    assert snippets_of(m.files()) == {"zd": "Hallo"}
    # A start-up two hours later pulls first.
    m2 = manager([src], tmp_path, Clock(time.time() + 7200))
    m2.resolve()
    assert snippets_of(m2.files()) == {"zd": "Hallo", "pozh": "bitte"}


def test_per_source_timeout(server, tmp_path):
    """timeout = "0.2s" in a [[source]] beats the manager's default (2 s here)."""
    sources, diags = parse_sources([{"name": "web", "url": server.url, "timeout": "0.2s"}], tmp_path / "c.toml",
                                   lambda path: (1, 1))
    assert diags == [] and sources[0].timeout == 0.2
    m = manager(sources, tmp_path)
    m.resolve()
    server.mode = "slow"
    server.delay = 0.8
    t0 = time.monotonic()
    r = m.refresh()
    assert time.monotonic() - t0 < 0.7 and "0.2s" in r.notices[0].message
    _, diags = parse_sources([{"name": "web", "url": server.url, "timeout": "soon"}], tmp_path / "c.toml",
                             lambda path: (3, 1))
    assert [d.line for d in diags] == [3] and "bad duration" in diags[0].message
