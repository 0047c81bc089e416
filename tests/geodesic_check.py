"""An independent point-to-line geodesic distance, for checking band edges in tests.

It shares nothing with ``geo.geodesy``: the line is densified with
``pyproj.Geod.inv_intermediate``, candidates are chosen by spherical distance (one point)
or by straight-line distance through the Earth (many points), and the exact WGS84 inverse
decides.
"""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import Geod

GEOD = Geod(ellps="WGS84")


class BruteForceDistance:
    """Geodesic distance from points to a line (or lines) densified every ``spacing_m`` metres."""

    def __init__(self, line: shapely.Geometry, spacing_m: float = 10.0):
        lons, lats = [], []
        for part in shapely.get_parts(line):
            xy = np.asarray(part.coords)
            lons.append(xy[:1, 0])
            lats.append(xy[:1, 1])
            for (x0, y0), (x1, y1) in zip(xy[:-1], xy[1:]):
                if GEOD.inv(x0, y0, x1, y1)[2] <= spacing_m:
                    lons.append(np.array([x1]))
                    lats.append(np.array([y1]))
                    continue
                r = GEOD.inv_intermediate(
                    x0, y0, x1, y1, del_s=spacing_m, initial_idx=1, terminus_idx=0, return_back_azimuth=True
                )
                lons.append(np.asarray(r.lons))
                lats.append(np.asarray(r.lats))
        self.lon = np.concatenate(lons)
        self.lat = np.concatenate(lats)
        # Blocks of consecutive points, each represented by its middle point, prune the
        # search of many points at once (see distances_m).
        self._block = 64
        n = len(self.lon)
        mid = np.minimum(np.arange(0, n, self._block) + self._block // 2, n - 1)
        self._xyz = _ecef(self.lon, self.lat)
        self._rep = self._xyz[mid]
        # How far (in a straight line) each block's points lie from its middle point, plus a
        # metre of slack: measured, as a block may run from one part of a line to the next.
        pad = (-n) % self._block
        xyz = np.vstack((self._xyz, np.repeat(self._xyz[-1:], pad, axis=0))).reshape(-1, self._block, 3)
        self._reach = np.linalg.norm(xyz - self._rep[:, None, :], axis=-1).max(axis=1) + 1.0

    def distance_m(self, lon: float, lat: float) -> float:
        phi, lam = np.radians(lat), np.radians(lon)
        p2, l2 = np.radians(self.lat), np.radians(self.lon)
        h = np.sin((p2 - phi) / 2) ** 2 + np.cos(phi) * np.cos(p2) * np.sin((l2 - lam) / 2) ** 2
        approx = 2 * np.arcsin(np.sqrt(h))
        # Spherical distances are within 0.6 % of the ellipsoid's: keep a safe margin.
        near = np.flatnonzero(approx <= approx.min() * 1.02 + 1e-6)
        _, _, dist = GEOD.inv(np.full(len(near), lon), np.full(len(near), lat), self.lon[near], self.lat[near])
        return float(dist.min())

    def distances_m(self, lon, lat, chunk: int = 64) -> np.ndarray:
        """Return the distance in metres for many points at once (as ``distance_m`` each).

        Pruned by straight-line (chord) distances through the Earth, which never exceed
        the geodesic ones: an exact WGS84 inverse to the nearest point by chord bounds
        the answer from above, and only points whose chord is within that bound can be
        nearer; among those the exact inverse decides. Blocks of the line whose middle
        point is too far by chord, less the block's reach, are skipped whole.
        """
        lon = np.atleast_1d(np.asarray(lon, dtype=float))
        lat = np.atleast_1d(np.asarray(lat, dtype=float))
        out = np.empty(len(lon))
        for s in range(0, len(lon), chunk):
            qlon, qlat = lon[s : s + chunk], lat[s : s + chunk]
            q = _ecef(qlon, qlat)
            rows = np.arange(len(q))
            rep = np.linalg.norm(q[:, None, :] - self._rep[None, :, :], axis=-1)
            first = np.argmin(rep, axis=1)
            mid = np.minimum(first * self._block + self._block // 2, len(self.lon) - 1)
            _, _, bound = GEOD.inv(qlon, qlat, self.lon[mid], self.lat[mid])
            qi, bi = np.nonzero(rep - self._reach[None, :] <= bound[:, None])
            fine = (bi[:, None] * self._block + np.arange(self._block)[None, :]).ravel()
            qi = np.repeat(qi, self._block)
            ok = fine < len(self.lon)
            qi, fine = qi[ok], fine[ok]
            chord = np.linalg.norm(q[qi] - self._xyz[fine], axis=-1)
            # The nearest point by chord gives a tighter bound.
            best = np.full(len(q), np.inf)
            np.minimum.at(best, qi, chord)
            arg = np.full(len(q), -1)
            hit = chord == best[qi]
            arg[qi[hit]] = fine[hit]
            _, _, tight = GEOD.inv(qlon, qlat, self.lon[arg], self.lat[arg])
            bound = np.minimum(bound, tight)
            keep = chord <= bound[qi] * (1 + 1e-12) + 1e-6
            qi, fine = qi[keep], fine[keep]
            _, _, dist = GEOD.inv(qlon[qi], qlat[qi], self.lon[fine], self.lat[fine])
            res = bound.copy()
            np.minimum.at(res, qi, dist)
            out[s : s + chunk] = res[rows]
        return out


def _ecef(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Earth-centred coordinates in metres on the WGS84 ellipsoid."""
    lam, phi = np.radians(lon), np.radians(lat)
    n = GEOD.a / np.sqrt(1.0 - GEOD.es * np.sin(phi) ** 2)
    return np.stack(
        (n * np.cos(phi) * np.cos(lam), n * np.cos(phi) * np.sin(lam), n * (1.0 - GEOD.es) * np.sin(phi)), axis=-1
    )


def edge_samples(geom: shapely.Geometry, count: int, seed: int = 0) -> np.ndarray:
    """Return up to ``count`` vertices and segment midpoints of every ring, as (lon, lat)."""
    rings = []
    for poly in shapely.get_parts(geom):
        rings.extend([poly.exterior, *poly.interiors])
    points = []
    for ring in rings:
        xy = np.asarray(ring.coords)
        points.append(xy[:-1])
        points.append((xy[:-1] + xy[1:]) / 2)
    allpts = np.vstack(points)
    rng = np.random.default_rng(seed)
    if len(allpts) > count:
        allpts = allpts[rng.choice(len(allpts), count, replace=False)]
    return allpts


def dense_edge_samples(geom: shapely.Geometry, per_segment: int = 16) -> np.ndarray:
    """Return ``per_segment`` points on every segment of a polygon's rings (or lines), as (lon, lat).

    The points divide each segment evenly, linearly in longitude and latitude, as GeoJSON
    consumers draw a segment; the first is the segment's start (so every vertex is one).
    """
    rings = []
    for part in shapely.get_parts(geom):
        rings.extend([part.exterior, *part.interiors] if part.geom_type == "Polygon" else [part])
    t = np.arange(per_segment) / per_segment
    points = []
    for ring in rings:
        xy = np.asarray(ring.coords)
        a, b = xy[:-1], xy[1:]
        points.append((a[:, None, :] + t[None, :, None] * (b - a)[:, None, :]).reshape(-1, 2))
    return np.vstack(points)
