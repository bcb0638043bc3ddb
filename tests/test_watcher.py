"""The file watcher sees edits, editor-style replaces, creation and deletion within 1 s."""

from __future__ import annotations

import os
import queue
import threading
import time
from pathlib import Path

import pytest

from expander.watcher import FileWatcher


class Recorder:
    def __init__(self):
        self.q: "queue.Queue[tuple[float, set[Path]]]" = queue.Queue()

    def __call__(self, changed):
        self.q.put((time.monotonic(), changed))

    def wait(self, timeout=1.0):
        """The next callback's paths and its delay from now, or fail after timeout."""
        t0 = time.monotonic()
        try:
            t, changed = self.q.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"no change reported within {timeout} s")
        return changed, t - t0

    def nothing(self, for_s=0.8):
        try:
            t, changed = self.q.get(timeout=for_s)
        except queue.Empty:
            return True
        pytest.fail(f"unexpected change reported: {changed}")


@pytest.fixture
def tree(tmp_path):
    snips = tmp_path / "snippets"
    snips.mkdir()
    (snips / "a.toml").write_text('[snippets]\nzd = "Hallo"\n')
    (snips / "sub").mkdir()
    (snips / "sub" / "b.toml").write_text('[snippets]\nbtw = "by the way"\n')
    (snips / "notes.txt").write_text("ignored")
    cfg = tmp_path / "config.toml"
    cfg.write_text("")
    return tmp_path, snips, cfg


@pytest.fixture
def watched(tree):
    tmp, snips, cfg = tree
    rec = Recorder()
    w = FileWatcher([snips, cfg], rec).start()
    time.sleep(0.05)
    yield rec, tmp, snips, cfg
    w.stop()


def test_in_place_edit_within_1s(watched):
    rec, tmp, snips, cfg = watched
    (snips / "a.toml").write_text('[snippets]\nzd = "Hallo!"\n')  # same dir, same inode
    changed, dt = rec.wait(1.0)
    assert changed == {snips / "a.toml"}
    assert dt < 1.0


def test_same_size_edit_detected(watched):
    rec, tmp, snips, cfg = watched
    p = snips / "a.toml"
    before = p.stat()
    p.write_text('[snippets]\nzd = "Hallx"\n')
    assert p.stat().st_size == before.st_size
    changed, _ = rec.wait(1.0)
    assert changed == {p}


def test_editor_write_and_rename(watched):
    rec, tmp, snips, cfg = watched
    p = snips / "sub" / "b.toml"
    tmp_file = snips / "sub" / ".b.toml.swp"
    tmp_file.write_text('[snippets]\nbtw = "by the way!"\n')
    os.replace(tmp_file, p)
    changed, dt = rec.wait(1.0)
    assert changed == {p}
    rec.nothing(0.6)  # one callback, the swap file is not reported


def test_delete_then_recreate_is_debounced(watched):
    rec, tmp, snips, cfg = watched
    p = snips / "a.toml"
    p.unlink()
    time.sleep(0.05)
    p.write_text('[snippets]\nzd = "neu"\n')
    changed, _ = rec.wait(1.0)
    assert changed == {p}
    rec.nothing(0.6)


def test_delete_reported(watched):
    rec, tmp, snips, cfg = watched
    (snips / "sub" / "b.toml").unlink()
    changed, _ = rec.wait(1.0)
    assert changed == {snips / "sub" / "b.toml"}


def test_new_file_in_folder_and_ignored_patterns(watched):
    rec, tmp, snips, cfg = watched
    (snips / "notes.txt").write_text("changed, but not a .toml")
    (snips / "c.toml").write_text("")
    changed, _ = rec.wait(1.0)
    assert changed == {snips / "c.toml"}


def test_config_file_watched_even_when_created_later(tree):
    tmp, snips, cfg = tree
    cfg.unlink()
    rec = Recorder()
    with FileWatcher([cfg], rec):
        rec.nothing(0.5)
        cfg.write_text("[x]\n")
        changed, _ = rec.wait(1.0)
        assert changed == {cfg}
        cfg.write_text("[x]\ny = 1\n")
        changed, _ = rec.wait(1.0)
        assert changed == {cfg}


def test_glob(tree):
    tmp, snips, cfg = tree
    rec = Recorder()
    with FileWatcher([str(snips / "*.toml")], rec):
        (snips / "sub" / "b.toml").write_text("x")  # not matched by the glob
        (snips / "a.toml").write_text("y")
        changed, _ = rec.wait(1.0)
        assert changed == {snips / "a.toml"}


def test_no_spurious_callbacks(watched):
    rec, *_ = watched
    rec.nothing(0.8)


def test_burst_of_writes_gives_bounded_delay(watched):
    """Continuous writes (every 0.1 s) still report within max_delay, not after they stop."""
    rec, tmp, snips, cfg = watched
    p = snips / "a.toml"
    stop = threading.Event()

    def writer():
        i = 0
        while not stop.is_set():
            p.write_text(f"# {i}\n")
            i += 1
            time.sleep(0.1)

    t = threading.Thread(target=writer)
    t.start()
    try:
        changed, dt = rec.wait(1.2)
        assert p in changed
    finally:
        stop.set()
        t.join()


def test_callback_exception_does_not_stop_watching(tree):
    tmp, snips, cfg = tree
    calls = []

    def cb(changed):
        calls.append(changed)
        if len(calls) == 1:
            raise RuntimeError("loader crashed")

    with FileWatcher([snips], cb):
        (snips / "a.toml").write_text("1")
        deadline = time.monotonic() + 1.0
        while not calls and time.monotonic() < deadline:
            time.sleep(0.02)
        (snips / "a.toml").write_text("22")
        deadline = time.monotonic() + 1.5
        while len(calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert len(calls) == 2


def test_poll_is_deterministic_with_fake_clock(tree):
    tmp, snips, cfg = tree
    now = [0.0]
    got = []
    w = FileWatcher([snips], got.append, clock=lambda: now[0], debounce=0.25, max_delay=0.6)
    (snips / "a.toml").write_text("changed")
    assert w.poll() == set()  # seen, not yet quiet
    now[0] = 0.1
    assert w.poll() == set()
    now[0] = 0.3
    assert w.poll() == {snips / "a.toml"}
    assert got == [{snips / "a.toml"}]
    assert w.poll() == set()


def test_stop_joins_thread(tree):
    tmp, snips, cfg = tree
    w = FileWatcher([snips], lambda c: None).start()
    w.stop()
    assert not any(t.name == "expander-watcher" and t.is_alive() for t in threading.enumerate())


def test_set_paths_switches_roots(tree):
    tmp, snips, cfg = tree
    rec = Recorder()
    other = tmp / "other"
    other.mkdir()
    (other / "x.toml").write_text("")
    with FileWatcher([cfg], rec) as w:
        w.set_paths([other])
        rec.nothing(0.5)  # switching does not report the new files
        cfg.write_text("not watched any more")
        (other / "x.toml").write_text("now watched")
        changed, _ = rec.wait(1.0)
        assert changed == {other / "x.toml"}
