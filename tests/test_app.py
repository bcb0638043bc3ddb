"""The running app's controls without X: loading, last good versions, state, first start."""

import time

import pytest

from expander.app import App, first_start
from expander.config import load_config
from expander.simulate import simulate
from expander.statefile import StateStore


class FakeLive:
    """Records what the app asks of the live expander."""

    def __init__(self):
        self.enabled = []
        self.libraries = []

    def set_enabled(self, value):
        self.enabled.append(value)

    def replace_library(self, library):
        self.libraries.append(library)

    def update_options(self, **options):
        self.options = options


@pytest.fixture
def cfg_dir(tmp_path, monkeypatch):
    d = tmp_path / "cfg"
    monkeypatch.setenv("EXPANDER_CONFIG_DIR", str(d))
    monkeypatch.setenv("EXPANDER_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("EXPANDER_CACHE_DIR", str(tmp_path / "cache"))
    return d


def make_app(cfg_dir, tmp_path, files=None):
    app = App(snippet_files=files, state_store=StateStore(tmp_path / "state" / "state.json"))
    app.live = FakeLive()
    return app


def test_first_start_copies_example_once(cfg_dir, tmp_path):
    cfg, _ = load_config()
    msg = first_start(cfg)
    target = cfg_dir / "snippets" / "example.toml"
    assert target.exists() and str(target) in msg
    assert (cfg_dir / "config.toml").exists()
    target.write_text('[snippets]\nzd = "mine"\n')
    cfg, diags = load_config()
    assert diags == [] and first_start(cfg) is None
    assert target.read_text() == '[snippets]\nzd = "mine"\n'  # never overwritten


def test_broken_file_keeps_last_good_version(cfg_dir, tmp_path):
    snips = tmp_path / "mine.toml"
    snips.write_text('[snippets]\nzd = "Hallo"\n')
    app = make_app(cfg_dir, tmp_path, [snips])
    lib = app.load()
    assert simulate(lib, "zd ") == "Hallo " and app.status().error is None
    snips.write_text('[snippets]\nzd = "Servus"\n')
    assert simulate(app.load(), "zd ") == "Servus "
    snips.write_text('[snippets]\nzd = "Servus\n')  # broken
    broken = snips.read_text()
    lib = app.load()
    assert simulate(lib, "zd ") == "Servus "  # last good version still expands
    st = app.status()
    assert st.error.startswith(f"{snips}:2:") and st.state == "error"
    assert snips.read_text() == broken  # never rewritten
    snips.write_text('[snippets]\nzd = "Moin"\n')
    assert simulate(app.load(), "zd ") == "Moin " and app.status().error is None
    assert len(app.live.libraries) == 4


def test_sets_switch_off_and_state_persists(cfg_dir, tmp_path):
    a = tmp_path / "a.toml"
    a.write_text('[set]\nname = "A"\n[snippets]\nzd = "Hallo"\n')
    b = tmp_path / "b.toml"
    b.write_text('[set]\nname = "B"\n[snippets]\npozh = "bitte"\n')
    app = make_app(cfg_dir, tmp_path, [a, b])
    app.load()
    app.set_set_enabled("A", False)
    lib = app.live.libraries[-1]
    assert simulate(lib, "zd pozh ") == "zd bitte "
    assert [(s.name, s.enabled) for s in app.status().sets] == [("A", False), ("B", True)]
    assert a.read_text().startswith("[set]")  # the snippet file is untouched
    again = make_app(cfg_dir, tmp_path, [a, b])
    again.load()
    assert simulate(again.library, "zd pozh ") == "zd bitte "
    again.set_set_enabled("A", True)
    assert simulate(again.live.libraries[-1], "zd ") == "Hallo "


def test_enable_disable_pause(cfg_dir, tmp_path):
    a = tmp_path / "a.toml"
    a.write_text('[snippets]\nzd = "Hallo"\n')
    app = make_app(cfg_dir, tmp_path, [a])
    app.load()
    seen = []
    app.subscribe(lambda: seen.append(app.status().state))
    app.set_enabled(False)
    assert app.live.enabled[-1] is False and seen[-1] == "disabled"
    app.toggle()
    assert app.live.enabled[-1] is True and seen[-1] == "enabled"
    app.pause(0.3)
    assert app.live.enabled[-1] is False and seen[-1] == "paused"
    assert make_app(cfg_dir, tmp_path, [a]).status().paused  # persisted
    deadline = time.time() + 3
    while app.live.enabled[-1] is False and time.time() < deadline:
        time.sleep(0.05)
    assert app.live.enabled[-1] is True and app.status().state == "enabled"


def test_check_reports_errors_and_warnings(cfg_dir, tmp_path):
    a = tmp_path / "a.toml"
    a.write_text('[set]\nname = "A"\n[snippets]\nzd = "Hallo"\n')
    b = tmp_path / "b.toml"
    b.write_text('[set]\nname = "B"\n[snippets]\nzd = "Hi"\n')
    app = make_app(cfg_dir, tmp_path, [a, b])
    app.load()
    ok, report = app.check()
    assert ok and "overridden by set 'B'" in report and report.endswith("0 error(s), 1 warning(s)")
    b.write_text("[snippets]\nzd = {\n")
    app.load()
    ok, report = app.check()
    assert not ok and f"{b}:2:" in report


def test_configured_files_and_disabled_sets(cfg_dir, tmp_path):
    (cfg_dir / "snippets").mkdir(parents=True)
    (cfg_dir / "snippets" / "one.toml").write_text('[set]\nname = "One"\n[snippets]\nzd = "Hallo"\n')
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "two.toml").write_text('[set]\nname = "Two"\n[snippets]\npozh = "bitte"\n')
    (cfg_dir / "config.toml").write_text(f'snippets = ["snippets", "{extra}/*.toml"]\ndisabled_sets = ["One"]\n')
    app = make_app(cfg_dir, tmp_path)
    lib = app.load()
    assert simulate(lib, "zd pozh ") == "zd bitte "
    assert str(cfg_dir / "config.toml") in map(str, app.watched_paths())


def test_a_pause_saved_before_a_restart_still_ends(cfg_dir, tmp_path):
    a = tmp_path / "a.toml"
    a.write_text('[snippets]\nzd = "Hallo"\n')
    make_app(cfg_dir, tmp_path, [a]).pause(0.4)
    again = make_app(cfg_dir, tmp_path, [a])
    assert again.status().state == "paused"
    deadline = time.time() + 3
    while again.status().paused and time.time() < deadline:
        time.sleep(0.05)
    assert again.status().state == "enabled" and again.live.enabled[-1] is True


def test_a_stale_pause_timer_does_not_end_a_new_pause(cfg_dir, tmp_path):
    a = tmp_path / "a.toml"
    a.write_text('[snippets]\nzd = "Hallo"\n')
    app = make_app(cfg_dir, tmp_path, [a])
    app.pause(60)
    stale = app._pause_generation
    app.pause(60)
    app._end_pause(stale)  # the first timer firing late
    assert app.status().paused


def test_config_changes_reach_the_live_expander(cfg_dir, tmp_path):
    cfg_dir.mkdir(parents=True)
    (cfg_dir / "config.toml").write_text('undo = false\npaste_threshold = 50\n[paste_keys]\n"MyTerm" = "ctrl+shift+v"\n')
    app = make_app(cfg_dir, tmp_path)
    app.load()
    assert app.live.options == {"paste_threshold": 50, "undo": False, "paste_keys": {"MyTerm": "ctrl+shift+v"},
                                "exclude_apps": ()}
    (cfg_dir / "config.toml").write_text('undo = true\nexclude_apps = ["KeePassXC"]\n')
    app.load()
    assert app.live.options == {"paste_threshold": 200, "undo": True, "paste_keys": {},
                                "exclude_apps": ("KeePassXC",)}
    (cfg_dir / "config.toml").write_text("undo = tru\n")  # broken: the last good config stays
    app.load()
    assert app.live.options["undo"] is True and "config.toml:1:" in app.status().error


def test_a_new_file_matching_a_configured_glob_is_watched(cfg_dir, tmp_path):
    from expander.watcher import FileWatcher

    team = tmp_path / "team"
    team.mkdir()
    (team / "a.toml").write_text('[snippets]\nzd = "Hallo"\n')
    cfg_dir.mkdir(parents=True)
    (cfg_dir / "config.toml").write_text(f'snippets = ["{team}/*.toml"]\n')
    app = make_app(cfg_dir, tmp_path)
    app.load()
    changed = []
    watcher = FileWatcher(app.watched_paths(), changed.extend)
    watcher.poll()
    (team / "b.toml").write_text('[snippets]\npozh = "bitte"\n')
    deadline = time.time() + 3
    while not changed and time.time() < deadline:
        watcher.poll()
        time.sleep(0.1)
    assert team / "b.toml" in changed
    assert simulate(app.load(), "zd pozh ") == "Hallo bitte "
