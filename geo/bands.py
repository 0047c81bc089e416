"""Geodesic distance bands around a border (any :class:`geo.borders.Border`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import shapely

from geo.borders import Border, country_geometry, get_border, land, split_sides
from geo.errors import InputError
from geo.geodesy import GEOD, LineDistance, aeqd_transformers, illinois_step, reproject
from geo.lru import Lru

__all__ = [
    "CLIPS",
    "MAX_BANDS",
    "MAX_KM",
    "MIN_KM",
    "ORACLE_SPACINGS_M",
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
#: The default border's sides and clips under their names from before any border could be
#: chosen (URL and command-line values); :class:`BandSpec` takes them for any border that
#: has the country. A border's own values are ``border.sides`` and ``border.clips``.
SIDES = ("ukraine", "belarus", "both")
CLIPS = ("none", "land", "ukraine", "belarus")
_LEGACY = {"ukraine": "UA", "belarus": "BY"}
#: Every point of a band edge (its vertices and the straight lon/lat segments between them)
#: lies within this fraction of its distance.
RELATIVE_TOLERANCE = 2e-4
# Refinement aims well inside the promise so that rounding never breaks it: at half of it
# from _FAR_M on, at a quarter nearer, where the densified border's own error (spacing² / 8d,
# up to 0.005 % at 1 km) takes more of the promise.
_AIM = RELATIVE_TOLERANCE / 2
_NEAR_AIM = RELATIVE_TOLERANCE / 4
# The first guess: buffered in two steps (a quarter, then the rest: GEOS nodes far fewer
# crossings than in one step) with arcs of 8 segments a quarter circle, which lie up to
# 1 - cos(pi / 32) = 0.5 % inside their radius; then cut into chords of 2.55 % of it,
# which sag by 0.8e-4 of it, inside the aim.
_QUAD_SEGS = 8
_CHORD = 0.0255
# A border-centred azimuthal equidistant projection errs by up to 0.07 % here; with the
# arcs' 0.5 % and some room, the guess lies outside the zone by this much beyond the
# simplification.
_GUESS_MARGIN = 0.007
# Nearer than this the guess is buffered at the distance itself, with arcs of 48 segments a
# quarter circle (see _first_guess).
_FAR_M = 20_000.0
_NEAR_QUAD_SEGS = 48
# Near the border, a border reaching farther than this from its centre is buffered in runs
# this long, each in its own projection (see _pieces): at 500 km from its centre an azimuthal
# equidistant projection stretches distances across by 0.1 %.
_PIECE_M = 500_000.0
# Simplifying the border for the first guess: finer near it, where cusps are dense.
_SIMPLIFY = ((0.03, 20_000.0), (0.01, 0.0))
_MAX_PASSES = 24
#: Border densifications of the distance oracles, coarsest first (see :func:`border_distance`).
ORACLE_SPACINGS_M = (2500.0, 500.0, 100.0, 20.0)
_MOVES = 3
# Steps of regula falsi to find where a segment crosses from one arc to the next: the
# difference of the distances is nearly linear along a segment, so two steps place the
# check within metres of the crossing.
_CROSSING_STEPS = 2
# Metres in a degree of latitude, about (for estimates only).
_M_PER_DEGREE = 111_200.0


@dataclass(frozen=True)
class BandSpec:
    """What bands to draw: distances from the border, which side, and what to clip to.

    Parameters
    ----------
    distances_km : tuple of float
        Strictly increasing, each from 1 to 1,500 km, at most eight.
    side : str
        One of ``border.sides``: ``"both"`` or a country's ISO code. A country's side is
        every point nearer (geodesically) to its territory than to the other's (see
        :func:`geo.borders.split_sides`), so it holds all of that country within the
        distance and none of the other. The legacy names ``"ukraine"`` and ``"belarus"``
        (and lower-case codes) are taken and stored as the code.
    clip : str
        One of ``border.clips``: ``"none"``, ``"land"``, or a country's ISO code (legacy
        names taken as for ``side``).
    border : Border
        The border measured from; Belarus–Ukraine (``get_border("BY-UA")``) by default.

    Examples
    --------
    >>> BandSpec.parse(["100", 50, 200]).distances_km
    (50.0, 100.0, 200.0)
    >>> BandSpec((50.0,), side="ukraine").side
    'UA'
    """

    distances_km: tuple[float, ...]
    side: str = "both"
    clip: str = "none"
    border: Border = None  # type: ignore[assignment]  # get_border() when not given

    def __post_init__(self) -> None:
        if self.border is None:
            object.__setattr__(self, "border", get_border())
        if not isinstance(self.border, Border):
            raise InputError(f"border must be a Border (see geo.borders.get_border), got {type(self.border).__name__}.")
        object.__setattr__(self, "side", _canonical(self.side, self.border))
        object.__setattr__(self, "clip", _canonical(self.clip, self.border))
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
        sides, clips = self.border.sides, self.border.clips
        if self.side not in sides:
            raise InputError(f"Unknown side {self.side!r} for the {self.border.name}: use one of {', '.join(sides)}.")
        if self.clip not in clips:
            raise InputError(f"Unknown clip {self.clip!r} for the {self.border.name}: use one of {', '.join(clips)}.")

    @classmethod
    def parse(cls, values, side: str = "both", clip: str = "none", border: Border | None = None) -> BandSpec:
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
        return cls(tuple(sorted(set(out))), side=side, clip=clip, border=border)


def _canonical(value, border: Border) -> str:
    """A side or clip as stored: a country's code (from a legacy name or lower case), else lower case."""
    text = str(value).strip()[:40]
    code = _LEGACY.get(text.lower(), text.upper())
    return code if code in border.countries else text.lower()


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


@lru_cache(maxsize=16)
def border_distance(spacing_m: float = 20.0, border: Border | None = None) -> LineDistance:
    """Return the (cached) distance oracle for a border (Belarus–Ukraine by default).

    Densifying every ``spacing_m`` overestimates a distance ``d`` by at most
    ``spacing_m**2 / (8 d)``; 20 m keeps that under 0.05 m at 1 km.
    """
    border = get_border() if border is None else border
    # One candidate a point: where the nearest vertex by chord (in the k-d tree) is not the
    # nearest by geodesic, the two tie to millimetres, far inside the aim, and one geodesic
    # inverse a point instead of two makes the refinement about a seventh faster.
    return LineDistance(border.line, spacing_m=spacing_m, candidates=1)


def _oracle_for(distance_m: float, border: Border) -> LineDistance:
    # Coarser densification is exact enough farther out, and its k-d tree is faster: at a
    # hundredth of the distance or less, the spacing error (spacing² / 8d) stays within
    # an eighth of the aim.
    for spacing in ORACLE_SPACINGS_M[:-1]:
        if distance_m >= 100.0 * spacing:
            return border_distance(spacing, border)
    return border_distance(ORACLE_SPACINGS_M[-1], border)


@dataclass(frozen=True)
class _Oracles:
    """The distance oracles of rings refined together, each point asking its own (by index)."""

    border: Border

    def which(self, distances_m: np.ndarray) -> np.ndarray:
        """Each distance's oracle, as an index into ORACLE_SPACINGS_M."""
        spacing = [_oracle_for(d, self.border).spacing_m for d in np.asarray(distances_m).tolist()]
        return np.array([ORACLE_SPACINGS_M.index(s) for s in spacing], dtype=int)

    def nearest(self, which: np.ndarray, lon: np.ndarray, lat: np.ndarray):
        """:meth:`LineDistance.nearest` of each point, by its own oracle."""
        return self._split(which, "nearest", lon, lat)

    def relation(self, which: np.ndarray, alon, alat, blon, blat):
        """:meth:`LineDistance.relation` of each pair, by its own oracle."""
        return self._split(which, "relation", alon, alat, blon, blat)

    def _split(self, which, method: str, *arrays):
        if not len(which):
            return (np.empty(0),) * 4 if method == "nearest" else (np.zeros(0, dtype=bool),) * 2
        if (which == which[0]).all():
            return getattr(border_distance(ORACLE_SPACINGS_M[which[0]], self.border), method)(*arrays)
        out = None
        for kind in np.unique(which).tolist():
            i = np.flatnonzero(which == kind)
            part = getattr(border_distance(ORACLE_SPACINGS_M[kind], self.border), method)(*(a[i] for a in arrays))
            if out is None:
                out = tuple(np.empty(len(which), dtype=p.dtype) for p in part)
            for o, p in zip(out, part):
                o[i] = p
        return out


@lru_cache(maxsize=8)
def _projection(border: Border):
    centre = border.line.centroid
    to_m, to_deg = aeqd_transformers(centre.x, centre.y)
    return to_m, to_deg, reproject(border.line, to_m)


def _refine_rings(
    rings: list[np.ndarray], distances_m: np.ndarray, oracles: _Oracles, settled: set | None = None
) -> tuple[list[np.ndarray], list[set[tuple[float, float]]]]:
    """Move each vertex to the exact distance, then split segments whose midpoints sag.

    All rings are refined together, so each pass is one call to each distance oracle.
    Rings are handled open (without the repeated closing vertex), so the first vertex
    is moved or dropped like any other. A point moved outwards from inside the zone can
    land where another part of the border is nearer (past a cusp, where two arcs meet):
    such points are checked on the next pass, moved again or dropped. A segment across a
    notch (a concave cusp) is split at a guess of the cusp (where the circles around its
    ends' nearest border points meet, or where the lines through its neighbouring
    segments cross), which reaches the cusp in a few passes where halving would take
    dozens; if no guess lands on the edge, the edge point straight across the segment
    (found by bisection along its normal) is used instead.

    Each ring is refined to its own distance (``distances_m``, one a ring), measured with
    its distance's oracle: rings at several distances are refined together, in as many
    passes as the slowest needs, each vertex exactly as if its ring were refined alone.

    Segments in ``settled`` (``(x0, y0, x1, y1)`` already refined, either way round) are
    taken as they are: only the other segments and their ends are refined. Returns the
    rings and, for each, the vertices still to be checked when the passes ran out.
    """
    d_ring = np.asarray(distances_m, dtype=float)
    g_ring = oracles.which(d_ring)
    aim_ring = np.where(d_ring >= _FAR_M, _AIM, _NEAR_AIM) * d_ring
    sizes = [len(r) - 1 for r in rings]
    lon, lat = np.vstack([r[:-1] for r in rings]).T.copy()
    ring = np.repeat(np.arange(len(rings)), sizes)
    dv, av = d_ring[ring], aim_ring[ring]
    # Segment i runs from vertex i to the next vertex of its ring (the last one wraps round).
    prev, nxt = _neighbours(ring)
    start = np.ones(len(lon), dtype=bool)
    if settled is not None:
        x, y = lon.tolist(), lat.tolist()
        new = np.array([(x[a], y[a], x[b], y[b]) not in settled for a, b in enumerate(nxt.tolist())])
        start = new | new[prev]
    # Settled vertices' nearest border points are unknown (NaN): checks that need them say "check".
    flon, flat = np.full(len(lon), np.nan), np.full(len(lon), np.nan)
    unverified = np.zeros(len(lon), dtype=bool)
    i = np.flatnonzero(start)
    if len(i):
        dist, az, flon[i], flat[i] = oracles.nearest(g_ring[ring[i]], lon[i], lat[i])
        unverified[i] = dist < dv[i] - av[i]
        lon[i], lat[i], _ = GEOD.fwd(flon[i], flat[i], az, dv[i])
    check = start | start[nxt]
    tries = np.zeros(len(lon), dtype=int)
    for _ in range(_MAX_PASSES):
        seg, ver = np.flatnonzero(check), np.flatnonzero(unverified)
        if not len(seg) and not len(ver):
            break
        prev, nxt = _neighbours(ring)
        dv, av, gv = d_ring[ring], aim_ring[ring], g_ring[ring]
        sd, sa, vd, va, sg = dv[seg], av[seg], dv[ver], av[ver], gv[seg]
        # A segment is checked at its midpoint, where a chord of one arc strays most. One
        # whose ends lie on arcs around border points apart on the border is also checked
        # where it crosses from one arc to the other (past a cusp, where it strays most
        # outwards); it keeps whichever of its points strays most.
        ends = nxt[seg]
        adjacent, straight = oracles.relation(sg, flon[seg], flat[seg], flon[ends], flat[ends])
        length = _flat_length_m(lon[seg], lat[seg], lon[ends], lat[ends])
        owners, xlon, xlat = _cusp_checks(lon, lat, flon, flat, seg, ends, adjacent, length, sd, sa)
        qlon = np.r_[(lon[seg] + lon[ends]) / 2, lon[ver], xlon]
        qlat = np.r_[(lat[seg] + lat[ends]) / 2, lat[ver], xlat]
        dist, az, blon, blat = oracles.nearest(np.r_[sg, gv[ver], sg[owners]], qlon, qlat)
        ns, nv = len(seg), len(ver)
        if len(owners):
            extra = ns + nv + np.arange(len(owners))
            order = np.lexsort((np.abs(dist[extra] - sd[owners]), owners))
            last = np.r_[owners[order][1:] != owners[order][:-1], True]
            src, dst = extra[order][last], owners[order][last]
            worse = np.abs(dist[src] - sd[dst]) > np.abs(dist[dst] - sd[dst])
            src, dst = src[worse], dst[worse]
            for values in (qlon, qlat, dist, az, blon, blat):
                values[dst] = values[src]
            qlon, qlat, dist, az, blon, blat = (v[: ns + nv] for v in (qlon, qlat, dist, az, blon, blat))
        # A hidden vertex moves out from the border point that hides it; after a few
        # tries, or if that move would jump past its neighbours, it goes instead.
        off = dist[ns:] < vd - va
        sel = off & (tries[ver] < _MOVES)
        to_lon, to_lat, _ = GEOD.fwd(blon[ns:][sel], blat[ns:][sel], az[ns:][sel], vd[sel])
        v = ver[sel]
        step, before, after = _lengths(
            (lon[v], lat[v], to_lon, to_lat),
            (lon[prev[v]], lat[prev[v]], lon[v], lat[v]),
            (lon[v], lat[v], lon[nxt[v]], lat[nxt[v]]),
        )
        near = step < 2 * np.maximum(before, after)
        sel[np.flatnonzero(sel)[~near]] = False
        moved = v[near]
        to_lon, to_lat = to_lon[near], to_lat[near]
        lon[moved], lat[moved] = to_lon, to_lat
        flon[moved], flat[moved] = blon[ns:][sel], blat[ns:][sel]
        tries[moved] += 1
        hidden = np.zeros(len(lon), dtype=bool)
        hidden[ver[off & ~sel]] = True
        # A ring keeps at least three vertices.
        kept = np.bincount(ring, weights=~hidden, minlength=ring.max() + 1)
        hidden &= kept[ring] >= 3
        sag = np.abs(dist[:ns] - sd) > sa
        # A long segment whose ends lie nearest different segments of the border may pass
        # a bend of the border between them anywhere: split it until it is as short as the
        # guess's chords, which no border point can pull more than their sag inside.
        bent = ~straight & np.isfinite(flon[seg]) & np.isfinite(flon[ends])
        sag |= bent & (length > _CHORD * sd)
        changed = np.zeros(len(lon), dtype=bool)
        changed[moved] = True
        sag &= ~hidden[seg] & ~hidden[nxt[seg]] & ~changed[seg] & ~changed[nxt[seg]]
        s = seg[sag]
        new_lon, new_lat, _ = GEOD.fwd(blon[:ns][sag], blat[:ns][sag], az[:ns][sag], sd[sag])
        new_flon, new_flat = blon[:ns][sag], blat[:ns][sag]
        new_unverified = dist[:ns][sag] < sd[sag]
        # On one arc (ends and midpoint near the same border point) nothing can hide the
        # point between the ends. Near a change of border point the projection may be
        # hidden (and dropped, and tried again, round and round): take the edge point
        # across the midpoint instead, checked as it is found.
        edge = np.zeros(len(s), dtype=bool)
        if new_unverified.any():
            u = np.flatnonzero(new_unverified)
            su, sn = s[u], nxt[s[u]]
            gap, gap_a, span = _lengths(
                (flon[su], flat[su], flon[sn], flat[sn]),
                (flon[su], flat[su], new_flon[u], new_flat[u]),
                (lon[su], lat[su], lon[sn], lat[sn]),
            )
            new_unverified[u] = ~((gap <= span) & (gap_a <= span))
            edge |= new_unverified
        # Across a notch (two arcs meeting in a concave part) halving creeps towards the
        # cusp; guess the cusp instead, and keep a guess only if it lands on the boundary.
        notch = np.flatnonzero(dist[:ns][sag] > sd[sag])
        if len(notch):
            n = s[notch]
            dn, an, gn = sd[sag][notch], sa[sag][notch], sg[sag][notch]
            m = nxt[n]
            near = qlon[:ns][sag][notch], qlat[:ns][sag][notch]
            _, _, length = GEOD.inv(lon[n], lat[n], lon[m], lat[m])
            guesses = [_wall_crossing(lon, lat, prev, nxt, n)]
            across = _across_cusp(flon[n], flat[n], flon[m], flat[m], length, dn)
            if across.any():
                c = np.where(across, n, 0)
                glon, glat = _cusp_guess(flon[c], flat[c], flon[nxt[c]], flat[nxt[c]], *near, dn)
                guesses.insert(0, (np.where(across, glon, np.nan), np.where(across, glat, np.nan)))
            todo = np.ones(len(n), dtype=bool)
            for glon, glat in guesses:
                try_ = todo & np.isfinite(glon) & np.isfinite(glat)
                if not try_.any():
                    continue
                t = np.flatnonzero(try_)
                cd, caz, cblon, cblat = oracles.nearest(gn[t], glon[t], glat[t])
                plon, plat, _ = GEOD.fwd(cblon, cblat, caz, dn[t])
                fine = cd >= dn[t]
                if not fine.all():
                    far = oracles.nearest(gn[t][~fine], plon[~fine], plat[~fine])[0]
                    fine[~fine] = far >= (dn - an)[t][~fine]
                off_a, off_b = _lengths((plon, plat, lon[n[t]], lat[n[t]]), (plon, plat, lon[m[t]], lat[m[t]]))
                # A cusp lies between the segment's ends: a guess that lands far away does not,
                # and one on an end (again and again, if taken) would leave the notch as it is.
                reach = np.minimum(6 * length[t], dn[t] / 2)
                fine &= (np.minimum(off_a, off_b) > 0.01 * length[t]) & (np.maximum(off_a, off_b) < reach)
                take = notch[t[fine]]
                new_lon[take], new_lat[take] = plon[fine], plat[fine]
                new_flon[take], new_flat[take] = cblon[fine], cblat[fine]
                new_unverified[take] = False
                todo[t[fine]] = False
            edge[notch[todo]] = True
        if edge.any():
            e = np.flatnonzero(edge)
            se, sn, mid = s[e], nxt[s[e]], np.flatnonzero(sag)[e]
            found = _edge_across(oracles, sg[mid], lon[se], lat[se], lon[sn], lat[sn], qlon[mid], qlat[mid],
                                 dist[mid], blon[mid], blat[mid], sd[mid], sa[mid])
            ok = np.isfinite(found[0])
            take = e[ok]
            new_lon[take], new_lat[take] = found[0][ok], found[1][ok]
            new_flon[take], new_flat[take] = found[2][ok], found[3][ok]
            new_unverified[take] = False
        # Insert the new points, then drop hidden ones; check every segment that changed.
        # Each new point goes after its segment's start (as np.insert would put it, with
        # the places worked out once for every array).
        old_at = np.arange(len(lon))
        old_at += np.searchsorted(s, old_at, side="left")
        new_at = s + 1 + np.arange(len(s))
        lon, lat = _spliced(lon, new_lon, old_at, new_at), _spliced(lat, new_lat, old_at, new_at)
        flon, flat = _spliced(flon, new_flon, old_at, new_at), _spliced(flat, new_flat, old_at, new_at)
        ring = _spliced(ring, ring[s], old_at, new_at)
        unverified = _spliced(changed, new_unverified, old_at, new_at)
        hidden = _spliced(hidden, False, old_at, new_at)
        tries = _spliced(tries, 0, old_at, new_at)
        mark = _spliced(changed, True, old_at, new_at) | hidden
        # The segment into a changed vertex changed too; a dropped run joins its neighbours.
        prev, _ = _neighbours(ring)
        mark[prev[mark & ~hidden]] = True
        run = hidden
        while run.any():
            before = np.zeros(len(lon), dtype=bool)
            before[prev[run]] = True
            mark |= before
            run = before & hidden & ~run
        keep = ~hidden
        lon, lat, flon, flat = lon[keep], lat[keep], flon[keep], flat[keep]
        ring, unverified, tries, check = ring[keep], unverified[keep], tries[keep], mark[keep]
    prev, _ = _neighbours(ring)
    open_ = np.flatnonzero(unverified | check | check[prev])
    pending = [set() for _ in rings]
    for r, x, y in zip(ring[open_].tolist(), lon[open_].tolist(), lat[open_].tolist()):
        pending[r].add((x, y))
    bounds = np.flatnonzero(np.diff(ring)) + 1
    parts = zip(np.split(lon, bounds), np.split(lat, bounds))
    return [np.column_stack((np.r_[x, x[:1]], np.r_[y, y[:1]])) for x, y in parts], pending


def _spliced(old: np.ndarray, new, old_at: np.ndarray, new_at: np.ndarray) -> np.ndarray:
    """``old`` and ``new`` (an array or one value) together, each at its places in the result."""
    out = np.empty(len(old_at) + len(new_at), dtype=old.dtype)
    out[old_at] = old
    out[new_at] = new
    return out


def _neighbours(ring: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The previous and next vertex of each vertex in its (open, cyclic) ring."""
    n = len(ring)
    first = np.empty(n, dtype=bool)
    first[:1] = True
    np.not_equal(ring[1:], ring[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    ends = np.append(starts[1:], n) - 1
    prev, nxt = np.arange(-1, n - 1), np.arange(1, n + 1)
    prev[starts], nxt[ends] = ends, starts
    return prev, nxt


def _edge_across(
    oracles: _Oracles, which: np.ndarray, alon, alat, blon, blat, mlon, mlat, dist, flon, flat,
    distance_m: np.ndarray, aim: np.ndarray, turn: float = 0.0,
):
    """The edge point on the normal through a point of each segment (NaN where none is found).

    ``mlon, mlat`` is the point (the midpoint, or where the segment strays most), ``dist``
    and ``flon, flat`` its distance and nearest border point; ``distance_m`` and ``aim``
    are each segment's, ``which`` its oracle.
    The normal is walked from the point towards the side where the distance comes
    back to ``distance_m``, doubling the step until it does; regula falsi then finds
    the crossing (the distance is nearly linear along the normal). Where that side is
    a guess (the nearest border point lies almost along the segment, as in a narrow
    channel between two parts of the border) and no crossing is found, the other side
    is walked too. Returns the point and its nearest border point.
    """
    d = distance_m
    along, _, length = GEOD.inv(mlon, mlat, blon, blat)
    to_foot, _, _ = GEOD.inv(mlon, mlat, flon, flat)
    normal = along + 90.0
    towards = np.cos(np.radians(to_foot - normal)) > 0
    # Beyond the distance walk towards the border, short of it walk away.
    normal = np.where(towards == (dist > d), normal, normal - 180.0) + turn
    lo, hi = np.zeros(len(mlon)), np.maximum(length, 1e-3)
    f_lo, f_hi = dist - d, np.full(len(mlon), np.nan)
    out = np.full((4, len(mlon)), np.nan)
    i = np.arange(len(mlon))
    while len(i):
        plon, plat, _ = GEOD.fwd(mlon[i], mlat[i], normal[i], hi[i])
        f = oracles.nearest(which[i], plon, plat)[0] - d[i]
        crossed = np.sign(f) != np.sign(f_lo[i])
        f_hi[i[crossed]] = f[crossed]
        j = i[~crossed]
        lo[j], f_lo[j] = hi[j], f[~crossed]
        hi[j] *= 2
        i = j[hi[j] <= d[j] / 2]
    i = np.flatnonzero(np.isfinite(f_hi))
    side = np.zeros(len(mlon))
    for _ in range(30):
        if not len(i):
            break
        x = hi[i] - f_hi[i] * (hi[i] - lo[i]) / (f_hi[i] - f_lo[i])
        plon, plat, _ = GEOD.fwd(mlon[i], mlat[i], normal[i], x)
        pd, _, pflon, pflat = oracles.nearest(which[i], plon, plat)
        f = pd - d[i]
        done = np.abs(f) <= aim[i] / 2
        out[:, i[done]] = plon[done], plat[done], pflon[done], pflat[done]
        illinois_step(i, x, f, lo, hi, f_lo, f_hi, side)
        i = i[~done]
    miss = np.flatnonzero(np.isnan(out[0]))
    if len(miss) and not turn:
        again = _edge_across(oracles, which[miss], alon[miss], alat[miss], blon[miss], blat[miss], mlon[miss],
                             mlat[miss], dist[miss], flon[miss], flat[miss], d[miss], aim[miss], turn=180.0)
        out[:, miss] = again
    return tuple(out)


def _lengths(*batches: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]) -> list[np.ndarray]:
    """Geodesic lengths (m) of batches of ``(lon0, lat0, lon1, lat1)``, in one call to the inverse."""
    columns = [np.concatenate(column) for column in zip(*batches)]
    _, _, length = GEOD.inv(*columns)
    return np.split(length, np.cumsum([len(batch[0]) for batch in batches])[:-1])


def _flat_length_m(alon, alat, blon, blat) -> np.ndarray:
    """Segment lengths in metres, in a local flat approximation (for thresholds only)."""
    scale = np.cos(np.radians((alat + blat) / 2))
    return np.hypot((blon - alon) * scale, blat - alat) * _M_PER_DEGREE


def _cusp_checks(lon, lat, flon, flat, seg, ends, adjacent, length, distance_m: np.ndarray, aim: np.ndarray):
    """Where segments cross from the arc round one border point to the next (see _refine_rings).

    ``distance_m`` and ``aim`` are each segment's. Returns the position in ``seg`` each
    point belongs to, and the points.
    """
    # Past a cusp between arcs round border points g apart, a chord of length L strays
    # outwards by about L g / (4 d) (the arcs meet at an angle of g / d): only where that
    # could reach an eighth of the aim is the crossing looked for.
    gap = _flat_length_m(flon[seg], flat[seg], flon[ends], flat[ends])
    k = np.flatnonzero(~adjacent & (length * gap / (4 * distance_m) > aim / 8))
    if not len(k):
        return np.empty(0, dtype=int), np.empty(0), np.empty(0)
    a, b = seg[k], ends[k]
    clon, clat = _arc_crossing(lon[a], lat[a], lon[b], lat[b], flon[a], flat[a], flon[b], flat[b], distance_m[k])
    found = np.isfinite(clon)
    return k[found], clon[found], clat[found]


def _arc_crossing(alon, alat, blon, blat, f0lon, f0lat, f1lon, f1lat, distance_m: np.ndarray):
    """Where each segment (straight in lon/lat) is equally far from its ends' nearest border points.

    The difference of the two distances changes sign between the ends (each end lies at
    the distance from its own border point, no nearer the other); two steps of regula
    falsi (Illinois) find where, to metres: the difference is nearly linear.
    NaN where the ends do not bracket a crossing.
    """
    n = len(alon)
    out = np.full((2, n), np.nan)
    if not n:
        return out[0], out[1]
    # One call to the inverse a step, for both border points (fewer calls, less overhead).
    # Each end lies at the distance from its own border point (it was put there).
    _, _, ends = GEOD.inv(np.r_[alon, blon], np.r_[alat, blat], np.r_[f1lon, f0lon], np.r_[f1lat, f0lat])
    a1, b0 = ends[:n], ends[n:]
    lo, hi = np.zeros(n), np.ones(n)
    h_lo, h_hi = distance_m - a1, b0 - distance_m
    ok = np.isfinite(h_lo) & np.isfinite(h_hi) & (h_lo < 0) & (h_hi > 0)
    i = np.flatnonzero(ok)
    side = np.zeros(n)
    t = np.full(n, 0.5)
    for _ in range(_CROSSING_STEPS):
        if not len(i):
            break
        t[i] = np.clip(lo[i] - h_lo[i] * (hi[i] - lo[i]) / (h_hi[i] - h_lo[i]), 0.02, 0.98)
        plon, plat = alon[i] + t[i] * (blon[i] - alon[i]), alat[i] + t[i] * (blat[i] - alat[i])
        _, _, p = GEOD.inv(np.tile(plon, 2), np.tile(plat, 2), np.r_[f0lon[i], f1lon[i]], np.r_[f0lat[i], f1lat[i]])
        h = p[: len(i)] - p[len(i) :]
        low = h < 0
        a, b = i[low], i[~low]
        lo[a], h_lo[a] = t[a], h[low]
        h_hi[a] *= np.where(side[a] == 1, 0.5, 1.0)
        hi[b], h_hi[b] = t[b], h[~low]
        h_lo[b] *= np.where(side[b] == -1, 0.5, 1.0)
        side[a], side[b] = 1, -1
    out[0, ok] = alon[ok] + t[ok] * (blon[ok] - alon[ok])
    out[1, ok] = alat[ok] + t[ok] * (blat[ok] - alat[ok])
    return out[0], out[1]


def _across_cusp(alon, alat, blon, blat, length: np.ndarray, distance_m: np.ndarray) -> np.ndarray:
    """Whether each segment joins arcs around distinct parts of the border whose circles meet."""
    _, _, feet = GEOD.inv(alon, alat, blon, blat)
    return (feet > 1.5 * length) & (feet < 2 * distance_m)


def _wall_crossing(lon, lat, prev, nxt, seg: np.ndarray):
    """Where the lines through the segments before and after each segment cross (NaN if none)."""
    end = nxt[seg]
    before, after = prev[seg], nxt[end]
    ok = (before != end) & (after != seg)
    scale = np.cos(np.radians(lat[seg]))
    ax, ay = lon[seg] * scale, lat[seg]
    bx, by = lon[end] * scale, lat[end]
    ux, uy = ax - lon[before] * scale, ay - lat[before]
    vx, vy = bx - lon[after] * scale, by - lat[after]
    det = ux * vy - uy * vx
    with np.errstate(divide="ignore", invalid="ignore"):
        t = ((bx - ax) * vy - (by - ay) * vx) / det
        u = ((bx - ax) * uy - (by - ay) * ux) / det
        ok &= np.isfinite(t) & (t > 0) & (u > 0)
        x, y = ax + t * ux, ay + t * uy
    return np.where(ok, x / scale, np.nan), np.where(ok, y, np.nan)


def _cusp_guess(alon, alat, blon, blat, near_lon, near_lat, distance_m: np.ndarray):
    """Where the circles of the distance around two border points meet, nearest a given point."""
    az, _, gap = GEOD.inv(alon, alat, blon, blat)
    mlon, mlat, back = GEOD.fwd(alon, alat, az, gap / 2)
    reach = np.sqrt(np.maximum(distance_m**2 - (gap / 2) ** 2, 0.0))
    n = len(mlon)
    sides_lon, sides_lat, _ = GEOD.fwd(np.tile(mlon, 2), np.tile(mlat, 2), np.r_[back + 90.0, back - 90.0],
                                       np.tile(reach, 2))
    left_lon, left_lat, right_lon, right_lat = sides_lon[:n], sides_lat[:n], sides_lon[n:], sides_lat[n:]
    to_left, to_right = _lengths((left_lon, left_lat, near_lon, near_lat), (right_lon, right_lat, near_lon, near_lat))
    left = to_left <= to_right
    return np.where(left, left_lon, right_lon), np.where(left, left_lat, right_lat)


def equidistant_zone(distance_km: float, border: Border | None = None) -> shapely.Geometry:
    """Return every point within ``distance_km`` of the border, measured geodesically.

    A buffer in a border-centred azimuthal equidistant projection is the first guess;
    each edge vertex is then moved along the geodesic from its nearest border point to
    the exact distance on the WGS84 ellipsoid, and segments (straight in lon/lat) are
    split until their midpoints lie within :data:`RELATIVE_TOLERANCE` of the distance
    too, and, where a segment's ends lie on arcs around different parts of the border,
    the point where it crosses from one arc to the other (near a cusp, where it strays
    most) as well. Between those checks a segment follows one arc, whose chord strays
    most at its middle, so every point of the edge keeps the promise.

    Parameters
    ----------
    distance_km : float
        From 1 to 1,500 km.
    border : Border, optional
        The border measured from; Belarus–Ukraine by default.

    Returns
    -------
    shapely.Polygon or shapely.MultiPolygon
        Valid, in WGS84 longitude/latitude.

    Examples
    --------
    >>> equidistant_zone(50.0).geom_type
    'Polygon'
    """
    border = BandSpec((float(distance_km),), border=border).border
    return _zones((float(distance_km),), border)[0]


# The zones last computed, by (distance in km, border); the bands of a spec ask for all of
# theirs at once (see _zones).
_ZONES = Lru(64)


def _zones(distances_km: tuple[float, ...], border: Border) -> list[shapely.Geometry]:
    """The zones at several distances from one border, those not yet known refined together.

    Refined in one run (see _refine_rings), they share each pass's fixed costs; each
    zone is the same as if made alone.
    """
    known = {d: _ZONES.find((d, border)) for d in distances_km}
    missing = [d for d in known if known[d] is None]
    if missing:
        for d, zone in zip(missing, _make_zones(missing, border)):
            known[d] = zone
            _ZONES.put((d, border), zone)
    return [known[d] for d in distances_km]


def _make_zones(distances_km: list[float], border: Border) -> list[shapely.Geometry]:
    """Zones at several distances (see :func:`equidistant_zone`)."""
    distances_m = [d * 1000.0 for d in distances_km]
    oracles = _Oracles(border)
    guesses = [_first_guess(d, border) for d in distances_m]
    out = []
    for distance_m, (zone, pending) in zip(distances_m, _refine_polygons(guesses, distances_m, oracles)):
        out.append(zone if zone.is_valid else _repair(zone, pending, distance_m, oracles))
    return out


def _repair(zone: shapely.Geometry, pending: set, distance_m: float, oracles: _Oracles) -> shapely.Geometry:
    # Refined vertices can still cross where arcs meet, in small loops: cut them off at the
    # crossing (where two chords of arcs at the distance meet, so within the sag of either),
    # then refine once more where the repair changed the rings. Dissolving the crossings
    # with a zero buffer is the last resort.
    settled = _segments(zone, pending)
    for repair in (_unlooped, _repaired):
        fixed = repair(zone)
        [(again, _)] = _refine_polygons([fixed], [distance_m], oracles, settled)
        if again.is_valid:
            return again
    return fixed


def _first_guess(distance_m: float, border: Border) -> shapely.Geometry:
    """A buffer of the border in a border-centred azimuthal equidistant projection, in degrees."""
    to_m, to_deg, border_m = _projection(border)
    # The guess only has to be close: refinement fixes every vertex, so a simplified
    # border (at 1–3 % of the distance) keeps GEOS's buffer cheap at large distances.
    simplify = next(f for f, from_m in _SIMPLIFY if distance_m >= from_m)
    if distance_m < _FAR_M:
        # Near the border its wiggles are as large as the gaps between guessed vertices:
        # moved in from outside, neighbours would swap places and fold the ring. So the
        # guess must be close: a long border is buffered in pieces, each in a projection
        # of its own, since one far from its centre stretches a buffer by a percent or more.
        guesses = [
            reproject(piece_m.simplify(distance_m * simplify).buffer(distance_m, quad_segs=_NEAR_QUAD_SEGS), back)
            for back, piece_m in _pieces(border)
        ]
        return guesses[0] if len(guesses) == 1 else shapely.union_all(guesses)
    # Farther out, buffering past the simplification and the projection's error puts every
    # guessed vertex outside the zone. Moved in, towards its nearest border point, a vertex
    # cannot come nearer than the distance to any other border point (triangle
    # inequality), so none needs a second look.
    radius = distance_m * (1.0 + simplify + _GUESS_MARGIN)
    # Douglas-Peucker keeps the line within the tolerance; a buffer does not mind if it crosses itself.
    line = border_m.simplify(distance_m * simplify, preserve_topology=False)
    guess = line.buffer(radius / 4, quad_segs=_QUAD_SEGS).buffer(3 * radius / 4, quad_segs=_QUAD_SEGS)
    # The edge follows the unsimplified border, whose offset curves bend no tighter than
    # the arcs: straight parts of the guess are cut as finely as its arcs.
    return reproject(shapely.segmentize(guess, _CHORD * radius), to_deg)


@lru_cache(maxsize=8)
def _pieces(border: Border) -> tuple[tuple[object, shapely.Geometry], ...]:
    """The border in runs of at most _PIECE_M, each in an azimuthal equidistant projection at its middle.

    A border no longer than _PIECE_M from its centre to its farthest point is one piece,
    in the border's own projection (see _projection).
    """
    to_m, to_deg, border_m = _projection(border)
    xy = shapely.get_coordinates(border.line)
    centre = border.line.centroid
    _, _, spread = GEOD.inv(np.full(len(xy), centre.x), np.full(len(xy), centre.y), xy[:, 0], xy[:, 1])
    if spread.max() <= _PIECE_M:
        return ((to_deg, border_m),)
    out = []
    for part in shapely.get_parts(border.line):
        coords = np.asarray(part.coords)
        _, _, step = GEOD.inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
        along = np.r_[0.0, np.cumsum(step)]
        cuts = np.searchsorted(along, np.arange(_PIECE_M, along[-1], _PIECE_M))
        for start, stop in zip(np.r_[0, cuts], np.r_[cuts, len(coords) - 1]):
            run = coords[start : stop + 1]
            if len(run) < 2:
                continue
            line = shapely.LineString(run)
            middle = line.interpolate(0.5, normalized=True)
            fwd, back = aeqd_transformers(middle.x, middle.y)
            out.append((back, reproject(line, fwd)))
    return tuple(out)


def _segments(geom: shapely.Geometry, skip: set[tuple[float, float]]) -> set[tuple[float, float, float, float]]:
    """Every ring segment of a polygonal geometry without an end in ``skip``, both ways round."""
    out = set()
    for poly in shapely.get_parts(geom):
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)
            pairs = [p for p in np.hstack((xy[:-1], xy[1:])).tolist() if not {tuple(p[:2]), tuple(p[2:])} & skip]
            out.update(map(tuple, pairs))
            out.update((x1, y1, x0, y0) for x0, y0, x1, y1 in pairs)
    return out


def _unlooped(geom: shapely.Geometry) -> shapely.Geometry:
    """Cut off the small loops where a ring crosses itself, at the crossing point."""
    polygons = []
    for poly in shapely.get_parts(geom):
        rings = [_cut_loops(np.asarray(r.coords)) for r in (poly.exterior, *poly.interiors)]
        polygons.append(shapely.Polygon(rings[0], [r for r in rings[1:] if len(r) >= 4]))
    return shapely.MultiPolygon(polygons) if len(polygons) != 1 else polygons[0]


def _cut_loops(xy: np.ndarray) -> np.ndarray:
    for _ in range(4):
        segments = shapely.linestrings(np.stack((xy[:-1], xy[1:]), axis=1))
        i, j = shapely.STRtree(segments).query(segments, predicate="intersects")
        n = len(segments)
        # Neighbours share a vertex; a loop is the shorter way round between two crossing segments.
        cross = (j > i + 1) & ~((i == 0) & (j == n - 1)) & (j - i < n // 2)
        if not cross.any():
            return xy
        keep = np.ones(len(xy), dtype=bool)
        points, at = [], []
        last = -1
        for a, b in sorted(zip(i[cross], j[cross]), key=lambda p: (p[0], -p[1])):
            if a <= last:
                continue
            hit = shapely.intersection(segments[a], segments[b])
            if hit.geom_type != "Point":
                continue
            keep[a + 1 : b + 1] = False
            points.append(shapely.get_coordinates(hit)[0])
            at.append(a + 1)
            last = b
        if not points:
            return xy
        cut = np.insert(xy, at, points, axis=0)
        flags = np.insert(keep, at, True)
        xy = cut[flags]
    return xy


def _repaired(geom: shapely.Geometry) -> shapely.Geometry:
    """``make_valid`` without the slivers and stray lines it leaves where rings cross."""
    # A zero buffer dissolves the small crossings far faster than make_valid (10 s at 10 km).
    fixed = shapely.buffer(geom, 0.0)
    parts = shapely.get_parts(shapely.get_parts(fixed))
    return shapely.union_all([p for p in parts if p.geom_type == "Polygon" and p.area > geom.area * 1e-9])


def _refine_polygons(
    geoms: list[shapely.Geometry], distances_m: list[float], oracles: _Oracles, settled: set | None = None
) -> list[tuple[shapely.Geometry, set[tuple[float, float]]]]:
    """Refine polygonal geometries, each to its distance, all in one run (see _refine_rings)."""
    rings, owner, ring_d = [], [], []
    parts = [shapely.get_parts(geom) for geom in geoms]
    for g, (polygons, distance_m) in enumerate(zip(parts, distances_m)):
        for i, poly in enumerate(polygons):
            for ring in (poly.exterior, *poly.interiors):
                rings.append(np.asarray(ring.coords))
                owner.append((g, i))
                ring_d.append(distance_m)
    refined, pending = _refine_rings(rings, np.array(ring_d), oracles, settled)
    out = []
    for g, polygons in enumerate(parts):
        made, left = [], set()
        for i in range(len(polygons)):
            own = [r for r, o in zip(refined, owner) if o == (g, i)]
            made.append(shapely.Polygon(own[0], own[1:]))
        for p, o in zip(pending, owner):
            if o[0] == g:
                left |= p
        out.append((shapely.MultiPolygon(made) if len(made) != 1 else made[0], left))
    return out


@lru_cache(maxsize=8)
def _sides(border: Border) -> dict[str, shapely.Geometry]:
    """Each country's side of the border: the points nearer it than the other (see split_sides).

    A country's whole land border has one side, the country itself.
    """
    if len(border.countries) == 1:
        (iso,) = border.countries
        return {iso: country_geometry(iso)}
    a, b = border.countries
    side_a, side_b = split_sides(country_geometry(a), country_geometry(b), MAX_KM, line=border.line)
    return {a: side_a, b: side_b}


@lru_cache(maxsize=8)
def _clip_shape(clip: str, border: Border, bounds: tuple[float, float, float, float]) -> shapely.Geometry | None:
    if clip == "none":
        return None
    if clip == "land":
        return land(bounds)
    return country_geometry(clip)


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
    return list(_bands(spec))


@lru_cache(maxsize=32)
def _bands(spec: BandSpec) -> tuple[Band, ...]:
    # The page asks twice a change (the clip's errors, then the map's layer): the zones are
    # cached per distance, and the differences between them once per spec here.
    zones = _zones(spec.distances_km, spec.border)
    mask = None if spec.side == "both" else _sides(spec.border)[spec.side]
    # Land is asked for by whole degrees round the outer zone, so nearby specs share it.
    x0, y0, x1, y1 = zones[-1].bounds
    bounds = (math.floor(x0) - 1.0, math.floor(y0) - 1.0, math.ceil(x1) + 1.0, math.ceil(y1) + 1.0)
    clip = _clip_shape(spec.clip, spec.border, bounds if spec.clip == "land" else (0.0, 0.0, 0.0, 0.0))
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
    return tuple(bands)


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty]
    if not parts:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)
