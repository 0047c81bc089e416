"""Type-ahead over the gazetteer (the review list's "Correct to…"): names by prefix, most populous first."""

import pytest

from geo.authoring import search_places


@pytest.mark.parametrize(("prefix", "first"), [
    ("kyi", "Kyiv"),
    ("Krak", "Kraków"),
    ("krakow", "Kraków"),
    ("LVIV", "Lviv"),
    ("Gdansk", "Gdańsk"),
])
def test_a_prefix_finds_the_place(prefix, first):
    found = search_places(prefix, 5)
    assert found, f"nothing starts with {prefix!r}"
    assert found[0].name == first


def test_most_populous_first_and_limited():
    found = search_places("Brest", 10)
    assert 1 < len(found) <= 10
    assert all(p.name.lower().startswith("brest") for p in found)
    populations = [p.population for p in found]
    assert populations == sorted(populations, reverse=True)


@pytest.mark.parametrize("prefix", ["", "   ", "zzzzqqq", "<script>", "x" * 5_000])
def test_nothing_matches_or_empty(prefix):
    assert search_places(prefix, 5) == []
