"""Any story's places are located by the rules its file gives, not only the bundled story's."""

from __future__ import annotations

import pytest

from geo import DataError
from geo.places import article_places, locate, place, story_places
from geo.story import Article, Story, StoryPlace, load_story, make_passages


def test_article_places_are_the_default_storys_places_in_file_order():
    story = load_story()
    assert list(article_places()) == [pl.id for pl in story.places]
    assert article_places() is story_places(story)
    assert place("kyiv").confirmed and place("kyiv").method == "GeoNames place Kyiv (places.gpkg)"


def test_a_found_place_is_unconfirmed_until_a_person_confirms_it():
    spec = StoryPlace("minsk-1", "Minsk", "city", (("geonameid", 625144),))
    found = locate(spec)
    assert not found.confirmed
    assert (found.lon, found.lat) == (article_places()["minsk"].lon, article_places()["minsk"].lat)
    assert locate(StoryPlace("minsk-1", "Minsk", "city", spec.rule, confirmed=True)).confirmed


def test_a_place_outside_the_bundled_gazetteer_uses_the_coordinates_the_story_records():
    # Lisbon (GeoNames 2267057) is not among the focus countries' towns in places.gpkg.
    spec = StoryPlace("lisbon", "Lisbon", "city", (("geonameid", 2267057), ("lon", -9.13333), ("lat", 38.71667)))
    lisbon = locate(spec)
    assert (lisbon.lon, lisbon.lat) == (-9.13333, 38.71667)
    assert "coordinates recorded in the story" in lisbon.method and "2267057" in lisbon.method


def test_a_country_by_iso_code_is_its_polygon():
    poland = locate(StoryPlace("pl", "Poland", "country", (("iso2", "PL"),)))
    assert poland.shape == "area" and poland.iso2 == "PL"


@pytest.mark.parametrize(
    "spec, message",
    [
        (StoryPlace("x", "X", "city", (("geonameid", 1),)), "not in places.gpkg"),
        (StoryPlace("x", "X", "region", (("admin1", ["05"]),)), "incomplete"),
        (StoryPlace("x", "X", "border", (("nearest_to", "kyiv"),)), "no rule locates"),
    ],
)
def test_a_place_no_rule_can_locate_is_a_data_error(spec, message):
    with pytest.raises(DataError, match=message):
        locate(spec)


def test_a_users_story_has_its_own_places():
    article = Article("Lisbon is far from Kyiv.")
    places = (
        StoryPlace("lisbon", "Lisbon", "city", (("geonameid", 2267057), ("lon", -9.13333), ("lat", 38.71667))),
        StoryPlace("kyiv", "Kyiv", "city", (("geonameid", 703448),), confirmed=True),
    )
    story = Story(article, make_passages(article, [("Lisbon is far", "lisbon", "")]), places, "BY-UA")
    located = story_places(story)
    assert list(located) == ["lisbon", "kyiv"]
    assert not located["lisbon"].confirmed and located["kyiv"].confirmed
