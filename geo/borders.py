"""Shared borders between neighbouring countries, as clean lines."""

from __future__ import annotations

from functools import lru_cache

import shapely
from shapely.ops import linemerge

from geo.data import load_countries
from geo.errors import DataError, InputError
from geo.geodesy import aeqd_transformers, reproject

__all__ = ["BORDER_TOLERANCE_M", "belarus_ukraine_border", "shared_border"]

# DCW neighbours' edges were snapped together at build time; a little slack still lets
# the match survive the 1e-6 degree rounding of the stored coordinates.
BORDER_TOLERANCE_M = 50.0


@lru_cache(maxsize=16)
def shared_border(a: str, b: str, tolerance_m: float = BORDER_TOLERANCE_M) -> shapely.Geometry:
    """Return the border that countries ``a`` and ``b`` share, as one merged line.

    The part of ``a``'s boundary that lies within ``tolerance_m`` of ``b``'s boundary
    (measured in an azimuthal equidistant projection centred on the pair) is merged
    into a line; pieces shorter than twice the tolerance (stray touches at tripoints)
    are dropped.

    Parameters
    ----------
    a, b : str
        ISO 3166-1 alpha-2 codes, for example ``"UA"`` and ``"BY"``.
    tolerance_m : float
        How far apart, in metres, two boundaries may be and still count as shared.

    Returns
    -------
    shapely.LineString or shapely.MultiLineString
        In WGS84 longitude/latitude, oriented as it runs along ``a``'s boundary.

    Examples
    --------
    >>> shared_border("UA", "BY").geom_type
    'LineString'
    """
    countries = load_countries()
    for code in (a, b):
        if code not in countries:
            raise InputError(f"Unknown country code {code!r}: use one of {', '.join(countries.keys())}.")
    if not tolerance_m > 0:
        raise InputError(f"tolerance_m must be positive, got {tolerance_m!r}.")
    ga, gb = countries[a].geometry, countries[b].geometry
    window = ga.envelope.intersection(gb.envelope).buffer(0.5)
    centre = window.centroid
    to_m, to_deg = aeqd_transformers(centre.x, centre.y)
    edge_a = reproject(ga.boundary.intersection(window), to_m)
    edge_b = reproject(gb.boundary.intersection(window), to_m)
    near = edge_a.intersection(edge_b.buffer(tolerance_m))
    lines = [p for p in shapely.get_parts(near) if p.geom_type == "LineString"]
    if not lines:
        raise DataError(f"{a} and {b} share no border in the bundled data.")
    merged = linemerge(shapely.MultiLineString(lines))
    pieces = [p for p in shapely.get_parts(merged) if p.length >= 2 * tolerance_m]
    line = pieces[0] if len(pieces) == 1 else shapely.MultiLineString(pieces)
    return reproject(line, to_deg)


def belarus_ukraine_border() -> shapely.Geometry:
    """Return the Belarus–Ukraine border as one line, from the Polish to the Russian tripoint."""
    line = shared_border("UA", "BY")
    if line.geom_type != "LineString":
        raise DataError("The Belarus–Ukraine border did not merge into one line: rebuild with `make data`.")
    return line
