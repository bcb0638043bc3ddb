"""Renderer unit tests: template parsing, placeholders, smart case, and the word rule."""

from datetime import datetime, timedelta

import pytest

from expander.matcher import is_word_char
from expander.renderer import (
    Clipboard, Cursor, DateTime, Nested, RenderContext, Shell, TemplateError, apply_case, case_style,
    parse_template, render,
)

NOW = datetime(2026, 2, 27, 23, 30)


@pytest.mark.parametrize(
    "text,parts",
    [
        ("", ()),
        ("plain", ("plain",)),
        ("a{cursor}b", ("a", Cursor(), "b")),
        ("{{x}}", ("{x}",)),
        ("{clipboard}", (Clipboard(),)),
        ("{date}", (DateTime("%Y-%m-%d"),)),
        ("{time}", (DateTime("%H:%M"),)),
        ("{time:%H:%M:%S}", (DateTime("%H:%M:%S"),)),
        ("{date+3d:%d}", (DateTime("%d", timedelta(days=3)),)),
        ("{date-1w}", (DateTime("%Y-%m-%d", timedelta(weeks=-1)),)),
        ("{time+90m}", (DateTime("%H:%M", timedelta(minutes=90)),)),
        ("{time-2h}", (DateTime("%H:%M", timedelta(hours=-2)),)),
        ("x{snippet:sig}", ("x", Nested("sig", 1))),
        ("{shell:date +%s}", (Shell("date +%s"),)),
    ],
)
def test_parse(text, parts):
    assert parse_template(text) == parts


@pytest.mark.parametrize(
    "text,offset,message",
    [
        ("{nope}", 0, "unknown placeholder {nope}"),
        ("ab{date+3x}", 2, "unknown placeholder {date+3x}"),
        ("{Cursor}", 0, "unknown placeholder {Cursor}"),
        ("{ cursor }", 0, "unknown placeholder { cursor }"),
        ("{}", 0, "unknown placeholder {}"),
        ("a{", 1, "unmatched '{' (write '{{' for a literal brace)"),
        ("a{b{c}}", 1, "unmatched '{' (write '{{' for a literal brace)"),
        ("a}", 1, "unmatched '}' (write '}}' for a literal brace)"),
        ("{cursor}{cursor}", 8, "a second {cursor} (the first is at offset 0)"),
        ("{snippet:}", 0, "{snippet:} needs a trigger"),
        ("{date:}", 0, "{date:} needs a format after ':'"),
        ("{date+9999999999d}", 0, "{date+9999999999d}: the offset is more than 100 years"),
        ("x{date+3000000d}", 1, "{date+3000000d}: the offset is more than 100 years"),
        ("{time-5300w:%H}", 0, "{time-5300w:%H}: the offset is more than 100 years"),
    ],
)
def test_parse_errors(text, offset, message):
    with pytest.raises(TemplateError) as exc:
        parse_template(text)
    assert (exc.value.offset, exc.value.message) == (offset, message)


def test_render_placeholders_and_nesting():
    nested = {"nm": parse_template("Alex{cursor}!"), "sig": parse_template("--\n{snippet:nm}")}
    ctx = RenderContext(now=lambda: NOW, clipboard=lambda: "CLIP", nested=nested.get)
    assert render(parse_template("{date} {time} {date+2d:%d.%m.} {time+1h}"), ctx) == (
        "2026-02-27 23:30 01.03. 00:30", "")
    assert render(parse_template("[{clipboard}]{cursor}<{snippet:sig}>"), ctx) == ("[CLIP]", "<--\nAlex!>")


def test_clock_is_read_once_per_expansion():
    calls = []
    ctx = RenderContext(now=lambda: calls.append(1) or NOW)
    render(parse_template("{date} {time} {date+1d}"), ctx)
    assert calls == [1]


def test_shell_needs_a_runner():
    with pytest.raises(RuntimeError):
        render(parse_template("{shell:echo hi}"), RenderContext())
    assert render(parse_template("<{shell:x}>"), RenderContext(run_shell=lambda c: c.upper())) == ("<X>", "")


@pytest.mark.parametrize(
    "typed,style",
    [("btw", "keep"), ("Btw", "capitalize"), ("BTW", "upper"), ("bTW", "keep"), ("BTw", "capitalize"),
     ("B", "capitalize"), ("b", "keep"), ("1A", "capitalize"), ("1a", "keep"), (":SIG", "upper"),
     (":Sig", "capitalize"), ("::", "keep"), ("ŘZ", "upper"), ("Řz", "capitalize"), ("ß", "keep")],
)
def test_case_style(typed, style):
    assert case_style(typed) == style


@pytest.mark.parametrize(
    "style,before,after,expected",
    [
        ("keep", "by the way", "", ("by the way", "")),
        ("capitalize", "(see)", "", ("(See)", "")),
        ("capitalize", "  ", "x", ("  ", "X")),
        ("upper", "straße", "ě", ("STRASSE", "Ě")),
        ("capitalize", "123", "", ("123", "")),
    ],
)
def test_apply_case(style, before, after, expected):
    assert apply_case(style, before, after) == expected


@pytest.mark.parametrize("ch", list("aZřĉß9_٣") + ["\u0301"])
def test_word_chars(ch):
    assert is_word_char(ch)


@pytest.mark.parametrize("ch", list(" \t\n,.;:-()[]{}'\"/\\!?@€“”") + ["\u00a0", "😀"])
def test_separators(ch):
    assert not is_word_char(ch)
