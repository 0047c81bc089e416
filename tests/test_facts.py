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
    bands = distance_bands(BandSpec((50.0, 100.0, 200.0), side="UA"))
    facts = [f.country("UA") for f in band_facts(bands)]
    assert [f.outer_km for f in band_facts(bands)] == [50.0, 100.0, 200.0]
    assert "Kyiv" in facts[1].places  # about 90 km from the border
    assert "Kyiv" not in facts[0].places and "Kyiv" not in facts[2].places
    assert all(0 < f.share < 1 for f in facts)
    assert sum(f.share for f in facts) < 0.5


# Sections of cities that GeoNames' cities15000 lists beside the cities themselves (feature
# code PPLX or district entries), as test data: Kyiv's districts and neighbourhoods,
# Chernihiv's, Zhytomyr's and Lviv's districts.
SECTIONS = {
    "Kyiv": ("Dniprovskyi", "Desna", "Obolon", "Darnytsya", "Shevchenkivskyi", "Pechersk", "Podil",
             "Holosiyiv", "Svyatoshyn", "Solomyanka", "Borshchahivka", "Vyhurivshchyna-Troyeshchyna",
             "Mykilska Borshchahivka", "Lisovyi Masyv", "Pozniaky", "Telychka"),
    "Chernihiv": ("Desnyanskyi", "Novozavodskyi"),
    "Zhytomyr": ("Bohuniya", "Korolyov"),
    "Lviv": ("Sykhiv", "Novyi Lviv"),
}


def test_band_table_counts_no_section_of_a_city():
    facts = band_facts(distance_bands(BandSpec((50.0, 100.0, 200.0, 400.0))))
    counted = [name for f in facts for name in f.country("UA").places]
    for city, sections in SECTIONS.items():
        assert counted.count(city) == 1
        assert not set(sections) & set(counted), city
    # Towns in their own right beside the cities stay: Kyiv's neighbours in Kyiv oblast, Lviv's Vynnyky.
    assert {"Vyshneve", "Brovary", "Irpin", "Vynnyky"} <= set(counted)


def _raw_places(root):
    """Every row of places.gpkg read with sqlite3 alone: (name, iso2, admin1, population, lon, lat)."""
    import sqlite3
    import struct

    import shapely

    rows = []
    with sqlite3.connect(root / "data" / "places.gpkg") as db:
        for name, iso2, admin1, population, blob in db.execute(
            "SELECT name, iso2, admin1, population, geom FROM places"
        ):
            envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(blob[3] >> 1) & 7]
            assert blob[:2] == b"GP" and struct.unpack("<i" if blob[3] & 1 else ">i", blob[4:8])[0] == 4326
            point = shapely.from_wkb(bytes(blob[8 + envelope:]))
            rows.append((name, iso2, admin1, population, point.x, point.y))
    return rows


def test_50_to_100_km_population_matches_an_independent_recount(root, brute_force):
    """The 50–100 km row (both sides, no clip) against a recount from the raw rows.

    The recount applies the stated rule (TOWN_RULE) in its own code: brute-force geodesic
    distances to the border, most populous first, a place dropped when it lies within the
    3,000-per-km² disc of a kept town of the same admin1 area. The audit's recount with
    GeoNames feature codes (PPLX dropped) found 3,826,973 people.
    """
    import math

    ua = sorted((r for r in _raw_places(root) if r[1] == "UA"), key=lambda r: -r[3])
    kept = []
    for name, _iso, admin1, pop, lon, lat in ua:
        if not any(
            a == admin1 and GEOD.inv(x, y, lon, lat)[2] / 1000 < math.sqrt(p / (math.pi * 3000.0))
            for _n, _i, a, p, x, y in kept
        ):
            kept.append((name, _iso, admin1, pop, lon, lat))
    recount = 0
    for _name, _iso, _a, pop, lon, lat in kept:
        if abs(lat - 51.5) < 3 and 50_000 <= brute_force.distance_m(lon, lat) < 100_000:
            recount += pop
    row = band_facts(distance_bands(BandSpec((50.0, 100.0))))[1].country("UA")
    assert row.population == pytest.approx(recount, rel=0.05)
    assert row.population == pytest.approx(3_826_973, rel=0.05)
