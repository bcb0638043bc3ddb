"""End-to-end: live expansion into a real Tk Text widget and xterm under Xvfb."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from e2e_harness import Live, TkTarget, XtermTarget, load, write_snippets

LONG = ("Sehr geehrte Damen und Herren, vielen Dank für Ihre Nachricht. " * 4).strip() + " Ř ĉ 😀"
SNIPPETS = f'''
[snippets]
zd = "Hallo"
brb = "be right back"
demoo = "https://example.com/demo"
dkj = "Děkuji, že jste nás kontaktovali."
degr = "Grüße, Straße, Äpfel, Öl, Übermut"
czl = "Příliš žluťoučký kůň úpěl ďábelské ódy"
eox = "Eĥoŝanĝo ĉiuĵaŭde ĝis"
qtz = "„Anführung“ “quotes” ‘single’ – —"
emo = "Hi 😀 👍"
nm = "Alex Example"
slf = "slf and slf again"
"@@x" = "at-sign"
"€€" = "euro"
"{{x" = "brace"
"café" = "coffee"
lng = "{LONG}"
shl = "<{{shell:printf 'from a program'}}>"

[[snippet]]
trigger = "imm"
replace = "IMMEDIATE"
word_end = false

[[snippet]]
trigger = "cur"
replace = "<a>{{cursor}}</a>"

[[snippet]]
trigger = "sgn"
replace = "Best,\\n{{snippet:nm}}"

[[snippet]]
trigger = "dt"
replace = "{{date}}"

[[snippet]]
trigger = "clp"
replace = "[{{clipboard}}]"
'''
NOW = dt.datetime(2024, 5, 17, 9, 30)


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return load([write_snippets(tmp_path_factory.mktemp("snip"), SNIPPETS)])


@pytest.fixture(scope="module")
def live(xserver, library, tk):
    runner = Live(xserver, library, now=lambda: NOW)
    yield runner.live
    runner.stop()


@pytest.fixture
def field(tk, keyboard, live):
    keyboard.key("Escape")  # the matcher forgets the previous test
    tk.clear()
    return tk


def simulate(library, keys: str, **kw) -> str:
    from expander.simulate import simulate as sim

    return sim(library, keys, now=NOW, **kw)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("zd ", "Hallo "),
        ("azd ", "azd "),  # not at a word start
        ("zda ", "zda "),  # no word end
        ("zd, demoo.", "Hallo, https://example.com/demo."),
        ("brb\n", "be right back\n"),
        ("Zd ", "Hallo "),  # smart case: capitalised
        ("Brb ", "Be right back "),
        ("BRB ", "BE RIGHT BACK "),
        ("xximm", "xximm"),
        ("imm", "IMMEDIATE"),  # fires on its last character
        ("sgn ", "Best,\nAlex Example "),  # nested
        ("dt ", "2024-05-17 "),  # date
    ],
)
def test_expansions(field, keyboard, typed, expected):
    keyboard.type(typed)
    assert field.wait_text(expected) == expected


def test_backspace_undo(field, keyboard):
    keyboard.type("zd ")
    assert field.wait_text("Hallo ") == "Hallo "
    keyboard.key("BackSpace")
    assert field.wait_text("zd") == "zd"
    keyboard.type(" x")
    assert field.wait_text("zd x") == "zd x"


def test_settings_change_while_running(field, keyboard, live):
    """config.toml changes (undo off, paste everything) apply without a restart."""
    pasted = live.stats["pasted"]
    live.update_options(paste_threshold=0, undo=False, paste_keys={})
    try:
        keyboard.type("zd ")
        assert field.wait_text("Hallo ") == "Hallo "
        assert live.stats["pasted"] == pasted + 1
        keyboard.key("BackSpace")
        assert field.wait_text("Hallo", settle=0.3) == "Hallo"  # no undo
    finally:
        live.update_options(paste_threshold=200, undo=True, paste_keys={})


def test_backspace_edits_trigger(field, keyboard):
    keyboard.type("zx")
    keyboard.key("BackSpace")
    keyboard.type("d ")
    assert field.wait_text("Hallo ") == "Hallo "


def test_cursor_placement(field, keyboard):
    keyboard.type("cur ")
    assert field.wait_for(lambda t, c: t == "<a></a> " and c == 3)
    keyboard.type("X")
    assert field.wait_text("<a>X</a> ") == "<a>X</a> "


def test_escape_and_arrow_reset(field, keyboard):
    keyboard.type("z")
    keyboard.key("Escape")
    keyboard.type("d ")
    assert field.wait_text("zd ") == "zd "
    keyboard.type("z")
    keyboard.key("Left", "Right")
    keyboard.type("d ")
    assert field.wait_text("zd zd ") == "zd zd "


def test_click_resets(field, keyboard, xserver):
    keyboard.type("z")
    # below the text: the caret stays at the end, only the click can make "zd" not fire
    xserver.run("xdotool", "mousemove", "400", "150", "click", "1")
    keyboard.type("d ")
    assert field.wait_text("zd ") == "zd "
    keyboard.type("zd ")
    assert field.wait_text("zd Hallo ") == "zd Hallo "


def test_focus_change_resets(field, keyboard, xserver):
    keyboard.type("z")
    other = TkTarget(xserver, title="expander-other", x=700)  # takes the focus ...
    other.close()
    field.focus()  # ... and gives it back: nothing typed in between, only the focus moved
    keyboard.type("d ")
    assert field.wait_text("zd ") == "zd "


def test_clipboard_placeholder(field, keyboard):
    field.set_clipboard("från clip ✓")
    keyboard.type("clp ")
    assert field.wait_text("[från clip ✓] ") == "[från clip ✓] "


UNICODE_CASES = [
    ("degr ", "Grüße, Straße, Äpfel, Öl, Übermut "),
    ("dkj ", "Děkuji, že jste nás kontaktovali. "),
    ("czl ", "Příliš žluťoučký kůň úpěl ďábelské ódy "),
    ("eox ", "Eĥoŝanĝo ĉiuĵaŭde ĝis "),
    ("qtz ", "„Anführung“ “quotes” ‘single’ – — "),
    ("emo ", "Hi 😀 👍 "),
]


def test_unicode_tk(field, keyboard):
    expected = ""
    for typed, out in UNICODE_CASES:
        keyboard.type(typed)
        expected += out
        assert field.wait_text(expected, settle=0) == expected
    assert field.wait_text(expected) == expected


def test_long_text_is_pasted(field, keyboard, live):
    pasted = live.stats["pasted"]
    keyboard.type("lng ")
    assert field.wait_text(LONG + " ") == LONG + " "
    assert live.stats["pasted"] == pasted + 1


def test_unicode_xterm(xserver, keyboard, live, tmp_path, tk):
    term = XtermTarget(xserver, tmp_path)
    try:
        expected = ""
        for typed, out in UNICODE_CASES + [("lng ", LONG + " ")]:
            keyboard.type(typed)
            expected += out
            assert term.wait_text(expected, settle=0) == expected
        assert term.wait_text(expected) == expected
    finally:
        term.close()
        tk.focus()


def test_own_output_never_triggers(field, keyboard):
    # an expansion containing its own trigger must not loop
    keyboard.type("slf zd ")
    assert field.wait_text("slf and slf again Hallo ") == "slf and slf again Hallo "
    time.sleep(0.2)
    assert field.text == "slf and slf again Hallo "


def test_caps_lock_on(field, keyboard):
    keyboard.key("Caps_Lock")
    try:
        keyboard.key("z", "d", "space")  # the user sees "ZD": smart case upper-cases all
        assert field.wait_text("HALLO ") == "HALLO "
        keyboard.key("d", "k", "j", "space")
        assert field.wait_text("HALLO DĚKUJI, ŽE JSTE NÁS KONTAKTOVALI. ") == "HALLO DĚKUJI, ŽE JSTE NÁS KONTAKTOVALI. "
    finally:
        keyboard.key("Caps_Lock")


def test_disable_and_replace_library(field, keyboard, live, library, tmp_path):
    live.set_enabled(False)
    keyboard.type("zd ")
    assert field.wait_text("zd ") == "zd "
    live.set_enabled(True)
    keyboard.type("zd ")
    assert field.wait_text("zd Hallo ") == "zd Hallo "
    other = load([write_snippets(tmp_path, '[snippets]\nqqx = "Ahoj světe"\n', name="other")])
    live.replace_library(other)
    try:
        keyboard.type("zd qqx ")
        assert field.wait_text("zd Hallo zd Ahoj světe ") == "zd Hallo zd Ahoj světe "
    finally:
        live.replace_library(library)
    keyboard.type("zd ")
    assert field.wait_text("zd Hallo zd Ahoj světe Hallo ") == "zd Hallo zd Ahoj světe Hallo "
    assert live.counters["zd"] >= 2 and live.counters["qqx"] == 1



def test_active_window_change_resets(field, keyboard, xserver):
    """With a window manager, _NET_ACTIVE_WINDOW on the root window announces focus changes."""
    keyboard.type("z")
    xserver.run("xprop", "-root", "-f", "_NET_ACTIVE_WINDOW", "32x", "-set", "_NET_ACTIVE_WINDOW", "0x1234")
    time.sleep(0.05)
    keyboard.type("d ")
    assert field.wait_text("zd ") == "zd "


def test_shell_placeholder_live(field, keyboard):
    keyboard.type("shl ")
    assert field.wait_text("<from a program> ") == "<from a program> "


def test_worker_survives_an_error(field, keyboard, live, caplog):
    """One failing event is logged by type and place only; typing keeps expanding."""
    errors = live.stats["errors"]
    with caplog.at_level("ERROR", logger="expander.live"):
        live._command(lambda: {}["secret-text"])
        keyboard.type("zd ")
        assert field.wait_text("Hallo ") == "Hallo "
    assert live.stats["errors"] == errors + 1
    assert any("KeyError at test_live.py:" in r.getMessage() for r in caplog.records)
    assert not any("secret-text" in r.getMessage() for r in caplog.records)


def test_hotkey_in_the_key_stream(field, keyboard, live):
    """The toggle hotkey is seen in expander's own key stream: exact chord, once per press."""
    import threading

    fired = []
    done = threading.Event()

    def callback():
        fired.append(1)
        done.set()

    live.set_hotkey("<ctrl>+<alt>+e", callback)
    try:
        keyboard.type("hello e zd ")  # plain typing, and an expansion whose keys are ours
        assert field.wait_text("hello e Hallo ") == "hello e Hallo "
        keyboard.key("ctrl+e", "alt+e", "ctrl+shift+e", "ctrl+alt+shift+e")
        time.sleep(0.3)
        assert fired == []
        keyboard.key("ctrl+alt+e")
        assert done.wait(3) and fired == [1]
        keyboard.key("ctrl+alt+e")
        deadline = time.monotonic() + 3
        while len(fired) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert fired == [1, 1]
    finally:
        live.set_hotkey(None, callback)


def test_excluded_apps_get_no_expansions(field, keyboard, live, xserver):
    """exclude_apps (by WM_CLASS, any case): nothing expands while such a window has the focus."""
    classes = xserver.run("xprop", "-id", field_window(xserver), "WM_CLASS").stdout.decode()
    assert '"Tk"' in classes, classes
    live.update_options(paste_threshold=200, undo=True, paste_keys={}, exclude_apps=["XTerm"])
    try:
        keyboard.type("zd ")
        assert field.wait_text("Hallo ") == "Hallo "  # another app is excluded: this one expands
        live.update_options(paste_threshold=200, undo=True, paste_keys={}, exclude_apps=["tk"])
        keyboard.type("zd ")
        assert field.wait_text("Hallo zd ", settle=0.3) == "Hallo zd "
    finally:
        live.update_options(paste_threshold=200, undo=True, paste_keys={}, exclude_apps=[])
    keyboard.type("zd ")
    assert field.wait_text("Hallo zd Hallo ") == "Hallo zd Hallo "


def field_window(xserver) -> str:
    out = xserver.run("xdotool", "search", "--name", "expander-target").stdout.split()
    return out[-1].decode()


def test_exclusion_follows_the_focus(field, keyboard, live, xserver, tmp_path):
    """Typing in an excluded app (xterm here) expands nothing; back in Tk it expands again."""
    live.update_options(paste_threshold=200, undo=True, paste_keys={}, exclude_apps=["XTerm"])
    term = XtermTarget(xserver, tmp_path)
    try:
        keyboard.type("zd ")
        assert term.wait_text("zd ", settle=0.3) == "zd "
    finally:
        term.close()
        field.focus()
    try:
        keyboard.type("zd ")
        assert field.wait_text("Hallo ") == "Hallo "
    finally:
        live.update_options(paste_threshold=200, undo=True, paste_keys={}, exclude_apps=[])
