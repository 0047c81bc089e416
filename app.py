"""Article Atlas: the Streamlit page (a thin UI over the ``geo`` library)."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import html
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import branca
import folium
import folium.elements
import streamlit as st
import streamlit_folium as sf

from geo import style, world
from geo.alttext import map_summary
from geo.assets import bundle_scripts, localize, walk_elements
from geo.bands import BandSpec, distance_bands
from geo.borderchoice import BORDER_MODES, BorderChoice, border_countries, choose_border, layer_lines, neighbours_of
from geo.borders import DEFAULT_BORDER, Border, get_border
from geo.branca_text import install as keep_rendered_text
from geo.bundled_stories import DEFAULT_STORY_NAME, load_bundled_story
from geo.errors import AtlasError, InputError
from geo.export import FORMATS, SIZES, export_request, render
from geo.facts import MAX_PLACES, TOWN_RULE, band_facts, compute_facts, reference_facts
from geo.framing import View
from geo.geodesy import KM_PER_MILE, geodesic_length_km
from geo.layercache import kept_layer_script
from geo.layerpush import CHANNELS, layer_message, listener_script
from geo.lru import Lru
from geo.mapping import (
    DYNAMIC_LAYER_NAMES,
    DYNAMIC_LAYERS,
    MapView,
    analogy_map,
    band_layer,
    base_map,
    border_layer,
    format_distance,
    passage_layer,
    reference_layer,
    unique_layer_name,
)
from geo.places import article_places, story_places
from geo.scriptfiles import ScriptFile, script_file
from geo.story import PUBLISHER, Story, load_story
from geo.urlstate import BASEMAPS, DEFAULT_RINGS, LAYERS, UrlState, parse_query, rings_text, to_query
from geo.userlayer import EXTENSIONS, UserLayer, read_user_layer, user_layer_group
from story_editor import article_editor, current_story
from streamlit_workarounds import DOWNLOAD_FAILURES, current_session_id, slow_config_polls

ASSET_BASE = "/app/static/vendor"
BUNDLE_BASE = "/app/static/bundles"
MAP_KEY = "atlas-map"
#: The keyed container around the map: the layout's CSS and the page script find it by this.
MAP_PANE = "atlas-map-pane"
MAP_HEIGHT = 560
#: Passages whose place is on the analogy's map (see geo.mapping.analogy_map), not the main one.
ANALOGY_PLACES = ("washington", "central-virginia")
#: Keyboard shortcuts of the tour's buttons (Streamlit shows them on the buttons).
NEXT_KEY, PREVIOUS_KEY = "N", "P"
_BADGE = re.compile(r"^Passage (\d+):")
#: How long a run that changed the map's layers waits after sending them (see _map_panel).
MAP_FIRST_PAUSE_S = 0.075
PRESETS = {
    "50 / 100 / 200 km": (50.0, 100.0, 200.0),
    "25 / 50 / 100 km": (25.0, 50.0, 100.0),
    "100 / 250 / 500 km": (100.0, 250.0, 500.0),
}
CUSTOM = "Custom"
BORDER_MODE_LABELS = {"pair": "Two neighbours", "country": "A country's land border", "layer": "A line of your layer"}
#: How many gazetteer matches the place search offers.
SEARCH_LIMIT = 12
BASEMAP_LABELS = {
    "offline": "Offline (bundled data)",
    "osm": "OpenStreetMap (online)",
    "light": "Light, CARTO (online)",
    "dark": "Dark, CARTO (online)",
}
HEADLINE_FACTS = ("kyiv_to_border", "minsk_to_border", "kyiv_to_minsk", "border_length")
DRIVE_FACTS = ("drive_50", "drive_80", "drive_110")
AREA_FACTS = ("ukraine_area", "crimea_area")
FORMAT_LABELS = {
    "png": "PNG image",
    "svg": "SVG (editable)",
    "pdf": "PDF for print",
    "html": "HTML (offline)",
    "geojson": "GeoJSON",
    "gpkg": "GeoPackage",
}
SIZE_LABELS = {
    "social": "Social media, 1200 × 675",
    "slide": "Slides, 1920 × 1080",
    "a4": "A4 at 300 dpi, 3508 × 2480",
    "custom": "Custom size",
}
#: The export popover's widgets, with the values they start from (None: the widget's own).
EXPORT_SETTINGS = {"export_size": None, "export_width": 1600, "export_height": 1000,
                   "export_extent": None, "export_footnotes": None}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
_LOG = logging.getLogger(__name__)


def _md(text: str) -> str:
    """Escape text for Streamlit markdown (button labels, captions)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _degrees(value: float, positive: str, negative: str) -> str:
    return f"{abs(value):.2f}° {positive if value >= 0 else negative}"


@contextmanager
def _untouched(m: folium.Map) -> Iterator[folium.Map]:
    """Undo the children that rendering and st_folium attach to a cached map.

    Folium's render adds helper children on every call and st_folium attaches the
    layers it is given; left in place they would change the map's script, hence the
    component's key, and the browser would reload the map on every rerun.
    """
    saved = [(e, dict(e._children)) for e in walk_elements(m.get_root()) if hasattr(e, "_children")]
    try:
        yield m
    finally:
        for element, children in saved:
            element._children.clear()
            element._children.update(children)


# --- cached library calls, keyed on small hashable values -----------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class _RenderedMap:
    """A map that never changes, with what streamlit-folium sends for it computed once.

    ``st_folium`` renders the whole map (about 600 kB of GeoJSON through Jinja) on every
    rerun; for a cached map the result is the same each time, so it is kept here and
    only the adjustable feature groups are rendered per rerun.
    """

    map: folium.Map
    lock: threading.Lock
    script: str
    header: str
    html: str
    map_id: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    #: Layer control scripts, one per tuple of feature-group names (see _layer_control).
    controls: dict[tuple[str, ...], str] = dataclasses.field(default_factory=dict)
    #: Whether the script goes to the browser as a static file (see _script_for); a map
    #: with a person's layer stays inline, so their data is never a file anyone could fetch.
    as_file: bool = False
    #: The static file holding the script, per tuple of library URLs it is bundled with.
    files: dict[tuple[str, ...], ScriptFile | None] = dataclasses.field(default_factory=dict)


def _asset_links(elements) -> tuple[list[str], list[str]]:
    css, js = [], []
    for element in elements:
        if isinstance(element, branca.colormap.ColorMap):
            raise AtlasError("A colormap would make the map load d3 from a CDN; use a legend instead.")
        css.extend(href for _, href in getattr(element, "default_css", []))
        js.extend(src for _, src in getattr(element, "default_js", []))
    return css, js


def _render_once(m: folium.Map, as_file: bool = False) -> _RenderedMap:
    with _untouched(m):
        m.get_root().render()
        m.render()
        html_text, header = sf._get_html(m), sf._get_header(m)
        script = sf._get_map_string(m)
        css, js = _asset_links(walk_elements(m))
    return _RenderedMap(
        m, threading.Lock(), script, header, html_text, sf.get_full_id(m),
        tuple(dict.fromkeys(css)), tuple(dict.fromkeys(js)), as_file=as_file,
    )


def _script_for(rendered: _RenderedMap, links: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The map script and script links to send: a loader and one file, or the script inline.

    The base map's script (470 kB of GeoJSON) never changes, but streamlit-folium takes it
    with every rerun, and a distance change sent, hashed and parsed it each time for a map
    that ignores it once drawn. Kept in the libraries' bundle file, it is fetched once, when
    the map's frame first loads; each rerun sends the one-line loader instead.
    """
    if not rendered.as_file or len(links) != 1 or not links[0].startswith(BUNDLE_BASE + "/"):
        return rendered.script, links
    with rendered.lock:
        stored = rendered.files.get(links)
        if stored is None or not stored.exists():  # an old file another server process removed
            stored = script_file(rendered.script, links[0].rsplit("/", 1)[1])
            rendered.files[links] = stored
    if stored is None:
        return rendered.script, links
    return stored.loader, (f"{BUNDLE_BASE}/{stored.name}",)


def _layer_control(rendered: _RenderedMap, names: tuple[str, ...]) -> str:
    """The layer control for the map's own layers and the adjustable groups named ``names``.

    The control refers to each group by its place (``feature_group_<i>``), not by its
    contents, so one script per tuple of names serves every distance; streamlit-folium
    builds it again whenever the groups change, so it never points at replaced layers.
    """
    with rendered.lock:
        control = rendered.controls.get(names)
        if control is None:
            with _untouched(rendered.map):
                for idx, name in enumerate(names):
                    stand_in = folium.FeatureGroup(name=name)
                    stand_in._id = f"feature_group_{idx}"
                    stand_in.add_to(rendered.map)
                control = sf._get_layer_control_string(folium.LayerControl(collapsed=True), rendered.map)
            rendered.controls[names] = control
    return control


@functools.lru_cache(maxsize=16)
def _component_key(script: str, key: str) -> str:
    """streamlit-folium's key for a map script: a regex pass over all 470 kB, so done once."""
    return sf.generate_js_hash(script, key, False)


@dataclasses.dataclass(frozen=True)
class _GroupScript:
    """A feature group rendered for one cached map: its script and the assets it needs."""

    script: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    name: str


def _render_group(rendered: _RenderedMap, group: folium.FeatureGroup, idx: int) -> _GroupScript:
    localize(group, base_url=ASSET_BASE)
    with rendered.lock, _untouched(rendered.map):
        script = kept_layer_script(sf._get_feature_group_string(group, map=rendered.map, idx=idx), idx)
    css, js = _asset_links(walk_elements(group))
    return _GroupScript(script, tuple(dict.fromkeys(css)), tuple(dict.fromkeys(js)), group.layer_name)


def _show_map(
    rendered: _RenderedMap,
    key: str,
    height: int,
    groups: list[_GroupScript] | tuple = (),
    control: bool = False,
    returned: tuple[str, ...] = (),
    listener: str = "",
) -> dict | None:
    """Send a cached map plus rendered feature groups to the st_folium component.

    With ``control``, the map gets its layer control. ``listener`` runs in the frame
    before the groups' scripts (see geo.layerpush). Returns what the component reports
    back: only the keys in ``returned``.
    """
    scripts = tuple(dict.fromkeys([*rendered.js_links, *(j for g in groups for j in g.js_links)]))
    script, links = _script_for(rendered, bundle_scripts(scripts, ASSET_BASE, BUNDLE_BASE))
    return sf._component_func(
        script=script,
        header=rendered.header,
        html=rendered.html,
        id=rendered.map_id,
        key=_component_key(rendered.script, key),
        height=height,
        width=None,
        returned_objects=list(returned),
        default=dict.fromkeys(returned),
        zoom=None,
        center=None,
        feature_group=(listener + "".join(g.script for g in groups)) or None,
        return_on_hover=False,
        layer_control=_layer_control(rendered, tuple(g.name for g in groups)) if control else None,
        pixelated=False,
        css_links=list(dict.fromkeys([*rendered.css_links, *(c for g in groups for c in g.css_links)])),
        js_links=list(links),
        wrap_longitude=False,
    )


@st.cache_resource(max_entries=8, show_spinner="Drawing the base map…")
def _cached_base_map(
    basemap: str, layers: tuple[str, ...], user_key: str | None = None, _user: UserLayer | None = None,
) -> _RenderedMap:
    """One rendered base map per (basemap, layers, user layer), identical across reruns and sessions.

    A user's layer is drawn into the base map, once per upload (``user_key`` is its
    file's digest): as an adjustable group it would be rendered, sent and drawn again
    by the browser on every distance change, which took 10 s for a 9 MB layer.
    """
    m = base_map(MapView(basemap=basemap, layers=layers))
    if _user is not None:
        group = user_layer_group(_user)
        # The layer control keys layers by name: a layer called "Distance bands" would replace that entry.
        taken = [c.layer_name for c in m._children.values() if isinstance(c, folium.map.Layer)]
        group.layer_name = unique_layer_name(group.layer_name, [*taken, *DYNAMIC_LAYER_NAMES])
        group.add_to(m)
    return _render_once(localize(m, base_url=ASSET_BASE), as_file=_user is None)


@st.cache_resource(max_entries=2, show_spinner=False)
def _cached_analogy_map(units: str) -> _RenderedMap:
    return _render_once(localize(analogy_map(units), base_url=ASSET_BASE))


def _story() -> Story:
    """The story on the map: the person's own article once they map it, else the bundled one the link named."""
    return current_story() or load_bundled_story(st.session_state.get("story_name", DEFAULT_STORY_NAME))


def _places(story: Story) -> dict:
    return article_places() if story is load_story() else story_places(story)


@st.cache_resource(show_spinner=False)
def _shared_caches() -> dict[str, Lru]:
    # A dict lookup under a lock: st.cache_resource hashes each argument with Streamlit's
    # hasher (about 0.5 ms a call), which five lookups a distance change made a sixth of a
    # repeated change's CPU.
    return {"groups": Lru(128), "bases": Lru(8), "summaries": Lru(64)}


def _process_caches() -> dict[str, Lru]:
    """The server's rendered layers, base maps and map descriptions, for every session.

    Found in Streamlit's cache once a session, then held by the session: each lookup in
    ``st.cache_resource`` hashes and checks its function (about 0.7 ms), a twentieth of a
    rerun that changes nothing but the distances shown before.
    """
    ss = st.session_state
    if "process_caches" not in ss:
        ss.process_caches = _shared_caches()
    return ss.process_caches


def _cached_group(
    basemap: str, layers: tuple[str, ...], idx: int, kind: str, args: tuple, border: Border | None = None,
    story: Story | None = None, caches: dict[str, Lru] | None = None,
) -> _GroupScript:
    """One adjustable layer rendered for one base map, keyed only on what that layer shows.

    Rendering a group through folium's templates costs far more than the change it
    shows, and most reruns change one layer at most (the bands when a distance moves).
    Every kind's ``args`` start with the border's key; ``border`` is that border (a
    user's line cannot be found again from its key). The passages' ``args`` end with a key
    of ``story``, the story they come from.
    """
    caches = caches or _process_caches()

    def make() -> _GroupScript:
        shown = border or get_border(args[0])
        if kind == "border":
            group = border_layer(shown)
        elif kind == "bands":
            _, distances, side, clip, units = args
            group = band_layer(BandSpec(distances, side=side, clip=clip, border=shown), units)
        elif kind == "kyiv-line":
            _, places, units = args
            group = reference_layer(shown, places, units)
        else:
            group = passage_layer(args[1], args[2], story)
        return _render_group(_base_map(basemap, layers, caches=caches), group, idx)

    return caches["groups"].get((basemap, layers, idx, kind, args), make)


def _base_map(
    basemap: str, layers: tuple[str, ...], upload: _Upload | None = None, caches: dict[str, Lru] | None = None,
) -> _RenderedMap:
    """The rendered base map, from the process's cache before Streamlit's (which shows a spinner)."""
    caches = caches or _process_caches()
    if upload is None:
        return caches["bases"].get((basemap, layers, None), lambda: _cached_base_map(basemap, layers))
    return caches["bases"].get((basemap, layers, upload.key),
                               lambda: _cached_base_map(basemap, layers, upload.key, upload.layer))


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def _band_rows(distances: tuple[float, ...], side: str, clip: str, key: str, _border: Border) -> list[dict]:
    """The band table's rows, keyed on the border's key (``_border`` is that border)."""
    spec = BandSpec(distances, side=side, clip=clip, border=_border)
    return [dataclasses.asdict(f) for f in band_facts(distance_bands(spec), _border)]


@st.cache_resource(max_entries=16, ttl=3600, show_spinner="Reading your layer…")
def _cached_user_layer(name: str, digest: str, _data: bytes) -> UserLayer:
    """Keyed on the file's name and sha256; the bytes themselves are not hashed again."""
    return read_user_layer(name, _data)


@dataclasses.dataclass(frozen=True, eq=False)
class _Upload:
    """A user's layer as read, with the key that its base map is cached under."""

    layer: UserLayer
    key: str


# --- state ------------------------------------------------------------------------------------


def _init_state() -> None:
    """On a session's first run, take the state from the URL and keep its warnings."""
    if "initialised" in st.session_state:
        return
    state, warnings = parse_query(st.query_params.to_dict())
    ss = st.session_state
    ss.initialised = True
    ss.url_warnings = list(warnings)
    ss.story_name = state.story or DEFAULT_STORY_NAME
    ss.rings_text = rings_text(state.rings)
    ss.preset = next((name for name, r in PRESETS.items() if r == state.rings), CUSTOM)
    ss.side = state.side
    ss.units = state.units
    ss.clip = state.clip
    key = state.border
    ss.border_mode = "pair" if "-" in key else "country"
    ss.border_a, ss.border_b = key.split("-") if "-" in key else DEFAULT_BORDER.split("-")
    ss.border_country = key if "-" not in key else ss.border_b
    ss.border_line = 0
    ss.places = list(state.places)
    ss.layers = list(state.layers)
    ss.basemap = state.basemap
    ss.passage = state.passage
    ss.tour = state.passage is not None  # a link to a passage opens the tour at that step
    ss.fly_count = 0
    ss.scroll_to = None  # after the next full run: "map" or "passage" (see _page_script)
    ss.map_clicked = None
    ss.full_runs = 0
    ss.in_full_run = False
    ss.layer_token = CHANNELS.issue(current_session_id())  # the map frame's channel (geo.layerpush)


def _on_preset() -> None:
    if st.session_state.preset in PRESETS:
        st.session_state.rings_text = rings_text(PRESETS[st.session_state.preset])
    st.session_state.url_warnings = []


def _on_rings() -> None:
    st.session_state.preset = CUSTOM
    st.session_state.url_warnings = []


def _select_passage(number: int, scroll_to: str = "map") -> None:
    """Show passage ``number``: the map flies there, and the page brings ``scroll_to`` into view."""
    ss = st.session_state
    ss.passage = number
    ss.fly_count += 1
    ss.scroll_to = scroll_to


def _on_analogy_map(number: int | None) -> bool:
    """Whether passage ``number`` speaks of a place on the analogy's map (Washington, Virginia)."""
    passages = _story().passages
    return number is not None and 1 <= number <= len(passages) and passages[number - 1].place in ANALOGY_PLACES


def _go_to_step(number: int) -> None:
    # An analogy step is framed by the Washington map beside its quote, so that comes into view.
    _select_passage(number, scroll_to="tour" if _on_analogy_map(number) else "map")


def _start_tour() -> None:
    st.session_state.tour = True
    _go_to_step(1)


def _step(delta: int) -> None:
    count = len(_story().passages)
    current = st.session_state.passage or 0
    _go_to_step(min(count, max(1, current + delta)))


def _end_tour() -> None:
    st.session_state.tour = False


def _on_border() -> None:
    """A new border: its sides and clips are its own, so start from both sides, unclipped."""
    ss = st.session_state
    if ss.border_mode == "pair" and ss.border_b not in neighbours_of(ss.border_a):
        ss.border_b = next(iter(neighbours_of(ss.border_a)), ss.border_b)
    ss.side, ss.clip, ss.url_warnings = "both", "none", []


def _show_border(key: str | None) -> None:
    """Point the border chooser at ``key`` (a story's border; None: the story now shown), as if chosen."""
    ss = st.session_state
    key = key or _story().border
    if "-" in key:
        ss.border_mode, (ss.border_a, ss.border_b) = "pair", key.split("-")
    else:
        ss.border_mode, ss.border_country = "country", key
    _on_border()


def _add_place() -> None:
    ss = st.session_state
    found = ss.get("place_found")
    if found is not None and found not in ss.places and len(ss.places) < MAX_PLACES:
        ss.places = [*ss.places, found]
    ss.place_query = ""


def _places_for(border: Border) -> tuple[tuple[int, ...], list[str]]:
    """The reader's places that the gazetteer knows, and a note for any it does not.

    A link may carry an id the gazetteer lacks; the map must still draw the rest.
    """
    places = tuple(st.session_state.places)
    try:
        reference_facts(border, places)
        return places, []
    except AtlasError:
        pass
    kept = []
    for geonameid in places:
        try:
            reference_facts(border, (geonameid,))
        except AtlasError:
            continue
        kept.append(geonameid)
    dropped = len(places) - len(kept)
    what = "1 reference place is" if dropped == 1 else f"{dropped} reference places are"
    return tuple(kept), [f"{what} not in the gazetteer and left out."]


def _remove_place(geonameid: int) -> None:
    st.session_state.places = [g for g in st.session_state.places if g != geonameid]


def _country_label(iso: str) -> str:
    return dict(_border_countries()).get(iso, iso)


@st.cache_data(max_entries=1, show_spinner=False)
def _border_countries() -> tuple[tuple[str, str], ...]:
    return border_countries()


def _town(geonameid: int):
    return world.town(geonameid)


def _town_label(town) -> str:
    admin = f", {town.admin1}" if getattr(town, "admin1", "") else ""
    return f"{town.name}{admin} ({_country_label(town.iso2)})"


def _border_controls(box, upload: _Upload | None) -> None:
    """The border chooser and the gazetteer, at the top of the sidebar: a change reruns the page.

    Each change sends the map new border, band and reference layers; the base map, hence
    the map in the browser, stays (see _map_panel).
    """
    ss = st.session_state
    with box:
        st.header("Border")
        modes = BORDER_MODES if upload is not None and layer_lines(upload.layer) else BORDER_MODES[:2]
        if ss.border_mode not in modes:
            ss.border_mode = "pair"
        st.radio("Measure from", modes, key="border_mode", format_func=BORDER_MODE_LABELS.get, on_change=_on_border)
        codes = [iso for iso, _ in _border_countries()]
        if ss.border_mode == "pair":
            st.selectbox("Country A", codes, key="border_a", format_func=_country_label, on_change=_on_border)
            neighbours = sorted(neighbours_of(ss.border_a), key=_country_label)
            st.selectbox("Country B (shares a land border with A)", neighbours, key="border_b",
                         format_func=_country_label, on_change=_on_border)
        elif ss.border_mode == "country":
            st.selectbox("Country", codes, key="border_country", format_func=_country_label, on_change=_on_border)
        else:
            lines = layer_lines(upload.layer)
            st.selectbox("Line", range(len(lines)), key="border_line", format_func=lambda i: lines[i][0],
                         on_change=_on_border)
        query = st.text_input("Add a reference place", key="place_query", placeholder="Type a town's name…",
                              help="GeoNames towns of 15,000 people or more; each is drawn with its shortest "
                                   "line to the border.")
        if query.strip():
            try:
                matches = {t.geonameid: t for t in world.search_towns(query.strip(), limit=SEARCH_LIMIT)}
            except AtlasError as exc:
                st.caption(f"The gazetteer is not available: {_md(str(exc))}")
            else:
                if matches:
                    st.selectbox("Matches", list(matches), key="place_found",
                                 format_func=lambda g: _town_label(matches[g]))
                    st.button("Add to the map", key="place-add", on_click=_add_place, icon=":material/add:")
                else:
                    st.caption("No town of 15,000 people or more starts with that.")
        for geonameid in ss.places:
            try:
                label = _town_label(_town(geonameid))
            except (AtlasError, KeyError, LookupError):
                label = f"GeoNames {geonameid}"
            st.button(f"✕ {_md(label)}", key=f"place-remove-{geonameid}", on_click=_remove_place,
                      args=(geonameid,), help="Remove this place")


def _current_border(upload: _Upload | None) -> tuple[Border, list[str]]:
    """The border the chooser names, or Belarus–Ukraine with a note when it cannot be drawn."""
    ss = st.session_state
    choice = BorderChoice(ss.border_mode, ss.border_a, ss.border_b, ss.border_country, int(ss.border_line))
    try:
        return choose_border(choice, upload.layer if upload is not None else None), []
    except AtlasError as exc:
        return get_border(DEFAULT_BORDER), [f"{exc} Showing the Belarus–Ukraine border."]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _band_controls(border: Border) -> None:
    """The band controls, drawn into the sidebar by the map's fragment."""
    sb = st.sidebar
    # Options as tuples: Streamlit checks a list's items for a dataframe, a tuple it takes as it is.
    sb.selectbox("Preset", (*PRESETS, CUSTOM), key="preset", on_change=_on_preset)
    sb.text_input(
        "Distances from the border (km)",
        key="rings_text",
        on_change=_on_rings,
        help="Up to 8 values from 1 to 1,500 km, separated by commas, e.g. 30, 90, 300.",
    )
    ss = st.session_state
    if ss.side not in border.sides or ss.clip not in border.clips:
        ss.side, ss.clip = "both", "none"  # a legacy link's side or clip the border does not have
    sb.radio("Side of the border", border.sides, key="side",
             format_func=lambda side: _capitalised(border.side_name(side)))
    sb.selectbox("Clip the bands", border.clips, key="clip", format_func=lambda clip: _clip_label(border, clip))


def _clip_label(border: Border, clip: str) -> str:
    return _capitalised(border.clip_name(clip))


def _map_controls() -> None:
    """Controls that change the base map or the whole page: each reruns the page."""
    sb = st.sidebar
    sb.header("Map")
    sb.radio("Units", ("km", "mi"), key="units", horizontal=True, format_func={"km": "km", "mi": "miles"}.get)
    sb.selectbox("Basemap", BASEMAPS, key="basemap", format_func=BASEMAP_LABELS.get)
    sb.multiselect("Layers", LAYERS, key="layers")
    sb.header("Your own layer")
    sb.file_uploader(
        "GeoJSON, GeoPackage, KML or zipped shapefile",
        type=[ext.lstrip(".") for ext in EXTENSIONS],
        key="upload",
        help="Up to 10 MB, 5,000 features and 200,000 vertices. It is drawn on the map and added to exports.",
    )


def _current_state() -> tuple[UrlState, list[str]]:
    """The state the controls describe, and any warnings about the typed distances."""
    ss = st.session_state
    parsed, warnings = parse_query({"rings": ss.rings_text})
    if not ss.rings_text.strip():
        warnings = (f"Enter at least one distance; showing {rings_text(DEFAULT_RINGS)} km.",)
    state = UrlState(
        rings=parsed.rings,
        side=ss.side,
        units=ss.units,
        clip=ss.clip,
        layers=tuple(x for x in LAYERS if x in ss.layers),
        basemap=ss.basemap,
        passage=ss.passage,
        border=_border_key(),
        places=tuple(ss.places),
        story=None if current_story() is not None else ss.story_name,  # a person's own travels as its file
    )
    return state, list(warnings)


def _border_key() -> str:
    """The chosen border's key for the URL; a line of the user's layer has none (the link opens on the default)."""
    ss = st.session_state
    if ss.border_mode == "pair":
        return "-".join(sorted((ss.border_a, ss.border_b)))
    return ss.border_country if ss.border_mode == "country" else DEFAULT_BORDER


def _write_url(state: UrlState) -> None:
    # A person's own story travels as its file: its passage numbers would open the bundled one's.
    query = to_query(state if state.story is not None else dataclasses.replace(state, passage=None))
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)


# --- panels -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Note:
    """A message for the notes above the map, kept until the map has been sent."""

    show: Callable[..., object]
    text: str
    icon: str | None = None


def _user_layer() -> tuple[_Upload | None, list[_Note]]:
    """The uploaded layer, if it could be read, and the notes to show about it.

    No failure of a user's file may take the page down: the library reports what it
    can name as an :class:`AtlasError`; anything else is logged and reported too, and
    the map, the controls and the uploader stay.
    """
    upload = st.session_state.get("upload")
    if upload is None:
        return None, []
    try:
        data = upload.getvalue()
        digest = hashlib.sha256(data).hexdigest()
        layer = _cached_user_layer(upload.name, digest, data)
    except AtlasError as exc:
        return None, [_Note(st.error, f"Your layer could not be added: {_md(str(exc))}")]
    except Exception as exc:
        _LOG.exception("Reading an uploaded layer failed")
        return None, [_Note(st.error, f"Your layer could not be added: an unexpected error "
                                      f"({_md(type(exc).__name__)}) stopped it being read. The error was logged; "
                                      "check the file in a GIS program and upload it again.")]
    return _Upload(layer, f"{upload.name}:{digest}"), [_Note(st.info, _md(n), "ℹ️") for n in layer.notes]


def _base_for(state: UrlState, upload: _Upload | None) -> tuple[_RenderedMap, list[_Note]]:
    """The base map for ``state``, with the user's layer drawn in if it can be."""
    if upload is not None:
        try:
            return _base_map(state.basemap, state.layers, upload), []
        except Exception as exc:
            _LOG.exception("Drawing an uploaded layer failed")
            note = _Note(st.error, f"Your layer could not be drawn ({_md(type(exc).__name__)}); the map shows "
                                   "everything else. The error was logged.")
            return _base_map(state.basemap, state.layers), [note]
    return _base_map(state.basemap, state.layers), []


def _badge_clicked(value: dict | None) -> bool:
    """Whether the reader has just clicked a passage's badge on the map; if so, select that passage.

    The map reports the tooltip of the last thing clicked (``Passage 3: Moscow`` for a
    badge). Anything else clicked, or a number that is no passage, is ignored.
    """
    clicked = value.get("last_object_clicked_tooltip") if isinstance(value, dict) else None
    ss = st.session_state
    if not isinstance(clicked, str) or clicked == ss.map_clicked:
        return False
    ss.map_clicked = clicked
    match = _BADGE.match(clicked)
    if match is None or not 1 <= int(match.group(1)) <= len(_story().passages):
        return False
    _select_passage(int(match.group(1)), scroll_to="passage")
    return True


def _map_panel(state: UrlState, spec: BandSpec, rendered: _RenderedMap) -> dict | None:
    selected = state.passage
    if st.session_state.tour and _on_analogy_map(selected):
        selected = None  # the tour frames it on the Washington map; this one stays over Ukraine
    token = f"{selected}:{st.session_state.fly_count}" if selected else None
    border = spec.border
    story = _story()
    args = {
        "border": (border.key,),
        "bands": (border.key, spec.distances_km, spec.side, spec.clip, state.units),
        "kyiv-line": (border.key, _places_for(border)[0], state.units),
        "passages": (border.key, selected, token, hash(story)),
    }
    kinds = [kind for kind in DYNAMIC_LAYERS if kind in state.layers]
    caches = _process_caches()
    groups = [_cached_group(state.basemap, state.layers, i, kind, args[kind], border, story, caches)
              for i, kind in enumerate(kinds)]
    ss = st.session_state
    shown = hash((rendered.map_id, *(g.script for g in groups)))
    changed = ss.get("map_layers_sent") != shown
    pushed = False
    if changed and ss.get("map_sent_id") == rendered.map_id:
        # The frame that shows this base map listens: it gets the layers now, not after
        # Streamlit's page has re-rendered (geo.layerpush).
        control = _layer_control(rendered, tuple(g.name for g in groups))
        pushed = CHANNELS.publish(ss.layer_token, layer_message("".join(g.script for g in groups), control))
    value = _show_map(rendered, MAP_KEY, MAP_HEIGHT, groups, True, ("bounds", "last_object_clicked_tooltip"),
                      listener=listener_script(ss.layer_token))
    if changed:
        ss.map_layers_sent, ss.map_sent_id = shown, rendered.map_id
        if not pushed:
            # Let the browser hand the map its new layers before the rest of the fragment
            # arrives. Streamlit's frontend re-renders the whole page for each batch of
            # messages, and the map gets its layers only after that; the band controls,
            # the new URL (which alone costs a whole-page render) and the table used to
            # join the map's batch. Measured side by side: 151-164 ms from Enter to the
            # new bands with this pause, 215-223 ms without; 30 ms was too short.
            time.sleep(MAP_FIRST_PAUSE_S)
    return value


def _reference_figures(border: Border, units: str, skip: tuple[str, ...] = ()) -> None:
    """Each reference place's shortest distance to the border (the lines the map draws)."""
    try:
        facts = [f for key, f in reference_facts(border, _places_for(border)[0]).items() if key not in skip]
    except AtlasError as exc:
        st.warning(_md(str(exc)))
        return
    if not facts:
        return
    st.markdown("**Reference places**: each one's shortest distance to the border, drawn on the map")
    columns = st.columns(min(4, len(facts)))
    for i, fact in enumerate(facts):
        columns[i % len(columns)].metric(fact.label, fact.format(units), help=f"{fact.method}. Source: {fact.source}.")


def _headline_facts(units: str, border: Border) -> None:
    """The figures that do not depend on the bands (they change only with the units and the border)."""
    st.header("The figures")
    if border.key != DEFAULT_BORDER:
        st.metric(f"Length of the {border.name}", format_distance(geodesic_length_km(border.line), units),
                  help=f"Geodesic on the WGS84 ellipsoid. Source: {border.source or 'your layer'}.")
        _reference_figures(border, units)
        return
    facts = compute_facts()
    for column, key in zip(st.columns(len(HEADLINE_FACTS)), HEADLINE_FACTS, strict=True):
        fact = facts[key]
        column.metric(fact.label, fact.format(units), help=f"{fact.method}. Source: {fact.source}.")
    st.markdown("**“Less than a few hours’ drive”**: Kyiv to the border in a straight line")
    lines = []
    for key in DRIVE_FACTS:
        fact = facts[key]
        speed = float(key.removeprefix("drive_"))
        label = f"{speed:g} km/h" if units == "km" else f"{speed / KM_PER_MILE:.0f} mph"
        lines.append(f"- at {label}: **{fact.format(units)}**")
    st.markdown("\n".join(lines), help=f"{facts[DRIVE_FACTS[0]].method}. Source: {facts[DRIVE_FACTS[0]].source}.")
    for column, key in zip(st.columns(len(HEADLINE_FACTS)), AREA_FACTS, strict=False):
        fact = facts[key]
        column.metric(fact.label, fact.format(units), help=f"{fact.method}. Source: {fact.source}.")
    _reference_figures(border, units, skip=("kyiv_to_border", "minsk_to_border"))


def _band_table(state: UrlState, spec: BandSpec) -> None:
    units = state.units
    rows = _band_rows(spec.distances_km, spec.side, spec.clip, spec.border.key, spec.border)
    if not spec.border.countries:
        st.caption("A line of your own layer parts no countries: there is nothing to count.")
        return
    area_unit = "sq mi" if units == "mi" else "km²"
    scale = KM_PER_MILE**2 if units == "mi" else 1.0
    header = ("Band", "Country", f"Area ({area_unit})", "Share of the country", "Towns ≥ 15,000",
              "Their population", "Largest")
    lines = ["| " + " | ".join(header) + " |", "|---|---|" + "--:|" * 4 + "---|"]
    for r in rows:
        band = f"{format_distance(r['inner_km'], units)} – {format_distance(r['outer_km'], units)}"
        for c in r["countries"]:
            cells = (
                band,
                c["name"],
                f"{c['area_km2'] / scale:,.0f}",
                f"{c['share']:.1%}",
                f"{len(c['places'])}",
                f"{c['population']:,}",
                ", ".join(c["places"][:3]) or "–",
            )
            lines.append("| " + " | ".join(_md(x) for x in cells) + " |")
    # A markdown table, not st.table: that one makes a new visitor's browser fetch about
    # 1 MB of Arrow and date-formatting code before the page settles.
    st.markdown("\n".join(lines))
    names = " and ".join(spec.border.country_name(iso) for iso in spec.border.countries)
    st.caption(
        f"Area: geodesic on the WGS84 ellipsoid over {_md(names)} (Digital Chart of the World 1:1M). "
        + _md(TOWN_RULE)
    )


def _article_html(selected: int | None) -> str:
    """The article with its passages marked: each one a keyboard-reachable control (see _PAGE_SCRIPT)."""
    story = _story()
    text = story.article.text
    pieces, cursor = [], 0
    for p in sorted(story.passages, key=lambda p: p.offset):
        if p.offset < cursor:
            continue
        pieces.append(html.escape(text[cursor : p.offset]))
        chosen = ' class="atlas-selected" aria-current="true"' if p.number == selected else ""
        pieces.append(
            f'<mark id="passage-{p.number}" data-passage="{p.number}" tabindex="0" role="button"{chosen}'
            f' title="Passage {p.number}: show it on the map"><sup>{p.number}</sup>{html.escape(p.quote)}</mark>'
        )
        cursor = p.offset + len(p.quote)
    pieces.append(html.escape(text[cursor:]))
    paragraphs = "".join(pieces).split("\n")
    body = "".join(f"<p>{para}</p>" for para in paragraphs if para.strip())
    return f'<div class="atlas-article">{body}</div>'


def _story_panel(state: UrlState) -> None:
    """The guided tour: "Start the story", then one passage a step with its quote, beside the map."""
    story = _story()
    ss = st.session_state
    total = len(story.passages)
    with st.container(key="atlas-tour", border=True):
        if not total:
            st.caption("This story has no passages yet: add one under “Your article” by quoting it.")
            return
        if not ss.tour:
            st.button("Start the story", key="tour-start", icon=":material/play_arrow:", type="primary",
                      on_click=_start_tour)
            st.caption(f"Steps through the article's {total} passages in reading order; the map follows each one.")
            return
        number = state.passage if state.passage and state.passage <= total else 1
        passage = story.passages[number - 1]
        place = _places(story)[passage.place]
        st.markdown(f"**Step {number} of {total}** · {_md(place.name)}")
        st.markdown(f"> “{_md(passage.quote)}”")
        st.caption(_md(passage.reason))
        if passage.place in ANALOGY_PLACES:
            _show_map(_cached_analogy_map(state.units), f"tour-analogy-{state.units}", 300)
        back, forward, end = st.columns(3)
        back.button("Previous", key="tour-previous", on_click=_step, args=(-1,),
                    disabled=number <= 1, shortcut=PREVIOUS_KEY, use_container_width=True)
        forward.button("Next", key="tour-next", on_click=_step, args=(1,),
                       disabled=number >= total, shortcut=NEXT_KEY, use_container_width=True)
        end.button("End", key="tour-end", on_click=_end_tour, help="End the story",
                   use_container_width=True)


def _article_panel(state: UrlState) -> None:
    story = _story()
    places = _places(story)
    st.header("The article")
    mine = story is not load_story()
    unconfirmed = sum(not p.confirmed for p in places.values())
    source = "Your article" + (f" ({unconfirmed} places not yet confirmed: dashed badges)" if unconfirmed else "")
    st.caption(f"{source if mine else PUBLISHER}. Highlighted passages are numbered: pick one in the text or "
               "the list to see it on the map; pick a numbered badge on the map to find its passage here.")
    with st.container(height=240, key="atlas-passages"):
        for p in story.passages:
            quote = p.quote if len(p.quote) <= 70 else p.quote[:67] + "…"
            st.button(
                f"{p.number}. {_md(places[p.place].name)}: “{_md(quote)}”",
                key=f"passage-{p.number}",
                on_click=_select_passage,
                args=(p.number,),
                type="primary" if state.passage == p.number else "secondary",
                use_container_width=True,
            )
    st.html(_article_html(state.passage))


def _analogy_panel(units: str) -> None:
    facts = compute_facts()
    st.header("The analogy")
    st.markdown(
        "“It'd be like [if] the Russians parked in central Virginia, facing Washington.” The dashed circle "
        f"has the radius of Kyiv's distance from Belarus, **{facts['kyiv_to_border'].format(units)}**, "
        "drawn geodesically around Washington, D.C., at the same scale as the main map's scale bar."
    )
    _show_map(_cached_analogy_map(units), f"analogy-{units}", 380)


def _export_panel(state: UrlState, spec: BandSpec, layer: UserLayer | None, bounds: dict | None) -> None:
    # The export controls (a dozen widgets) are built only while their popover is open:
    # sent and laid out on every distance change, they held the new bands back each time.
    # Opening or closing the popover reruns this fragment.
    popover = st.popover("Export a snapshot", icon=":material/download:", key="export", on_change="rerun")
    ss = st.session_state
    for key, default in EXPORT_SETTINGS.items():
        # Re-assigning keeps a setting while its widget is not drawn (the popover closed):
        # Streamlit forgets the values of widgets left out of a run.
        if key in ss:
            ss[key] = ss[key]
        elif default is not None:
            ss[key] = default
    session = current_session_id()
    for reason in DOWNLOAD_FAILURES.pop(session):
        st.error(f"The export failed. {_md(reason)}")
    if not popover.open:
        return
    with popover:
        st.caption(
            "Static maps are framed on the border and drawn in a projection suited to its latitude and extent, "
            "with the same layers and colours; "
            "HTML works offline; GeoJSON and GeoPackage hold the border, bands, places and quoted passages"
            + (" and your layer." if layer is not None else ".")
        )
        left, middle, right = st.columns(3)
        size = left.selectbox("Size of PNG, SVG and PDF", [*SIZES, "custom"], key="export_size",
                              format_func=SIZE_LABELS.get)
        width = height = None
        if size == "custom":
            width = int(left.number_input("Width (px)", 200, 8000, step=100, key="export_width"))
            height = int(left.number_input("Height (px)", 200, 8000, step=100, key="export_height"))
        extent = middle.radio(
            "Extent", ("view", "default"), key="export_extent",
            format_func={"view": "What the map shows now",
                         "default": f"{_capitalised(spec.border.name)} and every band"}.get,
            help="The map reports its view after each pan or zoom; until it has, exports use the default extent.",
        )
        footnotes = right.checkbox("Quoted passages as footnotes", key="export_footnotes")
        view = None
        if extent == "view" and bounds:
            try:
                view = View.from_leaflet(bounds)
            except AtlasError as exc:
                st.info(f"The map's view cannot be exported ({_md(str(exc))}); using the default extent.")
            else:
                middle.caption(
                    f"Exports show {_degrees(view.south, 'N', 'S')} to {_degrees(view.north, 'N', 'S')}, "
                    f"{_degrees(view.west, 'E', 'W')} to {_degrees(view.east, 'E', 'W')}, as the map does now."
                )
        def request(fmt: str, bounds: View | None):
            return export_request(fmt, spec, size=None if size == "custom" else size, width=width, height=height,
                                  bounds=bounds, units=state.units, footnotes=footnotes, user=layer,
                                  places=tuple(ss.places), story=None if _story() is load_story() else _story())

        try:
            requests = {}
            for fmt in FORMATS:
                try:
                    requests[fmt] = request(fmt, view)
                except InputError as exc:
                    if view is None:
                        raise
                    # A view the print projection cannot draw (zoomed out to the world): say so, frame as by default.
                    requests[fmt] = request(fmt, None)
                    if fmt == "png":
                        st.info(f"{_md(str(exc))} PNG, SVG and PDF show the default extent instead.")
        except AtlasError as exc:
            st.error(_md(str(exc)))
            return
        columns = st.columns(3)  # two rows of three: the popover is narrower than the page
        for i, (fmt, request) in enumerate(requests.items()):
            # A callable is run only when clicked, in its own thread: the page stays responsive
            # while a large PDF is drawn, and the button shows that it is working.
            columns[i % 3].download_button(
                FORMAT_LABELS[fmt],
                data=DOWNLOAD_FAILURES.guard(functools.partial(render, request), FORMAT_LABELS[fmt],
                                             (AtlasError,), session),
                file_name=request.filename,
                mime=request.media_type,
                key=f"download-{fmt}",
                on_click="ignore",
                icon=":material/download:",
                use_container_width=True,
            )


@st.fragment(key="atlas-bands")
def _bands_fragment() -> None:
    """The band controls, the map, the table of what each band holds, the export buttons.

    A distance change reruns only this fragment: the headline figures, the article, the
    analogy and the rest of the page are neither recomputed nor sent again. The page
    calls it inside the map's column, so the map sits in the fragment's own container:
    each container a rerun writes to is one more message ahead of the map, and the
    browser re-renders the page once for each.
    """
    notes = st.container()  # first, and always drawn, so the map's place never moves
    state, input_warnings = _current_state()
    shown = [_Note(st.warning, _md(m), "⚠️") for m in [*st.session_state.url_warnings, *input_warnings]]
    # The map goes out first: the browser handles the elements in the order they arrive,
    # and everything sent before the map (the controls, the notes, the new URL) held the
    # new bands back. The widgets' values are in the session state already, so the
    # controls can follow; they keep their places in the sidebar.
    border = get_border(DEFAULT_BORDER)
    try:
        upload, layer_notes = _user_layer()
        border, border_notes = _current_border(upload)
        shown += [_Note(st.warning, _md(m), "⚠️") for m in [*border_notes, *_places_for(border)[1]]]
        side = state.side if state.side in border.sides else "both"
        clip = state.clip if state.clip in border.clips else "none"
        spec = BandSpec(state.rings, side=side, clip=clip, border=border)
        try:
            distance_bands(spec)  # the clip's errors, without the band table a closed expander hides
        except AtlasError as exc:
            shown.append(_Note(st.error, f"The bands could not be clipped: {_md(str(exc))} Showing them unclipped."))
            spec = dataclasses.replace(spec, clip="none")
            state = dataclasses.replace(state, clip="none")
        rendered, draw_notes = _base_for(state, upload)
        shown += layer_notes + draw_notes
        layer = upload.layer if upload is not None and not draw_notes else None
        value = _map_panel(state, spec, rendered)
        if _badge_clicked(value) and not st.session_state.in_full_run:
            st.rerun()  # the whole page: the article brings the passage into view and highlights it
    except AtlasError as exc:
        shown.append(_Note(st.error, _md(str(exc))))
        spec = None
    if not _map_first():
        _band_controls(border)
    with notes:
        for note in shown:
            note.show(note.text, icon=note.icon)
    if spec is None:
        return
    try:
        _write_url(state)
        if _map_first():
            # The map has drawn and reported: fill in the page. A browser that reconnects to
            # a new session (its replica went away) already holds a drawn map that will not
            # report again, but sends its last report with its first run: that counts too.
            reported = isinstance(value, dict) and bool(value.get("bounds"))
            if not st.session_state.in_full_run or reported:
                st.rerun()
            st.caption("The controls, the figures, the article and the export buttons follow once the map has drawn.")
            return
        bounds = value.get("bounds") if isinstance(value, dict) else None
        _export_panel(state, spec, layer, bounds or None)
        with st.expander("The map in words", icon=":material/description:"):
            key = (spec.border.key, spec.distances_km, spec.side, spec.clip, state.units, state.layers)
            st.markdown(_process_caches()["summaries"].get(
                key, lambda: _md(map_summary(spec, state.units, state.layers))))
        # Built only while open, like the export popover: the table need not be sent and laid
        # out with every distance change (the map's frame draws the new bands meanwhile).
        table = st.expander("What each band holds", icon=":material/table:", key="band-table",
                            on_change="rerun")
        if table.open:
            with table:
                _band_table(state, spec)
    except AtlasError as exc:
        notes.error(_md(str(exc)))


def _map_first() -> bool:
    """Whether this session's page still shows only the map.

    A new visitor's browser has to fetch the code of every kind of element on the page
    before it settles; on a small machine that held the map back by seconds. So the
    first run sends only the map (the band controls alone, four widgets, made the
    browser fetch some twenty files of widget code while the map loaded: 4.5 against
    3.1 s to a drawn map, side by side); the map's first report (its bounds, once
    drawn) reruns the fragment, which asks for the whole page.
    """
    return st.session_state.full_runs <= 1


#: The reading layout. On a wide screen the map's column stays in view while the article
#: scrolls beside it; on a phone (Streamlit stacks columns under 640 px) the map comes first.
#: Selectors use the ``st-key-…`` classes of keyed containers and Streamlit's test ids.
_LAYOUT_CSS = f"""
.st-key-{MAP_PANE}, .st-key-atlas-tour {{ scroll-margin-top: 4rem; }}
@media (min-width: 641px) {{
  [data-testid="stColumn"]:has(.st-key-{MAP_PANE}) {{
    position: sticky; top: 4rem; align-self: flex-start; z-index: 1;
    max-height: calc(100vh - 4.5rem); overflow-y: auto;
  }}
}}
@media (max-width: 640px) {{
  [data-testid="stMainBlockContainer"] {{ padding-left: .5rem; padding-right: .5rem; }}
  [data-testid="stMain"] button {{ min-height: 44px; min-width: 44px; }}
}}
[data-testid="stCaptionContainer"] {{ color: {style.CAPTION}; opacity: 1; }}
.atlas-article p {{ margin: 0 0 .8em; line-height: 1.55; }}
.atlas-article mark {{ background: {style.MARK_FILL}; color: {style.INK}; padding: 0 2px; border-radius: 2px;
  cursor: pointer; scroll-margin: 5rem 0; }}
.atlas-article mark.atlas-selected {{ background: {style.MARK_SELECTED}; box-shadow: 0 0 0 2px {style.PASSAGE.color}; }}
.atlas-article mark:focus-visible {{ outline: 3px solid #1a5fb4; outline-offset: 2px; }}
.atlas-article sup {{ font-weight: bold; color: {style.PASSAGE.color}; margin-right: 2px; }}
"""

#: Runs in the page (st.html with JavaScript). Installed once per page: a passage marked in
#: the article works as its button in the list (click, Enter or Space). Per request: after a
#: passage is chosen, bring the map into view (a phone's map is above the text), or the tour's
#: step for an analogy passage (its Washington map), or, after a badge on the map was clicked,
#: its passage. __REQUEST__ is JSON written by _page_script.
_PAGE_SCRIPT = """
(() => {
  const listen = () => {
    const press = (mark) => {
      const button = document.querySelector(`.st-key-passage-${mark.dataset.passage} button`);
      if (button) button.click();
    };
    document.addEventListener("click", (e) => {
      const mark = e.target.closest && e.target.closest("mark[data-passage]");
      if (mark) press(mark);
    });
    document.addEventListener("keydown", (e) => {
      const mark = e.target.closest && e.target.closest("mark[data-passage]");
      if (mark && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); press(mark); }
    });
  };
  if (!window.__atlasReading) { window.__atlasReading = true; listen(); }
  const request = __REQUEST__;
  if (!request || window.__atlasScrolled === request.token) return;
  window.__atlasScrolled = request.token;
  const deadline = Date.now() + 5000;
  const bring = () => {
    const target = request.what === "map" ? document.querySelector(".st-key-__PANE__ iframe")
      : request.what === "tour" ? document.querySelector(".st-key-atlas-tour")
      : document.getElementById(`passage-${request.passage}`);
    if (!target) { if (Date.now() < deadline) setTimeout(bring, 50); return; }
    const box = target.getBoundingClientRect();
    const seen = Math.min(box.bottom, window.innerHeight) - Math.max(box.top, 0);
    if (request.what !== "passage") {
      if (seen < 0.9 * Math.min(box.height, window.innerHeight)) {
        (request.what === "map" ? document.querySelector(".st-key-__PANE__") : target).scrollIntoView({block: "start"});
      }
    } else {
      if (seen < box.height) target.scrollIntoView({block: "center"});
      target.focus({preventScroll: true});
    }
  };
  bring();
})();
""".replace("__PANE__", MAP_PANE)


def _page_script() -> None:
    """The layout's CSS and the page script, with this run's request to scroll, if any."""
    ss = st.session_state
    request = None
    if ss.scroll_to and ss.passage:
        request = {"what": ss.scroll_to, "passage": int(ss.passage), "token": int(ss.fly_count)}
    ss.scroll_to = None
    script = _PAGE_SCRIPT.replace("__REQUEST__", json.dumps(request))
    st.html(f"<style>{_LAYOUT_CSS}</style><script>{script}</script>", unsafe_allow_javascript=True)


def main() -> None:
    st.set_page_config(page_title="Article Atlas", page_icon="🗺️", layout="wide")
    keep_rendered_text()  # folium renders each change's band GeoJSON as text, not as a Jinja template
    slow_config_polls()
    _init_state()
    ss = st.session_state
    ss.full_runs += 1
    ss.in_full_run = True
    try:
        border_box = st.sidebar.container()  # the border chooser goes first, drawn once the map is out
        st.sidebar.header("Distance bands")
        st.title("Article Atlas")
        st.caption(
            "The geography behind a news article: U.S. warnings to Belarus about joining a Russian attack on "
            "Ukraine. Every figure is computed from the bundled data."
        )
        map_col, read_col = st.columns([3, 2], gap="medium")
        with map_col, st.container(key=MAP_PANE):
            _bands_fragment()
        if _map_first():
            return
        state, _ = _current_state()  # after the map: a click on one of its badges may have chosen a passage
        _border_controls(border_box, _user_layer()[0])
        _map_controls()
        with read_col:
            article_editor(None if ss.border_mode == "layer" else _border_key(), _show_border)
            _story_panel(state)
            _article_panel(state)
        _headline_facts(state.units, _current_border(_user_layer()[0])[0])
        _analogy_panel(state.units)
        _page_script()
    except AtlasError as exc:
        st.error(_md(str(exc)))
    finally:
        ss.in_full_run = False


main()
