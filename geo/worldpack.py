"""The world data's pack format: geometries as quantised, delta-coded, compressed blobs.

A pack is a plain concatenation of blobs; ``data/world/index.json`` (itself checked against
``data/checksums.sha256``) gives each blob's pack file, offset, length and sha256, so one
country is read with one seek and checked on its own, without hashing the whole pack.

A geometry blob is ``zlib`` (level 9) over: the magic ``b"AAW1"``; one byte, the shapely
geometry type (5 MultiLineString, 6 MultiPolygon); one byte, the number of offset arrays;
each offset array as a little-endian uint32 count and that many int32 (the arrays of
:func:`shapely.to_ragged_array`); a uint32 count of points; then the points' longitudes
and latitudes in units of 1e-6 degree, each axis delta-coded (the first value absolute)
as little-endian int32 and byte-planed (all first bytes, then all second bytes, ...)
so that ``zlib`` finds the runs. Decoding divides the integers by 1e6, which gives back
exactly the coordinates that :func:`shapely.set_precision` with a grid of 1e-6 made.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

import numpy as np
import shapely
from shapely import GeometryType

from geo.errors import DataError

__all__ = ["MAGIC", "SCALE", "decode_geometry", "encode_geometry", "sha256"]

MAGIC = b"AAW1"
#: Integer units per degree: coordinates are stored to 1e-6 degree (about 0.1 m).
SCALE = 1_000_000
_TYPES = {GeometryType.MULTILINESTRING: 5, GeometryType.MULTIPOLYGON: 6}
_FROM_CODE = {v: k for k, v in _TYPES.items()}


def sha256(raw: bytes) -> str:
    """Return the hex sha256 of ``raw``."""
    return hashlib.sha256(raw).hexdigest()


def _planes(values: np.ndarray) -> bytes:
    return values.astype("<i4").view(np.uint8).reshape(-1, 4).T.tobytes()


def _unplanes(raw: bytes, n: int) -> np.ndarray:
    return np.frombuffer(raw, np.uint8).reshape(4, n).T.copy().view("<i4").ravel()


def encode_geometry(geom: shapely.Geometry) -> bytes:
    """Encode a MultiPolygon or MultiLineString whose coordinates lie on the 1e-6 degree grid.

    Parameters
    ----------
    geom : shapely.MultiPolygon or shapely.MultiLineString

    Returns
    -------
    bytes
        The compressed blob (see the module docstring).

    Raises
    ------
    ValueError
        When a coordinate is not on the grid, so that decoding would move it.
    """
    kind, coords, offsets = shapely.to_ragged_array([geom])
    if kind not in _TYPES:
        raise ValueError(f"cannot encode a {kind.name}: make it a MultiPolygon or MultiLineString")
    ints = np.rint(coords * SCALE).astype(np.int64)
    if not np.array_equal(ints / SCALE, coords):
        raise ValueError("coordinates are not on the 1e-6 degree grid: round them with shapely.set_precision")
    out = [MAGIC, struct.pack("<BB", _TYPES[kind], len(offsets))]
    for arr in offsets:
        out.append(struct.pack("<I", len(arr)) + np.asarray(arr, "<i4").tobytes())
    deltas = np.diff(ints, axis=0, prepend=np.zeros((1, 2), np.int64))
    out.append(struct.pack("<I", len(ints)))
    out.append(_planes(deltas[:, 0]) + _planes(deltas[:, 1]))
    return zlib.compress(b"".join(out), 9)


def decode_geometry(blob: bytes, where: str) -> shapely.Geometry:
    """Decode a blob written by :func:`encode_geometry`.

    Parameters
    ----------
    blob : bytes
    where : str
        Names the blob in error messages, for example ``"data/world/countries.bin: UA"``.

    Raises
    ------
    DataError
        When the blob is not a valid geometry blob.
    """
    try:
        raw = zlib.decompress(blob)
        if raw[:4] != MAGIC:
            raise ValueError("bad magic")
        code, n_offsets = struct.unpack_from("<BB", raw, 4)
        pos = 6
        offsets = []
        for _ in range(n_offsets):
            (n,) = struct.unpack_from("<I", raw, pos)
            offsets.append(np.frombuffer(raw, "<i4", n, pos + 4).astype(np.int64))
            pos += 4 + 4 * n
        (n,) = struct.unpack_from("<I", raw, pos)
        pos += 4
        if len(raw) != pos + 8 * n:
            raise ValueError("bad length")
        x = np.cumsum(_unplanes(raw[pos : pos + 4 * n], n).astype(np.int64)) / SCALE
        y = np.cumsum(_unplanes(raw[pos + 4 * n :], n).astype(np.int64)) / SCALE
        (geom,) = shapely.from_ragged_array(_FROM_CODE[code], np.c_[x, y], tuple(offsets))
    except (zlib.error, ValueError, KeyError, struct.error, IndexError) as exc:
        raise DataError(f"{where} is not a valid geometry blob ({exc})") from exc
    return geom
