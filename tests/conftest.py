import textwrap

import pytest

from snippets.loader import load_library


@pytest.fixture
def make_library(tmp_path):
    """Write TOML snippet files and load them: make_library(text, text2, ...)."""

    def make(*texts, disabled=()):
        paths = []
        for i, text in enumerate(texts):
            p = tmp_path / f"set{i}.toml"
            p.write_text(textwrap.dedent(text), encoding="utf-8")
            paths.append(p)
        result = load_library(paths, disabled_sets=disabled)
        assert result.ok, [str(d) for d in result.diagnostics]
        return result.library

    return make
