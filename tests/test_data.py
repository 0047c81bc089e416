"""Bundled data: checksums, consistency of neighbours, Crimea, the border."""

from __future__ import annotations

import pytest
import shapely

from geo import DataError
from geo.borders import shared_border
from geo.data import load_countries, load_crimea, load_places, load_united_states, read_text
from geo.geodesy import geodesic_area_km2


def test_a_corrupt_file_is_named_with_the_fix(data_copy):
    with open(data_copy / "countries.geojson", "ab") as f:
        f.write(b" ")
    with pytest.raises(DataError, match=r"countries\.geojson is corrupt.*make data"):
        load_countries(data_copy)


def test_a_missing_file_is_named_with_the_fix(data_copy):
    (data_copy / "crimea.geojson").unlink()
    with pytest.raises(DataError, match=r"crimea\.geojson is missing.*make data"):
        load_crimea(data_copy)


def test_missing_checksums_are_reported(data_copy):
    (data_copy / "checksums.sha256").unlink()
    with pytest.raises(DataError, match=r"checksums\.sha256 is missing"):
        read_text("article.txt", data_copy)


def test_region_holds_the_countries_the_map_needs():
    countries = load_countries()
    for iso in ("BY", "UA", "RU", "PL", "LT", "LV", "EE", "MD", "RO", "SK", "HU"):
        assert iso in countries.index
        assert countries.loc[iso].geometry.is_valid
    assert countries.loc["PL", "nato_since"] == 1999
    # Kaliningrad is part of Russia's clipped polygon.
    assert countries.loc["RU"].geometry.contains(shapely.Point(20.5, 54.7))


@pytest.mark.parametrize("a, b", [("UA", "BY"), ("UA", "PL"), ("BY", "PL"), ("BY", "LT"), ("UA", "RU"), ("UA", "MD")])
def test_neighbours_meet_without_gaps_or_overlaps(a, b):
    countries = load_countries()
    ga, gb = countries.loc[a].geometry, countries.loc[b].geometry
    overlap = ga.intersection(gb)
    assert overlap.is_empty or geodesic_area_km2(overlap) < 0.01
    line = shared_border(a, b)
    assert line.length > 0
    # Gap: the pair's union has no holes along the shared border.
    union = shapely.union_all([ga, gb])
    holes = [shapely.Polygon(r) for p in shapely.get_parts(union) for r in p.interiors]
    near = [h for h in holes if h.distance(line) < 1e-6]
    assert sum(geodesic_area_km2(h) for h in near) < 0.01


def test_crimea_is_ukrainian_territory_marked_as_occupied():
    crimea = load_crimea()
    row = crimea.iloc[0]
    assert row["part_of"] == "UA" and row["occupied_by"] == "RU" and row["occupied_since"] == 2014
    ukraine = load_countries().loc["UA"].geometry
    simferopol = shapely.Point(34.10, 44.95)
    assert ukraine.contains(simferopol) and row.geometry.contains(simferopol)
    assert not load_countries().loc["RU"].geometry.contains(simferopol)
    assert 25_000 < geodesic_area_km2(row.geometry) < 28_000
    # Kherson, on the mainland, is not part of Crimea.
    assert not row.geometry.contains(shapely.Point(32.62, 46.64))


def test_places_and_analogy_shapes_are_present():
    places = load_places()
    assert {"Kyiv", "Minsk", "Moscow", "Washington"} <= set(places["name"])
    us = load_united_states()
    assert us.loc["USVA"].geometry.contains(shapely.Point(-78.5, 37.5))
    assert us.loc["USDC"].geometry.contains(shapely.Point(-77.03, 38.90))
