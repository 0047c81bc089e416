"""Geoparsing beyond the dev set: regions of every country, people named like places, datelines."""

from __future__ import annotations

import pytest

from geo.errors import DataError
from geo.gazetteer import Gazetteer, load_gazetteer, parse_gazetteer
from geo.geoparse import find_places, mentions_json


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    """The bundled gazetteer, loaded once for the module."""
    return load_gazetteer()


def found(text: str, gaz: Gazetteer) -> list[tuple[str, str]]:
    return [(m.text, m.place.id) for m in find_places(text, gaz)]


def test_first_level_regions_cover_most_countries(gaz):
    countries = {gaz.place(i).country for i in range(len(gaz)) if gaz.place(i).kind == "region"}
    assert len(countries) >= 150
    assert {"NG", "MX", "CO", "TD", "IQ", "JP", "KE", "DE", "PK"} <= countries


@pytest.mark.parametrize(("text", "expected"), [
    ("Gunmen attacked villages in Borno, Nigeria's northeast.", ("Borno", "csc:NG-BO")),
    ("Prices rose in Jalisco, Mexico.", ("Jalisco", "csc:MX-JAL")),
    ("Coffee from Antioquia in Colombia sold well.", ("Antioquia", "csc:CO-ANT")),
    ("Fighters crossed into Ouaddaï in eastern Chad.", ("Ouaddaï", "csc:TD-OD")),
    ("Police in Lahore and across Punjab, Pakistan, closed roads.", ("Punjab", "csc:PK-PB")),
    ("Security in Anbar province improved, Iraqi officials said.", ("Anbar", "csc:IQ-AN")),
])
def test_regions_of_countries_dcw_lacks(gaz, text, expected):
    assert expected in found(text, gaz)


@pytest.mark.parametrize("text", [
    "The president quoted George Washington on restraint.",
    "Denzel Washington declined to comment.",
    "Pitcher Jordan Montgomery signed a one-year deal.",
    "Finn Russell kicked 12 points.",
    "The White House said nothing.",
    "Crowds filled Oxford Street and Grafton Street.",
    "He walked down Pennsylvania Avenue.",
    "Theatres in the West End reopened.",
])
def test_people_and_buildings_named_like_places(gaz, text):
    assert found(text, gaz) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("NICE, France — Police arrested two men.", [("NICE", "gn:2990440"), ("France", "iso:FR")]),
    ("PARIS, Texas (AP) — A tornado hit the town.", [("PARIS", "gn:4717560"), ("Texas", "dcw:USTX")]),
])
def test_a_dateline_names_its_town(gaz, text, expected):
    assert found(text, gaz) == expected


def test_town_comma_area_takes_the_town_in_that_area(gaz):
    text = "Storms hit Oregon and Seattle; a tree fell in Portland, Maine."
    assert ("Portland", "gn:4975802") in found(text, gaz)


def test_a_town_named_like_a_word_keeps_one_sense_through_the_text(gaz):
    mentions = found("Bath won 27-20 on Saturday. Next week Bath travel to Leicester.", gaz)
    assert [m for m in mentions if m[0] == "Bath"] == [("Bath", "gn:2656173")] * 2


def test_a_team_named_for_a_town_of_two_words_is_that_town(gaz):
    assert found("Reaves scored 28 for the Los Angeles Lakers.", gaz) == [("Los Angeles", "gn:5368361")]


def test_a_name_repeated_is_no_context_for_itself(gaz):
    text = ("Georgia lawmakers approved a road between Macon and Atlanta. The University of Georgia "
            "objected. The Georgia Department of Transportation expects six years of work.")
    assert {m.place.id for m in find_places(text, gaz) if m.text == "Georgia"} == {"dcw:USGA"}


def test_a_newspaper_is_named_for_its_town_whatever_the_context(gaz):
    text = "The Washington Post said protests were planned in Seattle and in Olympia."
    assert found(text, gaz)[0] == ("Washington", "gn:4140963")


@pytest.mark.parametrize(("text", "expected"), [
    ("Philippine troops landed.", [("Philippine", "iso:PH")]),
    ("Texan and Californian voters split.", [("Texan", "dcw:USTX"), ("Californian", "dcw:USCA")]),
    ("Icelandic and Nepali climbers met Chechen fighters.",
     [("Icelandic", "iso:IS"), ("Nepali", "iso:NP"), ("Chechen", "dcw:RUCE")]),
])
def test_adjectives_of_countries_and_states(gaz, text, expected):
    assert found(text, gaz) == expected


@pytest.mark.parametrize("text", [
    "Taylor Swift sang three nights.",
    "Austin Butler starred with Florence Pugh.",
    "Chelsea Clinton spoke.",
])
def test_a_given_name_before_a_surname_is_a_person(gaz, text):
    assert found(text, gaz) == []


def test_a_storm_named_like_a_town_is_the_storm(gaz):
    assert [t for t, _ in found("Hurricane Milton made landfall near Sarasota, Florida.", gaz)] == [
        "Sarasota", "Florida"]


def test_a_team_named_for_a_town_keeps_the_town(gaz):
    assert [t for t, _ in found("The Orlando Magic beat the Charlotte Hornets.", gaz)] == ["Orlando", "Charlotte"]


def test_the_end_of_a_double_barrelled_name_is_no_place(gaz):
    texts = [t for t, _ in found("In the US, Rep. Alexandria Ocasio-Cortez spoke in Colorado.", gaz)]
    assert texts == ["US", "Colorado"]


def test_compound_adjectives_keep_their_places(gaz):
    assert found("Sino-Russian talks and pro-Moscow rallies.", gaz) == [("Russian", "iso:RU"), ("Moscow", "gn:524901")]


def test_a_malformed_people_line_is_a_data_error():
    with pytest.raises(DataError, match="people line 1"):
        parse_gazetteer("", "", "x\tTaylor\n")


def test_a_region_of_the_big_table_carries_its_iso_3166_2_code(gaz):
    (borno,) = [m for m in mentions_json("Gunmen attacked villages in Borno, Nigeria.", gaz) if m["text"] == "Borno"]
    assert borno["kind"] == "region" and borno["iso3166_2"] == "NG-BO" and "source" not in borno
