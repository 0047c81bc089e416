"""The map's text alternative says what the map shows, and follows the bands."""

import pytest

from geo.alttext import map_summary
from geo.bands import BandSpec
from geo.errors import InputError
from geo.facts import compute_facts


def test_it_names_the_border_every_band_and_the_distances():
    text = map_summary(BandSpec((50.0, 100.0, 200.0)))
    facts = compute_facts()
    assert f"border, {facts['border_length'].format('km')} long" in text
    assert "0–50 km, 50–100 km and 100–200 km" in text
    assert f"Kyiv is {facts['kyiv_to_border'].format('km')}" in text
    assert f"Minsk {facts['minsk_to_border'].format('km')}" in text
    assert "Crimea" in text and "occupied by Russia since 2014" in text


def test_it_follows_side_clip_units_and_layers():
    text = map_summary(BandSpec((50.0,), side="ukraine", clip="land"), "mi", layers=("border", "bands"))
    assert "One shaded band" in text and "on Ukraine's side, over land only: 0–31.1 mi" in text
    assert "Crimea" not in text and "badges" not in text
    assert "bands" not in map_summary(BandSpec((50.0,)), layers=("border",)).split("border, ")[1]


def test_unknown_units_are_refused():
    with pytest.raises(InputError, match="Unknown units"):
        map_summary(BandSpec((50.0,)), "furlongs")
