"""User layers: real files in every format, each limit, hostile bytes and hostile text."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jinja2.utils import htmlsafe_json_dumps
from payloads import DANGEROUS_MARKERS, HOSTILE, HOSTILE_IDS
from pyproj import Geod, Transformer
from shapely.geometry import LineString, Point, Polygon

from geo.errors import InputError
from geo.userlayer import (
    MAX_COLUMNS,
    MAX_VALUE_CHARS,
    UploadLimits,
    UserLayer,
    read_user_layer,
    user_layer_geojson,
    user_layer_group,
)

KYIV = (30.5234, 50.4501)
BOWTIE = [[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]


@pytest.fixture
def places() -> gpd.GeoDataFrame:
    """Three features (point, line, polygon) with a name and a number, in lon/lat."""
    return gpd.GeoDataFrame(
        {"name": ["Kyiv", "road", "area"], "rank": [1, 2, 3]},
        geometry=[Point(KYIV), LineString([(30, 50), (31, 51)]), Polygon([(29, 49), (30, 49), (30, 50)])],
        crs="EPSG:4326",
    )


def _written(frame: gpd.GeoDataFrame, tmp_path: Path, filename: str, driver: str) -> bytes:
    path = tmp_path / filename
    frame.to_file(path, driver=driver, engine="pyogrio")
    return path.read_bytes()


def _zipped_shapefile(frame: gpd.GeoDataFrame, tmp_path: Path, *, drop: tuple[str, ...] = ()) -> bytes:
    folder = tmp_path / "shp"
    folder.mkdir()
    frame.to_file(folder / "layer.shp", engine="pyogrio")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(folder.iterdir()):
            if part.suffix not in drop:
                archive.write(part, f"data/{part.name}")
    return buffer.getvalue()


def _geojson(features: list[dict]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _point_feature(properties: dict) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": {"type": "Point", "coordinates": list(KYIV)}}


@pytest.mark.parametrize(
    ("filename", "driver"),
    [("places.geojson", "GeoJSON"), ("places.json", "GeoJSON"), ("places.gpkg", "GPKG"), ("places.kml", "KML")],
)
def test_reads_each_format(places, tmp_path, filename, driver):
    layer = read_user_layer(filename, _written(places, tmp_path, filename, driver))
    assert layer.name == "places"
    assert len(layer.frame) == 3
    assert layer.frame.crs.to_epsg() == 4326
    name = next(column for column in layer.frame.columns if column.lower() == "name")  # KML says "Name"
    assert layer.frame[name].tolist() == ["Kyiv", "road", "area"]
    first = layer.frame.geometry.iloc[0]
    assert first.x == pytest.approx(KYIV[0], abs=1e-6)


def test_properties_become_strings(places, tmp_path):
    layer = read_user_layer("p.gpkg", _written(places, tmp_path, "p.gpkg", "GPKG"))
    assert layer.frame["rank"].tolist() == ["1", "2", "3"]


def test_zipped_shapefile_in_utm_is_reprojected(tmp_path):
    """A point stored in UTM 35N lands back on Kyiv within 1 m."""
    x, y = Transformer.from_crs(4326, 32635, always_xy=True).transform(*KYIV)
    frame = gpd.GeoDataFrame({"name": ["Kyiv"]}, geometry=[Point(x, y)], crs="EPSG:32635")
    layer = read_user_layer("kyiv.zip", _zipped_shapefile(frame, tmp_path))
    point = layer.frame.geometry.iloc[0]
    _, _, metres = Geod(ellps="WGS84").inv(point.x, point.y, *KYIV)
    assert metres == pytest.approx(0, abs=1.0)
    assert any("EPSG:32635" in note for note in layer.notes)


def test_shapefile_without_prj_in_lonlat_is_assumed_wgs84(places, tmp_path):
    layer = read_user_layer("p.zip", _zipped_shapefile(places.iloc[:1], tmp_path, drop=(".prj",)))
    assert any("assumed longitude/latitude" in note for note in layer.notes)


def test_shapefile_without_prj_in_metres_is_refused(tmp_path):
    frame = gpd.GeoDataFrame(geometry=[Point(500_000, 5_500_000)], crs="EPSG:32635")
    with pytest.raises(InputError, match=r"no coordinate reference system.*include the \.prj"):
        read_user_layer("p.zip", _zipped_shapefile(frame, tmp_path, drop=(".prj",)))


def test_bowtie_is_repaired():
    data = _geojson([{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [BOWTIE]}}])
    layer = read_user_layer("bowtie.geojson", data)
    geom = layer.frame.geometry.iloc[0]
    assert geom.is_valid
    assert geom.area == pytest.approx(0.5, rel=1e-9)
    assert "1 invalid geometry was repaired." in layer.notes


def test_geojson_export_is_rfc7946(places, tmp_path):
    layer = read_user_layer("p.geojson", _written(places, tmp_path, "p.geojson", "GeoJSON"))
    collection = user_layer_geojson(layer)
    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection
    assert [f["properties"]["name"] for f in collection["features"]] == ["Kyiv", "road", "area"]
    polygon = shapely.geometry.shape(collection["features"][2]["geometry"])
    assert polygon.exterior.is_ccw


@pytest.mark.parametrize(
    ("filename", "data", "limits", "message"),
    [
        ("big.geojson", b"{" + b" " * 2048 + b"}", UploadLimits(max_bytes=1024), r"is 0\.0 MB; at most 0\.0 MB"),
        ("notes.txt", b"hello", UploadLimits(), r"Unknown file type “\.txt”: upload one of"),
        ("noext", b"hello", UploadLimits(), r"Unknown file type “noext”"),
        ("empty.geojson", b"", UploadLimits(), r"This file is empty"),
        ("blank.kml", b"  \n ", UploadLimits(), r"This file is empty"),
        ("broken.geojson", b'{"type": "FeatureCollection", "features": [', UploadLimits(), r"cannot be read"),
        ("broken.gpkg", b"SQLite format 3\x00" + b"\x07" * 500, UploadLimits(), r"cannot be read"),
        ("broken.kml", b"<kml><Placemark><Point><coordinates>x", UploadLimits(), r"cannot be read|no geometry"),
        ("fake.gpkg", b'{"type": "Point", "coordinates": [1, 2]}', UploadLimits(), r"does not look like GeoPackage"),
        ("vrt.kml", b"<OGRVRTDataSource><kml/></OGRVRTDataSource>", UploadLimits(), r"virtual dataset \(VRT\)"),
        ("not.zip", b"PK\x03\x04garbage", UploadLimits(), r"zip file cannot be opened"),
        (
            "nulls.geojson",
            _geojson([{"type": "Feature", "properties": {"a": 1}, "geometry": None}]),
            UploadLimits(),
            r"No feature in this layer has a geometry",
        ),
        (
            "many.geojson",
            _geojson([_point_feature({"i": i}) for i in range(4)]),
            UploadLimits(max_features=3),
            r"4 features; at most 3 are accepted",
        ),
        (
            "far.geojson",
            _geojson([{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [5e5, 5e6]}}]),
            UploadLimits(),
            r"outside longitude",
        ),
    ],
    ids=["size", "extension", "no-extension", "empty", "blank", "broken-json", "broken-gpkg", "broken-kml",
         "wrong-content", "vrt-disguised", "bad-zip", "no-geometry", "too-many-features", "not-lonlat"],
)
def test_refusals_say_what_and_what_to_do(filename, data, limits, message):
    with pytest.raises(InputError, match=message) as caught:
        read_user_layer(filename, data, limits)
    text = str(caught.value)
    assert "/tmp" not in text and "Traceback" not in text
    assert text.rstrip().endswith(".")


def test_size_message_gives_actual_size():
    with pytest.raises(InputError, match=r"This file is 11\.0 MB; at most 10\.0 MB"):
        read_user_layer("big.geojson", b" " * (11 * 1024 * 1024))


def test_non_spatial_gpkg_is_refused(tmp_path):
    path = tmp_path / "table.gpkg"
    import pyogrio

    pyogrio.write_dataframe(gpd.pd.DataFrame({"a": [1, 2]}), path, driver="GPKG")
    with pytest.raises(InputError, match="has no feature table"):
        read_user_layer("table.gpkg", path.read_bytes())


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("members", "limits", "message"),
    [
        ({"readme.txt": b"hi"}, UploadLimits(), r"holds no \.shp file"),
        ({"../evil.shp": b"\x00\x00\x27\x0a"}, UploadLimits(), r"unsafe path “\.\./evil\.shp”"),
        ({"/etc/evil.shp": b"\x00\x00\x27\x0a"}, UploadLimits(), r"unsafe path"),
        ({"a\\..\\..\\evil.shp": b"\x00\x00\x27\x0a"}, UploadLimits(), r"unsafe path"),
        ({"bomb.shp": b"\x00" * 2_000_000}, UploadLimits(max_unpacked_bytes=1_000_000), r"unpacks to 1\.9 MB"),
        ({f"f{i}.dbf": b"" for i in range(70)}, UploadLimits(), r"70 entries; at most 64"),
        ({"layer.shp": b"not a shapefile", "layer.shx": b""}, UploadLimits(), r"does not look like shapefile"),
    ],
    ids=["no-shp", "traversal", "absolute", "backslash-traversal", "bomb", "member-count", "bad-shp"],
)
def test_zip_refusals(members, limits, message):
    with pytest.raises(InputError, match=message):
        read_user_layer("upload.zip", _zip(members), limits)


def test_zip_bomb_is_refused_before_unpacking():
    """A 200 MB member compresses to a few hundred kB; the declared size gives it away."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("bomb.shp", "w") as member:
        block = b"\x00" * (1024 * 1024)
        for _ in range(200):
            member.write(block)
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024
    started = time.monotonic()
    with pytest.raises(InputError, match=r"unpacks to 200\.0 MB"):
        read_user_layer("bomb.zip", data)
    assert time.monotonic() - started < 1.0


def _wiggly_polygon(vertices: int, wiggles: int) -> Polygon:
    t = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    r = 1 + 0.05 * np.sin(t * wiggles)
    return Polygon(np.c_[30 + r * np.cos(t), 50 + r * np.sin(t)])


def test_geometry_bomb_is_simplified_or_refused_within_the_time_bound(tmp_path):
    """A million wiggly vertices (GEOS's simplifier takes 5-20 s on it) are dealt with in time."""
    frame = gpd.GeoDataFrame(geometry=[_wiggly_polygon(1_000_000, 5000)], crs="EPSG:4326")
    data = _written(frame, tmp_path, "bomb.gpkg", "GPKG")
    limits = UploadLimits(max_bytes=64 * 1024 * 1024)
    started = time.monotonic()
    try:
        layer = read_user_layer("bomb.gpkg", data, limits)
    except InputError as error:
        assert "took longer than 5 s" in str(error)
    else:
        geom = layer.frame.geometry.iloc[0]
        assert geom.is_valid and shapely.get_num_coordinates(geom) <= limits.max_vertices
        assert geom.area == pytest.approx(frame.geometry.iloc[0].area, rel=0.02)
    assert time.monotonic() - started < limits.max_seconds + 2.0


def test_far_too_many_vertices_are_refused_unread(tmp_path):
    frame = gpd.GeoDataFrame(geometry=[_wiggly_polygon(30_000, 300)], crs="EPSG:4326")
    with pytest.raises(InputError, match=r"30,00\d vertices, far more than the 1,000 that fit"):
        read_user_layer("bomb.gpkg", _written(frame, tmp_path, "bomb.gpkg", "GPKG"), UploadLimits(max_vertices=1000))


def test_a_simplified_multipolygon_keeps_its_big_parts_and_drops_specks(tmp_path):
    speck = Point(40, 55).buffer(1e-6)
    blob = _wiggly_polygon(20_000, 300)
    frame = gpd.GeoDataFrame({"name": ["blob", "speck"]}, geometry=[blob, speck], crs="EPSG:4326")
    layer = read_user_layer("two.gpkg", _written(frame, tmp_path, "two.gpkg", "GPKG"), UploadLimits(max_vertices=5000))
    assert layer.frame["name"].tolist() == ["blob"]
    assert "Dropped 1 feature too small or degenerate to keep." in layer.notes


def test_too_many_vertices_are_simplified(tmp_path):
    frame = gpd.GeoDataFrame({"name": ["blob"]}, geometry=[_wiggly_polygon(20_000, 300)], crs="EPSG:4326")
    limits = UploadLimits(max_vertices=10_000)
    started = time.monotonic()
    layer = read_user_layer("blob.gpkg", _written(frame, tmp_path, "blob.gpkg", "GPKG"), limits)
    assert time.monotonic() - started < limits.max_seconds + 1.0
    geom = layer.frame.geometry.iloc[0]
    assert shapely.get_num_coordinates(geom) <= 10_000
    assert geom.is_valid
    assert geom.area == pytest.approx(frame.geometry.iloc[0].area, rel=0.02)
    assert any(note.startswith("Simplified from 20,001 to") for note in layer.notes)


def test_time_bound_refuses_slow_work(tmp_path):
    frame = gpd.GeoDataFrame(geometry=[_wiggly_polygon(20_000, 300)], crs="EPSG:4326")
    data = _written(frame, tmp_path, "slow.gpkg", "GPKG")
    with pytest.raises(InputError, match=r"took longer than 1e-06 s"):
        read_user_layer("slow.gpkg", data, UploadLimits(max_seconds=1e-6))


def test_values_and_columns_are_capped():
    properties = {f"c{i:02d}": "x" * 2000 for i in range(60)}
    layer = read_user_layer("wide.geojson", _geojson([_point_feature(properties)]))
    assert len(layer.frame.columns) == MAX_COLUMNS + 1
    assert max(len(v) for v in layer.frame.iloc[0].drop("geometry")) == MAX_VALUE_CHARS
    assert f"Kept the first {MAX_COLUMNS} of 60 properties." in layer.notes


@pytest.mark.parametrize(
    "limits",
    [{"max_bytes": 0}, {"max_features": -1}, {"max_vertices": 1.5}, {"max_seconds": 0}, {"max_seconds": True}],
)
def test_limits_validate(limits):
    with pytest.raises(InputError, match="UploadLimits"):
        UploadLimits(**limits)


def test_user_layer_validates(places):
    with pytest.raises(InputError, match="EPSG:4326"):
        UserLayer("x", places.to_crs(3857))
    with pytest.raises(InputError, match="non-empty name"):
        UserLayer(" ", places)


_PREFIXES = {".geojson": b"{", ".json": b"", ".gpkg": b"SQLite format 3\x00", ".kml": b"<kml>", ".zip": b"PK\x03\x04"}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(suffix=st.sampled_from(sorted(_PREFIXES)), body=st.binary(max_size=600), prefixed=st.booleans())
def test_arbitrary_bytes_raise_only_input_error(suffix, body, prefixed):
    data = (_PREFIXES[suffix] if prefixed else b"") + body
    try:
        read_user_layer(f"upload{suffix}", data)
    except InputError as error:
        assert "/tmp" not in str(error)


# Hostile text --------------------------------------------------------------------------------


def _render(group: folium.FeatureGroup) -> str:
    m = folium.Map(location=[50, 30], zoom_start=6, tiles=None)
    group.add_to(m)
    folium.LayerControl().add_to(m)
    return m.get_root().render()


def _escaped(text: str) -> str:
    """The escaping the popups promise: HTML, plus what a JavaScript template string would read."""
    import html

    table = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"})
    return html.escape(text, quote=True).translate(table)


@pytest.fixture(scope="module")
def baseline_html() -> str:
    """A page with a harmless user layer: what the markers look like without hostile text."""
    return _render(user_layer_group(read_user_layer("plain.geojson", _geojson([_point_feature({"a": "b"})]))))


@pytest.mark.parametrize("payload", [p for _, p in HOSTILE], ids=HOSTILE_IDS)
def test_hostile_properties_render_escaped(payload, baseline_html):
    data = _geojson([_point_feature({payload: payload, "second": payload})])
    layer = read_user_layer("hostile.geojson", data)
    key, value = layer.frame.columns[0], layer.frame.iloc[0, 0]
    assert payload.startswith(value.removesuffix("…"))  # GDAL ends a string at a NUL byte
    group = user_layer_group(layer)
    page = _render(group)
    for marker in DANGEROUS_MARKERS:
        assert page.count(marker) == baseline_html.count(marker), marker
    geojson = next(child for child in group._children.values() if isinstance(child, folium.GeoJson))
    props = geojson.data["features"][0]["properties"]
    assert _escaped(key) in props["atlas_popup"] and _escaped(value) in props["atlas_popup"]
    assert props["atlas_tooltip"] == _escaped(value if len(value) <= 80 else value[:79] + "…")
    # The escaped popup reaches the page as a JSON string inside the script.
    assert htmlsafe_json_dumps(props["atlas_popup"]) in page


@pytest.mark.parametrize("payload", [p for _, p in HOSTILE], ids=HOSTILE_IDS)
def test_hostile_layer_name_renders_escaped(payload, baseline_html):
    layer = read_user_layer("plain.geojson", _geojson([_point_feature({"a": "b"})]))
    group = user_layer_group(UserLayer(payload, layer.frame))
    page = _render(group)
    for marker in DANGEROUS_MARKERS:
        assert page.count(marker) == baseline_html.count(marker), marker
    assert group.layer_name == _escaped(payload)
    assert htmlsafe_json_dumps(_escaped(payload)) in page


@pytest.mark.parametrize("payload", [p for _, p in HOSTILE], ids=HOSTILE_IDS)
def test_hostile_file_names_become_plain_names(payload):
    layer = read_user_layer(payload + ".geojson", _geojson([_point_feature({"a": "b"})]))
    assert 0 < len(layer.name) <= 120
    assert not any(c in layer.name for c in "\u202e\u2028\u2029\x00\r\n")


def test_bad_class_name_is_refused():
    layer = read_user_layer("plain.geojson", _geojson([_point_feature({"a": "b"})]))
    with pytest.raises(InputError, match="CSS class"):
        user_layer_group(layer, class_name='x" onload="y')
