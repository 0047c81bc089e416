"""Where the server's CPU goes in one distance change: bands, band table, folium, serialisation, Streamlit.

Run: PYTHONPATH=. .venv/bin/python bench/profile_change.py [--rounds N] [--changes N] [--no-server]

1. In this process, the library calls ``app.py`` makes for one change of the distances, with the
   same arguments, each timed in CPU time (``time.process_time``, median of ``--rounds``): for
   three distances never computed before (random, new in every round) and for repeated ones.
   A repeated change finds the bands, the band table and the rendered layer in the app's
   ``st.cache_*`` and pays only for what follows them; the table says which steps it runs.
   Serialisation is Streamlit's own: ``json.dumps`` of the map component's arguments, the
   message hash and the protobuf bytes of the message (``populate_hash_if_needed``,
   ``serialize_forward_msg``).
2. A real ``streamlit run serve.py``, driven in Chromium by ``bench/app_latency.py``'s driver:
   the server's CPU per change from /proc, for the same two kinds of change. What the library
   steps above do not account for is Streamlit's (script run, widgets, session state, query
   string, message queue, websocket) and the map's report back.
3. cProfile of the library steps for new distances: the functions with most own time.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import dataclasses
import io
import json
import os
import pickle
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import folium  # noqa: E402
import streamlit_folium as sf  # noqa: E402

from geo.alttext import map_summary  # noqa: E402
from geo.assets import bundle_scripts, localize, walk_elements  # noqa: E402
from geo.bands import BandSpec, distance_bands  # noqa: E402
from geo.facts import band_facts, compute_facts  # noqa: E402
from geo.mapping import (  # noqa: E402
    DYNAMIC_LAYER_NAMES,
    DYNAMIC_LAYERS,
    MapView,
    band_layer,
    base_map,
    border_layer,
    passage_layer,
    reference_layer,
)
from geo.urlstate import LAYERS, UrlState, parse_query, to_query  # noqa: E402

# As in app.py.
ASSET_BASE = "/app/static/vendor"
BUNDLE_BASE = "/app/static/bundles"
RETURNED = ("bounds", "last_object_clicked_tooltip")
#: Steps of one change, and whether a repeated change runs them (its caches hold the rest).
STEPS = {
    "bands": ("distance_bands: geodesic bands for the new distances", False),
    "band table": ("band_facts + asdict: only while its expander is open (closed in the server run)", False),
    "folium build": ("band_layer: the folium FeatureGroup of the bands", False),
    "folium render": ("localize + streamlit-folium's feature-group script (Jinja, GeoJSON)", False),
    "component args": ("bundle list, json.dumps of the map component's arguments", True),
    "message": ("Streamlit: ForwardMsg hash (deterministic protobuf + md5) and bytes to send", True),
    "map in words": ("map_summary for the 'map in words' expander", True),
    "url": ("parse_query + to_query: the distances field and the link", True),
}


@contextlib.contextmanager
def untouched(m: folium.Map):
    """Undo the children rendering attaches to a map (app.py's ``_untouched``)."""
    saved = [(e, dict(e._children)) for e in walk_elements(m.get_root()) if hasattr(e, "_children")]
    try:
        yield m
    finally:
        for element, children in saved:
            element._children.clear()
            element._children.update(children)


@dataclasses.dataclass
class BaseMap:
    """The cached, rendered base map the app sends with every change."""

    map: folium.Map
    script: str
    header: str
    html: str
    map_id: str
    js_links: tuple[str, ...]
    css_links: tuple[str, ...]
    control: str
    band_script: str = ""


def rendered_base() -> BaseMap:
    m = localize(base_map(MapView()), base_url=ASSET_BASE)
    with untouched(m):
        m.get_root().render()
        m.render()
        html_text, header, script = sf._get_html(m), sf._get_header(m), sf._get_map_string(m)
    css, js = [], []
    for e in walk_elements(m):
        css += [h for _, h in getattr(e, "default_css", [])]
        js += [s for _, s in getattr(e, "default_js", [])]
    with untouched(m):  # the app keeps one layer control per map and tuple of layer names
        for idx, name in enumerate(DYNAMIC_LAYER_NAMES):
            stand_in = folium.FeatureGroup(name=name)
            stand_in._id = f"feature_group_{idx}"
            stand_in.add_to(m)
        control = sf._get_layer_control_string(folium.LayerControl(collapsed=True), m)
    return BaseMap(m, script, header, html_text, sf.get_full_id(m), tuple(dict.fromkeys(js)),
                   tuple(dict.fromkeys(css)), control)


def other_groups(base: BaseMap) -> list[tuple[str, str]]:
    """The border, reference-line and passage groups' scripts (cached in the app for any distance)."""
    out = []
    makers = {"border": border_layer, "kyiv-line": reference_layer, "passages": passage_layer}
    for idx, kind in enumerate(DYNAMIC_LAYERS):
        if kind == "bands":
            continue
        group = makers[kind]()
        localize(group, base_url=ASSET_BASE)
        with untouched(base.map):
            out.append((kind, sf._get_feature_group_string(group, map=base.map, idx=idx)))
    return out


def one_change(base: BaseMap, others: list[tuple[str, str]], text: str, new: bool,
               clock: Callable[[], float] = time.process_time) -> dict[str, float]:
    """Run the library steps of one change to the distances ``text``; return CPU seconds per step."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.forward_msg_cache import populate_hash_if_needed
    from streamlit.runtime.runtime_util import serialize_forward_msg

    times: dict[str, float] = {}

    @contextlib.contextmanager
    def step(name: str):
        start = clock()
        yield
        times[name] = clock() - start

    with step("url"):
        parsed, _ = parse_query({"rings": text})
        state = UrlState(rings=parsed.rings, layers=LAYERS)
        to_query(state)
    spec = BandSpec(state.rings)
    if new:
        with step("bands"):
            bands = distance_bands(spec)
        with step("band table"):
            rows = [dataclasses.asdict(f) for f in band_facts(bands)]
            pickle.dumps(rows)  # st.cache_data pickles the value it keeps
        with step("folium build"):
            group = band_layer(spec, "km")
        with step("folium render"):
            localize(group, base_url=ASSET_BASE)
            with untouched(base.map):
                band_script = sf._get_feature_group_string(group, map=base.map, idx=DYNAMIC_LAYERS.index("bands"))
        base.band_script = band_script
    band_script = base.band_script  # a repeated change: the app's cached group
    with step("component args"):
        scripts = dict(others) | {"bands": band_script}
        payload = component_payload(base, [scripts[kind] for kind in DYNAMIC_LAYERS])
    with step("message"):
        msg = ForwardMsg()
        msg.delta.new_element.component_instance.component_name = "streamlit_folium.st_folium"
        msg.delta.new_element.component_instance.json_args = payload
        populate_hash_if_needed(msg)
        serialize_forward_msg(msg)
    with step("map in words"):
        map_summary(spec, "km", LAYERS)
    return times


def component_payload(base: BaseMap, scripts: list[str]) -> str:
    """The map component's arguments as Streamlit sends them (``_show_map`` in app.py, base map as a file)."""
    # The app sends the base map's script once, as a static file, and a loader on each rerun.
    loader = "(0, eval)(window.__atlasScripts[\"0123456789abcdef0123\"]);"
    args = dict(
        script=loader, header=base.header, html=base.html, id=base.map_id, key="k", height=560,
        width=None, returned_objects=list(RETURNED), default=dict.fromkeys(RETURNED), zoom=None, center=None,
        feature_group="".join(scripts), return_on_hover=False, layer_control=base.control, pixelated=False,
        css_links=list(base.css_links), wrap_longitude=False,
        js_links=list(bundle_scripts(base.js_links, ASSET_BASE, BUNDLE_BASE)),
    )
    return json.dumps(args)


def new_sets(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out: list[str] = []
    seen: set[float] = set()
    while len(out) < count:
        picked = sorted({round(rng.uniform(5.0, 600.0), 1) for _ in range(3)})
        if len(picked) == 3 and not seen & set(picked):
            seen.update(picked)
            out.append(", ".join(f"{d:g}" for d in picked))
    return out


def library(rounds: int) -> tuple[dict[str, dict[str, float]], str]:
    """Median CPU ms per step for new and repeated distances, and a cProfile of the new ones."""
    compute_facts()
    base = rendered_base()
    others = other_groups(base)
    one_change(base, others, "30, 60, 90", new=True)  # warm every per-process cache
    results: dict[str, list[dict[str, float]]] = {"new": [], "repeated": []}
    profile = cProfile.Profile()
    for text in new_sets(rounds, seed=int(time.time())):
        results["new"].append(one_change(base, others, text, new=True))
        results["repeated"].append(one_change(base, others, text, new=False))
    for text in new_sets(rounds, seed=int(time.time()) + 1):
        profile.enable()
        one_change(base, others, text, new=True)
        profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(18)
    medians = {kind: {name: 1000 * statistics.median(r[name] for r in runs) for name in runs[0]}
               for kind, runs in results.items()}
    return medians, out.getvalue()


def server(changes: int) -> dict[str, float]:
    """Median CPU ms per change of the real app, from /proc, for new and repeated distances."""
    from app_latency import CHROMIUM, CHROMIUM_ARGS, RINGS, App, new_distance_sets, stop_process
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        app = App("app.py", ROOT / "app.py", ROOT)
        try:
            app.first_load(browser)
            app.visit(browser, clocks=True)
            app._wait_fresh(3)
            for i in range(changes + 1):
                app.change(RINGS[i % 2], "repeated" if i else None)
            for text in new_distance_sets(changes, seed=int(time.time())):
                app.change(text, "new")
        finally:
            if app.ctx is not None:
                app.ctx.close()
            stop_process(app.proc)
            browser.close()
    return {kind: 1000 * statistics.median(app.cpu[kind]) for kind in ("new", "repeated")} | {
        f"{kind}_latency": 1000 * statistics.median(app.times[kind]) for kind in ("new", "repeated")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8, help="changes timed in process, per kind")
    parser.add_argument("--changes", type=int, default=8, help="changes measured on the real server, per kind")
    parser.add_argument("--no-server", action="store_true", help="only the in-process part")
    parser.add_argument("--branca-text", action="store_true",
                        help="install geo.branca_text in this process first (the real server runs app.py as it is)")
    args = parser.parse_args()
    if args.branca_text:
        from geo import branca_text

        branca_text.install()
    load = os.getloadavg()[0]
    medians, profile = library(args.rounds)
    total = server(args.changes) if not args.no_server else None
    print(f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    print(f"{'step (CPU ms per change, median)':34} {'new':>8} {'repeated':>9}  what")
    sums = {"new": 0.0, "repeated": 0.0}
    for name, (what, in_repeated) in STEPS.items():
        new = medians["new"].get(name, 0.0)
        rep = medians["repeated"].get(name, 0.0) if in_repeated else 0.0
        if name != "band table":  # the page builds the table only while its expander is open
            sums["new"] += new
            sums["repeated"] += rep
        print(f"{name:34} {new:8.1f} {(f'{rep:.1f}' if in_repeated else 'cached'):>9}  {what}")
    print(f"{'library steps, sum':34} {sums['new']:8.1f} {sums['repeated']:9.1f}  without the band table")
    if total is not None:
        print(f"{'server process, /proc (total)':34} {total['new']:8.0f} {total['repeated']:9.0f}"
              "  the real app in Chromium; 10 ms clock ticks")
        print(f"{'Streamlit and the rest':34} {total['new'] - sums['new']:8.0f} "
              f"{total['repeated'] - sums['repeated']:9.0f}  total minus the library steps")
        print(f"{'Enter -> new bands (ms, median)':34} {total['new_latency']:8.0f} {total['repeated_latency']:9.0f}")
    print("\ncProfile of the library steps for new distances, by own time:")
    print("\n".join(profile.splitlines()[:40]))
    print(json.dumps({"library": medians, "server": total}))


if __name__ == "__main__":
    main()
