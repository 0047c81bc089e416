"""Distance bands: validity, nesting, and edges at their stated geodesic distance."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from geodesic_check import dense_edge_samples, edge_samples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from geo import InputError
from geo.bands import MAX_KM, MIN_KM, RELATIVE_TOLERANCE, BandSpec, distance_bands, equidistant_zone
from geo.geodesy import LineDistance, reproject


def relative_errors(zone, distance_km, brute_force, count):
    pts = edge_samples(zone, count)
    measured = np.array([brute_force.distance_m(x, y) for x, y in pts]) / 1000.0
    return np.abs(measured / distance_km - 1.0), len(pts)


def dense_errors(zone, distance_km, brute_force, segments=None, seed=0):
    """Relative errors of 16 points a segment (straight in lon/lat), every segment or a sample."""
    pts = dense_edge_samples(zone, 16).reshape(-1, 16, 2)
    if segments is not None and len(pts) > segments:
        pts = pts[np.random.default_rng(seed).choice(len(pts), segments, replace=False)]
    pts = pts.reshape(-1, 2)
    measured = brute_force.distances_m(pts[:, 0], pts[:, 1]) / 1000.0
    return np.abs(measured / distance_km - 1.0), pts


@pytest.mark.parametrize("distance_km, segments", [
    (1.0, 1500), (5.0, 1500), (10.0, 1500), (50.0, None), (100.0, None), (200.0, None), (300.0, None),
    (500.0, None), (1500.0, None),
])
def test_every_point_of_the_edge_lies_at_its_distance(distance_km, segments, brute_force):
    """16 points on each segment, straight in lon/lat as GeoJSON draws it, are within 0.02 %.

    Every segment from 50 km on (at 300 km three points between vertices once lay 0.0286 %
    off, near 26.02° E 49.01° N); 1,500 random segments of the nearer, finer zones.
    """
    zone = equidistant_zone(distance_km)
    errors, pts = dense_errors(zone, distance_km, brute_force, segments)
    assert len(pts) >= 16 * min(segments or 300, 300)
    assert errors.max() <= RELATIVE_TOLERANCE, f"{errors.max():.3%} at {pts[np.argmax(errors)]}"


def test_brute_force_many_points_matches_one_by_one(brute_force):
    """The check's vectorised distance agrees with its point-by-point distance."""
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(18.0, 40.0, 60), rng.uniform(44.0, 60.0, 60)
    one = np.array([brute_force.distance_m(x, y) for x, y in zip(lon, lat)])
    assert brute_force.distances_m(lon, lat) == pytest.approx(one, rel=1e-12, abs=1e-6)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(distance_km=st.floats(min_value=MIN_KM, max_value=MAX_KM, allow_nan=False))
def test_any_distance_is_precise_and_valid(distance_km, brute_force):
    zone = equidistant_zone(distance_km)
    assert zone.is_valid and not zone.is_empty
    errors, _ = dense_errors(zone, distance_km, brute_force, segments=300)
    assert errors.max() <= RELATIVE_TOLERANCE


@pytest.fixture(scope="module")
def screen(border):
    """A fine screen for every edge point: the border every 5 m, eight candidates a point."""
    return LineDistance(border, spacing_m=5.0, candidates=8)


@pytest.mark.parametrize(
    "distance_km", [1.0, 1.63, 2.86, 3.36, 3.5, 8.17, 8.39, 8.45, 8.47, 8.93, 10.0, 11.17, 11.25, 18.55, 20.23]
)
def test_every_edge_point_near_cusps_is_precise(distance_km, screen, brute_force):
    """Distances whose edges once strayed past 0.02 % where arcs meet, every point checked.

    Sixteen points on every segment are screened; the worst twenty are measured again
    with the independent brute-force distance.
    """
    zone = equidistant_zone(distance_km)
    assert zone.is_valid
    pts = dense_edge_samples(zone, 16)
    screened = np.abs(screen.distance_m(pts[:, 0], pts[:, 1]) / 1000.0 / distance_km - 1.0)
    worst = pts[np.argsort(screened)[-20:]]
    measured = np.array([brute_force.distance_m(x, y) for x, y in worst]) / 1000.0
    assert screened.max() <= RELATIVE_TOLERANCE
    assert np.abs(measured / distance_km - 1.0).max() <= RELATIVE_TOLERANCE


def test_bands_are_nested_rings_that_tile_the_outer_zone():
    spec = BandSpec((50.0, 100.0, 200.0))
    bands = distance_bands(spec)
    assert [(b.inner_km, b.outer_km) for b in bands] == [(0.0, 50.0), (50.0, 100.0), (100.0, 200.0)]
    for a, b in zip(bands, bands[1:]):
        assert a.geometry.intersection(b.geometry).area == pytest.approx(0.0, abs=1e-9)
    union = shapely.union_all([b.geometry for b in bands])
    outer = equidistant_zone(200.0)
    assert union.symmetric_difference(outer).area / outer.area < 1e-6
    assert all(b.geometry.is_valid for b in bands)


def test_a_web_mercator_buffer_is_far_short(border, brute_force):
    """The known-wrong anchor: a 100 km buffer in EPSG:3857 is about 39 % short here."""
    to_m = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    to_deg = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    naive = reproject(reproject(border, to_m).buffer(100_000), to_deg)
    errors, _ = relative_errors(naive, 100.0, brute_force, 100)
    assert errors.max() > 0.3


@pytest.mark.parametrize("side, inside, outside", [
    ("ukraine", (30.5, 50.9), (28.0, 52.6)),
    ("belarus", (28.0, 52.6), (30.5, 50.9)),
])
def test_one_side_only(side, inside, outside):
    (band,) = distance_bands(BandSpec((150.0,), side=side))
    assert band.geometry.contains(shapely.Point(inside))
    assert not band.geometry.contains(shapely.Point(outside))


def test_clip_to_land_removes_the_black_sea():
    from geo.data import load_land

    (band,) = distance_bands(BandSpec((700.0,), side="ukraine", clip="land"))
    sea = shapely.Point(31.0, 45.9)  # north-west Black Sea, within 700 km of the border
    assert not load_land().contains(sea)
    assert equidistant_zone(700.0).contains(sea)
    assert not band.geometry.contains(sea)


def test_clip_to_a_country():
    (band,) = distance_bands(BandSpec((100.0,), clip="ukraine"))
    assert not band.geometry.contains(shapely.Point(27.56, 53.90 - 1.5))  # inside Belarus


@pytest.mark.parametrize("values, message", [
    ([], "at least one"),
    ([0], "out of range"),
    ([-5], "out of range"),
    ([1500.5], "out of range"),
    (["abc"], "not a number"),
    (["nan"], "out of range"),
    ([1, 2, 3, 4, 5, 6, 7, 8, 9], "At most 8"),
])
def test_bad_distances_are_refused(values, message):
    with pytest.raises(InputError, match=message):
        BandSpec.parse(values)


@pytest.mark.parametrize("field, value", [("side", "north"), ("clip", "sea")])
def test_bad_side_or_clip_is_refused(field, value):
    with pytest.raises(InputError, match=f"Unknown {field}"):
        BandSpec((50.0,), **{field: value})


def test_spec_requires_increasing_distances():
    with pytest.raises(InputError, match="strictly increasing"):
        BandSpec((100.0, 50.0))
    assert BandSpec.parse(["100", "50", "50"]).distances_km == (50.0, 100.0)


@pytest.fixture(scope="module")
def countries():
    """Ukraine's and Belarus's territory from the bundled data."""
    from geo.data import load_countries

    c = load_countries()
    return {"ukraine": c["UA"].geometry, "belarus": c["BY"].geometry}


@pytest.fixture(scope="module")
def to_country(countries):
    """Independent geodesic distances to each country's territory (0 inside), boundaries every 50 m."""
    from geodesic_check import BruteForceDistance

    checks = {side: BruteForceDistance(g.boundary, spacing_m=50.0) for side, g in countries.items()}

    def distance(side, lon, lat):
        d = checks[side].distances_m(lon, lat)
        return np.where(shapely.contains_xy(countries[side], lon, lat), 0.0, d)

    return distance


@pytest.mark.parametrize("distance_km", [5.0, 50.0, 300.0])
@pytest.mark.parametrize("side, other", [("ukraine", "belarus"), ("belarus", "ukraine")])
def test_a_side_holds_all_of_its_country_and_none_of_the_other(distance_km, side, other, countries):
    """Ukraine's side at 50 km once left out 354 km² of Ukraine's north-east and took in Poland."""
    from geo.geodesy import geodesic_area_km2

    (both,) = distance_bands(BandSpec((distance_km,)))
    (one,) = distance_bands(BandSpec((distance_km,), side=side))
    own, rest = countries[side], countries[other]
    whole = geodesic_area_km2(both.geometry.intersection(own))
    assert geodesic_area_km2(one.geometry.intersection(own)) == pytest.approx(whole, rel=1e-4)
    # Only rounding slivers along the shared edge (1e-16 square degrees each) may remain.
    assert geodesic_area_km2(one.geometry.intersection(rest)) <= 1e-7 * whole


def test_the_sides_tile_the_zone():
    """Nothing is on both sides, nothing on neither."""
    (ua,), (by,) = (distance_bands(BandSpec((300.0,), side=s)) for s in ("ukraine", "belarus"))
    zone = equidistant_zone(300.0)
    assert ua.geometry.intersection(by.geometry).area <= zone.area * 1e-9
    assert zone.symmetric_difference(shapely.union(ua.geometry, by.geometry)).area <= zone.area * 1e-9


def side_slack_m(d):
    """The stated promise: equal distance to within SIDE_TOLERANCE of it, or SIDE_FLOOR_M."""
    from geo.borders import SIDE_FLOOR_M, SIDE_TOLERANCE

    return np.maximum(SIDE_TOLERANCE * d, SIDE_FLOOR_M)


@pytest.mark.parametrize("side, other", [("ukraine", "belarus"), ("belarus", "ukraine")])
def test_points_of_a_side_outside_both_countries_are_nearer_its_country(side, other, countries, to_country):
    """Random points of the 700 km side zone outside both countries (seeded, 400 a side)."""
    (band,) = distance_bands(BandSpec((700.0,), side=side))
    rng = np.random.default_rng(12)
    x0, y0, x1, y1 = band.geometry.bounds
    lon, lat = rng.uniform(x0, x1, 20_000), rng.uniform(y0, y1, 20_000)
    keep = shapely.contains_xy(band.geometry, lon, lat)
    for g in countries.values():
        keep &= ~shapely.contains_xy(g, lon, lat)
    lon, lat = lon[keep][:400], lat[keep][:400]
    assert len(lon) == 400
    mine, theirs = to_country(side, lon, lat), to_country(other, lon, lat)
    assert np.all(mine <= theirs + side_slack_m(theirs))


@pytest.mark.parametrize("distance_km", [5.0, 300.0])
def test_the_split_beyond_the_border_lies_at_equal_distance(distance_km, countries, to_country):
    """16 points a segment of the split line (edges of a side outside both countries)."""
    from geo.borders import split_sides

    ua, _ = split_sides(countries["ukraine"], countries["belarus"], distance_km)
    zone = equidistant_zone(distance_km)
    pts = dense_edge_samples(ua.boundary.intersection(zone.buffer(-1e-6)), 16)
    out = np.ones(len(pts), dtype=bool)
    for g in countries.values():
        out &= ~shapely.contains_xy(g, pts[:, 0], pts[:, 1])
    pts = pts[out]
    assert len(pts) >= 64
    ua_d, by_d = to_country("ukraine", pts[:, 0], pts[:, 1]), to_country("belarus", pts[:, 0], pts[:, 1])
    assert np.all(np.abs(ua_d - by_d) <= side_slack_m(np.minimum(ua_d, by_d)))
