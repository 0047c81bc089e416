"""The "Your article" panel in Streamlit's AppTest: paste, review, map."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from story_editor import md

APP = str(Path(__file__).parent / "apps" / "article_editor.py")
TEXT = ("Polish officials in Warsaw said on Monday that trucks from Belarus were stuck at Brest. "
        "Minsk denied it. Poland and Belarus have argued over the crossing since 2021.")


def _map_line(at):
    return next(c.value for c in at.caption if c.value.startswith("map:"))


@pytest.fixture
def pasted():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert _map_line(at) == "map: bundled story"
    at.text_area(key="byo-text").input(TEXT).run()
    at.button(key="byo-find").click().run()
    assert not at.exception
    return at


def test_a_pasted_article_yields_unconfirmed_places_and_exact_passages(pasted):
    line = _map_line(pasted)
    assert "border BY-PL" in line and "confirmed []" in line
    labels = [m.value for m in pasted.markdown]
    assert any("Warsaw" in v for v in labels) and any("Minsk" in v for v in labels)
    assert any("0 of" in v and "confirmed by you" in v for v in labels)


def test_confirm_remove_drop_and_a_refused_trim(pasted):
    pasted.button(key="byo-ok-gn:756135").click().run()
    assert "confirmed ['gn:756135']" in _map_line(pasted)
    before = _map_line(pasted)
    pasted.button(key="byo-rm-gn:625144").click().run()
    assert "gn:625144" not in str([b.key for b in pasted.button])
    assert _map_line(pasted) != before
    # A trim that is not an exact part of the passage is refused with the reason.
    trim = next(t for t in pasted.text_input if t.key.startswith("byo-trim-1-"))
    trim.input("Words the article never wrote").run()
    next(b for b in pasted.button if b.key.startswith("byo-cut-1-")).click().run()
    assert any("exact" in e.value for e in pasted.error)
    count = int(_map_line(pasted).split(" passages")[0].split(", ")[-1])
    next(b for b in pasted.button if b.key.startswith("byo-drop-1-")).click().run()
    assert f"{count - 1} passages" in _map_line(pasted)


def test_an_empty_paste_is_explained():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_area(key="byo-text").input("   ").run()
    at.button(key="byo-find").click().run()
    assert any("empty" in e.value for e in at.error)
    assert _map_line(at) == "map: bundled story"


def test_a_new_story_points_the_sidebar_at_its_border_and_follows_it(pasted):
    # The article names Poland and Belarus most: the sidebar is pointed at their border.
    assert pasted.text_input(key="sidebar_border").value == "BY-PL"
    assert "border BY-PL" in _map_line(pasted)
    # Another border chosen in the sidebar: the story (and so its file) measures from it.
    pasted.text_input(key="sidebar_border").input("BY-LT").run()
    assert "border BY-LT" in _map_line(pasted)


def test_user_text_is_escaped_for_markdown():
    assert md("![x](http://example.com/a.png) <script>") == \
        r"\!\[x\]\(http\://example\.com/a\.png\) \<script\>"
