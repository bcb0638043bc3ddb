"""Fixtures for the end-to-end tests (helpers live in e2e_harness.py).

The Xvfb fixture FAILS when the display cannot start and ``CI`` is set (it skips only
outside CI). Every process started here is stopped here; one Xvfb serves the session.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2e_harness import Keyboard, TkTarget, XServer  # noqa: E402


@pytest.fixture(scope="session")
def xserver():
    server = XServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tk(xserver):
    target = TkTarget(xserver)
    yield target
    target.close()


@pytest.fixture(scope="session")
def keyboard(xserver):
    return Keyboard(xserver)
