"""Load the bundled data in ``data/``, verifying every file against its checksum."""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import numpy as np
import shapely

from geo.errors import DataError
from geo.geopackage import read_geopackage

__all__ = [
    "DATA_DIR",
    "REBUILD_HINT",
    "Feature",
    "Layer",
    "load_comparison",
    "load_countries",
    "load_crimea",
    "load_land",
    "load_places",
    "load_united_states",
    "read_bytes",
    "read_layer",
    "read_text",
    "read_toml",
]

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
REBUILD_HINT = "restore it with `git checkout -- data/` or rebuild it with `make data`"


@lru_cache(maxsize=4)
def _checksums(data_dir: Path) -> dict[str, str]:
    path = data_dir / "checksums.sha256"
    if not path.is_file():
        raise DataError(f"{path} is missing: {REBUILD_HINT}.")
    sums = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        if digest and name:
            sums[name.strip()] = digest.strip()
    return sums


def read_bytes(name: str, data_dir: Path = DATA_DIR) -> bytes:
    """Return the bytes of a bundled data file after checking that they are intact.

    The bytes returned are the very bytes whose checksum was verified: callers parse
    them and never read the file again.

    Parameters
    ----------
    name : str
        File name inside the data folder, for example ``"countries.gpkg"``.
    data_dir : Path, optional
        The data folder; the project's ``data/`` by default.

    Returns
    -------
    bytes
        The verified contents.

    Raises
    ------
    DataError
        When the file is missing, not listed in ``checksums.sha256``, or its sha256
        does not match.

    Examples
    --------
    >>> read_bytes("article.txt")[:10]
    b'Belarusian'
    """
    sums = _checksums(data_dir)
    path = data_dir / name
    if name not in sums:
        raise DataError(f"{name} is not listed in {data_dir / 'checksums.sha256'}: {REBUILD_HINT}.")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path} is missing: {REBUILD_HINT}.") from None
    digest = hashlib.sha256(raw).hexdigest()
    if digest != sums[name]:
        raise DataError(
            f"{path} is corrupt (sha256 {digest[:12]}… does not match the recorded "
            f"{sums[name][:12]}…): {REBUILD_HINT}."
        )
    return raw


def read_text(name: str, data_dir: Path = DATA_DIR) -> str:
    """Return a verified text file from the data folder, decoded as UTF-8."""
    return read_bytes(name, data_dir).decode("utf-8")


def read_toml(name: str, data_dir: Path = DATA_DIR) -> dict:
    """Return a verified TOML file from the data folder as a dictionary."""
    try:
        return tomllib.loads(read_text(name, data_dir))
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{data_dir / name} is not valid TOML ({exc}): {REBUILD_HINT}.") from exc


@dataclass(frozen=True)
class Feature:
    """One feature of a bundled layer: its key, its attributes and its geometry.

    Parameters
    ----------
    key : str, int or None
        The value of the layer's key attribute (an ISO code, a GeoNames id), or None.
    properties : Mapping
        Attribute values by name, read-only; ``feature["name"]`` reads one.
    geometry : shapely.Geometry
        WGS84 longitude/latitude.
    """

    key: str | int | None
    properties: Mapping[str, object] = field(repr=False)
    geometry: shapely.Geometry = field(repr=False)

    def __getitem__(self, name: str) -> object:
        return self.properties[name]


@dataclass(frozen=True)
class Layer:
    """A bundled vector layer: its features in file order, looked up by key with ``layer[key]``.

    Parameters
    ----------
    name : str
        The data file it was read from.
    features : tuple of Feature
    """

    name: str
    features: tuple[Feature, ...] = field(repr=False)
    _index: dict[str | int, Feature] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {f.key: f for f in self.features if f.key is not None})

    def __getitem__(self, key: str | int) -> Feature:
        try:
            return self._index[key]
        except KeyError:
            raise KeyError(f"{self.name} has no feature {key!r}") from None

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __iter__(self) -> Iterator[Feature]:
        return iter(self.features)

    def __len__(self) -> int:
        return len(self.features)

    def keys(self) -> list[str | int]:
        """The features' keys, in file order."""
        return list(self._index)

    def values(self, name: str) -> list:
        """One attribute of every feature, in file order."""
        return [f.properties[name] for f in self.features]

    @property
    def geometries(self) -> np.ndarray:
        """Every feature's geometry, in file order, as an array for shapely's vectorised functions."""
        return np.array([f.geometry for f in self.features], dtype=object)


def read_layer(name: str, data_dir: Path = DATA_DIR, key: str | None = None) -> Layer:
    """Return a verified GeoPackage from the data folder as a :class:`Layer`.

    Parameters
    ----------
    name : str
        File name inside the data folder, for example ``"places.gpkg"``.
    data_dir : Path, optional
        The data folder; the project's ``data/`` by default.
    key : str, optional
        The attribute that keys the features for ``layer[key]`` lookups.

    Raises
    ------
    DataError
        When the file is missing, corrupt, not a GeoPackage, or has no ``key`` attribute.
    """
    # Decode the very bytes whose checksum was verified (SQLite opens them in memory).
    # No validity check here: the checksum pins the bytes to the build, which made every
    # geometry valid (scripts/build_data.py) and whose validity the tests check; GEOS took
    # a quarter of a second per start-up to re-check the United States' 5,300 parts.
    raw = read_bytes(name, data_dir)
    try:
        _, rows, geoms = read_geopackage(raw, str(data_dir / name))
    except DataError as exc:
        raise DataError(f"{exc}: {REBUILD_HINT}.") from exc
    if key is not None and rows and key not in rows[0]:
        raise DataError(f"{data_dir / name} has no {key!r} attribute: {REBUILD_HINT}.")
    features = tuple(
        Feature(None if key is None else row[key], MappingProxyType(row), geom)
        for row, geom in zip(rows, geoms, strict=True)
    )
    return Layer(name, features)


@lru_cache(maxsize=2)
def load_countries(data_dir: Path = DATA_DIR) -> Layer:
    """Return the region's countries, keyed by ISO 3166-1 alpha-2 code.

    Attributes: ``iso2``, ``name``, ``nato_since`` (year or None), ``focus`` (drawn at full
    1:1M detail) and ``detail``; geometry in WGS84 longitude/latitude. Ukraine's polygon
    includes Crimea; see :func:`load_crimea` for the occupied territory.

    Examples
    --------
    >>> load_countries()["PL"]["nato_since"]
    1999
    """
    layer = read_layer("countries.gpkg", data_dir, key="iso2")
    for iso in ("BY", "UA", "RU", "PL"):
        if iso not in layer:
            raise DataError(f"{data_dir / 'countries.gpkg'} has no {iso}: {REBUILD_HINT}.")
    return layer


@lru_cache(maxsize=2)
def load_crimea(data_dir: Path = DATA_DIR) -> Feature:
    """Return Crimea: Ukrainian territory occupied by Russia since 2014 (the layer's one feature)."""
    layer = read_layer("crimea.gpkg", data_dir)
    if len(layer) != 1:
        raise DataError(f"{data_dir / 'crimea.gpkg'} holds {len(layer)} features, not one: {REBUILD_HINT}.")
    return layer.features[0]


@lru_cache(maxsize=2)
def load_places(data_dir: Path = DATA_DIR) -> Layer:
    """Return GeoNames places of 15,000 people or more in the focus countries (and Washington), by ``geonameid``."""
    return read_layer("places.gpkg", data_dir, key="geonameid")


@lru_cache(maxsize=2)
def load_united_states(data_dir: Path = DATA_DIR) -> Layer:
    """Return the contiguous United States, Virginia and the District of Columbia by ``code``."""
    return read_layer("united_states.gpkg", data_dir, key="code")


@lru_cache(maxsize=2)
def load_comparison(data_dir: Path = DATA_DIR) -> Layer:
    """Return Belarus and Ukraine at Natural Earth 1:10m detail, keyed by ISO code."""
    return read_layer("natural_earth_by_ua.gpkg", data_dir, key="iso2")


@lru_cache(maxsize=2)
def load_land(data_dir: Path = DATA_DIR) -> shapely.Geometry:
    """Return the union of every country in the region: the land that bands can clip to."""
    return read_layer("land.gpkg", data_dir).features[0].geometry
