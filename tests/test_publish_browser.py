"""A published folder, served by a plain static file server, draws its map with no other host.

The folder is served by Python's ``http.server`` on 127.0.0.1 in a thread, as any static
host or CDN would serve it: no Streamlit. Chromium opens the page and the embed snippet and
lists every request of every frame; the map must draw its bands and border, and every
request must go to that server (or be a ``data:``/``blob:`` URL the page made itself).
"""

from __future__ import annotations

import functools
import http.server
import threading
import urllib.request
from collections.abc import Iterator

import pytest

from geo.alttext import map_summary
from geo.bands import BandSpec, distance_bands
from geo.export import export_request
from geo.publish import publish

pytestmark = pytest.mark.browser

SPEC = BandSpec((50.0, 100.0, 200.0))
INTERNAL = ("data:", "blob:", "about:")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[str]:
    """A publication served by ``http.server`` on 127.0.0.1; yields its base URL."""
    folder = tmp_path_factory.mktemp("site") / "story"
    publish(export_request("html", SPEC, width=800, height=500), folder)
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _visit(browser, url: str, *, scripts: bool = True, frame: bool = False) -> dict:
    """Open ``url``; return what the map drew (in the page, or in its iframe), errors and requests."""
    context = browser.new_context(viewport={"width": 1000, "height": 800}, java_script_enabled=scripts)
    requests: list[str] = []
    errors: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(url)
        if not scripts:
            page.wait_for_load_state("load")
            found = page.evaluate("""() => [...document.querySelectorAll('img')].map(
                i => ({src: i.getAttribute('src'), alt: i.alt, loaded: i.complete && i.naturalWidth > 0}))""")
            return {"images": found, "requests": requests, "errors": errors}
        where = page.frame_locator("iframe").first if frame else page
        where.locator("path.atlas-border").first.wait_for(state="attached")
        counts = where.locator("body").evaluate("""() => ({
            bands: document.querySelectorAll('path.atlas-band').length,
            border: document.querySelectorAll('path.atlas-border').length,
            tiles: document.querySelectorAll('img.leaflet-tile').length,
        })""")
        if frame:
            box = page.locator("iframe").first.bounding_box()
            counts["iframe"] = (box["width"], box["height"])
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    return {**counts, "requests": requests, "errors": errors}


def _leaving(requests: list[str], base: str) -> list[str]:
    return [u for u in requests if not u.startswith((base, *INTERNAL))]


def _bands() -> int:
    return sum(not band.geometry.is_empty for band in distance_bands(SPEC))


def test_the_page_draws_the_map_from_the_static_server_alone(browser, site):
    found = _visit(browser, site)
    assert found["errors"] == []
    assert found["bands"] == _bands() == 3
    assert found["border"] >= 1
    assert found["tiles"] == 0, "the offline basemap, not tiles"
    assert _leaving(found["requests"], site) == []
    assert found["requests"][0] == site


def test_the_embed_snippet_draws_the_map_in_a_box_of_the_maps_shape(browser, site):
    found = _visit(browser, site + "embed.html", frame=True)
    assert found["errors"] == []
    assert found["bands"] == 3 and found["border"] >= 1
    width, height = found["iframe"]
    assert height / width == pytest.approx(500 / 800, abs=0.01)
    assert site + "index.html" in found["requests"]
    assert _leaving(found["requests"], site) == []


@pytest.mark.parametrize("path", ["", "embed.html"])
def test_without_scripts_a_reader_gets_the_png_and_its_alt_text(browser, site, path):
    found = _visit(browser, site + path, scripts=False)
    alt = map_summary(SPEC, "km")
    assert [(i["src"], i["alt"], i["loaded"]) for i in found["images"]] == [("map.png", alt, True)]
    assert site + "map.png" in found["requests"]
    assert _leaving(found["requests"], site) == []


def test_the_host_serves_the_png_and_the_alt_text(site):
    with urllib.request.urlopen(site + "map.png") as r:
        assert r.headers["Content-Type"] == "image/png"
        assert r.read(8) == b"\x89PNG\r\n\x1a\n"
    with urllib.request.urlopen(site + "alt.txt") as r:
        assert r.read().decode() == map_summary(SPEC, "km") + "\n"
