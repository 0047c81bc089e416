"""The real app in Debian's Chromium: the map draws, bands change in place, passages fly, nothing leaks."""

import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from browsing import LOCAL_PREFIXES

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
FIRST_DRAW_MS = 120_000  # a cold server computes the data once
DRAW_MS = 30_000

class Page:
    """A fresh browser page that records every request and dialog."""

    def __init__(self, browser, base):
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.base = base
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def open(self, query: dict[str, str] | None = None, timeout: int = FIRST_DRAW_MS):
        url = self.base + "/" + ("?" + urllib.parse.urlencode(query) if query else "")
        self.page.goto(url)
        self.bands().first.wait_for(state="attached", timeout=timeout)
        return self

    def frame_locator(self):
        return self.page.frame_locator(MAP_IFRAME).first

    def frame(self):
        return self.page.locator(MAP_IFRAME).first.element_handle().content_frame()

    def bands(self):
        return self.frame_locator().locator("path.atlas-band")

    def view(self) -> dict:
        return self.frame().evaluate("() => ({c: window.map.getCenter(), z: window.map.getZoom()})")

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(LOCAL_PREFIXES)]

    def download_button(self, fmt: str):
        """The download button for ``fmt``, in the export popover (opened if it is closed)."""
        button = self.page.locator(f".st-key-download-{fmt} button")
        if not button.count():
            self.page.locator('[data-testid="stPopoverButton"]', has_text="Export a snapshot").click(timeout=DRAW_MS)
        button.wait_for(timeout=DRAW_MS)
        return button


@pytest.fixture
def page(browser, app_server):
    p = Page(browser, app_server)
    yield p
    p.context.close()


def test_map_draws_with_three_bands_and_nothing_leaves_localhost(page):
    page.open({"rings": "50,100,200"})
    fl = page.frame_locator()
    assert fl.locator("#map_div.leaflet-container").count() == 1
    assert page.bands().count() == 3
    assert fl.locator("path.atlas-country").count() > 20
    assert fl.locator("path.atlas-border").count() == 1
    assert fl.locator(".atlas-passage").count() >= 10
    assert fl.locator(".leaflet-control-scale").count() == 1
    assert fl.locator(".leaflet-control-minimap").count() == 1
    assert not fl.locator("img.leaflet-tile").count(), "the offline basemap loads no tiles"
    assert page.foreign_requests() == []
    assert any("/app/static/bundles/" in u for u in page.requests)
    # The one bundle ran Leaflet and every plugin the map uses, in order.
    assert fl.locator(".leaflet-control-measure").count() == 1
    assert fl.locator(".leaflet-control-fullscreen, .leaflet-fullscreen-on, [class*=fullscreen]").count() >= 1


def test_distance_change_updates_bands_in_place(page):
    page.open({"rings": "50,100,200"})
    frame = page.frame()
    frame.evaluate("() => { window.__atlas_marker = 1; window.map.setView([50.9, 29.4], 8, {animate: false}); }")
    before = page.view()
    _change_rings(page, "30, 60", 2)
    assert frame.evaluate("() => window.__atlas_marker") == 1, "the map iframe reloaded"
    after = page.view()
    assert after["z"] == before["z"] == 8
    assert after["c"]["lat"] == pytest.approx(before["c"]["lat"], abs=1e-9)
    assert after["c"]["lng"] == pytest.approx(before["c"]["lng"], abs=1e-9)
    # The new URL follows the map (the page sends the map first), so wait for it.
    page.page.wait_for_function("() => new URLSearchParams(location.search).get('rings') === '30,60'",
                                timeout=DRAW_MS)


def _change_rings(page, text: str, bands: int):
    """Type new distances, and wait for the new bands and for Streamlit's own message to the map."""
    frame = page.frame()
    frame.evaluate("() => { window.__atlasArgs = window.__GLOBAL_DATA__.last_feature_group; }")
    field = page.page.locator(".st-key-rings_text input")
    field.fill(text)
    field.press("Enter")
    frame.wait_for_function(f"() => document.querySelectorAll('path.atlas-band').length === {bands}", timeout=DRAW_MS)
    frame.wait_for_function("() => window.__GLOBAL_DATA__.last_feature_group !== window.__atlasArgs",
                            timeout=DRAW_MS)


def _listening(page) -> str:
    """Wait until the map's frame listens on its layer channel; return the channel's token."""
    frame = page.frame()
    frame.wait_for_function("() => window.__atlasSource && window.__atlasSource.readyState === 1", timeout=DRAW_MS)
    return frame.evaluate("() => window.__atlasChannel")


def test_new_bands_reach_the_map_through_its_channel_before_streamlit(page):
    page.open({"rings": "50,100,200"})
    _listening(page)
    frame = page.frame()
    frame.evaluate("() => { window.__atlas_marker = 1; }")
    _change_rings(page, "30, 60", 2)
    # Applied once, and before Streamlit's message: had that come first, the frame would
    # already have shown these layers and the pushed message would have been skipped.
    assert frame.evaluate("() => window.__atlasPushed") == 1
    assert frame.evaluate("() => window.__atlas_marker") == 1, "the map iframe reloaded"
    # Streamlit's message drew the same layers again: one set of bands, and the same objects.
    assert page.bands().count() == 2
    assert frame.evaluate("() => window.map.hasLayer(window.feature_group[window.feature_group.length - 3])")
    _change_rings(page, "50, 100, 200", 3)
    assert frame.evaluate("() => window.__atlasPushed") == 2
    assert frame.locator(".atlas-band-legend div i").count() == 3


def test_without_its_channel_the_map_still_gets_new_bands(page):
    page.page.route("**/api/layers/**", lambda route: route.abort())
    page.open({"rings": "50,100,200"})
    _change_rings(page, "30, 60", 2)
    assert page.page.locator(".st-key-rings_text input").input_value() == "30, 60"
    assert page.frame().evaluate("() => window.__atlasPushed") == 0


def test_the_channel_streams_only_for_a_token_the_page_issued(page, app_server):
    page.open({"rings": "50,100"})
    token = _listening(page)
    for bad in ["A" * 22, "not-a-token", "%3Cscript%3E"]:
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"{app_server}/api/layers/{bad}", timeout=10)
        assert err.value.code == 404
    with urllib.request.urlopen(f"{app_server}/api/layers/{token}", timeout=10) as r:
        assert r.headers["Content-Type"].startswith("text/event-stream")
        assert "no-store" in r.headers["Cache-Control"]
        assert r.readline() == b": open\n"


def test_a_server_with_an_open_channel_still_stops_at_once(browser, tmp_path):
    """uvicorn waits for open responses before it stops; the channel's stream ends with its session."""
    import subprocess
    import time

    from browsing import streamlit_app

    with streamlit_app(ROOT, tmp_path / "server.log") as base:
        p = Page(browser, base)
        try:
            p.open({"rings": "50,100"})
            _listening(p)
            server = next(int(line.split()[0]) for line in subprocess.run(
                ["ps", "-ww", "-eo", "pid,args"], capture_output=True, text=True, check=True).stdout.splitlines()
                if f"--server.port {base.rsplit(':', 1)[1]}" in line)
            stat = Path(f"/proc/{server}/stat")
            t0 = time.monotonic()
            subprocess.run(["kill", "-TERM", str(server)], check=True)
            # Exited: gone, or a zombie until streamlit_app's Popen reaps it.
            while stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z":
                assert time.monotonic() - t0 < 5, "the server waited for the open channel"
                time.sleep(0.1)
        finally:
            p.context.close()


def test_a_layer_shown_before_is_put_back_not_built_again(page):
    page.open({"rings": "50,100,200"})
    frame = page.frame()
    frame.evaluate("() => window.feature_group.forEach(l => { l.__atlas_seen = 1; })")
    _change_rings(page, "30, 60", 2)
    seen = frame.evaluate("() => window.feature_group.slice(-4).map(l => l.__atlas_seen === 1)")
    assert seen == [True, False, True, True], "only the bands were built again"
    _change_rings(page, "50, 100, 200", 3)
    assert frame.evaluate("() => window.feature_group.slice(-4).every(l => l.__atlas_seen === 1)")
    # The layer put back is whole: its legend and tooltips came back with it.
    assert frame.locator(".atlas-band-legend div i").count() == 3
    tooltips = frame.evaluate("""() => {
        const out = [];
        window.feature_group.slice(-4)[1].eachLayer(g => { if (g.eachLayer) out.push(!!g.getTooltip()); });
        return out;
    }""")
    assert tooltips == [True, True, True]


_OVERLAYS = """() => [...document.querySelectorAll('.leaflet-control-layers-overlays label')]
    .map(l => l.textContent.trim())"""
_TOGGLE = """(name) => [...document.querySelectorAll('.leaflet-control-layers-overlays label')]
    .find(l => l.textContent.trim() === name).querySelector('input').click()"""


def test_the_layer_control_switches_the_adjustable_layers_after_a_change_too(page):
    page.open({"rings": "50,100,200"})
    frame = page.frame()
    overlays = frame.evaluate(_OVERLAYS)
    assert {"The border", "Distance bands", "Reference lines", "Passages", "Countries"} <= set(overlays)
    frame.evaluate(_TOGGLE, "Distance bands")
    assert page.bands().count() == 0
    frame.evaluate(_TOGGLE, "Distance bands")
    assert page.bands().count() == 3
    _change_rings(page, "30, 60", 2)
    # The control is built again with the new groups: one entry each, and it switches the new bands.
    assert frame.evaluate(_OVERLAYS).count("Distance bands") == 1
    frame.evaluate(_TOGGLE, "Distance bands")
    assert page.bands().count() == 0


def test_clicking_a_passage_moves_the_map_and_opens_its_popup(page):
    page.open()
    frame = page.frame()
    frame.evaluate("() => window.map.setView([45.0, 10.0], 5, {animate: false})")
    before = page.view()
    page.page.locator(".st-key-passage-1 button").click()
    frame.wait_for_function("() => window.__atlas_flown === '1:1'", timeout=DRAW_MS)
    frame.wait_for_function(
        "([lat, lng]) => { const c = window.map.getCenter();"
        " return Math.abs(c.lat - lat) + Math.abs(c.lng - lng) > 1 && !window.map._animatingZoom; }",
        arg=[before["c"]["lat"], before["c"]["lng"]],
        timeout=DRAW_MS,
    )
    popup = page.frame_locator().locator(".leaflet-popup-content")
    popup.wait_for(timeout=DRAW_MS)
    assert "Passage 1" in popup.inner_text()
    assert page.foreign_requests() == []


def test_the_chosen_passage_keeps_its_popup_through_a_distance_change_until_closed(page):
    """A rerun takes the layers off the map and puts them back (twice with the layer channel)."""
    page.open({"rings": "50,100,200"})
    _listening(page)
    page.page.locator(".st-key-passage-1 button").click()
    frame = page.frame()
    frame.wait_for_function("() => window.__atlas_flown === '1:1'", timeout=DRAW_MS)
    popup = page.frame_locator().locator(".leaflet-popup-content")
    popup.wait_for(timeout=DRAW_MS)
    _change_rings(page, "30, 60", 2)
    assert popup.count() == 1 and "Passage 1" in popup.inner_text()
    assert frame.evaluate("() => window.__atlas_flown") == "1:1", "it did not fly again"
    frame.evaluate("() => window.map.closePopup()")
    _change_rings(page, "50, 100, 200", 3)
    assert popup.count() == 0, "a popup the reader closed stays closed"


@pytest.mark.parametrize(
    "query",
    [
        {"rings": "<img src=x onerror=\"window.__pwned=1;alert(1)\">"},
        {"side": "</script><script>window.__pwned=1;alert(1)</script>"},
        {"layers": "bands,<svg onload=alert(1)>", "basemap": "javascript:alert(1)"},
    ],
)
def test_hostile_url_values_run_no_script(page, query):
    page.open({"rings": "50,100,200", **query} if "rings" not in query else query)
    page.page.locator('[data-testid="stAlert"]').first.wait_for(timeout=DRAW_MS)
    assert page.page.evaluate("() => window.__pwned") is None
    assert page.frame().evaluate("() => window.__pwned") is None
    assert page.dialogs == []
    assert page.foreign_requests() == []


def test_an_uploaded_layer_is_drawn_escaped_and_exported(page, tmp_path):
    """A user's GeoJSON with a hostile property: drawn, its popup inert, and in the download."""
    import json

    hostile = '<img src=x onerror="window.__pwned=1;alert(1)">'
    layer = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": hostile},
        "geometry": {"type": "LineString", "coordinates": [[24.0, 50.0], [30.0, 49.0]]},
    }]}
    path = tmp_path / "my layer.geojson"
    path.write_text(json.dumps(layer))
    page.open({"rings": "50,100"})
    page.page.locator('section[data-testid="stSidebar"] input[type="file"]').set_input_files(str(path))
    # The layer is drawn into a new base map, so the map's frame is replaced: poll from the page.
    page.page.wait_for_function(
        "(sel) => { const f = document.querySelector(sel);"
        " return !!f && !!f.contentDocument && f.contentDocument.querySelectorAll('.atlas-user').length === 1; }",
        arg=MAP_IFRAME, timeout=DRAW_MS)
    frame = page.frame()
    page.frame_locator().locator(".atlas-user").first.click(force=True)
    popup = page.frame_locator().locator(".leaflet-popup-content")
    popup.wait_for(timeout=DRAW_MS)
    assert hostile in popup.inner_text()  # shown as text, not run
    assert page.page.evaluate("() => window.__pwned") is None
    assert frame.evaluate("() => window.__pwned") is None
    assert page.dialogs == []
    with page.page.expect_download(timeout=DRAW_MS * 4) as download:
        page.download_button("geojson").click()
    saved = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    kinds = [f["properties"]["layer"] for f in saved["features"]]
    assert kinds.count("band") == 2 and kinds.count("user") == 1
    user = next(f for f in saved["features"] if f["properties"]["layer"] == "user")
    assert user["properties"]["name"] == hostile
    assert page.foreign_requests() == []


def test_a_png_download_is_a_real_image(page):
    from io import BytesIO

    from PIL import Image

    page.open({"rings": "50,100"})
    with page.page.expect_download(timeout=DRAW_MS * 4) as download:
        page.download_button("png").click()
    assert download.value.suggested_filename.endswith(".png")
    image = Image.open(BytesIO(Path(download.value.path()).read_bytes()))
    assert image.size == (1200, 675)  # the default size preset: social media


def test_exports_follow_the_view_the_user_chose(page):
    """Pan and zoom the map: the exported HTML opens on exactly that view."""
    import re

    page.open({"rings": "50,100"})
    frame = page.frame()
    frame.evaluate("() => window.map.setView([50.45, 30.52], 9, {animate: false})")
    b = frame.evaluate("() => { const b = window.map.getBounds();"
                       " return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]; }")
    shown = f"{b[0]:.2f}° N to {b[2]:.2f}° N, {b[1]:.2f}° E to {b[3]:.2f}° E"
    page.download_button("html")  # opens the export popover
    note = page.page.get_by_text("as the map does now")
    # The caption follows once the map has reported the new view (the page reruns then).
    page.page.get_by_text(shown).wait_for(timeout=DRAW_MS)
    assert shown in note.inner_text()
    with page.page.expect_download(timeout=DRAW_MS * 4) as download:
        page.download_button("html").click()
    html = Path(download.value.path()).read_text(encoding="utf-8")
    views = [
        [float(v) for v in f"{sw},{ne}".split(",")]
        for sw, ne in re.findall(r"fitBounds\(\s*\[\[([^\]]+)\],\s*\[([^\]]+)\]\]", html)
    ]
    assert any(v == pytest.approx(b, abs=1e-9) for v in views), f"no fitBounds on {b}: {views}"
    assert page.foreign_requests() == []


def test_export_settings_survive_closing_the_popover(page):
    """The export controls are built only while their popover is open; settings stay put."""
    page.open({"rings": "50,100"})
    page.download_button("png")
    page.page.locator(".st-key-export_footnotes label").click()
    page.page.locator(".st-key-export_footnotes input:checked").wait_for(state="attached", timeout=DRAW_MS)
    field = page.page.locator(".st-key-rings_text input")
    field.click()  # outside the popover: closes it
    page.page.locator(".st-key-export_footnotes").wait_for(state="detached", timeout=DRAW_MS)
    field.fill("30, 60, 90")
    field.press("Enter")
    page.page.wait_for_function(
        "() => document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]')"
        ".contentDocument.querySelectorAll('path.atlas-band').length === 3", timeout=DRAW_MS)
    page.download_button("png")  # reopens it
    assert page.page.locator(".st-key-export_footnotes input").is_checked()
    with page.page.expect_download(timeout=DRAW_MS * 4) as download:
        page.download_button("geojson").click()
    assert download.value.suggested_filename == "article-atlas-BY-UA-30-60-90km-both.geojson"
