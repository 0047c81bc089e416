"""An independent point-to-line geodesic distance, for checking band edges in tests.

It shares nothing with ``geo.geodesy``: the line is densified with
``pyproj.Geod.inv_intermediate``, candidates are chosen by a local flat-earth
approximation, and the exact WGS84 inverse decides.
"""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import Geod

GEOD = Geod(ellps="WGS84")


class BruteForceDistance:
    """Geodesic distance from points to a line densified every ``spacing_m`` metres."""

    def __init__(self, line: shapely.LineString, spacing_m: float = 10.0):
        xy = np.asarray(line.coords)
        lons, lats = [xy[:1, 0]], [xy[:1, 1]]
        for (x0, y0), (x1, y1) in zip(xy[:-1], xy[1:]):
            r = GEOD.inv_intermediate(
                x0, y0, x1, y1, del_s=spacing_m, initial_idx=1, terminus_idx=0, return_back_azimuth=True
            )
            lons.append(np.asarray(r.lons))
            lats.append(np.asarray(r.lats))
        self.lon = np.concatenate(lons)
        self.lat = np.concatenate(lats)

    def distance_m(self, lon: float, lat: float) -> float:
        phi, lam = np.radians(lat), np.radians(lon)
        p2, l2 = np.radians(self.lat), np.radians(self.lon)
        h = np.sin((p2 - phi) / 2) ** 2 + np.cos(phi) * np.cos(p2) * np.sin((l2 - lam) / 2) ** 2
        approx = 2 * np.arcsin(np.sqrt(h))
        # Spherical distances are within 0.6 % of the ellipsoid's: keep a safe margin.
        near = np.flatnonzero(approx <= approx.min() * 1.02 + 1e-6)
        _, _, dist = GEOD.inv(np.full(len(near), lon), np.full(len(near), lat), self.lon[near], self.lat[near])
        return float(dist.min())


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
