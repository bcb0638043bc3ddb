"""End-to-end: the user keeps typing while expansions are injected.

The final text must equal what `expander simulate` gives for the same keys (every
user key lands after the expansion it followed), whatever the typing speed.
"""

from __future__ import annotations

import pytest

from e2e_harness import Live, load, write_snippets

SNIPPETS = '''
[snippets]
zd = "Hallo"
pozh = "bitte"
demoo = "https://example.com/demo"
brb = "be right back"
dkj = "Děkuji, že jste nás kontaktovali."
nm = "Alex Example"
'''


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return load([write_snippets(tmp_path_factory.mktemp("snip"), SNIPPETS, name="conc")])


@pytest.fixture(scope="module")
def live(xserver, library, tk):
    runner = Live(xserver, library)
    yield runner.live
    runner.stop()


@pytest.fixture
def field(tk, keyboard, live):
    keyboard.key("Escape")
    tk.clear()
    return tk


def expected_for(library, keys):
    from expander.simulate import simulate

    return simulate(library, keys)


def test_typing_at_15ms_per_key_while_expanding(field, keyboard, library):
    keys = "zd, pozh demoo brb zd. dkj nm zd demoo! brb, zd dkj ok brb demoo zd "
    keyboard.type(keys, delay_ms=15)
    expected = expected_for(library, keys)
    assert field.wait_text(expected, timeout=10, settle=0.3) == expected


@pytest.mark.parametrize("delay_ms", [0, 1, 5])
def test_fast_typing_while_expanding(field, keyboard, library, live, delay_ms):
    keys = "zd demoo brb dkj zd, demoo. brb! zd dkj demoo zd brb nm "
    keyboard.type(keys, delay_ms=delay_ms)
    expected = expected_for(library, keys)
    assert field.wait_text(expected, timeout=10, settle=0.3) == expected
