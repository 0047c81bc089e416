"""The places a story names, each located from the bundled data as the story file says."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import shapely
from shapely.ops import polylabel

from geo.borders import shared_border
from geo.data import load_countries, load_crimea, load_places, load_united_states
from geo.errors import DataError, InputError
from geo.geodesy import aeqd_transformers, reproject
from geo.story import KINDS, Story, StoryPlace, load_story

__all__ = ["KINDS", "SHAPES", "Place", "article_places", "locate", "place", "story_places"]

#: What a place's geometry is: a point, a line (a border) or an area (a country, a region).
SHAPES = ("point", "line", "area")
# A stored point is rounded to 1e-6 degrees, so it may sit that far off its line.
_ON_SHAPE_DEG = 1e-5


@dataclass(frozen=True)
class Place:
    """A place the article speaks of: its point, its shape and how both were located.

    Parameters
    ----------
    id : str
        Stable identifier used by passages, for example ``"kyiv"``.
    name : str
        Display name.
    kind : str
        One of :data:`KINDS`: what sort of place it is.
    lon, lat : float
        WGS84 degrees of the place's point: the city itself, or a representative point on
        or inside its geometry, where a marker, label or passage badge goes.
    method : str
        How the point and the geometry were derived from which data file.
    geometry : shapely.Geometry, optional
        What the place is on the map, in longitude/latitude: a Point (by default, the
        point itself), a LineString or MultiLineString (a border), or a Polygon or
        MultiPolygon (a country, a region). The point lies on or inside it.
    iso2 : str, optional
        The ISO 3166-1 alpha-2 code of the country the place is, or lies in, as
        the story file declares it (``"RU"`` for Russia, ``"UA"`` for eastern Ukraine); a
        key that does not hang on the spelling of a name.
    confirmed : bool, optional
        True when a person confirmed the place; a found but unconfirmed place is no fact yet.

    Examples
    --------
    >>> Place("x", "X", "city", 30.5, 50.45, "typed in a doctest").shape
    'point'
    """

    id: str
    name: str
    kind: str
    lon: float
    lat: float
    method: str
    geometry: shapely.Geometry | None = field(default=None, compare=False, repr=False)
    iso2: str | None = None
    confirmed: bool = False

    def __post_init__(self) -> None:
        if not self.id or not self.name:
            raise InputError("A place needs an id and a name.")
        if self.kind not in KINDS:
            raise InputError(f"Unknown place kind {self.kind!r}: use one of {', '.join(KINDS)}.")
        if not (math.isfinite(self.lon) and math.isfinite(self.lat)):
            raise InputError(f"Place {self.id!r} has a non-finite coordinate.")
        if not (-180 <= self.lon <= 180 and -90 <= self.lat <= 90):
            raise InputError(f"Place {self.id!r} lies outside longitude/latitude range.")
        if self.iso2 is not None and not (len(self.iso2) == 2 and self.iso2.isascii() and self.iso2.isupper()):
            raise InputError(f"Place {self.id!r}: iso2 must be two capital letters, got {self.iso2!r}.")
        if self.geometry is None:
            object.__setattr__(self, "geometry", shapely.Point(self.lon, self.lat))
        if not isinstance(self.geometry, shapely.Geometry) or self.geometry.is_empty:
            raise InputError(f"Place {self.id!r} needs a non-empty shapely geometry.")
        if self.geometry.geom_type not in ("Point", "LineString", "MultiLineString", "Polygon", "MultiPolygon"):
            raise InputError(f"Place {self.id!r}: a {self.geometry.geom_type} is not a point, line or area.")
        if self.geometry.distance(self.point) > _ON_SHAPE_DEG:
            raise InputError(f"Place {self.id!r}: its point ({self.lon}, {self.lat}) is not on its geometry.")

    @property
    def point(self) -> shapely.Point:
        """The place's point as a shapely point (lon, lat)."""
        return shapely.Point(self.lon, self.lat)

    @property
    def shape(self) -> str:
        """``"point"``, ``"line"`` or ``"area"``, from the geometry's dimension."""
        return SHAPES[shapely.get_dimensions(self.geometry)]


def _largest(geom: shapely.Geometry) -> shapely.Polygon:
    # One vectorised area call: the contiguous United States has 5,300 parts.
    parts = shapely.get_parts(geom)
    return parts[int(np.argmax(shapely.area(parts)))]


def _label_point(geom: shapely.Geometry) -> shapely.Point:
    return polylabel(_largest(geom), tolerance=0.01)


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


def _near(line: shapely.Geometry, km: float) -> shapely.Geometry:
    """The land within about ``km`` of a line (a buffer in an azimuthal equidistant projection
    centred on the line, drawn from the line simplified to 0.01°)."""
    centre = line.centroid
    to_m, to_deg = aeqd_transformers(centre.x, centre.y)
    return reproject(reproject(shapely.simplify(line, 0.01), to_m).buffer(km * 1000.0, quad_segs=8), to_deg)


def _country(entry: dict) -> tuple[shapely.Point, str, shapely.Geometry]:
    iso2 = entry["iso2"]
    geom = load_countries()[iso2].geometry
    if "near_border" not in entry:
        return _label_point(geom), f"pole of inaccessibility of {iso2}'s largest polygon (countries.gpkg, DCW)", geom
    a, b = entry["near_border"]
    km = float(entry["near_km"])
    near = _near(shared_border(a, b), km)
    part = shapely.make_valid(shapely.clip_by_rect(geom, *near.bounds).intersection(near))
    part = shapely.MultiPolygon([p for p in shapely.get_parts(part) if p.geom_type == "Polygon"])
    if part.is_empty:
        raise DataError(f"story file: {iso2} has no land within {km:g} km of the {a}–{b} border.")
    where = f"{iso2}'s part within {km:g} km of the {a}–{b} border, the part of {iso2} the map is about"
    return _label_point(part), f"pole of inaccessibility of {where} (countries.gpkg, DCW)", part


def _admin_areas(entry: dict) -> tuple[shapely.Point, str, shapely.Geometry]:
    iso2, codes = entry["iso2"], [str(c) for c in entry["admin1"]]
    towns = [p for p in load_places() if p["iso2"] == iso2 and p["admin1"] in codes]
    if len(towns) < 3:
        raise DataError(f"story file: fewer than three GeoNames places in {iso2} admin1 {codes}.")
    hull = shapely.MultiPoint([t.geometry for t in towns]).convex_hull
    area = shapely.make_valid(hull.intersection(load_countries()[iso2].geometry))
    area = _largest(area)
    how = (f"area spanned by the {len(towns)} GeoNames places of {iso2} admin1 areas {' and '.join(codes)} "
           f"(convex hull, within {iso2}); badge at its pole of inaccessibility (places.gpkg, countries.gpkg)")
    return polylabel(area, tolerance=0.01), how, area


def _shared_edges(a: shapely.Geometry, b: shapely.Geometry) -> list[shapely.LineString]:
    """The lines two countries' outlines share, on a 1e-5° grid (about 1 m).

    The build snapped the countries into one coverage, so neighbours' outlines coincide;
    both are clipped first to where their boxes overlap, which keeps Russia quick. Within
    0.05 % of :func:`geo.borders.shared_border`'s length for NATO's eastern neighbours.
    """
    overlap = a.envelope.intersection(b.envelope)
    if overlap.is_empty:
        return []
    box = overlap.buffer(0.01, join_style="mitre").bounds
    common = shapely.intersection(shapely.clip_by_rect(a, *box).boundary, shapely.clip_by_rect(b, *box).boundary,
                                  grid_size=1e-5)
    lines = [p for p in shapely.get_parts(common) if p.geom_type == "LineString"]
    if not lines:
        return []
    return list(shapely.get_parts(shapely.line_merge(shapely.MultiLineString(lines))))


def _nato_flank(entry: dict, done: dict[str, Place]) -> tuple[shapely.Point, str, shapely.Geometry]:
    by_year, others = int(entry["nato_members_by"]), list(entry["with"])
    countries = load_countries()
    members = sorted(
        str(c.key) for c in countries
        if c["nato_since"] is not None and not math.isnan(float(c["nato_since"]))
        and int(c["nato_since"]) <= by_year
    )
    lines, pairs = [], []
    for member in members:
        for other in others:
            edges = _shared_edges(countries[member].geometry, countries[other].geometry)
            if edges:
                lines.extend(edges)
                pairs.append(f"{member}–{other}")
    if not lines:
        raise DataError("story file: NATO members share no border with " + ", ".join(others) + ".")
    flank = shapely.MultiLineString(lines)
    target = done[entry["nearest_to"]].point
    point = shapely.ops.nearest_points(flank, target)[0]
    how = (f"land borders of the NATO members of {by_year} with {', '.join(others)} ({', '.join(pairs)}; "
           f"countries.gpkg, DCW; members from countries.toml); badge at its point nearest the point of "
           f"{done[entry['nearest_to']].name}")
    return point, how, flank


def _recorded(entry: dict, why: str) -> tuple[shapely.Point, str, None]:
    """The coordinates a story recorded for a place the bundled data does not hold."""
    try:
        lon, lat = float(entry["lon"]), float(entry["lat"])
    except (KeyError, TypeError, ValueError):
        raise DataError(f"{why}, and the story records no lon and lat for it.") from None
    return shapely.Point(lon, lat), f"coordinates recorded in the story ({why})", None


def _locate(entry: dict, done: dict[str, Place]) -> tuple[shapely.Point, str, shapely.Geometry | None]:
    kind = entry["kind"]
    if "geonameid" in entry and (kind == "city" or "geonameids" not in entry):
        if int(entry["geonameid"]) not in _geonames() and "lon" in entry:
            return _recorded(entry, f"GeoNames place {entry['geonameid']} is not in places.gpkg")
        return (*_geonames_point([int(entry["geonameid"])]), None)
    if kind == "country":
        if entry["iso2"] not in load_countries():
            return _recorded(entry, f"country {entry['iso2']} is not in countries.gpkg")
        return _country(entry)
    if kind == "state":
        # A point: the passages speak of the state as an actor or a spot in it, not its extent.
        geom = load_united_states()[entry["code"]].geometry
        return _label_point(geom), f"pole of inaccessibility of {entry['code']} (united_states.gpkg, DCW)", None
    if kind == "region" and entry.get("layer") == "crimea":
        geom = load_crimea().geometry
        return _label_point(geom), "pole of inaccessibility of Crimea (crimea.gpkg)", geom
    if kind == "region" and "admin1" in entry:
        return _admin_areas(entry)
    if kind == "region" and "geonameids" in entry:
        return (*_geonames_point(list(entry["geonameids"])), None)
    if kind == "border" and "nato_members_by" in entry:
        return _nato_flank(entry, done)
    if kind == "border" and "countries" in entry:
        a, b = entry["countries"]
        line = shared_border(a, b)
        if "nearest_to" in entry:
            target = done[entry["nearest_to"]].point
            point = shapely.ops.nearest_points(line, target)[0]
            return point, f"point of the {a}–{b} border nearest {target.wkt}", None
        return line.interpolate(0.5, normalized=True), f"midpoint of the {a}–{b} border (DCW)", None
    if "lon" in entry and "lat" in entry:
        return _recorded(entry, "no rule of the bundled data locates it")
    raise DataError(f"Place {entry.get('id')!r}: no rule locates a {kind!r} from {sorted(entry)}.")


def locate(spec: StoryPlace, done: Mapping[str, Place] | None = None) -> Place:
    """Locate one place of a story from the bundled data, as its rule says.

    Parameters
    ----------
    spec : StoryPlace
        The place and its locating rule.
    done : mapping of str to Place, optional
        Places already located, for rules that refer to another place (``nearest_to``).

    Returns
    -------
    Place

    Raises
    ------
    DataError
        When the rule is incomplete or names something the bundled data does not hold.

    Examples
    --------
    >>> from geo.story import StoryPlace
    >>> locate(StoryPlace("kyiv", "Kyiv", "city", (("geonameid", 703448),))).method
    'GeoNames place Kyiv (places.gpkg)'
    """
    entry = {"id": spec.id, "kind": spec.kind, **spec.located_by}
    try:
        point, method, geometry = _locate(entry, dict(done or {}))
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(f"Place {spec.id!r}: its locating rule is incomplete ({exc}).") from exc
    iso2 = entry.get("iso2")
    return Place(
        id=spec.id,
        name=spec.name,
        kind=spec.kind,
        lon=round(point.x, 6),
        lat=round(point.y, 6),
        method=method,
        geometry=geometry,
        iso2=iso2 if isinstance(iso2, str) else None,
        confirmed=spec.confirmed,
    )


@lru_cache(maxsize=8)
def story_places(story: Story) -> dict[str, Place]:
    """Return every place of ``story``, keyed by id, located from the bundled data in file order.

    Examples
    --------
    >>> from geo.story import load_story
    >>> story_places(load_story())["minsk"].confirmed
    True
    """
    done: dict[str, Place] = {}
    for spec in story.places:
        done[spec.id] = locate(spec, done)
    return done


@lru_cache(maxsize=1)
def article_places() -> dict[str, Place]:
    """Return every place of the bundled default story, keyed by id, located from the data.

    Examples
    --------
    >>> article_places()["kyiv"].name
    'Kyiv'
    >>> article_places()["nato-eastern-flank"].shape
    'line'
    """
    # Cached apart from story_places: hashing a story on every call would cost the map's loops.
    return story_places(load_story())


def place(place_id: str) -> Place:
    """Return one article place by id, or raise :class:`InputError` naming the known ids."""
    places = article_places()
    if place_id not in places:
        raise InputError(f"Unknown place {place_id!r}: use one of {', '.join(places)}.")
    return places[place_id]
