"""User layers: real files in every format, each limit, hostile bytes and hostile text."""

from __future__ import annotations

import io
import json
import resource
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import folium
import geopandas as gpd
import hostile_files as hostile
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
from geo.upload_worker import landlock_abi
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
#: CPU seconds a reader process spends starting (imports); measured at about 0.3-0.45 s.
_STARTUP_CPU = 1.0


def _child_cpu() -> float:
    """CPU seconds used so far by finished child processes (the upload readers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
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
    limits = UploadLimits(max_bytes=64 * 1024 * 1024, max_seconds=5.0)
    started = _child_cpu()
    try:
        layer = read_user_layer("bomb.gpkg", data, limits)
    except InputError as error:
        assert "took longer than 5 s of computing" in str(error)
    else:
        geom = layer.frame.geometry.iloc[0]
        assert geom.is_valid and shapely.get_num_coordinates(geom) <= limits.max_vertices
        assert geom.area == pytest.approx(frame.geometry.iloc[0].area, rel=0.02)
    # CPU, not wall time: the reader's start-up (about 0.4 s) and one second of rounding on top.
    assert _child_cpu() - started < limits.max_seconds + _STARTUP_CPU + 1.5


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
    started = _child_cpu()
    layer = read_user_layer("blob.gpkg", _written(frame, tmp_path, "blob.gpkg", "GPKG"), limits)
    assert _child_cpu() - started < limits.max_seconds + _STARTUP_CPU
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


# Hostile files (issue 11) --------------------------------------------------------------------------


def _passwd_lines() -> list[str]:
    """Lines of this machine's /etc/passwd long enough not to appear by chance."""
    try:
        lines = Path("/etc/passwd").read_text().splitlines()
    except OSError:
        lines = []
    return [line for line in lines if len(line) > 12]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (hostile.gdalg_passwd, r"GDAL pipeline \(GDALG\).*refused"),
        (hostile.gdalg_csv_variant, r"JSON but not GeoJSON"),
        (hostile.kml_with_vrt, r"virtual dataset \(VRT\).*refused"),
        (hostile.virtual_ogr_gpkg, r"virtual table .*not accepted"),
        (hostile.gpx_disguised_as_kml, r"cannot be read as KML"),
    ],
    ids=["gdalg", "gdalg-csv-escaped", "vrt-in-kml", "virtualogr-gpkg", "gpx-as-kml"],
)
def test_gdal_virtual_formats_and_other_drivers_are_refused(make, message):
    """GDAL never guesses a driver: a pipeline or VRT reading /etc/passwd is refused, nothing of it shown."""
    filename, data = make()
    with pytest.raises(InputError, match=message) as caught:
        read_user_layer(filename, data)
    text = str(caught.value)
    assert text.rstrip().endswith(".")
    assert not any(marker in text for marker in hostile.PASSWD_MARKERS)
    assert not any(line in text for line in _passwd_lines())


_SANDBOX_PROBE = """
import json, socket, sys
from pathlib import Path
from geo.upload_worker import restrict_to
folder, outside, port = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
abi = restrict_to(folder)
report = {"abi": abi}
def attempt(name, action):
    try:
        action()
        report[name] = "allowed"
    except PermissionError:
        report[name] = "denied"
attempt("read inside", lambda: (folder / "upload.txt").read_text())
attempt("write inside", lambda: (folder / "result.txt").write_text("ok"))
attempt("read outside", lambda: outside.read_text())
attempt("read passwd", lambda: Path("/etc/passwd").read_text())
attempt("list root", lambda: list(Path("/").iterdir()))
attempt("write outside", lambda: (outside.parent / "new.txt").write_text("x"))
attempt("connect", lambda: socket.create_connection(("127.0.0.1", port), timeout=5).close())
print(json.dumps(report))
"""


def test_the_reader_sandbox_confines_reads_writes_and_connections(tmp_path):
    """Landlock, for real: after restrict_to(folder) only the folder can be read or written."""
    assert landlock_abi() >= 4, "this project's machines run Linux 6.x with Landlock (ABI 4+ adds TCP rules)"
    folder = tmp_path / "upload"
    folder.mkdir()
    (folder / "upload.txt").write_text("the upload")
    outside = tmp_path / "secret.txt"
    outside.write_text("not yours")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        out = subprocess.run([sys.executable, "-c", _SANDBOX_PROBE, str(folder), str(outside), str(port)],
                             capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report == {"abi": landlock_abi(), "read inside": "allowed", "write inside": "allowed",
                      "read outside": "denied", "read passwd": "denied", "list root": "denied",
                      "write outside": "denied", "connect": "denied"}
    assert not (tmp_path / "new.txt").exists()


def test_uploads_are_read_inside_the_sandbox(caplog):
    """The reader reports the Landlock ABI it confined itself with; a warning would say it could not."""
    with caplog.at_level("DEBUG", logger="geo.userlayer"):
        layer = read_user_layer("p.geojson", _geojson([_point_feature({"a": "b"})]))
    assert len(layer.frame) == 1
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.endswith(f"Landlock ABI {landlock_abi()}") for m in messages), messages
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


@pytest.mark.parametrize("make", [hostile.recursive_view_gpkg, hostile.cross_join_view_gpkg],
                         ids=["recursive-cte", "cross-join"])
def test_geopackage_views_are_refused_before_gdal_reads_them(make):
    started = _child_cpu()
    with pytest.raises(InputError, match=r"contains a view .*only plain tables are read"):
        read_user_layer(*make())
    assert _child_cpu() - started < _STARTUP_CPU + 2.0


def test_a_slow_repair_is_stopped_on_cpu_time_and_remembered():
    """The 201-vertex star (make_valid: ~100 s) is stopped at the CPU limit; a rerun costs nothing."""
    filename, data = hostile.star_polygon(201)
    limits = UploadLimits(max_seconds=1.0)
    started = _child_cpu()
    with pytest.raises(InputError, match=r"took longer than 1 s of computing and was stopped") as first:
        read_user_layer(filename, data, limits)
    assert _child_cpu() - started < limits.max_seconds + _STARTUP_CPU + 2.5
    rerun_cpu, rerun_wall = _child_cpu(), time.monotonic()
    with pytest.raises(InputError) as second:
        read_user_layer(filename, data, limits)
    assert str(second.value) == str(first.value)
    assert _child_cpu() - rerun_cpu < 0.01  # no reader ran
    assert time.monotonic() - rerun_wall < 0.5


@pytest.mark.parametrize(
    ("make", "limits", "message"),
    [
        (lambda: hostile.star_polygon(151), {"max_seconds": 1.5}, r"took longer than 1\.5 s of computing"),
        (lambda: ("p.geojson", _geojson([_point_feature({"a": "b"})])), {"max_wall_seconds": 0.01},
         r"took longer than 0\.01 s and was stopped"),
        (hostile.valid_large_layer, {"max_memory_bytes": 16 * 1024 * 1024},
         r"needed more than 16\.0 MB of memory and was stopped"),
    ],
    ids=["cpu-limit", "wall-backstop", "memory-limit"],
)
def test_a_stopped_reader_leaves_no_temporary_files(monkeypatch, tmp_path, make, limits, message):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(InputError, match=message):
        read_user_layer(*make(), UploadLimits(**limits))
    assert list(tmp_path.iterdir()) == []


def test_many_property_names_are_refused_cheaply():
    """40 features × 1,000 names each: refused from a scan, before GDAL builds a 40,000-column table."""
    started = _child_cpu()
    with pytest.raises(InputError, match=r"more than 1,000 different property names; at most 1,000"):
        read_user_layer(*hostile.wide_properties(40, 1000))
    assert _child_cpu() - started < _STARTUP_CPU + 2.0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (hostile.lying_zip, r"damaged and cannot be unpacked \(Bad CRC-32"),
        (hostile.encrypted_zip, r"password-protected"),
        (hostile.deflate_corrupt_zip, r"damaged and cannot be unpacked \(Error -3"),
        (hostile.lzma_corrupt_zip, r"damaged and cannot be unpacked"),
        (hostile.shapefile_without_shx, r"not its \.shx"),
        (hostile.shapefile_with_bad_shx, r"index \(\.shx file\) is missing or damaged"),
    ],
    ids=["lying-sizes", "encrypted", "corrupt-deflate", "corrupt-lzma", "no-shx", "bad-shx"],
)
def test_damaged_zips_are_input_errors_in_plain_words(make, message):
    with pytest.raises(InputError, match=message) as caught:
        read_user_layer(*make())
    text = str(caught.value)
    assert "SHAPE_RESTORE_SHX" not in text and "config" not in text.lower() and "/tmp" not in text
    assert text.rstrip().endswith(".")


def test_a_lying_zip_is_not_inflated_past_its_cap():
    """64 MB of zeros declared as 1,000 bytes: the reader stops early and stays small."""
    filename, data = hostile.lying_zip(inflated=64 * 1024 * 1024)
    with pytest.raises(InputError, match="damaged"):
        read_user_layer(filename, data, UploadLimits(max_memory_bytes=48 * 1024 * 1024))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "utf-32"])
def test_unicode_geojson_is_transcoded(encoding):
    text = _geojson([_point_feature({"name": "Київ"})]).decode()
    layer = read_user_layer("kyiv.geojson", text.encode(encoding))
    assert layer.frame["name"].tolist() == ["Київ"]


def test_broken_utf16_is_refused_honestly():
    data = "\ufeff".encode("utf-16-le") + _geojson([_point_feature({"a": "b"})]).decode().encode("utf-16-le")[:-1]
    with pytest.raises(InputError, match=r"looks like UTF-16 text but cannot be decoded"):
        read_user_layer("broken.geojson", data)


def test_an_empty_feature_collection_is_explained():
    with pytest.raises(InputError, match=r"empty FeatureCollection: it has no features"):
        read_user_layer(*hostile.empty_feature_collection())


def test_property_values_keep_their_form():
    """Integers with a gap stay integers; dates stay as written; reals are not padded."""
    layer = read_user_layer(*hostile.typed_properties_geojson())
    assert layer.frame["count"].tolist() == ["5", ""]
    assert layer.frame["when"].tolist() == ["2024-01-05T10:00:00Z", "2024-01-06"]
    assert layer.frame["day"].tolist() == ["2024/01/05", "5 Jan 2024"]
    assert layer.frame["ratio"].tolist() == ["1.25", "2"]


def test_a_valid_layer_within_the_limits_is_accepted_with_cpu_to_spare():
    """4,999 polygons and 195k vertices (9 MB): accepted, using well under the CPU limit."""
    filename, data = hostile.valid_large_layer()
    assert 8 * 1024 * 1024 < len(data) < UploadLimits().max_bytes
    started = _child_cpu()
    layer = read_user_layer(filename, data)
    used = _child_cpu() - started
    assert len(layer.frame) == 4999
    assert int(shapely.get_num_coordinates(layer.frame.geometry.values).sum()) == 4999 * 40
    assert used < UploadLimits().max_seconds / 3
