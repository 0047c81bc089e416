"""The folium (Leaflet) maps: the main map's layers and controls, and the Virginia analogy."""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import folium
import folium.plugins
import numpy as np
import shapely
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template
from shapely.geometry import mapping

from geo import style
from geo.bands import BandSpec, distance_bands
from geo.borders import DEFAULT_BORDER, Border, get_border
from geo.data import load_countries, load_crimea, load_united_states
from geo.errors import InputError
from geo.facts import compute_facts, reference_facts
from geo.geodesy import GEOD, KM_PER_MILE, geodesic_length_km
from geo.places import article_places, story_places
from geo.polyline import DECODER, packed_geometry
from geo.story import Story, load_story
from geo.urlstate import BASEMAPS, LAYERS, UNITS

__all__ = [
    "DEFAULT_VIEW",
    "DYNAMIC_LAYERS",
    "DYNAMIC_LAYER_NAMES",
    "LABEL_PRIORITY",
    "MAX_ZOOM",
    "REGION_BOX",
    "SMALL_MAP_PX",
    "STATIC_LAYERS",
    "MapView",
    "analogy_map",
    "band_layer",
    "base_map",
    "border_layer",
    "build_map",
    "dynamic_layers",
    "escape_text",
    "format_distance",
    "packed_on_screen",
    "passage_layer",
    "reference_layer",
    "unique_layer_name",
]

#: Layers drawn into the base map, which stays the same while the user adjusts bands.
STATIC_LAYERS = ("countries", "crimea", "places")
#: Layers that change with the sidebar; streamlit-folium swaps them without a reload. The
#: border is one of them: choosing another border must not reload the map.
DYNAMIC_LAYERS = ("border", "bands", "kyiv-line", "passages")
#: The names the layer control lists the adjustable layers under, in the order of DYNAMIC_LAYERS.
DYNAMIC_LAYER_NAMES = ("The border", "Distance bands", "Reference lines", "Passages")

_OSM_ATTR = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
_CARTO_ATTR = _OSM_ATTR + ' &copy; <a href="https://carto.com/attributions">CARTO</a>'
_TILES = {
    "osm": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", _OSM_ATTR, "OpenStreetMap"),
    "light": ("https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png", _CARTO_ATTR, "Light (CARTO)"),
    "dark": ("https://{s}.basemaps.cartocdn.com/dark_all/{z}/{x}/{y}.png", _CARTO_ATTR, "Dark (CARTO)"),
}
_OFFLINE_NAME = "Offline basemap (bundled data)"
_MAP_JS = ("leaflet", "jquery")
_MAP_CSS = ("leaflet_css",)
# Islands under about 20 km² are a pixel or two at the analogy map's zooms.
_ANALOGY_MIN_ISLAND = 0.002
# Display simplification: invisible at the zooms the map allows, and it keeps the
# map's own script and data well under 1 MB. Exports (geo.layers) keep full detail.
_FOCUS = ("BY", "UA")
_TOLERANCE = {"focus": 0.003, "near": 0.01, "far": 0.03}
_DECIMALS = {"focus": 4, "near": 3, "far": 2}
# Islands smaller than this (deg²; about 30 km² far away, 3 km² nearby) are left off the screen
# map: Norway's and Sweden's skerries alone were a fifth of the map's data.
_MIN_ISLAND = {"focus": 0.0, "near": 0.0005, "far": 0.005}
#: The main map's deepest zoom. The bands and the border they are measured from are drawn
#: to half a pixel there (see ``packed_on_screen``), so no zoom shows them off their place.
MAX_ZOOM = 12
_MINIMAP_TOLERANCE = 0.15
_GROUPS = ("other", "nato", "RU", "BY", "UA")
_GROUP_NAMES = {
    "UA": "Ukraine",
    "BY": "Belarus",
    "RU": "Russia",
    "nato": "NATO members",
    "other": "Other countries",
}
#: Maps narrower than this (CSS pixels: a phone's) start with their legends and minimap folded.
SMALL_MAP_PX = 480
_JS_UNSAFE = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"})


def escape_text(text: object) -> str:
    """Escape text for HTML that folium places raw into JavaScript template strings.

    ``html.escape`` handles ``<>&"'``; backticks, ``$``, braces and backslashes become
    character references too, so the text can neither close folium's template literal,
    interpolate with ``${...}``, nor form a Jinja expression.

    Examples
    --------
    >>> escape_text("<script>`${x}`</script>")
    '&lt;script&gt;&#96;&#36;&#123;x&#125;&#96;&lt;/script&gt;'
    """
    return html.escape(str(text), quote=True).translate(_JS_UNSAFE)


def format_distance(km: float, units: str) -> str:
    """Format a distance given in km in ``units`` (``"km"`` or ``"mi"``), e.g. ``"62.1 mi"``.

    Examples
    --------
    >>> format_distance(100, "mi")
    '62.1 mi'
    """
    if units not in UNITS:
        raise InputError(f"Unknown units {units!r}: use km or mi.")
    value = km / KM_PER_MILE if units == "mi" else km
    return f"{value:,.{0 if value >= 100 else 1}f} {units}".replace(".0 ", " ")


@dataclass(frozen=True)
class MapView:
    """Where the map opens and what it shows.

    Parameters
    ----------
    center : tuple of float
        ``(lat, lon)`` in degrees.
    zoom : int
        Leaflet zoom level, 3 to 12.
    basemap : {"offline", "osm", "light", "dark"}
        ``offline`` draws land and sea from the bundled data; the others load tiles.
    layers : tuple of str
        Visible overlays, drawn from :data:`geo.urlstate.LAYERS`.

    Examples
    --------
    >>> MapView(basemap="light").basemap
    'light'
    """

    center: tuple[float, float] = (51.2, 29.0)
    zoom: int = 6
    basemap: str = "offline"
    layers: tuple[str, ...] = LAYERS

    def __post_init__(self) -> None:
        lat, lon = self.center
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            raise InputError(f"Map centre {self.center!r} is not a (lat, lon) pair in degrees.")
        if isinstance(self.zoom, bool) or not isinstance(self.zoom, int) or not 3 <= self.zoom <= 12:
            raise InputError(f"Zoom {self.zoom!r} must be a whole number from 3 to 12.")
        if self.basemap not in BASEMAPS:
            raise InputError(f"Unknown basemap {self.basemap!r}: use one of {', '.join(BASEMAPS)}.")
        if not isinstance(self.layers, tuple) or any(x not in LAYERS for x in self.layers):
            raise InputError(f"Layers must be a tuple drawn from {', '.join(LAYERS)}.")


DEFAULT_VIEW = MapView()


# --- geometry for display ---------------------------------------------------------------


def _flat_parts(geom: shapely.Geometry) -> list[shapely.Geometry]:
    """Single parts of a geometry, from collections nested at any depth."""
    out, stack = [], [geom]
    while stack:
        g = stack.pop()
        if shapely.get_type_id(g) >= 4:  # Multi* and GeometryCollection
            stack.extend(shapely.get_parts(g))
        else:
            out.append(g)
    return out


def _ring_coords(ring: shapely.LinearRing) -> list:
    return shapely.get_coordinates(ring).tolist()


def _mapping(geom: shapely.Geometry) -> dict:
    """shapely's ``mapping`` (lists for its tuples: the same JSON), read through NumPy for polygons.

    shapely builds each vertex's tuple in Python: for a band's few thousand vertices that
    was a tenth of a distance change's CPU.
    """
    kind = geom.geom_type
    if geom.is_empty or shapely.has_z(geom) or kind not in ("Polygon", "MultiPolygon"):
        return mapping(geom)
    polygons = [geom] if kind == "Polygon" else list(geom.geoms)
    coords = [(_ring_coords(p.exterior), *map(_ring_coords, p.interiors)) for p in polygons]
    return {"type": kind, "coordinates": coords[0] if kind == "Polygon" else coords}


def _parts_of_kind(geom: shapely.Geometry, polygonal: bool) -> list[shapely.Geometry]:
    """The non-empty polygons (or lines) of ``geom``: simplifying or rounding can leave strays of other kinds."""
    kind = "Polygon" if polygonal else "LineString"
    return [p for p in _flat_parts(geom) if p.geom_type == kind and not p.is_empty]


def _display(geom: shapely.Geometry, tolerance: float, decimals: int) -> dict:
    """Simplify and round a geometry for the screen; return its GeoJSON geometry."""
    simple = shapely.simplify(geom, tolerance, preserve_topology=True)
    rounded = shapely.set_precision(simple, 10.0**-decimals, mode="valid_output")
    polygonal = shapely.get_dimensions(geom) == 2
    parts = _parts_of_kind(rounded, polygonal)
    if not parts:
        return _mapping(simple)
    if len(parts) == 1:
        return _mapping(parts[0])
    multi = shapely.MultiPolygon(parts) if polygonal else shapely.MultiLineString(parts)
    return _mapping(multi)


def packed_on_screen(geom: shapely.Geometry, zoom: int = MAX_ZOOM) -> dict:
    """Return ``geom`` simplified and rounded by at most half a pixel at ``zoom``, as encoded polylines.

    A Web Mercator pixel spans ``360 / (256 * 2**zoom)`` degrees of longitude and that
    times cos(latitude) of latitude, so the tolerance is taken at the geometry's most
    poleward latitude. Every kept vertex is one of ``geom``'s own; between them the drawn
    line strays from ``geom`` by less than half a pixel, at ``zoom`` and at every zoom out.

    Parameters
    ----------
    geom : shapely.Geometry
        Polygons or lines in longitude/latitude degrees.
    zoom : int
        The deepest zoom the map allows.

    Returns
    -------
    dict
        :func:`geo.polyline.packed_geometry`'s value, for ``window.atlasUnpack``.

    Examples
    --------
    A bend of 1 m is a twentieth of a pixel at zoom 12; one of 110 m is five pixels:

    >>> from geo.polyline import decode
    >>> packed = packed_on_screen(shapely.LineString([(30, 51), (30.5, 51.00001), (31, 51)]))
    >>> decode(packed["parts"][0], packed["decimals"]).tolist()
    [[30.0, 51.0], [31.0, 51.0]]
    >>> packed = packed_on_screen(shapely.LineString([(30, 51), (30.5, 51.001), (31, 51)]))
    >>> len(decode(packed["parts"][0], packed["decimals"]))
    3
    """
    _, south, _, north = geom.bounds
    half_pixel = 0.5 * 360.0 / (256 * 2**zoom) * math.cos(math.radians(max(abs(south), abs(north))))
    # Simplifying by 0.9 of it and rounding to a tenth of that (a vertex moves by at most a
    # twentieth, on each axis) keep the two together under half a pixel; the rounding is
    # the encoding's own. Plain Douglas-Peucker, a tenth of the time of the topology-preserving
    # kind: a ring may come to touch another within the tolerance, which no screen shows.
    tolerance = 0.9 * half_pixel
    decimals = math.ceil(-math.log10(tolerance / 10))
    return packed_geometry(shapely.simplify(geom, tolerance, preserve_topology=False), decimals)


def _without_islands(geom: shapely.Geometry, min_area: float) -> shapely.MultiPolygon:
    """The polygons of ``geom`` larger than ``min_area`` (deg²); the largest one at least."""
    parts = shapely.get_parts(geom)
    kept = [p for p in parts if p.area > min_area] or [max(parts, key=lambda p: p.area)]
    return shapely.MultiPolygon(kept)


def _country_group(iso: str, nato_since: object) -> str:
    if iso in ("UA", "BY", "RU"):
        return iso
    if nato_since is not None and not (isinstance(nato_since, float) and math.isnan(nato_since)):
        return "nato"
    return "other"


@lru_cache(maxsize=1)
def _countries_by_group() -> dict[str, dict]:
    """Country features for display, one FeatureCollection per style group."""
    countries = load_countries()
    groups: dict[str, list[dict]] = {g: [] for g in _GROUPS}
    for row in countries:
        iso = row.key
        level = "focus" if iso in _FOCUS else "near" if bool(row["focus"]) else "far"
        group = _country_group(str(iso), row["nato_since"])
        since = "" if group != "nato" else f" · NATO member since {int(row['nato_since'])}"
        groups[group].append(
            {
                "type": "Feature",
                "id": str(iso),
                "properties": {"name": escape_text(row["name"]) + since},
                "geometry": _display(_without_islands(row.geometry, _MIN_ISLAND[level]),
                                     _TOLERANCE[level], _DECIMALS[level]),
            }
        )
    return {g: {"type": "FeatureCollection", "features": f} for g, f in groups.items() if f}


@lru_cache(maxsize=1)
def _minimap_geojson() -> dict:
    countries = load_countries()
    features = []
    for row in countries:
        geom = shapely.simplify(row.geometry, _MINIMAP_TOLERANCE, preserve_topology=True)
        parts = [p for p in shapely.get_parts(geom) if p.area > 0.05]
        if parts:
            features.append({"type": "Feature", "properties": {}, "geometry": _display(
                shapely.MultiPolygon(parts), 0.0, 1)})
    return {"type": "FeatureCollection", "features": features}


# --- small Leaflet elements folium does not provide --------------------------------------


class _PackedGeoJson(MacroElement):
    """Polygons or lines sent as encoded polylines (:mod:`geo.polyline`), with a sticky tooltip.

    What folium's ``GeoJson`` draws for one feature of one look, in a quarter of the
    bytes: the browser unpacks the geometry, and ``highlight`` restyles a shape under the
    pointer. ``tooltip`` is trusted HTML (callers escape user text).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {%- if this.decoder_here %}{{ this.decoder }}{% endif %}
        var {{ this.get_name() }} = L.geoJson(
            {type: "Feature", properties: {label: {{ this.tooltip|tojson }}},
             geometry: window.atlasUnpack({{ this.packed_json }})},
            {pane: {{ this.pane|tojson }}, style: function () { return {{ this.look|tojson }}; }}
        ).bindTooltip({{ this.tooltip|tojson }}, {sticky: true, className: "foliumtooltip"});
        {%- if this.highlight %}
        {{ this.get_name() }}.on("mouseover", function (e) { e.layer.setStyle({{ this.highlight|tojson }}); });
        {{ this.get_name() }}.on("mouseout", function (e) { {{ this.get_name() }}.resetStyle(e.layer); });
        {%- endif %}
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, packed: dict, look: dict, tooltip: str, highlight: dict | None = None,
                 pane: str = "overlayPane") -> None:
        super().__init__()
        self._name = "GeoJson"
        self.look, self.tooltip, self.highlight, self.pane = look, tooltip, highlight, pane
        # An encoded line may hold "{{", which a Jinja pass over the rendered script (stock
        # branca compiles it as a template) would take for an expression: written as \u007b.
        parts = json.dumps(packed["parts"]).replace("{", "\\u007b")
        kind, decimals = json.dumps(packed["type"]), int(packed["decimals"])
        self.packed_json = f'{{"type": {kind}, "decimals": {decimals}, "parts": {parts}}}'
        self.decoder = DECODER
        self.decoder_here = True

    def render(self, **kwargs) -> None:
        # The decoder once per layer, with its first packed shape: every layer's script runs alone.
        siblings = self._parent._children.values() if self._parent is not None else ()
        self.decoder_here = next((c for c in siblings if isinstance(c, _PackedGeoJson)), self) is self
        super().render(**kwargs)


class _Legend(MacroElement):
    """A Leaflet control holding trusted HTML, shown while its parent layer is on the map.

    A button folds it to its title, and on a small map (under :data:`SMALL_MAP_PX`) it
    starts folded, so that the map, not its key, fills a phone's screen.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (parent) {
            var control = L.control({position: {{ this.position|tojson }}});
            control.onAdd = function (map) {
                var div = L.DomUtil.create("div", {{ this.css_class|tojson }});
                var body = L.DomUtil.create("div", "atlas-legend-body", div);
                body.innerHTML = {{ this.html|tojson }};
                var button = L.DomUtil.create("button", "atlas-legend-toggle", div);
                button.type = "button";
                var title = {{ this.title|tojson }};
                var show = function (open) {
                    L.DomUtil[open ? "removeClass" : "addClass"](div, "atlas-legend-folded");
                    button.setAttribute("aria-expanded", open ? "true" : "false");
                    button.setAttribute("aria-label", (open ? "Hide" : "Show") + " the legend: " + title);
                    button.textContent = open ? "Hide" : title;
                };
                show(map.getSize().x >= {{ this.small|tojson }});
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                L.DomEvent.on(button, "click", function () {
                    show(L.DomUtil.hasClass(div, "atlas-legend-folded"));
                });
                return div;
            };
            if (parent instanceof L.Map) {
                control.addTo(parent);
            } else {
                parent.on("add", function (e) { control.addTo(e.target._map); });
                parent.on("remove", function () { control.remove(); });
            }
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, html_: str, position: str = "bottomright", css_class: str = "atlas-legend") -> None:
        super().__init__()
        self._name = "Legend"
        self.html = html_
        self.position = position
        self.css_class = css_class
        bold = re.search(r"<b>(.*?)</b>", html_)
        self.title = html.unescape(re.sub(r"<[^>]*>", "", bold.group(1))) if bold else "Legend"
        self.small = SMALL_MAP_PX


class _FlyToOnAdd(MacroElement):
    """When its marker joins the map: fly there and open its popup, once per ``token``.

    A rerun takes every adjustable layer off the map and puts it back in one go (twice when
    the layers also came by the layer channel, geo.layerpush); Leaflet closes a marker's popup
    when the marker leaves the map. A popup closed that way is opened again when the marker
    comes back in the same task; one the reader closed stays closed.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.on("popupclose", function (e) {
            var marker = e.target;
            if (marker._map && !marker._map.hasLayer(marker)) {
                marker.__atlasReopen = true;
                setTimeout(function () { marker.__atlasReopen = false; }, 0);
            }
        });
        {{ this._parent.get_name() }}.on("add", function (e) {
            var token = {{ this.token|tojson }};
            var marker = e.target, map = marker._map;
            if (window.__atlas_flown === token) {
                if (marker.__atlasReopen) { marker.__atlasReopen = false; marker.openPopup(); }
                return;
            }
            window.__atlas_flown = token;
            marker.openPopup();
            map.flyTo(marker.getLatLng(), Math.max(map.getZoom(), {{ this.zoom|tojson }}), {duration: 0.6});
        });
        {% endmacro %}
        """
    )

    def __init__(self, token: str, zoom: int = 7) -> None:
        super().__init__()
        self._name = "FlyToOnAdd"
        self.token = token
        self.zoom = zoom


#: Label priority on the web map, first placed first: the map's controls and legends and the
#: city markers (which never move), city names, passage badges, the Kyiv line's length,
#: Crimea's note, country names. A later element that would overlap an earlier one tries
#: small offsets of its own size around its anchor, nearest first; a country name or Crimea's
#: note that finds no room at this zoom is hidden until it does.
LABEL_PRIORITY = (
    (".leaflet-control", "fixed"),
    (".atlas-place", "fixed"),
    (".atlas-place-label", "move"),
    (".atlas-passage", "move"),
    (".atlas-kyiv-line-label", "move"),
    (".atlas-crimea-label", "hide"),
    (".atlas-country-label", "hide"),
)


class _Declutter(MacroElement):
    """Keep labels, badges and country names apart at every zoom, by :data:`LABEL_PRIORITY`.

    Runs when the view or the layers change. It only offsets elements with the CSS
    ``translate`` property (Leaflet positions them with ``transform``, which it leaves alone)
    or hides them; the number of runs is in ``window.__atlas_declutter_runs``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            var rules = {{ this.rules|tojson }}, timer = null;
            window.__atlas_declutter_runs = window.__atlas_declutter_runs || 0;
            function hit(a, b) {
                return a.left < b.right - 0.5 && b.left < a.right - 0.5 &&
                       a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
            }
            function moved(r, dx, dy) {
                return {left: r.left + dx, right: r.right + dx, top: r.top + dy, bottom: r.bottom + dy};
            }
            function offsets(w, h) {
                // Around the anchor, nearest first: a step is the element's own size.
                var out = [], g = 2;
                for (var k = 0; k <= 3; k++) {
                    for (var i = -k; i <= k; i++) {
                        for (var j = -k; j <= k; j++) {
                            if (Math.max(Math.abs(i), Math.abs(j)) === k) {
                                out.push([j * (w + g) / 2, i * (h + g) / 2]);
                            }
                        }
                    }
                }
                return out.sort(function (a, b) { return Math.hypot(a[0], a[1]) - Math.hypot(b[0], b[1]); });
            }
            function run() {
                timer = null;
                var root = map.getContainer(), frame = root.getBoundingClientRect(), placed = [];
                rules.forEach(function (rule) {
                    root.querySelectorAll(rule[0]).forEach(function (el) {
                        el.style.translate = "";
                        el.style.visibility = "";
                        var r = el.getBoundingClientRect();
                        if (!r.width || !r.height || r.right < frame.left || r.left > frame.right ||
                            r.bottom < frame.top || r.top > frame.bottom) { return; }
                        if (rule[1] === "fixed") { placed.push(r); return; }
                        var spots = offsets(r.width, r.height);
                        for (var i = 0; i < spots.length; i++) {
                            var c = moved(r, spots[i][0], spots[i][1]);
                            if (!placed.some(function (p) { return hit(p, c); })) {
                                if (i) { el.style.translate = spots[i][0] + "px " + spots[i][1] + "px"; }
                                placed.push(c);
                                return;
                            }
                        }
                        if (rule[1] === "hide") { el.style.visibility = "hidden"; } else { placed.push(r); }
                    });
                });
                window.__atlas_declutter_runs = (window.__atlas_declutter_runs || 0) + 1;
                window.__atlas_declutter_pending = false;
            }
            function later() {
                window.__atlas_declutter_pending = true;
                if (timer) { clearTimeout(timer); }
                timer = setTimeout(run, 60);
            }
            map.on("zoomend moveend layeradd layerremove resize", later);
            map.whenReady(later);
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "Declutter"
        self.rules = [list(rule) for rule in LABEL_PRIORITY]


class _OfflineMiniMap(JSCSSMixin, MacroElement):
    """leaflet-minimap over a small GeoJSON of the bundled countries instead of tiles."""

    default_js = folium.plugins.MiniMap.default_js
    default_css = folium.plugins.MiniMap.default_css

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }}_small = {{ this._parent.get_name() }}.getSize().x < {{ this.small|tojson }};
        var {{ this.get_name() }}_layer = L.geoJson({{ this.data|tojson }}, {
            style: {{ this.layer_style|tojson }}, interactive: false
        });
        var {{ this.get_name() }} = new L.Control.MiniMap(
            {{ this.get_name() }}_layer, Object.assign({{ this.options|tojson }}, {
                minimized: {{ this.get_name() }}_small,
                collapsedWidth: {{ this.get_name() }}_small ? 44 : 24,
                collapsedHeight: {{ this.get_name() }}_small ? 44 : 24
            })
        );
        {{ this._parent.get_name() }}.addControl({{ this.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, data: dict) -> None:
        super().__init__()
        self._name = "OfflineMiniMap"
        self.data = data
        self.layer_style = {"color": style.OUTLINE.color, "weight": 0.5, "fillColor": style.LAND_FILL,
                            "fillOpacity": 1}
        self.options = {"position": "bottomleft", "width": 150, "height": 150, "zoomLevelOffset": -5,
                        "toggleDisplay": True, "minimized": False,
                        "strings": {"hideText": "Hide the overview map", "showText": "Show the overview map"}}
        self.small = SMALL_MAP_PX


def _css(m: folium.Map, offline: bool) -> None:
    sea = f".leaflet-container{{background:{style.SEA} !important;}}" if offline else ""
    rules = (
        f"{sea}.leaflet-control-minimap{{background:{style.SEA};}}"
        ".atlas-legend{background:rgba(255,255,255,.92);padding:6px 8px;border-radius:4px;"
        f"font:12px/1.35 sans-serif;color:{style.INK};box-shadow:0 1px 4px rgba(0,0,0,.3);}}"
        ".atlas-legend i{display:inline-block;width:14px;height:12px;margin-right:6px;"
        "vertical-align:-1px;border:1px solid #888;}"
        ".atlas-passage{display:flex;align-items:center;justify-content:center;border-radius:11px;"
        f"background:{style.PASSAGE.color};color:#fff;font:bold 12px sans-serif;"
        "border:2px solid #fff;box-shadow:0 1px 3px rgba(0,0,0,.5);}"
        f".atlas-passage.atlas-unconfirmed{{background:#fff;color:{style.PASSAGE.color};"
        f"border:2px dashed {style.PASSAGE.color};}}"
        f".atlas-label{{font:italic 12px sans-serif;color:{style.INK};white-space:nowrap;"
        "text-shadow:0 0 3px #fff,0 0 3px #fff;}"
        ".atlas-country-label{font:600 13px sans-serif;letter-spacing:.12em;text-transform:uppercase;"
        "color:#555;white-space:nowrap;text-shadow:0 0 3px #fff;text-align:center;}"
        ".atlas-popup blockquote{margin:6px 0;padding-left:8px;border-left:3px solid "
        f"{style.PASSAGE.color};font-style:italic;}}"
        ".atlas-legend-toggle{display:block;margin:4px 0 0 auto;padding:2px 8px;border:1px solid #767676;"
        f"border-radius:3px;background:#fff;color:{style.INK};font:12px sans-serif;cursor:pointer;}}"
        ".atlas-legend-folded{padding:0;}.atlas-legend-folded .atlas-legend-body{display:none;}"
        ".atlas-legend-folded .atlas-legend-toggle{margin:0;font-weight:600;}"
        ".atlas-legend-toggle:focus-visible,.leaflet-container a:focus-visible{outline:3px solid #1a5fb4;"
        "outline-offset:1px;}"
        # On a phone every control is a 44 px touch target and folded away (WCAG 2.5.5).
        f"@media (max-width:{SMALL_MAP_PX - 1}px){{"
        ".atlas-legend-toggle{min-width:44px;min-height:44px;}"
        ".leaflet-bar a,.leaflet-touch .leaflet-bar a{width:44px;height:44px;line-height:44px;}"
        ".leaflet-control-layers-toggle,.leaflet-touch .leaflet-control-layers-toggle{width:44px;height:44px;}"
        ".leaflet-control-measure .leaflet-control-measure-toggle{width:44px;height:44px;}"
        ".leaflet-touch .fullscreen-icon{background-size:44px 88px;background-position:0 0;}"
        ".leaflet-touch .fullscreen-icon.leaflet-fullscreen-on{background-position:0 -44px;}}"
    )
    m.get_root().header.add_child(Element(f"<style>{rules}</style>"), name="atlas_css")


# --- static layers ------------------------------------------------------------------------


def _country_style(group: str, offline: bool) -> dict:
    fill = {"UA": style.COUNTRY_FILL["UA"], "BY": style.COUNTRY_FILL["BY"], "RU": style.COUNTRY_FILL["RU"],
            "nato": style.NATO_FILL, "other": style.LAND_FILL}[group]
    return {"fillColor": fill, "fillOpacity": 1.0 if offline else 0.35, "color": style.OUTLINE.color,
            "weight": style.OUTLINE.width + 0.2, "pane": "atlas-countries", "className": "atlas-country"}


def _country_label_width(name: str) -> int:
    """Pixels a country's name takes in capitals, 13 px semibold, letter-spaced by 0.12 em."""
    return round(10.5 * len(name) + 8)


def _countries_layer(offline: bool, show: bool) -> folium.FeatureGroup:
    group_layer = folium.FeatureGroup(name="Countries", show=show)
    for group, collection in _countries_by_group().items():
        look = _country_style(group, offline)
        folium.GeoJson(
            collection,
            name=_GROUP_NAMES[group],
            style_function=lambda _f, look=look: look,
            highlight_function=None,
            tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False, sticky=True),
            control=False,
            embed=True,
        ).add_to(group_layer)
    items = "".join(
        f'<div><i style="background:{_country_style(g, True)["fillColor"]}"></i>'
        f"{escape_text(_GROUP_NAMES[g])}</div>"
        for g in ("UA", "BY", "RU", "nato")
    )
    crimea = (
        f'<div><i style="background:repeating-linear-gradient(-45deg,{style.CRIMEA.color} 0 2px,'
        f'{style.COUNTRY_FILL["UA"]} 2px 6px)"></i>Crimea: occupied by Russia since 2014</div>'
    )
    border = (
        f'<div><i style="height:0;border:0;border-top:3px solid {style.BORDER.color}"></i>'
        "The border chosen in the sidebar</div>"
    )
    _Legend(f"<b>Countries</b>{items}{crimea}{border}", "topright").add_to(group_layer)
    for place in article_places().values():
        if place.kind == "country":
            folium.Marker(
                (place.lat, place.lon),
                icon=folium.DivIcon(
                    html=escape_text(place.name), class_name="atlas-country-label",
                    icon_size=(width := _country_label_width(place.name), 18), icon_anchor=(width // 2, 9),
                ),
                interactive=False,
            ).add_to(group_layer)
    return group_layer


def _crimea_layer(m: folium.Map, show: bool) -> folium.FeatureGroup:
    crimea = load_crimea()
    since = int(crimea["occupied_since"])
    label = f"Ukrainian territory occupied by Russia since {since}"
    stripes = folium.plugins.StripePattern(
        angle=-45, weight=2, space_weight=4, color=style.CRIMEA.color, space_color=style.COUNTRY_FILL["UA"],
        opacity=0.9, space_opacity=1.0,
    )
    stripes.add_to(m)
    layer = folium.FeatureGroup(name="Crimea (occupied)", show=show)
    folium.GeoJson(
        {"type": "Feature", "properties": {"name": escape_text(f"Crimea: {label}")},
         "geometry": _display(crimea.geometry, _TOLERANCE["focus"], _DECIMALS["focus"])},
        style_function=lambda _f: {
            "fillPattern": stripes, "fillOpacity": 1.0, "color": style.CRIMEA.color,
            "weight": style.CRIMEA.width, "dashArray": style.CRIMEA.dash_array, "className": "atlas-crimea",
        },
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False, sticky=True),
        control=False,
    ).add_to(layer)
    spot = article_places()["crimea"]
    folium.Marker(
        (spot.lat, spot.lon),
        icon=folium.DivIcon(
            html=f"<b>Crimea</b><br>{escape_text(label)}", class_name="atlas-label atlas-crimea-label",
            # Wide enough for the note in italic 12 px, so its box (which keeps labels apart) holds it.
            icon_size=(width := round(6.4 * len(label) + 10), 34), icon_anchor=(width // 2, -8),
        ),
        interactive=False,
    ).add_to(layer)
    return layer


#: The bundled region data (geo.data.load_countries) covers this box (west, south, east, north);
#: a border beyond it has its neighbourhood drawn from the world data (see :func:`border_layer`).
REGION_BOX = (0.0, 34.0, 60.0, 71.0)
#: How far around a border (degrees) the world data's countries are drawn for it.
_WORLD_MARGIN = 12.0


def _outside_region(border: Border) -> bool:
    west, south, east, north = border.line.bounds
    r_west, r_south, r_east, r_north = REGION_BOX
    return west < r_west or east > r_east or south < r_south or north > r_north


def _neighbourhood_geojson(bounds: tuple[float, float, float, float], focus: frozenset[str]) -> dict | None:
    from geo import world

    west, south, east, north = bounds
    window = shapely.box(max(-180.0, west - _WORLD_MARGIN), max(-85.0, south - _WORLD_MARGIN),
                        min(180.0, east + _WORLD_MARGIN), min(85.0, north + _WORLD_MARGIN))
    features = []
    for info in world.countries():
        bounds = getattr(info, "bounds", None)  # the light index: no geometry loaded for far countries
        if bounds is not None and not window.intersects(shapely.box(*bounds)):
            continue
        geom = world.country_geometry(info.iso2)
        if not geom.intersects(window):
            continue
        level = "focus" if info.iso2 in focus else "near"
        shown = _without_islands(geom.intersection(window), _MIN_ISLAND[level])
        features.append({
            "type": "Feature", "id": info.iso2, "properties": {"name": escape_text(info.name)},
            "geometry": _display(shown, _TOLERANCE[level], _DECIMALS[level]),
        })
    return {"type": "FeatureCollection", "features": features} if features else None


class _FlyToBorder(MacroElement):
    """When the border's layer joins the map: fly to the border, once per border.

    The first border a map shows is only fitted (without flying) if the view does not
    already hold it, so a link to another border opens on it; re-adding the same border
    (new bands) leaves the view where the reader put it. ``window.__atlas_border`` and
    ``window.__atlas_border_flights`` tell tests which border was last framed and how many
    flights there were.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.on("add", function (e) {
            var token = {{ this.token|tojson }}, map = e.target._map;
            var bounds = L.latLngBounds({{ this.bounds|tojson }});
            // Kept on the map: a map made anew (another basemap) frames its border again.
            var first = map.__atlas_border === undefined;
            if (map.__atlas_border === token) { return; }
            map.__atlas_border = window.__atlas_border = token;
            window.__atlas_border_flights = (window.__atlas_border_flights || 0) + (first ? 0 : 1);
            if (first) {
                // The page's first view is made for the article's border: only a link to
                // another border needs fitting.
                if (!{{ this.fit_first|tojson }}) { return; }
                var fit = function () {
                    if (!map.getBounds().contains(bounds)) { map.fitBounds(bounds, {animate: false}); }
                };
                // A map not laid out yet (an iframe still 0 px tall) has no view to test:
                // fitting it then puts the view far off (69° N, 10° W was seen). Wait for its size.
                var size = map.invalidateSize(false).getSize();
                if (size.x > 0 && size.y > 0) { fit(); } else { map.once("resize", fit); }
                return;
            }
            map.flyToBounds(bounds, {duration: 0.8, maxZoom: 8, padding: [24, 24]});
        });
        {% endmacro %}
        """
    )

    def __init__(self, token: str, bounds: list[list[float]], fit_first: bool = True) -> None:
        super().__init__()
        self._name = "FlyToBorder"
        self.token = token
        self.bounds = bounds
        self.fit_first = fit_first


def border_layer(border: Border | None = None) -> folium.FeatureGroup:
    """Return the chosen border as a layer: one SVG path of class ``atlas-border``.

    The map flies to the border when this layer first joins it (see :class:`_FlyToBorder`).
    For a border beyond the bundled region, the world data's countries around it are drawn
    under it (simplified for display), so the map shows where it is without tiles.

    Parameters
    ----------
    border : Border, optional
        Belarus–Ukraine by default.

    Examples
    --------
    >>> border_layer().layer_name
    'The border'
    """
    border = border or get_border(DEFAULT_BORDER)
    layer = folium.FeatureGroup(name=DYNAMIC_LAYER_NAMES[0])
    if _outside_region(border):
        around = _neighbourhood_geojson(border.line.bounds, frozenset(border.countries))
        if around is not None:
            look = _country_style("other", True) | {"className": "atlas-country atlas-world-country"}
            folium.GeoJson(
                around, style_function=lambda _f, look=look: look,
                tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False, sticky=True), control=False,
            ).add_to(layer)
    length = format_distance(geodesic_length_km(border.line), "km")
    source = f" ({border.source})" if border.source else ""
    name = escape_text(f"{border.name} · {length}{source}")
    _PackedGeoJson(
        packed_on_screen(border.line),
        {"className": "atlas-border", "color": style.BORDER.color, "opacity": 1.0,
         "weight": max(style.BORDER.width, 3.0)},
        name,
    ).add_to(layer)
    if border.key != DEFAULT_BORDER and border.countries:
        _occupied_areas(border).add_to(layer)
    west, south, east, north = border.line.bounds
    _FlyToBorder(border.key, [[south, west], [north, east]], fit_first=border.key != DEFAULT_BORDER).add_to(layer)
    return layer


#: A disputed area is marked on a border's map only this near its line (degrees between their
#: boxes): Kashmir belongs on the maps of India's borders with Pakistan and China, not Bangladesh's.
DISPUTED_REACH_DEG = 5.0


def marked_territory(border: Border) -> tuple:
    """The occupied and disputed territory a border's map marks, as :class:`geo.world.Territory` values.

    Territory one of the border's countries holds, claims or lost; disputed territory only
    within :data:`DISPUTED_REACH_DEG` of the border's line.
    """
    from geo import world

    countries = set(border.countries)
    west, south, east, north = border.line.bounds
    near = shapely.box(west, south, east, north).buffer(DISPUTED_REACH_DEG)
    return tuple(t for t in world.occupied()
                 if {t.de_jure, t.occupier, *t.claimants} & countries
                 and (t.status == "occupied" or near.intersects(t.geometry.envelope)))


def _occupied_areas(border: Border) -> folium.GeoJson:
    """Territory of the border's countries occupied or disputed (beside Crimea, on the base map).

    Drawn over the country the data draws it in, outlined and tinted like Crimea, with who
    holds it, since when, who claims it and the source in its tooltip (class ``atlas-occupied``).
    """
    from geo import world

    names = {c.iso2: c.name for c in world.countries()}
    features = [
        {"type": "Feature",
         "properties": {"name": escape_text(f"{t.describe(names)} ({t.source})")},
         "geometry": _display(t.geometry, _TOLERANCE["focus"], _DECIMALS["focus"])}
        for t in marked_territory(border) if t.name != "Crimea"
    ]
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        style_function=lambda _f: {
            "color": style.CRIMEA.color, "weight": style.CRIMEA.width, "dashArray": style.CRIMEA.dash_array,
            "fillColor": style.CRIMEA.color, "fillOpacity": 0.25, "className": "atlas-occupied",
        },
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False, sticky=True) if features else None,
        control=False,
    )


def reference_layer(border: Border | None = None, places: Iterable[int] = (), units: str = "km") -> folium.FeatureGroup:
    """Return a dashed line from each reference place to its nearest border point, with its length.

    The places are those of :func:`geo.facts.reference_facts`: the capitals of the border's
    countries, then the GeoNames ids in ``places``. Each line is an SVG path of class
    ``atlas-reference-line`` (``atlas-kyiv-line`` too for Kyiv, the article's own figure),
    labelled with its length in ``units``.

    Examples
    --------
    >>> layer = reference_layer(get_border("BY-UA"))
    >>> layer.layer_name
    'Reference lines'
    """
    if units not in UNITS:
        raise InputError(f"Unknown units {units!r}: use km or mi.")
    border = border or get_border(DEFAULT_BORDER)
    layer = folium.FeatureGroup(name=DYNAMIC_LAYER_NAMES[2])
    for key, fact in reference_facts(border, places).items():
        if fact.line is None:
            continue
        (lon0, lat0), (lon1, lat1) = fact.line
        extra = " atlas-kyiv-line" if key == "kyiv_to_border" else ""
        length = escape_text(fact.format(units))
        line = folium.PolyLine([(lat0, lon0), (lat1, lon1)], color=style.INK, weight=2.5, dash_array="6,4",
                               class_name="atlas-reference-line" + extra)
        folium.Tooltip(f"<b>{length}</b>", permanent=True, direction="center",
                       class_name="atlas-kyiv-line-label").add_to(line)
        folium.Popup(folium.Html(
            f"<b>{escape_text(fact.label)}: {length}</b><br>"
            f"<small>{escape_text(fact.method)}.<br>Source: {escape_text(fact.source)}</small>", script=True),
            max_width=320).add_to(line)
        line.add_to(layer)
        marker = folium.CircleMarker((lat0, lon0), radius=4, color="#ffffff", weight=1.2, fill=True,
                                     fill_color=style.INK, fill_opacity=1.0, class_name="atlas-reference-place")
        folium.Tooltip(escape_text(fact.label.split(" to the ")[0]), direction="right").add_to(marker)
        marker.add_to(layer)
    return layer


def _in_region(lat: float, lon: float) -> bool:
    return 30 <= lat <= 75 and -15 <= lon <= 75


def _places_layer(show: bool) -> folium.FeatureGroup:
    layer = folium.FeatureGroup(name="Places in the article", show=show)
    for place in article_places().values():
        if place.kind != "city" or not _in_region(place.lat, place.lon):
            continue
        marker = folium.CircleMarker(
            (place.lat, place.lon), radius=5, color="#ffffff", weight=style.PLACE.width,
            fill=True, fill_color=style.PLACE.color, fill_opacity=1.0, class_name="atlas-place",
        )
        folium.Tooltip(
            escape_text(place.name), permanent=True, direction="right", class_name="atlas-place-label",
        ).add_to(marker)
        marker.add_to(layer)
    return layer


def _new_map(**options) -> folium.Map:
    """A ``folium.Map`` that loads only the libraries these maps use.

    Folium loads Bootstrap, Font Awesome and Leaflet.awesome-markers for its ``Icon``
    markers; these maps use none of them (jQuery stays: folium's popups need it).
    Leaving them out spares the browser four of the scripts and stylesheets it loads
    one after another before the map can draw.
    """
    m = folium.Map(**options)
    m.default_js = [(name, url) for name, url in folium.Map.default_js if name in _MAP_JS]
    m.default_css = [(name, url) for name, url in folium.Map.default_css if name in _MAP_CSS]
    return m


def base_map(view: MapView = DEFAULT_VIEW) -> folium.Map:
    """Return the map without its adjustable layers: basemap, countries, Crimea, places.

    It has the scale bar (metric and imperial), fullscreen, measuring and minimap
    controls, but no layer control: :func:`build_map` adds one, and the app passes one
    to ``st_folium`` so that it also lists the layers streamlit-folium adds later.

    Parameters
    ----------
    view : MapView
        Centre, zoom, basemap and visible layers.

    Returns
    -------
    folium.Map
        Loads its scripts from CDNs until :func:`geo.assets.localize` rewrites them.

    Examples
    --------
    The border is not in it: it is an adjustable layer (see :func:`border_layer`).

    >>> "atlas-border" in base_map().get_root().render()
    False
    """
    offline = view.basemap == "offline"
    m = _new_map(
        location=view.center, zoom_start=view.zoom, tiles=None, control_scale=True,
        min_zoom=3, max_zoom=MAX_ZOOM, prefer_canvas=False, zoom_control=True,
    )
    _css(m, offline)
    folium.FeatureGroup(name=_OFFLINE_NAME, overlay=False, control=True, show=offline).add_to(m)
    for key, (url, attr, name) in _TILES.items():
        folium.TileLayer(url, attr=attr, name=name, overlay=False, control=True, show=key == view.basemap,
                         max_zoom=18).add_to(m)
    for pane, z in (("atlas-countries", 250), ("atlas-bands", 350)):
        folium.map.CustomPane(pane, z_index=z, pointer_events=True).add_to(m)
    shown = set(view.layers)
    _countries_layer(offline, "countries" in shown).add_to(m)
    _crimea_layer(m, "crimea" in shown).add_to(m)
    _places_layer("places" in shown).add_to(m)
    folium.plugins.Fullscreen(position="topleft").add_to(m)
    folium.plugins.MeasureControl(
        position="topleft", primary_length_unit="kilometers", secondary_length_unit="miles",
        primary_area_unit="sqkilometers", secondary_area_unit="sqmiles",
    ).add_to(m)
    _OfflineMiniMap(_minimap_geojson()).add_to(m)
    _Declutter().add_to(m)
    return m


# --- adjustable layers --------------------------------------------------------------------


@lru_cache(maxsize=32)
def _band_shapes(spec: BandSpec) -> tuple[tuple[float, float, dict], ...]:
    return tuple(
        (b.inner_km, b.outer_km, packed_on_screen(b.geometry))
        for b in distance_bands(spec)
        if not b.geometry.is_empty
    )


def _band_label(inner_km: float, outer_km: float, units: str) -> str:
    if units == "km":
        return f"{inner_km:g}–{outer_km:g} km"
    lo, hi = (format_distance(x, "mi").removesuffix(" mi") for x in (inner_km, outer_km))
    return f"{lo}–{hi} mi"


def band_layer(spec: BandSpec, units: str = "km") -> folium.FeatureGroup:
    """Return the distance bands as one layer, nearest band darkest, with their legend.

    Each band is one SVG path with the CSS class ``atlas-band`` and a tooltip giving
    its distances from the spec's border in ``units``.

    Parameters
    ----------
    spec : BandSpec
        Distances, side and clip.
    units : {"km", "mi"}
        Units of the labels.

    Returns
    -------
    folium.FeatureGroup
        Ready for ``st_folium(..., feature_group_to_add=...)`` or ``add_to(map)``.

    Examples
    --------
    >>> layer = band_layer(BandSpec((50.0, 100.0)), "mi")
    >>> layer.layer_name
    'Distance bands'
    """
    if units not in UNITS:
        raise InputError(f"Unknown units {units!r}: use km or mi.")
    layer = folium.FeatureGroup(name=DYNAMIC_LAYER_NAMES[1])
    shapes = _band_shapes(spec)
    colours = style.band_colors(len(spec.distances_km))
    rows = []
    for (inner, outer, geometry), colour in zip(shapes, colours, strict=False):
        label = _band_label(inner, outer, units)
        text = escape_text(f"{label} from the {spec.border.name}")
        _PackedGeoJson(
            geometry,
            {"className": "atlas-band", "color": colour, "fillColor": colour, "fillOpacity": style.BAND_OPACITY,
             "opacity": 0.9, "weight": 0.8},
            text,
            highlight={"fillOpacity": min(1.0, style.BAND_OPACITY + 0.15), "weight": 2.0},
            pane="atlas-bands",
        ).add_to(layer)
        rows.append(f'<div><i style="background:{colour};opacity:{style.BAND_OPACITY + 0.2:g}"></i>'
                    f"{escape_text(label)}</div>")
    border = spec.border
    side = border.side_name(spec.side)
    clip = "" if spec.clip == "none" else f", clipped to {border.clip_name(spec.clip).removesuffix(' only')}"
    title = f"<b>Distance from the border</b><br><small>geodesic, {escape_text(side + clip)}</small>"
    _Legend(
        title + "".join(rows),
        "bottomright", "atlas-legend atlas-band-legend",
    ).add_to(layer)
    return layer


def _badge_width(text: str) -> int:
    """Pixels for a passage badge: a circle for one number, a pill for several (bold 12 px)."""
    return max(22, 7 * len(text) + 10)


def _passage_shape(place, numbers: list[int]) -> MacroElement:
    """The line or area a passage speaks of, drawn under its badge."""
    polygonal = place.shape == "area"
    simple = shapely.simplify(place.geometry, _TOLERANCE["focus"], preserve_topology=True)
    parts = _parts_of_kind(simple, polygonal)
    text = escape_text(f"Passage{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))}: {place.name}")
    look = {"color": style.PASSAGE.color, "weight": 2.0 if polygonal else 4.0, "opacity": 0.85,
            "dashArray": "6,4" if polygonal else None, "fillColor": style.PASSAGE.color,
            "fillOpacity": 0.10 if polygonal else 0.0, "className": f"atlas-passage-shape atlas-passage-{place.shape}"}
    shown = shapely.GeometryCollection(parts) if parts else simple
    return _PackedGeoJson(packed_geometry(shown, _DECIMALS["focus"]), look, text)


def passage_layer(selected: int | None = None, token: str | None = None,
                  story: Story | None = None) -> folium.FeatureGroup:
    """Return one badge per place the passages speak of, numbered, with the quotes in a popup.

    Passages about the same place share one badge (``"1, 13"``), so badges never pile up on
    a place. A place that is a line or an area the map does not already draw (a region, a
    stretch of borders, as :attr:`geo.places.Place.shape` says) is drawn too, in the passage
    colour, with the badge at its representative point; countries are drawn by the
    countries layer.

    Parameters
    ----------
    selected : int, optional
        A passage number: when the layer joins the map, the map flies to this passage's
        badge and opens its popup.
    token : str, optional
        Identifies one request to fly; the same token never flies twice in the same page,
        so re-adding the layer (new bands) leaves the view where the user put it.
    story : Story, optional
        The story whose passages to show; the bundled one by default. A place no person has
        confirmed is marked so (class ``atlas-unconfirmed``, "unconfirmed" in its tooltip).

    Examples
    --------
    >>> passage_layer().layer_name
    'Passages'
    """
    places = article_places() if story is None else story_places(story)
    story = load_story() if story is None else story
    layer = folium.FeatureGroup(name=DYNAMIC_LAYER_NAMES[3])
    by_place: dict[str, list] = {}
    for passage in story.passages:
        by_place.setdefault(passage.place, []).append(passage)
    for place_id, passages in by_place.items():
        place = places[place_id]
        numbers = [p.number for p in passages]
        if place.shape != "point" and place.kind in ("region", "border"):
            _passage_shape(place, numbers).add_to(layer)
        quotes = "".join(
            f'<div class="atlas-popup"><b>Passage {p.number}</b> · paragraph {p.paragraph}'
            f"<blockquote>“{escape_text(p.quote)}”</blockquote>"
            f"<small>{escape_text(place.name)}: {escape_text(p.reason)}</small></div>"
            for p in passages
        )
        popup = folium.Popup(folium.Html(quotes, script=True), max_width=340, auto_pan=False)
        text = ", ".join(map(str, numbers))
        width = _badge_width(text)
        # A city's name reads to the right of its dot, so its badge sits to the left; any other
        # place's badge is centred on its point.
        anchor = (width + 10, 11) if place.kind == "city" else (width // 2, 11)
        marker = folium.Marker(
            (place.lat, place.lon),
            icon=folium.DivIcon(
                html=text,
                class_name="atlas-passage " + " ".join(f"atlas-passage-{n}" for n in numbers)
                + ("" if place.confirmed else " atlas-unconfirmed"),
                icon_size=(width, 22), icon_anchor=anchor,
            ),
            tooltip=escape_text(f"Passage{'s' if len(numbers) > 1 else ''} {text}: {place.name}"
                                + ("" if place.confirmed else " (place not yet confirmed)")),
        )
        popup.add_to(marker)
        if selected in numbers:
            _FlyToOnAdd(token or f"passage-{selected}").add_to(marker)
        marker.add_to(layer)
    return layer


def dynamic_layers(
    view: MapView, spec: BandSpec, units: str = "km", selected: int | None = None, token: str | None = None,
    places: Iterable[int] = (), story: Story | None = None,
) -> list[folium.FeatureGroup]:
    """Return the adjustable layers that ``view.layers`` asks for, in drawing order.

    Layers switched off in ``view`` are left out (streamlit-folium adds every layer it
    is given to the map), so the layer control lists only those drawn. ``places`` are
    GeoNames ids of reference places drawn, with the border's capitals, with their lines to it.
    """
    shown = set(view.layers)
    border = spec.border
    out = []
    if "border" in shown:
        out.append(border_layer(border))
    if "bands" in shown:
        out.append(band_layer(spec, units))
    if "kyiv-line" in shown:
        out.append(reference_layer(border, places, units))
    if "passages" in shown:
        out.append(passage_layer(selected, token, story))
    return out


def unique_layer_name(name: str, taken: Iterable[str]) -> str:
    """Return ``name``, or ``name (2)``, ``name (3)``…: the first that is not in ``taken``.

    A layer control lists layers in a JavaScript object keyed by name: a second layer of the
    same name would replace the first, and a ``__proto__`` key would set the object's
    prototype, so that name is always taken.

    Examples
    --------
    >>> unique_layer_name("Passages", ["Distance bands", "Passages"])
    'Passages (2)'
    """
    used = {*taken, "__proto__"}
    candidate, n = name, 1
    while candidate in used:
        n += 1
        candidate = f"{name} ({n})"
    return candidate


def build_map(
    view: MapView, spec: BandSpec, units: str = "km", selected: int | None = None, token: str | None = None,
    extra_layers: Sequence[folium.FeatureGroup] = (),
    places: Iterable[int] = (), story: Story | None = None,
) -> folium.Map:
    """Return the complete map for the given settings, as the app shows it.

    Parameters
    ----------
    view : MapView
    spec : BandSpec
    units : {"km", "mi"}
    selected, token
        See :func:`passage_layer`.
    extra_layers : sequence of folium.FeatureGroup
        Layers drawn above the others, such as a user's layer, and listed in the layer
        control. Pass them here rather than adding them to the returned map: the control's
        script refers to every layer it lists, so it must come after all of them. A layer
        whose name another layer already has is renamed ``name (2)`` (changed in place).
    places : iterable of int
        GeoNames ids of reference places (see :func:`reference_layer`).
    story : Story, optional
        Whose passages to show (see :func:`passage_layer`); the bundled story by default.

    Returns
    -------
    folium.Map
        With every layer and a layer control; the standalone export renders this.

    Examples
    --------
    >>> m = build_map(DEFAULT_VIEW, BandSpec((50.0, 100.0, 200.0)))
    >>> m.get_root().render().count('"className": "atlas-band"')
    3
    """
    m = base_map(view)
    for layer in dynamic_layers(view, spec, units, selected, token, places, story):
        layer.add_to(m)
    for layer in extra_layers:
        names = (c.layer_name for c in m._children.values() if isinstance(c, folium.map.Layer))
        layer.layer_name = unique_layer_name(layer.layer_name, names)
        layer.add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


# --- the analogy ---------------------------------------------------------------------------


def _geodesic_circle(lon: float, lat: float, radius_km: float, points: int = 180) -> shapely.Polygon:
    azimuths = np.linspace(0.0, 360.0, points, endpoint=False)
    lons, lats, _ = GEOD.fwd(
        np.full(points, lon), np.full(points, lat), azimuths, np.full(points, radius_km * 1000.0)
    )
    return shapely.Polygon(np.column_stack((lons, lats)))


def analogy_map(units: str = "km") -> folium.Map:
    """Return a small map of the article's analogy: Kyiv's distance from Belarus around Washington.

    "It'd be like [if] the Russians parked in central Virginia, facing Washington." A
    geodesic circle (computed with ``pyproj.Geod.fwd``) of radius equal to the Kyiv to
    Belarus border distance surrounds Washington, D.C., over Virginia's outline.

    Parameters
    ----------
    units : {"km", "mi"}

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> "Virginia" in analogy_map().get_root().render()
    True
    """
    if units not in UNITS:
        raise InputError(f"Unknown units {units!r}: use km or mi.")
    facts = compute_facts()
    radius = facts["kyiv_to_border"]
    places = article_places()
    dc, va = places["washington"], places["central-virginia"]
    circle = _geodesic_circle(dc.lon, dc.lat, radius.value)
    us = load_united_states()
    # The map is held to a window around Washington, so the rest of the United States
    # (Alaska and Hawaii included) need not be sent to the browser.
    west, south, east, north = dc.lon - 16.0, dc.lat - 10.0, dc.lon + 16.0, dc.lat + 10.0
    m = _new_map(location=(dc.lat, dc.lon), zoom_start=7, tiles=None, control_scale=True,
                 min_zoom=6, max_zoom=11, zoom_control=True, max_bounds=True,
                 min_lat=south, max_lat=north, min_lon=west, max_lon=east)
    _css(m, offline=True)
    window = shapely.box(west, south, east, north)
    outline = _without_islands(us["US"].geometry.intersection(window), _ANALOGY_MIN_ISLAND)
    folium.GeoJson(
        {"type": "Feature", "properties": {}, "geometry": _display(outline, 0.03, 2)},
        style_function=lambda _f: {
            "fillColor": style.LAND_FILL, "fillOpacity": 1, "color": style.OUTLINE.color, "weight": 0.8,
        },
        interactive=False, control=False,
    ).add_to(m)
    folium.GeoJson(
        {"type": "Feature", "properties": {"name": "Virginia"},
         "geometry": _display(us["USVA"].geometry, 0.005, 3)},
        style_function=lambda _f: {
            "fillColor": style.COUNTRY_FILL["UA"], "fillOpacity": 1, "color": style.OUTLINE.color,
            "weight": 1.2, "className": "atlas-virginia",
        },
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        control=False,
    ).add_to(m)
    text = escape_text(
        f"{radius.format(units)} around Washington: as far as Kyiv is from the Belarus border"
    )
    folium.GeoJson(
        {"type": "Feature", "properties": {"label": text}, "geometry": mapping(circle)},
        style_function=lambda _f: {"fillColor": style.BAND_PALETTE[1], "fillOpacity": 0.15,
                                   "color": style.BAND_PALETTE[0], "weight": 2, "dashArray": "6,4",
                                   "className": "atlas-analogy-circle"},
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False, sticky=True),
        control=False,
    ).add_to(m)
    va_km = facts["washington_to_central_virginia"]
    folium.PolyLine([(dc.lat, dc.lon), (va.lat, va.lon)], color=style.INK, weight=1.5, dash_array="2,4",
                    tooltip=escape_text(f"{va_km.label}: {va_km.format(units)}")).add_to(m)
    for place, label in ((dc, dc.name), (va, f"{va.name} (“parked in central Virginia”)")):
        marker = folium.CircleMarker((place.lat, place.lon), radius=5, color="#fff", weight=1.2, fill=True,
                                     fill_color=style.PLACE.color, fill_opacity=1, class_name="atlas-place")
        folium.Tooltip(escape_text(label), permanent=True, direction="right").add_to(marker)
        marker.add_to(m)
    _Legend(f"<b>The article's analogy</b><br>Dashed circle: {text}", "bottomleft").add_to(m)
    minx, miny, maxx, maxy = shapely.union(circle, us["USVA"].geometry).bounds
    m.fit_bounds([(miny, minx), (maxy, maxx)])
    return m

