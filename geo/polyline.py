"""Lines and rings as encoded polylines: the map's band geometry in a quarter of the bytes.

The encoded polyline format (Google's, with the precision as a parameter, as polyline6 and
OSRM use it) writes each coordinate as the difference from the one before, in units of
``10**-decimals`` degrees, zigzag-coded in 5-bit groups of printable characters (``?`` to
``~``). A band's edge, drawn to half a pixel at zoom 12, took about 20 characters a vertex as
GeoJSON and takes 4 to 6 as a polyline, so a distance change sends, parses and lays out less.
:data:`DECODER` is the same decoding in JavaScript, for the map's frame.
"""

from __future__ import annotations

import numpy as np
import shapely

__all__ = ["DECODER", "decode", "encode", "packed_geometry"]

_CHUNKS = 8  # 5-bit groups per value: 40 bits hold any difference of degrees at up to 8 decimals
_OFFSET = 63


def encode(coords: np.ndarray, decimals: int) -> str:
    """Return the encoded polyline of ``coords``, rounded to ``decimals`` decimal places.

    Parameters
    ----------
    coords : numpy.ndarray
        Shape (n, 2): longitude, latitude in degrees (the format stores latitude first).
    decimals : int
        Decimal places kept, 0 to 8.

    Returns
    -------
    str
        Characters ``?`` to ``~`` only: safe in HTML, JSON and JavaScript strings.

    Examples
    --------
    Google's own example, at five decimals:

    >>> encode(np.array([[-120.2, 38.5], [-120.95, 40.7], [-126.453, 43.252]]), 5)
    '_p~iF~ps|U_ulLnnqC_mqNvxq`@'
    """
    if not 0 <= decimals <= 8:
        raise ValueError(f"decimals must be 0 to 8, not {decimals}")
    xy = np.asarray(coords, dtype=float).reshape(-1, 2)
    if not len(xy):
        return ""
    fixed = np.round(xy[:, ::-1] * 10.0**decimals).astype(np.int64)
    steps = np.diff(fixed, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel()
    zigzag = ((steps << 1) ^ (steps >> 63)).astype(np.uint64)
    shifts = np.arange(_CHUNKS, dtype=np.uint64) * np.uint64(5)
    groups = (zigzag[:, None] >> shifts) & np.uint64(31)
    used = 1 + ((zigzag[:, None] >> shifts[1:]) > 0).sum(axis=1)
    place = np.arange(_CHUNKS)
    more = place < (used - 1)[:, None]
    chars = (groups + np.where(more, 32, 0) + _OFFSET).astype(np.uint8)
    return chars[place < used[:, None]].tobytes().decode("ascii")


def decode(text: str, decimals: int) -> np.ndarray:
    """Return the longitude, latitude pairs of an encoded polyline (the inverse of :func:`encode`).

    Examples
    --------
    >>> decode('_p~iF~ps|U_ulLnnqC_mqNvxq`@', 5).tolist()
    [[-120.2, 38.5], [-120.95, 40.7], [-126.453, 43.252]]
    """
    values: list[int] = []
    value = shift = 0
    for char in text.encode("ascii"):
        group = char - _OFFSET
        value |= (group & 31) << shift
        shift += 5
        if group < 32:
            values.append(-(value + 1) // 2 if value & 1 else value // 2)
            value = shift = 0
    fixed = np.cumsum(np.array(values, dtype=np.int64).reshape(-1, 2), axis=0)
    return np.round(fixed[:, ::-1] / 10.0**decimals, decimals)


def packed_geometry(geom: shapely.Geometry, decimals: int) -> dict:
    """Return a polygonal or linear geometry as ``{"type", "decimals", "parts"}`` for :data:`DECODER`.

    ``parts`` holds one list of encoded rings (exterior first) per polygon, or one encoded
    line per line. Empty parts are left out.

    Examples
    --------
    >>> packed_geometry(shapely.box(30, 50, 31, 51), 1)["parts"]
    [['g^kRS??RR??S']]
    """
    parts = [p for p in shapely.get_parts(geom) if not p.is_empty]
    if all(p.geom_type == "Polygon" for p in parts):
        rings = [[encode(np.asarray(r.coords), decimals) for r in (p.exterior, *p.interiors)] for p in parts]
        return {"type": "MultiPolygon", "decimals": decimals, "parts": rings}
    if all(p.geom_type == "LineString" for p in parts):
        return {"type": "MultiLineString", "decimals": decimals,
                "parts": [encode(np.asarray(p.coords), decimals) for p in parts]}
    raise ValueError(f"only polygons or only lines can be packed, not {geom.geom_type}")


#: ``atlasUnpack(packed)``: the GeoJSON geometry of a :func:`packed_geometry` value. Arithmetic,
#: not JavaScript's 32-bit bitwise operators, so that large differences decode too.
DECODER = """
window.atlasUnpack = window.atlasUnpack || (function () {
    function line(text, scale) {
        var out = [], i = 0, lat = 0, lon = 0, axis = 0;
        while (i < text.length) {
            var value = 0, factor = 1, group;
            do {
                group = text.charCodeAt(i++) - 63;
                value += (group % 32) * factor;
                factor *= 32;
            } while (group >= 32);
            var step = value % 2 ? -(value + 1) / 2 : value / 2;
            if (axis === 0) { lat += step; } else { lon += step; out.push([lon / scale, lat / scale]); }
            axis = 1 - axis;
        }
        return out;
    }
    return function (packed) {
        var scale = Math.pow(10, packed.decimals);
        var coords = packed.parts.map(function (part) {
            return typeof part === "string" ? line(part, scale)
                : part.map(function (ring) { return line(ring, scale); });
        });
        return {type: packed.type, coordinates: coords};
    };
})();
"""
