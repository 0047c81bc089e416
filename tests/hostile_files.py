"""Hostile and awkward uploads, generated in code: each function returns ``(filename, bytes)``.

Made for the user-layer tests and reusable by ``bench/load.py``. Nothing here is a binary
fixture: every file is built from a few lines that say what it is and why it is hostile.
"""

from __future__ import annotations

import io
import json
import math
import sqlite3
import struct
import tempfile
import zipfile
from pathlib import Path

__all__ = [
    "PASSWD_MARKERS",
    "cross_join_view_gpkg",
    "deflate_corrupt_zip",
    "empty_feature_collection",
    "encrypted_zip",
    "gdalg_csv_variant",
    "gdalg_passwd",
    "geometry_collection_geojson",
    "gpx_disguised_as_kml",
    "kml_with_vrt",
    "lying_zip",
    "lzma_corrupt_zip",
    "recursive_view_gpkg",
    "shapefile_with_bad_shx",
    "shapefile_without_shx",
    "star_polygon",
    "typed_properties_geojson",
    "utf16_geojson",
    "valid_large_layer",
    "virtual_ogr_gpkg",
    "wide_properties",
]

#: Text that only the server's /etc/passwd would put into a layer.
PASSWD_MARKERS = ("root:x:0:0", "/bin/bash", "/usr/sbin/nologin", "daemon:x:")

KYIV = (30.5234, 50.4501)


def _point_feature(properties: dict, lon: float = KYIV[0], lat: float = KYIV[1]) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def _collection(features: list[dict]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def gdalg_passwd() -> tuple[str, bytes]:
    """The issue's GDALG pipeline: GDAL would read /etc/passwd as CSV and draw one point per line."""
    sql = "SELECT *, ST_GeomFromText('POINT(30.5 50.45)') AS geom FROM passwd"
    command = (f'gdal vector pipeline ! read --if CSV --oo HEADERS=NO /etc/passwd ! sql --dialect SQLITE '
               f'--sql "{sql}" ! write --of stream streamed_dataset')
    return "layer.geojson", json.dumps({"type": "gdal_streamed_alg", "command_line": command,
                                        "gdal_version": "3.12"}).encode()


def gdalg_csv_variant() -> tuple[str, bytes]:
    """The same attack as ``.json``, its keys written with JSON escapes so no literal word gives it away.

    It reads /etc/passwd through the CSV driver with ``:`` as separator and X/Y columns; only
    the one-driver rule (GDALG is never tried) and the JSON check stop it.
    """
    command = ("gdal vector pipeline ! read --if CSV --oo SEPARATOR=SEMICOLON --oo HEADERS=NO "
               "--oo X_POSSIBLE_NAMES=field_3 --oo Y_POSSIBLE_NAMES=field_4 /etc/passwd "
               "! write --of stream streamed_dataset")
    text = json.dumps({"type": "gdal_streamed_alg", "command_line": command})
    text = text.replace("gdal_streamed_alg", "gdal\\u005fstreamed\\u005falg")
    return "passwd.json", text.encode()


def kml_with_vrt() -> tuple[str, bytes]:
    """A ``.kml`` that is really an OGR VRT pointing at /etc/passwd."""
    return "layer.kml", (b"<kml><OGRVRTDataSource><OGRVRTLayer name='p'><SrcDataSource>/etc/passwd"
                         b"</SrcDataSource></OGRVRTLayer></OGRVRTDataSource></kml>")


def _gpkg_with_points(path: Path, rows: int = 3) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    frame = gpd.GeoDataFrame({"n": list(range(rows))}, geometry=[Point(30 + i / 100, 50) for i in range(rows)],
                             crs="EPSG:4326")
    frame.to_file(path, layer="real", driver="GPKG", engine="pyogrio")


def _gpkg_view(name: str, select: str, rows: int = 3) -> tuple[str, bytes]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "layer.gpkg"
        _gpkg_with_points(path, rows)
        with sqlite3.connect(path) as db:
            db.execute(f"CREATE VIEW bomb AS {select}")
            db.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
                       "VALUES ('bomb', 'features', 'bomb', 4326)")
            db.execute("INSERT INTO gpkg_geometry_columns VALUES ('bomb', 'geom', 'POINT', 4326, 0, 0)")
            db.execute("DELETE FROM gpkg_contents WHERE table_name = 'real'")
            db.execute("DELETE FROM gpkg_geometry_columns WHERE table_name = 'real'")
        db.close()
        return name, path.read_bytes()


def recursive_view_gpkg() -> tuple[str, bytes]:
    """A GeoPackage whose only feature table is a VIEW over an endless recursive CTE."""
    return _gpkg_view("endless.gpkg", "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) "
                                      "SELECT r.i AS fid, real.geom AS geom FROM r, real")


def cross_join_view_gpkg() -> tuple[str, bytes]:
    """A GeoPackage whose feature table is a VIEW joining 1,000 rows with itself four times (10¹² rows)."""
    return _gpkg_view("cross.gpkg", "SELECT a.fid * 1000000000 + b.fid * 1000000 + c.fid * 1000 + d.fid AS fid, "
                                    "a.geom AS geom FROM real a, real b, real c, real d", rows=1000)


def virtual_ogr_gpkg() -> tuple[str, bytes]:
    """A GeoPackage whose feature table is a VirtualOGR virtual table over /etc/passwd.

    SQLite cannot create it without GDAL's module, so the schema row is written directly.
    """
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "layer.gpkg"
        _gpkg_with_points(path)
        db = sqlite3.connect(path)
        with db:
            db.execute("PRAGMA writable_schema = ON")
            db.execute("INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES "
                       "('table', 'passwd', 'passwd', 0, 'CREATE VIRTUAL TABLE passwd USING "
                       "VirtualOGR(''/etc/passwd'')')")
            db.execute("UPDATE gpkg_contents SET table_name = 'passwd' WHERE table_name = 'real'")
        db.close()
        return "passwd.gpkg", path.read_bytes()


def star_polygon(vertices: int = 201) -> tuple[str, bytes]:
    """A self-intersecting star ({n/((n-1)/2)}): GEOS's make_valid takes ~100 s at 201 vertices."""
    step = (vertices - 1) // 2
    ring = [[round(30 + math.cos(2 * math.pi * (i * step % vertices) / vertices), 6),
             round(50 + math.sin(2 * math.pi * (i * step % vertices) / vertices), 6)] for i in range(vertices)]
    ring.append(ring[0])
    geometry = {"type": "Polygon", "coordinates": [ring]}
    return "star.geojson", _collection([{"type": "Feature", "properties": {"name": "star"}, "geometry": geometry}])


def wide_properties(features: int = 40, names: int = 1000) -> tuple[str, bytes]:
    """Every feature with its own ``names`` property names: GDAL builds a features × all-names table."""
    items = [_point_feature({f"f{i}_{j}": j for j in range(names)}) for i in range(features)]
    return "wide.geojson", _collection(items)


def _shapefile_parts(rows: int = 2) -> dict[str, bytes]:
    import geopandas as gpd
    from shapely.geometry import Point

    frame = gpd.GeoDataFrame({"name": [f"p{i}" for i in range(rows)]},
                             geometry=[Point(30 + i, 50) for i in range(rows)], crs="EPSG:4326")
    with tempfile.TemporaryDirectory() as folder:
        frame.to_file(Path(folder) / "layer.shp", engine="pyogrio")
        return {p.name: p.read_bytes() for p in Path(folder).iterdir()}


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _member_data_offset(data: bytes, name: str) -> int:
    """Where a member's compressed bytes start (after its local header)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    start = info.header_offset
    name_length, extra_length = struct.unpack("<HH", data[start + 26:start + 30])
    return start + 30 + name_length + extra_length


def shapefile_without_shx() -> tuple[str, bytes]:
    """A zipped shapefile missing its .shx: GDAL's own words name a configuration option."""
    return "no-index.zip", _zip({k: v for k, v in _shapefile_parts().items() if not k.endswith(".shx")})


def lying_zip(inflated: int = 64 * 1024 * 1024, declared: int = 1000) -> tuple[str, bytes]:
    """A zipped shapefile whose .shp says it unpacks to ``declared`` bytes but inflates to ``inflated``."""
    parts = _shapefile_parts()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("layer.shx", parts["layer.shx"])
        archive.writestr("layer.dbf", parts["layer.dbf"])
        with archive.open("layer.shp", "w", force_zip64=False) as member:
            member.write(parts["layer.shp"][:100])
            block = b"\x00" * (1 << 20)
            for _ in range(inflated // len(block)):
                member.write(block)
    data = bytearray(buffer.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("layer.shp")
    struct.pack_into("<I", data, info.header_offset + 22, declared)
    position = data.find(b"PK\x01\x02")
    while position != -1:
        name_length = struct.unpack("<H", data[position + 28:position + 30])[0]
        if bytes(data[position + 46:position + 46 + name_length]) == b"layer.shp":
            struct.pack_into("<I", data, position + 24, declared)
        position = data.find(b"PK\x01\x02", position + 4)
    return "lying.zip", bytes(data)


def encrypted_zip() -> tuple[str, bytes]:
    """A zipped shapefile whose members are flagged as encrypted (zipfile raises RuntimeError)."""
    data = bytearray(_zip(_shapefile_parts()))
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        position = data.find(signature)
        while position != -1:
            struct.pack_into("<H", data, position + flag_at, struct.unpack("<H", data[position + flag_at:
                                                                                     position + flag_at + 2])[0] | 1)
            position = data.find(signature, position + 4)
    return "encrypted.zip", bytes(data)


def deflate_corrupt_zip() -> tuple[str, bytes]:
    """A zipped shapefile whose .shp deflate stream starts with an invalid block type (zlib.error)."""
    data = bytearray(_zip(_shapefile_parts()))
    start = _member_data_offset(bytes(data), "layer.shp")
    data[start:start + 4] = b"\xff\xff\xff\xff"
    return "deflate.zip", bytes(data)


def lzma_corrupt_zip() -> tuple[str, bytes]:
    """A zipped shapefile, LZMA-compressed, whose .shp stream is garbage after its header (LZMAError)."""
    data = bytearray(_zip(_shapefile_parts(), zipfile.ZIP_LZMA))
    start = _member_data_offset(bytes(data), "layer.shp")
    data[start + 4:start + 9] = b"\xff" * 5  # the LZMA properties: no valid encoder writes these
    return "lzma.zip", bytes(data)


def utf16_geojson() -> tuple[str, bytes]:
    """A GeoJSON saved as UTF-16 with a BOM (as some Windows editors do)."""
    text = _collection([_point_feature({"name": "Київ"})]).decode()
    return "utf16.geojson", text.encode("utf-16")


def empty_feature_collection() -> tuple[str, bytes]:
    """A FeatureCollection with no features."""
    return "empty.geojson", _collection([])


def typed_properties_geojson() -> tuple[str, bytes]:
    """Integers with a gap, dates in several forms and a real: values must keep their form."""
    features = [
        _point_feature({"count": 5, "when": "2024-01-05T10:00:00Z", "day": "2024/01/05", "ratio": 1.25}),
        _point_feature({"count": None, "when": "2024-01-06", "day": "5 Jan 2024", "ratio": 2}),
    ]
    return "typed.geojson", _collection(features)


def geometry_collection_geojson() -> tuple[str, bytes]:
    """One feature whose geometry is a GeometryCollection of a polygon and a point."""
    square = [[30, 50], [31, 50], [31, 51], [30, 51], [30, 50]]
    geometry = {"type": "GeometryCollection", "geometries": [
        {"type": "Polygon", "coordinates": [square]}, {"type": "Point", "coordinates": [32, 50.5]}]}
    feature = {"type": "Feature", "properties": {"name": "collected"}, "geometry": geometry}
    return "collection.geojson", _collection([feature])


def valid_large_layer(polygons: int = 4999, vertices: int = 39) -> tuple[str, bytes]:
    """A valid layer within the default limits: 4,999 polygons, 195k vertices, about 9 MB of GeoJSON."""
    features = []
    columns = math.ceil(math.sqrt(polygons))
    for index in range(polygons):
        x = 24 + (index % columns) * (16 / columns)
        y = 45 + (index // columns) * (8 / columns)
        r = 0.4 * 8 / columns
        ring = [[x + r * math.cos(2 * math.pi * k / vertices), y + r * math.sin(2 * math.pi * k / vertices)]
                for k in range(vertices)]
        ring.append(ring[0])
        features.append({"type": "Feature", "properties": {"id": index, "name": f"cell {index}",
                                                           "note": "a valid polygon of the load test " * 2},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
    return "large.geojson", _collection(features)


def shapefile_with_bad_shx() -> tuple[str, bytes]:
    """A zipped shapefile whose .shx is garbage: GDAL's refusal names SHAPE_RESTORE_SHX."""
    parts = _shapefile_parts()
    parts["layer.shx"] = b"\x00\x00\x27\x0a" + b"\x01" * 96
    return "bad-index.zip", _zip(parts)


def gpx_disguised_as_kml() -> tuple[str, bytes]:
    """A GPX file named .kml that mentions ``<kml`` in a comment: only GDAL's guessing would read it."""
    return "track.kml", (b'<?xml version="1.0"?><!-- <kml --><gpx version="1.1" creator="x" '
                         b'xmlns="http://www.topografix.com/GPX/1/1"><wpt lat="50.45" lon="30.52"><name>gpx</name>'
                         b"</wpt></gpx>")
