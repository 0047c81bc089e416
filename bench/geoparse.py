"""Geoparser quality and speed on the evaluation set in ``tests/geoparse_eval/``.

Run ``python bench/geoparse.py`` from the repository root (the dev set), or with
``--folder tests/geoparse_heldout`` (the held-out set, annotated before the rules last changed).
For each article it prints the
gold and found mentions, precision, recall and F1 of mentions (a found mention counts when its
span is exactly a gold span), and the share of those matched mentions resolved within 161 km
of the gold point; then the totals, the gazetteer's load time (wall clock and CPU: on the
shared 2 cores the wall clock counts the other processes too) and the parse time of 5,000
characters. ``--show`` lists every miss and every false hit.

Gold format (one ``NAME.json`` beside ``NAME.txt``, or ``text_path`` from the repository
root): ``gold`` is a list of ``{"text", "name", "lat", "lon"}``; every whole-word occurrence of
``text`` (case as written) is a gold mention, except those counted in ``skip`` (0-based), or
only those in ``only``. Longer gold texts win where they overlap ("Gaza Strip" over "Gaza").
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
EVAL = ROOT / "tests" / "geoparse_eval"
KM = 161.0


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def gold_mentions(text: str, gold: list[dict]) -> dict[tuple[int, int], dict]:
    """Gold spans -> gold item, longest texts first, no overlaps."""
    taken: list[tuple[int, int]] = []
    out: dict[tuple[int, int], dict] = {}
    for item in sorted(gold, key=lambda g: -len(g["text"])):
        pattern = re.compile(r"(?<![^\W\d_])" + re.escape(item["text"]) + r"(?![^\W\d_])")
        for n, m in enumerate(pattern.finditer(text)):
            if n in item.get("skip", ()) or ("only" in item and n not in item["only"]):
                continue
            span = (m.start(), m.end())
            if any(s < span[1] and span[0] < e for s, e in taken):
                continue
            taken.append(span)
            out[span] = item
    return out


def load_set(folder: Path) -> list[tuple[str, str, dict]]:
    out = []
    for path in sorted(folder.glob("*.json")):
        meta = json.loads(path.read_text(encoding="utf-8"))
        source = ROOT / meta["text_path"] if "text_path" in meta else path.with_suffix(".txt")
        text = source.read_bytes().decode("utf-8")
        out.append((path.stem, text, meta))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="list misses, false hits and far resolutions")
    parser.add_argument("--folder", type=Path, default=EVAL)
    args = parser.parse_args(argv)

    t0, c0 = time.perf_counter(), time.process_time()
    from geo.gazetteer import load_gazetteer

    gaz = load_gazetteer()
    load_s, load_cpu = time.perf_counter() - t0, time.process_time() - c0
    from geo.geoparse import find_places

    rows = []
    totals = {"gold": 0, "found": 0, "tp": 0, "near": 0}
    chars = 0
    parse_s = 0.0
    for name, text, meta in load_set(args.folder):
        gold = gold_mentions(text, meta["gold"])
        t = time.perf_counter()
        found = find_places(text, gaz)
        parse_s += time.perf_counter() - t
        chars += len(text)
        spans = {(m.start, m.end): m for m in found}
        tp = [s for s in spans if s in gold]
        near = [s for s in tp if haversine_km(spans[s].place.lat, spans[s].place.lon,
                                              gold[s]["lat"], gold[s]["lon"]) <= KM]
        rows.append((name, len(gold), len(spans), len(tp), len(near)))
        for key, value in zip(("gold", "found", "tp", "near"), (len(gold), len(spans), len(tp), len(near))):
            totals[key] += value
        if args.show:
            for s in sorted(set(gold) - set(spans)):
                print(f"  {name}: missed {text[s[0]:s[1]]!r} @{s[0]}")
            for s in sorted(set(spans) - set(gold)):
                print(f"  {name}: false  {text[s[0]:s[1]]!r} @{s[0]} -> {spans[s].place.name} ({spans[s].place.id})")
            for s in sorted(set(tp) - set(near)):
                km = haversine_km(spans[s].place.lat, spans[s].place.lon, gold[s]["lat"], gold[s]["lon"])
                print(f"  {name}: far    {text[s[0]:s[1]]!r} @{s[0]} -> {spans[s].place.name} "
                      f"({spans[s].place.id}) {km:,.0f} km from {gold[s]['name']}")

    def prf(gold: int, found: int, tp: int) -> tuple[float, float, float]:
        p = tp / found if found else 0.0
        r = tp / gold if gold else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    print(f"{'article':24} {'gold':>5} {'found':>5} {'P':>6} {'R':>6} {'F1':>6} {'<161km':>7}")
    for name, g, f, tp, near in rows:
        p, r, f1 = prf(g, f, tp)
        print(f"{name:24} {g:5d} {f:5d} {p:6.3f} {r:6.3f} {f1:6.3f} {near / tp if tp else 0:7.3f}")
    p, r, f1 = prf(totals["gold"], totals["found"], totals["tp"])
    share = totals["near"] / totals["tp"] if totals["tp"] else 0.0
    print(f"{'ALL (micro)':24} {totals['gold']:5d} {totals['found']:5d} {p:6.3f} {r:6.3f} {f1:6.3f} {share:7.3f}")
    print(f"gazetteer load {load_s:.2f} s wall, {load_cpu:.2f} s CPU, imports included ({len(gaz):,} places)")
    print(f"parse {parse_s / chars * 5000 * 1000:.1f} ms "
          f"per 5,000 characters ({chars:,} characters in {len(rows)} texts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
