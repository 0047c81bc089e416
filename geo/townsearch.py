"""Type-ahead for the sidebar: GeoNames towns by the start of their name, with their country."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from geo.data import load_places
from geo.errors import InputError
from geo.world import Town

__all__ = ["search_towns", "town"]


def _world():
    """``geo.world`` where its data is built, else None (see :func:`geo.facts.world_data`)."""
    from geo.facts import world_data

    return world_data()


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text)
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold().strip()


@lru_cache(maxsize=1)
def _region_towns() -> tuple[tuple[str, Town], ...]:
    towns = (Town(int(p.key), str(p["name"]), float(p.geometry.x), float(p.geometry.y),
                           int(p["population"]), str(p["admin1"]), str(p["iso2"])) for p in load_places())
    return tuple(sorted(((_fold(t.name), t) for t in towns), key=lambda x: -x[1].population))


def search_towns(prefix: str, limit: int = 20) -> list:
    """Return towns whose name starts with ``prefix`` (accents and case ignored), largest first.

    From :func:`geo.world.search_towns` when the world data is built; until then from the
    region data's GeoNames places.

    Examples
    --------
    >>> [t.name for t in search_towns("lvi", 1)]
    ['Lviv']
    """
    world = _world()
    if world is not None:
        return list(world.search_towns(prefix, limit=limit))
    key = _fold(str(prefix)[:60])
    if not key:
        return []
    return [t for name, t in _region_towns() if name.startswith(key)][:max(0, int(limit))]


def town(geonameid: int):
    """Return one town by GeoNames id.

    Raises
    ------
    InputError
        When the gazetteer has no town of that id.
    """
    world = _world()
    if world is not None:
        return world.town(geonameid)
    for _, t in _region_towns():
        if t.geonameid == geonameid:
            return t
    raise InputError(f"GeoNames id {geonameid} is not a town in the gazetteer (towns of 15,000 or more).")
