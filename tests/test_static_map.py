"""Static maps: the right size, colours and markers where the projection puts them, text kept as text."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import shapely
from matplotlib.colors import to_rgb
from PIL import Image
from pyproj import Transformer

from geo import data, style
from geo.bands import BandSpec, distance_bands
from geo.data import load_countries
from geo.errors import InputError
from geo.places import article_places
from geo.static_map import SIZES, MapSize, View, default_view, draw_map, projection_for

SPEC = BandSpec((50.0, 100.0))


@pytest.fixture(scope="module")
def drawn():
    """The default view at a realistic 1600 × 1000 px, drawn once for the pixel tests."""
    return draw_map(SPEC, MapSize(1600, 1000))


@pytest.fixture(scope="module")
def pixels(drawn) -> np.ndarray:
    """The PNG of ``drawn``, decoded by Pillow into an RGB array (rows from the top)."""
    image = Image.open(io.BytesIO(drawn.to_bytes("png")))
    assert image.size == (1600, 1000)
    return np.asarray(image.convert("RGB")).astype(int)


@pytest.fixture(scope="module")
def svg_text() -> list[str]:
    """Every ``<text>`` element's content in a small SVG export with footnotes, in miles."""
    data = draw_map(SPEC, MapSize(900, 560), units="mi", footnotes=True).to_bytes("svg")
    root = ET.fromstring(data)
    return ["".join(el.itertext()) for el in root.iter("{http://www.w3.org/2000/svg}text")]


def expected_pixel(drawn, lon: float, lat: float) -> tuple[float, float]:
    """Where the figure's own transform puts a point, in image pixels from the top left."""
    x, y = Transformer.from_crs("EPSG:4326", drawn.crs, always_xy=True).transform(lon, lat)
    px, py = drawn.axes.transData.transform((x, y))
    return px, drawn.size.height - py


def blend(color: str, under: str, alpha: float) -> np.ndarray:
    return 255 * (alpha * np.array(to_rgb(color)) + (1 - alpha) * np.array(to_rgb(under)))


@pytest.mark.parametrize("loader", ["load_countries", "load_united_states", "load_places", "load_comparison"])
def test_every_bundled_shape_is_valid_geometry(loader):
    # Loading trusts checksummed files to be the valid geometry the build wrote, so the
    # clipping and simplifying that draw a map can rely on it; this holds the build to that.
    layer = getattr(data, loader)()
    reasons = {r for r in shapely.is_valid_reason(layer.geometries) if r != "Valid Geometry"}
    assert reasons == set()


def test_crimea_is_valid_geometry():
    assert shapely.is_valid_reason(data.load_crimea().geometry) == "Valid Geometry"


def test_the_land_that_bands_clip_to_is_valid_geometry():
    assert shapely.is_valid_reason(data.load_land()) == "Valid Geometry"


def test_the_projection_is_conformal_conic_never_plain_lon_lat(drawn):
    assert drawn.crs.is_projected
    assert "Lambert" in drawn.crs.coordinate_operation.method_name


def test_a_view_of_half_the_world_gets_an_azimuthal_projection():
    crs = projection_for(View(-40, -60, 70, 120))
    assert crs.is_projected and "Azimuthal" in crs.coordinate_operation.method_name


def test_kyiv_marker_sits_where_the_projection_puts_it(drawn, pixels):
    kyiv = article_places()["kyiv"]
    px, py = expected_pixel(drawn, kyiv.lon, kyiv.lat)
    assert drawn.pixel(kyiv.lon, kyiv.lat) == pytest.approx((px, py), abs=0.01)
    x, y = round(px), round(py)
    patch = pixels[y - 2 : y + 3, x - 2 : x + 3].reshape(-1, 3)
    target = 255 * np.array(to_rgb(style.PLACE.color))
    assert np.abs(patch - target).max(axis=1).min() <= 12
    # Well away from the marker, the colour is something else.
    assert np.abs(pixels[y + 40, x + 40] - target).max() > 60


@pytest.mark.parametrize("band_index", [0, 1])
def test_each_band_shows_its_colour_at_its_pixels(drawn, pixels, band_index):
    bands = distance_bands(SPEC)
    color = style.band_colors(len(bands))[band_index]
    band = bands[band_index]
    countries = load_countries()
    # Points well inside the band and inside one country, away from its edges.
    core = band.geometry.buffer(-0.08)
    interiors = {iso: countries[iso].geometry.buffer(-0.08) for iso in ("UA", "BY")}
    shapely.prepare([core, *interiors.values()])
    rng = np.random.default_rng(band_index)
    west, south, east, north = core.bounds
    hits, tried = 0, 0
    for lon, lat in zip(rng.uniform(west, east, 400), rng.uniform(south, north, 400), strict=True):
        point = shapely.Point(lon, lat)
        if not core.contains(point):
            continue
        inside = [iso for iso, shape in interiors.items() if shape.contains(point)]
        if not inside:
            continue
        tried += 1
        px, py = expected_pixel(drawn, lon, lat)
        want = blend(color, style.COUNTRY_FILL[inside[0]], style.BAND_OPACITY)
        hits += np.abs(pixels[round(py), round(px)] - want).max() <= 10
        if tried == 40:
            break
    assert tried >= 20
    # Labels, graticule lines and the border cover a few sample points; the rest show the band.
    assert hits / tried >= 0.8


def test_a4_has_a4_paper_size_at_300_dpi():
    size = SIZES["a4"]
    assert (size.width, size.height, size.dpi) == (3508, 2480, 300)
    width_in, height_in = size.inches
    assert width_in * 25.4 == pytest.approx(297, abs=0.2) and height_in * 25.4 == pytest.approx(210, abs=0.2)


@pytest.mark.parametrize("width, height", [(1200, 675), (333, 777), (200, 200)])
def test_png_has_exactly_the_asked_size(width, height):
    data = draw_map(SPEC, MapSize(width, height)).to_bytes("png")
    assert Image.open(io.BytesIO(data)).size == (width, height)


def test_svg_keeps_legend_place_names_and_passages_as_text(svg_text):
    text = " ".join(svg_text)
    for needle in ("Kyiv", "Minsk", "Distance from the border", "Belarus–Ukraine border", "Washington Examiner",
                   "Digital Chart of the World", "GeoNames", "Natural Earth", "occupied by Russia since 2014"):
        assert needle in text, needle
    assert "0–31.1 mi" in svg_text and "31.1–62.1 mi" in svg_text
    assert any("relatively unguarded" in t for t in svg_text)


def test_pdf_is_one_complete_page_with_its_text():
    import pypdf
    data = draw_map(SPEC, MapSize(800, 500)).to_bytes("pdf")
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Kyiv" in text and "Washington Examiner" in text


def test_a_custom_view_centres_the_map_on_it():
    view = View(49.0, 28.0, 52.0, 33.0)
    drawn = draw_map(SPEC, MapSize(400, 300), view)
    kyiv = article_places()["kyiv"]
    x, y = drawn.pixel(kyiv.lon, kyiv.lat)
    assert 0 < x < 400 and 0 < y < 300
    corners = [drawn.pixel(lon, lat) for lon in (view.west, view.east) for lat in (view.south, view.north)]
    assert all(-0.5 <= cx <= 400.5 and -0.5 <= cy <= 300.5 for cx, cy in corners)
    # Parallels curve in a conic projection, so the view's centre lands near, not on, the image's.
    assert drawn.pixel(*view.centre) == pytest.approx((200, 150), abs=3.0)


def test_default_view_holds_both_countries_and_every_band():
    view = default_view(BandSpec((50.0, 400.0)))
    west, south, east, north = shapely.union_all([b.geometry for b in distance_bands(BandSpec((50.0, 400.0)))]).bounds
    assert view.west < west and view.east > east and view.south < south and view.north > north
    crimea_south = load_countries()["UA"].geometry.bounds[1]
    assert view.south < crimea_south


def test_view_reads_st_folium_bounds():
    view = View.from_leaflet({"_southWest": {"lat": 48, "lng": 22}, "_northEast": {"lat": 56, "lng": 34}})
    assert (view.south, view.west, view.north, view.east) == (48, 22, 56, 34)


@pytest.mark.parametrize("text, match", [
    ("1,2,3", "four numbers"),
    ("a,b,c,d", "four numbers"),
    ("60,20,50,30", "south < north"),
    ("40,30,50,20", "west < east"),
    ("40,20,95,30", "north <= 90"),
    ("40,20,40.001,30", "too small"),
    ("nan,20,50,30", "finite"),
])
def test_bad_bounds_are_refused_clearly(text, match):
    with pytest.raises(InputError, match=match):
        View.parse(text)


@pytest.mark.parametrize("width, height, match", [
    (199, 500, "width 199 px is out of range"),
    (500, 8001, "height 8001 px is out of range"),
    (8000, 8000, "too large"),
    (500.5, 500, "whole number"),
    (True, 500, "whole number"),
])
def test_bad_sizes_are_refused_clearly(width, height, match):
    with pytest.raises(InputError, match=match):
        MapSize(width, height)


def test_unknown_units_and_formats_are_refused():
    with pytest.raises(InputError, match="units"):
        draw_map(SPEC, MapSize(300, 300), units="furlongs")
    drawn = draw_map(SPEC, MapSize(300, 300))
    with pytest.raises(InputError, match="png, svg or pdf"):
        drawn.to_bytes("bmp")
