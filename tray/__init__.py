"""The tray icon and its menu; talks to the engine only through tray.interface."""
