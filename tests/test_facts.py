"""Facts: computed from data at run time and checked against independent geodesy."""

from __future__ import annotations

import pytest
from pyproj import Geod

from geo.bands import BandSpec, distance_bands
from geo.facts import DRIVE_SPEEDS_KMH, band_facts, compute_facts
from geo.places import article_places

GEOD = Geod(ellps="WGS84")


def test_kyiv_is_about_90_km_from_the_border(brute_force):
    fact = compute_facts()["kyiv_to_border"]
    kyiv = article_places()["kyiv"]
    # Within 1 % of the 89.8 km that 1:1M and OpenStreetMap data give.
    assert fact.value == pytest.approx(89.8, rel=0.01)
    assert fact.value * 1000 == pytest.approx(brute_force.distance_m(kyiv.lon, kyiv.lat), abs=5.0)
    (x0, y0), (x1, y1) = fact.line
    assert GEOD.inv(x0, y0, x1, y1)[2] / 1000 == pytest.approx(fact.value, rel=1e-6)


def test_natural_earth_puts_the_border_too_close():
    facts = compute_facts()
    assert facts["kyiv_to_border_ne"].value < facts["kyiv_to_border"].value - 1.0


def test_minsk_and_kyiv_to_minsk(brute_force):
    facts = compute_facts()
    places = article_places()
    minsk, kyiv = places["minsk"], places["kyiv"]
    assert facts["minsk_to_border"].value * 1000 == pytest.approx(
        brute_force.distance_m(minsk.lon, minsk.lat), abs=5.0
    )
    expected = GEOD.inv(kyiv.lon, kyiv.lat, minsk.lon, minsk.lat)[2] / 1000
    assert facts["kyiv_to_minsk"].value == pytest.approx(expected, rel=1e-9)
    assert 400 < facts["kyiv_to_minsk"].value < 450


def test_lengths_and_areas_are_plausible():
    facts = compute_facts()
    assert 900 < facts["border_length"].value < 1200
    assert facts["border_length_ne"].value < facts["border_length"].value
    assert facts["ukraine_area"].value == pytest.approx(603_500, rel=0.01)
    assert 25_000 < facts["crimea_area"].value < 28_000


def test_drive_times_follow_the_distance():
    facts = compute_facts()
    km = facts["kyiv_to_border"].value
    for speed in DRIVE_SPEEDS_KMH:
        assert facts[f"drive_{speed:g}"].value == pytest.approx(km / speed, rel=1e-12)


@pytest.mark.parametrize("units, suffix", [("km", "km"), ("mi", "mi")])
def test_units(units, suffix):
    fact = compute_facts()["kyiv_to_border"]
    assert fact.format(units).endswith(suffix)
    if units == "mi":
        assert fact.value_in("mi") == pytest.approx(fact.value / 1.609344, rel=1e-12)


def test_band_facts_count_places_and_area():
    bands = distance_bands(BandSpec((50.0, 100.0, 200.0), side="ukraine"))
    facts = band_facts(bands)
    assert [f.outer_km for f in facts] == [50.0, 100.0, 200.0]
    assert "Kyiv" in facts[1].places  # about 90 km from the border
    assert "Kyiv" not in facts[0].places and "Kyiv" not in facts[2].places
    assert all(0 < f.ukraine_share < 1 for f in facts)
    assert sum(f.ukraine_share for f in facts) < 0.5
