from __future__ import annotations

import json
import logging
import os

import pytest

from expander.statefile import State, StateStore, default_state_path


def test_missing_file_gives_defaults(tmp_path):
    st = StateStore(tmp_path / "state.json").load()
    assert st == State(enabled=True, paused_until=None, disabled_sets=set())
    assert st.warnings == []


def test_round_trip(tmp_path):
    store = StateStore(tmp_path / "sub" / "state.json", clock=lambda: 100.0)
    store.save(State(enabled=False, paused_until=500.0, disabled_sets={"Team", "Ä"}))
    st = store.load()
    assert st.enabled is False
    assert st.paused_until == 500.0
    assert st.disabled_sets == {"Team", "Ä"}
    data = json.loads((tmp_path / "sub" / "state.json").read_text(encoding="utf-8"))
    assert data["disabled_sets"] == ["Team", "Ä"]
    assert data["version"] == 1


def test_expired_pause_loads_as_not_paused(tmp_path):
    store = StateStore(tmp_path / "s.json", clock=lambda: 1000.0)
    store.save(State(paused_until=999.0))
    assert store.load().paused_until is None


def test_update_and_set_switch(tmp_path):
    store = StateStore(tmp_path / "s.json")
    store.update(enabled=False)
    store.set_set_enabled("Team", False)
    store.set_set_enabled("Other", False)
    store.set_set_enabled("Other", True)
    st = StateStore(tmp_path / "s.json").load()  # a new process reads the same
    assert st.enabled is False
    assert st.disabled_sets == {"Team"}
    assert st.set_enabled("Other") and not st.set_enabled("Team")
    with pytest.raises(TypeError):
        store.update(bogus=1)


@pytest.mark.parametrize(
    "content",
    ["{not json", "", "[1, 2]", '"text"', "\x00\x01garbage"],
)
def test_corrupt_file_gives_defaults_and_warning(tmp_path, caplog, content):
    p = tmp_path / "state.json"
    p.write_text(content, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="expander.state"):
        st = StateStore(p).load()
    assert (st.enabled, st.paused_until, st.disabled_sets) == (True, None, set())
    assert len(st.warnings) == 1 and "using defaults" in st.warnings[0]
    assert str(p) in caplog.text
    assert p.read_text(encoding="utf-8") == content  # not rewritten on load


def test_wrong_types_ignored_field_by_field(tmp_path):
    p = tmp_path / "state.json"
    p.write_text(json.dumps({"enabled": "yes", "paused_until": "soon", "disabled_sets": ["A", 3]}))
    st = StateStore(p).load()
    assert (st.enabled, st.paused_until, st.disabled_sets) == (True, None, set())
    assert "enabled" in st.warnings[0] and "disabled_sets" in st.warnings[0]
    p.write_text(json.dumps({"enabled": False, "disabled_sets": "A"}))
    st = StateStore(p).load()
    assert st.enabled is False and st.disabled_sets == set()


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path, monkeypatch):
    p = tmp_path / "state.json"
    store = StateStore(p)
    store.save(State(enabled=False))
    before = p.read_text()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        store.save(State(enabled=True, disabled_sets={"X"}))
    assert p.read_text() == before  # old file intact
    assert sorted(x.name for x in tmp_path.iterdir()) == ["state.json"]


def test_save_never_touches_other_files(tmp_path):
    snip = tmp_path / "work.toml"
    snip.write_text('[snippets]\nzd = "Hallo"\n')
    mtime = snip.stat().st_mtime_ns
    store = StateStore(tmp_path / "state.json")
    store.set_set_enabled("work", False)
    assert snip.read_text() == '[snippets]\nzd = "Hallo"\n'
    assert snip.stat().st_mtime_ns == mtime


def test_default_path_is_platformdirs_state_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert default_state_path() == tmp_path / "expander" / "state.json"
