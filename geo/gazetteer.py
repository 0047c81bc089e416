"""The geoparser's names table: countries, regions and towns with every name they go by."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from geo.data import DATA_DIR, read_text
from geo.errors import DataError

__all__ = ["FORMS", "KINDS", "Entry", "Gazetteer", "Place", "load_gazetteer", "normalise", "parse_gazetteer", "plain"]

#: The kinds of place the table holds.
KINDS = ("country", "continent", "region", "sea", "city")
#: How a name refers to its place: its own name, another name, an alias written exactly
#: ("U.S.", "UK"), or a demonym or adjective ("Belarusian", "Ukrainians").
FORMS = ("name", "other", "alias", "demonym")
_COLUMNS = 10


@dataclass(frozen=True)
class Place:
    """One place of the gazetteer.

    Parameters
    ----------
    id : str
        Unique key: ``iso:BY`` (a country), ``gn:703448`` (a GeoNames place), ``dcw:USVA`` (a
        first-level region from DCW), ``csc:NG-BO`` (a state, province or county of another
        country, by its ISO 3166-2 code, from the countries-states-cities database) or
        ``cur:crimea`` (a region the project curated).
    kind : str
        One of :data:`KINDS`.
    name : str
        Its English name.
    country : str
        ISO 3166-1 alpha-2 code of the country it lies in ("" for a continent, a sea).
    admin1 : str
        Its first-level administrative area (GeoNames or DCW code; ISO 3166-2 for a ``csc:``
        region), or "".
    lat, lon : float
        Its point, in degrees (WGS84).
    population : int
        People living there (for a region: in its GeoNames towns); chooses between namesakes.
    source : str
        Where it comes from, ``;``-separated: ``iso:BY;geonameid:630336``.
    """

    id: str
    kind: str
    name: str
    country: str
    admin1: str
    lat: float
    lon: float
    population: int
    source: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise DataError(f"gazetteer place {self.id}: unknown kind {self.kind!r}")
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise DataError(f"gazetteer place {self.id}: point {self.lat}, {self.lon} is out of range")
        if self.population < 0:
            raise DataError(f"gazetteer place {self.id}: negative population")

    @property
    def ids(self) -> dict[str, str]:
        """Its source ids by scheme: ``{"iso": "BY", "geonameid": "630336"}``."""
        out = {}
        for part in self.source.split(";"):
            scheme, _, value = part.partition(":")
            out[scheme] = value
        return out


@dataclass(frozen=True)
class Entry:
    """A name's reference to a place: the place's index in :attr:`Gazetteer.places` and the form."""

    index: int
    form: str


@dataclass(frozen=True, eq=False)
class Gazetteer:
    """The names table.

    Rows are kept as read and turned into :class:`Place` values when asked for, so that loading
    stays fast (the table has about 71,500 places and 117,000 names).

    Attributes
    ----------
    rows : tuple of str
        The table's lines (id, kind, name, country, admin1, lat, lon, population, source, names).
    names : Mapping[str, int or list of int]
        Every name exactly as written, to its entries packed as ``index * 4 + form code`` (one
        int for a name of one place, a list for several).
    folded : Mapping[str, int or list of int]
        Lower-cased names (no aliases) of the countries, regions and towns of 100,000 people or
        more: to read headlines in capitals.
    words : frozenset of str
        Lower-case English words: a town named like a word ("Of", "Mobile"), a person's name.
    given, surnames : frozenset of str
        Common given names and surnames ("Taylor", "Swift"): a town's name before a surname is a
        person's.
    """

    rows: tuple[str, ...]
    names: Mapping[str, int | list[int]]
    folded: Mapping[str, int | list[int]]
    words: frozenset[str] = field(default_factory=frozenset)
    given: frozenset[str] = field(default_factory=frozenset)
    surnames: frozenset[str] = field(default_factory=frozenset)
    _made: dict[int, Place] = field(default_factory=dict, repr=False)

    def place(self, index: int) -> Place:
        """The place of row ``index`` (built once, then shared)."""
        found = self._made.get(index)
        if found is None:
            pid, kind, name, country, admin1, lat, lon, pop, source = self.rows[index].split("\t", 9)[:9]
            try:
                found = Place(pid, kind, name, country, admin1, float(lat), float(lon), int(pop), source)
            except ValueError as exc:
                raise DataError(f"gazetteer place {pid}: {exc}") from None
            self._made[index] = found
        return found

    def lookup(self, name: str, *, any_case: bool = False) -> tuple[Entry, ...]:
        """The entries of ``name`` as written; with ``any_case``, of any capitalisation too.

        Examples
        --------
        >>> gaz = load_gazetteer()
        >>> [gaz.place(e.index).name for e in gaz.lookup("Kiev")]
        ['Kyiv']
        """
        key = normalise(name)
        found = self.names.get(key)
        if found is None and any_case:
            found = self.folded.get(key.lower())
        # "St. Petersburg", "St Louis": the abbreviation names what "Saint" names.
        if key.startswith(("St. ", "St ")) and not any_case:
            full = self.names.get("Saint " + key.partition(" ")[2])
            if full is not None:
                mine = [found] if type(found) is int else list(found or ())
                found = mine + [c for c in ([full] if type(full) is int else full) if c not in mine]
        if found is None:
            return ()
        if type(found) is int:
            found = (found,)
        return tuple(Entry(code >> 2, FORMS[code & 3]) for code in found)

    def find(self, place_id: str) -> Place | None:
        """The place whose id is ``place_id`` (``iso:BY``, ``gn:703448``), or None."""
        prefix = place_id + "\t"
        for index, row in enumerate(self.rows):
            if row.startswith(prefix):
                return self.place(index)
        return None

    def __len__(self) -> int:
        return len(self.rows)


def normalise(name: str) -> str:
    """A name as the table keys it: curly apostrophes straight, whitespace runs one space."""
    return " ".join(name.replace("\u2019", "'").split())


# Letters that Unicode does not decompose into a base letter and an accent.
_UNACCENT = str.maketrans({"Đ": "D", "đ": "d", "Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "ß": "ss", "Æ": "Ae",
                           "æ": "ae", "Œ": "Oe", "œ": "oe", "ı": "i", "Ħ": "H", "ħ": "h", "Þ": "Th", "þ": "th"})


def plain(name: str) -> str:
    """``name`` without accents, as English text often writes it: "Đồng Hới" -> "Dong Hoi".

    Examples
    --------
    >>> plain("São Paulo"), plain("Łódź")
    ('Sao Paulo', 'Lodz')
    """
    decomposed = unicodedata.normalize("NFKD", name.translate(_UNACCENT))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def parse_gazetteer(table: str, words: str = "", people: str = "") -> Gazetteer:
    """Build a :class:`Gazetteer` from the text of ``gazetteer.tsv``, ``gazetteer_words.txt`` and
    ``gazetteer_people.txt``.

    Parameters
    ----------
    table : str
        Tab-separated rows: id, kind, name, country, admin1, lat, lon, population, source ids,
        other names as ``form:name`` joined by ``|`` (``a:`` other name, ``x:`` alias, ``d:``
        demonym), every name already normalised (:func:`normalise`). Lines starting with ``#``
        are comments.
    words : str
        One lower-case English word a line.
    people : str
        One name a line: ``g``, a tab and a given name, or ``s``, a tab and a surname.

    Raises
    ------
    DataError
        When a row is malformed.
    """
    rows: list[str] = []
    names: dict[str, int | list[int]] = {}
    folded: dict[str, int | list[int]] = {}
    codes = {"a": 1, "x": 2, "d": 3}

    def put(into: dict, key: str, code: int) -> None:
        # Most names name one place: an int, not a list, keeps loading fast.
        found = into.get(key)
        if found is None:
            into[key] = code
        elif type(found) is int:
            into[key] = [found, code]
        else:
            found.append(code)

    for number, line in enumerate(table.splitlines(), 1):
        if not line or line[0] == "#":
            continue
        cells = line.split("\t")
        if len(cells) != _COLUMNS:
            raise DataError(f"gazetteer line {number}: {len(cells)} columns, expected {_COLUMNS}")
        if cells[1] not in KINDS:
            raise DataError(f"gazetteer line {number}: unknown kind {cells[1]!r}")
        index = len(rows)
        rows.append(line)
        base = index << 2
        put(names, cells[2], base)
        fold = cells[1] != "city" or len(cells[7]) > 5
        if fold:
            put(folded, cells[2].lower(), base)
        if cells[9]:
            for item in cells[9].split("|"):
                code = codes.get(item[:1])
                if code is None or item[1:2] != ":" or len(item) < 3:
                    raise DataError(f"gazetteer line {number}: bad name {item!r}")
                put(names, item[2:], base | code)
                if fold and code != 2:
                    put(folded, item[2:].lower(), base | code)
    word_set = frozenset(line for line in words.splitlines() if line and line[0] != "#")
    named: dict[str, set[str]] = {"g": set(), "s": set()}
    for number, line in enumerate(people.splitlines(), 1):
        if not line or line[0] == "#":
            continue
        kind, _, name = line.partition("\t")
        if kind not in named or not name:
            raise DataError(f"gazetteer people line {number}: expected 'g' or 's', a tab and a name")
        named[kind].add(name)
    return Gazetteer(tuple(rows), MappingProxyType(names), MappingProxyType(folded), word_set,
                     frozenset(named["g"]), frozenset(named["s"]))


@functools.lru_cache(maxsize=2)
def load_gazetteer(data_dir: Path = DATA_DIR) -> Gazetteer:
    """Load the bundled gazetteer (``data/gazetteer.tsv``), checked against its checksum.

    Loaded once a process; the result is shared and immutable.

    Raises
    ------
    DataError
        When a file is missing, corrupt or malformed.

    Examples
    --------
    >>> gaz = load_gazetteer()
    >>> gaz.place(gaz.lookup("Belarusian")[0].index).id
    'iso:BY'
    """
    return parse_gazetteer(read_text("gazetteer.tsv", data_dir), read_text("gazetteer_words.txt", data_dir),
                           read_text("gazetteer_people.txt", data_dir))
