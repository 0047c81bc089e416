"""The child process that reads one upload: one GDAL driver, CPU and memory limits, Landlock.

:func:`geo.userlayer.read_user_layer` runs this file as a fresh interpreter
(``python -I upload_worker.py JOB``) in a temporary folder holding the upload. The child
imports everything it needs, then limits itself (``RLIMIT_CPU``, ``RLIMIT_AS``,
``RLIMIT_FSIZE``) and, where the kernel has Landlock, restricts itself to reading that folder
and GDAL's and PROJ's data files, with no network. Only then does it open the upload, with
the one GDAL driver its format needs (every other driver is skipped through ``GDAL_SKIP``).
It answers with data, never pickle: ``result.json`` (status, notes, string properties, WKB
sizes) and ``geoms.wkb`` in the same folder, which the parent validates.

This module imports nothing from ``geo`` so that the child starts without the library.
"""

from __future__ import annotations

import bz2  # noqa: F401  (zipfile imports these lazily; the sandbox would refuse them later)
import ctypes
import ctypes.util
import json
import lzma
import math
import os
import posixpath
import re
import resource
import sqlite3
import sys
import time
import warnings
import zipfile
import zlib
from pathlib import Path

__all__ = ["DRIVERS", "SandboxUnavailableError", "landlock_abi", "restrict_to"]

#: The one GDAL driver each accepted format is opened with.
DRIVERS = {"GeoJSON": "GeoJSON", "GeoPackage": "GPKG", "KML": "KML", "zipped shapefile": "ESRI Shapefile"}
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_CHUNK = 1 << 20

# Landlock (linux/landlock.h); the system call numbers are the same on every architecture.
_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38
_FS_READ_FILE, _FS_READ_DIR = 1 << 2, 1 << 3
# Every filesystem right each ABI knows: 13 in ABI 1, REFER in 2, TRUNCATE in 3, IOCTL_DEV in 5.
_FS_ALL = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1, 5: (1 << 16) - 1}
_FS_FOLDER = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 7) | (1 << 8)  # files and dirs
_FS_TRUNCATE = 1 << 14
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1


class SandboxUnavailableError(OSError):
    """The kernel offers no Landlock, so reads cannot be confined to a folder."""


class _RefusalError(Exception):
    """The upload is refused; the message is plain text for the user."""


class _RulesetAttr(ctypes.Structure):
    _fields_ = (("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64))


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, or 0 where Landlock is missing or disabled.

    Examples
    --------
    >>> landlock_abi() >= 0
    True
    """
    if not sys.platform.startswith("linux"):
        return 0
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    version = libc.syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION))
    return max(int(version), 0)


def restrict_to(folder: str | os.PathLike, readable: tuple[str | os.PathLike, ...] = ()) -> int:
    """Confine this process, for good, to ``folder`` (read and write) and ``readable`` (read only).

    Nothing else on the filesystem can be opened afterwards, no TCP connection can be made
    (ABI 4 and later) and no signal or abstract socket reaches other processes (ABI 6 and
    later). Threads started earlier keep their freedom: call this before starting any.

    Parameters
    ----------
    folder : path
        The only folder the process may read and write below.
    readable : tuple of paths
        Folders it may still read (data files opened after start-up); missing ones are ignored.

    Returns
    -------
    int
        The Landlock ABI version that was applied.

    Raises
    ------
    SandboxUnavailableError
        When the kernel has no Landlock or refuses the rules; the process is then unchanged.
    """
    abi = landlock_abi()
    if abi < 1:
        raise SandboxUnavailableError("Landlock is not available in this kernel.")
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    fs_all = _FS_ALL.get(abi, _FS_ALL[5])
    attr = _RulesetAttr(fs_all, (_NET_BIND_TCP | _NET_CONNECT_TCP) if abi >= 4 else 0,
                        (_SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL) if abi >= 6 else 0)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    ruleset = libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise SandboxUnavailableError(f"landlock_create_ruleset failed: {os.strerror(ctypes.get_errno())}")
    try:
        folder_access = _FS_FOLDER | (_FS_TRUNCATE if abi >= 3 else 0)
        rules = [(Path(folder), folder_access)] + [(Path(p), _FS_READ_FILE | _FS_READ_DIR) for p in readable]
        for path, access in rules:
            if not path.is_dir():
                continue
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = _PathBeneathAttr(access & fs_all, fd)
                if libc.syscall(_SYS_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH),
                                ctypes.byref(rule), ctypes.c_uint32(0)) < 0:
                    raise SandboxUnavailableError(f"landlock_add_rule failed: {os.strerror(ctypes.get_errno())}")
            finally:
                os.close(fd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise SandboxUnavailableError(f"prctl(NO_NEW_PRIVS) failed: {os.strerror(ctypes.get_errno())}")
        if libc.syscall(_SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) < 0:
            raise SandboxUnavailableError(f"landlock_restrict_self failed: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(ruleset)
    return abi


# ---------------------------------------------------------------------------------------------
# The work, run only inside the child.


def _inert(text: str, limit: int = 40) -> str:
    cleaned = "".join(c if c.isprintable() else "?" for c in text[:limit])
    return cleaned + ("…" if len(text) > limit else "")


class _Clock:
    """CPU seconds spent on the work itself, start-up excluded."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.start = time.process_time()

    def used(self) -> float:
        return time.process_time() - self.start

    def check(self, step: str) -> None:
        if self.used() > self.limit:
            raise _RefusalError(f"Preparing this layer took longer than {self.limit:g} s of computing ({step}). "
                           "Simplify it in a GIS program or split it, then upload again.")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB"


def _plain_gdal(text: str, kind: str) -> str:
    """GDAL's reason in a user's words, without paths or configuration options."""
    lowered = text.lower()
    if "shape_restore_shx" in lowered or ".shx" in lowered:
        return ("The shapefile's index (.shx file) is missing or damaged. Zip the .shp together with its .shx, "
                ".dbf and .prj files and upload the zip again.")
    if "not recognized as being in a supported file format" in lowered or "not recognised" in lowered:
        return (f"This file cannot be read as {kind}: its content is not valid {kind}. "
                f"Export the layer again as {kind} and upload that file.")
    if "malformed" in lowered or "not a database" in lowered or "file is encrypted" in lowered:
        return "This GeoPackage file cannot be read: the database is damaged. Export the layer again and upload it."
    cleaned = re.sub(r"(?:/[\w.\-]+)+", "the file", text)
    cleaned = re.sub(r"\b[A-Z][A-Z0-9_]{3,}\b(?: config(?:uration)? option)?", "a setting", cleaned)
    cleaned = " ".join(cleaned.split()).rstrip(".")
    return (f"This {kind} file cannot be read: {_inert(cleaned, 200) or 'unknown reason'}. "
            "Check that it opens in a GIS program, then upload it again.")


def _unpack_shapefile(folder: Path, max_members: int, max_unpacked: int, notes: list[str]) -> Path:
    """Unpack the first shapefile's parts, streaming and stopping at the byte cap whatever headers say."""
    try:
        archive = zipfile.ZipFile(folder / "upload.zip")
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise _RefusalError(f"This zip file cannot be opened ({_inert(str(error), 120)}). "
                       "Zip the shapefile again and upload the new file.") from None
    with archive:
        if len(members) > max_members:
            raise _RefusalError(f"The zip file has {len(members):,} entries; at most {max_members} are accepted.")
        files = [m for m in members if not m.is_dir() and not m.filename.startswith("__MACOSX/")]
        shps = sorted((m for m in files if m.filename.lower().endswith(".shp")), key=lambda m: m.filename)
        if not shps:
            raise _RefusalError("The zip file holds no .shp file. Zip a shapefile's .shp, .shx, .dbf and .prj "
                           "files together and upload the zip.")
        stem = shps[0].filename[:-4]
        if len(shps) > 1:
            notes.append(f"Read the shapefile “{_inert(posixpath.basename(stem))}”, the first of "
                         f"{len(shps)}; the others were skipped.")
        parts = {posixpath.splitext(m.filename)[1].lower(): m for m in files
                 if posixpath.splitext(m.filename)[0] == stem
                 and posixpath.splitext(m.filename)[1].lower() in _SHAPEFILE_PARTS}
        if ".shx" not in parts:
            raise _RefusalError("The zip file has the shapefile's .shp but not its .shx (the index GIS programs need "
                           "to read it). Zip the .shp together with its .shx, .dbf and .prj files and upload again.")
        written = 0
        for ext, member in parts.items():
            if member.flag_bits & 0x1:
                raise _RefusalError("The zip file is password-protected. Zip the shapefile again without a password "
                               "and upload the new file.")
            try:
                with archive.open(member) as source, open(folder / f"layer{ext}", "wb") as target:
                    while chunk := source.read(_CHUNK):
                        written += len(chunk)
                        if written > max_unpacked:
                            raise _RefusalError(f"The zip file unpacks to more than {_megabytes(max_unpacked)} "
                                           "(whatever its headers say). Upload a smaller layer.")
                        target.write(chunk)
            except _RefusalError:
                raise
            except RuntimeError as error:  # zipfile's word for an encrypted member
                raise _RefusalError("The zip file is password-protected or uses an encryption it cannot open "
                               f"({_inert(str(error), 80)}). Zip the shapefile again without a password.") from None
            except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, NotImplementedError,
                    OSError, ValueError) as error:
                raise _RefusalError(f"A file in the zip is damaged and cannot be unpacked ({_inert(str(error), 80)}). "
                               "Zip the shapefile again and upload the new file.") from None
    shp = folder / "layer.shp"
    with open(shp, "rb") as handle:
        if handle.read(4) != b"\x00\x00\x27\x0a":
            raise _RefusalError("This file does not look like shapefile: its content does not match its name. "
                           "Export the layer again as a shapefile and upload that file.")
    return shp


def _check_geopackage(path: Path, clock: _Clock) -> None:
    """Refuse views, virtual tables (other than R-trees) and feature entries that are not plain tables."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as error:
        raise _RefusalError(f"This GeoPackage file cannot be opened ({_inert(str(error), 80)}).") from None
    connection.set_progress_handler(lambda: 1 if clock.used() > clock.limit else 0, 10_000)
    try:
        schema = connection.execute("SELECT type, name, coalesce(sql, '') FROM sqlite_master").fetchall()
        views = [name for kind, name, _ in schema if kind == "view"]
        if views:
            raise _RefusalError(f"This GeoPackage contains a view (“{_inert(views[0])}”); only plain tables are read. "
                           "Save the view's features as a table (e.g. in QGIS: Export › Save Features As) and "
                           "upload that file.")
        for _kind, name, sql in schema:
            head = " ".join(sql.split()).upper()
            if head.startswith("CREATE VIRTUAL TABLE") and " USING RTREE" not in head:
                raise _RefusalError(f"This GeoPackage contains a virtual table (“{_inert(name)}”), which is not "
                               "accepted. Save the layer as a plain GeoPackage and upload that file.")
        tables = {name: sql for kind, name, sql in schema if kind == "table"}
        if "gpkg_contents" not in tables:
            raise _RefusalError("This file is an SQLite database but not a GeoPackage (it has no gpkg_contents table). "
                           "Export the layer as GeoPackage and upload that file.")
        contents = connection.execute("SELECT table_name, data_type FROM gpkg_contents").fetchall()
    except sqlite3.OperationalError as error:
        if clock.used() > clock.limit:
            clock.check("checking the GeoPackage")
        raise _RefusalError(f"This GeoPackage file cannot be read ({_inert(str(error), 80)}). "
                       "Export the layer again and upload it.") from None
    except sqlite3.Error as error:
        raise _RefusalError(f"This GeoPackage file cannot be read ({_inert(str(error), 80)}). "
                       "Export the layer again and upload it.") from None
    finally:
        connection.close()
    features = [str(name) for name, data_type in contents if str(data_type).lower() == "features"]
    for name in features:
        sql = " ".join(str(tables.get(name, "")).split()).upper()
        if name not in tables or sql.startswith("CREATE VIRTUAL"):
            raise _RefusalError(f"This GeoPackage lists “{_inert(name)}” as features but it is not a plain table. "
                           "Save the layer as a plain GeoPackage and upload that file.")
    if not features:
        raise _RefusalError("This GeoPackage has no feature table. Upload a layer with points, lines or polygons.")


def _scan_geojson(path: Path, max_fields: int) -> None:
    """Refuse what GDAL must not see: non-GeoJSON JSON, no features, too many property names."""
    try:
        with open(path, "rb") as handle:
            document = json.load(handle)
    except RecursionError:
        raise _RefusalError("This GeoJSON file is nested too deeply to read. Export the layer again.") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise _RefusalError(f"This GeoJSON file cannot be read: it is not valid JSON ({_inert(str(error), 80)}). "
                       "Check that it opens in a GIS program, then upload it again.") from None
    kind = document.get("type") if isinstance(document, dict) else None
    geometry_types = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
                      "GeometryCollection")
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            raise _RefusalError("This GeoJSON FeatureCollection has no “features” list. Export the layer again.")
        if not features:
            raise _RefusalError("This GeoJSON file is an empty FeatureCollection: it has no features. "
                           "Upload a layer with at least one feature.")
    elif kind == "Feature":
        features = [document]
    elif kind in geometry_types:
        features = []
    else:
        raise _RefusalError(f"This file is JSON but not GeoJSON (its type is “{_inert(str(kind))}”). "
                       "Upload a GeoJSON FeatureCollection, Feature or geometry.")
    names: set[str] = set()
    for item in features:
        properties = item.get("properties") if isinstance(item, dict) else None
        if isinstance(properties, dict):
            names.update(properties)
            if len(names) > max_fields:
                raise _RefusalError(f"This layer's features have more than {max_fields:,} different property names; "
                               f"at most {max_fields:,} are accepted. Keep only the properties you need.")


def _choose_layer(pyogrio, path: Path, kind: str, notes: list[str]) -> str:
    layers = pyogrio.list_layers(path)
    if not len(layers):
        raise _RefusalError("This file holds no layers. Upload a file with at least one feature.")
    spatial = [str(name) for name, geometry_type in layers if geometry_type is not None]
    if not spatial:
        raise _RefusalError("This file's layers have no geometry. Upload a layer with points, lines or polygons.")
    if len(layers) > 1:
        notes.append(f"Read the layer “{_inert(spatial[0])}”, the first with geometry of {len(layers)}; "
                     "the others were skipped.")
    return spatial[0]


def _number_text(value: object, integer: bool) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if integer and value.is_integer():
            return str(int(value))
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return str(value)


def _value_text(value: object, ogr_type: str, max_chars: int) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        return f"(binary, {len(bytes(value)):,} bytes)"
    if ogr_type in ("OFTInteger", "OFTInteger64", "OFTReal"):
        text = _number_text(value.item() if hasattr(value, "item") else value, ogr_type != "OFTReal")
    elif isinstance(value, str):
        text = value
    elif hasattr(value, "item"):
        item = value.item()
        text = "" if isinstance(item, float) and math.isnan(item) else str(item)
    else:
        text = str(value)
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def _thin_ring(shapely, np, ring, tolerance: float):
    coords = shapely.get_coordinates(shapely.remove_repeated_points(shapely.LineString(ring.coords), tolerance))
    if not np.array_equal(coords[0], coords[-1]):
        coords = np.vstack([coords, coords[:1]])
    return coords if len(coords) >= 4 else None


def _thin(shapely, np, geom, tolerance: float):
    """Drop vertices within ``tolerance`` of the last kept one, in linear time; None if nothing is left."""
    kind = geom.geom_type
    if kind == "Polygon":
        shell = _thin_ring(shapely, np, geom.exterior, tolerance)
        if shell is None:
            return None
        holes = [h for h in (_thin_ring(shapely, np, r, tolerance) for r in geom.interiors) if h is not None]
        return shapely.Polygon(shell, holes)
    if kind in ("LineString", "LinearRing"):
        return shapely.remove_repeated_points(geom, tolerance)
    if kind in ("MultiPolygon", "MultiLineString", "MultiPoint", "GeometryCollection"):
        parts = [p for p in (_thin(shapely, np, part, tolerance) for part in geom.geoms) if p is not None]
        return type(geom)(parts) if parts else None
    return geom


def _fit_vertices(shapely, np, geoms, job: dict, clock: _Clock, notes: list[str]):
    max_vertices = job["max_vertices"]
    count = int(shapely.get_num_coordinates(geoms).sum())
    if count <= max_vertices:
        return geoms
    if count > job["hard_vertex_factor"] * max_vertices:
        raise _RefusalError(f"This layer has {count:,} vertices, far more than the {max_vertices:,} that fit "
                       "on the map. Simplify it in a GIS program (e.g. QGIS: Vector › Geometry Tools › "
                       "Simplify) and upload again.")
    # GEOS's topology-preserving simplifier took 5-20 s on 0.4-1 M vertices and cannot be
    # interrupted, so vertices are thinned in linear time instead and the result repaired after.
    tolerance = max(float(shapely.length(geoms).sum()) / max_vertices, 1e-9)
    for _ in range(24):
        clock.check("simplifying")
        thinned = np.array([None if g is None else _thin(shapely, np, g, tolerance) for g in geoms], dtype=object)
        kept = int(shapely.get_num_coordinates(thinned).sum())
        if kept <= max_vertices:
            notes.append(f"Simplified from {count:,} to {kept:,} vertices to fit {max_vertices:,} "
                         f"(vertices closer than {tolerance:.2g}° were merged).")
            return thinned
        tolerance *= 2
    raise _RefusalError(f"This layer's {count:,} vertices could not be simplified to {max_vertices:,}. "
                   "Simplify it in a GIS program and upload again.")


def _to_lonlat(shapely, np, pyproj, geoms, crs_text: str | None, notes: list[str]):
    wgs84 = pyproj.CRS.from_epsg(4326)
    coords = shapely.get_coordinates(geoms)
    if not crs_text:
        if not (len(coords) and (np.abs(coords[:, 0]) <= 180).all() and (np.abs(coords[:, 1]) <= 90).all()):
            raise _RefusalError("This layer has no coordinate reference system and its coordinates are not "
                           "longitude/latitude. Save it with its CRS (for a shapefile, include the .prj file).")
        notes.append("The file gives no coordinate reference system; assumed longitude/latitude (EPSG:4326).")
        return geoms
    try:
        crs = pyproj.CRS.from_user_input(crs_text)
    except pyproj.exceptions.CRSError as error:
        raise _RefusalError(f"This layer's coordinate reference system cannot be read ({_inert(str(error), 80)}). "
                       "Save it in EPSG:4326 and upload again.") from None
    if crs.equals(wgs84) or crs.equals(pyproj.CRS.from_user_input("OGC:CRS84")):
        return geoms
    epsg = crs.to_epsg()
    label = f"EPSG:{epsg}" if epsg else _inert(crs.name or "an unnamed CRS", 80)
    try:
        transformer = pyproj.Transformer.from_crs(crs, wgs84, always_xy=True)
        moved = shapely.transform(geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1],
                                                                                          errcheck=True)))
    except Exception as error:  # pyproj raises several types, all meaning "cannot transform"
        raise _RefusalError(f"This layer cannot be reprojected from {label} to longitude/latitude "
                       f"({_inert(str(error), 120)}). Save it in EPSG:4326 and upload again.") from None
    notes.append(f"Reprojected from {label} to longitude/latitude (EPSG:4326).")
    return moved


def _read(job: dict, folder: Path, clock: _Clock, notes: list[str]) -> tuple[list, list[str], list[list[str]]]:
    import numpy as np
    import pyogrio
    import pyogrio.raw
    import pyproj
    import shapely

    kind = job["kind"]
    if kind == "zipped shapefile":
        path = _unpack_shapefile(folder, job["max_members"], job["max_unpacked_bytes"], notes)
    else:
        path = folder / job["name"]
        if kind == "GeoPackage":
            _check_geopackage(path, clock)
        elif kind == "GeoJSON":
            _scan_geojson(path, job["max_fields"])
    clock.check("checking")
    options = {"DATE_AS_STRING": "YES"} if kind == "GeoJSON" else {}
    errors = (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError,
              pyogrio.errors.GeometryError, pyogrio.errors.CRSError, pyogrio.errors.FeatureError)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layer = _choose_layer(pyogrio, path, kind, notes)
            info = pyogrio.read_info(path, layer=layer, **options)
            if info.get("driver") != DRIVERS[kind]:
                raise _RefusalError(f"This file is not {kind}. Export the layer as {kind} and upload that file.")
            count = int(info.get("features", -1))
            if count == 0:
                raise _RefusalError("This layer has no features. Upload a layer with at least one feature.")
            if count > job["max_features"]:
                raise _RefusalError(f"This layer has {count:,} features; at most {job['max_features']:,} are "
                               "accepted. Split it or keep only the features you need.")
            fields = [str(f) for f in info["fields"]]
            if len(fields) > job["max_fields"]:
                raise _RefusalError(f"This layer has {len(fields):,} properties; at most {job['max_fields']:,} are "
                               "accepted. Keep only the properties you need.")
            wanted = fields[: job["max_columns"]]
            if len(fields) > len(wanted):
                notes.append(f"Kept the first {len(wanted)} of {len(fields)} properties.")
            clock.check("reading")
            meta, _, wkb, columns = pyogrio.raw.read(path, layer=layer, columns=wanted, force_2d=True,
                                                     max_features=job["max_features"] + 1,
                                                     datetime_as_string=True, **options)
    except errors as error:
        raise _RefusalError(_plain_gdal(str(error), kind)) from None
    if wkb is None or len(wkb) > job["max_features"]:
        raise _RefusalError(f"This layer has more than {job['max_features']:,} features. "
                       "Split it or keep only the features you need.")
    if len(wkb) == 0:
        raise _RefusalError("This layer has no features. Upload a layer with at least one feature.")
    clock.check("reading")

    geoms = shapely.from_wkb(wkb, on_invalid="ignore")
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not present.any():
        raise _RefusalError("No feature in this layer has a geometry. Upload a layer with points, lines or polygons.")
    keep = np.flatnonzero(present)
    if not present.all():
        notes.append(f"Skipped {_features(int((~present).sum()))} without geometry.")
        geoms = geoms[keep]
    if not np.isfinite(shapely.get_coordinates(geoms)).all():
        raise _RefusalError("This layer has coordinates that are not finite numbers (NaN or infinity). "
                       "Fix them in a GIS program and upload again.")
    geoms = _to_lonlat(shapely, np, pyproj, geoms, meta.get("crs"), notes)
    coords = shapely.get_coordinates(geoms)
    if not np.isfinite(coords).all() or not (
        (np.abs(coords[:, 0]) <= 180 + 1e-9).all() and (np.abs(coords[:, 1]) <= 90 + 1e-9).all()
    ):
        raise _RefusalError("This layer's coordinates fall outside longitude −180…180 / latitude −90…90, so its "
                       "coordinate reference system is probably declared wrongly. Fix it and upload again.")
    clock.check("reprojecting")

    geoms = _fit_vertices(shapely, np, geoms, job, clock, notes)
    vanished = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    invalid = np.flatnonzero(~vanished & ~shapely.is_valid(geoms))
    if len(invalid):
        geoms = geoms.copy()
        for index in invalid:  # one at a time, so the CPU limit is checked between repairs
            geoms[index] = shapely.make_valid(geoms[index])
            clock.check("repairing")
        count = len(invalid)
        notes.append(f"{count:,} invalid {'geometry was' if count == 1 else 'geometries were'} repaired.")
        vanished = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if vanished.all():
        raise _RefusalError("Every feature vanished when the layer was repaired or simplified to fit. "
                       "Check its geometry in a GIS program and upload again.")
    if vanished.any():
        notes.append(f"Dropped {_features(int(vanished.sum()))} too small or degenerate to keep.")
    kept = keep[~vanished]
    geoms = geoms[~vanished]

    names: list[str] = []
    values: list[list[str]] = []
    total = 0
    ogr_types = list(meta.get("ogr_types") or [])
    for index, (field, column) in enumerate(zip(meta["fields"], columns), start=1):
        ogr_type = ogr_types[index - 1] if index - 1 < len(ogr_types) else ""
        texts = [_value_text(column[i], ogr_type, job["max_value_chars"]) for i in kept]
        if not any(texts):  # KML readers add a dozen columns that are always empty
            continue
        total += sum(len(t.encode("utf-8", "surrogatepass")) for t in texts)
        if total > job["max_property_bytes"]:
            raise _RefusalError(f"This layer's property values hold more than {_megabytes(job['max_property_bytes'])} "
                           "of text. Keep only the properties you need and upload again.")
        key = " ".join(str(field).split())[: job["max_key_chars"]] or f"property {index}"
        if key == "geometry" or key in names:
            key = f"{key} ({index})"
        names.append(key)
        values.append(texts)
    clock.check("repairing")
    return [shapely.to_wkb(g) for g in geoms], names, values


def _features(count: int) -> str:
    return f"{count:,} feature{'' if count == 1 else 's'}"


def _write(folder: Path, result: dict, wkbs: list[bytes] = ()) -> None:
    result["sizes"] = [len(w) for w in wkbs]
    with open(folder / "geoms.wkb", "wb") as handle:
        for w in wkbs:
            handle.write(w)
    text = json.dumps(result, ensure_ascii=False).encode("utf-8", "surrogatepass")
    (folder / "result.tmp").write_bytes(text)
    os.replace(folder / "result.tmp", folder / "result.json")


def _limit_self(job: dict) -> None:
    """RLIMIT_CPU, RLIMIT_AS and RLIMIT_FSIZE, from what start-up already used."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = used.ru_utime + used.ru_stime
    soft = math.ceil(cpu + job["max_seconds"]) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + 1))
    with open("/proc/self/statm") as handle:
        mapped = int(handle.read().split()[0]) * resource.getpagesize()
    memory = mapped + job["max_memory_bytes"]
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    size = job["max_unpacked_bytes"] + job["max_bytes"] + (64 << 20)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main(argv: list[str]) -> int:
    """Read the upload described by the job (JSON in ``argv[1]``), answer in ``result.json``."""
    job = json.loads(argv[1])
    folder = Path(job["folder"])
    # Everything the work imports, imported before the sandbox closes. pyogrio would load pandas
    # and geopandas only to learn their versions: 0.4 s of CPU a read that the raw reader never uses.
    for unused in ("pandas", "geopandas", "pyarrow", "matplotlib"):
        sys.modules.setdefault(unused, None)
    import encodings

    import numpy  # noqa: F401
    import pyogrio
    import pyogrio.raw
    import pyproj
    import shapely  # noqa: F401

    # Data files opened after start-up: GDAL's and PROJ's, Python's codecs (a shapefile's .cpg or
    # a zip's names pick one) and glibc's iconv modules. None of them holds anything secret.
    readable = [pyogrio.get_gdal_data_path(), pyproj.datadir.get_data_dir(),
                str(Path(pyogrio.__file__).parent / "proj_data"), str(Path(encodings.__file__).parent),
                *(str(p) for p in Path("/usr/lib").glob("*/gconv")), "/usr/lib/gconv", "/usr/lib64/gconv"]
    startup = time.process_time()
    _limit_self(job)
    try:
        sandbox = restrict_to(folder, tuple(p for p in readable if p))
        sandbox_note = ""
    except SandboxUnavailableError as error:
        if job.get("require_sandbox"):
            _write(folder, {"status": "error", "message": f"sandbox: {error}"})
            return 3
        sandbox, sandbox_note = 0, str(error)
    clock = _Clock(job["max_seconds"])
    notes: list[str] = []
    base = {"landlock": sandbox, "sandbox_note": sandbox_note, "startup_cpu": round(startup, 3)}
    try:
        wkbs, names, values = _read(job, folder, clock, notes)
    except _RefusalError as refusal:
        _write(folder, {**base, "status": "refused", "message": str(refusal), "work_cpu": clock.used()})
        return 0
    except MemoryError:
        del notes
        _write(folder, {**base, "status": "memory"})
        return 4
    except RecursionError:
        _write(folder, {**base, "status": "refused",
                        "message": "This file is nested too deeply to read. Export the layer again."})
        return 0
    except Exception as error:  # anything else the readers raise: reported as data, never a traceback
        _write(folder, {**base, "status": "error", "message": _plain_gdal(f"{type(error).__name__}: {error}",
                                                                          job["kind"])})
        return 5
    _write(folder, {**base, "status": "ok", "notes": notes, "columns": names, "values": values,
                    "work_cpu": round(clock.used(), 3)}, wkbs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
