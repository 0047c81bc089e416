"""Load the bundled data in ``data/``, verifying every file against its checksum."""

from __future__ import annotations

import hashlib
import io
import tomllib
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely

from geo.errors import DataError

__all__ = [
    "DATA_DIR",
    "REBUILD_HINT",
    "data_path",
    "load_comparison",
    "load_countries",
    "load_crimea",
    "load_land",
    "load_places",
    "load_united_states",
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


@lru_cache(maxsize=32)
def data_path(name: str, data_dir: Path = DATA_DIR) -> Path:
    """Return the path of a bundled data file after checking that it is intact.

    Parameters
    ----------
    name : str
        File name inside the data folder, for example ``"countries.geojson"``.
    data_dir : Path, optional
        The data folder; the project's ``data/`` by default.

    Returns
    -------
    Path
        The verified path.

    Raises
    ------
    DataError
        When the file is missing, not listed in ``checksums.sha256``, or its sha256
        does not match.

    Examples
    --------
    >>> data_path("article.txt").name
    'article.txt'
    """
    sums = _checksums(data_dir)
    path = data_dir / name
    if name not in sums:
        raise DataError(f"{name} is not listed in {data_dir / 'checksums.sha256'}: {REBUILD_HINT}.")
    if not path.is_file():
        raise DataError(f"{path} is missing: {REBUILD_HINT}.")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sums[name]:
        raise DataError(
            f"{path} is corrupt (sha256 {digest[:12]}… does not match the recorded "
            f"{sums[name][:12]}…): {REBUILD_HINT}."
        )
    return path


def read_text(name: str, data_dir: Path = DATA_DIR) -> str:
    """Return a verified text file from the data folder, decoded as UTF-8."""
    return data_path(name, data_dir).read_text(encoding="utf-8")


def read_toml(name: str, data_dir: Path = DATA_DIR) -> dict:
    """Return a verified TOML file from the data folder as a dictionary."""
    try:
        return tomllib.loads(read_text(name, data_dir))
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{data_dir / name} is not valid TOML ({exc}): {REBUILD_HINT}.") from exc


def _read_layer(name: str, data_dir: Path) -> gpd.GeoDataFrame:
    # Parse the very bytes whose checksum was verified, with GDAL's fast GeoJSON reader.
    # No validity check here: the checksum pins the bytes to the build, which made every
    # geometry valid (scripts/build_data.py) and whose validity the tests check; GEOS took
    # a quarter of a second per start-up to re-check the United States' 5,300 parts.
    raw = data_path(name, data_dir).read_bytes()
    try:
        frame = pyogrio.read_dataframe(io.BytesIO(raw))
    except Exception as exc:  # GDAL raises several types for a bad file
        raise DataError(f"{data_dir / name} is not a GeoJSON FeatureCollection: {REBUILD_HINT}.") from exc
    return frame.set_crs("EPSG:4326", allow_override=True)


@lru_cache(maxsize=2)
def load_countries(data_dir: Path = DATA_DIR) -> gpd.GeoDataFrame:
    """Return the region's countries, indexed by ISO 3166-1 alpha-2 code.

    Columns: ``name``, ``nato_since`` (year or NaN), ``focus`` (drawn at full 1:1M
    detail), ``detail`` and ``geometry`` (WGS84 longitude/latitude). Ukraine's polygon
    includes Crimea; see :func:`load_crimea` for the occupied territory.
    """
    frame = _read_layer("countries.geojson", data_dir).set_index("iso2", drop=False)
    for iso in ("BY", "UA", "RU", "PL"):
        if iso not in frame.index:
            raise DataError(f"{data_dir / 'countries.geojson'} has no {iso}: {REBUILD_HINT}.")
    return frame


@lru_cache(maxsize=2)
def load_crimea(data_dir: Path = DATA_DIR) -> gpd.GeoDataFrame:
    """Return Crimea: Ukrainian territory occupied by Russia since 2014 (one feature)."""
    return _read_layer("crimea.geojson", data_dir)


@lru_cache(maxsize=2)
def load_places(data_dir: Path = DATA_DIR) -> gpd.GeoDataFrame:
    """Return Natural Earth 1:10m populated places in the focus countries (and Washington)."""
    return _read_layer("places.geojson", data_dir)


@lru_cache(maxsize=2)
def load_united_states(data_dir: Path = DATA_DIR) -> gpd.GeoDataFrame:
    """Return the contiguous United States, Virginia and the District of Columbia by ``code``."""
    return _read_layer("united_states.geojson", data_dir).set_index("code", drop=False)


@lru_cache(maxsize=2)
def load_comparison(data_dir: Path = DATA_DIR) -> gpd.GeoDataFrame:
    """Return Belarus and Ukraine at Natural Earth 1:10m detail, indexed by ISO code."""
    return _read_layer("natural_earth_by_ua.geojson", data_dir).set_index("iso2", drop=False)


@lru_cache(maxsize=2)
def load_land(data_dir: Path = DATA_DIR) -> shapely.Geometry:
    """Return the union of every country in the region: the land that bands can clip to."""
    return _read_layer("land.geojson", data_dir).geometry.iloc[0]
