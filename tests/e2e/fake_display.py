"""A keyboard map in memory that Keymap and Injector can use instead of an X server."""

from __future__ import annotations

from types import SimpleNamespace

MIN, MAX = 8, 140


class FakeDisplay:
    def __init__(self, rows: dict):
        self.display = SimpleNamespace(info=SimpleNamespace(min_keycode=MIN, max_keycode=MAX))
        self.map = {kc: rows.get(kc, (0,) * 6) for kc in range(MIN, MAX + 1)}

    def get_keyboard_mapping(self, first, count):
        return [self.map[kc] for kc in range(first, first + count)]

    def change_keyboard_mapping(self, first, rows):
        for i, row in enumerate(rows):
            self.map[first + i] = tuple(row)

    def sync(self):
        pass

    def query_extension(self, name):
        return SimpleNamespace(major_opcode=140)
