"""Snippet files with mistakes: every error names file:line:col; nothing is written."""

import textwrap

import pytest

from snippets.loader import load_file, load_library


def diags_of(tmp_path, text, name="s.toml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    before = p.read_bytes()
    sset, diags = load_file(p)
    assert p.read_bytes() == before  # loading never writes
    return sset, [str(d).replace(str(p), "F") for d in diags]


ERRORS = [
    ('[snippets]\nzd = "Hallo\n', "F:2:12: error: TOML syntax: Illegal character '\\n'"),
    ('[snippets]\nzd = "a"\nzd = "b"\n', "F:3:9: error: TOML syntax: Cannot overwrite a value"),
    ('[[snippet]]\ntrigger = "x"\nreplce = "y"\n', "F:3:1: error: unknown key 'replce' (did you mean 'replace'?)"),
    ('[[snippet]]\ntrigger = "x"\n', "F:1:1: error: [[snippet]] needs 'replace'"),
    ('[[snippet]]\nreplace = "x"\n', "F:1:1: error: [[snippet]] needs 'trigger' or 'triggers'"),
    ('[[snippet]]\ntrigger = ""\nreplace = "x"\n', "F:2:11: error: a trigger must be a non-empty string"),
    ('[snippets]\n"" = "x"\n', "F:2:1: error: a trigger must be a non-empty string"),
    ('[[snippet]]\ntrigger = 3\nreplace = "x"\n', "F:2:11: error: a trigger must be a non-empty string"),
    ('[[snippet]]\ntrigger = "x"\nreplace = "x"\nword_end = "no"\n', "F:4:12: error: 'word_end' must be true or false"),
    ('[[snippet]]\ntrigger = "x"\nreplace = "x"\ncase = "upper"\n',
     "F:4:8: error: 'case' must be \"smart\" or \"exact\", not 'upper'"),
    ('[snippets]\nzd = "Hallo {nme}"\n', "F:2:13: error: unknown placeholder {nme}"),
    ('[snippets]\nzd = "a {cursor} b {cursor}"\n', "F:2:20: error: a second {cursor} (the first is at offset 2)"),
    ('[snippets]\nzd = "a { b"\n', "F:2:9: error: unmatched '{' (write '{{' for a literal brace)"),
    ('[snippets]\nzd = "a } b"\n', "F:2:9: error: unmatched '}' (write '}}' for a literal brace)"),
    ('[snippets]\nzd = 5\n', "F:2:6: error: snippet 'zd': the replacement must be a string (use [[snippet]] for options)"),
    ('[set]\nname = "x"\nprio = 1\n', "F:3:1: error: unknown key 'prio' (did you mean 'priority'?)"),
    ('[set]\npriority = "high"\n', "F:2:12: error: set.priority must be an integer"),
    ('[snipets]\nzd = "x"\n', "F:1:1: error: unknown key 'snipets' (did you mean 'snippets'?)"),
    ('[snippets]\nzd = "x"\n[[snippet]]\ntrigger = "ZD"\nreplace = "y"\n',
     "F:4:1: error: duplicate trigger 'ZD' (first defined at F:2:1)"),
    ('[snippet]\ntrigger = "x"\n', "F:1:1: error: write [[snippet]] (an array of tables), not [snippet]"),
    ('[[snippet]]\ntrigger = "x"\nreplace = "y"\nexamples = [["a"]]\n',
     "F:4:12: error: 'examples' must be an array of [keys, expected] string pairs"),
    ('[snippets]\nzd = """\nline\n{bad}"""\n', "F:4:1: error: unknown placeholder {bad}"),
    ('[snippets]\n"ř" = "x {date:}"\n', "F:2:10: error: {date:} needs a format after ':'"),
    # positions inside CRLF multi-line strings, after line-ending backslashes, in inline tables
    ('[snippets]\r\nzd = """\r\nab\r\ncd{foo}"""\r\n', "F:4:3: error: unknown placeholder {foo}"),
    ('[snippets]\nzd = """ab\\\n   cd{foo}"""\n', "F:3:6: error: unknown placeholder {foo}"),
    ('snippets = { zd = "Hallo", bad = "x{foo}" }\n', "F:1:36: error: unknown placeholder {foo}"),
    ('snippet = [\n  { trigger = "a", replace = "{foo}" },\n  { trigger = "b", replce = "x" },\n]\n',
     "F:3:20: error: unknown key 'replce' (did you mean 'replace'?)"),
    ('snippet = [\n  { trigger = "a", replace = "{foo}" },\n]\n', "F:2:31: error: unknown placeholder {foo}"),
    ('[snippets]\nzd.x = "a"\n',
     "F:2:1: error: snippet 'zd': the replacement must be a string (use [[snippet]] for options)"),
    ('[[snippet]]\ntrigger="a"\nreplace="x"\n[snippet.sub]\nq=1\n', "F:4:1: error: unknown key 'sub' (allowed: "
     "case, examples, label, replace, tags, trigger, triggers, word_end, word_start)"),
    ('[[snippet]]\ntrigger="a"\nreplace="x"\n[[snippet]]\ntrigger = "b"\nreplace = "y"\n'
     'examples = [\n  ["a", "b"],\n  ["c"],\n]\n',
     "F:7:12: error: 'examples' must be an array of [keys, expected] string pairs"),
]


@pytest.mark.parametrize("text,expected", ERRORS)
def test_error_positions(tmp_path, text, expected):
    sset, diags = diags_of(tmp_path, text)
    assert sset is None
    assert expected in diags, diags


def test_not_utf8(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_bytes(b'[snippets]\nzd = "caf\xe9"\n')
    sset, diags = load_file(p)
    assert sset is None and str(diags[0]) == f"{p}:2:10: error: file is not valid UTF-8"


def test_missing_file(tmp_path):
    sset, diags = load_file(tmp_path / "nope.toml")
    assert sset is None and str(diags[0]).startswith(f"{tmp_path / 'nope.toml'}:1:1: error: cannot read file")


def test_all_options_load(tmp_path):
    sset, diags = diags_of(
        tmp_path,
        """
        [set]
        name = "Support DE"
        description = "d"
        priority = 3
        lang = "de"

        [snippets]
        zd = "Hallo"

        [[snippet]]
        triggers = ["sig1", "sigde"]
        replace = "Best regards,\\n{snippet:zd}"
        word_start = false
        word_end = false
        case = "exact"
        label = "Signature"
        tags = ["closing", "email"]
        examples = [["sig1", "Best regards,\\nHallo"]]
        """,
    )
    assert diags == []
    assert (sset.name, sset.priority, sset.lang) == ("Support DE", 3, "de")
    sig = [s for s in sset.snippets if s.trigger == "sigde"][0]
    assert (sig.word_start, sig.word_end, sig.case, sig.label, sig.tags) == (False, False, "exact", "Signature", ("closing", "email"))
    assert sig.location.line == 11
    assert sset.snippets[0].location.line == 8


def test_nested_cycle_is_error(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text('[snippets]\na = "{snippet:b}"\nb = "x{snippet:a}"\nc = "ok"\n')
    result = load_library([p])
    msgs = [str(d) for d in result.diagnostics]
    assert any("cycle" in m and m.startswith(f"{p}:2:1:") for m in msgs), msgs
    assert not result.ok
    assert [s.trigger for s in result.library.active] == ["c"]


def test_nested_unknown_is_error(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text('[snippets]\na = "{snippet:nope}"\n')
    result = load_library([p])
    assert [str(d) for d in result.diagnostics] == [f"{p}:2:1: error: {{snippet:nope}} refers to no known trigger"]


def test_broken_file_does_not_stop_others(tmp_path):
    good = tmp_path / "a.toml"
    good.write_text('[snippets]\nzd = "Hallo"\n')
    bad = tmp_path / "b.toml"
    bad.write_text('[snippets]\nzd = \n')
    result = load_library([tmp_path])
    assert [s.trigger for s in result.library.active] == ["zd"]
    assert result.failed == [str(bad)]
    assert not result.ok


def test_byte_order_mark_is_accepted(tmp_path):
    p = tmp_path / "bom.toml"
    p.write_bytes(b'\xef\xbb\xbf[snippets]\nzd = "Hallo"\n')
    sset, diags = load_file(p)
    assert diags == [] and sset.snippets[0].trigger == "zd"


def test_triggers_are_composed_nfc(tmp_path):
    from expander.simulate import simulate

    p = tmp_path / "nfc.toml"
    p.write_text('[snippets]\n"cafe\\u0301" = "coffee"\n')
    result = load_library([p])
    assert result.ok and simulate(result.library, "caf\u00e9 ") == "coffee "


def test_overlong_trigger_and_deep_nesting_are_errors(tmp_path):
    p = tmp_path / "long.toml"
    p.write_text('[snippets]\n"' + "q" * 300 + '" = "x"\n')
    sset, diags = load_file(p)
    assert sset is None and str(diags[0]) == f"{p}:2:1: error: a trigger must be at most 256 characters long"
    deep = tmp_path / "deep.toml"
    deep.write_text("[snippets]\n" + "".join(f'n{i} = "{{snippet:n{i + 1}}}"\n' for i in range(100)) + 'n100 = "end"\n')
    result = load_library([deep])
    assert not result.ok and any("more than 32 deep" in d.message for d in result.diagnostics)


def test_same_file_twice_loads_once(tmp_path):
    p = tmp_path / "a.toml"
    p.write_text('[snippets]\nzd = "Hallo"\n')
    result = load_library([tmp_path, p, tmp_path / "." / "a.toml"])
    assert len(result.sets) == 1 and result.library.overrides == []


def test_positions_come_from_the_loaded_text_not_the_file_now(tmp_path):
    p = tmp_path / "a.toml"
    p.write_text('[snippets]\nzd = "Hallo"\n')
    sset, _ = load_file(p)
    p.write_text('# one\n# two\n# three\n[snippets]\nzd = "Hallo"\n')
    assert str(sset.snippets[0].location) == f"{p}:2:1"
