"""Every rule of the engine core as a table: snippet files, KEYS typed -> field text."""

from datetime import datetime

import pytest

from expander.simulate import simulate

NOW = datetime(2026, 11, 26, 9, 30)

BASIC = """
[snippets]
zd = "Hallo"
pozh = "bitte"
demoo = "https://example.com/demo"
brb = "be right back"
btw = "by the way"
see = "(see)"
"1a" = "one a"
"ß" = "scharfes s"
"groß" = "GROSS"
"""

CASES = [
    # word boundaries and separators
    ("zd ", "Hallo "),
    ("zd,", "Hallo,"),
    ("zd\n", "Hallo\n"),
    ("zd\t", "Hallo\t"),
    ("zd<Return>", "Hallo\n"),
    ("zd<Tab>", "Hallo\t"),
    ("zd", "zd"),
    ("zdx ", "zdx "),
    ("xzd ", "xzd "),
    ("_zd ", "_zd "),
    ("1zd ", "1zd "),
    ("řzd ", "řzd "),
    ("-zd ", "-Hallo "),
    ("(zd)", "(Hallo)"),
    ("zd zd ", "Hallo Hallo "),
    ("zd, pozh.", "Hallo, bitte."),
    ("demo ", "demo "),
    ("demoo ", "https://example.com/demo "),
    ("Demo ", "Demo "),
    # smart case
    ("Zd ", "Hallo "),
    ("ZD ", "HALLO "),
    ("zD ", "Hallo "),
    ("Btw ", "By the way "),
    ("BTW ", "BY THE WAY "),
    ("bTW ", "by the way "),
    ("BTw ", "By the way "),
    ("See ", "(See) "),
    ("1A ", "One a "),
    ("1a ", "one a "),
    ("ß ", "scharfes s "),
    ("GROSS ", "GROSS "),
    ("groß ", "GROSS "),
    # backspace editing
    ("zx<BackSpace>d ", "Hallo "),
    ("zdd<BackSpace> ", "Hallo "),
    ("z<BackSpace><BackSpace>zd ", "Hallo "),
    ("a<BackSpace>zd ", "Hallo "),
    # undo
    ("zd <BackSpace>", "zd"),
    ("demoo <BackSpace>", "demoo"),
    ("Zd,<BackSpace>", "Zd"),
    ("zd <BackSpace> zd ", "zd Hallo "),
    ("zd <BackSpace>zd ", "zdzd "),
    ("zd <BackSpace> ", "zd "),
    ("zd <BackSpace><BackSpace>", "z"),
    ("zd x<BackSpace>", "Hallo "),
    ("zd <Left><BackSpace>", "Hall "),
    # resets
    ("ab<Left><Right>zd ", "abHallo "),
    ("ab<click>zd ", "abHallo "),
    ("ab<focus>zd ", "abHallo "),
    ("ab<Escape>zd ", "abHallo "),
    ("ab<chord>zd ", "abHallo "),
    ("z<click>d ", "zd "),
    ("z<Left><Right>d ", "zd "),
    ("zd<Home> ", " zd"),
    ("zd<Delete> ", "zd "),
    # an expansion counts as typed text for boundaries only
    ("brbzd ", "brbzd "),
    ("brb zd ", "be right back Hallo "),
    ("<less>zd ", "<Hallo "),
    ("a<b ", "a<b "),
]


@pytest.mark.parametrize("keys,expected", CASES)
def test_basic_rules(make_library, keys, expected):
    assert simulate(make_library(BASIC), keys, now=NOW) == expected


OPTIONS = """
[[snippet]]
trigger = "cx"
replace = "ĉ"
word_start = false
word_end = false

[[snippet]]
trigger = "sx"
replace = "ŝ"
word_start = false
word_end = false

[[snippet]]
trigger = "ux"
replace = "ŭ"
word_start = false
word_end = false

[[snippet]]
trigger = ":sig"
replace = "Grüße"

[[snippet]]
trigger = "Exact"
replace = "exakt"
case = "exact"

[[snippet]]
trigger = "ende"
replace = "END"
word_start = false

[[snippet]]
triggers = ["dkj", "děk"]
replace = "Děkuji, že jste nás kontaktovali."

[[snippet]]
trigger = "ahoj"
replace = "Ahoj"
word_end = false
"""

OPTION_CASES = [
    ("cxu ", "ĉu "),
    ("Cxu ", "Ĉu "),
    ("CX", "Ĉ"),
    ("mansxauxo", "manŝaŭo"),
    ("sxcx", "ŝĉ"),
    (":sig ", "Grüße "),
    ("a:sig ", "a:sig "),
    (" :sig ", " Grüße "),
    (":Sig ", "Grüße "),
    ("Exact ", "exakt "),
    ("exact ", "exact "),
    ("EXACT ", "EXACT "),
    ("Wochenende ", "WochenEND "),
    ("ende ", "END "),
    ("endex ", "endex "),
    ("dkj ", "Děkuji, že jste nás kontaktovali. "),
    ("děk ", "Děkuji, že jste nás kontaktovali. "),
    ("Děk ", "Děkuji, že jste nás kontaktovali. "),
    ("ahoj", "Ahoj"),
    ("ahoj ", "Ahoj "),
    ("xahoj", "xahoj"),
    ("ahoj<BackSpace>", "ahoj"),
    ("ahoj<BackSpace>ahoj", "ahojahoj"),
]


@pytest.mark.parametrize("keys,expected", OPTION_CASES)
def test_option_rules(make_library, keys, expected):
    assert simulate(make_library(OPTIONS), keys, now=NOW) == expected


PLACEHOLDERS = """
[snippets]
nm = "Alex"
sig = "Regards,\\n{snippet:nm}"
nest = "[{snippet:cur}]"
cur = "<{cursor}>"
today = "{date}"
now = "{time}"
de = "{date:%d.%m.%Y}"
soon = "{date+3d:%d.%m.}"
past = "{date-1d}"
later = "{time+2h}"
week = "{date+1w:%d}"
mins = "{time+90m:%H:%M}"
clip = "[{clipboard}]"
br = "{{x}}"
cx = "a{cursor}b"
ce = "{cursor}ab"
"""

PLACEHOLDER_CASES = [
    ("sig ", "Regards,\nAlex "),
    ("nest ", "[<>] "),
    ("cur ", "<> "),
    ("cur x", "<x> "),
    ("today ", "2026-11-26 "),
    ("now ", "09:30 "),
    ("de ", "26.11.2026 "),
    ("soon ", "29.11. "),
    ("past ", "2026-11-25 "),
    ("later ", "11:30 "),
    ("week ", "03 "),
    ("mins ", "11:00 "),
    ("clip ", "[Zwischenablage] "),
    ("br ", "{x} "),
    ("cx ", "ab "),
    ("cx <BackSpace>", "cx"),
    ("ce <BackSpace>", "ab "),
    ("Cx ", "Ab "),
]


@pytest.mark.parametrize("keys,expected", PLACEHOLDER_CASES)
def test_placeholders(make_library, keys, expected):
    assert simulate(make_library(PLACEHOLDERS), keys, now=NOW, clipboard="Zwischenablage") == expected


def test_cursor_caret_position(make_library):
    from expander.engine import Engine
    from expander.simulate import parse_keys, replay

    field = replay(Engine(make_library(PLACEHOLDERS)), parse_keys("cur "))
    assert (field.text, field.caret) == ("<> ", 1)


PRECEDENCE_A = """
[set]
name = "A"
priority = 5
[snippets]
zd = "from A"
x1 = "A1"
"""
PRECEDENCE_B = """
[set]
name = "B"
[snippets]
zd = "from B"
x1 = "B1"
x2 = "B2"
"""
PRECEDENCE_C = """
[set]
name = "C"
[snippets]
x2 = "C2"
"""


def test_precedence(make_library):
    lib = make_library(PRECEDENCE_A, PRECEDENCE_B, PRECEDENCE_C)
    assert simulate(lib, "zd x1 x2 ") == "from A A1 C2 "


def test_disabled_set_takes_no_part(make_library):
    lib = make_library(PRECEDENCE_A, PRECEDENCE_B, disabled=["A"])
    assert simulate(lib, "zd x1 ") == "from B B1 "


LONGEST = """
[[snippet]]
trigger = "my"
replace = "MY"
word_end = false

[[snippet]]
trigger = "a-my"
replace = "LONG"
word_end = false

[[snippet]]
trigger = "b"
replace = "bee"

[[snippet]]
trigger = "ab"
replace = "ay-bee"
word_start = false
"""


@pytest.mark.parametrize(
    "keys,expected",
    [("my", "MY"), ("a-my", "LONG"), ("x-my", "x-MY"), ("ab ", "ay-bee "), ("b ", "bee "), ("cab ", "cay-bee ")],
)
def test_longest_wins(make_library, keys, expected):
    assert simulate(make_library(LONGEST), keys) == expected


def test_expansion_containing_its_trigger_does_not_loop(make_library):
    lib = make_library('[snippets]\nzd = "zd zd"\n')
    assert simulate(lib, "zd ") == "zd zd "
    assert simulate(lib, "zd zd ") == "zd zd zd zd "


def test_no_match_begins_inside_expansion(make_library):
    lib = make_library(
        """
        [snippets]
        ab = "xa"
        [[snippet]]
        trigger = "ab"
        replace = "never"
        case = "exact"
        word_start = false
        word_end = false
        [[snippet]]
        trigger = "ac"
        replace = "AC!"
        word_start = false
        word_end = false
        """
    )
    # "ab" (exact, immediate) fires -> "never"; a trigger spanning the expansion cannot fire
    assert simulate(lib, "ab") == "never"
    assert simulate(lib, "abc") == "neverc"


def test_no_undo_option(make_library):
    lib = make_library(BASIC)
    assert simulate(lib, "zd <BackSpace>", undo=False) == "Hallo"


def test_text_movement_keys(make_library):
    lib = make_library(BASIC)
    assert simulate(lib, "ab\ncdef<Up>X") == "abX\ncdef"
    assert simulate(lib, "abcd\nef<Up><Right>X") == "abcXd\nef"
    assert simulate(lib, "ab\ncd<Up><Up>X") == "Xab\ncd"
    assert simulate(lib, "ab\ncd<Home><Down>X") == "ab\ncdX"
    assert simulate(lib, "abc\nd<Up><End>X") == "abcX\nd"
    assert simulate(lib, "ab\ncd<Prior>X<Next>Y") == "Xab\ncdY"
    assert simulate(lib, "abc<Left><Left><Delete>") == "ac"


def test_shell_placeholder_in_personal_set(make_library):
    lib = make_library('[snippets]\nwho = "I am {shell:echo expander}."\nbad = "{shell:exit 3}"\n')
    assert simulate(lib, "who ") == "I am expander. "
    assert simulate(lib, "bad ") == "bad "  # a failing command leaves the trigger as typed


def test_failing_placeholder_without_runner_is_reported(make_library):
    from expander.engine import Engine

    engine = Engine(make_library('[snippets]\nwho = "{shell:echo x}"\n'))
    for ch in "who ":
        assert engine.feed(ch) is None
    assert engine.failures and engine.failures[0][0] == "who"


UNDO_EDGES = """
[snippets]
c0 = "{cursor}abc"
zd = "Hallo"
zdx = "LONG"

[[snippet]]
trigger = "ac"
replace = ""
word_end = false
"""


@pytest.mark.parametrize(
    "keys,expected",
    [
        ("q c0 <BackSpace>", "q c0"),  # caret at the expansion's start: the deleted space comes back
        ("x ac<BackSpace>", "x ac"),  # an empty expansion is undone too
        ("zd <BackSpace>x ", "LONG "),  # only the restored trigger itself is blocked
        ("zd <BackSpace> ", "zd "),
        ("zd <BackSpace>,", "zd,"),
    ],
)
def test_undo_edges(make_library, keys, expected):
    assert simulate(make_library(UNDO_EDGES), keys) == expected


def test_keys_by_any_keysym_name():
    from expander.simulate import KeysError, parse_keys

    assert parse_keys("<a><adiaeresis><EuroSign><U010D><scaron><space><less>") == list("aä€čš <")
    with pytest.raises(KeysError):
        parse_keys("<Shift_L>")
