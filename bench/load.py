"""Load: N concurrent browser sessions change the distance bands; update latency, errors and server memory.

Run from the repository's top folder: ``.venv/bin/python bench/load.py [--sessions 10 20] [--changes 10]``.

Starts ``streamlit run app.py`` on a free port of 127.0.0.1 (by default from a snapshot of the
committed tree, ``git archive HEAD``, so edits in the working tree cannot change the app mid-run;
``--tree worktree`` runs the working tree) and drives one Debian Chromium with
one browser context per session. For each N in ``--sessions`` (one after another, same server),
N sessions open the app at the same moment, wait for the map's bands, then each changes the
distances ``--changes`` times, cycling through valid ring sets (each session starts at a
different one). An update's latency is the time from pressing Enter in the distances field to
the new bands on the map: as many ``path.atlas-band`` elements as the ring set has distances,
and their ``d`` attributes different from before (polled in the map's iframe, never slept for).
Errors are timeouts, exceptions, map iframe reloads and Streamlit error elements on the page.
Server memory is the RSS of the streamlit process and its children, read from /proc before the
sessions, at the highest point while they run, once they are done, and once they are closed and
the server reports no active session (Streamlit keeps a closed session's state up to
``server.disconnectedSessionTTL``, 120 s by default, in case it reconnects).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import shutil
import signal
import statistics
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

from browsing import CHROMIUM, CHROMIUM_ARGS, free_port, stop_process  # noqa: E402

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
RINGS_INPUT = ".st-key-rings_text input"
ERROR_ELEMENTS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
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
HEALTH_S = 90
OPEN_MS = 300_000  # N visitors arriving at once on 2 cores
CHANGE_MS = 180_000
QUIET_S = 60  # wait for the server to drop closed sessions
POLL_MS = 20
MARK_JS = """() => {
    window.__load_prev = Array.from(document.querySelectorAll('path.atlas-band'), p => p.getAttribute('d')).join('|');
}"""
CHANGED_JS = """n => {
    const paths = document.querySelectorAll('path.atlas-band');
    return paths.length === n && Array.from(paths, p => p.getAttribute('d')).join('|') !== window.__load_prev;
}"""



def get(url: str, timeout: float = 5.0) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode("utf-8")


def snapshot(into: Path) -> str:
    """Extract the committed app (app.py, geo/, data/, static/, .streamlit/) into ``into``; return its commit."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True, capture_output=True,
                            text=True, timeout=30).stdout.strip()
    app = subprocess.run(["git", "log", "-1", "--format=%h %s", "--", "app.py"], cwd=ROOT, check=True,
                         capture_output=True, text=True, timeout=30).stdout.strip()
    archive = subprocess.run(["git", "archive", "--format=tar", "HEAD", "app.py", "geo", "data", "static",
                              ".streamlit"], cwd=ROOT, check=True, capture_output=True, timeout=60).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True, timeout=60)
    return f"{commit}; app.py last changed in {app[:90]}"


def start_server(app_dir: Path, log) -> tuple[subprocess.Popen, str]:
    """Start `streamlit run app.py` in ``app_dir``; return it and its base URL once /_stcore/health says ok."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=app_dir, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(app_dir)},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + HEALTH_S
    while time.monotonic() < deadline:
        try:
            if get(f"{base}/_stcore/health", timeout=2).strip() == "ok":
                return proc, base
        except OSError:
            pass
        try:
            proc.wait(timeout=0.25)  # returns early only if the server died
            raise RuntimeError(f"streamlit exited with {proc.returncode}; see {log.name}")
        except subprocess.TimeoutExpired:
            pass
    stop_process(proc)
    raise RuntimeError(f"streamlit did not report healthy within {HEALTH_S} s; see {log.name}")



def rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants (MiB), from /proc."""
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
    total_kib, todo, seen = 0, [pid], set()
    while todo and len(seen) < 10_000:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
        except OSError:
            continue
        todo.extend(children.get(p, []))
    return total_kib / 1024


def active_sessions(base: str) -> int | None:
    try:
        for line in get(f"{base}/_stcore/metrics").splitlines():
            if line.startswith("active_sessions "):
                return int(float(line.split()[1]))
    except (OSError, ValueError):
        pass
    return None


async def wait_no_sessions(base: str, proc: subprocess.Popen, timeout_s: float = QUIET_S) -> bool:
    """Poll the server's metrics until it reports no active session (bounded)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await asyncio.to_thread(active_sessions, base) == 0:
            return True
        try:
            await asyncio.to_thread(proc.wait, 0.25)  # returns early only if the server died
            return False
        except subprocess.TimeoutExpired:
            pass
    return False


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


async def run_session(browser: Browser, base: str, index: int, changes: int, rss: list[float], pid: int) -> Session:
    """Open the app in a fresh context, wait for the bands, then change the distances ``changes`` times."""
    result = Session(index)
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = await context.new_page()
        t0 = time.perf_counter()
        await page.goto(f"{base}/?rings={START_RINGS}", timeout=OPEN_MS)
        bands = page.frame_locator(MAP_IFRAME).first.locator("#map_div path.atlas-band")
        await bands.first.wait_for(state="attached", timeout=OPEN_MS)
        result.open_s = time.perf_counter() - t0
        frame = await map_frame(page)
        await frame.evaluate("() => { window.__load_marker = 1; }")
        field = page.locator(RINGS_INPUT)
        for i in range(changes):
            text = RING_SETS[(index + i) % len(RING_SETS)]
            await frame.evaluate(MARK_JS)
            await field.fill(text, timeout=CHANGE_MS)
            t0 = time.perf_counter()
            await field.press("Enter", timeout=CHANGE_MS)
            await frame.wait_for_function(CHANGED_JS, arg=text.count(",") + 1, polling=POLL_MS, timeout=CHANGE_MS)
            result.latencies.append(time.perf_counter() - t0)
            rss.append(rss_mib(pid))
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
        try:
            if result.open_s is not None:
                await check_errors(page, result)
        except PlaywrightError as exc:
            result.exceptions += 1
            result.messages.append(f"session {index}: {str(exc).splitlines()[0]}")
        await context.close()
    return result


async def warm_up(browser: Browser, base: str) -> float:
    """One session that draws every ring set once, so the rounds measure a warm server."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    t0 = time.perf_counter()
    try:
        page = await context.new_page()
        await page.goto(f"{base}/?rings={START_RINGS}", timeout=OPEN_MS)
        await page.frame_locator(MAP_IFRAME).first.locator("path.atlas-band").first.wait_for(
            state="attached", timeout=OPEN_MS)
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


async def run_round(browser: Browser, base: str, proc: subprocess.Popen, n: int, changes: int,
                    budget_s: float) -> dict:
    """N sessions at once; latencies, errors and memory for the round."""
    before = rss_mib(proc.pid)
    rss: list[float] = [before]
    t0 = time.perf_counter()
    tasks = [asyncio.create_task(run_session(browser, base, i, changes, rss, proc.pid)) for i in range(n)]
    done, pending = await asyncio.wait(tasks, timeout=budget_s)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    wall = time.perf_counter() - t0
    after = rss_mib(proc.pid)
    sessions = [t.result() for t in done if not t.cancelled() and t.exception() is None]
    crashed = [t for t in done if not t.cancelled() and t.exception() is not None]
    quiet = await wait_no_sessions(base, proc)
    closed = rss_mib(proc.pid)
    latencies = [x for s in sessions for x in s.latencies]
    opens = [s.open_s for s in sessions if s.open_s is not None]
    return {
        "sessions": n,
        "changes": changes,
        "updates": len(latencies),
        "p50_ms": 1000 * percentile(latencies, 50),
        "p95_ms": 1000 * percentile(latencies, 95),
        "max_ms": 1000 * max(latencies, default=float("nan")),
        "open_p50_s": percentile(opens, 50),
        "open_max_s": max(opens, default=float("nan")),
        "timeouts": sum(s.timeouts for s in sessions) + len(pending),
        "exceptions": sum(s.exceptions for s in sessions) + len(crashed),
        "reloads": sum(s.reloads for s in sessions),
        "error_elements": sum(s.error_elements for s in sessions),
        "messages": [m for s in sessions for m in s.messages] + [repr(t.exception()) for t in crashed],
        "rss_before": before,
        "rss_peak": max([*rss, after]),
        "rss_after": after,
        "rss_closed": closed,
        "quiet": quiet,
        "wall_s": wall,
    }


def print_table(rows: list[dict]) -> None:
    columns = [
        ("sessions", "N", "{:d}"),
        ("updates", "updates", "{:d}"),
        ("p50_ms", "p50 ms", "{:.0f}"),
        ("p95_ms", "p95 ms", "{:.0f}"),
        ("max_ms", "max ms", "{:.0f}"),
        ("open_p50_s", "open p50 s", "{:.1f}"),
        ("timeouts", "timeouts", "{:d}"),
        ("exceptions", "exceptions", "{:d}"),
        ("reloads", "reloads", "{:d}"),
        ("error_elements", "st.error", "{:d}"),
        ("rss_before", "RSS before", "{:.0f} MiB"),
        ("rss_peak", "RSS peak", "{:.0f} MiB"),
        ("rss_after", "RSS after", "{:.0f} MiB"),
        ("rss_closed", "RSS closed", "{:.0f} MiB"),
        ("wall_s", "wall s", "{:.0f}"),
    ]
    cells = [[fmt.format(r[key]) for key, _, fmt in columns] for r in rows]
    widths = [max(len(head), *(len(c[i]) for c in cells)) for i, (_, head, _) in enumerate(columns)]
    print("  ".join(head.rjust(w) for (_, head, _), w in zip(columns, widths)))
    print("  ".join("-" * w for w in widths))
    for c in cells:
        print("  ".join(x.rjust(w) for x, w in zip(c, widths)))
    for r in rows:
        if not r["quiet"]:
            print(f"N={r['sessions']}: the server still reported active sessions {QUIET_S} s after closing")
        for message in r["messages"]:
            print(f"N={r['sessions']}: {message}")


async def main_async(args: argparse.Namespace) -> int:
    log_path = ROOT / ".pytest_cache" / "streamlit-load-bench.log"
    log_path.parent.mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="atlas-load-"))
    try:
        if args.tree == "head":
            commit = snapshot(tmp)
            app_dir, what = tmp, f"the app at commit {commit} (git archive HEAD)"
        else:
            app_dir, what = ROOT, "app.py in the working tree"
        with open(log_path, "w") as log:
            rows = await run_rounds(args, app_dir, log)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    print(f"`bench/load.py`: {what}; {args.changes} distance changes per session, all sessions at once, one "
          "Chromium with a context per session; latency = Enter in the distances field -> new bands drawn")
    print()
    print_table(rows)
    return 1 if any(r["timeouts"] + r["exceptions"] + r["reloads"] + r["error_elements"] for r in rows) else 0


async def run_rounds(args: argparse.Namespace, app_dir: Path, log) -> list[dict]:
    """Start the server, warm it up, run one round per N, stop the server."""
    proc, base = start_server(app_dir, log)
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                started = rss_mib(proc.pid)
                warm_s = await warm_up(browser, base)
                await wait_no_sessions(base, proc)
                print(f"server {base}: RSS {started:.0f} MiB at start, {rss_mib(proc.pid):.0f} MiB after a "
                      f"warm-up session drew all {len(RING_SETS)} ring sets ({warm_s:.1f} s); "
                      f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}", flush=True)
                rows = []
                for n in args.sessions:
                    row = await run_round(browser, base, proc, n, args.changes, args.budget)
                    rows.append(row)
                    print(f"N={n} done in {row['wall_s']:.0f} s, load average {os.getloadavg()[0]:.1f}",
                          flush=True)
            finally:
                await browser.close()
    finally:
        stop_process(proc)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[10, 20], help="concurrent sessions per round")
    parser.add_argument("--changes", type=int, default=10, help="distance changes per session")
    parser.add_argument("--tree", choices=("head", "worktree"), default="head",
                        help="run the committed app (a git archive of HEAD) or the working tree as it is")
    parser.add_argument("--budget", type=float, default=900.0, help="seconds a round may take before it is cut off")
    args = parser.parse_args()
    if not all(1 <= n <= 50 for n in args.sessions) or not 1 <= args.changes <= 100:
        parser.error("--sessions must be 1..50 and --changes 1..100")
    if not CHROMIUM.exists():
        parser.error(f"{CHROMIUM} is missing: run `make chromium`")
    # On SIGTERM (a timeout in bench/run_all.py) unwind, so the server started here is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    sys.exit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
