"""The `expander` command as a team lead's CI runs it: real processes, exit codes, output."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "snippets.example.toml"


def run(*args, cwd=None, env_extra=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "expander", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=60
    )


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return p


def test_check_example_is_clean():
    r = run("check", str(EXAMPLE))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ""
    assert "0 error(s), 0 warning(s)" in r.stderr


def test_check_reports_errors_with_positions(tmp_path):
    p = write(tmp_path, "bad.toml", '[[snippet]]\ntrigger = "x"\nreplce = "y"\n')
    before = p.read_bytes()
    r = run("check", str(p))
    assert r.returncode == 1
    assert f"{p}:3:1: error: unknown key 'replce' (did you mean 'replace'?)" in r.stdout
    assert p.read_bytes() == before


def test_check_warns_cross_set_duplicates_and_shadowing(tmp_path):
    a = write(tmp_path, "a.toml", '[set]\nname = "A"\n[snippets]\nzd = "Hallo"\n')
    b = write(
        tmp_path,
        "b.toml",
        """
        [set]
        name = "B"
        [snippets]
        zd = "Hi"
        demoo = "https://example.com/demo"
        [[snippet]]
        trigger = "demo"
        replace = "DEMO"
        word_end = false
        """,
    )
    r = run("check", str(a), str(b))
    assert r.returncode == 0, r.stdout
    assert (
        f"{a}:4:1: warning: trigger 'zd' of set 'A' is overridden by set 'B' at {b}:4:1 (same priority, loaded later)"
        in r.stdout
    )
    assert f"{b}:5:1: warning: trigger 'demoo' can never fire: 'demo' at {b}:7:1 always fires first" in r.stdout
    assert run("check", "--strict", str(a), str(b)).returncode == 1


def test_check_priority_override_message(tmp_path):
    a = write(tmp_path, "a.toml", '[set]\nname = "A"\npriority = 2\n[snippets]\nzd = "Hallo"\n')
    b = write(tmp_path, "b.toml", '[set]\nname = "B"\n[snippets]\nzd = "Hi"\n')
    r = run("check", str(a), str(b))
    assert f"{b}:4:1: warning: trigger 'zd' of set 'B' is overridden by set 'A' at {a}:5:1 (higher priority (2 > 0))" in r.stdout


def test_check_uses_configured_files(tmp_path):
    cfg_dir = tmp_path / "cfg"
    (cfg_dir / "snippets").mkdir(parents=True)
    write(cfg_dir / "snippets", "mine.toml", '[snippets]\nzd = "{oops}"\n')
    r = run("check", env_extra={"EXPANDER_CONFIG_DIR": str(cfg_dir)})
    assert r.returncode == 1
    assert "mine.toml:2:7: error: unknown placeholder {oops}" in r.stdout


def test_check_config_errors(tmp_path):
    cfg = write(tmp_path, "config.toml", 'snippets = ["x.toml"]\npaste_treshold = 5\n')
    r = run("check", "--config", str(cfg))
    assert r.returncode == 1
    assert f"{cfg}:2:1: error: unknown key 'paste_treshold' (did you mean 'paste_threshold'?)" in r.stdout


def test_simulate_examples_from_issue():
    r = run("simulate", "--snippets", str(EXAMPLE), "--", "zd, demoo ")
    assert (r.returncode, r.stdout) == (0, "Hallo, https://example.com/demo ")
    r = run("simulate", "--snippets", str(EXAMPLE), "--", "demoo <BackSpace>")
    assert (r.returncode, r.stdout) == (0, "demoo")


def test_simulate_now_and_clipboard():
    r = run("simulate", "--snippets", str(EXAMPLE), "--now", "2026-01-30T10:00", "--clipboard", "Zitat",
            "--", ":today :fu :quote ")
    assert r.stdout == "30.01.2026 Wir melden uns spätestens am 02.02.2026 bei Ihnen. „Zitat“ "


def test_simulate_unknown_key_is_usage_error():
    r = run("simulate", "--snippets", str(EXAMPLE), "--", "zd <Bogus>")
    assert r.returncode == 2
    assert "<Bogus>" in r.stderr
    assert r.stdout == ""


def test_simulate_broken_file_exit_1(tmp_path):
    p = write(tmp_path, "b.toml", "[snippets]\nzd = \n")
    r = run("simulate", "--snippets", str(p), "--", "zd ")
    assert r.returncode == 1 and f"{p}:2:" in r.stderr


def test_usage_errors_exit_2():
    assert run("simulate").returncode == 2
    assert run("bogus-command").returncode == 2
    assert run("simulate", "--snippets", str(EXAMPLE), "--now", "yesterday", "x").returncode == 2


def test_expand():
    r = run("expand", "--snippets", str(EXAMPLE), ":sig")
    assert (r.returncode, r.stdout) == (0, "Best regards,\nAlex Example\nSupport team")
    r = run("expand", "--snippets", str(EXAMPLE), "--now", "2026-11-26T08:00", ":today")
    assert r.stdout == "26.11.2026"
    r = run("expand", "--snippets", str(EXAMPLE), "nope")
    assert r.returncode == 1 and "nope" in r.stderr


def test_list_table_and_json():
    r = run("list", str(EXAMPLE))
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["TRIGGER", "SET", "LABEL", "REPLACEMENT"]
    sig = [line for line in lines if line.startswith(":sig ")][0]
    assert "Signature (English)" in sig and "Best regards, …" in sig
    data = json.loads(run("list", "--json", str(EXAMPLE)).stdout)
    zd = [d for d in data if d["trigger"] == "zd"][0]
    assert zd["replace"] == "Hallo" and zd["set"] == "Support (example)" and zd["line"] == 11


def test_python_dash_m_and_console_script_agree():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("expander ")


def test_check_bad_hotkey_in_config(tmp_path):
    cfg = write(tmp_path, "config.toml", 'toggle_hotkey = "<ctrl>+<banana>"\n')
    r = run("check", "--config", str(cfg))
    assert r.returncode == 1
    assert f"{cfg}:1:17: error: hotkey '<ctrl>+<banana>': unknown key '<banana>'" in r.stdout


def test_expand_follows_smart_case_and_runs_shell(tmp_path):
    assert run("expand", "--snippets", str(EXAMPLE), "ZD").stdout == "HALLO"
    p = write(tmp_path, "sh.toml", '[snippets]\nsh = "{shell:echo hi}"\nbad = "{shell:exit 4}"\n')
    assert run("expand", "--snippets", str(p), "sh").stdout == "hi"
    r = run("expand", "--snippets", str(p), "bad")
    assert r.returncode == 1 and "Traceback" not in r.stderr and f"{p}:3:1: cannot render 'bad'" in r.stderr


def test_check_same_set_name_twice_and_empty_folder(tmp_path):
    a = write(tmp_path, "a.toml", '[set]\nname = "Team"\n[snippets]\nzd = "Hallo"\n')
    b = write(tmp_path, "b.toml", '[set]\nname = "Team"\n[snippets]\npozh = "bitte"\n')
    r = run("check", str(a), str(b))
    assert f"{b}:1:1: warning: set name 'Team' is also used by {a}" in r.stdout
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run("check", str(empty))
    assert r.returncode == 1 and "no snippet files found" in r.stderr


def test_check_bad_paste_key_in_config(tmp_path):
    cfg = write(tmp_path, "config.toml", '[paste_keys]\n"Alacritty" = "ctrl+shift+v"\n"MyTerm" = "hyper+q"\n')
    r = run("check", "--config", str(cfg))
    assert r.returncode == 1
    assert f"{cfg}:3:12: error: paste key 'hyper+q' for 'MyTerm' is not like" in r.stdout
