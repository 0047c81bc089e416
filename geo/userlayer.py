"""A user's own layer: read uploaded GeoJSON, GeoPackage, KML or zipped shapefile within limits."""

from __future__ import annotations

import html
import io
import math
import posixpath
import re
import tempfile
import time
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import CRS

from geo import style
from geo.errors import InputError
from geo.layers import feature, feature_collection

__all__ = [
    "EXTENSIONS",
    "MAX_COLUMNS",
    "MAX_VALUE_CHARS",
    "USER_COLOR",
    "UploadLimits",
    "UserLayer",
    "read_user_layer",
    "user_layer_geojson",
    "user_layer_group",
]

#: File name endings a user may upload, with the format each stands for.
EXTENSIONS = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GeoPackage",
    ".kml": "KML",
    ".zip": "zipped shapefile",
}
#: Longer property values are cut; the popup shows text, not documents.
MAX_VALUE_CHARS = 500
#: More properties than this are dropped (the first ones are kept).
MAX_COLUMNS = 50
USER_COLOR = style.USER.color
_MAX_NAME_CHARS = 120
_MAX_KEY_CHARS = 100
_MAX_MESSAGE_CHARS = 300
#: Vertex counts beyond this multiple of the limit are refused at once, unread by GEOS.
_HARD_VERTEX_FACTOR = 25
#: Popup HTML for the whole layer stays within this many characters.
_POPUP_BUDGET = 4_000_000
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
# Bidirectional overrides, isolates and line separators would garble the name around them.
_UNSAFE_NAME_CHARS = re.compile("[\u202a-\u202e\u2066-\u2069\u2028\u2029\u200e\u200f]")
_CLASS_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_JS_SENSITIVE = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"})
_DRIVER_ERRORS = (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError,
                  pyogrio.errors.GeometryError, pyogrio.errors.CRSError, pyogrio.errors.FeatureError)


@dataclass(frozen=True)
class UploadLimits:
    """What one upload may cost: bytes, features, vertices and seconds.

    Parameters
    ----------
    max_bytes : int
        Size of the uploaded file (match Streamlit's ``server.maxUploadSize``).
    max_features : int
        Features read; a larger layer is refused.
    max_vertices : int
        Vertices kept; a larger layer is simplified to fit, or refused.
    max_seconds : float
        Wall-clock time for reading, repairing and simplifying.
    max_unpacked_bytes : int
        Total uncompressed size of a zip file's members.
    max_members : int
        Entries in a zip file.

    Examples
    --------
    >>> UploadLimits(max_features=100).max_features
    100
    """

    max_bytes: int = 10 * 1024 * 1024
    max_features: int = 5000
    max_vertices: int = 200_000
    max_seconds: float = 5.0
    max_unpacked_bytes: int = 50 * 1024 * 1024
    max_members: int = 64

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_features", "max_vertices", "max_unpacked_bytes", "max_members"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(f"UploadLimits.{name} must be a positive whole number, not {value!r}.")
        seconds = self.max_seconds
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 < seconds < math.inf:
            raise InputError(f"UploadLimits.max_seconds must be a positive number, not {seconds!r}.")


@dataclass(frozen=True, eq=False)
class UserLayer:
    """A user's layer, ready to draw: lon/lat geometry, string properties and notes.

    Parameters
    ----------
    name : str
        Plain text shown as the layer's name (escape it before it reaches HTML).
    frame : geopandas.GeoDataFrame
        One row per feature in EPSG:4326; every property is a string.
    notes : tuple of str
        Plain-text messages about what was changed on reading, e.g. repairs.
    """

    name: str
    frame: gpd.GeoDataFrame
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError("A user layer needs a non-empty name.")
        if not isinstance(self.frame, gpd.GeoDataFrame) or self.frame.crs is None:
            raise InputError("A user layer needs a GeoDataFrame with a coordinate reference system.")
        if not self.frame.crs.equals(CRS.from_epsg(4326)):
            raise InputError(f"A user layer must be in EPSG:4326, not {self.frame.crs.to_string()}.")
        if not isinstance(self.notes, tuple) or not all(isinstance(n, str) for n in self.notes):
            raise InputError("A user layer's notes must be a tuple of strings.")


def _inert(text: str, limit: int = 40) -> str:
    """A short, printable preview of user text for a plain-text message."""
    cleaned = "".join(c if c.isprintable() and not _UNSAFE_NAME_CHARS.match(c) else "?" for c in text[:limit])
    return cleaned + ("…" if len(text) > limit else "")


def _layer_name(filename: str) -> str:
    base = re.split(r"[\\/]", filename)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = _UNSAFE_NAME_CHARS.sub("", stem)
    stem = "".join(c for c in stem if unicodedata.category(c) != "Cc")
    stem = " ".join(stem.split())[:_MAX_NAME_CHARS]
    return stem or "Your layer"


def _features(count: int) -> str:
    return f"{count:,} feature{'' if count == 1 else 's'}"


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB"


def _driver_message(error: Exception, folder: str) -> str:
    """The driver's reason without temp paths, tracebacks or an essay."""
    text = str(error).replace(folder + "/", "").replace(folder, "")
    text = re.sub(r"(?:/[\w.\-]+)+", "the file", text)
    text = " ".join(text.split())
    return _inert(text, _MAX_MESSAGE_CHARS) or type(error).__name__


def _check_magic(kind: str, head: bytes) -> None:
    # GDAL picks a driver from the content, not the name: a ".kml" that is really a VRT
    # could make it read other files on the server, so the content must match the name.
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if kind == "GeoJSON":
        ok = text.startswith(b"{")
    elif kind == "KML":
        lowered = text[:4096].lower()
        ok = text.startswith(b"<") and b"<kml" in lowered and b"ogrvrtdatasource" not in lowered
    elif kind == "GeoPackage":
        ok = head.startswith(b"SQLite format 3\x00")
    else:  # the .shp of a shapefile
        ok = head.startswith(b"\x00\x00\x27\x0a")
    if not ok:
        raise InputError(f"This file does not look like {kind}: its content does not match its name. "
                         f"Export the layer again as {kind} and upload that file.")


def _safe_member(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return not (name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts or "\x00" in name)


def _unpack_shapefile(data: bytes, folder: Path, limits: UploadLimits, notes: list[str]) -> Path:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise InputError(f"This zip file cannot be opened ({_inert(str(error), 120)}). "
                         "Zip the shapefile again and upload the new file.") from None
    with archive:
        if len(members) > limits.max_members:
            raise InputError(f"The zip file has {len(members):,} entries; at most {limits.max_members} are "
                             "accepted. Zip only the shapefile's .shp, .shx, .dbf and .prj files.")
        unsafe = [m.filename for m in members if not _safe_member(m.filename)]
        if unsafe:
            raise InputError(f"The zip file contains an unsafe path “{_inert(unsafe[0])}” (absolute or with “..”). "
                             "Zip the shapefile's files without folders and upload again.")
        unpacked = sum(m.file_size for m in members)
        if unpacked > limits.max_unpacked_bytes:
            raise InputError(f"The zip file unpacks to {_megabytes(unpacked)}; at most "
                             f"{_megabytes(limits.max_unpacked_bytes)} are accepted. Upload a smaller layer.")
        files = [m for m in members if not m.is_dir() and not m.filename.startswith("__MACOSX/")]
        shps = sorted((m for m in files if m.filename.lower().endswith(".shp")), key=lambda m: m.filename)
        if not shps:
            raise InputError("The zip file holds no .shp file. Zip a shapefile's .shp, .shx, .dbf and .prj "
                             "files together and upload the zip.")
        stem = shps[0].filename[:-4]
        if len(shps) > 1:
            notes.append(f"Read the shapefile “{_inert(posixpath.basename(stem))}”, the first of "
                         f"{len(shps)}; the others were skipped.")
        for member in files:
            base, ext = posixpath.splitext(member.filename)
            if base == stem and ext.lower() in _SHAPEFILE_PARTS:
                try:
                    content = archive.read(member)
                except (zipfile.BadZipFile, NotImplementedError, OSError, ValueError, EOFError) as error:
                    raise InputError(f"A file in the zip cannot be unpacked ({_inert(str(error), 120)}). "
                                     "Zip the shapefile again and upload the new file.") from None
                (folder / f"layer{ext.lower()}").write_bytes(content)
    shp = folder / "layer.shp"
    _check_magic("shapefile", shp.read_bytes()[:4])
    return shp


def _choose_layer(path: Path, folder: str, notes: list[str]) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GDAL's warnings name the temp file; errors are raised
            layers = pyogrio.list_layers(path)
    except _DRIVER_ERRORS as error:
        raise InputError(f"This file cannot be read: {_driver_message(error, folder)}. "
                         "Check that it opens in a GIS program, then upload it again.") from None
    spatial = [str(name) for name, geometry_type in layers if geometry_type is not None]
    if not len(layers):
        raise InputError("This file holds no layers. Upload a file with at least one feature.")
    if not spatial:
        raise InputError("This file's layers have no geometry. Upload a layer with points, lines or polygons.")
    if len(layers) > 1:
        notes.append(f"Read the layer “{_inert(spatial[0])}”, the first with geometry of {len(layers)}; "
                     "the others were skipped.")
    return spatial[0]


def _read_frame(path: Path, folder: str, kind: str, limits: UploadLimits, notes: list[str]) -> gpd.GeoDataFrame:
    layer = _choose_layer(path, folder, notes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            info = pyogrio.read_info(path, layer=layer)
            count = int(info.get("features", -1))
            if count > limits.max_features:
                raise InputError(f"This layer has {count:,} features; at most {limits.max_features:,} are "
                                 "accepted. Split it or keep only the features you need.")
            frame = gpd.read_file(path, layer=layer, engine="pyogrio", force_2d=True,
                                  max_features=limits.max_features + 1, on_invalid="ignore")
    except _DRIVER_ERRORS as error:
        raise InputError(f"This {kind} file cannot be read: {_driver_message(error, folder)}. "
                         "Check that it opens in a GIS program, then upload it again.") from None
    except (ValueError, TypeError, OSError, UnicodeError) as error:
        raise InputError(f"This {kind} file cannot be read ({_driver_message(error, folder)}). "
                         "Check that it opens in a GIS program, then upload it again.") from None
    if len(frame) > limits.max_features:
        raise InputError(f"This layer has more than {limits.max_features:,} features. "
                         "Split it or keep only the features you need.")
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        raise InputError("This layer has no geometry. Upload a layer with points, lines or polygons.")
    return frame


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        return f"(binary, {len(bytes(value)):,} bytes)"
    try:
        if value is gpd.pd.NaT or (not isinstance(value, str | list | dict | tuple) and gpd.pd.isna(value)):
            return ""
    except (TypeError, ValueError):
        pass
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _properties(frame: gpd.GeoDataFrame, notes: list[str]) -> dict[str, list[str]]:
    columns = [c for c in frame.columns if c != frame.geometry.name]
    if len(columns) > MAX_COLUMNS:
        notes.append(f"Kept the first {MAX_COLUMNS} of {len(columns)} properties.")
        columns = columns[:MAX_COLUMNS]
    out: dict[str, list[str]] = {}
    for index, column in enumerate(columns, start=1):
        key = " ".join(str(column).split())[:_MAX_KEY_CHARS] or f"property {index}"
        if key == "geometry" or key in out:
            key = f"{key} ({index})"
        values = [_text(v) for v in frame[column].tolist()]
        if any(values):  # KML readers add a dozen columns that are always empty
            out[key] = values
    return out


def _deadline_check(deadline: float, limits: UploadLimits, step: str) -> None:
    if time.monotonic() > deadline:
        raise InputError(f"Preparing this layer took longer than {limits.max_seconds:g} s ({step}). "
                         "Simplify it in a GIS program or split it, then upload again.")


def _thin_ring(ring: shapely.LinearRing, tolerance: float) -> np.ndarray | None:
    coords = shapely.get_coordinates(shapely.remove_repeated_points(shapely.LineString(ring.coords), tolerance))
    if not np.array_equal(coords[0], coords[-1]):
        coords = np.vstack([coords, coords[:1]])
    return coords if len(coords) >= 4 else None


def _thin(geom: shapely.Geometry, tolerance: float) -> shapely.Geometry | None:
    """Drop vertices within ``tolerance`` of the last kept one, in linear time; None if nothing is left."""
    kind = geom.geom_type
    if kind == "Polygon":
        shell = _thin_ring(geom.exterior, tolerance)
        if shell is None:
            return None
        holes = [h for h in (_thin_ring(r, tolerance) for r in geom.interiors) if h is not None]
        return shapely.Polygon(shell, holes)
    if kind in ("LineString", "LinearRing"):
        return shapely.remove_repeated_points(geom, tolerance)
    if kind in ("MultiPolygon", "MultiLineString", "MultiPoint", "GeometryCollection"):
        parts = [p for p in (_thin(part, tolerance) for part in geom.geoms) if p is not None]
        return type(geom)(parts) if parts else None
    return geom


def _fit_vertices(geoms: np.ndarray, limits: UploadLimits, deadline: float, notes: list[str]) -> np.ndarray:
    count = int(shapely.get_num_coordinates(geoms).sum())
    if count <= limits.max_vertices:
        return geoms
    if count > _HARD_VERTEX_FACTOR * limits.max_vertices:
        raise InputError(f"This layer has {count:,} vertices, far more than the {limits.max_vertices:,} that fit "
                         "on the map. Simplify it in a GIS program (e.g. QGIS: Vector › Geometry Tools › "
                         "Simplify) and upload again.")
    # GEOS's topology-preserving simplifier took 5-20 s on 0.4-1 M vertices here and cannot be
    # interrupted, so vertices are thinned in linear time instead and the result repaired after.
    tolerance = max(float(shapely.length(geoms).sum()) / limits.max_vertices, 1e-9)
    for _ in range(24):
        _deadline_check(deadline, limits, "simplifying")
        thinned = np.array([None if g is None else _thin(g, tolerance) for g in geoms], dtype=object)
        kept = int(shapely.get_num_coordinates(thinned).sum())
        if kept <= limits.max_vertices:
            notes.append(f"Simplified from {count:,} to {kept:,} vertices to fit {limits.max_vertices:,} "
                         f"(vertices closer than {tolerance:.2g}° were merged).")
            return thinned
        tolerance *= 2
    raise InputError(f"This layer's {count:,} vertices could not be simplified to {limits.max_vertices:,}. "
                     "Simplify it in a GIS program and upload again.")


def _to_lonlat(frame: gpd.GeoDataFrame, notes: list[str]) -> gpd.GeoDataFrame:
    wgs84 = CRS.from_epsg(4326)
    if frame.crs is None:
        minx, miny, maxx, maxy = frame.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise InputError("This layer has no coordinate reference system and its coordinates are not "
                             "longitude/latitude. Save it with its CRS (for a shapefile, include the .prj file).")
        notes.append("The file gives no coordinate reference system; assumed longitude/latitude (EPSG:4326).")
        return frame.set_crs(wgs84)
    if frame.crs.equals(wgs84) or frame.crs.equals(CRS.from_user_input("OGC:CRS84")):
        return frame.set_crs(wgs84, allow_override=True)
    epsg = frame.crs.to_epsg()
    label = f"EPSG:{epsg}" if epsg else _inert(frame.crs.name or "an unnamed CRS", 80)
    try:
        frame = frame.to_crs(wgs84)
    except Exception as error:  # pyproj raises several types, all meaning "cannot transform"
        raise InputError(f"This layer cannot be reprojected from {label} to longitude/latitude "
                         f"({_inert(str(error), 120)}). Save it in EPSG:4326 and upload again.") from None
    notes.append(f"Reprojected from {label} to longitude/latitude (EPSG:4326).")
    return frame


def read_user_layer(filename: str, data: bytes, limits: UploadLimits = UploadLimits()) -> UserLayer:
    """Read a user's uploaded layer, repairing, reprojecting and simplifying it within limits.

    Parameters
    ----------
    filename : str
        The uploaded file's name; its ending picks the format (see :data:`EXTENSIONS`) and its
        stem becomes the layer's name.
    data : bytes
        The file's content. A shapefile comes zipped with its .shx, .dbf and .prj.
    limits : UploadLimits
        Size, feature, vertex and time bounds.

    Returns
    -------
    UserLayer
        Geometry in EPSG:4326, properties as strings, and notes on what was changed.

    Raises
    ------
    InputError
        With a message saying what was wrong and what to do, for any file that cannot be
        accepted: too large, unknown format, unreadable, empty, over a limit, unsafe.

    Examples
    --------
    >>> point = b'{"type": "Point", "coordinates": [30.5, 50.45]}'
    >>> data = b'{"type": "Feature", "properties": {"n": 1}, "geometry": ' + point + b'}'
    >>> layer = read_user_layer("kyiv.geojson", data)
    >>> layer.name, layer.frame["n"].tolist()
    ('kyiv', ['1'])
    """
    started = time.monotonic()
    deadline = started + limits.max_seconds
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InputError("The upload must be given as bytes.")
    data = bytes(data)
    filename = str(filename)
    if len(data) > limits.max_bytes:
        raise InputError(f"This file is {_megabytes(len(data))}; at most {_megabytes(limits.max_bytes)} can be "
                         "uploaded. Simplify the layer or keep only the features you need.")
    base = re.split(r"[\\/]", filename)[-1]
    suffix = "." + base.rsplit(".", 1)[1].lower() if "." in base else ""
    kind = EXTENSIONS.get(suffix)
    if kind is None:
        known = ", ".join(EXTENSIONS)
        raise InputError(f"Unknown file type “{_inert(suffix or filename)}”: upload one of {known} "
                         "(a shapefile zipped with its .shx, .dbf and .prj).")
    if not data.strip():
        raise InputError(f"This file is empty. Upload a {kind} file with at least one feature.")
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="atlas-upload-") as folder:
        if kind == "zipped shapefile":
            path = _unpack_shapefile(data, Path(folder), limits, notes)
        else:
            _check_magic(kind, data[:4096])
            path = Path(folder) / f"layer{'.geojson' if kind == 'GeoJSON' else suffix}"
            path.write_bytes(data)
        frame = _read_frame(path, folder, kind, limits, notes)
    _deadline_check(deadline, limits, "reading")

    geoms = np.asarray(frame.geometry.values, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not present.any():
        raise InputError("No feature in this layer has a geometry. Upload a layer with points, lines or polygons.")
    if not present.all():
        notes.append(f"Skipped {_features(int((~present).sum()))} without geometry.")
        frame = frame[present]
        geoms = geoms[present]
    if not np.isfinite(shapely.get_coordinates(geoms)).all():
        raise InputError("This layer has coordinates that are not finite numbers (NaN or infinity). "
                         "Fix them in a GIS program and upload again.")
    frame = _to_lonlat(frame, notes)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    coords = shapely.get_coordinates(geoms)
    if not np.isfinite(coords).all() or not (
        (np.abs(coords[:, 0]) <= 180 + 1e-9).all() and (np.abs(coords[:, 1]) <= 90 + 1e-9).all()
    ):
        raise InputError("This layer's coordinates fall outside longitude −180…180 / latitude −90…90, so its "
                         "coordinate reference system is probably declared wrongly. Fix it and upload again.")
    _deadline_check(deadline, limits, "reprojecting")

    geoms = _fit_vertices(geoms, limits, deadline, notes)
    vanished = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    invalid = ~vanished & ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(geoms[invalid])
        count = int(invalid.sum())
        notes.append(f"{count:,} invalid {'geometry was' if count == 1 else 'geometries were'} repaired.")
        vanished = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if vanished.all():
        raise InputError("Every feature vanished when the layer was repaired or simplified to fit. "
                         "Check its geometry in a GIS program and upload again.")
    if vanished.any():
        notes.append(f"Dropped {_features(int(vanished.sum()))} too small or degenerate to keep.")
        frame, geoms = frame[~vanished], geoms[~vanished]
    _deadline_check(deadline, limits, "repairing")

    properties = _properties(frame, notes)
    result = gpd.GeoDataFrame(properties, geometry=list(geoms), crs="EPSG:4326")
    return UserLayer(name=_layer_name(filename), frame=result, notes=tuple(notes))


def _html_text(value: str) -> str:
    """Escape text for HTML that folium may also place inside a JavaScript template string."""
    return html.escape(value, quote=True).translate(_JS_SENSITIVE)


def _popup_html(keys: list[str], values: list[str], budget: int) -> str:
    rows: list[str] = []
    used = 0
    for key, value in zip(keys, values):
        row = f"<tr><th>{_html_text(key)}</th><td>{_html_text(value)}</td></tr>"
        if rows and used + len(row) > budget:
            rows.append(f"<tr><td colspan=\"2\">… {len(keys) - len(rows)} more properties not shown</td></tr>")
            break
        rows.append(row)
        used += len(row)
    return f"<table>{''.join(rows)}</table>" if rows else "<p>No properties</p>"


def _label_column(keys: list[str]) -> str | None:
    for key in keys:
        if key.lower() in ("name", "title", "label"):
            return key
    return keys[0] if keys else None


def user_layer_group(layer: UserLayer, *, class_name: str = "atlas-user") -> folium.FeatureGroup:
    """Draw a user layer as a folium feature group, every user string HTML-escaped.

    Each feature gets a popup listing its properties as a table and a tooltip with its name
    (or first property). Only the escaped HTML reaches the page, never the raw values.

    Parameters
    ----------
    layer : UserLayer
    class_name : str
        CSS class of the layer's paths; popups and tooltips get ``-popup`` and ``-tooltip``.

    Returns
    -------
    folium.FeatureGroup
        Named after the layer (escaped), ready for ``.add_to(m)``.

    Examples
    --------
    >>> import folium
    >>> data = b'{"type": "Point", "coordinates": [30.5, 50.45]}'
    >>> group = user_layer_group(read_user_layer("<b>.geojson", data))
    >>> group.layer_name
    '&lt;b&gt;'
    """
    if not isinstance(class_name, str) or not _CLASS_NAME.match(class_name):
        raise InputError(f"class_name {class_name!r} is not a CSS class name (a letter, then letters, digits, - or _).")
    frame = layer.frame
    keys = [c for c in frame.columns if c != frame.geometry.name]
    label = _label_column(keys)
    budget = max(300, min(20_000, _POPUP_BUDGET // max(len(frame), 1)))
    columns = [frame[k].tolist() for k in keys]
    features = []
    for row, geom in enumerate(frame.geometry.values):
        values = [column[row] for column in columns]
        title = frame[label].iat[row] if label is not None else ""
        title = title or layer.name
        tip = title if len(title) <= 80 else title[:79] + "…"
        features.append(feature(geom, atlas_popup=_popup_html(keys, values, budget), atlas_tooltip=_html_text(tip)))
    group = folium.FeatureGroup(name=_html_text(layer.name), overlay=True, show=True)
    style = {"className": class_name, "color": USER_COLOR, "weight": 2, "fillColor": USER_COLOR, "fillOpacity": 0.25}
    folium.GeoJson(
        feature_collection(features),
        style_function=lambda _feature: style,
        marker=folium.CircleMarker(radius=6, fill=True),
        popup=folium.GeoJsonPopup(fields=["atlas_popup"], labels=False, localize=False,
                                  class_name=f"{class_name}-popup"),
        tooltip=folium.GeoJsonTooltip(fields=["atlas_tooltip"], labels=False, class_name=f"{class_name}-tooltip"),
        control=False,
    ).add_to(group)
    return group


def user_layer_geojson(layer: UserLayer) -> dict:
    """The layer as an RFC 7946 FeatureCollection with its (raw, unescaped) string properties.

    Examples
    --------
    >>> data = b'{"type": "Point", "coordinates": [30.5, 50.45]}'
    >>> user_layer_geojson(read_user_layer("p.json", data))["features"][0]["geometry"]["type"]
    'Point'
    """
    frame = layer.frame
    keys = [c for c in frame.columns if c != frame.geometry.name]
    columns = [frame[k].tolist() for k in keys]
    features = []
    for row, geom in enumerate(frame.geometry.values):
        item = feature(geom)
        item["properties"] = {key: column[row] for key, column in zip(keys, columns)}
        features.append(item)
    collection = feature_collection(features)
    collection["name"] = layer.name
    return collection
