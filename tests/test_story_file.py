"""A story is data: it saves to one file and opens again, the bundled story included."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import DataError, InputError
from geo.data import DATA_DIR
from geo.story import DEFAULT_STORY, FORMAT, Article, Story, StoryPlace, load_story, load_story_file, make_passages

# Text that a careless writer would mangle: CRLF and lone CR, tabs, TOML's and JSON's own
# quotes and escapes, template syntax, a script tag, right-to-left and zero-width marks.
ODD = ('He said “Kyiv” \\n is near.\r\nShe wrote """triple""" and \'\'\'single\'\'\' quotes.\r'
       'Tabs\there, ${window.x} and <script>alert(1)</script>.\n\n'
       '\u202eRTL override\u202c, \u200fmark\u200f, zero\u200bwidth, emoji 🇺🇦, NBSP\u00a0x.\n')


@pytest.fixture
def odd_story() -> Story:
    """A user's story over awkward text: two places, one confirmed, and two passages."""
    article = Article(ODD)
    places = (
        StoryPlace("kyiv", "Kyiv", "city", (("geonameid", 703448),), confirmed=True),
        StoryPlace("geonames:99", "Nowhere", "city", (("geonameid", 99), ("lon", 10.5), ("lat", -3.25))),
    )
    passages = make_passages(article, [("“Kyiv” \\n is near.", "kyiv", "names Kyiv"),
                                       ("${window.x} and <script>alert(1)</script>", "geonames:99", "")])
    return Story(article, passages, places, "ua-by", ("kyiv",))


def test_the_default_story_is_read_from_its_story_file_by_the_common_loader():
    assert not (DATA_DIR / "places.toml").exists() and not (DATA_DIR / "passages.toml").exists()
    story = load_story()
    assert story == load_story_file(DATA_DIR / DEFAULT_STORY, data_dir=DATA_DIR)
    assert story.border == "BY-UA" and story.reference_places == ("kyiv", "minsk")
    assert [pl.id for pl in story.places][:2] == ["kyiv", "minsk"]
    assert all(pl.confirmed for pl in story.places)
    assert story.place("russia").located_by == {"iso2": "RU", "near_border": ["UA", "BY"], "near_km": 200}


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_the_default_story_round_trips_with_its_article_inline(fmt):
    story = load_story()
    text = story.dumps(fmt)
    assert story.article.sha256 in text
    again = load_story_file(text.encode("utf-8"))
    assert again == story
    assert again.passages == story.passages and again.places == story.places


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_an_awkward_story_round_trips_through_a_file(odd_story, tmp_path, suffix):
    path = odd_story.to_file(tmp_path / f"story{suffix}")
    again = load_story_file(path)
    assert again == odd_story
    assert again.article.text == ODD
    assert again.place("kyiv").confirmed and not again.place("geonames:99").confirmed
    assert again.border == "BY-UA"
    for p in again.passages:
        assert ODD[p.offset : p.offset + len(p.quote)] == p.quote
    if suffix == ".json":
        assert json.loads(path.read_text(encoding="utf-8"))["format"] == FORMAT


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=300).filter(str.strip), st.sampled_from(["toml", "json"]))
def test_any_text_round_trips_exactly(text, fmt):
    article = Article(text)
    places = (StoryPlace("p", "P", "city", (("lon", 1.0), ("lat", 2.0))),)
    line = next(x for x in text.split("\n") if x.strip())
    quote = line.strip()
    passages = make_passages(article, [(quote, "p", "r")])
    story = Story(article, passages, places, "BY-UA")
    assert load_story_file(story.dumps(fmt).encode("utf-8")) == story


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_a_changed_article_is_caught_by_its_sha256(odd_story, fmt):
    data = odd_story.to_dict()
    data["article"]["text"] = ODD.replace("Kyiv", "Kiev")
    raw = (json.dumps(data) if fmt == "json" else __import__("tomli_w").dumps(data)).encode()
    with pytest.raises(InputError, match="article text has changed since the story was made"):
        load_story_file(raw)


def test_a_bundled_story_with_a_changed_article_is_a_data_error(data_copy):
    from test_story import rewrite

    rewrite(data_copy, "article.txt", (data_copy / "article.txt").read_text(encoding="utf-8") + "One more line.\n")
    with pytest.raises(DataError, match="article text has changed"):
        load_story(data_copy)


def test_a_users_story_may_not_point_at_a_file():
    data = load_story().to_dict()
    data["article"] = {"file": "article.txt", "sha256": data["article"]["sha256"]}
    with pytest.raises(InputError, match="must hold the text itself"):
        load_story_file(json.dumps(data).encode())


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"\xff\xfe not utf-8", "must be UTF-8"),
        (b"[[[ nonsense", "neither valid TOML nor JSON"),
        (b'{"format": "something-else"}', "must say format"),
        (b'title = "a story"', "must say format"),
        (b"[1, 2]", "neither valid TOML nor JSON|must say format"),
        (b'format = "article-atlas-story/1"\nborder = "BY-UA"', r"needs an \[article\] table"),
        (b"{" * 100_000, "neither valid TOML nor JSON"),
    ],
)
def test_what_is_not_a_story_file_is_refused_clearly(raw, message):
    with pytest.raises(InputError, match=message):
        load_story_file(raw)


def _edited(change) -> bytes:
    data = load_story().to_dict()
    change(data)
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["passage"][0].update(quote="Belarusian involvement in an expanded war"), "not an exact substring"),
        (lambda d: d["passage"][0].update(offset=5), "not an exact substring"),
        (lambda d: d["passage"][0].update(place="atlantis"), "unknown place 'atlantis'"),
        (lambda d: d.update(border="BYY"), "not a border"),
        (lambda d: d.update(border="UA-UA"), "two different countries"),
        (lambda d: d.update(reference_places=["atlantis"]), "not one of the story's places"),
        (lambda d: d["place"].append(dict(d["place"][0])), "names a place id twice"),
        (lambda d: d["place"][0].update(kind="planet"), "unknown kind 'planet'"),
        (lambda d: d["place"][0].update(id="<script>"), "Place id"),
        (lambda d: d["place"][0].pop("geonameid"), "says nothing of how it is located"),
        (lambda d: d["place"][0].update(confirmed="yes"), "confirmed must be true or false"),
        (lambda d: d["place"][0].update(geonameid={"nested": 1}), "not dict"),
        (lambda d: d["place"][0].update(geonameid=None), "not NoneType"),
        (lambda d: d["article"].update(text="x" * 200_001, sha256="0"), "at most 200,000 characters"),
        (lambda d: d["article"].update(text="  \n "), "article is empty"),
    ],
)
def test_a_damaged_story_is_refused_with_the_reason(change, message):
    with pytest.raises(InputError, match=message):
        load_story_file(_edited(change))


def test_a_passage_must_stay_within_one_paragraph():
    article = load_story().article
    first, second = article.paragraphs[:2]
    with pytest.raises(InputError, match="within one paragraph"):
        make_passages(article, [(first[-10:] + "\n" + second[:10], "kyiv", "")])


def test_a_repeated_quote_is_taken_where_its_offset_says():
    article = Article("Kyiv waits. Minsk waits.\nKyiv waits again.")
    at = article.text.rindex("Kyiv")
    (passage,) = make_passages(article, [("Kyiv", "kyiv", "", at)])
    assert passage.offset == at and passage.paragraph == 2
    (first,) = make_passages(article, [("Kyiv", "kyiv", "")])
    assert first.offset == 0 and first.paragraph == 1


def test_story_values_are_frozen_and_hashable(odd_story):
    with pytest.raises(dataclasses.FrozenInstanceError):
        odd_story.border = "PL-UA"
    assert hash(odd_story) == hash(load_story_file(odd_story.dumps().encode()))
    assert odd_story.place("geonames:99").located_by == {"geonameid": 99, "lat": -3.25, "lon": 10.5}
