"""Every standalone HTML export, opened from a file in Chromium, draws every layer offline.

Each page is opened from a ``file://`` URL in Debian's Chromium. The tests count what the
map drew (bands, border, passages, the user's paths and markers, the layer control's
entries), listen for script errors, read the map's view back from Leaflet and list every
request the page made.
"""

from __future__ import annotations

import json
import re

import pytest

from geo.bands import BandSpec, distance_bands
from geo.export import export_bytes
from geo.story import load_story
from geo.userlayer import read_user_layer

pytestmark = pytest.mark.browser

#: Base layers of every export: the offline basemap and three tile layers (not loaded until chosen).
BASE_LAYERS = ["Offline basemap (bundled data)", "OpenStreetMap", "Light (CARTO)", "Dark (CARTO)"]
#: Overlays every export lists, user layer aside.
ATLAS_OVERLAYS = 7
LINE = {"type": "LineString", "coordinates": [[24.0, 50.0], [30.0, 49.0]]}
POLYGON = {"type": "Polygon", "coordinates": [[[27.0, 48.0], [28.0, 48.0], [28.0, 48.8], [27.0, 48.0]]]}
POINTS = [{"type": "Point", "coordinates": [30.5, 50.45]}, {"type": "Point", "coordinates": [26.0, 52.0]}]
# Names a hostile upload could carry: markup, template syntax, and names the layer control keys on.
HOSTILE_NAMES = [
    "<img src=x onerror=alert(1)>",
    "`${alert(1)}` {{ 7 * 7 }}",
    "__proto__",
    "Distance bands",
    "Passages",
    "constructor",
    "x" * 120,
]


def _user_layer(name: str = "route", properties: dict | None = None):
    """Two lines' worth of paths (a line, a polygon) and two markers, in the given layer name."""
    props = properties or {"name": "<b>Route</b>", "layer": "roads", "fid": "7"}
    geometries = [LINE, POLYGON, *POINTS]
    data = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": g} for g in geometries]})
    return read_user_layer(f"{name}.geojson", data.encode())


def _open(browser, tmp_path, data: bytes, click_user: int | None = None) -> dict:
    """Open ``data`` as an HTML file; return what the map drew, its view, its errors and requests.

    With ``click_user``, click that user path (in drawing order) and add its popup's text.
    """
    page_file = tmp_path / "export.html"
    page_file.write_bytes(data)
    context = browser.new_context(offline=True, viewport={"width": 1200, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(page_file.as_uri())
        page.wait_for_selector(".leaflet-container")
        page.wait_for_selector("path.atlas-border", state="attached")
        found = page.evaluate(
            """() => {
            const name = Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k));
            const map = window[name];
            const b = map.getBounds();
            const labels = sel => [...document.querySelectorAll(sel)].map(
                l => ({text: l.textContent.trim(), checked: l.querySelector("input").checked}));
            return {
                bands: document.querySelectorAll("path.atlas-band").length,
                border: document.querySelectorAll("path.atlas-border").length,
                countries: document.querySelectorAll("path.atlas-country").length,
                crimea: document.querySelectorAll("path.atlas-crimea").length,
                places: document.querySelectorAll("path.atlas-place").length,
                kyiv_line: document.querySelectorAll("path.atlas-kyiv-line").length,
                passages: document.querySelectorAll(".atlas-passage").length,
                passage_numbers: [...document.querySelectorAll(".atlas-passage")].flatMap(
                    b => b.textContent.split(",").map(n => Number(n.trim()))),
                user_paths: document.querySelectorAll("path.atlas-user").length,
                base: labels(".leaflet-control-layers-base label"),
                overlays: labels(".leaflet-control-layers-overlays label"),
                zoom: map.getZoom(),
                center: [map.getCenter().lat, map.getCenter().lng],
                bounds: [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()],
            };
        }"""
        )
        if click_user is not None:
            page.locator("path.atlas-user").nth(click_user).click(force=True)
            found["popup"] = page.locator(".atlas-user-popup .leaflet-popup-content").inner_text()
    finally:
        context.close()
    found.update(errors=errors, requests=requests, dialogs=dialogs)
    return found


def _band_count(spec: BandSpec) -> int:
    return sum(not band.geometry.is_empty for band in distance_bands(spec))


def _assert_drawn(found: dict, spec: BandSpec, user_paths: int = 0, user_name: str | None = None) -> None:
    assert found["errors"] == []
    assert found["dialogs"] == []
    assert [u for u in found["requests"] if not u.startswith(("file://", "data:"))] == []
    assert found["bands"] == _band_count(spec) > 0
    assert found["border"] >= 1 and found["crimea"] >= 1 and found["places"] >= 1
    assert found["countries"] >= 3  # at least Belarus, Ukraine and Russia
    assert found["kyiv_line"] == 1
    passages = load_story().passages
    assert found["passages"] == len({p.place for p in passages}), "one badge per place"
    assert sorted(found["passage_numbers"]) == [p.number for p in passages], "every passage on a badge"
    assert found["user_paths"] == user_paths
    assert [b["text"] for b in found["base"]] == BASE_LAYERS
    overlays = [o["text"] for o in found["overlays"]]
    assert len(overlays) == ATLAS_OVERLAYS + (user_name is not None)
    assert len(set(overlays)) == len(overlays)
    assert all(o["checked"] for o in found["overlays"])
    if user_name is not None:
        assert overlays[-1] == user_name or re.fullmatch(re.escape(user_name) + r" \(\d+\)", overlays[-1])


def test_the_default_export_draws_every_layer_at_the_default_view(browser, tmp_path):
    spec = BandSpec((50.0, 100.0))
    found = _open(browser, tmp_path, export_bytes("html", spec))
    _assert_drawn(found, spec)
    assert found["zoom"] == 6
    assert found["center"] == pytest.approx([51.2, 29.0], abs=1e-6)  # DEFAULT_VIEW, to a micro-degree


def test_an_export_with_a_user_layer_draws_it_lists_it_and_keeps_the_view(browser, tmp_path):
    spec = BandSpec((50.0, 100.0))
    view = (47.0, 22.0, 53.0, 34.0)
    found = _open(browser, tmp_path, export_bytes("html", spec, user=_user_layer(), bounds=view))
    # A line, a polygon and two circle markers: four paths of the user's class.
    _assert_drawn(found, spec, user_paths=4, user_name="route")
    south, west, north, east = found["bounds"]
    # fitBounds shows the whole asked extent, zoomed in as far as whole zoom levels allow
    # (so no more than twice its span); 0.01° is well under a pixel at these zooms.
    assert south <= view[0] + 0.01 and west <= view[1] + 0.01
    assert north >= view[2] - 0.01 and east >= view[3] - 0.01
    assert min((north - south) / (view[2] - view[0]), (east - west) / (view[3] - view[1])) <= 2.0
    assert found["center"][1] == pytest.approx((view[1] + view[3]) / 2, abs=0.01)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_user_layer_names_are_drawn_and_listed_as_text(browser, tmp_path, name):
    spec = BandSpec((100.0,))
    found = _open(browser, tmp_path, export_bytes("html", spec, user=_user_layer(name)))
    _assert_drawn(found, spec, user_paths=4, user_name=name)


@pytest.mark.parametrize("spec, units", [
    (BandSpec((25.0,)), "km"),
    (BandSpec((25.0, 50.0, 100.0, 200.0, 300.0), side="ukraine"), "mi"),
    (BandSpec((100.0, 200.0), side="belarus", clip="land"), "km"),
    (BandSpec((50.0, 150.0), clip="ukraine"), "mi"),
])
def test_every_band_choice_draws_every_layer(browser, tmp_path, spec, units):
    found = _open(browser, tmp_path, export_bytes("html", spec, units=units, user=_user_layer("my route")))
    _assert_drawn(found, spec, user_paths=4, user_name="my route")


def test_user_properties_reach_the_popup_as_text(browser, tmp_path):
    spec = BandSpec((50.0,))
    properties = {"name": "<script>alert(1)</script>", "layer": "roads", "price": "$5 to ${x}"}
    data = export_bytes("html", spec, user=_user_layer("prices", properties))
    found = _open(browser, tmp_path, data, click_user=3)  # the marker at 52° N, 26° E
    _assert_drawn(found, spec, user_paths=4, user_name="prices")
    lines = [line.split("\t") for line in found["popup"].splitlines() if line.strip()]
    assert lines == [["name", "<script>alert(1)</script>"], ["layer", "roads"], ["price", "$5 to ${x}"]]
