"""The world at 1:1M: every country, the shared border of every pair of neighbours, towns, occupied territory.

Everything loads lazily, one country or one border at a time, from the packs in
``data/world/`` (format in :mod:`geo.worldpack`): the index ``data/world/index.json`` is
checked against ``data/checksums.sha256`` and each blob against the sha256 the index gives
it. ``import geo`` reads none of it.
"""

from __future__ import annotations

import json
import unicodedata
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import shapely

from geo.data import DATA_DIR, REBUILD_HINT, read_bytes
from geo.errors import DataError, InputError
from geo.worldpack import decode_geometry, sha256

__all__ = [
    "INDEX",
    "NOT_LAND_BORDERS",
    "TERRITORY_STATUSES",
    "CountryInfo",
    "Territory",
    "Town",
    "World",
    "border_pairs",
    "countries",
    "country",
    "country_geometry",
    "land",
    "land_border",
    "neighbours",
    "occupied",
    "search_towns",
    "shared_line",
    "town",
    "towns",
]

#: The index of the world data, relative to the data folder.
INDEX = "world/index.json"
_FORMAT = "article-atlas-world-1"


@dataclass(frozen=True)
class Town:
    """A GeoNames populated place of 15,000 people or more (cities15000).

    Parameters
    ----------
    geonameid : int
    name : str
    lon, lat : float
        WGS84 degrees.
    population : int
    admin1 : str
        GeoNames first-order administrative code ("" when none).
    iso2 : str
        ISO 3166-1 alpha-2 code of its country.
    """

    geonameid: int
    name: str
    lon: float
    lat: float
    population: int
    admin1: str
    iso2: str

    def __post_init__(self) -> None:
        if not (-180.0 <= self.lon <= 180.0 and -90.0 <= self.lat <= 90.0):
            raise DataError(f"Town {self.geonameid} lies outside the globe ({self.lon}, {self.lat}).")

    @property
    def label(self) -> str:
        """The name with its country, for a type-ahead list: ``"Kyiv (UA)"``."""
        return f"{self.name} ({self.iso2})"


@dataclass(frozen=True)
class CountryInfo:
    """A country of the world data, without its geometry.

    Parameters
    ----------
    iso2 : str
        ISO 3166-1 alpha-2 code (as DCW uses it; ``XK`` for Kosovo).
    name : str
        English name (Natural Earth; GeoNames where Natural Earth has none).
    capital : Town or None
        The capital as a GeoNames place (geonameid, name, lon, lat ...), when cities15000 has it.
    bounds : tuple of float
        (min lon, min lat, max lon, max lat).
    neighbours : tuple of str
        Codes of the countries it shares a land border with, in order.
    """

    iso2: str
    name: str
    capital: Town | None = field(compare=False)
    bounds: tuple[float, float, float, float] = field(compare=False, repr=False)
    neighbours: tuple[str, ...] = field(compare=False, repr=False)


#: What a territory's marking says: held by a state that is not its de jure country, or disputed
#: between states with none of their claims settled (the data draws it where the source does).
TERRITORY_STATUSES = ("occupied", "disputed")


@dataclass(frozen=True)
class Territory:
    """Territory occupied, controlled or disputed, drawn inside the country the data gives it.

    Parameters
    ----------
    name : str
    de_jure : str
        ISO code of the country it is drawn in: for occupied territory the country it belongs
        to in international law; for disputed territory the country DCW draws it in, which
        settles no claim.
    occupier : str
        ISO code of the state that occupies, controls or administers it.
    since : int
        Year that state's hold began.
    note : str
        What is drawn and how it was derived.
    source : str
        The registry data the line comes from.
    geometry : shapely.MultiPolygon
    status : str
        ``"occupied"`` (the default, as for every territory before disputed ones were stored)
        or ``"disputed"``.
    claimants : tuple of str
        ISO codes of the states claiming a disputed territory (empty for occupied territory).

    Examples
    --------
    >>> names = {"UA": "Ukraine", "RU": "Russia"}
    >>> Territory("Crimea", "UA", "RU", 2014, "", "", shapely.MultiPolygon()).describe(names)
    'Crimea: territory of Ukraine occupied by Russia since 2014'
    """

    name: str
    de_jure: str
    occupier: str
    since: int
    note: str
    source: str
    geometry: shapely.Geometry = field(compare=False, repr=False)
    status: str = "occupied"
    claimants: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.status not in TERRITORY_STATUSES:
            raise DataError(f"Territory {self.name!r} has status {self.status!r}; "
                            f"expected one of {', '.join(TERRITORY_STATUSES)}.")

    def describe(self, names: dict[str, str] | None = None) -> str:
        """Say in one line what the marking means, with country names from ``names`` (ISO code to name).

        Parameters
        ----------
        names : dict, optional
            Country names by ISO code; a code missing from it is shown as the code.

        Returns
        -------
        str
            ``"<name>: territory of A occupied by B since N"`` for occupied territory;
            ``"<name>: disputed, administered by B since N, claimed by C; drawn in A as DCW
            draws it"`` for disputed territory.
        """
        names = names or {}

        def named(code: str) -> str:
            return names.get(code, code)

        if self.status == "occupied":
            return (f"{self.name}: territory of {named(self.de_jure)} occupied by {named(self.occupier)} "
                    f"since {self.since}")
        claims = " and ".join(named(c) for c in self.claimants)
        claimed = f", claimed by {claims}" if claims else ""
        return (f"{self.name}: disputed, administered by {named(self.occupier)} since {self.since}{claimed}; "
                f"drawn in {named(self.de_jure)} as DCW draws it")


# Letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ı": "i",
                               "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ß": "ss", "þ": "th", "Þ": "th"})


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


#: Pairs whose DCW outlines touch where the countries share no land border, and why; the
#: build's rule (boundaries within 50 m) finds a line there, which is dropped.
NOT_LAND_BORDERS = {
    "RU-US": "Big Diomede (Russia) and Little Diomede (United States) lie about 4 km apart across "
             "water; DCW's outlines meet between them",
}


class World:
    """The world data in one data folder; the module's functions use the project's ``data/``.

    Parameters
    ----------
    data_dir : Path
        A folder holding ``checksums.sha256`` and ``world/``.
    """

    def __init__(self, data_dir: Path = DATA_DIR):
        self.data_dir = Path(data_dir)
        self._index: dict | None = None
        self._geometries = lru_cache(maxsize=64)(self._geometry)
        self._lines = lru_cache(maxsize=256)(self._line)

    # -- index and blobs -------------------------------------------------------------------
    @property
    def index(self) -> dict:
        """The verified index (parsed ``world/index.json``)."""
        if self._index is None:
            raw = read_bytes(INDEX, self.data_dir)
            try:
                index = json.loads(raw)
            except ValueError as exc:
                raise DataError(f"{self.data_dir / INDEX} is not valid JSON ({exc}): {REBUILD_HINT}.") from exc
            if not isinstance(index, dict) or index.get("format") != _FORMAT:
                raise DataError(f"{self.data_dir / INDEX} is not a {_FORMAT} index: {REBUILD_HINT}.")
            self._index = index
        return self._index

    def _blob(self, entry: list) -> bytes:
        pack, offset, length, digest = entry
        path = self.data_dir / "world" / pack
        try:
            with open(path, "rb") as f:
                f.seek(offset)
                raw = f.read(length)
        except FileNotFoundError:
            raise DataError(f"{path} is missing: {REBUILD_HINT}.") from None
        if len(raw) != length or sha256(raw) != digest:
            raise DataError(
                f"{path} is corrupt (bytes {offset}..{offset + length} do not match the sha256 in "
                f"{self.data_dir / INDEX}): {REBUILD_HINT}."
            )
        return raw

    def _decode(self, entry: list, what: str) -> shapely.Geometry:
        try:
            return decode_geometry(self._blob(entry), f"{self.data_dir / 'world' / entry[0]} ({what})")
        except DataError as exc:
            if REBUILD_HINT in str(exc):
                raise
            raise DataError(f"{exc}: {REBUILD_HINT}.") from exc

    # -- countries -------------------------------------------------------------------------
    @property
    def _countries(self) -> dict[str, CountryInfo]:
        cached = self.__dict__.get("_country_infos")
        if cached is None:
            cached = {}
            for row in self.index["countries"]:
                cap = row["capital"]
                cached[row["iso2"]] = CountryInfo(
                    row["iso2"], row["name"], None if cap is None else Town(*cap),
                    tuple(row["bounds"]),
                    tuple(n for n in row["neighbours"] if "-".join(sorted((row["iso2"], n))) not in NOT_LAND_BORDERS),
                )
            self.__dict__["_country_infos"] = cached
        return cached

    def countries(self) -> tuple[CountryInfo, ...]:
        """Every country, by ISO code."""
        return tuple(self._countries.values())

    def country(self, iso2: str) -> CountryInfo:
        """One country's index entry; :class:`InputError` for an unknown code."""
        code = str(iso2).strip().upper()[:8]
        if code not in self._countries:
            raise InputError(
                f"Unknown country code {str(iso2)[:8]!r}: give an ISO 3166-1 alpha-2 code, for example UA."
            )
        return self._countries[code]

    def _geometry(self, iso2: str) -> shapely.Geometry:
        return self._decode(self.index["geometries"][iso2], iso2)

    def country_geometry(self, iso2: str) -> shapely.Geometry:
        """A country at 1:1M, de jure (occupied territory included)."""
        return self._geometries(self.country(iso2).iso2)

    def neighbours(self, iso2: str) -> tuple[str, ...]:
        """Codes of the countries sharing a land border with ``iso2``."""
        return self.country(iso2).neighbours

    def border_pairs(self) -> tuple[tuple[str, str], ...]:
        """Every pair ``(a, b)``, ``a < b``, that shares a land border, in order."""
        return tuple(tuple(key.split("-")) for key in self.index["borders"] if key not in NOT_LAND_BORDERS)

    def _line(self, key: str) -> shapely.Geometry:
        geom = self._decode(self.index["borders"][key], key)
        parts = shapely.get_parts(geom)
        return parts[0] if len(parts) == 1 else geom

    def shared_line(self, a: str, b: str) -> shapely.Geometry:
        """The land border ``a`` and ``b`` share, as stored by the build."""
        x, y = sorted((self.country(a).iso2, self.country(b).iso2))
        key = f"{x}-{y}"
        if key in NOT_LAND_BORDERS:
            raise InputError(f"{x} and {y} share no land border ({NOT_LAND_BORDERS[key]}).")
        if key not in self.index["borders"]:
            raise InputError(f"{x} and {y} share no land border.")
        return self._lines(key)

    def land_border(self, iso2: str) -> shapely.Geometry:
        """All of a country's land borders, as one MultiLineString (empty for an island state)."""
        info = self.country(iso2)
        lines = [self.shared_line(info.iso2, other) for other in info.neighbours]
        parts = [p for line in lines for p in shapely.get_parts(line)]
        return shapely.MultiLineString(parts)

    def land(self, bounds: tuple[float, float, float, float]) -> shapely.Geometry:
        """The union of the countries within ``bounds`` (min lon, min lat, max lon, max lat)."""
        return self._land(tuple(round(float(v), 6) for v in bounds))

    @lru_cache(maxsize=8)  # noqa: B019 - a World lives as long as the process
    def _land(self, bounds: tuple[float, float, float, float]) -> shapely.Geometry:
        x0, y0, x1, y1 = bounds
        if not (x0 < x1 and y0 < y1):
            raise InputError(f"Bounds {bounds} are empty: give (min lon, min lat, max lon, max lat).")
        window = shapely.box(*bounds)
        parts = [
            shapely.clip_by_rect(self.country_geometry(c.iso2), *bounds)
            for c in self._countries.values()
            if shapely.box(*c.bounds).intersects(window)
        ]
        return shapely.union_all(parts) if parts else shapely.MultiPolygon()

    # -- towns -----------------------------------------------------------------------------
    @property
    def _towns(self) -> dict[int, Town]:
        cached = self.__dict__.get("_town_index")
        if cached is None:
            raw = self._blob(self.index["towns"])
            try:
                rows = json.loads(zlib.decompress(raw))
                cached = {row[0]: Town(*row) for row in rows}
            except (zlib.error, ValueError, TypeError) as exc:
                raise DataError(f"{self.data_dir / 'world'} towns are unreadable ({exc}): {REBUILD_HINT}.") from exc
            self.__dict__["_town_index"] = cached
        return cached

    def towns(self, iso2: str) -> tuple[Town, ...]:
        """A country's GeoNames towns (cities15000), most populous first."""
        code = self.country(iso2).iso2
        found = [t for t in self._towns.values() if t.iso2 == code]
        return tuple(sorted(found, key=lambda t: (-t.population, t.geonameid)))

    def town(self, geonameid: int) -> Town:
        """A town by GeoNames id; :class:`InputError` when cities15000 has no such id."""
        try:
            return self._towns[int(geonameid)]
        except (KeyError, ValueError, TypeError):
            raise InputError(f"No GeoNames place {str(geonameid)[:20]!r} among towns of 15,000 or more.") from None

    def search_towns(self, prefix: str, limit: int = 20) -> list[Town]:
        """Towns whose name starts with ``prefix`` (ignoring case and accents), most populous first."""
        key = _fold(str(prefix).strip())[:100]
        if not key:
            return []
        folded = self.__dict__.get("_folded")
        if folded is None:
            folded = [(_fold(t.name), t) for t in self._towns.values()]
            folded.sort(key=lambda ft: (-ft[1].population, ft[1].geonameid))
            self.__dict__["_folded"] = folded
        out = []
        for name, t in folded:
            if name.startswith(key):
                out.append(t)
                if len(out) >= limit:
                    break
        return out

    # -- occupied territory ----------------------------------------------------------------
    def occupied(self) -> tuple[Territory, ...]:
        """Occupied or disputed territory the sources have, each drawn inside its de jure country."""
        cached = self.__dict__.get("_occupied")
        if cached is None:
            cached = tuple(
                Territory(row["name"], row["de_jure"], row["occupier"], row["since"], row["note"],
                          row["source"], self._decode(row["geometry"], row["name"]),
                          row.get("status", "occupied"), tuple(row.get("claimants", ())))
                for row in self.index["occupied"]
            )
            self.__dict__["_occupied"] = cached
        return cached


@lru_cache(maxsize=1)
def _world() -> World:
    return World()


def countries() -> tuple[CountryInfo, ...]:
    """Return every country of the world data (light: no geometry).

    Returns
    -------
    tuple of CountryInfo
        In ISO code order.

    Examples
    --------
    >>> next(c for c in countries() if c.iso2 == "UA").name
    'Ukraine'
    """
    return _world().countries()


def country(iso2: str) -> CountryInfo:
    """Return one country's :class:`CountryInfo`.

    Raises
    ------
    InputError
        When ``iso2`` is not a country of the data.
    """
    return _world().country(iso2)


def country_geometry(iso2: str) -> shapely.Geometry:
    """Return a country at 1:1M (DCW), de jure: Crimea is in Ukraine.

    Parameters
    ----------
    iso2 : str
        ISO 3166-1 alpha-2 code, any case.

    Returns
    -------
    shapely.MultiPolygon
        WGS84 longitude/latitude in -180..180 (countries across the antimeridian are cut there).

    Raises
    ------
    InputError
        For an unknown code.
    DataError
        When the data are missing or corrupt.

    Examples
    --------
    >>> country_geometry("UA").contains(shapely.Point(34.1, 44.95))  # Crimea
    True
    """
    return _world().country_geometry(iso2)


def neighbours(iso2: str) -> tuple[str, ...]:
    """Return the codes of the countries sharing a land border with ``iso2``.

    Examples
    --------
    >>> neighbours("BY")
    ('LT', 'LV', 'PL', 'RU', 'UA')
    """
    return _world().neighbours(iso2)


def border_pairs() -> tuple[tuple[str, str], ...]:
    """Return every pair of countries sharing a land border, ``(a, b)`` with ``a < b``.

    Examples
    --------
    >>> ("BY", "UA") in border_pairs()
    True
    """
    return _world().border_pairs()


def shared_line(a: str, b: str) -> shapely.Geometry:
    """Return the land border two countries share, precomputed by the build.

    The part of one country's boundary within 50 m of the other's (the rule of
    :func:`geo.borders.shared_border`) after the build snapped neighbours into one coverage.

    Parameters
    ----------
    a, b : str
        ISO codes, either order.

    Returns
    -------
    shapely.LineString or shapely.MultiLineString
        WGS84 longitude/latitude.

    Raises
    ------
    InputError
        When either code is unknown or the two share no land border.

    Examples
    --------
    >>> shared_line("UA", "BY").geom_type
    'LineString'
    """
    return _world().shared_line(a, b)


def land_border(iso2: str) -> shapely.Geometry:
    """Return all of a country's land borders as one MultiLineString.

    Examples
    --------
    >>> len(land_border("LS").geoms)
    1
    """
    return _world().land_border(iso2)


def land(bounds: tuple[float, float, float, float]) -> shapely.Geometry:
    """Return the land (the union of the countries) within ``bounds``.

    Parameters
    ----------
    bounds : tuple of float
        (min lon, min lat, max lon, max lat) in degrees.

    Returns
    -------
    shapely.Geometry
        Polygons, clipped to ``bounds``.
    """
    return _world().land(bounds)


def towns(iso2: str) -> tuple[Town, ...]:
    """Return a country's GeoNames towns of 15,000 people or more, most populous first.

    Examples
    --------
    >>> towns("UA")[0].name
    'Kyiv'
    """
    return _world().towns(iso2)


def town(geonameid: int) -> Town:
    """Return a GeoNames town by id.

    Examples
    --------
    >>> town(703448).name
    'Kyiv'
    """
    return _world().town(geonameid)


def search_towns(prefix: str, limit: int = 20) -> list[Town]:
    """Return up to ``limit`` towns whose name starts with ``prefix``, most populous first.

    Case and accents are ignored: ``"lodz"`` finds Łódź, ``"kyi"`` finds Kyiv.

    Examples
    --------
    >>> search_towns("kyi", limit=1)[0].name
    'Kyiv'
    """
    return _world().search_towns(prefix, limit)


def occupied() -> tuple[Territory, ...]:
    """Return the occupied territories the sources have, each drawn inside its de jure country.

    Examples
    --------
    >>> next(t for t in occupied() if t.name == "Crimea").occupier
    'RU'
    """
    return _world().occupied()
