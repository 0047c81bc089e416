"""Tests of geo.assets: vendored folium assets, localized and standalone maps."""

from __future__ import annotations

import functools
import hashlib
import http.server
import importlib.util
import json
import re
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, ClassVar

import branca.colormap
import folium
import folium.plugins as plugins
import pytest
from folium.elements import JSCSSMixin
from folium.plugins.pattern import CirclePattern, StripePattern

import geo.assets as assets
from geo.assets import VENDOR_DIR, asset_urls, bundle_scripts, localize, standalone_html
from geo.errors import AssetError, AtlasError

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parents[1]
# A 1x1 transparent PNG: a tile layer that never leaves the page.
BLANK_TILE = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
SQUARE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "square"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[0, 40], [20, 40], [20, 55], [0, 55], [0, 40]]],
            },
        }
    ],
}
REMOTE_LINK = re.compile(r"""<(?:script[^>]*\bsrc|link[^>]*\bhref)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)


class _AssetLinks(HTMLParser):
    """Collect ``<script src>`` and ``<link href>`` values (not text inside scripts)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        key = {"script": "src", "link": "href"}.get(tag)
        value = dict(attrs).get(key) if key else None
        if value:
            self.urls.append(value)


def page_asset_urls(html: str) -> list[str]:
    """Return every script and link URL of an HTML page."""
    parser = _AssetLinks()
    parser.feed(html)
    parser.close()
    return parser.urls


def make_map() -> folium.Map:
    """Return a map using every vendored plugin, with no remote tiles."""
    m = folium.Map(location=[48, 10], zoom_start=4, tiles=None)
    plugins.Fullscreen().add_to(m)
    plugins.MeasureControl().add_to(m)
    plugins.MousePosition().add_to(m)
    plugins.MiniMap(tile_layer=folium.TileLayer(tiles=BLANK_TILE, attr="blank")).add_to(m)
    group = folium.FeatureGroup(name="group").add_to(m)
    plugins.FeatureGroupSubGroup(group, name="sub").add_to(m)
    stripes = StripePattern(angle=-45).add_to(m)
    CirclePattern().add_to(m)
    folium.GeoJson(
        SQUARE,
        style_function=lambda _: {"fillPattern": stripes, "color": "#333", "weight": 2},
    ).add_to(m)
    folium.Marker([45, 5], icon=folium.Icon(icon="star", prefix="fa", angle=30)).add_to(m)
    folium.Marker([50, 15]).add_to(m)  # Leaflet's default icon
    return m


@functools.cache
def vendor_script() -> ModuleType:
    """Import scripts/vendor_assets.py, which is not a package module."""
    spec = importlib.util.spec_from_file_location("vendor_assets", ROOT / "scripts" / "vendor_assets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def manifest() -> dict:
    """Return the parsed MANIFEST.json."""
    return json.loads((VENDOR_DIR / "MANIFEST.json").read_text(encoding="utf-8"))


def test_vendor_dir_is_repo_static_vendor() -> None:
    assert VENDOR_DIR == ROOT / "static" / "vendor"
    assert (VENDOR_DIR / "MANIFEST.json").is_file()


def test_localize_leaves_no_remote_script_or_stylesheet() -> None:
    m = make_map()
    assert REMOTE_LINK.search(m.get_root().render()), "the fixture should use CDNs"
    assert localize(m) is m
    html = m.get_root().render()
    assert not REMOTE_LINK.search(html)
    urls = asset_urls(m)
    assert len(urls) == 20
    assert all(u.startswith("/app/static/vendor/") for u in urls)


def test_every_localized_url_is_a_vendored_file() -> None:
    urls = asset_urls(localize(make_map(), base_url="static/vendor/"))
    for url in urls:
        rel = url.removeprefix("static/vendor/")
        assert rel != url, url
        assert (VENDOR_DIR / rel).is_file(), url


def test_localize_again_rebases_from_the_cdn_urls() -> None:
    m = localize(make_map(), base_url="/a")
    m.get_root().render()  # leaves localized links in the header
    localize(m, base_url="../../app/static/vendor")
    urls = asset_urls(m)
    assert len(urls) == 20
    assert all(u.startswith("../../app/static/vendor/") for u in urls)


def test_localize_sets_the_leaflet_icon_path_once_before_any_marker() -> None:
    m = localize(localize(make_map(), base_url="/x"))
    assert next(iter(m._children)) == "atlas_leaflet_icon_path"
    html = m.get_root().render()
    assert html.count("L.Icon.Default.imagePath") == 1
    setter = html.index('L.Icon.Default.imagePath = "/app/static/vendor/leaflet/images/";')
    assert setter < html.index("L.marker(")
    assert (VENDOR_DIR / "leaflet/images/marker-icon.png").is_file()


def test_localize_leaves_the_class_defaults_alone() -> None:
    before = list(folium.Map.default_js)
    localize(make_map())
    assert folium.Map.default_js == before
    assert folium.Map.default_js[0][1].startswith("https://")


def test_unknown_cdn_url_raises_asset_error() -> None:
    class Gadget(JSCSSMixin):
        default_js: ClassVar = [("gadget", "https://cdn.example.org/gadget.min.js")]

    m = make_map()
    Gadget().add_to(m)
    with pytest.raises(AssetError, match=r"gadget\.min\.js.*scripts/vendor_assets\.py"):
        localize(m)
    assert issubclass(AssetError, AtlasError)


def test_colormap_cannot_be_localized() -> None:
    m = make_map()
    branca.colormap.linear.viridis.scale(0, 1).add_to(m)
    with pytest.raises(AssetError, match="d3"):
        localize(m)


def test_manifest_sha256_and_file_list_match_the_files() -> None:
    files = manifest()["files"]
    listed = {f["path"] for f in files}
    on_disk = {
        p.relative_to(VENDOR_DIR).as_posix() for p in VENDOR_DIR.rglob("*") if p.is_file() and p.name != "MANIFEST.json"
    }
    assert on_disk == listed
    for entry in files:
        data = (VENDOR_DIR / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]
        assert len(data) == entry["bytes"]
        assert entry["license"] and entry["version"] and entry["package"]
        if entry["kind"] in ("js", "css"):
            assert entry["cdn_url"].startswith("https://")


def test_manifest_covers_folium_and_css_references_resolve() -> None:
    script = vendor_script()
    script.check_coverage()  # exits if a folium URL is not vendored
    script.validate_css({f["path"]: (VENDOR_DIR / f["path"]).read_bytes() for f in manifest()["files"]})
    for pkg in manifest()["packages"].values():
        assert (VENDOR_DIR / pkg["license_file"]).is_file()


BASE = "/app/static/vendor"
SCRIPTS = (f"{BASE}/leaflet/leaflet.js", f"{BASE}/jquery/jquery.min.js", f"{BASE}/leaflet-minimap/Control.MiniMap.js")


@pytest.fixture
def bundle_dir(tmp_path, monkeypatch) -> Path:
    """A private bundle folder, and bundle_scripts' cache emptied before and after."""
    monkeypatch.setattr(assets, "BUNDLE_DIR", tmp_path / "bundles")
    bundle_scripts.cache_clear()
    yield tmp_path / "bundles"
    bundle_scripts.cache_clear()


def test_bundle_joins_the_vendored_scripts_in_their_order(bundle_dir) -> None:
    (url,) = bundle_scripts(SCRIPTS, BASE, "/app/static/bundles")
    name = url.removeprefix("/app/static/bundles/")
    code = (bundle_dir / name).read_text(encoding="utf-8")
    assert name == hashlib.sha256(code.encode("utf-8")).hexdigest()[:20] + ".js"
    starts = [code.index((VENDOR_DIR / u.removeprefix(BASE + "/")).read_text(encoding="utf-8")[:200])
              for u in SCRIPTS]
    assert starts == sorted(starts), "the scripts must run in the order the map lists them"
    assert "sourceMappingURL" not in code


def test_bundle_is_written_once_and_shared(bundle_dir) -> None:
    first = bundle_scripts(SCRIPTS, BASE, "/b")
    written = {p.name: p.stat().st_mtime_ns for p in bundle_dir.iterdir()}
    bundle_scripts.cache_clear()  # a second server process starts with an empty cache
    assert bundle_scripts(SCRIPTS, BASE, "/b") == first
    assert {p.name: p.stat().st_mtime_ns for p in bundle_dir.iterdir()} == written
    assert bundle_scripts(SCRIPTS[::-1], BASE, "/b") != first, "another order is another bundle"


@pytest.mark.parametrize(
    "urls", [SCRIPTS[:1], (*SCRIPTS, "https://cdn.example.org/x.js"), (f"{BASE}/nope.js", *SCRIPTS)]
)
def test_bundle_leaves_single_or_foreign_scripts_as_they_are(bundle_dir, urls) -> None:
    assert bundle_scripts(urls, BASE, "/b") == urls
    assert not bundle_dir.exists()


def test_bundle_falls_back_to_separate_scripts_when_it_cannot_be_written(tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "read-only"
    blocker.write_text("a file where the folder would be")
    monkeypatch.setattr(assets, "BUNDLE_DIR", blocker / "bundles")
    bundle_scripts.cache_clear()
    try:
        assert bundle_scripts(SCRIPTS, BASE, "/b") == SCRIPTS
    finally:
        bundle_scripts.cache_clear()


def test_standalone_html_inlines_everything_and_restores_the_map() -> None:
    m = make_map()
    before = asset_urls(m)
    header_before = list(m.get_root().header._children)
    html = standalone_html(m)
    assert not REMOTE_LINK.search(html)
    assert not re.search(r"""<(?:script|link)\b[^>]*\b(?:src|href)="http""", html, re.IGNORECASE)
    assert [u for u in page_asset_urls(html) if not u.startswith("data:")] == []
    assert "atlas-vendor:" not in html
    assert "<style>" in html and "data:font/woff2;base64," in html
    assert asset_urls(m) == before  # still the CDN URLs: nothing was left changed
    assert list(m.get_root().header._children) == header_before
    assert all(u.startswith("/app/") for u in asset_urls(localize(m)))
    assert standalone_html(m) == html  # a localized map gives the same page





def check_page(page: Page) -> None:
    """Assert the map, its plugins, icons and fonts all work on ``page``."""
    page.wait_for_selector(".leaflet-container")
    page.wait_for_selector("path.leaflet-interactive", state="attached")
    assert page.locator("path.leaflet-interactive").count() > 0
    for control in (
        ".leaflet-control-zoom-fullscreen",
        ".leaflet-control-measure",
        ".leaflet-control-minimap",
        ".leaflet-control-mouseposition",
    ):
        assert page.locator(control).count() == 1, control
    assert page.locator("svg pattern").count() >= 1  # Leaflet.pattern's fill
    assert page.locator(".awesome-marker .fa-star.fa-rotate-30").count() == 1
    default_icon = page.locator("img.leaflet-marker-icon").first
    default_icon.wait_for()
    assert (
        page.evaluate(
            """async () => {
            const img = document.querySelector('img.leaflet-marker-icon');
            await img.decode();
            return img.naturalWidth;
        }"""
        )
        == 25
    )
    loaded = page.evaluate(
        """async () => (await document.fonts.load('900 16px "Font Awesome 6 Free"'))
            .map(f => f.status)"""
    )
    assert loaded == ["loaded"]
    assert page.evaluate("typeof L.FeatureGroup.SubGroup") == "function"
    assert page.evaluate("typeof L.StripePattern") == "function"


@pytest.mark.browser
def test_standalone_html_works_offline_from_a_file_url(browser: Browser, tmp_path: Path) -> None:
    page_file = tmp_path / "map.html"
    page_file.write_text(standalone_html(make_map()), encoding="utf-8")
    context = browser.new_context(offline=True)
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.goto(page_file.as_uri())
    check_page(page)
    context.close()
    assert errors == []
    assert requests and requests[0] == page_file.as_uri()
    assert [u for u in requests if not u.startswith(("file://", "data:"))] == []


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.browser
def test_localized_map_served_over_http_loads_only_local_urls(
    browser: Browser,
    tmp_path: Path,
) -> None:
    # The layout Streamlit serves: the page, and static/vendor under /app/static/.
    (tmp_path / "app" / "static").mkdir(parents=True)
    (tmp_path / "app" / "static" / "vendor").symlink_to(VENDOR_DIR, target_is_directory=True)
    (tmp_path / "index.html").write_text(localize(make_map()).get_root().render())
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        context = browser.new_context()
        context.route(
            "**/*",
            lambda route: route.continue_() if route.request.url.startswith((origin, "data:")) else route.abort(),
        )
        page = context.new_page()
        requests: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))
        page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
        page.on(
            "response",
            lambda r: errors.append(f"{r.status}: {r.url}") if r.status >= 400 else None,
        )
        page.goto(origin + "index.html")
        check_page(page)
        icon = page.evaluate("document.querySelector('img.leaflet-marker-icon').src")
        assert icon == origin + "app/static/vendor/leaflet/images/marker-icon.png"
        context.close()
    finally:
        server.shutdown()
        server.server_close()
    assert errors == []
    assert [u for u in requests if not u.startswith((origin, "data:"))] == []
    assert any(u.endswith("/fa-solid-900.woff2") for u in requests)
