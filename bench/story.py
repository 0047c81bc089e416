"""Story input and passages: time against text size, to show each step stays linear.

Run from the repository's top folder: ``.venv/bin/python bench/story.py [--repeat N]``.
For each hostile or ordinary text it times reading an upload (``geo.article_input``), splitting
sentences and proposing passages (``geo.passages``, one mention every 997 characters) at 50,000
and 200,000 characters, and prints the ratio of the two times: about 4 means linear, about 16
quadratic. Then the default story's file: load, save to TOML and JSON and read back.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo.article_input import article_from_file
from geo.errors import InputError
from geo.passages import Mention, propose_passages
from geo.story import load_story, load_story_file

TEXTS = {
    "one word": lambda n: "k" * n,
    "dots": lambda n: "." * n,
    "commas": lambda n: ", " * (n // 2),
    "U.S. U.S.": lambda n: "U.S. " * (n // 5),
    "RTL marks": lambda n: "\u200f" * n,
    "script tags": lambda n: ("<script>alert(1)</script> ${x} " * (n // 32 + 1))[:n],
    "article x N": None,
}


def best(fn, repeat: int) -> float:
    """The best of ``repeat`` wall times of ``fn()``, in milliseconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        try:
            fn()
        except InputError:
            pass  # a refusal is an answer too: its time counts
        times.append((time.perf_counter() - t0) * 1000)
    return min(times)


def steps(text: str, repeat: int) -> tuple[float, float, float]:
    data = text.encode("utf-8")
    mentions = [Mention(i, i + 1, f"p{i % 30}") for i in range(0, len(text) - 1, 997)]
    return (
        best(lambda: article_from_file(data, "a.txt"), repeat),
        best(lambda: article_from_file(b"<html><body><p>" + data + b"</p></body></html>", "a.html"), repeat),
        best(lambda: propose_passages(text, mentions), repeat),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    article = load_story().article.text
    TEXTS["article x N"] = lambda n: (article * (n // len(article) + 1))[:n]
    print(f"{'text':<14}{'step':<18}{'50k ms':>9}{'200k ms':>10}{'ratio':>7}")
    for name, make in TEXTS.items():
        small, large = steps(make(50_000), repeat), steps(make(200_000), repeat)
        for step, a, b in zip((".txt upload", ".html upload", "propose passages"), small, large):
            print(f"{name:<14}{step:<18}{a:>9.1f}{b:>10.1f}{b / max(a, 1e-3):>7.1f}")
    story = load_story()
    print()
    print(f"{'default story':<32}{'ms':>8}")
    for label, fn in [
        ("load (bundled, checksummed)", lambda: load_story.__wrapped__()),
        ("save TOML", story.dumps),
        ("save JSON", lambda: story.dumps("json")),
        ("read back TOML", lambda: load_story_file(story.dumps().encode())),
        ("read back JSON", lambda: load_story_file(story.dumps("json").encode())),
    ]:
        print(f"{label:<32}{best(fn, repeat):>8.2f}")


if __name__ == "__main__":
    main()
