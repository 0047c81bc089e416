"""Static maps of another border: framed on it, projected for it, labelled with its own countries."""

from __future__ import annotations

import pytest
import shapely

from geo.bands import BandSpec, distance_bands
from geo.borders import get_border
from geo.export import export_request, render
from geo.static_map import MapSize, View, default_view, draw_map, projection_for


@pytest.fixture(scope="module")
def poland():
    """Belarus–Poland bands of 50 and 100 km, drawn once at 1200 × 800."""
    spec = BandSpec((50.0, 100.0), border=get_border("BY-PL"))
    return spec, draw_map(spec, MapSize(1200, 800))


def _texts(drawn, *kinds: str) -> list[str]:
    return [a.get_text() for item in drawn.items if not kinds or item.kind in kinds
            for a in item.artists if hasattr(a, "get_text")]


def _legend_labels(drawn) -> list[str]:
    legend = drawn.axes.get_legend() or next(a for a in drawn.figure.legends)
    return [t.get_text() for t in legend.get_texts()]


def test_the_title_and_legend_name_the_chosen_border(poland):
    _, drawn = poland
    titles = " ".join(_texts(drawn, "title", "subtitle"))
    assert "Belarus–Poland border" in titles
    assert "Kyiv" not in titles and "Ukraine" not in titles
    assert drawn.figure.get_label() == "Distance from the Belarus–Poland border"


def test_the_default_view_frames_the_border_countries_and_bands(poland):
    spec, _ = poland
    view = default_view(spec)
    border = spec.border.line
    box = shapely.box(view.west, view.south, view.east, view.north)
    assert box.contains(border)
    for band in distance_bands(spec):
        assert box.contains(band.geometry)
    # Framed on Belarus and Poland, not on Belarus and Ukraine's view.
    assert view.west < 14.5 and view.east < 34.0 and view.north > 54.5


def test_every_reference_line_is_labelled_with_its_distance(poland):
    _, drawn = poland
    distances = _texts(drawn, "distance")
    assert distances and all(t.endswith(" km") for t in distances)


@pytest.mark.parametrize(
    ("view", "method"),
    [
        (View(48.0, 20.0, 56.0, 35.0), "Lambert"),              # a region in mid-latitudes
        (View(-56.0, -76.0, -17.0, -53.0), "Transverse Mercator"),  # Chile–Argentina: tall and narrow
        (View(66.0, 10.0, 82.0, 60.0), "Polar Stereographic"),  # the Arctic, reaching past 80° N
    ],
)
def test_the_projection_suits_the_latitude_and_extent(view, method):
    assert method.lower() in projection_for(view).coordinate_operation.method_name.lower()


def test_exports_carry_the_chosen_border():
    import json

    spec = BandSpec((50.0,), border=get_border("BY-PL"))
    collection = json.loads(render(export_request("geojson", spec)))
    (border,) = [f for f in collection["features"] if f["properties"]["layer"] == "border"]
    assert border["properties"]["key"] == "BY-PL" and border["properties"]["countries"] == "BY,PL"
    bands = [f for f in collection["features"] if f["properties"]["layer"] == "band"]
    assert bands and all(f["properties"]["border"] == "BY-PL" for f in bands)
    assert export_request("png", spec).filename.startswith("article-atlas-BY-PL-")
    html = render(export_request("html", spec)).decode("utf-8")
    assert '"BY-PL"' in html and html.count('"className": "atlas-border"') == 1


def test_a_line_beyond_the_region_is_drawn_on_the_world_data(monkeypatch):
    """A user's line in the Andes: the world's countries around it, named; a projection for its shape."""
    from geo.borders import user_border

    line = shapely.LineString([(-68, -50), (-68.5, -40), (-68, -30)])
    spec = BandSpec((100.0,), border=user_border(line, "Andes line"))
    drawn = draw_map(spec, MapSize(600, 800))
    names = " ".join(_texts(drawn, "country name")).upper()
    assert "CHILE" in names and "ARGENTINA" in names
    assert "Transverse Mercator" in drawn.crs.coordinate_operation.method_name
    titles = " ".join(_texts(drawn, "title", "subtitle"))
    assert "Andes line" in titles and "Kyiv" not in titles and "Belarus" not in titles
