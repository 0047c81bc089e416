"""In Chromium: every part of an uploaded GeometryCollection opens the feature's popup."""

from __future__ import annotations

import folium
import pytest
from hostile_files import geometry_collection_geojson

from geo.assets import standalone_html
from geo.userlayer import read_user_layer, user_layer_group

pytestmark = pytest.mark.browser

# Click the middle of each drawn user feature on screen; report the popup each click opened.
CLICK_EACH = """async () => {
    const map = Object.values(window).find(v => v instanceof L.Map);
    const layers = [];
    map.eachLayer(layer => { if (layer.feature && (layer.getLatLng || layer.getBounds)) layers.push(layer); });
    const seen = [];
    for (const layer of layers) {
        map.closePopup();
        const latlng = layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter();
        const point = map.latLngToContainerPoint(latlng);
        const box = map.getContainer().getBoundingClientRect();
        seen.push({x: box.left + point.x, y: box.top + point.y, kind: layer.getLatLng ? 'point' : 'shape'});
    }
    return seen;
}"""


def test_every_part_of_a_geometry_collection_opens_its_popup(browser, tmp_path):
    layer = read_user_layer(*geometry_collection_geojson())
    m = folium.Map(location=[50.5, 31], zoom_start=7, tiles=None)
    user_layer_group(layer).add_to(m)
    page_file = tmp_path / "collection.html"
    page_file.write_text(standalone_html(m), encoding="utf-8")
    context = browser.new_context(offline=True, viewport={"width": 900, "height": 700})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(page_file.as_uri())
    page.wait_for_function("() => window.L && document.querySelectorAll('.atlas-user').length > 0")
    targets = page.evaluate(CLICK_EACH)
    popups = []
    for target in targets:
        page.mouse.click(target["x"], target["y"])
        page.wait_for_selector(".leaflet-popup-content", state="visible")
        popups.append((target["kind"], page.inner_text(".leaflet-popup-content")))
        page.evaluate("() => Object.values(window).find(v => v instanceof L.Map).closePopup()")
    context.close()

    assert errors == []
    assert sorted(kind for kind, _ in popups) == ["point", "shape"]
    assert all("collected" in text for _, text in popups)
