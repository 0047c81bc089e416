"""``?story=``: the page opens the bundled story a link names, and its own link names the story it shows."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TEXT = ("Polish officials in Warsaw said on Monday that trucks from Belarus were stuck at Brest. "
        "Minsk denied it. Poland and Belarus have argued over the crossing since 2021.")


def run_app(**query: str) -> AppTest:
    """The whole page (the map's first report triggers the second run)."""
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run().run()


def test_a_link_to_the_bundled_story_opens_it_and_the_page_link_keeps_it():
    at = run_app(story="Belarus", passage="3")
    assert not at.exception and not at.warning
    assert at.query_params["story"] == "belarus" and at.query_params["passage"] == "3"
    assert "Step 3 of" in " ".join(m.value for m in at.markdown)


def test_an_unknown_story_is_a_warning_and_the_bundled_one_opens():
    at = run_app(story="<img src=x onerror=alert(1)>")
    assert not at.exception
    assert any("Ignored unknown story" in w.value and "belarus" in w.value for w in at.warning)
    assert all("<" not in w.value for w in at.warning)
    assert at.query_params["story"] == "belarus"


def test_a_persons_own_article_leaves_the_link_and_the_bundled_story_comes_back_to_it():
    at = run_app(passage="3")
    assert at.query_params["story"] == "belarus" and at.query_params["passage"] == "3"
    at.text_area(key="byo-text").input(TEXT).run()
    at.button(key="byo-find").click().run()
    assert not at.exception
    assert "story" not in at.query_params, "a person's own story travels as its file, not in the link"
    assert "passage" not in at.query_params, "its passage numbers would open the bundled story's"
    at.toggle(key="byo_use").set_value(False).run()
    assert at.query_params["story"] == "belarus"
