"""Where a new visitor's cold start goes: a waterfall from navigation to the drawn bands.

Run: PYTHONPATH=. .venv/bin/python bench/cold_waterfall.py [--visitors N] [--tree DIR]
Starts the page (of this repository, or of DIR) with `streamlit run`, opens it once to warm the
server, then opens it as ``N`` new visitors (each in a fresh browser context, the last one
closed, so nothing else of the bench shares the machine) and prints for each, in ms from
navigation start: Chromium's own network timestamps (CDP) of the page's and the map frame's
requests and of the websocket's frames, and marks taken inside the map frame (its start, the
render messages from Streamlit, each ``eval`` of a map script with its length); then one line
of phases: Streamlit's own scripts loaded, websocket open, the map's arguments received, the
map frame started, its script bundle loaded, its scripts run, the bands drawn.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))

from app_latency import CLOCKS, MAP_IFRAME, ROOT, start, wait_bands
from browsing import CHROMIUM, CHROMIUM_ARGS, stop_process

# Marks inside the map frame: it starts, Streamlit hands it its arguments, it evals a script.
MARKS = """
(() => {
  if (window === window.top) return;
  window.__atlas_ev = [];
  const note = (what) => window.__atlas_ev.push([what, performance.timeOrigin + performance.now()]);
  note('frame start');
  const indirect = window.eval;
  window.eval = function (code) {
    note('eval ' + code.length + ' chars');
    const r = indirect(code);
    note('eval done');
    return r;
  };
  window.addEventListener('message', (e) => { if (e.data && e.data.type) note('message ' + e.data.type); }, true);
})();
"""
EVENTS = ("Network.requestWillBeSent", "Network.loadingFinished", "Network.webSocketFrameReceived",
          "Network.webSocketFrameSent")


def one_visit(browser, base: str) -> tuple[list[tuple[float, str]], dict[str, float]]:
    """Open ``base`` as a new visitor; return its timeline and its phases (ms from navigation)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        ctx.add_init_script(CLOCKS)
        ctx.add_init_script(MARKS)
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        events: list[tuple[str, dict]] = []
        for name in EVENTS:
            cdp.on(name, lambda params, name=name: events.append((name, params)))
        cdp.send("Network.enable")
        page.goto(base + "/")
        wait_bands(page, 3, 60)
        origin = page.evaluate("() => performance.timeOrigin")
        frame = page.locator(MAP_IFRAME).first.element_handle().content_frame()
        drawn = next(t for t, n, _ in frame.evaluate("() => window.__atlas_bands") if n == 3) - origin
        marks = frame.evaluate("() => window.__atlas_ev")
    finally:
        ctx.close()
    doc = next(p for n, p in events if n == EVENTS[0] and p["request"]["url"].rstrip("/") == base)
    offset = doc["wallTime"] * 1000 - origin  # CDP's monotonic clock, placed on the page's

    def at(params: dict) -> float:
        return (params["timestamp"] - doc["timestamp"]) * 1000 + offset

    urls: dict[str, str] = {}
    rows: list[tuple[float, str]] = []
    for name, p in events:
        if "timestamp" not in p:
            continue
        if name == EVENTS[0]:
            urls[p["requestId"]] = p["request"]["url"].replace(base, "")
            rows.append((at(p), "request  " + urls[p["requestId"]][:90]))
        elif name == EVENTS[1] and p["requestId"] in urls:
            rows.append((at(p), f"loaded   {urls[p['requestId']][:90]} ({p['encodedDataLength']:,} B)"))
        elif name == EVENTS[2]:
            rows.append((at(p), f"ws in    {len(p['response']['payloadData']):,} chars"))
        elif name == EVENTS[3]:
            rows.append((at(p), f"ws out   {len(p['response']['payloadData']):,} chars"))
    rows += [(t - origin, "frame    " + what) for what, t in marks]
    rows = sorted(r for r in rows if r[0] <= drawn + 1)
    rows.append((drawn, "drawn    three bands"))

    def first(prefix: str, contains: str = "") -> float:
        return next((t for t, w in rows if w.startswith(prefix) and contains in w), float("nan"))

    streamlit_js = [t for t, w in rows if w.startswith("loaded   /static/js/") and t < first("ws out")]
    evals = [t for t, w in rows if w.startswith("frame    eval done")]
    map_args = next((t for t, w in rows if w.startswith("ws in") and int(w.split()[2].replace(",", "")) > 50_000),
                    float("nan"))
    phases = {
        "streamlit js": max(streamlit_js, default=float("nan")),
        "ws open": first("ws out"),
        "map args in": map_args,
        "frame start": first("frame    frame start"),
        "bundle loaded": first("loaded   /app/static/bundles/"),
        "scripts run": max(evals, default=float("nan")),
        "drawn": drawn,
    }
    return rows, phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=3, help="new visitors (after one that warms the server)")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the repository whose app.py to run")
    parser.add_argument("--all", action="store_true", help="also list Streamlit's own script requests")
    args = parser.parse_args()
    tree = args.tree.resolve()
    proc, base = start(tree / "app.py", tree)
    phases: list[dict[str, float]] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            warm = browser.new_context()
            page = warm.new_page()
            page.goto(base + "/")
            wait_bands(page, 3, 180)
            warm.close()
            for v in range(args.visitors):
                time.sleep(1.0)  # the warm-up's or the last visitor's full page is done on the server
                rows, got = one_visit(browser, base)
                phases.append(got)
                print(f"=== visitor {v + 1}: drawn at {got['drawn']:.0f} ms")
                for t, what in rows:
                    if args.all or not what.startswith(("request  /static/", "loaded   /static/")):
                        print(f"{t:7.0f}  {what}")
            browser.close()
    finally:
        stop_process(proc)
    print("phases, ms from navigation (median of the visitors):")
    print("  " + "  ".join(f"{k} {statistics.median(p[k] for p in phases):.0f}" for k in phases[0]))


if __name__ == "__main__":
    main()
