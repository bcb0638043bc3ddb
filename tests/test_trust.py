"""Actions beyond text ({shell:...}) are refused in shared sets unless the source is trusted."""

from __future__ import annotations

import textwrap

from expander.simulate import simulate
from snippets.loader import load_file, load_library
from snippets.sources import Source, SourceManager, load_all
from snippets.trust import enforce_trust, is_untrusted, trust_errors

SHARED = """\
    [set]
    name = "Team Tools"

    [snippets]
    zd = "Hallo"

    [[snippet]]
    trigger = "ipx"
    replace = "IP: {shell:hostname -I}"

    [[snippet]]
    trigger = "ipp"
    replace = "see {snippet:ipx}"
    """


def share(tmp_path, text=SHARED):
    d = tmp_path / "share"
    d.mkdir(exist_ok=True)
    (d / "tools.toml").write_text(textwrap.dedent(text), encoding="utf-8")
    return d


def manager(tmp_path, trusted):
    src = Source(name="team", path=str(share(tmp_path)), trusted=trusted)
    m = SourceManager([src], cache_dir=tmp_path / "cache")
    m.resolve()
    return m


def test_untrusted_source_refuses_shell_with_place_and_set(tmp_path):
    result = load_all(manager(tmp_path, trusted=False), [])
    errors = [d for d in result.diagnostics if d.is_error]
    path = str(tmp_path / "share" / "tools.toml")
    assert [(d.path, d.line, d.col) for d in errors] == [(path, 8, 1), (path, 12, 1)]
    assert "set 'Team Tools'" in errors[0].message and "source 'team'" in errors[0].message
    assert "{shell:hostname -I} runs a program" in errors[0].message
    assert "trusted = true" in errors[0].message
    assert "through {snippet:ipx}" in errors[1].message
    assert str(errors[0]).startswith(f"{path}:8:1: error: refused: snippet 'ipx'")
    # The refused snippets are not in the library; the plain-text one still expands.
    assert sorted(s.trigger for s in result.library.active) == ["zd"]
    assert simulate(result.library, "zd ipx ipp ") == "Hallo ipx ipp "
    [sset] = result.sets
    assert sset.read_only and sset.source == "team" and not sset.trusted


def test_trusted_source_keeps_shell(tmp_path):
    result = load_all(manager(tmp_path, trusted=True), [])
    assert [d for d in result.diagnostics if d.is_error] == []
    assert sorted(s.trigger for s in result.library.active) == ["ipp", "ipx", "zd"]


def test_personal_sets_may_use_shell(tmp_path):
    p = tmp_path / "mine.toml"
    p.write_text('[snippets]\nwho = "{shell:whoami}"\n', encoding="utf-8")
    result = load_all(None, [p])
    assert result.ok
    assert [s.trigger for s in result.library.active] == ["who"]


def test_untrusted_set_may_not_nest_a_personal_shell_snippet(tmp_path):
    share(tmp_path, '[snippets]\nme = "I am {snippet:who}"\nzd = "Hallo"\n')
    p = tmp_path / "mine.toml"
    p.write_text('[snippets]\nwho = "{shell:whoami}"\n', encoding="utf-8")
    m = SourceManager([Source(name="team", path=str(tmp_path / "share"))], cache_dir=tmp_path / "cache")
    result = load_all(m, [p])
    [err] = [d for d in result.diagnostics if d.is_error]
    assert "'me'" in err.message and "through {snippet:who}" in err.message
    assert sorted(s.trigger for s in result.library.active) == ["who", "zd"]


def test_enforce_trust_on_plain_sets(tmp_path):
    f = share(tmp_path) / "tools.toml"
    untrusted, _ = load_file(f, read_only=True, source="team", trusted=False)
    trusted, _ = load_file(f, read_only=True, source="team", trusted=True)
    personal, _ = load_file(f)
    assert is_untrusted(untrusted) and not is_untrusted(trusted) and not is_untrusted(personal)
    kept, errs = enforce_trust([untrusted, trusted, personal])
    assert [len(s.snippets) for s in kept] == [1, 3, 3]
    assert len(errs) == 2 and len(trust_errors([untrusted])) == 2
    assert len(untrusted.snippets) == 3  # the input set is not changed


def test_untrusted_text_only_set_is_unchanged(tmp_path):
    share(tmp_path, '[snippets]\nzd = "Hallo {date}"\nx = "{{literal}} {clipboard}"\n')
    result = load_all(SourceManager([Source(name="team", path=str(tmp_path / "share"))],
                                    cache_dir=tmp_path / "cache"), [])
    assert result.ok and len(result.library.active) == 2


def test_nested_reference_resolves_by_precedence_like_expansion(tmp_path):
    """A shared snippet must not reach the user's own {shell:} through a trigger the user overrides."""
    from expander.simulate import simulate
    from snippets.library import Library
    from snippets.loader import load_file

    shared = tmp_path / "shared.toml"
    shared.write_text('[set]\nname = "team"\n[snippets]\nhi = "Hello {snippet:sig}"\nsig = "Team"\n')
    mine = tmp_path / "mine.toml"
    mine.write_text('[set]\nname = "me"\n[snippets]\nsig = "{shell:echo PWNED}"\n')
    sh, _ = load_file(shared, order=0, read_only=True, source="team", trusted=False)
    me, _ = load_file(mine, order=1)
    sets, refusals = enforce_trust([sh], others=[me])
    assert [d.line for d in refusals] == [4] and "through {snippet:sig}" in refusals[0].message
    assert simulate(Library(sets + [me]), "hi ") == "hi "
