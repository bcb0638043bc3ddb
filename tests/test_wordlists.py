"""Accidental-trigger lint against the system word lists (wngerman, wamerican, hunspell-de-de)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from snippets.loader import load_file
from snippets.wordlists import DEFAULT, WordList, WordLists, accidental_trigger_warnings, normalize_lang


def load(tmp_path, text, name="team.toml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    sset, diags = load_file(p)
    assert sset is not None, diags
    return sset


SUPPORT = """\
    [set]
    lang = "{lang}"

    [snippets]
    zd = "Hallo"
    pozh = "bitte"
    demoo = "https://example.com/demo"
    demo = "https://example.com/demo"
    """


@pytest.mark.parametrize("lang", ["de", "en", "de-DE", "en_US"])
def test_demo_warns_demoo_zd_pozh_do_not(tmp_path, lang):
    sset = load(tmp_path, SUPPORT.format(lang=lang))
    warnings = accidental_trigger_warnings([sset])
    assert [w.message.split("'")[1] for w in warnings] == ["demo"]
    [w] = warnings
    assert w.severity == "warning"
    assert (w.path, w.line, w.col) == (str(tmp_path / "team.toml"), 8, 1)
    assert str(w).startswith(f"{tmp_path / 'team.toml'}:8:1: warning: accidental trigger 'demo'")
    assert "ordinary" in w.message and "'demoo'" not in w.message or "use a non-word" in w.message


def test_message_names_language_and_suggests_double_letter(tmp_path):
    [w] = accidental_trigger_warnings([load(tmp_path, SUPPORT.format(lang="de"))])
    assert "German word" in w.message
    assert "use a non-word such as 'demoo'" in w.message


def test_system_lists_are_found():
    de = DEFAULT.get("de")
    en = DEFAULT.get("en")
    assert de is not None and en is not None, "install wngerman, wamerican and hunspell-de-de"
    assert "/usr/share/dict/ngerman" in de.paths
    assert "/usr/share/hunspell/de_DE.dic" in de.paths
    assert "/usr/share/dict/american-english" in en.paths
    # Inflected forms: full-form list and hunspell affix rules
    for word in ("Demo", "demos", "Häuser", "gemacht", "bitte", "hallo"):
        assert word in de, word
    for word in ("demoo", "zd", "pozh", "mfgg"):
        assert word not in de and word not in en, word


def test_no_lang_no_check_unless_default(tmp_path):
    sset = load(tmp_path, '[snippets]\ndemo = "x"\n')
    assert accidental_trigger_warnings([sset]) == []
    assert len(accidental_trigger_warnings([sset], default_lang="en")) == 1


def test_unknown_language_warns_once_at_the_set(tmp_path):
    sset = load(tmp_path, '[set]\nlang = "xx"\n\n[snippets]\ndemo = "x"\nzd = "y"\n')
    [w] = accidental_trigger_warnings([sset], wordlists=WordLists(use_wordfreq=False))
    assert "no word list for language 'xx'" in w.message
    assert (w.line, w.col) == (1, 1)


def test_immediate_trigger_that_starts_words(tmp_path):
    sset = load(tmp_path, """\
        [set]
        lang = "de"

        [[snippet]]
        trigger = "demo"
        replace = "x"
        word_end = false

        [[snippet]]
        trigger = "zdx"
        replace = "y"
        word_end = false
        """)
    [w] = accidental_trigger_warnings([sset])
    assert "'demo'" in w.message and "start with it" in w.message
    assert w.line == 5


def test_inside_word_triggers(tmp_path):
    sset = load(tmp_path, """\
        [set]
        lang = "en"

        [[snippet]]
        trigger = "tion"
        replace = "x"
        word_start = false

        [[snippet]]
        trigger = "ati"
        replace = "y"
        word_start = false
        word_end = false

        [[snippet]]
        trigger = "qqx"
        replace = "z"
        word_start = false
        word_end = false
        """)
    ws = accidental_trigger_warnings([sset])
    assert [w.message.split("'")[1] for w in ws] == ["tion", "ati"]
    assert "end of English words" in ws[0].message
    assert "inside English words" in ws[1].message


def test_separator_only_trigger_is_not_checked(tmp_path):
    sset = load(tmp_path, '[set]\nlang = "en"\n[snippets]\n":-)" = "x"\n"a" = "y"\n')
    ws = accidental_trigger_warnings([sset])
    assert [w.message.split("'")[1] for w in ws] == ["a"]


# --------------------------------------------------------------------------- file formats


def test_plain_list_and_hunspell_affixes(tmp_path):
    dict_dir = tmp_path / "dict"
    hun_dir = tmp_path / "hunspell"
    dict_dir.mkdir()
    hun_dir.mkdir()
    (dict_dir / "french").write_text("bonjour\nMerci\n", encoding="utf-8")
    (hun_dir / "fr_FR.aff").write_text(textwrap.dedent("""\
        SET UTF-8
        ONLYINCOMPOUND o
        SFX S Y 1
        SFX S   0     s       .
        SFX E Y 1
        SFX E   er    ère     er
        PFX R Y 1
        PFX R   0     re      .
        """), encoding="utf-8")
    (hun_dir / "fr_FR.dic").write_text("4\nchat/S\nboulanger/E\nfaire/R\ngrand/o\n", encoding="utf-8")
    wls = WordLists([dict_dir], [hun_dir], use_wordfreq=False)
    wl = wls.get("fr-CA")
    assert wl.paths == [str(dict_dir / "french"), str(hun_dir / "fr_FR.dic")]
    for word in ("bonjour", "merci", "chat", "chats", "boulangère", "refaire", "faire"):
        assert word in wl, word
    for word in ("chatss", "boulangerère", "grand", "reboulanger", "bonj"):
        assert word not in wl, word
    assert wl.word_starting_with("bonj") == "bonjour"
    assert wl.word_ending_with("jour") == "bonjour"
    assert wl.word_containing("njo") == "bonjour"
    assert wl.word_containing("xyz") is None
    assert wls.get("fr") is wl  # cached per language


def test_latin1_hunspell_dictionary(tmp_path):
    (tmp_path / "cs_CZ.aff").write_bytes(b"SET ISO8859-2\n")
    (tmp_path / "cs_CZ.dic").write_bytes("1\nžluťoučký\n".encode("iso8859-2"))
    wl = WordLists([], [tmp_path], use_wordfreq=False).get("cs")
    assert "žluťoučký" in wl and "Žluťoučký" in wl


def test_normalize_lang():
    assert normalize_lang("de-AT") == ("de", "AT")
    assert normalize_lang("en_us") == ("en", "US")
    assert normalize_lang("EO") == ("eo", None)


def test_wordlist_from_words():
    wl = WordList("xx", words=["Demo"])
    assert "demo" in wl and "DEMO" in wl and "demoo" not in wl and len(wl) == 1


FIXTURES = sorted((Path(__file__).parent / "fixtures" / "team").glob("*.toml"))


def test_team_fixtures_have_no_accidental_triggers(tmp_path):
    from snippets.loader import load_library

    result = load_library(FIXTURES)
    assert result.ok and len(result.sets) == 2
    assert accidental_trigger_warnings(result.sets) == []
    # The same set with the plain word as trigger is caught.
    text = FIXTURES[0].read_text(encoding="utf-8").replace('demoo = ', 'demo = ')
    sset = load(tmp_path, text, "support-de.toml")
    [w] = accidental_trigger_warnings([sset])
    assert "'demo'" in w.message and w.line == 14
