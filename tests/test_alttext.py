"""The map's text alternative says what the map shows, and follows the bands and the border."""

import pytest

from geo.alttext import map_summary
from geo.bands import BandSpec
from geo.borders import get_border
from geo.errors import InputError
from geo.facts import border_facts, compute_facts

LVIV = 702550


def test_it_names_the_border_every_band_and_the_distances():
    text = map_summary(BandSpec((50.0, 100.0, 200.0)))
    facts = compute_facts()
    assert text.startswith("A map of Belarus, Ukraine and their neighbours.")
    assert f"the Belarus–Ukraine border, {facts['border_length'].format('km')} long" in text
    assert "0–50 km, 50–100 km and 100–200 km" in text
    assert f"Kyiv {facts['kyiv_to_border'].format('km')}" in text
    assert f"Minsk is {facts['minsk_to_border'].format('km')} from the border" in text
    assert "Crimea" in text and "occupied by Russia since 2014" in text


def test_it_follows_side_clip_units_and_layers():
    text = map_summary(BandSpec((50.0,), side="UA", clip="land"), "mi", layers=("border", "bands"))
    assert "One shaded band" in text and "on Ukraine's side, over land only: 0–31.1 mi" in text
    assert "Crimea" not in text and "badges" not in text and "Dashed" not in text
    assert "bands" not in map_summary(BandSpec((50.0,)), layers=("border",)).split("border, ")[1]


def test_another_border_is_described_with_its_own_countries_and_places():
    border = get_border("BY-PL")
    text = map_summary(BandSpec((50.0,), side="PL", clip="BY", border=border), places=[LVIV])
    facts = border_facts(border, [LVIV])
    assert text.startswith("A map of Belarus, Poland and their neighbours.")
    assert f"the Belarus–Poland border, {facts['border_length'].format('km')} long" in text
    assert "on Poland's side, inside Belarus only: 0–50 km" in text
    assert f"Lviv {facts[f'place_{LVIV}_to_border'].format('km')}" in text
    assert "Lviv" in text.split("Dashed lines join ")[1]
    assert "Ukraine" not in text and "Kyiv" not in text and "Crimea" not in text


def test_unknown_units_are_refused():
    with pytest.raises(InputError, match="Unknown units"):
        map_summary(BandSpec((50.0,)), "furlongs")
