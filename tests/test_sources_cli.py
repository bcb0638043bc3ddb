"""`expander sources` against a real config.toml, a folder source and a local HTTP server."""

from __future__ import annotations

import argparse
import json
import textwrap

import pytest

from expander.commands import sources as sources_command
from expander.config import load_config
try:
    from tests.test_sources import server  # noqa: F401  (the HTTP server fixture)
except ImportError:  # pytest run without the project root on sys.path
    from test_sources import server  # noqa: F401


def run_cli(argv):
    parser = argparse.ArgumentParser(prog="expander")
    sub = parser.add_subparsers(dest="command")
    sources_command.add_parser(sub)
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EXPANDER_CACHE_DIR", str(tmp_path / "cache"))


def config(tmp_path, text):
    p = tmp_path / "config.toml"
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def test_sources_lists_folder_and_url(tmp_path, server, capsys):  # noqa: F811
    share = tmp_path / "share"
    share.mkdir()
    (share / "a.toml").write_text('[snippets]\nzd = "Hallo"\n', encoding="utf-8")
    cfg = config(tmp_path, f"""\
        [[source]]
        name = "support-team"
        path = "share"

        [[source]]
        name = "support-web"
        url = "{server.url}"
        refresh = "15m"
        trusted = true
        """)
    rc = run_cli(["sources", "--config", str(cfg)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "support-team  (path)" in out and f"from:         {share}" in out
    assert "support-web  (url, trusted)" in out and server.url in out
    assert "snippets:     1 in 1 file(s)" in out and "snippets:     2 in 1 file(s)" in out
    assert "state:        live" in out and "every 15m" in out
    assert str(tmp_path / "cache" / "sources" / "support-web" / "support.toml") in out

    # Server down: the cached copy is shown as such, and the exit code says so.
    server.mode = "500"
    rc = run_cli(["sources", "--config", str(cfg), "--refresh", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert rc == 1
    web = data[1]
    assert web["state"] == "cached" and web["snippets"] == 2 and "HTTP 500" in web["errors"][0]
    assert data[0]["state"] == "live" and data[0]["errors"] == []


def test_sources_offline_never_asks_the_server(tmp_path, server, capsys):  # noqa: F811
    cfg = config(tmp_path, f'[[source]]\nname = "web"\nurl = "{server.url}"\n')
    rc = run_cli(["sources", "--config", str(cfg), "--offline", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert rc == 1 and data[0]["state"] == "unavailable"
    assert server.requests == []


def test_sources_config_errors_have_positions(tmp_path, capsys):
    cfg = config(tmp_path, """\
        [[source]]
        name = "team"
        path = "share"
        refrsh = "15m"
        """)
    rc = run_cli(["sources", "--config", str(cfg)])
    err = capsys.readouterr().err
    assert rc == 1
    assert f"{cfg}:4:1: error: unknown key 'refrsh' in [[source]] (did you mean 'refresh'?)" in err


def test_parse_sources_with_config_locator(tmp_path):
    cfg_path = config(tmp_path, """\
        snippets = ["~/snippets"]

        [[source]]
        name = "a"
        path = "x"

        [[source]]
        name = "b"
        url = "https://intranet.example/s.toml"
        sha256 = "nothex"
        """)
    cfg, diags = load_config(cfg_path)
    assert diags == []
    from snippets.sources import parse_sources

    sources, diags = parse_sources(cfg.sources, cfg.path, cfg.locator.key)
    assert [s.name for s in sources] == ["a"] and (sources[0].line, sources[0].col) == (3, 1)
    assert [(d.line, d.col) for d in diags] == [(10, 1)]


def test_no_sources(tmp_path, capsys):
    cfg = config(tmp_path, 'undo = true\n')
    assert run_cli(["sources", "--config", str(cfg)]) == 0
    assert "no [[source]]" in capsys.readouterr().out
