"""App latency, side by side: the real app (layers swapped in place) against a naive full rebuild.

Run: .venv/bin/python bench/app_latency.py [--changes N] [--new N] [--against REV] [--no-naive]
Starts each app with `streamlit run` on a free port, drives Debian's Chromium with Playwright
and prints one table: median time from a distance change to the new bands on screen, for
distances the server has computed before (two sets, alternated) and for three it has never
computed (``--new``: random, distinct in every change), the server's CPU time per change of
each kind (read from /proc for the Streamlit process), whether the map iframe reloaded, cold
start to a drawn map, and the bytes of the map's own script+data. All pages run at once and
their measurements alternate (a change in one, then in the next), so the shared machine's load
swings hit them alike; every page gets the same never-seen distances, in the same order.
``--against REV`` adds the repository as it was at REV (app.py, geo/, data/, static/ and
.streamlit/, from ``git archive``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browsing import CHROMIUM, CHROMIUM_ARGS, free_port, stop_process  # noqa: E402

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
RINGS = ("30, 60", "50, 100, 200")  # alternate: 2 and 3 bands
NEW_BANDS = 3  # distances in each never-seen change
#: Seconds the server's CPU time must stay still before a change counts as finished.
IDLE_S = 0.3
TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")
VISITORS = 3  # new visitors per app; the cold start is their median
# Timestamps taken inside the browser, so Playwright's polling adds nothing to the figures:
# the page notes when Enter goes down in the distances field; every map frame (a reloaded
# one too) notes, at each change of its band paths, how many there are and how many are new
# (drawn, or redrawn with another outline, since the bench marked the old ones). A change of
# distances that keeps the number of bands is seen by the second number.
CLOCKS = """
(() => {
  if (window === window.top) {
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') window.__atlas_enter = Date.now();
    }, true);
    return;
  }
  window.__atlas_bands = [];
  const fresh = () => {
    const paths = [...document.querySelectorAll('path.atlas-band')];
    return [paths.length, paths.filter(p => p.__atlas_d === undefined || p.getAttribute('d') !== p.__atlas_d).length];
  };
  window.__atlas_fresh = fresh;
  window.__atlas_mark = () => {
    document.querySelectorAll('path.atlas-band').forEach(p => { p.__atlas_d = p.getAttribute('d'); });
    last = '';
  };
  let last = '';
  const note = () => {
    const [n, f] = fresh();
    const key = n + ':' + f;
    if (key !== last) { last = key; window.__atlas_bands.push([Date.now(), n, f]); }
  };
  // streamlit-folium rewrites its document after load, so watch the map itself once it exists.
  const wait = setInterval(() => {
    const map = document.querySelector('.leaflet-container');
    if (!map) return;
    clearInterval(wait);
    note();
    new MutationObserver(note).observe(map, {subtree: true, childList: true, attributes: true,
                                             attributeFilter: ['d']});
  }, 5);
})();
"""



def start(script: Path, tree: Path = ROOT) -> tuple[subprocess.Popen, str]:
    """Run ``streamlit run script`` on a free port, importing ``geo`` from ``tree``.

    It runs from the script's folder, so it reads the ``.streamlit/config.toml`` and serves
    the ``static/`` found there; a script kept elsewhere (the naive page) runs as a copy
    beside links to the tree's.
    """
    port = free_port()
    if script == tree / "app.py" and (tree / "serve.py").exists():
        script = tree / "serve.py"  # the page with its layer channel (a tree from before it has only app.py)
    if script.parent != tree:
        tmp = Path(tempfile.mkdtemp(prefix="atlas-bench-"))
        for name in ("static", ".streamlit"):
            (tmp / name).symlink_to(tree / name)
        (tmp / script.name).write_text(script.read_text(encoding="utf-8"), encoding="utf-8")
        script = tmp / script.name
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.enableStaticServing", "true"],
        cwd=script.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(tree)},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return proc, base
        except OSError:
            try:
                proc.wait(timeout=0.2)
                raise SystemExit(f"{script} exited early") from None
            except subprocess.TimeoutExpired:
                pass
    proc.kill()
    raise SystemExit(f"{script} did not become healthy")


def wait_bands(page, expected: int, timeout_s: float = 60.0) -> float:
    """Poll until the map shows ``expected`` bands; return the time it took (s)."""
    t0 = time.perf_counter()
    bands = page.frame_locator(MAP_IFRAME).first.locator("path.atlas-band")
    while time.perf_counter() - t0 < timeout_s:
        try:
            if bands.count() == expected:
                return time.perf_counter() - t0
        except Exception:  # the iframe may be replaced mid-poll
            pass
        page.wait_for_timeout(5)
    raise TimeoutError(f"no {expected} bands after {timeout_s} s")


PAYLOAD = """
import sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=180).run()
comp = next(c for c in at.get("component_instance") if "streamlit_folium" in c.proto.component_name)
print(len(comp.proto.json_args.encode("utf-8")))
"""


def payload_bytes(script: Path, tree: Path = ROOT) -> int:
    """Bytes of the st_folium arguments (map script, header, html, layers) for the default view.

    Measured in a fresh interpreter that imports ``geo`` from ``tree``.
    """
    out = subprocess.run([sys.executable, "-c", PAYLOAD, str(script)], cwd=tree, check=True, capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(tree)})
    return int(out.stdout.split()[-1])


def new_distance_sets(count: int, seed: int = 16) -> list[str]:
    """``count`` distance fields of :data:`NEW_BANDS` distances each, none used twice nor in :data:`RINGS`.

    Tenths of a km from 5 to 600, so no two sets share a band edge and no cache has seen them.
    """
    rng = random.Random(seed)
    seen = {float(d) for text in RINGS for d in text.split(",")}
    sets = []
    while len(sets) < count:
        picked = sorted({round(rng.uniform(5.0, 600.0), 1) for _ in range(NEW_BANDS)})
        if len(picked) == NEW_BANDS and not seen & set(picked):
            seen.update(picked)
            sets.append(", ".join(f"{d:g}" for d in picked))
    return sets


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` and all its threads, from /proc (s)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * TICK_S  # utime, stime: fields 14 and 15 of stat(5)


def settled_cpu(pid: int, timeout_s: float = 10.0) -> float:
    """The process's CPU time once it has stayed still for :data:`IDLE_S` (its rerun is over)."""
    last, still_since = cpu_seconds(pid), time.perf_counter()
    deadline = still_since + timeout_s
    while time.perf_counter() < deadline:
        time.sleep(0.05)
        now = cpu_seconds(pid)
        if now != last:
            last, still_since = now, time.perf_counter()
        elif time.perf_counter() - still_since >= IDLE_S:
            break
    return last


class App:
    """One Streamlit page under test: its server, and the page the changes are typed into."""

    def __init__(self, label: str, script: Path, tree: Path) -> None:
        self.label, self.script, self.tree = label, script, tree
        self.proc, self.base = start(script, tree)
        self.times: dict[str, list[float]] = {"repeated": [], "new": []}
        self.cpu: dict[str, list[float]] = {"repeated": [], "new": []}
        self.colds: list[float] = []
        self.reloads = 0
        self.ctx = self.page = None

    def leave(self) -> None:
        """Close the page's browser context: its visitor leaves."""
        if self.ctx is not None:
            self.ctx.close()
            self.ctx = self.page = None

    def visit(self, browser, clocks: bool) -> None:
        self.leave()
        self.ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        if clocks:
            self.ctx.add_init_script(CLOCKS)
        self.page = self.ctx.new_page()
        self.page.goto(self.base + "/")

    def first_load(self, browser) -> None:
        t0 = time.perf_counter()
        self.visit(browser, clocks=False)
        wait_bands(self.page, 3, 180)
        self.first = time.perf_counter() - t0  # server cold: data loaded and bands computed once

    def cold_visit(self, browser) -> None:
        """A new visitor (empty browser cache, warm server): navigation start to bands drawn."""
        self.visit(browser, clocks=True)
        wait_bands(self.page, 3, 60)
        origin = self.page.evaluate("() => performance.timeOrigin")
        frame = self.page.locator(MAP_IFRAME).first.element_handle().content_frame()
        bands = frame.evaluate("() => window.__atlas_bands")
        self.colds.append((next(t for t, n, _ in bands if n == 3) - origin) / 1e3)

    def _frame(self):
        return self.page.locator(MAP_IFRAME).first.element_handle().content_frame()

    def _wait_fresh(self, expected: int, timeout_s: float = 60.0) -> None:
        """Poll until the map frame (the same or a reloaded one) shows ``expected`` new band paths."""
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < timeout_s:
            try:
                if self._frame().evaluate("() => window.__atlas_fresh()") == [expected, expected]:
                    return
            except Exception:  # the iframe may be replaced mid-poll
                pass
            self.page.wait_for_timeout(5)
        raise TimeoutError(f"no {expected} new bands after {timeout_s} s")

    def change(self, text: str, kind: str | None) -> None:
        """Type ``text`` into the distances and press Enter; record it under ``kind`` (None: a warm-up)."""
        settled_cpu(self.proc.pid)  # whatever the last page did is over
        frame = self._frame()
        frame.evaluate("() => { window.__atlas_marker = 1; window.__atlas_mark(); }")
        field = self.page.locator(".st-key-rings_text input")
        field.fill(text)
        cpu0 = cpu_seconds(self.proc.pid)
        field.press("Enter")
        expected = text.count(",") + 1
        self._wait_fresh(expected)
        cpu1 = settled_cpu(self.proc.pid)
        frame = self._frame()
        enter = self.page.evaluate("() => window.__atlas_enter")
        drawn = next(t for t, n, f in frame.evaluate("() => window.__atlas_bands")
                     if t >= enter and n == f == expected)
        if kind is not None:
            self.times[kind].append((drawn - enter) / 1000.0)
            self.cpu[kind].append(cpu1 - cpu0)
            self.reloads += not frame.evaluate("() => window.__atlas_marker === 1")

    def close(self) -> dict:
        self.leave()
        stop_process(self.proc)
        out = {"reloads": self.reloads, "changes": sum(map(len, self.times.values())),
               "cold_s": statistics.median(self.colds), "first_s": self.first,
               "bytes": payload_bytes(self.script, self.tree)}
        for kind, times in self.times.items():
            if times:
                out[f"{kind}_median_ms"] = 1000 * statistics.median(times)
                out[f"{kind}_max_ms"] = 1000 * max(times)
                out[f"{kind}_cpu_ms"] = 1000 * statistics.median(self.cpu[kind])
                # /proc counts 10 ms ticks: the mean of many changes resolves what a median rounds.
                out[f"{kind}_cpu_mean_ms"] = 1000 * statistics.mean(self.cpu[kind])
        return out


def measure(browser, pages: dict[str, tuple[Path, Path]], changes: int, new: int,
            visitors: int = VISITORS, settle: bool = False) -> dict[str, dict]:
    """Run every page at once and interleave their measurements, so load swings hit all alike.

    ``pages`` maps a label to the page's script and the tree it imports ``geo`` from. Each
    page gets ``changes`` repeated changes (after one that warms the second set) and then
    ``new`` changes to never-seen distances, the same ones for every page. Before them,
    ``visitors`` new visitors open each page in turn (their median is the cold start); with
    ``settle``, each comes once every page's last visitor has left and every server is idle,
    so no other page's full load (it follows its drawn map) shares the machine with it.
    """
    apps = [App(label, script, tree) for label, (script, tree) in pages.items()]
    try:
        for app in apps:
            app.first_load(browser)
        for _ in range(visitors):
            for app in apps:
                if settle:
                    for other in apps:
                        other.leave()
                        settled_cpu(other.proc.pid)
                app.cold_visit(browser)
        for app in apps:
            if app.page is None:  # left for another's visit: the changes need a page
                app.visit(browser, clocks=True)
                wait_bands(app.page, 3, 60)
        for i in range(changes + 1):
            for app in apps:
                app.change(RINGS[i % 2], "repeated" if i else None)  # the first warms the second set
        for text in new_distance_sets(new):
            for app in apps:
                app.change(text, "new")
    finally:
        results = {}
        for app in apps:
            try:
                results[app.label] = app.close()
            except Exception:
                stop_process(app.proc)
                raise
    return results


def older_tree(rev: str) -> Path:
    """The repository as it was at ``rev`` (``git archive``): its page, geo/, data/, static/, settings."""
    tmp = Path(tempfile.mkdtemp(prefix="atlas-bench-"))
    archive = subprocess.run(["git", "archive", "--format=tar", rev], cwd=ROOT, check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive.stdout, check=True)
    return tmp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=9, help="repeated-distance changes measured per app")
    parser.add_argument("--new", type=int, default=8, help="changes to three never-seen distances per app")
    parser.add_argument("--visitors", type=int, default=VISITORS,
                        help="new visitors per app; the cold start is their median")
    parser.add_argument("--settle", action="store_true",
                        help="each new visitor comes once every other page is closed and every server idle")
    parser.add_argument("--no-naive", action="store_true", help="leave out the naive page (faster)")
    parser.add_argument("--also", metavar="DIR", action="append", default=[],
                        help="also run the app.py of DIR (a changed copy of the repository), interleaved")
    parser.add_argument("--against", metavar="REV", help="also run the repository as it was at REV, interleaved")
    args = parser.parse_args()
    pages = {"app.py": (ROOT / "app.py", ROOT)}
    if args.against:
        old = older_tree(args.against)
        pages[f"app.py@{args.against}"] = (old / "app.py", old)
    for folder in args.also:
        tree = Path(folder).resolve()
        pages[f"app.py@{tree.name}"] = (tree / "app.py", tree)
    if not args.no_naive:
        pages["naive"] = (ROOT / "bench" / "naive_app.py", ROOT)
    load_before = os.getloadavg()[0]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        results = measure(browser, pages, args.changes, args.new, args.visitors, args.settle)
        browser.close()
    rows = [
        ("never-seen distances -> new bands, median (ms)", "new_median_ms", "{:.0f}", "< 200"),
        ("never-seen distances -> new bands, max (ms)", "new_max_ms", "{:.0f}", ""),
        ("repeated distances -> new bands, median (ms)", "repeated_median_ms", "{:.0f}", "< 120"),
        ("repeated distances -> new bands, max (ms)", "repeated_max_ms", "{:.0f}", ""),
        ("server CPU per change, never-seen (ms)", "new_cpu_ms", "{:.0f}", "< 80"),
        ("server CPU per change, repeated (ms)", "repeated_cpu_ms", "{:.0f}", "< 20"),
        ("server CPU per change, never-seen, mean (ms)", "new_cpu_mean_ms", "{:.1f}", ""),
        ("server CPU per change, repeated, mean (ms)", "repeated_cpu_mean_ms", "{:.1f}", ""),
        ("map iframe reloads", "reloads", "{:d}/" + str(args.changes + args.new), "0"),
        ("cold start: new visitor -> drawn map (s)", "cold_s", "{:.2f}", "< 3.5"),
        ("first load after server start (s)", "first_s", "{:.2f}", ""),
        ("map's own script+data (bytes)", "bytes", "{:,}", "< 1,000,000"),
    ]
    labels = list(results)
    real = results["app.py"]
    print(f"load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    print(f"{'measure':48}" + "".join(f" {label:>14}" for label in labels)
          + "".join(f" {label + '/app':>18}" for label in labels[1:]) + f" {'target':>12}")
    for label, key, fmt, target in rows:
        if key not in real:  # a kind of change not asked for (--changes 0 or --new 0)
            continue
        a = real[key]
        cells = "".join(f" {fmt.format(results[k][key]):>14}" for k in labels)
        ratios = ""
        for k in labels[1:]:
            n = results[k][key]
            ratios += f" {(f'{n / a:.2f}' if a else ('inf' if n else '–')):>18}"
        print(f"{label:48}{cells}{ratios} {target:>12}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
