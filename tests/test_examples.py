"""Snippet examples run through the real engine, and the `expander test` command."""

from __future__ import annotations

import argparse
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import pytest

from expander.commands import test as test_command
from snippets.examples import collect_examples, run_examples, summary_line
from snippets.loader import load_library

ROOT = Path(__file__).resolve().parent.parent

TEAM = """\
    [set]
    name = "Team"

    [[snippet]]
    trigger = "zd"
    replace = "Hallo"
    examples = [["zd, ", "Hallo, "], ["Zd ", "Hallo "]]

    [[snippet]]
    triggers = ["tdy", "today"]
    replace = "{date:%d.%m.%Y}"
    examples = [["tdy ", "26.11.2026 "]]

    [[snippet]]
    trigger = "demoo"
    replace = "https://example.com/demo"
    examples = [["demoo <BackSpace>", "demoo"], ["see demoo.", "see https://example.com/demo."]]
    """


def write(tmp_path, text, name="team.toml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def run_cli(argv):
    """The `test` subcommand through argparse, as the CLI registry wires it."""
    parser = argparse.ArgumentParser(prog="expander")
    sub = parser.add_subparsers(dest="command")
    test_command.add_parser(sub)
    args = parser.parse_args(argv)
    return args.func(args)


NOW = datetime(2026, 11, 26, 9, 30)


def test_all_examples_pass(tmp_path):
    result = load_library([write(tmp_path, TEAM)])
    assert result.ok, result.diagnostics
    results = run_examples(result.library, now=NOW)
    assert [(r.trigger, r.index) for r in results] == [("zd", 1), ("zd", 2), ("tdy", 1), ("demoo", 1), ("demoo", 2)]
    assert all(r.passed for r in results), [r for r in results if not r.passed]
    assert summary_line(results) == "5 passed, 0 failed"


def test_failure_is_reported_with_place_expected_and_got(tmp_path):
    p = write(tmp_path, TEAM.replace('["zd, ", "Hallo, "]', '["zd, ", "Hello, "]'))
    result = load_library([p])
    results = run_examples(result.library, now=NOW)
    failed = [r for r in results if not r.passed]
    assert len(failed) == 1
    f = failed[0]
    assert (f.path, f.line, f.col) == (str(p), 5, 1)
    assert f.expected == "Hello, " and f.actual == "Hallo, "
    assert summary_line(results) == "4 passed, 1 failed"


def test_examples_see_the_whole_library_precedence(tmp_path):
    team = write(tmp_path, TEAM)
    mine = write(tmp_path, '[set]\npriority = 5\n[snippets]\nzd = "Servus"\n', "mine.toml")
    result = load_library([team, mine])
    results = run_examples(result.library, result.library.sets[:1], now=NOW)
    bad = [r for r in results if not r.passed]
    assert [(r.trigger, r.actual) for r in bad] == [("zd", "Servus, "), ("zd", "Servus ")]


def test_bad_keys_fail_the_example_not_the_run(tmp_path):
    p = write(tmp_path, '[[snippet]]\ntrigger = "zd"\nreplace = "Hallo"\nexamples = [["zd<Bogus>", "x"], ["zd ", "Hallo "]]\n')
    results = run_examples(load_library([p]).library, now=NOW)
    assert [r.passed for r in results] == [False, True]
    assert "Bogus" in results[0].error


def test_multi_trigger_snippet_examples_run_once(tmp_path):
    result = load_library([write(tmp_path, TEAM)])
    assert [r.trigger for r in collect_examples(result.sets)].count("tdy") == 1
    assert "today" not in [r.trigger for r in collect_examples(result.sets)]


# --------------------------------------------------------------------------- CLI


def test_cli_pass(tmp_path, capsys):
    p = write(tmp_path, TEAM)
    rc = run_cli(["test", str(p), "--now", "2026-11-26T09:30"])
    out = capsys.readouterr().out
    assert rc == 0
    assert out.splitlines()[-1] == "5 passed, 0 failed"
    assert "FAIL" not in out


def test_cli_verbose_lists_passes(tmp_path, capsys):
    p = write(tmp_path, TEAM)
    run_cli(["test", "-v", str(p), "--now", "2026-11-26T09:30"])
    out = capsys.readouterr().out
    assert out.count("PASS ") == 5


def test_cli_failure(tmp_path, capsys):
    p = write(tmp_path, TEAM)
    rc = run_cli(["test", str(p), "--now", "2027-01-01T09:30"])  # the date example now fails
    out = capsys.readouterr().out
    assert rc == 1
    assert out.splitlines()[-1] == "4 passed, 1 failed"
    assert f"FAIL {p}:10:1: 'tdy' example 1 (set 'Team')" in out
    assert "expected: '26.11.2026 '" in out and "got:      '01.01.2027 '" in out


def test_cli_load_error_exits_1(tmp_path, capsys):
    good = write(tmp_path, TEAM)
    bad = write(tmp_path, '[snippets]\nzd = "Hallo\n', "bad.toml")
    rc = run_cli(["test", str(good), str(bad), "--now", "2026-11-26T09:30"])
    out = capsys.readouterr().out
    assert rc == 1
    assert f"{bad}:2:" in out
    assert out.splitlines()[-1] == "5 passed, 0 failed"


def test_example_file_examples_pass():
    """The shipped example set's examples hold (run as a subprocess, like CI would)."""
    example = ROOT / "snippets.example.toml"
    if not example.exists():
        pytest.skip("no snippets.example.toml")
    result = load_library([example])
    results = run_examples(result.library, now=NOW)
    assert results and all(r.passed for r in results), [r for r in results if not r.passed]


FIXTURES = sorted((ROOT / "tests" / "fixtures" / "team").glob("*.toml"))


def test_team_fixture_examples_pass(capsys):
    rc = run_cli(["test", *map(str, FIXTURES)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert out.splitlines()[-1] == "6 passed, 0 failed"


def test_expander_test_as_a_team_lead_runs_it_in_ci():
    from expander.commands import COMMANDS

    if test_command not in COMMANDS:
        pytest.skip("`expander test` is not registered in expander.commands.COMMANDS yet")
    proc = subprocess.run([sys.executable, "-m", "expander", "test", *map(str, FIXTURES)],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == "6 passed, 0 failed"
