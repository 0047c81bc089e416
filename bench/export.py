"""Export time per format: in process once data is loaded, and as a whole `python -m geo export` command.

Run from the repository's top folder: ``.venv/bin/python bench/export.py [--repeat 3]``.
Targets (issue 4): PNG at 1600 × 1000 under 1 s in process and under 3 s as a command.
Start-up alone (imports, no data read) is timed too, for three sets of imports side by side:
the libraries any static map needs, what the pandas stack (no longer imported by a static
export) would add to them, and what the command imports.

``--against REV`` instead times the PNG command side by side, in turns, in a copy of the tree
at REV (``git archive``) and in this tree, so both see the same load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.bands import BandSpec  # noqa: E402
from geo.export import FORMATS, export_bytes  # noqa: E402

DISTANCES = (50.0, 100.0)
WIDTH, HEIGHT = 1600, 1000
TARGETS = {"png": (1.0, 3.0)}


def in_process(fmt: str, repeat: int) -> tuple[float, int]:
    """Median seconds of ``export_bytes`` after one warm-up call, and the output size."""
    spec = BandSpec(DISTANCES)
    kwargs = {"width": WIDTH, "height": HEIGHT} if fmt in ("png", "svg", "pdf") else {}
    data = export_bytes(fmt, spec, **kwargs)  # loads the data and fills the band caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        export_bytes(fmt, spec, **kwargs)
        times.append(time.perf_counter() - start)
    return statistics.median(times), len(data)


def command(fmt: str, repeat: int, folder: Path) -> float:
    """Median wall-clock seconds of the whole command in a fresh interpreter."""
    args = [sys.executable, "-m", "geo", "export", "--format", fmt]
    for d in DISTANCES:
        args += ["--distance", f"{d:g}"]
    if fmt in ("png", "svg", "pdf"):
        args += ["--width", str(WIDTH), "--height", str(HEIGHT)]
    args += ["--output", str(folder / f"bench.{fmt}")]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(args, check=True, cwd=ROOT, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


_BASE = ("import numpy, shapely, pyproj, matplotlib.figure, matplotlib.backends.backend_agg, "
         "mpl_toolkits.axes_grid1.anchored_artists")
_COMMAND = "import geo.__main__, geo.export, geo.static_map"
#: Start-up alone: the libraries any static map needs, what the pandas stack would add, what the command imports.
START_UPS = {
    "numpy, shapely, pyproj, matplotlib": _BASE,
    "+ geopandas, pyogrio (no longer imported)": f"{_BASE}, geopandas, pyogrio",
    "geo.__main__, geo.export, geo.static_map": _COMMAND,
}


def start_ups(repeat: int) -> dict[str, float]:
    """Median wall-clock seconds of a fresh interpreter that only imports, per set; the sets take turns."""
    times: dict[str, list[float]] = {name: [] for name in START_UPS}
    for _ in range(repeat):
        for name, code in START_UPS.items():
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, capture_output=True)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def against(rev: str, repeat: int) -> None:
    """The PNG command in a copy of the tree at ``rev`` and in this tree, taking turns."""
    with tempfile.TemporaryDirectory(prefix="atlas-bench-") as folder:
        old = Path(folder) / "old"
        old.mkdir()
        archive = subprocess.run(["git", "archive", rev], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        args = [sys.executable, "-m", "geo", "export", "--format", "png", "--width", str(WIDTH),
                "--height", str(HEIGHT)]
        for d in DISTANCES:
            args += ["--distance", f"{d:g}"]
        trees = {rev: old, "now": ROOT}
        times: dict[str, list[float]] = {name: [] for name in trees}
        print(f"PNG command at {WIDTH}×{HEIGHT} px, {rev} and this tree in turns, {repeat} runs each; "
              f"load average {os.getloadavg()[0]:.1f} at start")
        for _ in range(repeat):
            for name, tree in trees.items():
                start = time.perf_counter()
                subprocess.run([*args, "--output", str(Path(folder) / "bench.png")], check=True, cwd=tree,
                               capture_output=True, env={**os.environ, "PYTHONPATH": str(tree)})
                times[name].append(time.perf_counter() - start)
    for name, values in times.items():
        print(f"  {name:<10} median {statistics.median(values):5.2f} s, fastest {min(values):5.2f} s")
    ratio = statistics.median(times["now"]) / statistics.median(times[rev])
    print(f"  now/{rev}: {ratio:.2f}; load average {os.getloadavg()[0]:.1f} at the end")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--against", metavar="REV", help="time the PNG command side by side with the tree at REV")
    args = parser.parse_args()
    if args.against:
        against(args.against, args.repeat)
        return
    print(f"python -m geo export, distances {', '.join(f'{d:g}' for d in DISTANCES)} km, "
          f"static formats at {WIDTH}×{HEIGHT} px; median of {args.repeat}; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    print()
    header = f"{'format':<8} {'in process':>11} {'command':>9} {'command/in process':>19} {'output':>10}  target"
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory(prefix="atlas-bench-") as folder:
        for fmt in FORMATS:
            inside, size = in_process(fmt, args.repeat)
            whole = command(fmt, args.repeat, Path(folder))
            target = TARGETS.get(fmt)
            verdict = ""
            if target:
                ok = inside < target[0] and whole < target[1]
                verdict = f"< {target[0]:g} s / < {target[1]:g} s: {'met' if ok else 'MISSED'}"
            print(f"{fmt:<8} {inside * 1000:>8.0f} ms {whole:>7.2f} s {whole / inside:>18.1f}× "
                  f"{size / 1024:>7.0f} KiB  {verdict}")
    print("\nstart-up alone: a fresh interpreter that imports, reads no data")
    starts = start_ups(args.repeat)
    for name, seconds in starts.items():
        print(f"  {name:<48} {seconds:5.2f} s")
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
