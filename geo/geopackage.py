"""A minimal OGC GeoPackage reader and writer for the bundled layers: stdlib sqlite3 and shapely only.

The bundled layers are read on every start of the app and of each export command; GDAL and
the pandas stack took over a second to import and parse them. A GeoPackage feature table is
a SQLite table whose geometry column holds standard WKB behind a small header, so reading
one needs only ``sqlite3`` and :func:`shapely.from_wkb`. The writer, used by
``scripts/build_data.py``, writes only what the GeoPackage 1.4 standard requires (no spatial
index, no timestamps that change from build to build), so the same layers always give the
same bytes with the same SQLite, and GDAL, QGIS and pyogrio open the files as usual.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import shapely

from geo.errors import DataError

__all__ = ["APPLICATION_ID", "LAST_CHANGE", "TABLE_COLUMNS", "column_names", "read_geopackage", "write_geopackage"]

#: ``PRAGMA application_id`` of a GeoPackage: "GPKG" in ASCII.
APPLICATION_ID = 0x47504B47
#: ``PRAGMA user_version`` of GeoPackage 1.4.0.
_USER_VERSION = 10400
#: ``gpkg_contents.last_change`` of every layer written: a fixed instant, so a rebuild is byte for byte the same.
LAST_CHANGE = "2000-01-01T00:00:00.000Z"
# Bytes of the envelope that follows the 8-byte header, by the flags' envelope indicator (bits 1-3).
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
    'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],'
    'UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],'
    'AUTHORITY["EPSG","4326"]]'
)
# The three rows gpkg_spatial_ref_sys must hold (requirement 11).
_SPATIAL_REF_SYS = (
    ("WGS 84 geodetic", 4326, "EPSG", 4326, _WGS84_WKT,
     "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"),
    ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"),
    ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
)
_SCHEMA = """
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
"""
_SQL_TYPES = {bool: "BOOLEAN", int: "INTEGER", float: "DOUBLE", str: "TEXT"}
#: The columns every feature table has, as GDAL writes them too: the feature id and the geometry.
TABLE_COLUMNS = ("fid", "geom")


def column_names(keys: Iterable[str], reserved: Iterable[str] = TABLE_COLUMNS) -> dict[str, str]:
    """Name each property as a column of a feature table, renaming those that would clash.

    SQLite compares column names ignoring case, and a feature table has its own ``fid``
    and ``geom``. The rule: a name is kept unless it is, ignoring case, one of
    ``reserved`` or a name kept before it; such a name gets the first of the suffixes
    ``_1``, ``_2``, … that makes it differ from every other name, ignoring case. Names
    that clash with nothing never change.

    Parameters
    ----------
    keys : iterable of str
        The property names, in order.
    reserved : iterable of str
        Names taken before any property.

    Returns
    -------
    dict of str to str
        Each name and its column's name.

    Examples
    --------
    >>> column_names(["FID", "Name", "name", "fid_1"])
    {'FID': 'FID_2', 'Name': 'Name', 'name': 'name_1', 'fid_1': 'fid_1'}
    """
    keys = list(dict.fromkeys(str(k) for k in keys))
    taken = {r.lower() for r in reserved}
    kept = set()
    for key in keys:
        if key.lower() not in taken:
            kept.add(key)
            taken.add(key.lower())
    names: dict[str, str] = {}
    for key in keys:
        if key in kept:
            names[key] = key
            continue
        n = 1
        while f"{key}_{n}".lower() in taken:
            n += 1
        names[key] = f"{key}_{n}"
        taken.add(names[key].lower())
    return names


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _column_type(name: str, values: list) -> str:
    kinds = {type(v) for v in values if v is not None}
    if kinds == {int, float}:
        kinds = {float}
    if len(kinds) != 1 or next(iter(kinds)) not in _SQL_TYPES:
        raise ValueError(f"Column {name!r} mixes or holds unsupported types: {sorted(k.__name__ for k in kinds)}.")
    return _SQL_TYPES[kinds.pop()]


def _encode(geom: shapely.Geometry, srs_id: int) -> bytes:
    """GeoPackageBinary: header ("GP", version 0, flags, srs_id, xy envelope unless a point) and ISO WKB."""
    wkb = shapely.to_wkb(geom, byte_order=1, flavor="iso")
    if geom.is_empty:
        return b"GP\x00" + bytes([0b10001]) + struct.pack("<i", srs_id) + wkb
    if geom.geom_type == "Point":
        return b"GP\x00\x01" + struct.pack("<i", srs_id) + wkb
    minx, miny, maxx, maxy = geom.bounds
    return b"GP\x00\x03" + struct.pack("<i4d", srs_id, minx, maxx, miny, maxy) + wkb


def write_geopackage(
    path: Path, table: str, features: Sequence[tuple[Mapping[str, object], shapely.Geometry]], *,
    description: str = "", srs_id: int = 4326,
) -> None:
    """Write one feature table as a new GeoPackage, the same bytes for the same features.

    Parameters
    ----------
    path : Path
        The file to write; it must not exist yet.
    table : str
        Name of the feature table (the layer name GDAL shows).
    features : sequence of (properties, geometry)
        Every feature's properties hold the same keys; values are bool, int, float, str or None.
        A key that would clash with another column is renamed by :func:`column_names`.
    description : str, optional
        ``gpkg_contents.description``.
    srs_id : int, optional
        EPSG code of the coordinates; only WGS84 (4326) is defined in the file.
    """
    if srs_id != 4326:
        raise ValueError("Only WGS84 longitude/latitude (srs_id 4326) is supported.")
    keys = list(features[0][0]) if features else []
    names = column_names(keys)
    columns = [names[k] for k in keys]
    types = [_column_type(c, [props[k] for props, _ in features]) for c, k in zip(columns, keys, strict=True)]
    geoms = [g for _, g in features]
    kinds = {g.geom_type.upper() for g in geoms}
    geometry_type = kinds.pop() if len(kinds) == 1 else "GEOMETRY"
    minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(geoms, dtype=object)) if geoms else (None,) * 4
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        con.execute(f"PRAGMA user_version = {_USER_VERSION}")
        con.execute("BEGIN")
        for statement in filter(str.strip, _SCHEMA.split(";")):
            con.execute(statement)
        con.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", _SPATIAL_REF_SYS)
        con.execute(
            "INSERT INTO gpkg_contents VALUES (?, 'features', ?, ?, ?, ?, ?, ?, ?, ?)",
            (table, table, description, LAST_CHANGE, minx, miny, maxx, maxy, srs_id),
        )
        con.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)", (table, geometry_type, srs_id))
        defs = ", ".join(f"{_quote(c)} {t}" for c, t in zip(columns, types, strict=True))
        con.execute(f"CREATE TABLE {_quote(table)} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "
                    f"geom {geometry_type}{', ' + defs if defs else ''})")
        marks = ", ".join("?" * (len(columns) + 1))
        quoted = ", ".join(["geom", *map(_quote, columns)])
        con.executemany(
            f"INSERT INTO {_quote(table)} ({quoted}) VALUES ({marks})",  # noqa: S608 - names quoted, values bound
            [(_encode(g, srs_id), *(props[k] for k in keys)) for props, g in features],
        )
        con.execute("COMMIT")
        con.execute("VACUUM")
    finally:
        con.close()


def _strip_header(blob: bytes) -> bytes:
    if blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry (no 'GP' magic)")
    flags = blob[3]
    if flags & 0b100000:
        raise ValueError("extended GeoPackage geometries are not supported")
    envelope = _ENVELOPE_BYTES.get((flags >> 1) & 0b111)
    if envelope is None:
        raise ValueError(f"invalid envelope indicator in flags {flags:#04x}")
    return blob[8 + envelope :]


def read_geopackage(raw: bytes, where: str = "") -> tuple[str, list[dict[str, object]], np.ndarray]:
    """Read the single feature table of a GeoPackage held in memory.

    Parameters
    ----------
    raw : bytes
        The whole file, already verified by the caller (it is never read again from disk).
    where : str, optional
        Where the bytes came from, for error messages.

    Returns
    -------
    table : str
        The feature table's name.
    rows : list of dict
        Each feature's attributes (``BOOLEAN`` columns as bool), in ``fid`` order.
    geometries : numpy.ndarray
        The features' shapely geometries, in the same order (None for a null geometry).

    Raises
    ------
    DataError
        When the bytes are not a GeoPackage with exactly one feature table in WGS84.
    """
    con = sqlite3.connect(":memory:")
    try:
        con.deserialize(raw)
        (app_id,) = con.execute("PRAGMA application_id").fetchone()
        tables = con.execute(
            "SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c "
            "JOIN gpkg_geometry_columns g USING (table_name) WHERE c.data_type = 'features'"
        ).fetchall()
        if app_id != APPLICATION_ID or len(tables) != 1 or tables[0][2] != 4326:
            raise DataError(f"{where} is not a GeoPackage with one WGS84 feature table")
        table, geom_column, _ = tables[0]
        info = con.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
        columns = [(name, kind.upper()) for _, name, kind, _, _, pk in info if not pk and name != geom_column]
        select = ", ".join(_quote(c) for c in [geom_column, *(name for name, _ in columns)])
        records = con.execute(f"SELECT {select} FROM {_quote(table)} ORDER BY fid").fetchall()  # noqa: S608
    except (sqlite3.DatabaseError, ValueError) as exc:
        raise DataError(f"{where} is not a readable GeoPackage ({exc})") from exc
    finally:
        con.close()
    names = [name for name, _ in columns]
    rows = [dict(zip(names, rec[1:], strict=True)) for rec in records]
    for name in (name for name, kind in columns if kind == "BOOLEAN"):
        for row in rows:
            if row[name] is not None:
                row[name] = bool(row[name])
    try:
        wkb = np.array([None if rec[0] is None else _strip_header(rec[0]) for rec in records], dtype=object)
        geoms = shapely.from_wkb(wkb)
    except (ValueError, shapely.errors.GEOSException) as exc:
        raise DataError(f"{where} holds a geometry that cannot be decoded ({exc})") from exc
    return table, rows, geoms
