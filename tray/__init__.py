"""The tray icon and its menu; talks to the engine only through tray.interface.

Wiring ``expander run`` (what the app provides and calls)::

    from tray.interface import AppControl, Status, SetInfo   # the app implements AppControl
    from tray.app import TrayApp                              # pystray glue, best backend
    from expander.control_socket import ControlServer, AlreadyRunning
    from expander.statefile import StateStore
    from expander.watcher import FileWatcher
    from expander.hotkey import start_hotkey_listener, HotkeySpecError, HotkeyUnavailable

    try:
        server = ControlServer(control).start()   # refuses a second instance
    except AlreadyRunning as e:
        sys.exit(f"{e}")                          # "expander is already running (pid N)"
    watcher = FileWatcher(snippet_paths + [config_path], lambda changed: control.reload()).start()
    hotkey = start_hotkey_listener(cfg_hotkey, lambda: control.set_enabled(not control.status().active))
    tray = TrayApp(control, on_quit=live.stop)
    result = tray.run()                           # main thread; returns at Quit or tray.stop()
    if not result.shown:                          # no tray: logged once, keep expanding
        live.wait()
    ... finally: tray.stop(); hotkey.stop(); watcher.stop(); server.stop()

``tests/tray/live_app.py`` is a complete reference AppControl over the live engine
(LiveExpander + loader + StateStore + FileWatcher) used by the end-to-end test.
"""
