"""``expander run``: expand while the user types, until Quit, SIGINT or SIGTERM."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from pathlib import Path

log = logging.getLogger("expander")


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="start expanding in the current X session")
    p.add_argument("--snippets", action="append", metavar="FILE",
                   help="run with these snippet files instead of the configured ones (repeatable)")
    p.add_argument("--no-tray", action="store_true", help="run without the tray icon")
    p.add_argument("--config", type=Path, help="config.toml to use (default: the user's)")
    p.add_argument("-v", "--verbose", action="store_true", help="log more (never what is typed)")
    p.set_defaults(func=run)


def socket_path() -> Path:
    from expander.control_socket import SOCKET_NAME, default_socket_path

    env = os.environ.get("EXPANDER_RUNTIME_DIR")
    return Path(env) / SOCKET_NAME if env else default_socket_path()


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="expander: %(message)s",
        stream=sys.stderr,
    )
    if not verbose:
        # pystray logs a traceback per icon update while no tray host is running; the tray
        # module already says once that the icon appears when a tray starts
        logging.getLogger("pystray").setLevel(logging.CRITICAL)


def run(args) -> int:
    _setup_logging(args.verbose)
    from expander.app import App, first_start
    from expander.control_socket import AlreadyRunning, ControlError, ControlServer
    from expander.live import LiveExpander, LiveOptions
    from expander.x11 import X11Unavailable

    app = App(config_path=args.config, snippet_files=args.snippets)

    def on_signal(signum, frame):
        app.quit()

    # before anything binds keycodes or owns the socket: a signal always ends in the clean-up below
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    for d in app.config_errors:
        log.error("%s", d)
    if args.snippets is None:
        done = first_start(app.cfg)
        if done:
            log.info("%s", done)
    server = ControlServer(app, socket_path())
    try:
        server.bind()
    except AlreadyRunning as exc:
        print(f"expander: {exc}", file=sys.stderr)
        return 1
    except ControlError as exc:
        print(f"expander: control socket: {exc}", file=sys.stderr)
        return 1
    watcher = tray = None
    try:
        library = app.load()
        if not args.snippets and not app.personal_paths():
            log.warning("no snippet files configured")
        cfg = app.cfg
        live = LiveExpander(
            library,
            LiveOptions(paste_threshold=cfg.paste_threshold, undo=cfg.undo, paste_keys=dict(cfg.paste_keys),
                        exclude_apps=tuple(cfg.exclude_apps)),
        )
        try:
            live.start()
        except X11Unavailable as exc:
            print(f"expander: {exc}", file=sys.stderr)
            return 1
        app.live = live
        live.set_enabled(app.active())
        server.start()

        from expander.watcher import FileWatcher

        _set_hotkey(app, live)

        def on_change(changed) -> None:
            spec = app.cfg.toggle_hotkey
            _reload(app, watcher)
            if app.cfg.toggle_hotkey != spec:  # a new hotkey in config.toml is live too
                _set_hotkey(app, live)

        watcher = FileWatcher(app.watched_paths(), on_change)
        watcher.start()
        _start_source_polling(app)
        if not args.no_tray:
            from tray.app import TrayApp

            _name_the_process()
            tray = TrayApp(app, on_quit=app.quit)
            tray.start()  # logs once whether there is a tray, and what is missing

        while not app.quit_event.wait(0.25):
            if live.wait(0):
                log.error("live expansion stopped: %s", live.error or "the X connection ended")
                return 1
        return 0
    finally:
        if tray is not None:
            tray.stop()
        if watcher is not None:
            watcher.stop()
        app.quit_event.set()
        if app.live is not None:
            app.live.stop()
            counts = app.live.counters
            log.info("stopped after %d expansion(s)", sum(counts.values()))
        server.stop()


def _reload(app, watcher) -> None:
    log.info("snippet or config files changed: reloading")
    app.load(network=False)
    watcher.set_paths(app.watched_paths())


def _set_hotkey(app, live) -> None:
    """The toggle hotkey, watched in the live key stream (no second keyboard hook)."""
    from expander.hotkey import HotkeySpecError

    try:
        live.set_hotkey(app.cfg.toggle_hotkey, app.toggle)
    except HotkeySpecError as exc:
        log.warning("toggle hotkey not available: %s", exc)


def _start_source_polling(app):
    if app.sources is None:
        return None

    def poll():
        while not app.quit_event.wait(min(60.0, max(1.0, app.sources.next_due_in()))):
            try:
                app.poll_sources()
            except Exception:
                log.exception("refreshing shared sources failed")

    t = threading.Thread(target=poll, name="expander-sources", daemon=True)
    t.start()
    return t


def _name_the_process() -> None:
    """Call ourselves "expander" in GTK (the tray icon's WM_CLASS), not "__main__.py"."""
    try:
        from gi.repository import GLib

        GLib.set_prgname("expander")
        GLib.set_application_name("expander")
    except Exception:  # no PyGObject: pystray uses another backend
        pass
