"""A spec's new distances refined together: passes shared, every edge as precise as alone."""

from __future__ import annotations

import numpy as np
import pytest
from geodesic_check import dense_edge_samples

from geo.bands import RELATIVE_TOLERANCE, BandSpec, distance_bands, equidistant_zone
from geo.geodesy import LineDistance


@pytest.fixture
def oracle_calls(monkeypatch):
    """How many times any distance oracle has been asked for nearest border points."""
    calls = [0]
    nearest = LineDistance.nearest

    def counted(self, lon, lat):
        calls[0] += 1
        return nearest(self, lon, lat)

    monkeypatch.setattr(LineDistance, "nearest", counted)
    return calls


def test_a_specs_new_distances_share_their_passes(oracle_calls):
    """Three distances measured with one oracle cost about the passes of one, not of three.

    Each distance alone (a hair apart from the spec's, so none is cached) takes a run of
    passes, each asking the oracle at least once; the spec's three together ask it in one run.
    """
    alone = []
    for distance_km in (51.31, 102.71, 203.91):
        oracle_calls[0] = 0
        equidistant_zone(distance_km)
        alone.append(oracle_calls[0])
    oracle_calls[0] = 0
    distance_bands(BandSpec((51.32, 102.72, 203.92)))
    together = oracle_calls[0]
    assert together <= 0.75 * sum(alone)


@pytest.mark.parametrize("distances_km", [(7.31, 33.31, 420.1), (2.23, 151.7, 980.3)])
def test_distances_refined_together_keep_the_promise(distances_km, brute_force):
    """Distances measured with different oracles, refined in one run, each within 0.02 % at every point.

    A sample of 400 segments a zone, 16 points each, measured with the brute-force distance.
    """
    for band in distance_bands(BandSpec(distances_km)):
        zone = equidistant_zone(band.outer_km)
        assert zone.is_valid
        pts = dense_edge_samples(zone, 16).reshape(-1, 16, 2)
        pts = pts[np.random.default_rng(1).choice(len(pts), min(400, len(pts)), replace=False)].reshape(-1, 2)
        measured = brute_force.distances_m(pts[:, 0], pts[:, 1]) / 1000.0
        assert np.abs(measured / band.outer_km - 1.0).max() <= RELATIVE_TOLERANCE
