"""In Chromium, no hostile payload runs: not from a user layer's popups, tooltips or names, nor from the URL."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from pathlib import Path

import folium
import pytest
from payloads import HOSTILE

from geo.assets import standalone_html
from geo.urlstate import parse_query
from geo.userlayer import UserLayer, read_user_layer, user_layer_group

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
PAYLOADS = [payload for _, payload in HOSTILE]
URL_KEYS = ("rings", "side", "units", "clip", "layers", "basemap", "passage")
# Elements that escaped user text can never produce inside a popup, tooltip or label.
INJECTED = "img, svg, script, iframe, style, a, details, body, math"

# Every feature of every user layer: fire the events a user would (click, hover), so each popup
# and tooltip renders its content into the page, and report what was rendered.
OPEN_EVERYTHING = """() => {
    const map = Object.values(window).find(v => v instanceof L.Map);
    const report = {features: 0, popups: [], tooltips: [], injected: 0};
    map.eachLayer(group => {
        if (!(group instanceof L.GeoJSON)) return;
        group.eachLayer(layer => {
            const latlng = layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter();
            report.features += 1;
            layer.fire('click', {latlng}, true);
            const popup = document.querySelector('.leaflet-popup-content');
            report.popups.push(popup ? popup.textContent : null);
            report.injected += popup ? popup.querySelectorAll(arguments_selector).length : 0;
            layer.fire('mouseover', {latlng}, true);
            const tooltip = document.querySelector('.leaflet-tooltip');
            report.tooltips.push(tooltip ? tooltip.textContent : null);
            report.injected += tooltip ? tooltip.querySelectorAll(arguments_selector).length : 0;
            layer.fire('mouseout', {latlng}, true);
        });
    });
    report.labels = [...document.querySelectorAll('.leaflet-control-layers-overlays label')].map(l => l.textContent);
    report.injected += document.querySelectorAll(
        arguments_selector.split(', ').map(tag => '.leaflet-control-layers-overlays ' + tag).join(', ')).length;
    return report;
}""".replace("arguments_selector", json.dumps(INJECTED))

# Let handlers that fire after insertion (onerror, onload, ontoggle) run: two frames and a task.
SETTLE = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 0))))"





def _hostile_map() -> tuple[folium.Map, int]:
    """A map with one user layer whose keys and values are all payloads, and one layer per payload name."""
    features = [
        {
            "type": "Feature",
            "properties": {payload: PAYLOADS[(i + j) % len(PAYLOADS)] for j, payload in enumerate(PAYLOADS)},
            "geometry": {"type": "Point", "coordinates": [24 + (i % 8) * 2, 46 + (i // 8) * 2]},
        }
        for i in range(len(PAYLOADS))
    ]
    features.append({"type": "Feature", "properties": {"name": PAYLOADS[0]},
                     "geometry": {"type": "Polygon", "coordinates": [[[20, 40], [22, 40], [22, 42], [20, 40]]]}})
    data = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    layer = read_user_layer("hostile.geojson", data)
    m = folium.Map(location=[50, 30], zoom_start=4, tiles=None)
    user_layer_group(layer).add_to(m)
    count = len(layer.frame)
    for i, payload in enumerate(PAYLOADS):
        one = layer.frame.iloc[[i]]
        user_layer_group(UserLayer(payload, one)).add_to(m)
        count += 1
    folium.LayerControl(collapsed=False).add_to(m)
    return m, count


def test_user_layer_payloads_never_run(browser, tmp_path):
    m, features = _hostile_map()
    page_file = tmp_path / "hostile.html"
    page_file.write_text(standalone_html(m), encoding="utf-8")
    context = browser.new_context(offline=True)
    page = context.new_page()
    dialogs: list[str] = []
    errors: list[str] = []
    foreign: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))

    def block(route):
        if route.request.url.startswith(("file://", "data:")):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    page.route("**/*", block)
    page.goto(page_file.as_uri())
    page.wait_for_function("() => window.L && document.querySelectorAll('.atlas-user').length > 0")
    report = page.evaluate(OPEN_EVERYTHING)
    page.evaluate(SETTLE)
    pwned = page.evaluate("() => window.__pwned")
    context.close()

    assert report["features"] == features
    assert all(text is not None for text in report["popups"]), "every popup opened"
    assert all(text is not None for text in report["tooltips"]), "every tooltip opened"
    # The payloads show as text: the first popup's table holds the script tag, literally.
    assert "<script>window.__pwned=1</script>" in report["popups"][0]
    assert "<svg onload=window.__pwned=1>" in report["labels"][1 + PAYLOADS.index("<svg onload=window.__pwned=1>")]
    assert report["injected"] == 0
    assert pwned is None
    assert dialogs == []
    assert errors == []
    assert foreign == []


def test_the_harness_detects_a_payload_that_runs(browser, tmp_path):
    """Control: the same payload inserted unescaped does set window.__pwned, so the test above can fail."""
    page_file = tmp_path / "control.html"
    page_file.write_text(standalone_html(folium.Map(tiles=None)), encoding="utf-8")
    context = browser.new_context(offline=True)
    page = context.new_page()
    page.goto(page_file.as_uri())
    page.evaluate("""() => {
        const map = Object.values(window).find(v => v instanceof L.Map);
        L.popup().setLatLng([0, 0]).setContent('<img src=x onerror="window.__pwned=1">').openOn(map);
    }""")
    page.wait_for_function("() => window.__pwned === 1")
    context.close()


# URL parameters, through the running app ------------------------------------------------------






def _queries() -> list[dict[str, str]]:
    """Every payload in every URL key, seven payloads a page (one per key), rotating keys."""
    queries = []
    for start in range(0, len(PAYLOADS), len(URL_KEYS)):
        chunk = PAYLOADS[start : start + len(URL_KEYS)]
        queries.append({key: chunk[(k + start) % len(chunk)] for k, key in enumerate(URL_KEYS[: len(chunk)])})
    return queries


def test_every_payload_is_a_warning_in_plain_text():
    """The parser never raises, rejects each payload and previews it inertly."""
    for query in _queries():
        state, warnings = parse_query(query)
        assert len(warnings) >= len(query) - 1  # "rings" may add two warnings, "layers" falls back
        for message in warnings:
            assert not any(c in message for c in "<>`$\\\"'\x00\r\n\u2028\u2029\u202e")


@pytest.mark.parametrize("query", _queries(), ids=lambda q: f"{len(q)}-values")
def test_url_payloads_never_run_in_the_app(browser, app_server, query):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _, warnings = parse_query(query)
    page.goto(f"{app_server}/?{urllib.parse.urlencode(query)}")
    alerts = page.locator('[data-testid="stAlert"]')
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=\"stAlert\"]').length >= n", arg=len(warnings), timeout=60_000
    )
    texts = alerts.all_inner_texts()
    injected = page.evaluate(
        f"() => [...document.querySelectorAll('[data-testid=\"stAlert\"]')]"
        f".reduce((n, a) => n + a.querySelectorAll({json.dumps(INJECTED)}).length, 0)"
    )
    page.evaluate(SETTLE)
    pwned = [frame.evaluate("() => window.__pwned") for frame in page.frames if not frame.is_detached()]
    context.close()
    assert any("Ignored" in text for text in texts)
    assert injected == 0
    assert all(value is None for value in pwned)
    assert dialogs == []
