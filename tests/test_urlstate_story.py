"""``?story=NAME``: a bundled story by its name, read like every other field of a link."""

import pytest

from geo.bundled_stories import bundled_story_names, load_bundled_story
from geo.errors import InputError
from geo.story import load_story
from geo.urlstate import UrlState, parse_query, read_story, to_query


def test_the_bundled_stories_are_the_story_files_and_belarus_is_the_default():
    assert bundled_story_names()[0] == "belarus"
    assert load_bundled_story("belarus") is load_story()


@pytest.mark.parametrize("raw", ["belarus", "Belarus", " BELARUS ", "ｂｅｌａｒｕｓ"])
def test_a_bundled_story_is_read_in_any_case(raw):
    state, warnings = parse_query({"story": raw})
    assert (state.story, warnings) == ("belarus", ())


def test_the_link_carries_the_story_and_reads_back():
    state = UrlState(story="belarus", passage=3)
    query = to_query(state)
    assert query["story"] == "belarus" and next(iter(query)) == "story"
    assert parse_query(query) == (state, ())
    assert "story" not in to_query(UrlState())


@pytest.mark.parametrize("raw", [
    "ukraine", "../belarus", "belarus.toml", "/etc/passwd", "<script>window.__pwned=1</script>",
    "${alert(1)}", "\u202ebelarus", "bel\u200barus", "", "story:belarus",
])
def test_an_unknown_or_hostile_story_is_dropped_with_an_inert_warning(raw):
    state, warnings = parse_query({"story": raw, "units": "mi"})
    assert state.story is None and state.units == "mi"
    assert len(warnings) == 1 and warnings[0].startswith("Ignored unknown story")
    assert "belarus" in warnings[0]
    assert not any(c in warnings[0] for c in "<>`$\\\"'\u202e\u200b/")


def test_an_overlong_story_is_refused_whole():
    state, warnings = parse_query({"story": "b" * 5_000})
    assert state.story is None and "5,000 characters" in warnings[0]


def test_a_passage_is_read_against_the_story():
    count = len(load_story().passages)
    assert parse_query({"story": "belarus", "passage": str(count)})[0].passage == count
    state, warnings = parse_query({"story": "belarus", "passage": str(count + 1)})
    assert state.passage is None and f"passages 1 to {count}" in warnings[0]


@pytest.mark.parametrize("bad", ["", "Belarus", "../x", "a" * 41, 7])
def test_a_state_refuses_a_malformed_story_name(bad):
    with pytest.raises(InputError, match="story"):
        UrlState(story=bad)


def test_read_story_names_the_stories_there_are():
    with pytest.raises(InputError, match="belarus"):
        read_story("atlantis")
    with pytest.raises(InputError, match="bundled story"):
        load_bundled_story("atlantis")
