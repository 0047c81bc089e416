"""Exports: the API's validation, GeoJSON and GeoPackage content, standalone HTML, and the command line."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from geodesic_check import edge_samples

import geo.export
from geo.__main__ import main
from geo.bands import RELATIVE_TOLERANCE, BandSpec
from geo.errors import ExportError, InputError
from geo.export import (
    FORMATS,
    GPKG_LAYERS,
    MEDIA_TYPES,
    RESERVED_PROPERTIES,
    SIZES,
    ExportRequest,
    export_bytes,
    export_property_names,
    export_request,
)
from geo.static_map import View
from geo.story import load_story

ROOT = Path(__file__).resolve().parents[1]
SPEC = BandSpec((50.0, 100.0))


def run(*args: str) -> subprocess.CompletedProcess:
    """``python -m geo export ...`` in a fresh interpreter, from the repository's top folder."""
    return subprocess.run([sys.executable, "-m", "geo", "export", *args], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)


@pytest.fixture(scope="module")
def overlays() -> gpd.GeoDataFrame:
    """The GeoJSON export for 50 and 100 km, read back by geopandas."""
    return gpd.read_file(io.BytesIO(export_bytes("geojson", SPEC)))


def test_every_format_has_a_media_type_and_sizes_are_the_issue_presets():
    assert set(MEDIA_TYPES) == set(FORMATS) == {"png", "svg", "pdf", "html", "geojson", "gpkg"}
    assert {k: (v.width, v.height) for k, v in SIZES.items()} == {
        "social": (1200, 675), "slide": (1920, 1080), "a4": (3508, 2480)}


def test_request_reports_size_media_type_and_file_name():
    request = export_request("PNG", BandSpec((50.0, 100.0), side="ukraine"), size="slide")
    assert (request.map_size.width, request.map_size.height) == (1920, 1080)
    assert request.media_type == "image/png"
    assert request.filename == "article-atlas-BY-UA-50-100km-ukraine.png"
    assert export_request("svg", SPEC, width=640, height=480).map_size.width == 640


@pytest.mark.parametrize("kwargs, match", [
    ({"fmt": "bmp"}, "Unknown format 'bmp'"),
    ({"fmt": "png", "size": "poster"}, "Unknown size 'poster'"),
    ({"fmt": "png", "width": 800}, "width and height together"),
    ({"fmt": "png", "size": "a4", "width": 800, "height": 600}, "either a size preset"),
    ({"fmt": "png", "width": 100, "height": 600}, "out of range"),
    ({"fmt": "png", "width": 800, "height": 9000}, "out of range"),
    ({"fmt": "png", "units": "leagues"}, "units"),
    ({"fmt": "png", "bounds": (1, 2, 3)}, "four numbers"),
    ({"fmt": "png", "bounds": "55,20,50,30"}, "south < north"),
    ({"fmt": "png", "bounds": {"north": 1}}, "_southWest"),
])
def test_bad_requests_raise_input_error(kwargs, match):
    fmt = kwargs.pop("fmt")
    with pytest.raises(InputError, match=match):
        export_bytes(fmt, SPEC, **kwargs)


def test_request_is_frozen():
    request = ExportRequest("geojson", SPEC)
    with pytest.raises(AttributeError):
        request.format = "png"  # type: ignore[misc]


def test_bounds_accept_the_st_folium_dict():
    bounds = {"_southWest": {"lat": 49.0, "lng": 27.0}, "_northEast": {"lat": 52.5, "lng": 33.0}}
    assert export_request("png", SPEC, bounds=bounds).view == View(49.0, 27.0, 52.5, 33.0)


def test_geojson_round_trips_with_every_overlay(overlays):
    assert list(overlays["layer"].unique()) == ["border", "band", "place", "passage"]
    passages = overlays[overlays["layer"] == "passage"]
    assert list(passages["quote"]) == [p.quote for p in load_story().passages]
    assert overlays.crs.to_epsg() == 4326
    assert overlays.geometry.is_valid.all()


def test_geojson_band_edges_keep_the_core_precision(overlays, brute_force):
    bands = overlays[overlays["layer"] == "band"]
    assert list(bands["inner_km"]) == [0, 50] and list(bands["outer_km"]) == [50, 100]
    ring = bands.iloc[1].geometry  # 50–100 km: outer edges at 100 km, holes at 50 km
    polygons = list(getattr(ring, "geoms", [ring]))
    outer = [brute_force.distance_m(x, y) for x, y in edge_samples(shapely.Polygon(polygons[0].exterior), 60)]
    assert np.max(np.abs(np.array(outer) / 100_000 - 1)) <= RELATIVE_TOLERANCE
    holes = [h for p in polygons for h in p.interiors]
    if holes:
        inner = [brute_force.distance_m(x, y) for x, y in edge_samples(shapely.Polygon(holes[0]), 60)]
        assert np.max(np.abs(np.array(inner) / 50_000 - 1)) <= RELATIVE_TOLERANCE


def test_geopackage_has_one_layer_per_kind(tmp_path):
    path = tmp_path / "overlays.gpkg"
    path.write_bytes(export_bytes("gpkg", SPEC))
    layers = dict(pyogrio.list_layers(path))
    assert set(layers) == set(GPKG_LAYERS.values()) - {"user"}  # no user layer was given
    bands = gpd.read_file(path, layer="bands")
    assert list(bands["outer_km"]) == [50, 100] and bands.crs.to_epsg() == 4326
    passages = gpd.read_file(path, layer="passages")
    assert list(passages["quote"]) == [p.quote for p in load_story().passages]
    assert len(gpd.read_file(path, layer="border")) == 1


@pytest.mark.parametrize("fmt, magic", [("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_static_formats_through_the_api(fmt, magic):
    data = export_bytes(fmt, SPEC, width=400, height=260, units="mi", bounds="48,22,56,34")
    assert data.startswith(magic)


# --- the command line --------------------------------------------------------------------------


def test_command_writes_a_png_of_the_asked_size(tmp_path):
    from PIL import Image

    target = tmp_path / "map.png"
    out = run("--format", "png", "--distance", "50", "--distance", "100", "--side", "ukraine",
              "--width", "480", "--height", "300", "--bounds", "48,22,56,34", "--output", str(target))
    assert out.returncode == 0, out.stderr
    assert Image.open(target).size == (480, 300)
    assert [p.name for p in tmp_path.iterdir()] == ["map.png"]


@pytest.mark.parametrize("args, needle", [
    (["--format", "bmp"], "--format"),
    (["--format", "png", "--size", "poster"], "--size"),
    (["--format", "png", "--width", "800"], "--width and --height"),
    (["--format", "png", "--width", "50", "--height", "50"], "--width"),
    (["--format", "png", "--size", "a4", "--width", "800", "--height", "600"], "--size"),
    (["--format", "png", "--bounds", "north"], "--bounds"),
    (["--format", "png", "--bounds", "56,22,48,34"], "--bounds"),
])
def test_bad_arguments_exit_2_with_one_line_and_write_nothing(tmp_path, args, needle):
    target = tmp_path / "out.png"
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "--distance", "50", *args, "--output", str(target)])
    assert exit_info.value.code == 2
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt, size", [("bmp", None), ("png", "poster")])
def test_unknown_format_or_size_as_a_command(tmp_path, fmt, size):
    target = tmp_path / "out.bin"
    extra = ["--size", size] if size else []
    out = run("--format", fmt, "--distance", "50", *extra, "--output", str(target))
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and ("--format" in lines[0] if size is None else "--size" in lines[0])
    assert list(tmp_path.iterdir()) == []


def test_a_failing_export_leaves_no_file(tmp_path, monkeypatch, capsys):
    def fail(request):
        raise ExportError("the renderer broke")

    monkeypatch.setattr(geo.export, "render", fail)
    status = main(["export", "--format", "png", "--distance", "50", "--output", str(tmp_path / "out.png")])
    assert status == 1
    assert "the renderer broke" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_failing_write_leaves_no_partial_file(tmp_path, monkeypatch):
    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    # One line and status 1 (see test_cli), not a traceback.
    assert main(["export", "--format", "geojson", "--distance", "50", "--output", str(tmp_path / "out.geojson")]) == 1
    assert list(tmp_path.iterdir()) == []


def test_geojson_command_matches_the_api(tmp_path):
    target = tmp_path / "overlays.geojson"
    assert main(["export", "--format", "geojson", "--distance", "100", "--distance", "50",
                 "--output", str(target)]) == 0
    assert json.loads(target.read_text(encoding="utf-8")) == json.loads(export_bytes("geojson", SPEC))


# --- user layers in every format ---------------------------------------------------------------


def test_a_user_layer_goes_into_every_format(tmp_path):
    """The user's own layer: a ``user`` feature in GeoJSON, a ``user`` GeoPackage layer, and drawn."""
    import json

    from geo.userlayer import read_user_layer

    data = json.dumps({"type": "Feature", "properties": {"name": "<b>Route</b>"},
                       "geometry": {"type": "LineString", "coordinates": [[24.0, 50.0], [30.0, 49.0]]}})
    layer = read_user_layer("route.geojson", data.encode())
    collection = json.loads(export_bytes("geojson", SPEC, user=layer))
    users = [f for f in collection["features"] if f["properties"]["layer"] == "user"]
    assert len(users) == 1 and users[0]["properties"]["name"] == "<b>Route</b>"
    path = tmp_path / "with-user.gpkg"
    path.write_bytes(export_bytes("gpkg", SPEC, user=layer))
    assert "user" in dict(pyogrio.list_layers(path))
    svg = export_bytes("svg", SPEC, size="social", user=layer).decode("utf-8")
    assert "Your layer: route" in svg
    html = export_bytes("html", SPEC, user=layer).decode("utf-8")
    assert "atlas-user" in html and "<b>Route</b>" not in html


def _user_layer(properties: dict, name: str = "route"):
    """A one-line user layer with the given properties, read as an upload is."""
    from geo.userlayer import read_user_layer

    data = json.dumps({"type": "Feature", "properties": properties,
                       "geometry": {"type": "LineString", "coordinates": [[24.0, 50.0], [30.0, 49.0]]}})
    return read_user_layer(f"{name}.geojson", data.encode())


def _user_rows(gpkg: bytes) -> list[tuple]:
    """The user table of a GeoPackage export as SQLite holds it: column names and raw values."""
    import sqlite3

    con = sqlite3.connect(":memory:")
    try:
        con.deserialize(gpkg)
        cursor = con.execute("SELECT * FROM user ORDER BY fid")
        names = [d[0] for d in cursor.description]
        return [names, *cursor.fetchall()]
    finally:
        con.close()


@pytest.mark.parametrize("properties, exported", [
    ({"fid": "a"}, {"fid_1": "a"}),
    ({"FID": "a"}, {"FID_1": "a"}),
    ({"geom": "a"}, {"geom_1": "a"}),
    ({"GEOM": "a", "Fid": "b"}, {"GEOM_1": "a", "Fid_1": "b"}),
    ({"Name": "a", "name": "b", "NAME": "c"}, {"Name": "a", "name_1": "b", "NAME_2": "c"}),
    ({"fid": "a", "fid_1": "b"}, {"fid_2": "a", "fid_1": "b"}),
    ({"layer": "roads", "user_layer": "mine"}, {"layer_1": "roads", "user_layer_1": "mine"}),
])
def test_clashing_user_property_names_are_renamed_alike_in_geopackage_and_geojson(properties, exported):
    layer = _user_layer(properties)
    names, row = _user_rows(export_bytes("gpkg", SPEC, user=layer))[:2]
    stored = dict(zip(names, row, strict=True))
    assert {k: stored[k] for k in exported} == exported
    assert stored["user_layer"] == "route"
    collection = json.loads(export_bytes("geojson", SPEC, user=layer))
    (user,) = [f["properties"] for f in collection["features"] if f["properties"]["layer"] == "user"]
    assert user == {**exported, "layer": "user", "user_layer": "route"}


def test_the_rename_rule_keeps_every_name_that_clashes_with_nothing():
    keys = ["fid", "Name", "name", "layer", "fid_1", "geometry", "population"]
    assert export_property_names(keys) == {
        "fid": "fid_2", "Name": "Name", "name": "name_1", "layer": "layer_1", "fid_1": "fid_1",
        "geometry": "geometry_1", "population": "population"}
    assert set(RESERVED_PROPERTIES) == {"layer", "user_layer", "fid", "geom", "geometry"}


def test_user_values_keep_their_string_form_in_geojson_and_geopackage():
    properties = {"code": "007", "ratio": "1.50", "big": "1e5", "flag": "true", "layer": "12"}
    layer = _user_layer(properties)
    names, row = _user_rows(export_bytes("gpkg", SPEC, user=layer))[:2]
    stored = dict(zip(names, row, strict=True))
    expected = {("layer_1" if k == "layer" else k): v for k, v in properties.items()}
    assert {k: stored[k] for k in expected} == expected  # TEXT columns: no number or bool parsing
    collection = json.loads(export_bytes("geojson", SPEC, user=layer))
    (user,) = [f["properties"] for f in collection["features"] if f["properties"]["layer"] == "user"]
    assert {k: user[k] for k in expected} == expected


@pytest.mark.parametrize("fmt, name, other", [("geojson", "GeoJSON", "GeoPackage"), ("html", "HTML", "GeoJSON")])
def test_an_unexpected_failure_becomes_an_export_error_that_says_what_to_do(fmt, name, other):
    from geo.userlayer import UserLayer

    # A hand-made layer whose property is bytes, not the strings read_user_layer makes:
    # neither JSON nor the popup can write it, and the failure must say so in its own name.
    frame = gpd.GeoDataFrame({"blob": [b"\x00\xff"]}, geometry=[shapely.Point(30.5, 50.45)], crs="EPSG:4326")
    with pytest.raises(ExportError, match=rf"^The {name} export failed \(TypeError: .+\)\. Try {other} or "
                                          "without your layer") as info:
        export_bytes(fmt, SPEC, user=UserLayer("blob", frame))
    assert isinstance(info.value.__cause__, TypeError)


def test_a_layer_gdal_cannot_write_gives_an_export_error_naming_the_layer_and_what_to_do():
    from geo.userlayer import UserLayer

    frame = gpd.GeoDataFrame({"z": [1 + 2j]}, geometry=[shapely.Point(30.5, 50.45)], crs="EPSG:4326")
    with pytest.raises(ExportError, match=r"^The GeoPackage export failed while writing your layer \(.*complex"
                                          r".*\)\. Try GeoJSON") as info:
        export_bytes("gpkg", SPEC, user=UserLayer("complex", frame))
    assert isinstance(info.value.__cause__, RuntimeError)  # pyogrio's FieldError
    assert "atlas-gpkg-" not in str(info.value)


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_a_static_export_refuses_a_view_its_projection_cannot_draw(fmt):
    with pytest.raises(InputError, match="too large for a static map"):
        export_request(fmt, BandSpec((50.0,)), size="slide", bounds=View(-90, -180, 90, 180))
    assert export_request("geojson", BandSpec((50.0,)), bounds=View(-90, -180, 90, 180)).format == "geojson"
