"""Encoded polylines: the Python encoder, its inverse, and the map's JavaScript decoder in Chromium."""

import json

import numpy as np
import pytest
import shapely

from geo.polyline import DECODER, decode, encode, packed_geometry


def test_google_reference_example():
    coords = np.array([[-120.2, 38.5], [-120.95, 40.7], [-126.453, 43.252]])
    assert encode(coords, 5) == "_p~iF~ps|U_ulLnnqC_mqNvxq`@"


@pytest.mark.parametrize("decimals", range(0, 9))
def test_round_trip_rounds_to_the_decimals_asked(decimals):
    rng = np.random.default_rng(decimals)
    coords = np.c_[rng.uniform(-180, 180, 500), rng.uniform(-90, 90, 500)]
    back = decode(encode(coords, decimals), decimals)
    assert np.abs(back - coords).max() <= 0.5 * 10.0**-decimals + 1e-9


def test_text_is_printable_ascii_and_empty_lines_are_empty():
    text = encode(np.array([[30.123456, 50.654321], [30.1, 50.7], [-179.9, -89.9]]), 6)
    assert all(63 <= ord(c) <= 126 for c in text)
    assert encode(np.empty((0, 2)), 6) == ""
    with pytest.raises(ValueError, match="decimals"):
        encode(np.zeros((1, 2)), 9)


def test_packed_geometry_keeps_holes_and_refuses_mixed_kinds():
    donut = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (2, 1), (2, 2), (1, 1)]])
    packed = packed_geometry(shapely.MultiPolygon([donut, shapely.box(10, 10, 11, 11)]), 3)
    assert [len(rings) for rings in packed["parts"]] == [2, 1]
    assert decode(packed["parts"][0][1], 3).tolist() == [[1, 1], [2, 1], [2, 2], [1, 1]]
    assert packed_geometry(shapely.LineString([(0, 0), (1, 1)]), 2)["type"] == "MultiLineString"
    with pytest.raises(ValueError, match="polygons or only lines"):
        packed_geometry(shapely.GeometryCollection([shapely.Point(0, 0), shapely.box(0, 0, 1, 1)]), 2)


@pytest.mark.browser
def test_the_javascript_decoder_agrees_with_python(browser):
    rng = np.random.default_rng(7)
    # Large steps (across the world at 8 decimals overflow 32-bit integers) and tiny ones.
    ring = np.c_[rng.uniform(-180, 180, 300), rng.uniform(-85, 85, 300)]
    near = np.c_[30 + np.cumsum(rng.normal(0, 1e-5, 300)), 50 + np.cumsum(rng.normal(0, 1e-5, 300))]
    cases = [(ring, 8), (ring, 5), (near, 6)]
    page = browser.new_page()
    try:
        page.set_content("<html><body></body></html>")
        page.add_script_tag(content=DECODER)
        for coords, decimals in cases:
            packed = {"type": "MultiLineString", "decimals": decimals, "parts": [encode(coords, decimals)]}
            got = page.evaluate("(p) => window.atlasUnpack(p)", json.loads(json.dumps(packed)))
            assert got["type"] == "MultiLineString"
            assert np.allclose(got["coordinates"][0], decode(packed["parts"][0], decimals), atol=1e-12, rtol=0)
    finally:
        page.close()
