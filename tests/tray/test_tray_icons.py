"""The three tray icons are visibly different at every tray size."""

from __future__ import annotations

import pytest
from PIL import ImageChops, ImageStat

from tray.icons import SIZES, make_icon


def _diff(a, b) -> float:
    """Mean absolute per-channel difference, 0..255."""
    d = ImageChops.difference(a.convert("RGBA"), b.convert("RGBA"))
    return sum(ImageStat.Stat(d).mean) / 4


def _pixels(img):
    b = img.convert("RGBA").tobytes()
    return [tuple(b[i : i + 4]) for i in range(0, len(b), 4)]


def _mean_rgb(img):
    # mean colour of opaque pixels
    px = [p for p in _pixels(img) if p[3] > 200]
    return tuple(sum(c[i] for c in px) / len(px) for i in range(3))


@pytest.mark.parametrize("size", SIZES)
def test_icons_differ_at_every_size(size):
    en, off, err = (make_icon(s, size) for s in ("enabled", "paused", "error"))
    for img in (en, off, err):
        assert img.size == (size, size)
        assert img.mode == "RGBA"
    assert _diff(en, off) > 20
    assert _diff(en, err) > 20
    assert _diff(off, err) > 20


def test_shapes_differ_not_only_colour():
    # compare grey-scale silhouettes: still different
    a, b, c = (make_icon(s, 32).convert("L") for s in ("enabled", "paused", "error"))
    assert ImageChops.difference(a, b).getbbox() is not None
    assert _diff(a.convert("RGBA"), c.convert("RGBA")) > 5
    white = [sum(1 for p in _pixels(make_icon(s, 32)) if p[0] > 230 and p[1] > 230 and p[2] > 230)
             for s in ("enabled", "paused", "error")]
    assert len(set(white)) == 3


def test_colours_read_as_expected():
    r, g, b = _mean_rgb(make_icon("enabled", 48))
    assert g > r and g > b
    r, g, b = _mean_rgb(make_icon("error", 48))
    assert r > g and r > b
    r, g, b = _mean_rgb(make_icon("paused", 48))
    assert max(r, g, b) - min(r, g, b) < 10  # grey


def test_paused_and_disabled_share_the_off_icon():
    assert _diff(make_icon("paused", 24), make_icon("disabled", 24)) == 0


def test_transparent_corners():
    img = make_icon("enabled", 64)
    assert img.getpixel((0, 0))[3] == 0


def test_unknown_state_and_size_rejected():
    with pytest.raises(ValueError):
        make_icon("sleepy")
    with pytest.raises(ValueError):
        make_icon("enabled", 2)


def test_returns_copies():
    a = make_icon("enabled", 16)
    a.putpixel((8, 8), (0, 0, 0, 0))
    assert make_icon("enabled", 16).getpixel((8, 8)) != (0, 0, 0, 0)
