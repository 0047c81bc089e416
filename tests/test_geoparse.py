"""Geoparsing: places found in a text, resolved to one place each, with exact offsets."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.__main__ import main
from geo.data import DATA_DIR
from geo.errors import DataError, InputError
from geo.gazetteer import Gazetteer, load_gazetteer, parse_gazetteer
from geo.geoparse import MAX_CHARS, Mention, find_places, mentions_json, read_article

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    """The bundled gazetteer, loaded once for the module."""
    return load_gazetteer()


def found(text: str, gaz: Gazetteer) -> list[tuple[str, str]]:
    return [(m.text, m.place.id) for m in find_places(text, gaz)]


def km(m: Mention, lat: float, lon: float) -> float:
    p1, p2 = math.radians(m.place.lat), math.radians(lat)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon - m.place.lon) / 2) ** 2)
    return 2 * 6371 * math.asin(math.sqrt(a))


def test_the_bundled_article_names_its_places(gaz):
    text = (DATA_DIR / "article.txt").read_bytes().decode("utf-8")
    mentions = find_places(text, gaz)
    ids = {m.place.id for m in mentions}
    assert {"iso:BY", "iso:UA", "iso:RU", "iso:US", "gn:703448", "gn:625144", "gn:524901", "gn:4140963",
            "cur:crimea", "dcw:USVA"} <= ids
    for m in mentions:
        assert text[m.start:m.end] == m.text
    texts = {m.text for m in mentions}
    assert {"Belarusian", "Belarusians", "Ukrainian", "Russians", "U.S.", "United States"} <= texts
    # "Lukashenko", "Putin", "Blinken", "Breedlove", "Wallace": people, not places.
    assert not texts & {"Lukashenko", "Putin", "Blinken", "Breedlove", "Wallace", "Zelensky", "NATO", "Western"}


@pytest.mark.parametrize(("text", "expected"), [
    ("Belarus’s elite and Belarus's army.", [("Belarus", "iso:BY"), ("Belarus", "iso:BY")]),
    ("The U.S. and the US, the U.K. and the UK.", [("U.S.", "iso:US"), ("US", "iso:US"), ("U.K.", "iso:GB"),
                                                   ("UK", "iso:GB")]),
    ("Irish and Ukrainians met Belarusian officials.", [("Irish", "iso:IE"), ("Ukrainians", "iso:UA"),
                                                        ("Belarusian", "iso:BY")]),
    ("Shelling in the Donbas and the Balkans worried the Middle East.",
     [("Donbas", "cur:donbas"), ("Balkans", "cur:balkans"), ("Middle East", "cur:middle_east")]),
    ("Sanctions from the West hit Crimea.", [("Crimea", "cur:crimea")]),
])
def test_forms_of_place_names(gaz, text, expected):
    assert found(text, gaz) == expected


@pytest.mark.parametrize("text", [
    "Of the five, two left.",
    "March was cold. In March they left.",
    "Mobile phones were banned.",
    "Nice work, she said.",
    "Paris Hilton arrived late.",
    "Charlotte Greenfield reported.",
    "Ronnie O'Sullivan won.",
    "Michael Jordan scored 40 points.",
    "Mr Jordan said no.",
    "Police said the West must act.",
    "Prime Minister Manuel Valls spoke. Later Valls said no.",
    "The Commonwealth Games opened in the rain.",
    "He lives on the Island now.",
    "By DAVID J. PHILLIP; photo by David J. Phillip.",
])
def test_words_and_people_that_are_not_places(gaz, text):
    assert found(text, gaz) == []


def test_a_town_named_like_a_word_is_found_inside_a_sentence(gaz):
    assert found("The festival moved to Nice last year.", gaz) == [("Nice", "gn:2990440")]


def test_a_small_town_needs_its_country_in_the_text(gaz):
    assert found("Lunch in Yamba was fine.", gaz) == []
    assert ("Yamba", "gn:2142648") in found("Fires near Yamba in New South Wales, Australia.", gaz)
    assert found("In Texas, Elon Musk spoke.", gaz) == [("Texas", "dcw:USTX")]


def test_jordan_the_country_with_its_neighbours(gaz):
    assert found("Refugees crossed from Syria into Jordan.", gaz) == [("Syria", "iso:SY"), ("Jordan", "iso:JO")]


def test_georgia_follows_the_context(gaz):
    us = find_places("Voters in Atlanta and across Georgia backed the Texas senator.", gaz)
    assert [m.place.id for m in us if m.text == "Georgia"] == ["dcw:USGA"]
    caucasus = find_places("Protesters in Tbilisi said Georgia must not turn to Moscow.", gaz)
    assert [m.place.id for m in caucasus if m.text == "Georgia"] == ["iso:GE"]


def test_paris_and_namesakes_resolve_by_population_and_context(gaz):
    (paris,) = find_places("Talks resumed in Paris on Monday.", gaz)
    assert km(paris, 48.8534, 2.3488) < 161
    texas = find_places("From Dallas the road runs to Paris, near the Oklahoma line in Texas.", gaz)
    (paris_tx,) = [m for m in texas if m.text == "Paris"]
    assert km(paris_tx, 33.6609, -95.5555) < 161


@pytest.mark.parametrize(("text", "expected"), [
    ("Talks in Washington, D.C. ended.", [("Washington, D.C.", "gn:4140963")]),
    ("Putin flew to St. Petersburg.", [("St. Petersburg", "gn:498817")]),
    ("Korean and Emirati envoys met.", [("Korean", "iso:KR"), ("Emirati", "iso:AE")]),
    ("Greeks, Filipinos, Poles and Swiss.", [("Greeks", "iso:GR"), ("Filipinos", "iso:PH"), ("Poles", "iso:PL"),
                                            ("Swiss", "iso:CH")]),
])
def test_abbreviated_and_compound_names(gaz, text, expected):
    assert found(text, gaz) == expected


def test_an_organisation_keeps_the_place_it_is_named_for(gaz):
    assert found("He told the Washington Post and the New York Times.", gaz) == [
        ("Washington", "gn:4140963"), ("New York", "gn:5128581")]


def test_headlines_in_capitals(gaz):
    assert found("RUSSIAN TROOPS READY TO ATTACK UKRAINE", gaz) == [("RUSSIAN", "iso:RU"), ("UKRAINE", "iso:UA")]


def test_mentions_json_has_the_contract_fields(gaz):
    (kyiv,) = mentions_json("Trains left Kyiv.", gaz)
    assert kyiv["text"] == "Kyiv" and kyiv["kind"] == "city" and kyiv["geonameid"] == 703448
    assert kyiv["lat"] == pytest.approx(50.45, abs=0.05) and kyiv["lon"] == pytest.approx(30.52, abs=0.05)
    (belarus,) = mentions_json("Belarus", gaz)
    assert belarus["iso"] == "BY" and belarus["kind"] == "country"
    assert set(belarus) >= {"start", "end", "text", "name", "kind", "lat", "lon"}


_PIECES = st.sampled_from([
    "Kyiv", "Belarus’s", "U.S.", "the Donbas", "Nice", "Paris Hilton", "São Paulo", "Ukrainians", "\u200f",
    "\u200e", "e\u0301", "Ќ", "שלום", "مرحبا", "🇺🇦", "\r\n", "\n", " ", ". ", "’", "-", "UK", "Washington, D.C.",
    "Côte d'Ivoire", "New\u00a0York", "Minsk-", "Rostov-on-Don", "İstanbul", "ǅ", "ﬁ",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(_PIECES, st.text(max_size=12)), max_size=40))
def test_offsets_are_exact_for_any_text(gaz, pieces):
    text = "".join(pieces)
    mentions = find_places(text, gaz)
    previous = -1
    for m in mentions:
        assert text[m.start:m.end] == m.text
        assert m.start >= previous
        previous = m.end


def test_too_long_text_is_refused(gaz):
    with pytest.raises(InputError, match="at most 200,000"):
        find_places("a" * (MAX_CHARS + 1), gaz)


def test_a_malformed_gazetteer_row_is_a_data_error():
    with pytest.raises(DataError, match="columns"):
        parse_gazetteer("iso:XX\tcountry\tNowhere\n")
    with pytest.raises(DataError, match="unknown kind"):
        parse_gazetteer("x\tplanet\tMars\t\t\t0\t0\t0\tx\t\n")


def test_read_article_keeps_the_text_as_received(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes("\ufeffKyiv\r\nMinsk".encode())
    assert read_article(path) == "\ufeffKyiv\r\nMinsk"


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: p / "missing.txt", "no such file"),
    (lambda p: p, "is a folder"),
    (lambda p: (p / "latin1.txt", (p / "latin1.txt").write_bytes("Bogotá".encode("latin-1")))[0], "not UTF-8"),
    (lambda p: (p / "big.txt", (p / "big.txt").write_text("a" * (MAX_CHARS + 1)))[0], "at most 200,000"),
])
def test_cli_refuses_unreadable_input(tmp_path, capsys, make, message):
    assert main(["places", str(make(tmp_path)), "--json"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_cli_one_file_prints_a_json_list(tmp_path, capsys):
    path = tmp_path / "a.txt"
    path.write_text("Kyiv and Minsk", encoding="utf-8")
    assert main(["places", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(m["start"], m["end"], m["text"]) for m in out] == [(0, 4, "Kyiv"), (9, 14, "Minsk")]


def test_cli_several_files_print_json_lines():
    cmd = [sys.executable, "-m", "geo", "places", str(ROOT / "data" / "article.txt"),
           str(ROOT / "tests" / "geoparse_eval" / "reuters_lagos.txt"), "--json"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [Path(line["file"]).name for line in lines] == ["article.txt", "reuters_lagos.txt"]
    text = (ROOT / "data" / "article.txt").read_bytes().decode("utf-8")
    for m in lines[0]["mentions"]:
        assert text[m["start"]:m["end"]] == m["text"]
    assert any(m["text"] == "Lagos" and m["geonameid"] for m in lines[1]["mentions"])


def test_a_place_ending_a_sentence_does_not_make_the_next_one_a_person_s_name():
    text = "Trucks were stuck at Brest. Minsk denied it. Said Mr. Jordan."
    assert [m.text for m in find_places(text)] == ["Brest", "Minsk"]
