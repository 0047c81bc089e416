"""geodesy.geodesic_area_km2 hands rings to PROJ as arrays: the same areas as pyproj's own walk."""

from __future__ import annotations

import pytest
import shapely

from geo.bands import BandSpec, distance_bands
from geo.geodesy import GEOD, geodesic_area_km2

HOLED = shapely.Polygon([(24, 48), (34, 48), (34, 53), (24, 53)], [[(26, 49), (28, 49), (28, 51)]])
SPLIT = shapely.MultiPolygon([HOLED, shapely.box(35, 40, 36, 41)])


def _pyproj_km2(geom) -> float:
    area, _ = GEOD.geometry_area_perimeter(shapely.orient_polygons(geom))
    return abs(area) / 1e6


@pytest.mark.parametrize("geom", [HOLED, SPLIT, shapely.box(0, 0, 1, 1).reverse(), shapely.Polygon()],
                         ids=["holed", "multi", "clockwise", "empty"])
def test_the_area_is_pyprojs_to_the_bit(geom):
    assert geodesic_area_km2(geom) == _pyproj_km2(geom)


@pytest.mark.parametrize("side", ["both", "ukraine"])
def test_band_areas_are_pyprojs_to_the_bit(side):
    for band in distance_bands(BandSpec((37.5, 210.0, 900.0), side=side, clip="land")):
        assert geodesic_area_km2(band.geometry) == _pyproj_km2(band.geometry)


def test_a_hole_takes_its_area_away():
    assert geodesic_area_km2(HOLED) < geodesic_area_km2(shapely.Polygon(HOLED.exterior))
