"""The live loop's two text models stay bounded (no X needed)."""

from expander.live import LiveExpander, repair_ops
from expander.textfield import TextField
from snippets.library import Library


def test_models_keep_only_recent_text():
    live = LiveExpander(Library([]))
    text = "x" * 5000
    live.app, live.intended = TextField(text), TextField(text)
    live._trim_models()
    assert live.app == live.intended and len(live.app.text) == 2048 and live.app.caret == 2048
    # the caret far back in the text: nothing safe to keep, start afresh
    live.app, live.intended = TextField(text, 10), TextField(text, 10)
    live._trim_models()
    assert live.app.text == "" and live.intended.text == ""


def test_repair_after_trim_still_exact():
    app, want = TextField("abc" * 10 + "Xyz"), TextField("abc" * 10 + "Hallo yz", 32)
    ops = repair_ops(app, want)
    app.apply_ops(ops)
    assert app == want
