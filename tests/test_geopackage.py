"""The minimal GeoPackage reader and writer agree with GDAL's, both ways."""

from __future__ import annotations

import geopandas as gpd
import pyogrio
import pytest
import shapely

from geo import DataError
from geo.geopackage import TABLE_COLUMNS, column_names, read_geopackage, write_geopackage

FEATURES = [
    ({"name": "Kyiv", "population": 2_797_553, "share": 0.5, "capital": True, "note": None},
     shapely.Point(30.5238, 50.45466)),
    ({"name": "Crimea «Крим»", "population": None, "share": 1, "capital": False, "note": "occupied"},
     shapely.MultiPolygon([shapely.box(33, 44.4, 36.6, 46.2), shapely.box(32.5, 45.3, 32.9, 45.6)])),
    ({"name": "line", "population": 0, "share": None, "capital": None, "note": ""},
     shapely.LineString([(24.0, 51.9), (27.1, 51.5), (31.8, 52.1)])),
    ({"name": "nothing", "population": 1, "share": 2.25, "capital": False, "note": "x"}, shapely.Polygon()),
]


def _written(tmp_path, features=FEATURES, name="layer.gpkg"):
    path = tmp_path / name
    write_geopackage(path, "things", features, description="test layer")
    return path


def test_what_it_writes_it_reads_back_exactly(tmp_path):
    table, rows, geoms = read_geopackage(_written(tmp_path).read_bytes())
    assert table == "things"
    assert rows == [props for props, _ in FEATURES]
    assert [shapely.to_wkb(g) for g in geoms] == [shapely.to_wkb(g) for _, g in FEATURES]


def test_the_same_features_give_the_same_bytes(tmp_path):
    assert _written(tmp_path, name="a.gpkg").read_bytes() == _written(tmp_path, name="b.gpkg").read_bytes()


def test_gdal_opens_what_it_writes(tmp_path):
    path = _written(tmp_path)
    info = pyogrio.read_info(path)
    assert info["crs"] == "EPSG:4326" and info["features"] == len(FEATURES)
    assert info["layer_name"] == "things" and info["layer_metadata"] == {"DESCRIPTION": "test layer"}
    assert dict(zip(info["fields"], info["ogr_types"], strict=True)) == {
        "name": "OFTString", "population": "OFTInteger64", "share": "OFTReal", "capital": "OFTInteger",
        "note": "OFTString"}
    assert info["ogr_subtypes"][3] == "OFSTBoolean"
    frame = pyogrio.read_dataframe(path)
    assert list(frame["name"]) == [props["name"] for props, _ in FEATURES]
    assert list(frame["capital"].iloc[:2]) == [1, 0] and frame["capital"].isna().iloc[2]
    assert frame["population"].iloc[0] == 2_797_553 and frame["share"].iloc[3] == 2.25
    for (_, expected), got in zip(FEATURES, frame.geometry.values, strict=True):
        assert shapely.to_wkb(got) == shapely.to_wkb(expected)


def test_it_reads_what_gdal_writes(tmp_path):
    # GDAL writes envelopes of its own choosing in each geometry's header and a spatial index.
    frame = gpd.GeoDataFrame(
        {"name": [props["name"] for props, _ in FEATURES[:3]], "population": [1, 2, 3]},
        geometry=[g for _, g in FEATURES[:3]], crs="EPSG:4326",
    )
    path = tmp_path / "gdal.gpkg"
    frame.to_file(path, layer="gdal", driver="GPKG", engine="pyogrio")
    table, rows, geoms = read_geopackage(path.read_bytes())
    assert table == "gdal"
    assert [r["name"] for r in rows] == list(frame["name"]) and [r["population"] for r in rows] == [1, 2, 3]
    assert [shapely.to_wkb(g) for g in geoms] == [shapely.to_wkb(g) for g in frame.geometry.values]


@pytest.mark.parametrize("damage", [lambda raw: raw[:1000], lambda raw: b"not a database at all" * 50])
def test_bytes_that_are_no_geopackage_raise_a_data_error(tmp_path, damage):
    raw = _written(tmp_path).read_bytes()
    with pytest.raises(DataError, match=r"broken\.gpkg"):
        read_geopackage(damage(raw), "broken.gpkg")


def test_columns_that_would_clash_are_renamed_by_the_stated_rule(tmp_path):
    props = {"FID": 7, "geom": "point", "Name": "Kyiv", "name": "Київ", "name_1": "third"}
    path = _written(tmp_path, [(props, shapely.Point(30.5, 50.45))])
    expected = {"FID_1": 7, "geom_1": "point", "Name": "Kyiv", "name_2": "Київ", "name_1": "third"}
    assert read_geopackage(path.read_bytes())[1] == [expected]
    info = pyogrio.read_info(path)
    assert list(info["fields"]) == list(expected) and info["fid_column"] == "fid"
    assert pyogrio.read_dataframe(path).drop(columns="geometry").to_dict("records") == [expected]


@pytest.mark.parametrize("keys, reserved, names", [
    (["fid", "FID", "Fid"], TABLE_COLUMNS, ["fid_1", "FID_2", "Fid_3"]),
    (["a", "A", "a_1"], TABLE_COLUMNS, ["a", "A_2", "a_1"]),
    (["layer", "x"], ("layer",), ["layer_1", "x"]),
    (["geometry", "geom"], TABLE_COLUMNS, ["geometry", "geom_1"]),
])
def test_column_names_keep_every_name_that_clashes_with_nothing(keys, reserved, names):
    assert list(column_names(keys, reserved).values()) == names
