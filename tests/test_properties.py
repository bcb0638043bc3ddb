"""Property tests: the engine never crashes, and agrees with a brute-force reference."""

import json
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expander.matcher import is_word_char
from expander.renderer import apply_case, case_style
from expander.simulate import KeysError, parse_keys, simulate
from snippets.library import Library
from snippets.loader import build_set

ALPHABET = "abzZ ,.-_1řŘßĉ\n"
TRIGGER_CHARS = "abzZ,.řŘßĉ:1"
SPECIALS = ["<BackSpace>", "<Left>", "<Right>", "<Up>", "<Down>", "<Home>", "<End>", "<Delete>",
            "<Escape>", "<click>", "<focus>", "<Return>", "<Tab>", "<Prior>", "<Next>", "<less>"]

keys_strategy = st.lists(st.one_of(st.sampled_from(list(ALPHABET)), st.sampled_from(SPECIALS),
                                   st.text(max_size=3)), max_size=40).map("".join)


def toml_str(s: str) -> str:
    out = []
    for ch in s:
        if ch in '"\\' or ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


snippet_strategy = st.fixed_dictionaries(
    {
        "trigger": st.text(alphabet=TRIGGER_CHARS, min_size=1, max_size=5),
        "replace": st.sampled_from(["X", "Yy{cursor}", "{clipboard}!", "{date}", "{{ }}", "ab zd", "", "ř{cursor}"]),
        "word_start": st.booleans(),
        "word_end": st.booleans(),
        "case": st.sampled_from(["smart", "exact"]),
    }
)


def toml_file(snips) -> str:
    lines = []
    for s in snips:
        lines.append("[[snippet]]")
        for k, v in s.items():
            lines.append(f"{k} = {toml_str(v) if isinstance(v, str) else json.dumps(v)}")
    return "\n".join(lines) + "\n"


def library_from(snips) -> Library:
    text = toml_file(snips)
    import tomllib

    sset, diags = build_set("gen.toml", text, tomllib.loads(text))
    if sset is None:  # duplicates are load errors; keep the first of each
        seen, keep = set(), []
        for s in snips:
            key = (s["case"], s["trigger"].casefold() if s["case"] == "smart" else s["trigger"])
            if key not in seen:
                seen.add(key)
                keep.append(s)
        text = toml_file(keep)
        sset, diags = build_set("gen.toml", text, tomllib.loads(text))
    assert sset is not None, [str(d) for d in diags]
    return Library([sset])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snips=st.lists(snippet_strategy, max_size=6), keys=keys_strategy)
def test_simulate_never_crashes(snips, keys):
    lib = library_from(snips)
    try:
        out = simulate(lib, keys, now=datetime(2026, 1, 2, 3, 4), clipboard="c{b}")
    except KeysError:
        return
    assert isinstance(out, str)


@settings(max_examples=200, deadline=None)
@given(keys=keys_strategy)
def test_without_snippets_the_field_gets_exactly_the_keys(keys):
    from expander.textfield import TextField

    try:
        parsed = parse_keys(keys)
    except KeysError:
        return
    field = TextField()
    for k in parsed:
        field.press(k)
    assert simulate(Library([]), keys) == field.text


def reference(snips, typed: str) -> str:
    """Brute force over every snippet at every keystroke (characters only, no special keys)."""
    text: list = []  # (char, live)
    for ch in typed:
        text.append((ch, True))
        best = None
        for s in snips:
            trig = s["trigger"]
            end = len(text) - (1 if s["word_end"] else 0)
            if s["word_end"] and is_word_char(ch):
                continue
            start = end - len(trig)
            if start < 0:
                continue
            seg = text[start:end]
            if not all(live for _, live in seg):
                continue
            got = "".join(c for c, _ in seg)
            if s["case"] == "smart":
                if got.casefold() != trig.casefold():
                    continue
            elif got != trig:
                continue
            if s["word_start"] and start > 0 and is_word_char(text[start - 1][0]):
                continue
            rank = (len(trig), s["case"] == "exact", not s["word_end"])
            if best is None or rank > best[0]:
                best = (rank, s, got, start)
        if best:
            _, s, got, start = best
            sep = ch if s["word_end"] else ""
            rendered = s["replace"]
            if s["case"] == "smart":
                rendered = apply_case(case_style(got), rendered, "")[0]
            del text[start:]
            text.extend((c, False) for c in rendered)
            text.extend((c, True) for c in sep)
    return "".join(c for c, _ in text)


plain_snippet = st.fixed_dictionaries(
    {
        "trigger": st.text(alphabet=TRIGGER_CHARS, min_size=1, max_size=4),
        "replace": st.text(alphabet="XYř .", max_size=4),
        "word_start": st.booleans(),
        "word_end": st.booleans(),
        "case": st.sampled_from(["smart", "exact"]),
    }
)


@settings(max_examples=400, deadline=None)
@given(snips=st.lists(plain_snippet, max_size=12, unique_by=lambda s: (s["case"], s["trigger"].casefold() if s["case"] == "smart" else s["trigger"])),
       typed=st.text(alphabet=TRIGGER_CHARS + " ", max_size=30))
def test_engine_agrees_with_brute_force_reference(snips, typed):
    lib = library_from(snips)
    assert simulate(lib, typed.replace("<", "<less>")) == reference(snips, typed)


@settings(max_examples=200, deadline=None)
@given(trigger=st.text(alphabet="abzřĉß1", min_size=1, max_size=6),
       case=st.sampled_from(["smart", "exact"]), sep=st.sampled_from([" ", ",", "\n", "."]))
def test_backspace_after_expansion_restores_the_trigger(trigger, case, sep):
    lib = library_from([{"trigger": trigger, "replace": "EXPANSION", "word_start": True, "word_end": True, "case": case}])
    assert simulate(lib, trigger + sep) == "EXPANSION" + sep
    assert simulate(lib, trigger + sep + "<BackSpace>") == trigger
    assert simulate(lib, trigger + sep + "<BackSpace>" + sep) == trigger + sep
