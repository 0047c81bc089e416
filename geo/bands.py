"""Geodesic distance bands around the Belarus–Ukraine border."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import shapely
from shapely.ops import split

from geo.borders import belarus_ukraine_border
from geo.data import load_countries, load_land
from geo.errors import InputError
from geo.geodesy import GEOD, LineDistance, aeqd_transformers, reproject

__all__ = [
    "CLIPS",
    "MAX_BANDS",
    "MAX_KM",
    "MIN_KM",
    "RELATIVE_TOLERANCE",
    "SIDES",
    "Band",
    "BandSpec",
    "border_distance",
    "distance_bands",
    "equidistant_zone",
]

MIN_KM = 1.0
MAX_KM = 1500.0
MAX_BANDS = 8
SIDES = ("ukraine", "belarus", "both")
CLIPS = ("none", "land", "ukraine", "belarus")
#: Every vertex and segment midpoint of a band edge lies within this fraction of its distance.
RELATIVE_TOLERANCE = 2e-4
# Refinement aims well inside the promise so that rounding never breaks it.
_AIM = RELATIVE_TOLERANCE / 4
_QUAD_SEGS = 32
# Simplifying the border for the first guess: finer near it, where cusps are dense.
_SIMPLIFY = ((0.03, 20_000.0), (0.01, 0.0))
_MAX_PASSES = 8
_SIDE_OF = {"ukraine": "UA", "belarus": "BY"}


@dataclass(frozen=True)
class BandSpec:
    """What bands to draw: distances from the border, which side, and what to clip to.

    Parameters
    ----------
    distances_km : tuple of float
        Strictly increasing, each from 1 to 1,500 km, at most eight.
    side : {"ukraine", "belarus", "both"}
        Which side of the border the bands cover.
    clip : {"none", "land", "ukraine", "belarus"}
        Clip the bands to land, or to one country.

    Examples
    --------
    >>> BandSpec.parse(["100", 50, 200]).distances_km
    (50.0, 100.0, 200.0)
    """

    distances_km: tuple[float, ...]
    side: str = "both"
    clip: str = "none"

    def __post_init__(self) -> None:
        d = self.distances_km
        if not isinstance(d, tuple) or not d:
            raise InputError("Give at least one distance in km.")
        if len(d) > MAX_BANDS:
            raise InputError(f"At most {MAX_BANDS} distances are allowed, got {len(d)}.")
        for value in d:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise InputError(f"Distance {value!r} is not a number of km.")
            if not MIN_KM <= value <= MAX_KM:
                raise InputError(f"Distance {value:g} km is out of range: use {MIN_KM:g} to {MAX_KM:g} km.")
        if any(b <= a for a, b in zip(d, d[1:])):
            raise InputError("Distances must be strictly increasing and different.")
        if self.side not in SIDES:
            raise InputError(f"Unknown side {self.side!r}: use one of {', '.join(SIDES)}.")
        if self.clip not in CLIPS:
            raise InputError(f"Unknown clip {self.clip!r}: use one of {', '.join(CLIPS)}.")

    @classmethod
    def parse(cls, values, side: str = "both", clip: str = "none") -> BandSpec:
        """Build a spec from loose values (strings or numbers, any order, repeats dropped)."""
        out = []
        for v in values:
            try:
                number = float(str(v).strip())
            except ValueError:
                raise InputError(f"Distance {str(v)[:40]!r} is not a number of km.") from None
            out.append(number)
        if len(out) > MAX_BANDS:
            raise InputError(f"At most {MAX_BANDS} distances are allowed, got {len(out)}.")
        for number in out:
            if not math.isfinite(number) or not MIN_KM <= number <= MAX_KM:
                raise InputError(f"Distance {number:g} km is out of range: use {MIN_KM:g} to {MAX_KM:g} km.")
        return cls(tuple(sorted(set(out))), side=str(side).lower(), clip=str(clip).lower())


@dataclass(frozen=True)
class Band:
    """The zone between two distances from the border (``inner_km`` may be 0)."""

    inner_km: float
    outer_km: float
    geometry: shapely.Geometry = field(compare=False, repr=False)

    def __post_init__(self) -> None:
        if not 0 <= self.inner_km < self.outer_km:
            raise InputError(f"A band needs 0 <= inner < outer, got {self.inner_km}..{self.outer_km} km.")

    @property
    def label(self) -> str:
        """A short label such as ``"50–100 km"``."""
        return f"{self.inner_km:g}–{self.outer_km:g} km"


@lru_cache(maxsize=4)
def border_distance(spacing_m: float = 20.0) -> LineDistance:
    """Return the (cached) distance oracle for the Belarus–Ukraine border.

    Densifying every ``spacing_m`` overestimates a distance ``d`` by at most
    ``spacing_m**2 / (8 d)``; 20 m keeps that under 0.05 m at 1 km.
    """
    return LineDistance(belarus_ukraine_border(), spacing_m=spacing_m)


def _oracle_for(distance_m: float) -> LineDistance:
    # Coarser densification is exact enough farther out, and its k-d tree is faster:
    # the spacing error stays below a twentieth of the aim at every distance.
    for spacing, from_m in ((500.0, 200_000.0), (100.0, 20_000.0)):
        if distance_m >= from_m:
            return border_distance(spacing)
    return border_distance(20.0)


@lru_cache(maxsize=1)
def _projection():
    border = belarus_ukraine_border()
    centre = border.centroid
    to_m, to_deg = aeqd_transformers(centre.x, centre.y)
    return to_m, to_deg, reproject(border, to_m)


def _refine_rings(rings: list[np.ndarray], distance_m: float, oracle: LineDistance) -> list[np.ndarray]:
    """Move each vertex to the exact distance, then split segments whose midpoints sag.

    All rings are refined together, so each pass is one call to the distance oracle.
    """
    aim = _AIM * distance_m
    sizes = [len(r) for r in rings]
    lon, lat = np.vstack(rings).T.copy()
    ring = np.repeat(np.arange(len(rings)), sizes)
    todo = np.arange(len(lon))
    for _ in range(3):
        dist, az, blon, blat = oracle.nearest(lon[todo], lat[todo])
        bad = np.abs(dist - distance_m) > aim
        if not bad.any():
            break
        todo = todo[bad]
        lon[todo], lat[todo], _ = GEOD.fwd(blon[bad], blat[bad], az[bad], np.full(bad.sum(), distance_m))
    # Only segments next to a newly inserted vertex need checking again.
    check = ring[:-1] == ring[1:]
    for _ in range(_MAX_PASSES):
        seg = np.flatnonzero(check)
        mlon, mlat = (lon[seg] + lon[seg + 1]) / 2, (lat[seg] + lat[seg + 1]) / 2
        dist, az, blon, blat = oracle.nearest(mlon, mlat)
        sag = np.abs(dist - distance_m) > aim
        if not sag.any():
            break
        nlon, nlat, _ = GEOD.fwd(blon[sag], blat[sag], az[sag], np.full(sag.sum(), distance_m))
        idx = seg[sag] + 1
        lon, lat, ring = np.insert(lon, idx, nlon), np.insert(lat, idx, nlat), np.insert(ring, idx, ring[idx])
        check = np.zeros(len(lon) - 1, dtype=bool)
        new = idx + np.arange(len(idx))
        check[new - 1] = True
        check[new] = True
    bounds = np.flatnonzero(np.diff(ring)) + 1
    return [np.column_stack(part) for part in zip(np.split(lon, bounds), np.split(lat, bounds))]


@lru_cache(maxsize=64)
def equidistant_zone(distance_km: float) -> shapely.Geometry:
    """Return every point within ``distance_km`` of the border, measured geodesically.

    A buffer in a border-centred azimuthal equidistant projection is the first guess;
    each edge vertex is then moved along the geodesic from its nearest border point to
    the exact distance on the WGS84 ellipsoid, and segments are split until their
    midpoints lie within :data:`RELATIVE_TOLERANCE` of the distance too.

    Parameters
    ----------
    distance_km : float
        From 1 to 1,500 km.

    Returns
    -------
    shapely.Polygon or shapely.MultiPolygon
        Valid, in WGS84 longitude/latitude.

    Examples
    --------
    >>> equidistant_zone(50.0).geom_type
    'Polygon'
    """
    BandSpec((float(distance_km),))
    to_m, to_deg, border_m = _projection()
    distance_m = distance_km * 1000.0
    oracle = _oracle_for(distance_m)
    # The guess only has to be close: refinement fixes every vertex, so a simplified
    # border (at 1 % of the distance) keeps GEOS's buffer cheap at large distances.
    simplify = next(f for f, from_m in _SIMPLIFY if distance_m >= from_m)
    guess = border_m.simplify(distance_m * simplify).buffer(distance_m, quad_segs=_QUAD_SEGS)
    zone = _refine_polygons(reproject(guess, to_deg), distance_m, oracle)
    if zone.is_valid:
        return zone
    # Refined vertices can cross where two arcs meet: dissolve the crossings, then move the
    # vertices that the repair created onto the exact distance too, if that stays valid.
    repaired = _repaired(zone)
    again = _refine_polygons(repaired, distance_m, oracle)
    return again if again.is_valid else repaired


def _repaired(geom: shapely.Geometry) -> shapely.Geometry:
    """``make_valid`` without the slivers and stray lines it leaves where rings cross."""
    # A zero buffer dissolves the small crossings far faster than make_valid (10 s at 10 km).
    fixed = shapely.buffer(geom, 0.0)
    parts = shapely.get_parts(shapely.get_parts(fixed))
    return shapely.union_all([p for p in parts if p.geom_type == "Polygon" and p.area > geom.area * 1e-9])


def _refine_polygons(geom: shapely.Geometry, distance_m: float, oracle: LineDistance) -> shapely.Geometry:
    polygons = shapely.get_parts(geom)
    rings, owner = [], []
    for i, poly in enumerate(polygons):
        for ring in (poly.exterior, *poly.interiors):
            rings.append(np.asarray(ring.coords))
            owner.append(i)
    refined = _refine_rings(rings, distance_m, oracle)
    parts = []
    for i in range(len(polygons)):
        own = [r for r, o in zip(refined, owner) if o == i]
        parts.append(shapely.Polygon(own[0], own[1:]))
    return shapely.MultiPolygon(parts) if len(parts) != 1 else parts[0]


@lru_cache(maxsize=8)
def _side_mask(side: str, reach_km: float) -> shapely.Geometry:
    """The half of a large disc around the border that lies on one country's side."""
    to_m, to_deg, border_m = _projection()
    reach = reach_km * 1000.0
    xy = np.asarray(border_m.coords)
    ends = []
    for tip, inner in ((xy[0], xy[min(20, len(xy) - 1)]), (xy[-1], xy[max(-21, -len(xy))])):
        direction = (tip - inner) / np.hypot(*(tip - inner))
        ends.append(tip + direction * 3 * reach)
    cutter = shapely.LineString(np.vstack((ends[0], xy, ends[1])))
    disc = border_m.buffer(2 * reach, quad_segs=8)
    halves = shapely.get_parts(split(disc, cutter))
    country = reproject(load_countries().loc[_SIDE_OF[side]].geometry, to_m)
    best = max(halves, key=lambda h: h.intersection(country).area)
    return reproject(best, to_deg)


@lru_cache(maxsize=8)
def _clip_shape(clip: str) -> shapely.Geometry | None:
    if clip == "none":
        return None
    if clip == "land":
        return load_land()
    return load_countries().loc[_SIDE_OF[clip]].geometry


def distance_bands(spec: BandSpec) -> list[Band]:
    """Return the bands between consecutive distances, nearest first.

    The first band runs from the border to the first distance; each further band from
    one distance to the next.

    Parameters
    ----------
    spec : BandSpec
        Distances, side and clip.

    Returns
    -------
    list of Band

    Examples
    --------
    >>> [b.label for b in distance_bands(BandSpec((50.0, 100.0)))]
    ['0–50 km', '50–100 km']
    """
    zones = [equidistant_zone(d) for d in spec.distances_km]
    mask = None if spec.side == "both" else _side_mask(spec.side, MAX_KM)
    clip = _clip_shape(spec.clip)
    bands = []
    inner_zone, inner_km = None, 0.0
    for outer_km, zone in zip(spec.distances_km, zones):
        shape = zone if inner_zone is None else zone.difference(inner_zone)
        if mask is not None:
            shape = shape.intersection(mask)
        if clip is not None:
            shape = shape.intersection(clip)
        bands.append(Band(inner_km, outer_km, _polygonal(shape)))
        inner_zone, inner_km = zone, outer_km
    return bands


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty]
    if not parts:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)
