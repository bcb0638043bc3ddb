"""Tray icons drawn with Pillow: enabled, off (paused or disabled), error.

Each icon is a rounded square with a distinct colour *and* a distinct shape
(so it reads in grey-scale trays too): green with a text caret "e"-bar mark
for enabled, grey with two pause bars for paused/disabled, red with an
exclamation mark for error. Drawn at 4x and downsampled for smooth edges at
the sizes trays use (16..64 px).
"""

from __future__ import annotations

from functools import lru_cache

from PIL import Image, ImageDraw

#: Sizes tray hosts ask for (GNOME/KDE/XFCE/Windows at 100-200 %).
SIZES = (16, 22, 24, 32, 48, 64)

#: Which picture each state uses.
STATE_ICON = {"enabled": "enabled", "paused": "off", "disabled": "off", "error": "error"}

COLOURS = {
    "enabled": (46, 158, 68, 255),
    "off": (120, 120, 120, 255),
    "error": (208, 52, 44, 255),
}
WHITE = (255, 255, 255, 255)
_SS = 4  # supersampling factor


def _draw(kind: str, size: int) -> Image.Image:
    n = size * _SS
    img = Image.new("RGBA", (n, n), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    m = max(1, round(n * 0.04))
    d.rounded_rectangle((m, m, n - 1 - m, n - 1 - m), radius=n // 5, fill=COLOURS[kind])

    def box(x0, y0, x1, y1):  # fractions of the icon -> pixels
        return (round(x0 * n), round(y0 * n), round(x1 * n), round(y1 * n))

    if kind == "enabled":
        # an "expand" mark: a short bar growing into a long bar with an arrow head
        d.rectangle(box(0.22, 0.26, 0.50, 0.38), fill=WHITE)
        d.rectangle(box(0.22, 0.62, 0.66, 0.74), fill=WHITE)
        d.polygon(
            [(round(0.62 * n), round(0.52 * n)), (round(0.82 * n), round(0.68 * n)),
             (round(0.62 * n), round(0.84 * n))],
            fill=WHITE,
        )
    elif kind == "off":
        d.rectangle(box(0.30, 0.24, 0.43, 0.76), fill=WHITE)
        d.rectangle(box(0.57, 0.24, 0.70, 0.76), fill=WHITE)
    elif kind == "error":
        d.rectangle(box(0.43, 0.18, 0.57, 0.60), fill=WHITE)
        d.ellipse(box(0.42, 0.68, 0.58, 0.84), fill=WHITE)
    else:  # pragma: no cover - guarded by make_icon
        raise ValueError(kind)
    return img.resize((size, size), Image.LANCZOS)


@lru_cache(maxsize=None)
def _cached(kind: str, size: int) -> Image.Image:
    return _draw(kind, size)


def make_icon(state: str, size: int = 64) -> Image.Image:
    """The icon for a :attr:`tray.interface.Status.state` at ``size`` px (a copy)."""
    try:
        kind = STATE_ICON[state]
    except KeyError:
        raise ValueError(f"unknown tray state {state!r}; expected one of {sorted(STATE_ICON)}")
    if not 8 <= size <= 512:
        raise ValueError(f"icon size {size} out of range 8..512")
    return _cached(kind, size).copy()
