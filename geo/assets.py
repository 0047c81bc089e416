"""Point folium maps at the vendored copies of their JavaScript and CSS instead of CDNs."""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import json
import mimetypes
import os
import posixpath
import re
import tempfile
from collections.abc import Iterator, Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import folium
from branca.element import CssLink, Element, Figure, JavascriptLink, MacroElement
from folium.template import Template

from geo.errors import AssetError

__all__ = [
    "BUNDLE_DIR",
    "VENDOR_DIR",
    "asset_urls",
    "bundle_scripts",
    "localize",
    "standalone_html",
    "walk_elements",
]

VENDOR_DIR: Path = Path(__file__).resolve().parents[1] / "static" / "vendor"
"""Folder of the vendored files and their ``MANIFEST.json``."""
BUNDLE_DIR: Path = VENDOR_DIR.parent / "bundles"
"""Folder where :func:`bundle_scripts` writes its bundles (a cache, not in version control)."""

_MANIFEST = "MANIFEST.json"
_FIX = "run `python scripts/vendor_assets.py` to vendor it"
_LINK_ATTRS = ("default_js", "default_css")
_SAVED = "_atlas_cdn_origin"  # instance attribute: {localized URL: CDN URL}
_LEAFLET_IMAGES = "leaflet/images/"  # vendored folder of Leaflet's marker images
_ICON_PATH = "atlas_leaflet_icon_path"  # name of the child localize() adds to maps
_SENTINEL = "atlas-vendor:"  # base_url used while rendering a standalone page
_SCHEME = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""")
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}", re.IGNORECASE)
_FONT_SRC = re.compile(r"(?<![-\w])src\s*:\s*([^;}]*)(;?)", re.IGNORECASE)
_MIME = {
    ".eot": "application/vnd.ms-fontobject",
    ".gif": "image/gif",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ttf": "font/ttf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}

# Elements whose render() adds CDN links by itself, bypassing default_js/default_css,
# so localize() cannot redirect them. Checked by class name to avoid importing them.
_RENDER_TIME_CDN = {
    "ColorMap": "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js",
    "Vega": "https://cdn.jsdelivr.net/npm//vega@5 (and vega-lite, vega-embed)",
    "VegaLite": "https://cdn.jsdelivr.net/npm//vega@5 (and vega-lite, vega-embed)",
}


class _LeafletIconPath(MacroElement):
    """Tell Leaflet where the images of its default marker are.

    Leaflet guesses them from the computed style of ``leaflet.css``; streamlit-folium
    adds the stylesheet only just before running the map script, so the guess falls
    back to the ``<link>`` URL minus its last slash (``.../leafletmarker-icon.png``).
    """

    _template = Template(
        "{% macro script(this, kwargs) %}L.Icon.Default.imagePath = {{ this.path|tojson }};{% endmacro %}"
    )

    def __init__(self, path: str) -> None:
        super().__init__()
        self._name = "LeafletIconPath"
        self.path = path


@functools.cache
def _cdn_map() -> dict[str, str]:
    """Return ``{CDN URL: path relative to VENDOR_DIR}`` from ``MANIFEST.json``.

    Returns
    -------
    dict of str to str
        One entry per vendored JavaScript or CSS file.

    Raises
    ------
    AssetError
        If the manifest is missing or unreadable.
    """
    path = VENDOR_DIR / _MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        return {
            f["cdn_url"]: f["path"] for f in manifest["files"] if f.get("kind") in ("js", "css") and f.get("cdn_url")
        }
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AssetError(f"cannot read {path}: {exc}; {_FIX}") from exc


def walk_elements(root: Element) -> Iterator[Element]:
    """Yield ``root`` and every element below it, depth first.

    Follows ``_children`` and, for figures, popups and similar containers, their
    ``header``, ``html`` and ``script`` sub-elements.
    """
    seen: set[int] = set()
    stack = [root]
    while stack:
        element = stack.pop()
        if id(element) in seen:
            continue
        seen.add(id(element))
        yield element
        children = list(getattr(element, "_children", {}).values())
        for part in ("header", "html", "script"):
            sub = element.__dict__.get(part)
            if isinstance(sub, Element):
                children.append(sub)
        stack.extend(reversed(children))


def _is_remote(url: str) -> bool:
    """Tell whether ``url`` would be fetched from another host."""
    return bool(_SCHEME.match(url)) and not url.lower().startswith(("data:", "file:"))


def _local_url(url: str, base: str, owner: Element) -> str:
    """Return the vendored URL standing in for ``url``.

    Raises
    ------
    AssetError
        If ``url`` is a remote URL that has not been vendored.
    """
    rel = _cdn_map().get(url)
    if rel is not None:
        return f"{base}/{rel}"
    if _is_remote(url):
        raise AssetError(
            f"{type(owner).__name__} loads {url}, which is not vendored in {VENDOR_DIR}; "
            f"add it to scripts/vendor_assets.py and {_FIX}"
        )
    return url


def _relink(url: str, base: str, owner: Element, origin: dict[str, str]) -> str:
    """Return the vendored URL for ``url``, which may be one localize() made before.

    ``origin`` maps each URL localize() produced for ``owner`` to the CDN URL it
    replaced, so that localizing again (with another ``base``) starts from the CDN URL.
    """
    original = origin.get(url, url)
    new = _local_url(original, base, owner)
    if new != original:
        origin[new] = original
    return new


def _check_render_time_cdn(element: Element) -> None:
    """Raise AssetError for elements that add CDN links while rendering."""
    for cls in type(element).__mro__:
        url = _RENDER_TIME_CDN.get(cls.__name__)
        if url is not None and cls.__module__.split(".")[0] in ("branca", "folium"):
            raise AssetError(
                f"{type(element).__name__} adds {url} while rendering, which cannot be "
                f"redirected to {VENDOR_DIR}; it would not work offline (remove it, or "
                f"vendor it in scripts/vendor_assets.py and {_FIX})"
            )


def localize(m: folium.Map, base_url: str = "/app/static/vendor") -> folium.Map:
    """Make a map load its JavaScript and CSS from the vendored copies.

    Walks ``m.get_root()`` and every element below it. Each element with
    ``default_js`` or ``default_css`` gets instance attributes of the same name in
    which every CDN URL is replaced by ``f"{base_url}/{path}"``, ``path`` being the
    file's place below :data:`VENDOR_DIR`. Links already in the tree (from an earlier
    render) are redirected too. Calling it again with another ``base_url`` starts over
    from the original CDN URLs. Each map also gets a first child that sets
    ``L.Icon.Default.imagePath`` to the vendored Leaflet images, which Leaflet would
    otherwise guess wrongly inside ``st_folium``.

    Parameters
    ----------
    m : folium.Map
        The map; changed in place.
    base_url : str, default "/app/static/vendor"
        URL at which the browser finds :data:`VENDOR_DIR`. Streamlit serves
        ``./static`` next to the app at ``/app/static/`` when
        ``[server] enableStaticServing = true``. ``st_folium`` runs the map in an
        iframe served from ``/component/streamlit_folium.st_folium/``, so a relative
        ``"app/static/vendor"`` would resolve below that and fail: keep the leading
        slash, or, behind ``server.baseUrlPath``, pass ``"../../app/static/vendor"``
        (resolved from the iframe) or ``"/<baseUrlPath>/app/static/vendor"``.

    Returns
    -------
    folium.Map
        ``m`` itself.

    Raises
    ------
    AssetError
        If an element loads a CDN URL that is not vendored, or adds one while
        rendering (branca colormaps, Vega popups). No CDN link is ever left in place.
    """
    return _localize(m, base_url, icon_path=True)


def _localize(m: folium.Map, base_url: str, *, icon_path: bool) -> folium.Map:
    """Do :func:`localize`; ``icon_path`` adds the default-marker image path to maps."""
    base = base_url.rstrip("/")
    maps = []
    for element in walk_elements(m.get_root()):
        _check_render_time_cdn(element)
        if isinstance(element, folium.Map):
            maps.append(element)
        origin = dict(element.__dict__.get(_SAVED, {}))
        changed: dict[str, Any] = {}
        for attr in _LINK_ATTRS:
            links = getattr(element, attr, None)
            if links:
                changed[attr] = [(name, _relink(url, base, element, origin)) for name, url in links]
        if isinstance(element, (JavascriptLink, CssLink)) and element.url:
            changed["url"] = _relink(element.url, base, element, origin)
        if changed:
            element.__dict__.update(changed)
            element.__dict__[_SAVED] = origin
    for map_ in maps:
        existing = map_._children.get(_ICON_PATH)
        if not icon_path:
            if existing is not None:
                del map_._children[_ICON_PATH]
            continue
        path = f"{base}/{_LEAFLET_IMAGES}"
        if existing is not None:
            existing.path = path
        else:
            map_.add_child(_LeafletIconPath(path), name=_ICON_PATH, index=0)
    return m


class _LinkCollector(HTMLParser):
    """Collect script sources and stylesheet links from an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.urls.append(values["src"] or "")
        rel = (values.get("rel") or "").lower().split()
        if tag == "link" and "stylesheet" in rel and values.get("href"):
            self.urls.append(values["href"] or "")


def asset_urls(m: folium.Map) -> list[str]:
    """List every JavaScript and CSS URL the rendered map would load.

    Parameters
    ----------
    m : folium.Map
        The map. It is rendered as ``save`` would, then every child that rendering
        added is removed again.

    Returns
    -------
    list of str
        ``<script src>`` and ``<link rel="stylesheet" href>`` URLs, in page order,
        without duplicates.
    """
    root = m.get_root()
    state = _snapshot(root)
    try:
        html = root.render()
    finally:
        _restore(state)
    return list(dict.fromkeys(_html_asset_urls(html)))


def _snapshot(root: Element) -> list[tuple[Element, dict[str, Any], dict[str, Any]]]:
    """Record what localize() and render() may change below ``root``."""
    keys = (*_LINK_ATTRS, "url", _SAVED)
    state = []
    for element in walk_elements(root):
        attrs = {k: copy.copy(element.__dict__[k]) for k in keys if k in element.__dict__}
        children = getattr(element, "_children", None)
        state.append((element, attrs, dict(children) if children is not None else {}))
    return state


def _restore(state: list[tuple[Element, dict[str, Any], dict[str, Any]]]) -> None:
    """Undo the changes recorded by :func:`_snapshot`."""
    keys = (*_LINK_ATTRS, "url", _SAVED)
    for element, attrs, children in state:
        for key in keys:
            element.__dict__.pop(key, None)
        element.__dict__.update(attrs)
        if getattr(element, "_children", None) is not None:
            element._children.clear()
            element._children.update(children)


def _vendored(rel: str) -> Path:
    """Return the file of a vendored path, refusing paths outside VENDOR_DIR."""
    path = (VENDOR_DIR / rel).resolve()
    if not path.is_relative_to(VENDOR_DIR.resolve()) or not path.is_file():
        raise AssetError(f"{rel} is not a file in {VENDOR_DIR}; {_FIX}")
    return path


def _data_uri(path: Path) -> str:
    """Return ``path`` as a base64 ``data:`` URI."""
    mime = _MIME.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    payload = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:{mime or 'application/octet-stream'};base64,{payload}"


def _css_target(css_rel: str, ref: str) -> str | None:
    """Resolve a CSS ``url()`` reference to a vendored path, or None if not local."""
    if not ref or ref.startswith(("data:", "#")):
        return None
    if _SCHEME.match(ref):
        raise AssetError(f"{css_rel} refers to {ref}; vendored CSS must stay local")
    return posixpath.normpath(posixpath.join(posixpath.dirname(css_rel), re.split(r"[?#]", ref)[0]))


def _split_top_level(value: str) -> list[str]:
    """Split a CSS value on commas outside parentheses and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(value):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(value[start:i])
            start = i + 1
    parts.append(value[start:])
    return parts


def _prune_font_face(css_rel: str, block: str) -> str:
    """Drop @font-face ``src`` entries whose font is not vendored (unused fallbacks)."""

    def keep(entry: str) -> bool:
        match = _CSS_URL.search(entry)
        if match is None:
            return True  # local(...) and the like
        target = _css_target(css_rel, next(g for g in match.groups() if g is not None))
        return target is None or (VENDOR_DIR / target).is_file()

    def prune(match: re.Match[str]) -> str:
        kept = [e.strip() for e in _split_top_level(match.group(1)) if keep(e)]
        return f"src:{','.join(kept)}{match.group(2)}" if kept else ""

    pruned = _FONT_SRC.sub(prune, block)
    if not _FONT_SRC.search(pruned):
        raise AssetError(f"{css_rel}: no vendored font in {block[:80]!r}; {_FIX}")
    return pruned


def _inline_css(css_rel: str) -> str:
    """Return a vendored stylesheet with its images and fonts as ``data:`` URIs."""
    css = _vendored(css_rel).read_text(encoding="utf-8")
    css = _FONT_FACE.sub(lambda m: _prune_font_face(css_rel, m.group(0)), css)

    def embed(match: re.Match[str]) -> str:
        ref = next(g for g in match.groups() if g is not None)
        target = _css_target(css_rel, ref)
        if target is None:
            return match.group(0)
        return f'url("{_data_uri(_vendored(target))}")'

    return _CSS_URL.sub(embed, css)


def _leaflet_icon_patch() -> str:
    """Return JS giving L.Icon.Default its images as ``data:`` URIs.

    Leaflet finds its marker images from the URL of ``leaflet.css``; inlined, there is
    none, so the default marker would ask for ``marker-icon.png`` next to the page.
    """
    images = {
        "iconUrl": "marker-icon.png",
        "iconRetinaUrl": "marker-icon-2x.png",
        "shadowUrl": "marker-shadow.png",
    }
    options = {k: _data_uri(_vendored(_LEAFLET_IMAGES + v)) for k, v in images.items()}
    return f"L.Icon.Default.imagePath='';L.Icon.Default.mergeOptions({json.dumps(options)});"


def _script_tag(code: str) -> str:
    """Return ``code`` as an inline script, or as a data: script if it cannot be."""
    if re.search(r"</script|<!--", code, re.IGNORECASE):
        payload = base64.b64encode(code.encode("utf-8")).decode("ascii")
        return f'<script src="data:text/javascript;base64,{payload}"></script>'
    return f"<script>\n{code}\n</script>"


def _style_tag(css: str) -> str:
    """Return ``css`` as an inline stylesheet, or as a data: link if it cannot be."""
    if re.search(r"</style", css, re.IGNORECASE):
        payload = base64.b64encode(css.encode("utf-8")).decode("ascii")
        return f'<link rel="stylesheet" href="data:text/css;base64,{payload}"/>'
    return f"<style>\n{css}\n</style>"


_SOURCE_MAP = re.compile(r"\n?[ \t]*(?://# sourceMappingURL=[^\n]*|/\*# sourceMappingURL=[^*]*\*/)\s*$")


def standalone_html(m: folium.Map) -> str:
    """Render a map to one HTML page that needs no network and no other file.

    Every vendored ``<script src>`` and ``<link rel="stylesheet">`` is replaced by an
    inline ``<script>`` or ``<style>``; images and fonts the CSS refers to become
    ``data:`` URIs. The page works from a ``file://`` URL. Tiles are not assets: use
    no tile layer, or one whose URLs are local, for a fully offline page.

    Parameters
    ----------
    m : folium.Map
        The map. It is localized and rendered, then every attribute and child that
        changed is put back, so the caller's map is as before.

    Returns
    -------
    str
        The complete HTML document.

    Raises
    ------
    AssetError
        If the map loads anything that is not vendored.
    """
    root = m.get_root()
    if not isinstance(root, Figure):
        raise AssetError("the map is not inside a branca Figure; cannot render it")
    state = _snapshot(root)
    try:
        _localize(m, _SENTINEL, icon_path=False)
        html = root.render()
    finally:
        _restore(state)

    prefix = re.escape(_SENTINEL + "/")

    def script(match: re.Match[str]) -> str:
        rel = match.group(1)
        code = _SOURCE_MAP.sub("", _vendored(rel).read_text(encoding="utf-8"))
        tag = _script_tag(code)
        if rel == "leaflet/leaflet.js":
            tag += _script_tag(_leaflet_icon_patch())
        return tag

    def style(match: re.Match[str]) -> str:
        return _style_tag(_SOURCE_MAP.sub("", _inline_css(match.group(1))))

    html = re.sub(rf'<script src="{prefix}([^"]+)"></script>', script, html)
    html = re.sub(rf'<link rel="stylesheet" href="{prefix}([^"]+)"/>', style, html)
    if _SENTINEL in html:
        raise AssetError(f"a vendored link was not inlined; found {_SENTINEL!r} in the page")
    leftover = [u for u in _html_asset_urls(html) if not u.startswith("data:")]
    if leftover:
        raise AssetError(f"the page still loads {leftover}; {_FIX}")
    return html


@functools.lru_cache(maxsize=32)
def bundle_scripts(
    urls: Sequence[str], base_url: str = "/app/static/vendor", bundle_url: str = "/app/static/bundles"
) -> tuple[str, ...]:
    """Return one URL that serves the vendored scripts ``urls`` joined in their order.

    streamlit-folium loads a map's scripts one after another, each waiting for the one
    before; on a new visitor's first map that cost a request and a wait per plugin. The
    bundle is written once to :data:`BUNDLE_DIR` under a name taken from its content, so
    every session and every server process shares it and none ever overwrites it with
    something else.

    Parameters
    ----------
    urls : tuple of str
        Script URLs as :func:`localize` makes them, below ``base_url``.
    base_url : str
        URL at which the browser finds :data:`VENDOR_DIR`.
    bundle_url : str
        URL at which the browser finds :data:`BUNDLE_DIR`.

    Returns
    -------
    tuple of str
        The bundle's URL alone; or ``urls`` unchanged when there is nothing to join, when
        one of them is not vendored, or when the bundle cannot be written (a read-only
        install), in which case the scripts load one by one as before.
    """
    prefix = base_url.rstrip("/") + "/"
    if len(urls) < 2 or not all(u.startswith(prefix) for u in urls):
        return tuple(urls)
    try:
        parts = [_SOURCE_MAP.sub("", _vendored(u[len(prefix):]).read_text(encoding="utf-8")) for u in urls]
    except AssetError:
        return tuple(urls)
    # Each file is a classic script: joined with ";" and a newline they run as they would
    # one by one (a file ending in an expression or a line comment cannot swallow the next).
    code = "".join(f"/* {u[len(prefix):]} */\n{part}\n;\n" for u, part in zip(urls, parts, strict=True))
    name = hashlib.sha256(code.encode("utf-8")).hexdigest()[:20] + ".js"
    target = BUNDLE_DIR / name
    if not target.is_file():
        try:
            BUNDLE_DIR.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=BUNDLE_DIR, suffix=".tmp",
                                             delete=False) as tmp:
                tmp.write(code)
            os.chmod(tmp.name, 0o644)  # readable like the vendored files, whoever serves them
            os.replace(tmp.name, target)  # atomic: a reader sees no bundle or all of it
        except OSError:
            return tuple(urls)
    return (f"{bundle_url.rstrip('/')}/{name}",)


def _html_asset_urls(html: str) -> list[str]:
    """Return the script and stylesheet URLs of an HTML page."""
    parser = _LinkCollector()
    parser.feed(html)
    parser.close()
    return parser.urls
