"""Shared borders between neighbouring countries, as clean lines, and the sides they part."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import shapely
from shapely.ops import linemerge

from geo import world
from geo.data import load_countries
from geo.errors import DataError, InputError
from geo.geodesy import GEOD, LineDistance, aeqd_transformers, illinois_step, reproject

__all__ = [
    "BORDER_NOTES",
    "BORDER_TOLERANCE_M",
    "DEFAULT_BORDER",
    "SIDE_FLOOR_M",
    "SIDE_TOLERANCE",
    "Border",
    "belarus_ukraine_border",
    "border_key",
    "country_geometry",
    "get_border",
    "land",
    "shared_border",
    "split_sides",
    "user_border",
]

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
    line = _shared_line(countries[a].geometry, countries[b].geometry, tolerance_m)
    if line is None:
        raise DataError(f"{a} and {b} share no border in the bundled data.")
    return line


def _shared_line(ga: shapely.Geometry, gb: shapely.Geometry, tolerance_m: float) -> shapely.Geometry | None:
    return _shared_edges(ga.boundary, gb.boundary, tolerance_m)


def _shared_edges(ea: shapely.Geometry, eb: shapely.Geometry, tolerance_m: float) -> shapely.Geometry | None:
    window = ea.envelope.intersection(eb.envelope).buffer(0.5)
    if window.is_empty:
        return None
    centre = window.centroid
    to_m, to_deg = aeqd_transformers(centre.x, centre.y)
    edge_a = reproject(ea.intersection(window), to_m)
    edge_b = reproject(eb.intersection(window), to_m)
    near = edge_a.intersection(edge_b.buffer(tolerance_m))
    lines = [p for p in shapely.get_parts(near) if p.geom_type == "LineString"]
    if not lines:
        return None
    merged = linemerge(shapely.MultiLineString(lines))
    pieces = [p for p in shapely.get_parts(merged) if p.length >= 2 * tolerance_m]
    line = pieces[0] if len(pieces) == 1 else shapely.MultiLineString(pieces)
    return reproject(line, to_deg)


#: The border the atlas opens on: the one the bundled article is about.
DEFAULT_BORDER = "BY-UA"
_PAIR = re.compile(r"\s*([A-Za-z]{2})\s*[-–_/ ]\s*([A-Za-z]{2})\s*")
_ONE = re.compile(r"\s*[A-Za-z]{2}\s*")


@dataclass(frozen=True)
class Border:
    """A line that bands measure from, and the countries on either side of it.

    Two borders are equal (and hash alike, so caches key on them) when their keys are.

    Parameters
    ----------
    key : str
        ``"BY-UA"`` for the border two countries share (ISO 3166-1 alpha-2 codes in
        alphabetical order), ``"PL"`` for one country's whole land border, or
        ``"user:<digest>"`` for a line from a user's layer.
    name : str
        For people, for example ``"Belarus–Ukraine border"``.
    line : shapely.LineString or shapely.MultiLineString
        WGS84 longitude/latitude.
    countries : tuple of str
        ISO codes of the countries whose sides the border parts: two for a shared
        border, one for a country's whole land border (its inside against the rest),
        none for a user's line.
    source : str
        Where the line comes from and as of when.
    """

    key: str
    name: str
    line: shapely.Geometry = field(compare=False, repr=False)
    countries: tuple[str, ...] = field(default=(), compare=False)
    source: str = field(default="", compare=False)
    country_names: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if self.country_names and len(self.country_names) != len(self.countries):
            raise InputError(f"Border {self.key}: give one name for each of {', '.join(self.countries)}.")

    @property
    def sides(self) -> tuple[str, ...]:
        """The values a band's ``side`` may take: ``"both"`` and each country's code."""
        return ("both", *self.countries)

    @property
    def clips(self) -> tuple[str, ...]:
        """The values a band's ``clip`` may take: ``"none"``, ``"land"`` and each country's code."""
        return ("none", "land", *self.countries)

    def country_name(self, iso: str) -> str:
        """Return the name of one of the border's countries: ``"UA"`` gives ``"Ukraine"``.

        Raises
        ------
        InputError
            When ``iso`` is not one of the border's countries.
        """
        if iso not in self.countries:
            raise InputError(f"{str(iso)[:10]!r} is not a country of the {self.name}: use one of "
                             f"{', '.join(self.countries) or 'none'}.")
        return self.country_names[self.countries.index(iso)] if self.country_names else iso

    def side_name(self, side: str) -> str:
        """Return a side for a sentence: ``"both sides"`` or ``"Ukraine's side"``.

        Examples
        --------
        >>> get_border("BY-UA").side_name("UA")
        "Ukraine's side"
        """
        if side == "both":
            return "both sides"
        if side not in self.sides:
            raise InputError(f"Unknown side {str(side)[:20]!r}: use one of {', '.join(self.sides)}.")
        return f"{self.country_name(side)}'s side"

    def clip_name(self, clip: str) -> str:
        """Return a clip for a sentence: ``"no clipping"``, ``"land only"`` or ``"Ukraine only"``."""
        if clip not in self.clips:
            raise InputError(f"Unknown clip {str(clip)[:20]!r}: use one of {', '.join(self.clips)}.")
        if clip in ("none", "land"):
            return {"none": "no clipping", "land": "land only"}[clip]
        return f"{self.country_name(clip)} only"


def border_key(raw: str) -> str:
    """Return the canonical key of a border: ``"ua-by"`` gives ``"BY-UA"``, ``"pl"`` gives ``"PL"``.

    Two codes name the border two countries share (in alphabetical order); one code
    names a country's whole land border.

    Raises
    ------
    InputError
        When ``raw`` is not one or two ISO 3166-1 alpha-2 codes, or names one country twice.
    """
    text = str(raw)[:40]
    if _ONE.fullmatch(text):
        return text.strip().upper()
    match = _PAIR.fullmatch(text)
    if match is None:
        raise InputError(f"{text!r} is not a border: give two country codes, for example BY-UA.")
    a, b = sorted(code.upper() for code in match.groups())
    if a == b:
        raise InputError(f"A border needs two different countries, got {a} twice.")
    return f"{a}-{b}"


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    return {c.iso2: c.name for c in world.countries()}


def country_geometry(iso: str) -> shapely.Geometry:
    """Return a country's territory (de jure, WGS84 longitude/latitude) by ISO 3166-1 alpha-2 code.

    From the world data (DCW 1:1M), read on first use.

    Raises
    ------
    InputError
        When the code is not a country of the data.
    """
    if iso not in _names():
        raise InputError(f"Unknown country code {str(iso)[:10]!r}: use an ISO 3166-1 alpha-2 code such as UA.")
    return world.country_geometry(iso)


def land(bounds: tuple[float, float, float, float]) -> shapely.Geometry:
    """Return land (the union of the world data's countries) within longitude/latitude bounds, for clipping bands."""
    return world.land(bounds)


#: What a border's line shows, and as of when, where the data predates a change on the ground.
BORDER_NOTES = {
    "BD-IN": "drawn as the Digital Chart of the World has it, before the enclave exchange of "
             "31 July 2015 (India–Bangladesh Land Boundary Agreement): the former enclaves are still drawn",
}


def _source(*codes: str) -> str:
    note = BORDER_NOTES.get("-".join(sorted(codes)))
    return "Digital Chart of the World 1:1M (Debian gmt-dcw 2.1.1)" + (f"; {note}" if note else "")


@lru_cache(maxsize=32)
def get_border(key: str = DEFAULT_BORDER) -> Border:
    """Return a border by key: two neighbours' shared border (either order), or one country's land border.

    Parameters
    ----------
    key : str
        ``"BY-UA"`` (or ``"ua-by"``) for the border Belarus and Ukraine share; ``"PL"``
        for all of Poland's land borders, whose one side is Poland itself.

    Raises
    ------
    InputError
        When a code is unknown, or the two countries share no land border.

    Examples
    --------
    >>> get_border("ua-by").key
    'BY-UA'
    >>> get_border("PL").sides
    ('both', 'PL')
    """
    key = border_key(key)
    codes = tuple(key.split("-"))
    names = _names()
    for code in codes:
        if code not in names:
            raise InputError(f"Unknown country code {code!r} in border {key}: use ISO 3166-1 alpha-2 codes.")
    if len(codes) == 1:
        line = world.land_border(key)
        if line is None or line.is_empty:
            raise InputError(f"{names[key]} has no land border in the data: choose a country with neighbours.")
        return Border(key, f"{names[key]}'s land border", line, codes, _source(key), (names[key],))
    a, b = codes
    try:
        line = world.shared_line(a, b)
    except DataError:
        line = None
    if line is None or line.is_empty:
        raise InputError(f"{names[a]} and {names[b]} share no land border: choose two neighbours.")
    return Border(key, f"{names[a]}–{names[b]} border", line, codes, _source(a, b), (names[a], names[b]))


def user_border(line: shapely.Geometry, name: str) -> Border:
    """Return a border drawn from a user's line (no sides: bands cover both)."""
    if line is None or line.is_empty or line.geom_type not in ("LineString", "MultiLineString"):
        raise InputError("A border from your layer must be a line.")
    digest = hashlib.sha256(shapely.to_wkb(line)).hexdigest()[:16]
    return Border(f"user:{digest}", name, line, (), "your layer")


def belarus_ukraine_border() -> shapely.Geometry:
    """Return the Belarus–Ukraine border as one line: ``get_border("BY-UA").line``."""
    line = get_border("BY-UA").line
    if line.geom_type != "LineString":
        raise DataError("The Belarus–Ukraine border did not merge into one line: rebuild with `make data`.")
    return line


#: The split between two countries' sides lies where their distances are equal to within
#: this fraction of the distance (and within SIDE_FLOOR_M, however near).
SIDE_TOLERANCE = 2e-4
#: Nearer than this to a border's end the split may stray by this many metres: the end of
#: the shared line lies within BORDER_TOLERANCE_M of where a third country begins.
SIDE_FLOOR_M = 5.0
# Refinement aims at half the promise, so rounding and straight segments keep inside it.
_SIDE_AIM = SIDE_TOLERANCE / 2
_SIDE_SPACING_M = 500.0
_FIRST_RADIUS_M = 25.0
_RADIUS_STEP = 1.25
_AZIMUTHS = 36
_ROOT_STEPS = 40
_SAG_PASSES = 24
_SAG_CHECKS = 7
_TRIM_STEPS = 24
# Lines of equal distance detached from the border are looked for on a grid this many
# points across the disc round the border, and at most this many are followed.
_GRID = 120
_MAX_DETACHED = 8
# Bounds on the work for one line: steps followed each way, and points of a refined line
# (where a line strays off the split, as near a country's many small islands, halving
# would double its points on every pass).
_MAX_FOLLOW_STEPS = 400
# Pieces of a shared border whose ends are this close are joined across the gap.
_GAP_M = 3_000.0
# The cut lines are noded on a grid of this many metres: lines traced side by side from
# nearby ends otherwise cross each other at countless points.
_GRID_SIZE_M = 1.0
_MAX_SPLIT_POINTS = 20_000


class _Nearness:
    """Signed nearness of points to one of two countries: ``d_own - d_other`` (metres).

    A country's distance is 0 inside it, else the geodesic distance to its boundary
    (measured to the boundary's segments, see :meth:`LineDistance.segment_distance_m`).
    """

    def __init__(self, own: shapely.Geometry, other: shapely.Geometry):
        self.own, self.other = own, other
        shapely.prepare(own)
        shapely.prepare(other)
        self._d = [LineDistance(g.boundary, spacing_m=_SIDE_SPACING_M) for g in (own, other)]

    def __call__(self, lon, lat) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``(f, d_own, d_other)``; ``f < 0`` where ``own`` is nearer."""
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        out = []
        for geom, oracle in zip((self.own, self.other), self._d):
            d, _ = oracle.segment_distance_m(lon, lat)
            out.append(np.where(shapely.contains_xy(geom, lon, lat), 0.0, d))
        return out[0] - out[1], out[0], out[1]

    @staticmethod
    def settled(f: np.ndarray, d_own: np.ndarray, d_other: np.ndarray) -> np.ndarray:
        """Whether each point lies on the split, to within the aim."""
        return np.abs(f) <= np.maximum(_SIDE_AIM * (d_own + d_other) / 2, SIDE_FLOOR_M / 2)


def split_sides(
    a: shapely.Geometry, b: shapely.Geometry, reach_km: float, line: shapely.Geometry | None = None
) -> tuple[shapely.Geometry, shapely.Geometry]:
    """Return the points within ``reach_km`` of two countries' border nearer ``a``, and those nearer ``b``.

    Nearness is geodesic (WGS84) distance to each country's territory, 0 inside it. So
    all of ``a`` within the reach lies on its side and none of ``b`` does (and the other
    way round); elsewhere (a third country, the sea) the split follows the line of equal
    distance, which starts at each end of each piece of the shared border (a closed
    piece, round an enclave, has none). That line is traced outwards from each end: on
    geodesic circles around the end, at radii growing by a quarter, the point of equal
    distance is found by regula falsi; then its straight (lon/lat) segments are split
    until each midpoint is as far from one country as from the other to within
    :data:`SIDE_TOLERANCE` of the distance (half of it aimed at), or
    :data:`SIDE_FLOOR_M` nearest the ends. The shared border and the traced lines cut a
    disc round the border into pieces, each wholly nearer one country; the two sides
    share those lines, so they never overlap.

    Parameters
    ----------
    a, b : shapely Polygon or MultiPolygon
        The two countries, in WGS84 longitude/latitude.
    reach_km : float
        How far from the shared border the sides must be right; they extend farther.
    line : shapely LineString or MultiLineString, optional
        The shared border (a :class:`Border`'s line); found from ``a`` and ``b`` if not given.

    Returns
    -------
    tuple of shapely.Polygon or shapely.MultiPolygon
        ``(a's side, b's side)``, valid, in WGS84 longitude/latitude.

    Examples
    --------
    >>> from geo import world
from geo.data import load_countries
    >>> c = load_countries()
    >>> ua, by = split_sides(c["UA"].geometry, c["BY"].geometry, 100.0)
    >>> ua.contains(shapely.Point(30.52, 50.45)), by.contains(shapely.Point(30.52, 50.45))
    (True, False)
    """
    if not reach_km > 0:
        raise InputError(f"reach_km must be positive, got {reach_km!r}.")
    if line is None:
        line = _shared_line(a, b, BORDER_TOLERANCE_M)
    if line is None or line.is_empty:
        raise DataError("The two countries share no border in the data.")
    nearness = _Nearness(a, b)
    centre = line.centroid
    pieces_deg, ends = [], []
    for piece in shapely.get_parts(line):
        xy = np.asarray(piece.coords)
        if piece.is_closed:
            pieces_deg.append(xy)
            continue
        xy = _trimmed(xy, nearness)
        pieces_deg.append(xy)
        ends.extend((xy[0], xy[-1]))
    xy_all = np.vstack(pieces_deg)
    _, _, spread = GEOD.inv(np.full(len(xy_all), centre.x), np.full(len(xy_all), centre.y), xy_all[:, 0], xy_all[:, 1])
    # Every point within the reach of the border lies within this radius of its centre.
    radius = reach_km * 1000.0 + spread.max() + 10_000.0
    cutters = [shapely.LineString(xy) for xy in pieces_deg if len(xy) >= 2]
    ends, joins = _joined(np.array(ends).reshape(-1, 2))
    cutters.extend(joins)
    for end in ends:
        _, _, off = GEOD.inv(centre.x, centre.y, end[0], end[1])
        trace = _trace_split(nearness, end, 1.05 * (radius + off))
        refined = _refine_split(nearness, trace) if len(trace) >= 2 else None
        if refined is not None:
            cutters.append(shapely.LineString(refined))
    to_m, to_deg = aeqd_transformers(centre.x, centre.y)
    disc = shapely.segmentize(shapely.Point(0.0, 0.0).buffer(radius, quad_segs=64), radius / 100.0)
    cutter = shapely.union_all([reproject(c, to_m) for c in cutters] + [disc.exterior], grid_size=_GRID_SIZE_M)
    for loop in _detached_splits(nearness, cutter, radius, to_m, to_deg):
        cutter = shapely.union(cutter, loop, grid_size=_GRID_SIZE_M)
    pieces = shapely.get_parts(shapely.polygonize(shapely.get_parts(cutter)))
    marks = reproject(shapely.MultiPoint([h.representative_point() for h in pieces]), to_deg)
    marks = shapely.get_coordinates(marks)
    nearer_a = nearness(marks[:, 0], marks[:, 1])[0] < 0
    disc_deg = reproject(disc, to_deg)
    sides = []
    for own, other, mine in ((a, b, nearer_a), (b, a, ~nearer_a)):
        # United in metres, where the pieces were made: thin ones can fold when reprojected.
        # Traces run on past the disc, where they may close pieces of their own: cut those off.
        half = reproject(shapely.intersection(shapely.union_all(pieces[mine]), disc), to_deg)
        if not half.is_valid:
            half = shapely.make_valid(half)
        region = shapely.union(half, own.intersection(disc_deg)).difference(other)
        if not region.is_valid:
            region = shapely.make_valid(region)
        parts = [p for p in shapely.get_parts(region) if p.geom_type == "Polygon"]
        sides.append(parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts))
    return sides[0], sides[1]


def _joined(ends: np.ndarray) -> tuple[np.ndarray, list[shapely.LineString]]:
    """Ends of the shared border's pieces with no other end within _GAP_M, and lines across the gaps.

    Where the two countries' outlines part by more than the border's tolerance for a
    little way, the shared line breaks; the split across such a gap is the gap itself,
    and traces from both its ends would run side by side (costly to cut with).
    """
    if len(ends) < 2:
        return ends, []
    a, b = np.triu_indices(len(ends), k=1)
    _, _, gap = GEOD.inv(ends[a, 0], ends[a, 1], ends[b, 0], ends[b, 1])
    free = np.ones(len(ends), dtype=bool)
    joins = []
    for k in np.argsort(gap):
        if gap[k] > _GAP_M:
            break
        i, j = a[k], b[k]
        if free[i] and free[j]:
            free[i] = free[j] = False
            joins.append(shapely.LineString([ends[i], ends[j]]))
    return ends[free], joins


def _detached_splits(nearness: _Nearness, cutter: shapely.Geometry, radius: float, to_m, to_deg):
    """Lines of equal distance that start at no end of the shared border, in metres (yielded one by one).

    Where a country is in several parts (Russia and Kaliningrad against Lithuania), the
    points nearer one part meet those nearer the other country along a line that runs
    between them, far from the shared border. A grid over the disc (in the projection)
    finds neighbouring points nearer different countries with no cut between them; the
    line through their point of equal distance is followed both ways (a step ahead,
    then regula falsi across) until it meets a cut, leaves the disc or closes, and is
    refined like the traces.
    """
    ticks = np.linspace(-radius, radius, _GRID)
    x, y = np.meshgrid(ticks, ticks)
    inside = np.hypot(x, y) < radius * 0.97
    lon, lat = to_deg.transform(x, y)
    f = np.where(inside, nearness(lon.ravel(), lat.ravel())[0].reshape(x.shape), np.nan)
    pairs = []
    for (i0, j0), (i1, j1) in (((slice(None), slice(None, -1)), (slice(None), slice(1, None))),
                               ((slice(None, -1), slice(None)), (slice(1, None), slice(None)))):
        change = np.sign(f[i0, j0]) * np.sign(f[i1, j1]) < 0
        ends = np.column_stack((x[i0, j0][change], y[i0, j0][change], x[i1, j1][change], y[i1, j1][change]))
        pairs.append(ends)
    pairs = np.vstack(pairs)
    found = 0
    while len(pairs) and found < _MAX_DETACHED:
        crossing = shapely.linestrings(pairs.reshape(-1, 2, 2))
        shapely.prepare(cutter)
        pairs = pairs[~shapely.intersects(cutter, crossing)]
        if not len(pairs):
            return
        seed = _seed(nearness, pairs[0], to_deg)
        line = _follow(nearness, seed, cutter, radius, to_m, 2.0 * radius / _GRID)
        pairs = pairs[1:]
        if line is None:
            continue
        found += 1
        refined = _refine_split(nearness, line)
        if refined is None:
            continue
        line_m = reproject(shapely.LineString(refined), to_m)
        cutter = shapely.union(cutter, line_m)
        yield line_m


def _seed(nearness: _Nearness, pair: np.ndarray, to_deg) -> np.ndarray:
    """The point of equal distance between two grid points (lon, lat), by bisection in the projection."""
    a, b = pair[:2], pair[2:]
    fa = nearness(*to_deg.transform(a[:1], a[1:]))[0][0]
    for _ in range(_ROOT_STEPS):
        m = (a + b) / 2
        fm, d_own, d_other = nearness(*to_deg.transform(m[:1], m[1:]))
        if _Nearness.settled(fm, d_own, d_other)[0]:
            break
        if np.sign(fm[0]) == np.sign(fa):
            a, fa = m, fm[0]
        else:
            b = m
    return np.array(to_deg.transform(m[0], m[1]))


def _follow(nearness: _Nearness, seed: np.ndarray, cutter: shapely.Geometry, radius: float, to_m, step: float):
    """The line of equal distance through ``seed``, both ways until it meets ``cutter`` or closes."""
    az = np.arange(8) * 45.0
    rlon, rlat, _ = GEOD.fwd(np.full(8, seed[0]), np.full(8, seed[1]), az, np.full(8, step / 8))
    grows = az[np.argmax(nearness(rlon, rlat)[0])]
    halves = []
    for turn in (90.0, -90.0):
        points, heading, closed = [seed], grows + turn, False
        for k in range(min(int(8 * np.pi * radius / step), _MAX_FOLLOW_STEPS)):
            p = points[-1]
            qlon, qlat, _ = GEOD.fwd(p[0], p[1], heading, step)
            f0 = nearness([qlon], [qlat])[0]
            plon, plat = _root_across(nearness, np.array([qlon]), np.array([qlat]), np.array([heading + 90.0]),
                                      f0, np.array([step / 4]))
            if not np.isfinite(plon[0]):
                break
            nxt = np.array([plon[0], plat[0]])
            heading, _, _ = GEOD.inv(p[0], p[1], nxt[0], nxt[1])
            points.append(nxt)
            xy = np.array(to_m.transform([p[0], nxt[0]], [p[1], nxt[1]])).T
            if cutter.intersects(shapely.LineString(xy)):
                break
            if k > 3 and GEOD.inv(nxt[0], nxt[1], seed[0], seed[1])[2] < step:
                points.append(seed)
                closed = True
                break
        halves.append(np.array(points))
        if closed:
            return halves[0]
    line = np.vstack((halves[1][::-1], halves[0][1:]))
    return line if len(line) >= 3 else None


def _trimmed(xy: np.ndarray, nearness: _Nearness) -> np.ndarray:
    """The shared line without its ends' run-out along a third country.

    The shared line is the part of one boundary within BORDER_TOLERANCE_M of the other,
    so at each end it runs on past the tripoint, away from the other country, for up
    to that far. It is cut where it leaves the other country (by more than a metre),
    so the split is traced from the tripoint itself.
    """
    _, _, d_other = nearness(xy[:, 0], xy[:, 1])
    near = np.flatnonzero(d_other <= 1.0)
    if len(near) < 2:
        return xy
    i, j = near[0], near[-1]
    # Bisect both ends at once, from the last near vertex towards the next one out.
    inner = np.array([xy[i], xy[j]])
    outer = np.array([xy[max(i - 1, 0)], xy[min(j + 1, len(xy) - 1)]])
    for _ in range(_TRIM_STEPS):
        mid = (inner + outer) / 2
        close = nearness(mid[:, 0], mid[:, 1])[2] <= 1.0
        inner[close], outer[~close] = mid[close], mid[~close]
    return np.vstack((inner[:1], xy[i + 1 : j], inner[1:]))


def _trace_split(nearness: _Nearness, end: np.ndarray, out_to_m: float) -> np.ndarray:
    """Points of equal distance on circles around a border's end, out to ``out_to_m``."""
    radii = _FIRST_RADIUS_M * _RADIUS_STEP ** np.arange(
        int(np.ceil(np.log(out_to_m / _FIRST_RADIUS_M) / np.log(_RADIUS_STEP))) + 1
    )
    az = np.arange(_AZIMUTHS) * 360.0 / _AZIMUTHS
    rr, aa = np.meshgrid(radii, az, indexing="ij")
    lon, lat, _ = GEOD.fwd(np.full(rr.size, end[0]), np.full(rr.size, end[1]), aa.ravel(), rr.ravel())
    f, d_own, d_other = (a.reshape(rr.shape) for a in nearness(lon, lat))
    inside_own, inside_other = d_own == 0, d_other == 0
    positive = f >= 0
    nxt = np.roll(np.arange(_AZIMUTHS), -1)
    # A change of sign between neighbouring azimuths is the split, or the shared border
    # itself (from inside one country straight into the other).
    change = positive != positive[:, nxt]
    across = (inside_own & inside_other[:, nxt]) | (inside_other & inside_own[:, nxt])
    candidates = change & ~across
    outside = ~inside_own & ~inside_other
    chosen, picked = [], None
    for k in range(len(radii)):
        js = np.flatnonzero(candidates[k])
        if not len(js):
            continue
        if picked is None:
            clear = js[outside[k, js] & outside[k, nxt[js]]]
            js = clear if len(clear) else js
            j = js[0]
        else:
            gap = np.abs((js - picked + _AZIMUTHS / 2) % _AZIMUTHS - _AZIMUTHS / 2)
            j = js[np.argmin(gap)]
        picked = j
        chosen.append((k, j))
    if not chosen:
        return end[None, :]
    k, j = np.array(chosen).T
    step = 360.0 / _AZIMUTHS
    lo, hi = az[j].astype(float), az[j] + step
    f_lo, f_hi = f[k, j], f[k, nxt[j]]
    r = radii[k]
    e_lon, e_lat = np.full(len(k), end[0]), np.full(len(k), end[1])
    out_lon, out_lat = np.full(len(k), np.nan), np.full(len(k), np.nan)
    side = np.zeros(len(k))
    i = np.arange(len(k))
    for _ in range(_ROOT_STEPS):
        if not len(i):
            break
        x = hi[i] - f_hi[i] * (hi[i] - lo[i]) / (f_hi[i] - f_lo[i])
        plon, plat, _ = GEOD.fwd(e_lon[i], e_lat[i], x, r[i])
        fx, a, b = nearness(plon, plat)
        done = _Nearness.settled(fx, a, b)
        out_lon[i[done]], out_lat[i[done]] = plon[done], plat[done]
        illinois_step(i, x, fx, lo, hi, f_lo, f_hi, side)
        i = i[~done]
    ok = np.isfinite(out_lon)
    return np.vstack((end[None, :], np.column_stack((out_lon[ok], out_lat[ok]))))


def _refine_split(nearness: _Nearness, trace: np.ndarray) -> np.ndarray | None:
    """Split the trace's segments (straight in lon/lat) until every point lies on the split.

    None when that takes more than _MAX_SPLIT_POINTS points: the trace strayed off the split.

    Each segment is checked at seven evenly spaced points: between two changes of the
    nearest boundary points the split bends smoothly, and a change within a segment
    shows as a kink that the nearest checked point brings out. A failing segment is
    split at the point of equal distance across its worst point.
    """
    lon, lat = trace[:, 0].copy(), trace[:, 1].copy()
    check = np.ones(len(lon) - 1, dtype=bool)
    t = np.arange(1, _SAG_CHECKS + 1) / (_SAG_CHECKS + 1)
    for _ in range(_SAG_PASSES):
        s = np.flatnonzero(check)
        if not len(s):
            break
        if len(lon) > _MAX_SPLIT_POINTS:
            return None
        qlon = (lon[s, None] + t * (lon[s + 1] - lon[s])[:, None]).ravel()
        qlat = (lat[s, None] + t * (lat[s + 1] - lat[s])[:, None]).ravel()
        f, a, b = nearness(qlon, qlat)
        slack = np.maximum(_SIDE_AIM * (a + b) / 2, SIDE_FLOOR_M / 2)
        excess = (np.abs(f) / slack).reshape(len(s), -1)
        worst = np.argmax(excess, axis=1)
        bad = excess[np.arange(len(s)), worst] > 1.0
        pick = np.flatnonzero(bad) * _SAG_CHECKS + worst[bad]
        s, mlon, mlat, f = s[bad], qlon[pick], qlat[pick], f[pick]
        along, _, length = GEOD.inv(lon[s], lat[s], lon[s + 1], lat[s + 1])
        plon, plat = _root_across(nearness, mlon, mlat, along + 90.0, f, length / 4)
        found = np.isfinite(plon)
        s, plon, plat = s[found], plon[found], plat[found]
        lon, lat = np.insert(lon, s + 1, plon), np.insert(lat, s + 1, plat)
        # Both halves of a split segment are checked again.
        check = np.zeros(len(lon) - 1, dtype=bool)
        at = s + np.arange(len(s))
        check[at], check[at + 1] = True, True
    return np.column_stack((lon, lat))


def _root_across(nearness: _Nearness, lon, lat, azimuth, f0, step):
    """The point of equal distance on the geodesic through each point at an azimuth (NaN if none)."""
    n = len(lon)
    out = np.full((2, n), np.nan)
    lo, f_lo = np.zeros(n), f0.copy()
    hi, f_hi = np.full(n, np.nan), np.full(n, np.nan)
    h = np.maximum(step, 1.0)
    i = np.arange(n)
    for _ in range(12):
        if not len(i):
            break
        both = np.r_[h[i], -h[i]]
        plon, plat, _ = GEOD.fwd(np.tile(lon[i], 2), np.tile(lat[i], 2), np.tile(azimuth[i], 2), both)
        f = nearness(plon, plat)[0]
        fp, fm = f[: len(i)], f[len(i) :]
        plus = np.sign(fp) != np.sign(f_lo[i])
        minus = ~plus & (np.sign(fm) != np.sign(f_lo[i]))
        hi[i[plus]], f_hi[i[plus]] = h[i[plus]], fp[plus]
        hi[i[minus]], f_hi[i[minus]] = -h[i[minus]], fm[minus]
        h[i] *= 2
        i = i[~plus & ~minus]
    i = np.flatnonzero(np.isfinite(hi))
    side = np.zeros(n)
    for _ in range(_ROOT_STEPS):
        if not len(i):
            break
        x = hi[i] - f_hi[i] * (hi[i] - lo[i]) / (f_hi[i] - f_lo[i])
        plon, plat, _ = GEOD.fwd(lon[i], lat[i], azimuth[i], x)
        fx, a, b = nearness(plon, plat)
        done = _Nearness.settled(fx, a, b)
        out[0, i[done]], out[1, i[done]] = plon[done], plat[done]
        illinois_step(i, x, fx, lo, hi, f_lo, f_hi, side)
        i = i[~done]
    return out[0], out[1]
