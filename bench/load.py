"""Load: N concurrent browser sessions change the distance bands, through HAProxy in front of R replicas.

Run from the repository's top folder:
``.venv/bin/python bench/load.py [--replicas 1 2] [--sessions 10 20] [--changes 10] [--upload]``.

For each R in ``--replicas`` it starts R replicas of ``streamlit run serve.py`` behind HAProxy
(``deploy/replicas.py``, the same set-up as ``make serve``) on free ports of 127.0.0.1, by
default from a snapshot of the committed tree (``git archive HEAD``, so edits in the working
tree cannot change the app mid-run; ``--tree worktree`` runs the working tree), warms each
replica up with one session that draws every ring set, and drives one Debian Chromium with one
browser context (its own cookies, so HAProxy places it like a new visitor) per session.

For each N in ``--sessions`` (one after another, same servers), N sessions open the app at the
same moment and wait for the map's bands; once all have (or failed), each changes the distances
``--changes`` times, cycling through valid ring sets (each session starts at a different one).
An update's latency is the time from pressing Enter in the distances field to the new bands on
the map: as many ``path.atlas-band`` elements as the ring set has distances, and their ``d``
attributes different from before (polled in the map's iframe, never slept for). Errors are
timeouts, exceptions, map iframe reloads and Streamlit error elements on the page.

Beside latency, so that a figure does not depend on how many browsers share the machine:
- **server CPU per change**: user+system CPU seconds of the Streamlit processes and their
  children (``/proc/<pid>/stat``: utime, stime, and cutime, cstime of children reaped), read
  when every session has drawn its map and again when the last change is drawn, divided by
  the changes drawn in between;
- **throughput at saturation**: changes drawn per second over that same span, every session
  sending its next change as soon as the last one is drawn.

Server memory is the RSS of the Streamlit processes and their children, read from /proc
before the sessions, at the highest point while they run, once they are done, and once they
are closed and every replica reports no active session (Streamlit keeps a closed session's
state up to ``server.disconnectedSessionTTL``, 120 s by default, in case it reconnects). "idle
CPU" is the servers' CPU use over 3 s after that: it should be about nothing.

``--upload`` adds the scenario of issue 11: after the rounds, for each R, a round of
``--upload-sessions`` sessions (10) changing distances while one more session uploads, over
and over through the uploader (``.st-key-upload``), a GeoPackage whose feature table is a VIEW
over an infinite recursive CTE and a 201-vertex self-intersecting star polygon as GeoJSON (both
made here, in memory). It reports their p95 beside the same sessions' p95 without the upload
(the round for that N, run just before in the same process; target: at most 1.5 times), what
each upload came to (refused with a message, accepted, or no answer within ``--upload-wait``
seconds), and whether the servers' memory returns to its level before the round (within 10 %
or 25 MiB), with the temporary ``/tmp/atlas-upload-*`` folders left behind.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import math
import os
import shutil
import signal
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "deploy"))

from browsing import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from replicas import HAPROXY, Cluster  # noqa: E402

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
RINGS_INPUT = ".st-key-rings_text input"
ERROR_ELEMENTS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
UPLOAD_INPUT = ".st-key-upload input[type=file]"
UPLOAD_DELETE = '.st-key-upload [data-testid="stFileChipDeleteBtn"]'
START_RINGS = "50,100,200"
# Valid ring sets, none equal to START_RINGS and no two neighbours (cyclically) alike,
# so every change draws different bands.
RING_SETS = (
    "25, 75",
    "100, 300, 600",
    "30, 60, 90, 120",
    "200, 400",
    "10, 50, 150",
    "75, 150, 300, 450",
    "40, 80",
    "120, 240, 360",
    "60, 180, 540",
    "20, 100",
)
OPEN_MS = 300_000  # N visitors arriving at once on 2 cores
CHANGE_MS = 180_000
QUIET_S = 60  # wait for the server to drop closed sessions
IDLE_S = 3.0  # the servers' CPU use is read over this long once the sessions are gone
POLL_MS = 20
CLK_TCK = os.sysconf("SC_CLK_TCK")
MARK_JS = """() => {
    window.__load_prev = Array.from(document.querySelectorAll('path.atlas-band'), p => p.getAttribute('d')).join('|');
}"""
CHANGED_JS = """n => {
    const paths = document.querySelectorAll('path.atlas-band');
    return paths.length === n && Array.from(paths, p => p.getAttribute('d')).join('|') !== window.__load_prev;
}"""
# What became of an upload: the page's error about the layer, or the layer drawn on the map.
UPLOAD_OUTCOME_JS = """() => {
    const err = Array.from(document.querySelectorAll('[data-testid="stAlertContentError"]'))
        .find(e => /layer/i.test(e.innerText));
    if (err) return 'refused: ' + err.innerText.trim().split('\\n')[0].slice(0, 150);
    const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
    const d = f && f.contentDocument;
    if (d && d.querySelector('.atlas-user')) return 'accepted';
    return false;
}"""
UPLOAD_CLEARED_JS = """() => {
    const err = Array.from(document.querySelectorAll('[data-testid="stAlertContentError"]'))
        .some(e => /layer/i.test(e.innerText));
    const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
    const d = f && f.contentDocument;
    return !err && !(d && d.querySelector('.atlas-user'));
}"""


# --- the hostile files of issue 11 (items 2 and 3), made here ---------------------------------


def view_geopackage() -> bytes:
    """A GeoPackage whose one feature table is a VIEW over an infinite recursive CTE (issue 11, item 2).

    It is listed in ``gpkg_contents`` as features, so GDAL opens it; counting its rows
    (``pyogrio.read_info``) never ends.
    """
    point = b"GP" + bytes([0, 0x01]) + struct.pack("<i", 4326) + struct.pack("<BIdd", 1, 1, 30.5, 50.45)
    wgs84 = ('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],'
             'UNIT["degree",0.0174532925199433]]')
    with tempfile.TemporaryDirectory(prefix="atlas-bench-") as tmp:
        path = Path(tmp) / "view.gpkg"
        db = sqlite3.connect(path)
        try:
            db.executescript(f"""
                PRAGMA application_id = 1196444487;  -- 'GPKG'
                PRAGMA user_version = 10200;
                CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
                    organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
                    definition TEXT NOT NULL, description TEXT);
                INSERT INTO gpkg_spatial_ref_sys VALUES
                    ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', NULL),
                    ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', NULL),
                    ('WGS 84 geodetic', 4326, 'EPSG', 4326, '{wgs84}', NULL);
                CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
                    identifier TEXT UNIQUE, description TEXT DEFAULT '',
                    last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                    min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
                CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
                    geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL,
                    m TINYINT NOT NULL, PRIMARY KEY (table_name, column_name));
                CREATE VIEW places AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)
                    SELECT i AS fid, X'{point.hex()}' AS geom, 'place ' || i AS name FROM n;
                INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id)
                    VALUES ('places', 'features', 'places', 4326);
                INSERT INTO gpkg_geometry_columns VALUES ('places', 'geom', 'POINT', 4326, 0, 0);
            """)
            db.commit()
        finally:
            db.close()
        return path.read_bytes()


def star_geojson(vertices: int = 201) -> bytes:
    """One self-intersecting star polygon {n/(n//2)} around Kyiv as GeoJSON (issue 11, item 3).

    Each edge crosses almost every other, so repairing it (``make_valid``) takes minutes
    at 201 vertices (about 8 s at 101 here).
    """
    step = vertices // 2
    ring = [[round(30.5 + 1.5 * math.cos(2 * math.pi * j * step / vertices), 6),
             round(50.45 + 1.0 * math.sin(2 * math.pi * j * step / vertices), 6)] for j in range(vertices)]
    feature = {"type": "Feature", "properties": {"name": "star"},
               "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}}
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


def hostile_uploads() -> list[dict]:
    """The two files as Playwright file payloads, uploaded in turn."""
    return [
        {"name": "view.gpkg", "mimeType": "application/geopackage+sqlite3", "buffer": view_geopackage()},
        {"name": "star.geojson", "mimeType": "application/geo+json", "buffer": star_geojson(201)},
    ]


# --- the servers, seen from /proc -------------------------------------------------------------


def get(url: str, timeout: float = 5.0) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode("utf-8")


def snapshot(into: Path) -> str:
    """Extract the committed app (serve.py, app.py, geo/, data/, static/, ...) into ``into``; return its commit."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True, capture_output=True,
                            text=True, timeout=30).stdout.strip()
    app = subprocess.run(["git", "log", "-1", "--format=%h %s", "--", "app.py"], cwd=ROOT, check=True,
                         capture_output=True, text=True, timeout=30).stdout.strip()
    archive = subprocess.run(["git", "archive", "--format=tar", "HEAD", "serve.py", "app.py", "geo", "data", "static",
                              ".streamlit", "streamlit_workarounds.py", "story_editor.py"], cwd=ROOT, check=True,
                             capture_output=True, timeout=60).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True, timeout=60)
    return f"{commit}; app.py last changed in {app[:90]}"


def _process_tree(pids: list[int]) -> list[int]:
    """``pids`` and all their descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    todo, seen = list(pids), []
    while todo and len(seen) < 10_000:
        p = todo.pop()
        if p in seen:
            continue
        seen.append(p)
        todo.extend(children.get(p, []))
    return seen


def rss_mib(pids: list[int]) -> float:
    """Resident memory of ``pids`` and all their descendants (MiB), from /proc."""
    total_kib = 0
    for p in _process_tree(pids):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
        except OSError:
            continue
    return total_kib / 1024


def cpu_s(pids: list[int]) -> float:
    """CPU seconds (user + system) used by ``pids`` and their descendants, from /proc/<pid>/stat.

    A child that has exited and been waited for is in its parent's cutime and cstime.
    """
    ticks = 0
    for p in _process_tree(pids):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    return ticks / CLK_TCK


def tmp_upload_dirs() -> int:
    return sum(1 for _ in Path(tempfile.gettempdir()).glob("atlas-upload-*"))


def active_sessions(cluster: Cluster) -> int | None:
    """Sessions the replicas still hold (asked of each replica directly), or None if one does not say."""
    total = 0
    for i in range(len(cluster.replicas)):
        found = None
        try:
            for line in get(f"{cluster.replica_url(i)}/_stcore/metrics").splitlines():
                if line.startswith("active_sessions "):
                    found = int(float(line.split()[1]))
        except (OSError, ValueError):
            pass
        if found is None:
            return None
        total += found
    return total


async def wait_no_sessions(cluster: Cluster, timeout_s: float = QUIET_S) -> bool:
    """Poll the replicas' metrics until none reports an active session (bounded)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await asyncio.to_thread(active_sessions, cluster) == 0:
            return True
        if any(p.poll() is not None for p in cluster.replicas):
            return False
        await asyncio.sleep(0.25)  # poll interval
    return False


async def idle_cpu_percent(pids: list[int]) -> float:
    """The servers' CPU use (percent of one core) over IDLE_S seconds, with no session open."""
    c0, t0 = cpu_s(pids), time.monotonic()
    await asyncio.sleep(IDLE_S)  # the measuring window itself
    return 100 * (cpu_s(pids) - c0) / (time.monotonic() - t0)


# --- sessions ---------------------------------------------------------------------------------


class Gate:
    """Holds the sessions until every one has opened its map (or failed to)."""

    def __init__(self, n: int) -> None:
        self.n, self.count, self.open = n, 0, asyncio.Event()

    def arrive(self) -> None:
        self.count += 1
        if self.count >= self.n:
            self.open.set()


@dataclasses.dataclass
class Session:
    """What one browser session saw."""

    index: int
    open_s: float | None = None
    latencies: list[float] = dataclasses.field(default_factory=list)
    timeouts: int = 0
    exceptions: int = 0
    reloads: int = 0
    error_elements: int = 0
    messages: list[str] = dataclasses.field(default_factory=list)


async def map_frame(page: Page):
    handle = await page.locator(MAP_IFRAME).first.element_handle(timeout=CHANGE_MS)
    frame = await handle.content_frame()
    if frame is None:
        raise PlaywrightError("the map iframe has no content frame")
    return frame


async def check_errors(page: Page, result: Session) -> None:
    """Count a Streamlit error element on the page, and keep its first line."""
    errors = page.locator(ERROR_ELEMENTS)
    if await errors.count():
        result.error_elements += 1
        text = (await errors.first.inner_text(timeout=CHANGE_MS)).strip().splitlines() or [""]
        result.messages.append(f"session {result.index}: error on the page: {text[0][:200]}")


async def open_app(page: Page, base: str) -> None:
    await page.goto(f"{base}/?rings={START_RINGS}", timeout=OPEN_MS)
    bands = page.frame_locator(MAP_IFRAME).first.locator("#map_div path.atlas-band")
    await bands.first.wait_for(state="attached", timeout=OPEN_MS)


async def run_session(browser: Browser, base: str, index: int, changes: int, rss: list[float],
                      pids: list[int], gate: Gate) -> Session:
    """Open the app in a fresh context, wait for the bands and the gate, then change the distances."""
    result = Session(index)
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    arrived = False
    try:
        page = await context.new_page()
        t0 = time.perf_counter()
        await open_app(page, base)
        result.open_s = time.perf_counter() - t0
        frame = await map_frame(page)
        await frame.evaluate("() => { window.__load_marker = 1; }")
        field = page.locator(RINGS_INPUT)
        gate.arrive()
        arrived = True
        await gate.open.wait()
        for i in range(changes):
            text = RING_SETS[(index + i) % len(RING_SETS)]
            await frame.evaluate(MARK_JS)
            await field.fill(text, timeout=CHANGE_MS)
            t0 = time.perf_counter()
            await field.press("Enter", timeout=CHANGE_MS)
            await frame.wait_for_function(CHANGED_JS, arg=text.count(",") + 1, polling=POLL_MS, timeout=CHANGE_MS)
            result.latencies.append(time.perf_counter() - t0)
            rss.append(rss_mib(pids))
            if not await frame.evaluate("() => window.__load_marker === 1"):
                result.reloads += 1
                await frame.evaluate("() => { window.__load_marker = 1; }")
            await check_errors(page, result)
    except PlaywrightTimeout as exc:  # a subclass of PlaywrightError: caught first
        result.timeouts += 1
        result.messages.append(f"session {index}: timeout: {str(exc).splitlines()[0]}")
    except PlaywrightError as exc:
        result.exceptions += 1
        result.messages.append(f"session {index}: {str(exc).splitlines()[0]}")
    finally:
        if not arrived:
            gate.arrive()
        try:
            if result.open_s is not None:
                await check_errors(page, result)
        except PlaywrightError as exc:
            result.exceptions += 1
            result.messages.append(f"session {index}: {str(exc).splitlines()[0]}")
        await context.close()
    return result


async def upload_once(page: Page, payload: dict, wait_s: float, rings: str) -> str:
    """Upload ``payload`` and wait (bounded) for what the page makes of it; then remove it and
    change the distances, to see whether the session still answers."""
    t0 = time.perf_counter()
    await page.locator(UPLOAD_INPUT).set_input_files(payload, timeout=wait_s * 1000)
    try:
        handle = await page.wait_for_function(UPLOAD_OUTCOME_JS, polling=100, timeout=wait_s * 1000)
        outcome = f"{await handle.json_value()} ({time.perf_counter() - t0:.1f} s)"
    except PlaywrightTimeout:
        reading = "Reading your layer" in await page.locator("body").inner_text(timeout=wait_s * 1000)
        outcome = f"no answer within {wait_s:g} s" + (" (still 'Reading your layer…')" if reading else "")
    delete = page.locator(UPLOAD_DELETE)
    if await delete.count():
        await delete.first.click(timeout=wait_s * 1000)
    t1 = time.perf_counter()
    try:
        frame = await map_frame(page)
        await frame.evaluate(MARK_JS)
        await page.locator(RINGS_INPUT).fill(rings, timeout=wait_s * 1000)
        await page.locator(RINGS_INPUT).press("Enter", timeout=wait_s * 1000)
        await frame.wait_for_function(CHANGED_JS, arg=rings.count(",") + 1, polling=POLL_MS, timeout=wait_s * 1000)
        await page.wait_for_function(UPLOAD_CLEARED_JS, polling=100, timeout=wait_s * 1000)
    except PlaywrightError:
        outcome += f"; removed, then a distance change drew nothing within {wait_s:g} s (the session is stuck)"
    else:
        outcome += f"; removed, then a distance change drew new bands in {time.perf_counter() - t1:.1f} s"
    return f"{payload['name']}: {outcome}"


async def run_uploader(browser: Browser, base: str, gate: Gate, done: asyncio.Event, wait_s: float) -> list[str]:
    """One session that uploads the hostile files in turn until ``done``; what each upload came to."""
    log: list[str] = []
    payloads = hostile_uploads()
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    arrived = False
    try:
        page = await context.new_page()
        await open_app(page, base)
        await page.locator(UPLOAD_INPUT).wait_for(state="attached", timeout=OPEN_MS)
        gate.arrive()
        arrived = True
        await gate.open.wait()
        i = 0
        while not done.is_set():
            log.append(await upload_once(page, payloads[i % len(payloads)], wait_s, RING_SETS[i % len(RING_SETS)]))
            i += 1
    except PlaywrightError as exc:
        log.append(f"uploader stopped: {str(exc).splitlines()[0][:200]}")
    finally:
        if not arrived:
            gate.arrive()
        await context.close()
    return log


async def warm_up(browser: Browser, base: str) -> float:
    """One session that draws every ring set once, so the rounds measure a warm server."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    t0 = time.perf_counter()
    try:
        page = await context.new_page()
        await open_app(page, base)
        frame = await map_frame(page)
        field = page.locator(RINGS_INPUT)
        for text in RING_SETS:
            await frame.evaluate(MARK_JS)
            await field.fill(text, timeout=CHANGE_MS)
            await field.press("Enter", timeout=CHANGE_MS)
            await frame.wait_for_function(CHANGED_JS, arg=text.count(",") + 1, polling=POLL_MS, timeout=CHANGE_MS)
    finally:
        await context.close()
    return time.perf_counter() - t0


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile (1..99), interpolated between closest ranks; NaN without values."""
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


# --- rounds -----------------------------------------------------------------------------------


async def run_round(browser: Browser, cluster: Cluster, n: int, changes: int, budget_s: float,
                    upload_wait_s: float | None = None) -> dict:
    """N sessions at once (and an uploader when ``upload_wait_s`` is set); latency, CPU, memory."""
    pids = cluster.pids()
    before, tmp_before = rss_mib(pids), tmp_upload_dirs()
    rss: list[float] = [before]
    gate = Gate(n + (upload_wait_s is not None))
    done = asyncio.Event()
    t0 = time.perf_counter()
    cpu0 = cpu_s(pids)
    tasks = [asyncio.create_task(run_session(browser, cluster.base, i, changes, rss, pids, gate)) for i in range(n)]
    uploader = (asyncio.create_task(run_uploader(browser, cluster.base, gate, done, upload_wait_s))
                if upload_wait_s is not None else None)
    try:
        await asyncio.wait_for(gate.open.wait(), timeout=budget_s)
    except TimeoutError:
        gate.open.set()
    cpu_open, t_open = cpu_s(pids), time.perf_counter()
    finished, pending = await asyncio.wait(tasks, timeout=max(1.0, budget_s - (t_open - t0)))
    cpu_end, t_end = cpu_s(pids), time.perf_counter()
    done.set()
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    uploads: list[str] = []
    if uploader is not None:
        try:  # the last upload may still be waiting for its answer (bounded by upload_wait_s)
            uploads = await asyncio.wait_for(uploader, timeout=3 * upload_wait_s + 60)
        except (TimeoutError, PlaywrightError) as exc:
            uploads = [f"uploader cut off: {exc!r}"]
    wall = time.perf_counter() - t0
    after = rss_mib(pids)
    sessions = [t.result() for t in finished if not t.cancelled() and t.exception() is None]
    crashed = [t for t in finished if not t.cancelled() and t.exception() is not None]
    quiet = await wait_no_sessions(cluster)
    closed = rss_mib(pids)
    idle = await idle_cpu_percent(pids)
    latencies = [x for s in sessions for x in s.latencies]
    opens = [s.open_s for s in sessions if s.open_s is not None]
    span = t_end - t_open
    return {
        "replicas": len(pids),
        "sessions": n,
        "upload": upload_wait_s is not None,
        "changes": changes,
        "updates": len(latencies),
        "p50_ms": 1000 * percentile(latencies, 50),
        "p95_ms": 1000 * percentile(latencies, 95),
        "max_ms": 1000 * max(latencies, default=float("nan")),
        "cpu_ms_per_change": 1000 * (cpu_end - cpu_open) / len(latencies) if latencies else float("nan"),
        "changes_per_s": len(latencies) / span if span > 0 else float("nan"),
        "cpu_open_s": (cpu_open - cpu0) / max(1, n),
        "open_p50_s": percentile(opens, 50),
        "open_max_s": max(opens, default=float("nan")),
        "timeouts": sum(s.timeouts for s in sessions) + len(pending),
        "exceptions": sum(s.exceptions for s in sessions) + len(crashed),
        "reloads": sum(s.reloads for s in sessions),
        "error_elements": sum(s.error_elements for s in sessions),
        "messages": [m for s in sessions for m in s.messages] + [repr(t.exception()) for t in crashed],
        "uploads": uploads,
        "rss_before": before,
        "rss_peak": max([*rss, after]),
        "rss_after": after,
        "rss_closed": closed,
        "idle_cpu_pct": idle,
        "tmp_left": tmp_upload_dirs() - tmp_before,
        "quiet": quiet,
        "wall_s": wall,
    }


COLUMNS = [
    ("replicas", "R", "{:d}"),
    ("sessions", "N", "{:d}"),
    ("upload", "upload", "{}"),
    ("updates", "updates", "{:d}"),
    ("p50_ms", "p50 ms", "{:.0f}"),
    ("p95_ms", "p95 ms", "{:.0f}"),
    ("max_ms", "max ms", "{:.0f}"),
    ("cpu_ms_per_change", "CPU ms/change", "{:.0f}"),
    ("changes_per_s", "changes/s", "{:.2f}"),
    ("cpu_open_s", "CPU s/open", "{:.2f}"),
    ("open_p50_s", "open p50 s", "{:.1f}"),
    ("timeouts", "timeouts", "{:d}"),
    ("exceptions", "exceptions", "{:d}"),
    ("reloads", "reloads", "{:d}"),
    ("error_elements", "st.error", "{:d}"),
    ("rss_before", "RSS before", "{:.0f} MiB"),
    ("rss_peak", "RSS peak", "{:.0f} MiB"),
    ("rss_closed", "RSS closed", "{:.0f} MiB"),
    ("idle_cpu_pct", "idle CPU", "{:.0f} %"),
    ("wall_s", "wall s", "{:.0f}"),
]


def print_table(rows: list[dict]) -> None:
    cells = [[fmt.format("yes" if r[key] is True else "no" if r[key] is False else r[key])
              if key == "upload" else fmt.format(r[key]) for key, _, fmt in COLUMNS] for r in rows]
    widths = [max(len(head), *(len(c[i]) for c in cells)) for i, (_, head, _) in enumerate(COLUMNS)]
    print("  ".join(head.rjust(w) for (_, head, _), w in zip(COLUMNS, widths)))
    print("  ".join("-" * w for w in widths))
    for c in cells:
        print("  ".join(x.rjust(w) for x, w in zip(c, widths)))


def summarise(rows: list[dict]) -> bool:
    """Print the side-by-side figures and every message; return whether the upload targets were met."""
    ok = True
    replicas = sorted({r["replicas"] for r in rows})
    plain = {(r["replicas"], r["sessions"]): r for r in rows if not r["upload"]}
    if len(replicas) > 1:
        print()
        print("throughput at saturation (changes/s), side by side:")
        for n in sorted({r["sessions"] for r in rows if not r["upload"]}):
            figures = [(k, plain[(k, n)]["changes_per_s"]) for k in replicas if (k, n) in plain]
            first = figures[0][1]
            print(f"  N={n}: " + ", ".join(f"R={k}: {v:.2f}" + (f" ({v / first:.2f}x)" if k != figures[0][0] else "")
                                            for k, v in figures))
    for r in rows:
        if not r["upload"]:
            continue
        base = plain.get((r["replicas"], r["sessions"]))
        ratio = r["p95_ms"] / base["p95_ms"] if base else float("nan")
        limit = r["rss_before"] + max(0.10 * r["rss_before"], 25.0)
        back = r["rss_closed"] <= limit
        ok = ok and ratio <= 1.5 and back and r["idle_cpu_pct"] < 20 and r["tmp_left"] == 0
        print()
        print(f"R={r['replicas']}, N={r['sessions']} with one session uploading the hostile files "
              "(issue 11, items 2 and 3):")
        print(f"  p95 {base['p95_ms'] if base else float('nan'):.0f} ms without the upload, {r['p95_ms']:.0f} ms "
              f"with it: {ratio:.2f}x (target <= 1.5x: {'met' if ratio <= 1.5 else 'NOT met'})")
        print(f"  p50 {base['p50_ms'] if base else float('nan'):.0f} -> {r['p50_ms']:.0f} ms; "
              f"{r['updates']} of {r['sessions'] * r['changes']} changes drawn")
        print(f"  memory: {r['rss_before']:.0f} MiB before, {r['rss_peak']:.0f} MiB at most, {r['rss_closed']:.0f} MiB "
              f"once the sessions closed ({'back to' if back else 'NOT back to'} the baseline, "
              f"within {limit - r['rss_before']:.0f} MiB)")
        print(f"  servers' CPU with no session open: {r['idle_cpu_pct']:.0f} % of a core; "
              f"/tmp/atlas-upload-* folders left: {r['tmp_left']}")
        for line in r["uploads"] or ["no upload finished"]:
            print(f"  upload: {line}")
    for r in rows:
        tag = f"R={r['replicas']} N={r['sessions']}{' +upload' if r['upload'] else ''}"
        if not r["quiet"]:
            print(f"{tag}: the servers still reported active sessions {QUIET_S} s after closing")
        for message in r["messages"]:
            print(f"{tag}: {message}")
    return ok


async def run_cluster(browser: Browser, args: argparse.Namespace, app_dir: Path, replicas: int,
                      run_dir: Path) -> list[dict]:
    """Start R replicas behind HAProxy, warm each up, run one round per N (and the upload round), stop."""
    with Cluster(replicas, app_dir, run_dir=run_dir, own_groups=False, python=sys.executable,
                 log_level="info") as cluster:
        pids = cluster.pids()
        started = rss_mib(pids)
        t0 = time.perf_counter()
        await asyncio.gather(*(warm_up(browser, cluster.replica_url(i)) for i in range(replicas)))
        await wait_no_sessions(cluster)
        print(f"R={replicas}: {cluster.base} -> ports {cluster.replica_ports}; RSS {started:.0f} MiB at start, "
              f"{rss_mib(pids):.0f} MiB after a warm-up session per replica drew all {len(RING_SETS)} ring sets "
              f"({time.perf_counter() - t0:.1f} s); {os.cpu_count()} cores, load average "
              f"{os.getloadavg()[0]:.1f}", flush=True)
        rows = []
        rounds = [(n, None) for n in args.sessions]
        if args.upload:
            if args.upload_sessions not in args.sessions:
                rounds.append((args.upload_sessions, None))
            rounds.append((args.upload_sessions, args.upload_wait))
        for n, upload in rounds:
            row = await run_round(browser, cluster, n, args.changes, args.budget, upload)
            rows.append(row)
            print(f"R={replicas} N={n}{' +upload' if upload else ''} done in {row['wall_s']:.0f} s "
                  f"(p50 {row['p50_ms']:.0f} ms, {row['changes_per_s']:.2f} changes/s), "
                  f"load average {os.getloadavg()[0]:.1f}", flush=True)
    return rows


async def main_async(args: argparse.Namespace) -> int:
    log_dir = ROOT / ".pytest_cache" / "load-bench"
    log_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="atlas-load-"))
    try:
        if args.tree == "head":
            commit = snapshot(tmp)
            app_dir, what = tmp, f"the app at commit {commit} (git archive HEAD)"
        else:
            app_dir, what = ROOT, "app.py in the working tree"
        rows: list[dict] = []
        print(f"logs (HAProxy's logs every request): {log_dir}", flush=True)
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                for replicas in args.replicas:
                    rows += await run_cluster(browser, args, app_dir, replicas, log_dir / f"r{replicas}")
            finally:
                await browser.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    print(f"`bench/load.py`: {what}; R replicas behind HAProxy ({HAPROXY}); {args.changes} distance changes per "
          "session, all sessions at once, one Chromium with a context per session; latency = Enter in the "
          "distances field -> new bands drawn; CPU = the Streamlit processes' user+system time from /proc "
          "while the sessions change distances, per change drawn")
    print()
    print_table(rows)
    met = summarise(rows)
    failed = any(r["timeouts"] + r["exceptions"] + r["reloads"] + r["error_elements"] for r in rows)
    return 1 if failed or not met else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2],
                        help="Streamlit processes behind HAProxy, one set-up after another")
    parser.add_argument("--sessions", type=int, nargs="+", default=[10, 20], help="concurrent sessions per round")
    parser.add_argument("--changes", type=int, default=10, help="distance changes per session")
    parser.add_argument("--tree", choices=("head", "worktree"), default="head",
                        help="run the committed app (a git archive of HEAD) or the working tree as it is")
    parser.add_argument("--budget", type=float, default=900.0, help="seconds a round may take before it is cut off")
    parser.add_argument("--upload", action="store_true",
                        help="add a round where one more session uploads issue 11's hostile files meanwhile")
    parser.add_argument("--upload-sessions", type=int, default=10, help="sessions changing distances meanwhile")
    parser.add_argument("--upload-wait", type=float, default=30.0,
                        help="seconds to wait for the page's answer to one upload (and its removal)")
    args = parser.parse_args()
    if not all(1 <= n <= 50 for n in [*args.sessions, args.upload_sessions]) or not 1 <= args.changes <= 100:
        parser.error("--sessions and --upload-sessions must be 1..50 and --changes 1..100")
    if not all(1 <= r <= 8 for r in args.replicas) or not 1 <= args.upload_wait <= 600:
        parser.error("--replicas must be 1..8 and --upload-wait 1..600")
    if not CHROMIUM.exists():
        parser.error(f"{CHROMIUM} is missing: run `make chromium`")
    if not Path(HAPROXY).exists():
        parser.error(f"{HAPROXY} is missing: run `make haproxy`")
    # On SIGTERM (a timeout in bench/run_all.py) unwind, so the servers started here are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    sys.exit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
