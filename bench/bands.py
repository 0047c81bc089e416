"""Benchmark: precise geodesic bands against naive projected buffers, side by side.

Run ``.venv/bin/python bench/bands.py``. For 1, 3 and 8 distances it times:

- ``geodesic (cold)``: this project's bands with every cache of zones cleared,
- ``geodesic (warm)``: the same request again (zones cached per distance),
- ``web mercator``: a buffer in EPSG:3857 metres (what a naive web map does),
- ``utm 35N``: a buffer in EPSG:32635 metres,

and measures each one's worst edge error against an independent geodesic distance
(``tests/geodesic_check.py``) on sampled vertices and segment midpoints. Times are the
median of several interleaved rounds, so a busy machine slows all variants alike.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from geodesic_check import BruteForceDistance, edge_samples  # noqa: E402

from geo.bands import BandSpec, border_distance, distance_bands, equidistant_zone  # noqa: E402
from geo.borders import belarus_ukraine_border  # noqa: E402
from geo.geodesy import reproject  # noqa: E402

SETS = {
    1: (100.0,),
    3: (50.0, 100.0, 200.0),
    8: (10.0, 25.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1500.0),
}
ROUNDS = 5
SAMPLES = 120


def projected_buffers(crs: str, distances: tuple[float, ...]):
    to_m = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    to_deg = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    border_m = reproject(belarus_ukraine_border(), to_m)
    return [reproject(border_m.buffer(d * 1000.0, quad_segs=16), to_deg) for d in distances]


def geodesic(distances: tuple[float, ...], cold: bool):
    if cold:
        equidistant_zone.cache_clear()
    distance_bands(BandSpec(distances))
    return [equidistant_zone(d) for d in distances]


def worst_error(zones, distances, oracle: BruteForceDistance) -> float:
    worst = 0.0
    for zone, d in zip(zones, distances):
        pts = edge_samples(zone, SAMPLES)
        measured = np.array([oracle.distance_m(x, y) for x, y in pts]) / 1000.0
        worst = max(worst, float(np.max(np.abs(measured / d - 1.0))))
    return worst


def main() -> None:
    border = belarus_ukraine_border()
    for spacing in (20.0, 100.0, 500.0):
        border_distance(spacing)  # build the distance oracles: "once data is loaded"
    oracle = BruteForceDistance(border)
    variants = {
        "geodesic (cold)": lambda ds: geodesic(ds, cold=True),
        "geodesic (warm)": lambda ds: geodesic(ds, cold=False),
        "web mercator": lambda ds: projected_buffers("EPSG:3857", ds),
        "utm 35N": lambda ds: projected_buffers("EPSG:32635", ds),
    }
    print(f"{'bands':>5}  {'variant':<16} {'median ms':>10} {'x cold':>7} {'worst edge error':>17}")
    for n, distances in SETS.items():
        times: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(ROUNDS):
            for name, run in variants.items():
                start = time.perf_counter()
                run(distances)
                times[name].append(time.perf_counter() - start)
        cold = statistics.median(times["geodesic (cold)"])
        for name, run in variants.items():
            zones = run(distances)
            med = statistics.median(times[name])
            err = worst_error(zones, distances, oracle)
            print(f"{n:>5}  {name:<16} {med * 1000:>10.1f} {med / cold:>7.2f} {err * 100:>16.3f}%")
    vertices = sum(shapely.get_num_coordinates(b.geometry) for b in distance_bands(BandSpec(SETS[3])))
    print(f"\nthree bands 50/100/200 km: {vertices} vertices; promise: every edge within 0.020 %")


if __name__ == "__main__":
    main()
