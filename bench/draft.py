"""Drafting a story from hostile text: geoparse, findings and passages, 50,000 against 200,000 characters.

Run from the repository's top folder: ``.venv/bin/python bench/draft.py [--repeat N]``.
For each text it times :func:`geo.geoparse.find_places` and the whole
:func:`geo.authoring.draft_story` (what "Find its places" runs) at both sizes and prints the
ratio of the two times: about 4 means linear, about 16 quadratic. The gazetteer is loaded first.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo.article_input import article_from_text
from geo.authoring import draft_story
from geo.gazetteer import load_gazetteer
from geo.geoparse import find_places

TEXTS = {
    "one word": lambda n: "A" * n,
    "one place word": lambda n: ("Kyiv" * n)[:n],
    "A A A": lambda n: ("A " * n)[:n],
    "A-A-A": lambda n: ("A-" * n)[:n],
    "Kyiv. Kyiv.": lambda n: ("Kyiv. " * n)[:n],
    "Ukraine Ukraine": lambda n: ("Ukraine " * n)[:n],
    "RTL + place": lambda n: ("\u202eKyiv" * n)[:n],
    "script tags": lambda n: ("Kyiv <script>window.__pwned=1</script> ${alert(1)} " * (n // 40 + 1))[:n],
}


def best(fn, text: str, repeat: int) -> float:
    """The best of ``repeat`` wall times of ``fn(text)``, in milliseconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(text)
        times.append((time.perf_counter() - t0) * 1000)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    gaz = load_gazetteer()
    print(f"{'text':<17}{'step':<14}{'50k ms':>9}{'200k ms':>10}{'ratio':>7}")
    for name, make in TEXTS.items():
        small, large = make(50_000), make(200_000)
        for step, fn in (("find places", lambda t: find_places(t, gaz)),
                         ("draft story", lambda t: draft_story(article_from_text(t), gaz))):
            a, b = best(fn, small, repeat), best(fn, large, repeat)
            print(f"{name:<17}{step:<14}{a:>9.1f}{b:>10.1f}{b / max(a, 1e-3):>7.1f}", flush=True)


if __name__ == "__main__":
    main()
