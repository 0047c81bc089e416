"""A user's own layer: read uploaded GeoJSON, GeoPackage, KML or zipped shapefile within limits.

Every upload is read by a child process (:mod:`geo.upload_worker`) with the one GDAL driver
its format needs, under CPU, memory and wall-clock limits and, where the kernel offers
Landlock, unable to read anything but the upload. The child answers with WKB and strings,
which are checked here before they become a :class:`UserLayer`.
"""

from __future__ import annotations

import codecs
import hashlib
import html
import io
import json
import logging
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import unicodedata
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, fields
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
from geo.upload_worker import DRIVERS

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

_log = logging.getLogger(__name__)

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
#: Readers running at once; more uploads wait for a free one (two cores, bounded memory).
_READERS = threading.BoundedSemaphore(2)
#: Refusals remembered by (file digest, format, limits), so a rerun does not pay for them again.
_REFUSALS: OrderedDict[tuple, str] = OrderedDict()
_REFUSALS_SIZE = 256
_REFUSALS_LOCK = threading.Lock()
_WORKER = Path(__file__).with_name("upload_worker.py")
# Bidirectional overrides, isolates and line separators would garble the name around them.
_UNSAFE_NAME_CHARS = re.compile("[\u202a-\u202e\u2066-\u2069\u2028\u2029\u200e\u200f]")
_CLASS_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_JS_SENSITIVE = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"})
# GDAL formats that make GDAL read other files or run commands: refused on sight, whatever the driver.
_VIRTUAL = (
    (re.compile(rb"gdal_streamed_alg|gdal_pipeline|\"gdal_version\"", re.I),
     "This file is a GDAL pipeline (GDALG), a recipe that makes GDAL read other files, not a layer"),
    (re.compile(rb"OGRVRTDataSource|VRTDataset", re.I),
     "This file is a GDAL virtual dataset (VRT), which points GDAL at other files, not a layer"),
    (re.compile(rb"VirtualOGR", re.I), "This file uses GDAL's VirtualOGR tables, which read other files"),
    (re.compile(rb"/vsi[a-z0-9_]*", re.I), "This file contains a GDAL virtual path (“/vsi…”), which reads other files"),
)
_XML_DECLARATIONS = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)
_JSON_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
              (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass(frozen=True)
class UploadLimits:
    """What one upload may cost: bytes, features, vertices, properties, CPU, memory and time.

    Parameters
    ----------
    max_bytes : int
        Size of the uploaded file (match Streamlit's ``server.maxUploadSize``).
    max_features : int
        Features read; a larger layer is refused.
    max_vertices : int
        Vertices kept; a larger layer is simplified to fit, or refused.
    max_seconds : float
        CPU seconds for reading, repairing and simplifying, the reader's start-up excluded.
        CPU time, not wall time, so a valid file is accepted however busy the server is.
    max_unpacked_bytes : int
        Total uncompressed size of a zip file's members (counted while unpacking).
    max_members : int
        Entries in a zip file.
    max_fields : int
        Different property names; a layer with more is refused before GDAL reads it.
    max_property_bytes : int
        UTF-8 bytes of all property values kept (after each is cut to ``MAX_VALUE_CHARS``).
    max_memory_bytes : int
        Address space the reader may add to what it had after start-up.
    max_wall_seconds : float
        Backstop in wall-clock seconds for a reader that neither computes nor finishes.

    Examples
    --------
    >>> UploadLimits(max_features=100).max_features
    100
    """

    max_bytes: int = 10 * 1024 * 1024
    max_features: int = 5000
    max_vertices: int = 200_000
    max_seconds: float = 10.0
    max_unpacked_bytes: int = 50 * 1024 * 1024
    max_members: int = 64
    max_fields: int = 1000
    max_property_bytes: int = 16 * 1024 * 1024
    max_memory_bytes: int = 1024 * 1024 * 1024
    max_wall_seconds: float = 120.0

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name in ("max_seconds", "max_wall_seconds"):
                if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
                    raise InputError(f"UploadLimits.{field.name} must be a positive number, not {value!r}.")
            elif isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(f"UploadLimits.{field.name} must be a positive whole number, not {value!r}.")


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


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB"


def _json_as_utf8(data: bytes) -> bytes:
    """GeoJSON as UTF-8: a UTF-16 or UTF-32 file (with a BOM, or told by its NUL bytes) is transcoded."""
    encoding = next((name for bom, name in _JSON_BOMS if data.startswith(bom)), None)
    if encoding is None:
        head = data[:4].ljust(4, b"\x01")
        if head[:3] == b"\x00\x00\x00":
            encoding = "utf-32-be"
        elif head[1:4] == b"\x00\x00\x00":
            encoding = "utf-32-le"
        elif head[0] == 0:
            encoding = "utf-16-be"
        elif head[1] == 0:
            encoding = "utf-16-le"
        else:
            return data
    try:
        return data.decode(encoding).encode("utf-8")
    except UnicodeError:
        raise InputError(f"This GeoJSON file looks like {encoding.upper().replace('-SIG', '')} text but cannot be "
                         "decoded as such. Save it as UTF-8 and upload it again.") from None


def _refuse_virtual(kind: str, data: bytes) -> None:
    """Refuse GDAL's virtual formats and XML declarations outright, whatever driver would read them."""
    for pattern, reason in _VIRTUAL:
        if pattern.search(data):
            raise InputError(f"{reason}; such files are refused. Upload the layer's own data as GeoJSON, "
                             "GeoPackage, KML or a zipped shapefile.")
    if kind == "KML" and _XML_DECLARATIONS.search(data[:65536]):
        raise InputError("This KML file declares a DOCTYPE or XML entities, which are refused (they can make a "
                         "reader fetch other files or expand without end). Export the layer again as KML.")


def _check_magic(kind: str, head: bytes) -> None:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if kind == "GeoJSON":
        ok = text.startswith(b"{")
    elif kind == "KML":
        lowered = text[:4096].lower()
        ok = text.startswith(b"<") and b"<kml" in lowered
    else:  # GeoPackage
        ok = head.startswith(b"SQLite format 3\x00")
    if not ok:
        raise InputError(f"This file does not look like {kind}: its content does not match its name. "
                         f"Export the layer again as {kind} and upload that file.")


def _safe_member(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return not (name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts or "\x00" in name)


def _check_zip(data: bytes, limits: UploadLimits) -> None:
    """What the zip's directory tells at no cost; the child unpacks, counting the real bytes."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, RuntimeError,
            NotImplementedError) as error:
        raise InputError(f"This zip file cannot be opened ({_inert(str(error), 120)}). "
                         "Zip the shapefile again and upload the new file.") from None
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
    if any(m.flag_bits & 0x1 for m in members):
        raise InputError("The zip file is password-protected. Zip the shapefile again without a password "
                         "and upload the new file.")


def _remembered(key: tuple) -> str | None:
    with _REFUSALS_LOCK:
        message = _REFUSALS.get(key)
        if message is not None:
            _REFUSALS.move_to_end(key)
        return message


def _remember(key: tuple, message: str) -> None:
    with _REFUSALS_LOCK:
        _REFUSALS[key] = message
        _REFUSALS.move_to_end(key)
        while len(_REFUSALS) > _REFUSALS_SIZE:
            _REFUSALS.popitem(last=False)


class _RememberedError(InputError):
    """A refusal that the same file would meet again: remembered by digest."""


def _child_env(kind: str, folder: str) -> dict[str, str]:
    driver = DRIVERS[kind]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GDAL_SKIP", "CPL_", "OGR_"))}
    env.update({
        # Every vector driver but the one this format needs is skipped: no GDALG, VRT or guessing.
        "GDAL_SKIP": ",".join(d for d in pyogrio.list_drivers() if d != driver),
        "CPL_TMPDIR": folder, "TMPDIR": folder, "HOME": folder,
        "GDAL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "PROJ_NETWORK": "OFF", "GDAL_PAM_ENABLED": "NO", "CPL_DEBUG": "OFF",
        "GDAL_HTTP_TIMEOUT": "1", "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".none",
    })
    return env


def _run_reader(kind: str, name: str, folder: str, limits: UploadLimits) -> dict:
    """Run the child on the upload in ``folder``; its answer, or an InputError saying why not."""
    job = {"folder": folder, "kind": kind, "name": name, "max_columns": MAX_COLUMNS,
           "max_value_chars": MAX_VALUE_CHARS, "max_key_chars": _MAX_KEY_CHARS,
           "hard_vertex_factor": _HARD_VERTEX_FACTOR,
           **{f.name: getattr(limits, f.name) for f in fields(limits)}}
    if not _READERS.acquire(timeout=limits.max_wall_seconds):
        raise InputError("The server is busy reading other layers. Upload the file again in a minute.")
    try:
        try:
            with open(Path(folder) / "stderr.txt", "wb") as stderr:
                proc = subprocess.Popen([sys.executable, "-I", str(_WORKER), json.dumps(job)], cwd=folder,
                                        env=_child_env(kind, folder), stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)
        except OSError as error:
            _log.error("cannot start the upload reader: %s", error)
            raise InputError("The server could not start reading this layer. Upload it again in a minute.") from None
        try:
            code = proc.wait(timeout=limits.max_wall_seconds)
        except subprocess.TimeoutExpired:
            code = None
        finally:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
    finally:
        _READERS.release()
    if code is None:
        raise InputError(f"Reading this layer took longer than {limits.max_wall_seconds:g} s and was stopped "
                         "(the server may be busy). Upload it again in a minute, or simplify it.")
    result = _result_json(Path(folder), limits)
    status = result.get("status") if result else None
    if result:
        _log.debug("upload reader: status %s, start-up %s s CPU, work %s s CPU, Landlock ABI %s", status,
                   result.get("startup_cpu"), result.get("work_cpu"), result.get("landlock"))
    if status == "ok":
        if code != 0:
            raise InputError("The layer reader failed. Upload the file again.")
        if not result.get("landlock"):
            _log.warning("upload read without Landlock (%s); other guards held", result.get("sandbox_note"))
        return result
    if status == "refused" and isinstance(result.get("message"), str):
        raise _RememberedError(_inert(result["message"], 2 * _MAX_MESSAGE_CHARS))
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        raise _RememberedError(f"Preparing this layer took longer than {limits.max_seconds:g} s of computing and was "
                       "stopped. Simplify it in a GIS program or split it, then upload again.")
    if status == "memory" or code in (-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGBUS, 4):
        raise _RememberedError(f"Reading this layer needed more than {_megabytes(limits.max_memory_bytes)} of memory "
                       "and was stopped. Simplify it, keep fewer properties or split it, then upload again.")
    if status == "error" and isinstance(result.get("message"), str):
        if result["message"].startswith("sandbox:"):
            raise InputError("Uploads cannot be read safely on this server right now.")
        raise _RememberedError(_inert(result["message"], 2 * _MAX_MESSAGE_CHARS))
    _log.warning("upload reader ended with %s: %s", code, (Path(folder) / "stderr.txt").read_bytes()[-2000:])
    raise _RememberedError(f"This {kind} file cannot be read (the reader stopped unexpectedly). "
                   "Check that it opens in a GIS program, then upload it again.")


def _result_json(folder: Path, limits: UploadLimits) -> dict | None:
    path = folder / "result.json"
    try:
        # JSON may escape a control character in six bytes; notes and keys are small.
        if path.stat().st_size > 6 * limits.max_property_bytes + 16 * 1024 * 1024:
            return None
        result = json.loads(path.read_bytes().decode("utf-8", "surrogatepass"))
    except (OSError, ValueError):
        return None
    return result if isinstance(result, dict) else None


def _checked_layer(result: dict, folder: Path, limits: UploadLimits, name: str) -> UserLayer:
    """The child's answer, checked as data from an untrusted source, as a UserLayer."""
    def broken(what: str) -> InputError:
        return InputError(f"The layer reader returned a broken answer ({what}). Upload the file again.")

    sizes, columns, values, notes = (result.get(k) for k in ("sizes", "columns", "values", "notes"))
    if not (isinstance(sizes, list) and all(isinstance(s, int) and 0 < s for s in sizes)):
        raise broken("geometry sizes")
    if not 0 < len(sizes) <= limits.max_features:
        raise broken("feature count")
    if not (isinstance(columns, list) and isinstance(values, list) and len(columns) == len(values)
            and len(columns) <= MAX_COLUMNS and len(set(columns)) == len(columns)
            and all(isinstance(c, str) and 0 < len(c) <= _MAX_KEY_CHARS + 8 and c != "geometry" for c in columns)
            and all(isinstance(v, list) and len(v) == len(sizes)
                    and all(isinstance(t, str) and len(t) <= MAX_VALUE_CHARS for t in v) for v in values)):
        raise broken("properties")
    if not (isinstance(notes, list) and all(isinstance(n, str) for n in notes)):
        raise broken("notes")
    wkb_path = folder / "geoms.wkb"
    if wkb_path.stat().st_size > 32 * limits.max_vertices + 64 * limits.max_features + (1 << 20):
        raise broken("geometry size")
    blob = wkb_path.read_bytes()
    if len(blob) != sum(sizes):
        raise broken("geometry data")
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    try:
        geoms = shapely.from_wkb([blob[a:b] for a, b in zip(offsets[:-1], offsets[1:])])
    except shapely.errors.ShapelyError:
        raise broken("geometry") from None
    count = int(shapely.get_num_coordinates(geoms).sum())
    coords = shapely.get_coordinates(geoms)
    if (count > limits.max_vertices or shapely.is_empty(geoms).any() or not np.isfinite(coords).all()
            or (np.abs(coords[:, 0]) > 180 + 1e-9).any() or (np.abs(coords[:, 1]) > 90 + 1e-9).any()):
        raise broken("coordinates")
    frame = gpd.GeoDataFrame(dict(zip(columns, values)), geometry=list(geoms), crs="EPSG:4326")
    return UserLayer(name=name, frame=frame, notes=tuple(_inert(n, 2 * _MAX_MESSAGE_CHARS) for n in notes))


def read_user_layer(filename: str, data: bytes, limits: UploadLimits = UploadLimits()) -> UserLayer:
    """Read a user's uploaded layer, repairing, reprojecting and simplifying it within limits.

    The file is opened by a child process with the one GDAL driver its format needs, limited
    in CPU time, memory and wall time and (with Landlock) able to read nothing but the upload.
    GDAL's virtual formats (GDALG pipelines, VRT, VirtualOGR, ``/vsi…`` paths) are refused,
    as are GeoPackage views. A refused file is remembered by its SHA-256 digest (the last 256),
    so trying it again costs nothing.

    Parameters
    ----------
    filename : str
        The uploaded file's name; its ending picks the format (see :data:`EXTENSIONS`) and its
        stem becomes the layer's name.
    data : bytes
        The file's content. A shapefile comes zipped with its .shx, .dbf and .prj.
    limits : UploadLimits
        Size, feature, vertex, property, CPU, memory and time bounds.

    Returns
    -------
    UserLayer
        Geometry in EPSG:4326, properties as strings, and notes on what was changed.

    Raises
    ------
    InputError
        With a message saying what was wrong and what to do, for any file that cannot be
        accepted: too large, unknown format, unreadable, damaged, empty, over a limit, unsafe.

    Examples
    --------
    >>> point = b'{"type": "Point", "coordinates": [30.5, 50.45]}'
    >>> data = b'{"type": "Feature", "properties": {"n": 1}, "geometry": ' + point + b'}'
    >>> layer = read_user_layer("kyiv.geojson", data)
    >>> layer.name, layer.frame["n"].tolist()
    ('kyiv', ['1'])
    """
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
    key = (hashlib.sha256(data).hexdigest(), kind, limits)
    message = _remembered(key)
    if message is not None:
        raise InputError(message)
    if kind == "GeoJSON":
        data = _json_as_utf8(data)
    if not data.strip().strip(b"\xef\xbb\xbf"):
        raise InputError(f"This file is empty. Upload a {kind} file with at least one feature.")
    if kind == "zipped shapefile":
        _check_zip(data, limits)
        stored = "upload.zip"
    else:
        if kind != "GeoPackage":  # a GeoPackage is binary; its views and virtual tables are refused in the reader
            _refuse_virtual(kind, data)
        _check_magic(kind, data[:4096])
        stored = {"GeoJSON": "layer.geojson", "GeoPackage": "layer.gpkg", "KML": "layer.kml"}[kind]
    folder = tempfile.mkdtemp(prefix="atlas-upload-")
    try:
        (Path(folder) / stored).write_bytes(data)
        result = _run_reader(kind, stored, folder, limits)
        return _checked_layer(result, Path(folder), limits, _layer_name(filename))
    except _RememberedError as refusal:
        _remember(key, str(refusal))
        raise InputError(str(refusal)) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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


def _drawable_parts(geom: shapely.Geometry) -> list[shapely.Geometry]:
    """The geometry itself, or a GeometryCollection's non-empty parts, nested collections flattened."""
    if geom.geom_type != "GeometryCollection":
        return [geom]
    return [part for child in geom.geoms if not child.is_empty for part in _drawable_parts(child)]


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
        popup, tooltip = _popup_html(keys, values, budget), _html_text(tip)
        # Leaflet draws a GeometryCollection as a group that folium's popup code cannot bind to
        # (a TypeError in the page): each part becomes a feature sharing the collection's popup.
        features.extend(feature(part, atlas_popup=popup, atlas_tooltip=tooltip) for part in _drawable_parts(geom))
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
