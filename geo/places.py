"""The places the article names, each located from the bundled data."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from shapely.ops import polylabel

from geo.borders import shared_border
from geo.data import load_countries, load_crimea, load_places, load_united_states, read_toml
from geo.errors import DataError, InputError

__all__ = ["KINDS", "Place", "article_places", "place"]

KINDS = ("city", "country", "region", "state", "border")


@dataclass(frozen=True)
class Place:
    """A named point the article speaks of, with how it was located.

    Parameters
    ----------
    id : str
        Stable identifier used by passages, for example ``"kyiv"``.
    name : str
        Display name.
    kind : str
        One of :data:`KINDS`.
    lon, lat : float
        WGS84 degrees.
    method : str
        How the point was derived from which data file.
    """

    id: str
    name: str
    kind: str
    lon: float
    lat: float
    method: str

    def __post_init__(self) -> None:
        if not self.id or not self.name:
            raise InputError("A place needs an id and a name.")
        if self.kind not in KINDS:
            raise InputError(f"Unknown place kind {self.kind!r}: use one of {', '.join(KINDS)}.")
        if not (math.isfinite(self.lon) and math.isfinite(self.lat)):
            raise InputError(f"Place {self.id!r} has a non-finite coordinate.")
        if not (-180 <= self.lon <= 180 and -90 <= self.lat <= 90):
            raise InputError(f"Place {self.id!r} lies outside longitude/latitude range.")

    @property
    def point(self) -> shapely.Point:
        """The place as a shapely point (lon, lat)."""
        return shapely.Point(self.lon, self.lat)


def _label_point(geom: shapely.Geometry) -> shapely.Point:
    # One vectorised area call: the contiguous United States has 5,300 parts.
    parts = shapely.get_parts(geom)
    largest = parts[int(np.argmax(shapely.area(parts)))]
    return polylabel(largest, tolerance=0.01)


@lru_cache(maxsize=1)
def _geonames() -> dict[int, tuple[str, float, float]]:
    """Name, longitude and latitude of every GeoNames place, by id."""
    places = load_places()
    xy = shapely.get_coordinates(places.geometries)
    return {p.key: (p["name"], float(x), float(y)) for p, (x, y) in zip(places, xy, strict=True)}


def _geonames_point(ids: list[int]) -> tuple[shapely.Point, str]:
    known = _geonames()
    missing = [i for i in ids if i not in known]
    if missing:
        raise DataError(f"GeoNames ids {missing} are not in places.gpkg: rebuild with `make data`.")
    rows = [known[i] for i in ids]
    x = sum(r[1] for r in rows) / len(rows)
    y = sum(r[2] for r in rows) / len(rows)
    names = " and ".join(r[0] for r in rows)
    how = "GeoNames place" if len(ids) == 1 else "midpoint of GeoNames places"
    return shapely.Point(x, y), f"{how} {names} (places.gpkg)"


def _locate(entry: dict, done: dict[str, Place]) -> tuple[shapely.Point, str]:
    kind = entry["kind"]
    if kind == "city":
        return _geonames_point([entry["geonameid"]])
    if kind == "country":
        geom = load_countries()[entry["iso2"]].geometry
        return _label_point(geom), f"pole of inaccessibility of {entry['iso2']} (countries.gpkg, DCW)"
    if kind == "state":
        geom = load_united_states()[entry["code"]].geometry
        return _label_point(geom), f"pole of inaccessibility of {entry['code']} (united_states.gpkg, DCW)"
    if kind == "region" and entry.get("layer") == "crimea":
        return _label_point(load_crimea().geometry), "pole of inaccessibility of Crimea (crimea.gpkg)"
    if kind == "region":
        return _geonames_point(list(entry["geonameids"]))
    if kind == "border":
        a, b = entry["countries"]
        line = shared_border(a, b)
        if "nearest_to" in entry:
            target = done[entry["nearest_to"]].point
            return shapely.ops.nearest_points(line, target)[0], f"point of the {a}–{b} border nearest {target.wkt}"
        return line.interpolate(0.5, normalized=True), f"midpoint of the {a}–{b} border (DCW)"
    raise DataError(f"places.toml: unknown kind {kind!r} for {entry.get('id')!r}.")


@lru_cache(maxsize=1)
def article_places() -> dict[str, Place]:
    """Return every place the article names, keyed by id, located from the data.

    Examples
    --------
    >>> article_places()["kyiv"].name
    'Kyiv'
    """
    entries = read_toml("places.toml").get("place", [])
    done: dict[str, Place] = {}
    for entry in entries:
        try:
            point, method = _locate(entry, done)
            done[entry["id"]] = Place(
                id=entry["id"],
                name=entry["name"],
                kind=entry["kind"],
                lon=round(point.x, 6),
                lat=round(point.y, 6),
                method=method,
            )
        except (KeyError, TypeError) as exc:
            raise DataError(f"places.toml: entry {entry.get('id', entry)!r} is incomplete ({exc}).") from exc
    return done


def place(place_id: str) -> Place:
    """Return one article place by id, or raise :class:`InputError` naming the known ids."""
    places = article_places()
    if place_id not in places:
        raise InputError(f"Unknown place {place_id!r}: use one of {', '.join(places)}.")
    return places[place_id]
