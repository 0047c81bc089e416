"""Bundled data: checksums, consistency of neighbours, Crimea, the border."""

from __future__ import annotations

import hashlib

import pyogrio
import pytest
import shapely

from geo import DataError
from geo.borders import shared_border
from geo.data import DATA_DIR, load_countries, load_crimea, load_places, load_united_states, read_layer, read_text
from geo.geodesy import geodesic_area_km2


def test_a_corrupt_file_is_named_with_the_fix(data_copy):
    with open(data_copy / "countries.gpkg", "ab") as f:
        f.write(b" ")
    with pytest.raises(DataError, match=r"countries\.gpkg is corrupt.*make data"):
        load_countries(data_copy)


def test_a_missing_file_is_named_with_the_fix(data_copy):
    (data_copy / "crimea.gpkg").unlink()
    with pytest.raises(DataError, match=r"crimea\.gpkg is missing.*make data"):
        load_crimea(data_copy)


def test_a_layer_that_is_no_geopackage_is_named_with_the_fix(data_copy):
    # Intact by its checksum, yet not a GeoPackage: a hand edit whose checksums were rewritten.
    path = data_copy / "crimea.gpkg"
    path.write_bytes(b'{"type": "FeatureCollection", "features": []}')
    sums = (data_copy / "checksums.sha256").read_text(encoding="utf-8").splitlines()
    fixed = [f"{hashlib.sha256(path.read_bytes()).hexdigest()}  crimea.gpkg" if s.endswith("  crimea.gpkg") else s
             for s in sums]
    (data_copy / "checksums.sha256").write_text("\n".join(fixed) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"crimea\.gpkg is not a readable GeoPackage.*make data"):
        load_crimea(data_copy)


def test_missing_checksums_are_reported(data_copy):
    (data_copy / "checksums.sha256").unlink()
    with pytest.raises(DataError, match=r"checksums\.sha256 is missing"):
        read_text("article.txt", data_copy)


def test_region_holds_the_countries_the_map_needs():
    countries = load_countries()
    for iso in ("BY", "UA", "RU", "PL", "LT", "LV", "EE", "MD", "RO", "SK", "HU"):
        assert iso in countries
        assert countries[iso].geometry.is_valid
    assert countries["PL"]["nato_since"] == 1999 and countries["BY"]["nato_since"] is None
    assert countries["UA"]["focus"] is True and countries["DE"]["focus"] is False
    # Kaliningrad is part of Russia's clipped polygon.
    assert countries["RU"].geometry.contains(shapely.Point(20.5, 54.7))


@pytest.mark.parametrize("a, b", [("UA", "BY"), ("UA", "PL"), ("BY", "PL"), ("BY", "LT"), ("UA", "RU"), ("UA", "MD")])
def test_neighbours_meet_without_gaps_or_overlaps(a, b):
    countries = load_countries()
    ga, gb = countries[a].geometry, countries[b].geometry
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
    assert crimea["part_of"] == "UA" and crimea["occupied_by"] == "RU" and crimea["occupied_since"] == 2014
    ukraine = load_countries()["UA"].geometry
    simferopol = shapely.Point(34.10, 44.95)
    assert ukraine.contains(simferopol) and crimea.geometry.contains(simferopol)
    assert not load_countries()["RU"].geometry.contains(simferopol)
    assert 25_000 < geodesic_area_km2(crimea.geometry) < 28_000
    # Kherson, on the mainland, is not part of Crimea.
    assert not crimea.geometry.contains(shapely.Point(32.62, 46.64))


def test_places_and_analogy_shapes_are_present():
    places = load_places()
    assert {"Kyiv", "Minsk", "Moscow", "Washington"} <= set(places.values("name"))
    assert places[703448]["name"] == "Kyiv"
    us = load_united_states()
    assert us["USVA"].geometry.contains(shapely.Point(-78.5, 37.5))
    assert us["USDC"].geometry.contains(shapely.Point(-77.03, 38.90))


BUNDLED = ["countries.gpkg", "crimea.gpkg", "land.gpkg", "natural_earth_by_ua.gpkg", "places.gpkg",
           "united_states.gpkg"]


def test_every_bundled_layer_is_a_geopackage_that_gdal_reads_the_same(tmp_path):
    # The app reads the layers with sqlite3 and shapely alone; GDAL (QGIS, pyogrio) must see the same.
    assert sorted(p.name for p in DATA_DIR.glob("*.gpkg")) == BUNDLED
    for name in BUNDLED:
        layer = read_layer(name)
        info = pyogrio.read_info(DATA_DIR / name)
        assert info["layer_name"] == name.removesuffix(".gpkg") and info["crs"] == "EPSG:4326"
        frame = pyogrio.read_dataframe(DATA_DIR / name)
        assert len(frame) == len(layer)
        for column in frame.columns.drop("geometry"):
            expected = [None if v is None or v != v else v for v in frame[column].astype(object)]
            assert layer.values(column) == expected, (name, column)
        assert list(frame.columns.drop("geometry")) == list(layer.features[0].properties)
        assert [shapely.to_wkb(g) for g in frame.geometry.values] == [shapely.to_wkb(g) for g in layer.geometries]


def test_a_layer_looks_features_up_by_key():
    countries = load_countries()
    assert countries["UA"].key == "UA" and countries["UA"]["name"] == "Ukraine"
    assert countries.keys() == sorted(countries.keys()) and len(countries.keys()) == len(countries)
    assert "XX" not in countries
    with pytest.raises(KeyError, match=r"countries\.gpkg has no feature 'XX'"):
        countries["XX"]
    with pytest.raises(TypeError):
        countries["UA"].properties["name"] = "changed"  # read-only
