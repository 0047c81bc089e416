"""Benchmark: precise geodesic bands against naive projected buffers, side by side.

Run ``.venv/bin/python bench/bands.py``. For 1, 3 and 8 distances it times:

- ``geodesic (cold)``: this project's bands with every cache of zones cleared,
- ``geodesic (warm)``: the same request again (zones cached per distance),
- ``web mercator``: a buffer in EPSG:3857 metres (what a naive web map does),
- ``utm 35N``: a buffer in EPSG:32635 metres,

and measures each one's worst edge error against an independent geodesic distance
(``tests/geodesic_check.py``) on 16 points each of 120 random edge segments. Times are the
median of nine interleaved rounds (garbage collected before each), so a busy machine slows all
variants alike.

``--against REV`` instead times cold bands side by side with ``geo/bands.py`` (and the
``geo/geodesy.py`` its oracles come from) as they were at git revision ``REV`` (same rounds,
same oracles built beforehand, medians of CPU time), and says whether the bands are the
same, coordinate for coordinate; the last row, ``3 rnd``, draws three distances from 5 to
600 km afresh each round, as ``bench/profile_change.py`` does.

``--borders [KEY ...]`` instead times, for each border (default BY-UA, RU-UA, RU-KZ, those the
installed data holds), opening it (its line from the loaded data, and every distance oracle
built) and three cold bands (50, 100, 200 km, oracles built); with ``--against REV`` the
figures of ``geo/bands.py`` at ``REV`` are timed alongside (Belarus–Ukraine only, if that
revision measured from no other border), in interleaved rounds, medians of CPU time.

``--sweep`` instead checks many distances (8.93 km, 200 random from 1 to 1,500 km and
100 random from 1 to 30 km, where cusps are dense): 16 points on every edge segment
(evenly spaced in lon/lat, as GeoJSON consumers draw a segment) are screened with a fine
distance oracle (the border every 5 m, eight candidates), and the worst few of each zone
are measured again with the independent brute-force distance. ``--seed N`` draws other
random distances (default 2); ``--far N --near M`` draw fewer (a short run).
"""

from __future__ import annotations

import argparse
import gc
import inspect
import random
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from geodesic_check import BruteForceDistance, dense_edge_samples  # noqa: E402

import geo.bands  # noqa: E402
from geo.bands import ORACLE_SPACINGS_M, RELATIVE_TOLERANCE, BandSpec, border_distance, distance_bands, equidistant_zone  # noqa: E402
from geo.borders import belarus_ukraine_border  # noqa: E402
from geo.geodesy import LineDistance, reproject  # noqa: E402

SETS = {
    1: (100.0,),
    3: (50.0, 100.0, 200.0),
    8: (10.0, 25.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1500.0),
}
ROUNDS = 9
SAMPLES = 120


def projected_buffers(crs: str, distances: tuple[float, ...]):
    to_m = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    to_deg = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    border_m = reproject(belarus_ukraine_border(), to_m)
    return [reproject(border_m.buffer(d * 1000.0, quad_segs=16), to_deg) for d in distances]


def geodesic(distances: tuple[float, ...], cold: bool):
    if cold:
        forget_bands(geo.bands)
    distance_bands(BandSpec(distances))
    return [equidistant_zone(d) for d in distances]


def worst_error(zones, distances, oracle: BruteForceDistance) -> float:
    worst = 0.0
    rng = np.random.default_rng(0)
    for zone, d in zip(zones, distances):
        segments = dense_edge_samples(zone, 16).reshape(-1, 16, 2)
        pts = segments[rng.choice(len(segments), min(SAMPLES, len(segments)), replace=False)].reshape(-1, 2)
        measured = oracle.distances_m(pts[:, 0], pts[:, 1]) / 1000.0
        worst = max(worst, float(np.max(np.abs(measured / d - 1.0))))
    return worst


def sweep(seed: int = 2, far: int = 200, near: int = 100) -> None:
    border = belarus_ukraine_border()
    screen = LineDistance(border, spacing_m=5.0, candidates=8)
    oracle = BruteForceDistance(border)
    rng = np.random.default_rng(seed)
    distances = [8.93, *np.round(rng.uniform(1, 1500, far), 2), *np.round(rng.uniform(1, 30, near), 2)]
    failed, invalid, worst, spent, points = [], [], 0.0, 0.0, 0
    for d in map(float, distances):
        start = time.perf_counter()
        zone = equidistant_zone(d)
        spent += time.perf_counter() - start
        pts = dense_edge_samples(zone, 16)
        points += len(pts)
        screened = np.abs(screen.distance_m(pts[:, 0], pts[:, 1]) / 1000.0 / d - 1.0)
        top = pts[np.argsort(screened)[-3:]]
        measured = np.abs(oracle.distances_m(top[:, 0], top[:, 1]) / 1000.0 / d - 1.0)
        err = max(float(screened.max()), float(measured.max()))
        worst = max(worst, err)
        if err > RELATIVE_TOLERANCE:
            failed.append(f"{d:g} km ({err * 100:.3f}%)")
        if not zone.is_valid:
            invalid.append(f"{d:g} km")
    print(f"{len(distances)} distances, {points:,} edge points (16 a segment), {spent:.1f} s in equidistant_zone")
    print(f"beyond 0.02 %: {len(failed)} {', '.join(failed)}")
    print(f"invalid: {len(invalid)} {', '.join(invalid)}")
    print(f"worst edge error: {worst * 100:.4f}%")


def against(rev: str) -> None:
    then = _then(rev)
    import geo.bands as now

    for module in (then, now):
        for spacing in getattr(module, "ORACLE_SPACINGS_M", (20.0, 100.0, 500.0)):
            module.border_distance(spacing)
    print(f"{'bands':>5}  {rev + ' cpu ms':>16} {'now cpu ms':>11} {'now/then':>9}")
    for n, distances in SETS.items():
        times: dict[str, list[float]] = {"then": [], "now": []}
        for _ in range(ROUNDS):
            for name, module in (("then", then), ("now", now)):
                forget_bands(module)
                gc.collect()
                start = time.process_time()
                module.distance_bands(module.BandSpec(distances))
                times[name].append(time.process_time() - start)
        a, b = statistics.median(times["then"]), statistics.median(times["now"])
        same = all(
            shapely.equals_exact(x.geometry, y.geometry, 0.0)
            and shapely.get_num_coordinates(x.geometry) == shapely.get_num_coordinates(y.geometry)
            for x, y in zip(then.distance_bands(then.BandSpec(distances)), now.distance_bands(now.BandSpec(distances)))
        )
        print(f"{n:>5}  {a * 1000:>16.1f} {b * 1000:>11.1f} {b / a:>9.2f}  {'same' if same else 'DIFFERENT'} bands")
    # Three random distances, new in every round, as bench/profile_change.py draws them.
    rng = random.Random(0)
    times = {"then": [], "now": []}
    same = True
    for k in range(3 * ROUNDS):
        distances = tuple(sorted({round(rng.uniform(5.0, 600.0), 1) for _ in range(3)}))
        pair = (("then", then), ("now", now)) if k % 2 else (("now", now), ("then", then))
        made = {}
        for name, module in pair:
            forget_bands(module)
            gc.collect()
            start = time.process_time()
            made[name] = module.distance_bands(module.BandSpec(distances))
            times[name].append(time.process_time() - start)
        same &= all(shapely.equals_exact(x.geometry, y.geometry, 0.0) for x, y in zip(made["then"], made["now"]))
    a, b = statistics.median(times["then"]), statistics.median(times["now"])
    print(f"{'3 rnd':>5}  {a * 1000:>16.1f} {b * 1000:>11.1f} {b / a:>9.2f}  {'same' if same else 'DIFFERENT'} bands"
          f"  ({3 * ROUNDS} specs of 5-600 km)")


def _source(rev: str, path: str) -> str:
    return subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def _then(rev: str) -> types.ModuleType:
    """``geo/bands.py`` at ``rev``, with ``geo/geodesy.py`` (its distance oracle) from ``rev`` too."""
    modules = {}
    for name, path in (("geodesy", "geo/geodesy.py"), ("bands", "geo/bands.py")):
        module = types.ModuleType(f"{name}_then")
        sys.modules[module.__name__] = module  # dataclasses look their module up
        saved = sys.modules.get("geo.geodesy")
        if "geodesy" in modules:
            sys.modules["geo.geodesy"] = modules["geodesy"]
        try:
            exec(compile(_source(rev, path), f"{rev}:{path}", "exec"), module.__dict__)
        finally:
            sys.modules["geo.geodesy"] = saved
        modules[name] = module
    return modules["bands"]


def _median_ms(run, rounds: int = ROUNDS) -> tuple[float, float]:
    """The median and the first of ``rounds`` timings of ``run``, in ms of CPU."""
    times = []
    for _ in range(rounds):
        gc.collect()
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000, times[0] * 1000


def _open_now(key: str) -> None:
    import geo.bands as now
    from geo.borders import get_border

    get_border.cache_clear()
    now.border_distance.cache_clear()
    now._projection.cache_clear()
    border = get_border(key)
    for spacing in ORACLE_SPACINGS_M:
        now.border_distance(spacing, border)
    now._projection(border)


def forget_bands(module: types.ModuleType) -> None:
    """Clear a bands module's caches of zones and of whole band sets (where it has one)."""
    if hasattr(module, "_ZONES"):  # since the bandsfast branch: zones kept by _zones
        module._ZONES.clear()
    else:
        module.equidistant_zone.cache_clear()
    if hasattr(module, "_bands"):  # since the perf branch: the bands of the last specs
        module._bands.cache_clear()


def _bands_now(key: str) -> None:
    import geo.bands as now
    from geo.borders import get_border

    forget_bands(now)
    now.distance_bands(now.BandSpec(SETS[3], border=get_border(key)))


def _takes_border(then: types.ModuleType) -> bool:
    """Whether a bands module at an older revision measures from any border (not only Belarus–Ukraine)."""
    return "border" in inspect.signature(then._projection).parameters


def _open_then(then: types.ModuleType, key: str = "BY-UA") -> None:
    then.border_distance.cache_clear()
    then._projection.cache_clear()
    if not _takes_border(then):
        for spacing in getattr(then, "ORACLE_SPACINGS_M", (20.0, 100.0, 500.0)):
            then.border_distance(spacing)
        then._projection()
        return
    from geo.borders import get_border

    get_border.cache_clear()
    border = get_border(key)
    for spacing in then.ORACLE_SPACINGS_M:
        then.border_distance(spacing, border)
    then._projection(border)


def _bands_then(then: types.ModuleType, key: str = "BY-UA") -> None:
    forget_bands(then)
    if not _takes_border(then):
        then.distance_bands(then.BandSpec(SETS[3]))
        return
    from geo.borders import get_border

    then.distance_bands(then.BandSpec(SETS[3], border=get_border(key)))


def borders(keys: list[str], rev: str | None) -> None:
    from functools import partial

    from geo.borders import get_border
    from geo.geodesy import geodesic_length_km

    then = _then(rev) if rev else None
    rows = []
    for key in keys:
        _open_now(key)  # the data file read once, as the app reads it once
        length = geodesic_length_km(get_border(key).line)
        trees = {"now": (partial(_open_now, key), partial(_bands_now, key))}
        if then is not None and (key == "BY-UA" or _takes_border(then)):
            _open_then(then, key)
            trees[rev] = (partial(_open_then, then, key), partial(_bands_then, then, key))
        # Interleaved rounds: a busy machine slows both trees alike.
        times = {(tree, step): [] for tree in trees for step in (0, 1)}
        for _ in range(ROUNDS):
            for tree, runs in trees.items():
                for step, run in enumerate(runs):
                    times[tree, step].append(_median_ms(run, rounds=1)[0])
        for tree in trees:
            opened, banded = times[tree, 0], times[tree, 1]
            rows.append((key, tree, length, (statistics.median(opened), opened[0]),
                         (statistics.median(banded), banded[0])))
    print(f"{'border':<7} {'tree':<8} {'length km':>9} {'open ms':>8} {'(first)':>8} "
          f"{'3 cold bands ms':>16} {'(first)':>8}   (CPU time, median of {ROUNDS})")
    for key, tree, length, (o, o1), (c, c1) in rows:
        print(f"{key:<7} {tree:<8} {length:>9,.0f} {o:>8.1f} {o1:>8.1f} {c:>16.1f} {c1:>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true", help="check many distances for precision and validity")
    parser.add_argument("--seed", type=int, default=2, help="random distances of the sweep (default 2)")
    parser.add_argument("--far", type=int, default=200, help="random sweep distances from 1 to 1,500 km (default 200)")
    parser.add_argument("--near", type=int, default=100, help="random sweep distances from 1 to 30 km (default 100)")
    parser.add_argument("--against", metavar="REV", help="time cold bands side by side with geo/bands.py at REV")
    parser.add_argument("--borders", nargs="*", metavar="KEY", help="time opening borders and three cold bands")
    args = parser.parse_args()
    if args.borders is not None:
        borders(args.borders or ["BY-UA", "RU-UA", "RU-KZ"], args.against)
        return
    if args.sweep:
        sweep(args.seed, args.far, args.near)
        return
    if args.against:
        against(args.against)
        return
    border = belarus_ukraine_border()
    for spacing in ORACLE_SPACINGS_M:
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
                gc.collect()  # garbage left by one variant is not collected on another's time
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
