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
from geo.export import FORMATS, GPKG_LAYERS, MEDIA_TYPES, SIZES, ExportRequest, export_bytes, export_request
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
    assert request.filename == "article-atlas-50-100km-ukraine.png"
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


# --- standalone HTML in a browser ------------------------------------------------------------





@pytest.mark.browser
def test_standalone_html_draws_its_map_offline(browser, tmp_path):
    page_file = tmp_path / "map.html"
    page_file.write_bytes(export_bytes("html", SPEC, bounds=(49.0, 24.0, 53.0, 33.0)))
    context = browser.new_context(offline=True)
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(page_file.as_uri())
    page.wait_for_selector(".leaflet-container")
    page.wait_for_selector("path.atlas-band", state="attached")
    assert page.locator("path.atlas-band").count() == 2
    assert page.locator("path.atlas-border").count() >= 1
    context.close()
    assert errors == []
    assert [u for u in requests if not u.startswith(("file://", "data:"))] == []


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
