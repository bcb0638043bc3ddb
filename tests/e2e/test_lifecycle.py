"""End-to-end: start-up/shutdown behaviour of the live expander."""

from __future__ import annotations

import threading


from e2e_harness import XServer, load, write_snippets


def test_x_server_going_away_ends_run_live(tmp_path):
    from expander.live import LiveOptions, run_live

    server = XServer().start()
    lib = load([write_snippets(tmp_path, '[snippets]\nzd = "Hallo"\n', name="life")])
    result = {}
    ready = threading.Event()

    def run():
        result["live"] = run_live(lib, LiveOptions(display=server.name), on_ready=lambda live: ready.set(),
                                  handle_signals=False)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        assert ready.wait(10)
    finally:
        server.stop()
    thread.join(10)
    assert not thread.is_alive()
    assert result["live"].error


def test_stop_restores_spare_keycodes(xserver, tmp_path):
    from Xlib.display import Display

    from expander.live import LiveExpander, LiveOptions

    def empty_keycodes():
        d = Display(xserver.name)
        mn, mx = d.display.info.min_keycode, d.display.info.max_keycode
        rows = d.get_keyboard_mapping(mn, mx - mn + 1)
        d.close()
        return sum(1 for r in rows if not any(r))

    before = empty_keycodes()
    lib = load([write_snippets(tmp_path, '[snippets]\nx1 = "ěščřžýáíé"\n', name="keys")])
    live = LiveExpander(lib, LiveOptions(display=xserver.name))
    live.start()
    assert empty_keycodes() < before
    live.stop()
    assert empty_keycodes() == before


def test_ready_line_and_counts(xserver, tmp_path, caplog):
    import logging

    from expander.live import LiveExpander, LiveOptions

    lib = load([write_snippets(tmp_path, '[snippets]\na1 = "x"\na2 = "y"\n', name="s1"),
                write_snippets(tmp_path, '[snippets]\nb1 = "z"\n', name="s2")])
    with caplog.at_level(logging.INFO, logger="expander.live"):
        live = LiveExpander(lib, LiveOptions(display=xserver.name))
        live.start()
        live.stop()
    ready = [r.getMessage() for r in caplog.records if "ready" in r.getMessage()]
    assert ready == ["ready: 3 snippets in 2 sets"]
