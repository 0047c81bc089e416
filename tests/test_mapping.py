"""The folium maps, rendered to HTML: layers, testing hooks, escaping, offline assets, size."""

import json
import math
import re
from html import escape

import folium
import pytest
import shapely
import shapely.geometry
from geodesic_check import edge_samples

import geo.mapping as mapping
from geo import polyline
from geo.assets import asset_urls, localize
from geo.bands import BandSpec
from geo.borders import get_border
from geo.errors import InputError
from geo.geodesy import point_distance_km
from geo.places import Place, article_places
from geo.story import Article, Passage, Story, load_story

HOSTILE = "</script><script>alert(1)</script> `${alert(2)}` {{ 'x' }} \\u0060"
SPEC = BandSpec((50.0, 100.0, 200.0))


@pytest.fixture(scope="module")
def full_html():
    """The complete default map, localized and rendered once for the module."""
    m = localize(mapping.build_map(mapping.DEFAULT_VIEW, SPEC, "km"))
    return m.get_root().render()


@pytest.fixture
def hostile_story(monkeypatch):
    """Kyiv's name and a passage quote replaced by script-injection attempts."""
    places = dict(article_places())
    kyiv = places["kyiv"]
    places["kyiv"] = Place(kyiv.id, HOSTILE, kyiv.kind, kyiv.lon, kyiv.lat, kyiv.method)
    story = Story(Article("x " + HOSTILE), (Passage(1, HOSTILE, "kyiv", HOSTILE, 1, 2),))
    monkeypatch.setattr(mapping, "article_places", lambda: places)
    monkeypatch.setattr(mapping, "load_story", lambda: story)


def test_every_layer_is_named_for_the_layer_control(full_html):
    for name in ("Countries", "Crimea (occupied)", "The border", "Places in the article",
                 "Distance bands", "Reference lines", "Passages", "Offline basemap (bundled data)",
                 "OpenStreetMap", "Light (CARTO)", "Dark (CARTO)"):
        assert f'"{name}"' in full_html or name in full_html
    assert "L.control.layers" in full_html


def test_testing_hooks(full_html):
    assert full_html.count('"className": "atlas-band"') == 3
    assert full_html.count('"className": "atlas-border"') == 1
    story = load_story()
    # One badge per place, naming every passage about it: "1, 13" for Belarus.
    assert full_html.count('"className": "atlas-passage atlas-passage-') == len({p.place for p in story.passages})
    for p in story.passages:
        assert re.search(rf'"className": "atlas-passage [^"]*\batlas-passage-{p.number}\b', full_html)


def test_passages_about_one_place_share_one_badge():
    story = load_story()
    html = folium.Map(tiles=None).add_child(mapping.passage_layer()).get_root().render()
    numbers = [p.number for p in story.passages if p.place == "belarus"]
    assert len(numbers) >= 2
    assert html.count(", ".join(map(str, numbers))) >= 1
    assert html.count('"className": "atlas-passage ') == len({p.place for p in story.passages})


def test_passage_lines_and_areas_are_drawn():
    """The NATO flank is a line and eastern Ukraine an area on the map, not a point."""
    html = folium.Map(tiles=None).add_child(mapping.passage_layer()).get_root().render()
    assert html.count("atlas-passage-shape atlas-passage-line") == 1
    assert html.count("atlas-passage-shape atlas-passage-area") >= 1
    assert '"MultiLineString"' in html


def test_place_and_passage_features_carry_their_shape():
    from geo.layers import passage_features, place_features

    kinds = {f["properties"]["id"]: f["geometry"]["type"] for f in place_features()}
    assert kinds["nato-eastern-flank"] == "MultiLineString"
    assert kinds["eastern-ukraine"] == "Polygon"
    assert kinds["kyiv"] == "Point"
    for f in passage_features():
        lon, lat = f["properties"]["point_lon"], f["properties"]["point_lat"]
        assert shapely.geometry.shape(f["geometry"]).distance(shapely.Point(lon, lat)) < 1e-5
        assert f["properties"]["shape"] in ("point", "line", "area")


def test_the_map_keeps_labels_apart_by_a_stated_priority(full_html):
    order = [rule[0] for rule in mapping.LABEL_PRIORITY]
    # Badges outrank country names; nothing outranks the controls and the cities' dots.
    assert order.index(".atlas-passage") < order.index(".atlas-country-label")
    assert dict(mapping.LABEL_PRIORITY)[".leaflet-control"] == dict(mapping.LABEL_PRIORITY)[".atlas-place"] == "fixed"
    assert dict(mapping.LABEL_PRIORITY)[".atlas-passage"] == "move"
    assert "__atlas_declutter_runs" in full_html


def test_controls(full_html):
    # Leaflet's scale control shows metric and imperial by default.
    assert "L.control.scale()" in full_html
    assert "L.control.fullscreen" in full_html
    assert "new L.Control.Measure" in full_html
    minimap = full_html.split("new L.Control.MiniMap")[0].rsplit("var ", 2)[-2]
    assert "L.geoJson" in minimap and "L.tileLayer" not in minimap


def test_offline_basemap_adds_no_tile_layer(full_html):
    # Tile layers exist only as choices in the layer control: none is added to the map.
    tile_vars = re.findall(r"var (tile_layer_\w+) = L\.tileLayer", full_html)
    assert len(tile_vars) == 3
    for var in tile_vars:
        assert f"{var}.addTo(" not in full_html
    assert "background:#dbe7ef !important" in full_html


def test_online_basemap_is_added_when_chosen():
    html = mapping.base_map(mapping.MapView(basemap="osm")).get_root().render()
    assert re.search(r"var tile_layer_\w+ = L\.tileLayer\(\s*\"https://tile\.openstreetmap\.org", html)


def test_crimea_is_hatched_and_labelled(full_html):
    assert "L.StripePattern" in full_html
    assert "Ukrainian territory occupied by Russia since 2014" in full_html
    assert '"className": "atlas-crimea"' in full_html


def test_reference_lines_carry_their_lengths_in_units():
    """Belarus–Ukraine's reference places are Kyiv and Minsk; Kyiv's line keeps its class."""
    border = get_border("BY-UA")
    km = mapping.reference_layer(border, (), "km")
    mi = mapping.reference_layer(border, (), "mi")
    html_km = folium.Map(tiles=None).add_child(km).get_root().render()
    html_mi = folium.Map(tiles=None).add_child(mi).get_root().render()
    assert len(re.findall(r"<b>\d+(\.\d)? km</b>", html_km)) == 2
    assert len(re.findall(r"<b>\d+(\.\d)? mi</b>", html_mi)) == 2
    assert html_km.count("atlas-reference-line") == 2 and html_km.count("atlas-kyiv-line\"") == 1
    assert "Kyiv to the Belarus border" in html_km and "Minsk to the Ukraine border" in html_km


@pytest.mark.parametrize(("distances", "side", "units"), [((25.0,), "both", "km"), ((10.0, 20.0), "ukraine", "mi")])
def test_band_layer_one_path_per_band_with_labels_in_units(distances, side, units):
    layer = mapping.band_layer(BandSpec(distances, side=side), units)
    html = folium.Map(tiles=None).add_child(layer).get_root().render()
    assert html.count('"className": "atlas-band"') == len(distances)
    suffix = " km" if units == "km" else " mi"
    assert f"{suffix} from the Belarus" in html
    assert "Distance from the border" in html


def _half_pixel_m(lat: float, zoom: int) -> float:
    """Half a Web Mercator pixel on the ground at ``lat``: the equator's 40,075 km over 256·2^zoom px."""
    return 0.5 * 2 * math.pi * 6_378_137 * math.cos(math.radians(lat)) / (256 * 2**zoom)


def unpacked(html_text: str) -> list[shapely.Geometry]:
    """The geometries a page's packed layers draw, decoded from its script as the browser does."""
    out = []
    for text in re.findall(r"window\.atlasUnpack\((\{.*?\})\)\}", html_text):
        packed = json.loads(text)
        assert packed["type"] == "MultiPolygon"
        out.append(shapely.MultiPolygon([
            shapely.Polygon(polyline.decode(rings[0], packed["decimals"]),
                            [polyline.decode(r, packed["decimals"]) for r in rings[1:]])
            for rings in packed["parts"]
        ]))
    return out


@pytest.mark.parametrize("distances", [(5.0, 50.0), (200.0,)])
def test_drawn_band_edges_stay_within_half_a_pixel_at_the_deepest_zoom(distances, brute_force):
    # The library's bands are within 0.02 % of their distance; what the map draws may add
    # only what no zoom can show: half a pixel at the map's deepest zoom. On both sides,
    # every edge of a band lies at its inner or its outer distance.
    layer = mapping.band_layer(BandSpec(distances, side="both"), "km")
    drawn = unpacked(folium.Map(tiles=None).add_child(layer).get_root().render())
    assert len(drawn) == len(distances)
    for geometry, inner, outer in zip(drawn, (0.0, *distances[:-1]), distances, strict=True):
        edges = [km * 1000 for km in (inner, outer) if km]
        for lon, lat in edge_samples(geometry, 120):
            distance_m = brute_force.distance_m(lon, lat)
            error_m, edge_m = min((abs(distance_m - d), d) for d in edges)
            assert error_m <= 0.0002 * edge_m + _half_pixel_m(lat, mapping.MAX_ZOOM), (edge_m, lon, lat, error_m)


def test_band_layer_refuses_unknown_units():
    with pytest.raises(InputError, match="units"):
        mapping.band_layer(SPEC, "furlongs")


def test_hostile_text_is_escaped(hostile_story):
    m = mapping.build_map(mapping.DEFAULT_VIEW, BandSpec((50.0,)), "km", selected=1, token="t")
    html = m.get_root().render()
    assert "alert(1)</script>" not in html
    assert "<script>alert" not in html
    assert "${alert(2)}" not in html
    assert "`${" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in html
    assert "&#36;&#123;alert(2)&#125;" in html


def test_selected_passage_flies_once_per_token():
    html = folium.Map(tiles=None).add_child(mapping.passage_layer(2, "2:1")).get_root().render()
    assert html.count("window.__atlas_flown") == 2
    assert '"2:1"' in html
    assert "openPopup" in html


def test_passage_popup_shows_quote_and_paragraph():
    passage = load_story().passages[0]
    html = folium.Map(tiles=None).add_child(mapping.passage_layer()).get_root().render()
    assert f"paragraph {passage.paragraph}" in html
    assert mapping.escape_text(passage.quote)[:40] in html


def test_localized_map_loads_nothing_from_another_host():
    m = localize(mapping.build_map(mapping.DEFAULT_VIEW, SPEC), base_url="/app/static/vendor")
    urls = asset_urls(m)
    assert urls and all(u.startswith("/app/static/vendor/") for u in urls)
    html = m.get_root().render()
    assert not re.search(r"<(?:script|link)[^>]+(?:src|href)=\"(?:https?:)?//", html)


def test_map_script_and_data_under_one_megabyte(full_html):
    assert len(full_html.encode("utf-8")) < 1_000_000


def test_analogy_circle_is_geodesic_with_the_kyiv_border_radius():
    from geo.facts import compute_facts

    m = mapping.analogy_map("mi")
    html = m.get_root().render()
    assert "Virginia" in html and "Washington, D.C." in html
    radius = compute_facts()["kyiv_to_border"]
    assert radius.format("mi") in html
    circle = next(
        c for c in m._children.values()
        if isinstance(c, folium.GeoJson) and "label" in c.data["features"][0]["properties"]
    )
    dc = article_places()["washington"]
    for lon, lat in circle.data["features"][0]["geometry"]["coordinates"][0][:-1:15]:
        assert point_distance_km((dc.lon, dc.lat), (lon, lat)) == pytest.approx(radius.value, rel=1e-6)


@pytest.mark.parametrize(
    "kwargs",
    [{"center": (91.0, 0.0)}, {"zoom": 2}, {"zoom": 6.5}, {"basemap": "satellite"}, {"layers": ("roads",)}],
)
def test_map_view_refuses_bad_values(kwargs):
    with pytest.raises(InputError):
        mapping.MapView(**kwargs)


def test_format_distance():
    assert mapping.format_distance(100.0, "km") == "100 km"
    assert mapping.format_distance(100.0, "mi") == "62.1 mi"
    with pytest.raises(InputError):
        mapping.format_distance(1.0, "ly")


# --- the chosen border (issue 14) --------------------------------------------------------------


@pytest.mark.parametrize("key", ["BY-UA", "BY-PL", "FI-RU"])
def test_border_layer_draws_the_chosen_border_and_flies_to_it(key):
    border = get_border(key)
    html = folium.Map(tiles=None).add_child(mapping.border_layer(border)).get_root().render()
    assert html.count('"className": "atlas-border"') == 1
    assert json.dumps(escape(border.name))[1:-1] in html
    west, south, east, north = border.line.bounds
    # The fly-to carries the border's key (once per border) and its bounds.
    assert f'var token = "{key}"' in html
    assert f"[[{south}, {west}], [{north}, {east}]]" in html


def test_base_map_no_longer_draws_a_border_the_border_layer_does(full_html):
    base = mapping.base_map().get_root().render()
    assert '"className": "atlas-border"' not in base
    assert "The border" in full_html


def test_switching_border_changes_the_layers_but_not_the_base_map():
    """The base map's script is the same whatever the border: switching never reloads the map."""
    first = mapping.base_map(mapping.DEFAULT_VIEW)
    second = mapping.base_map(mapping.DEFAULT_VIEW)
    strip = lambda m: re.sub(r"_[0-9a-f]{32}", "", m.get_root().render())  # noqa: E731
    assert strip(first) == strip(second)
    a = folium.Map(tiles=None).add_child(mapping.border_layer(get_border("BY-UA"))).get_root().render()
    b = folium.Map(tiles=None).add_child(mapping.border_layer(get_border("BY-PL"))).get_root().render()
    name = json.dumps("Belarus–Poland border")[1:-1]
    assert name in b and name not in a


def test_reference_layer_refuses_unknown_units():
    with pytest.raises(InputError, match="units"):
        mapping.reference_layer(get_border("BY-UA"), (), "furlongs")


def test_a_border_beyond_the_region_brings_its_neighbourhood_from_the_world_data(monkeypatch):
    """The world's countries near a border outside the bundled region are drawn with it, offline."""
    from geo.borders import user_border

    near = folium.Map(tiles=None).add_child(mapping.border_layer(get_border("BY-UA"))).get_root().render()
    assert "atlas-world-country" not in near, "inside the region the base map already has the countries"

    line = shapely.LineString([(-68, -50), (-68.5, -40), (-68, -30)])
    html = folium.Map(tiles=None).add_child(mapping.border_layer(user_border(line, "Andes"))).get_root().render()
    assert "atlas-world-country" in html and "Chile" in html and "Argentina" in html
    assert "Japan" not in html, "only the border's neighbourhood is sent"


def test_another_border_marks_its_countries_occupied_territory_with_who_and_since():
    import folium

    from geo.borders import get_border
    from geo.mapping import border_layer

    def rendered(key):
        m = folium.Map()
        border_layer(get_border(key)).add_to(m)
        return m.get_root().render()

    golan = rendered("IL-SY")
    assert "atlas-occupied" in golan and "Golan" in golan and "since 1967" in golan
    assert "atlas-occupied" not in rendered("BY-PL")
    # Kashmir is disputed, not occupied by the state that administers it, and is marked near
    # India's borders with Pakistan and China only.
    kashmir = rendered("IN-PK")
    assert "Jammu and Kashmir" in kashmir and "disputed, administered by India" in kashmir
    assert "occupied by India" not in kashmir
    assert "Jammu and Kashmir" not in rendered("BD-IN")
