"""The command line: JSON facts, GeoJSON bands, and one-line errors with status 2."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pytest
from geodesic_check import edge_samples
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import Polygon

from geo.__main__ import main


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo", *args], capture_output=True, text=True, timeout=300)


def test_a_reader_that_stops_early_gets_no_traceback():
    """``python -m geo facts --json | true``: the reader is gone before the first write."""
    proc = subprocess.Popen([sys.executable, "-m", "geo", "facts", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    _, err = proc.communicate(timeout=300)
    assert b"Traceback" not in err and b"BrokenPipe" not in err


def test_facts_json_has_the_promised_keys():
    out = run("facts", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    for key in ("kyiv_to_border_km", "minsk_to_border_km", "kyiv_to_minsk_km", "border_length_km"):
        assert isinstance(data[key], float)
    assert data["kyiv_to_border_km"] == pytest.approx(89.8, rel=0.01)


def test_bands_geojson_round_trips_and_keeps_precision(tmp_path, brute_force):
    target = tmp_path / "bands.geojson"
    assert main(["bands", "--distance", "50", "--distance", "100", "--side", "both", "--output", str(target)]) == 0
    raw = json.loads(target.read_text())
    assert raw["type"] == "FeatureCollection" and "crs" not in raw
    frame = gpd.read_file(target)
    assert list(frame["layer"]) == ["border", "band", "band"]
    bands = frame[frame["layer"] == "band"]
    assert list(bands["inner_km"]) == [0, 50] and list(bands["outer_km"]) == [50, 100]
    ring = bands.iloc[1].geometry  # 50–100 km: outer edge at 100, inner edge at 50
    assert len(ring.interiors) == 1  # the 50 km zone is the band's hole
    outer = [brute_force.distance_m(x, y) for x, y in edge_samples(Polygon(ring.exterior), 150)]
    inner = [brute_force.distance_m(x, y) for x, y in edge_samples(Polygon(ring.interiors[0]), 150)]
    assert np.max(np.abs(np.array(outer) / 100_000 - 1)) <= 2e-4
    assert np.max(np.abs(np.array(inner) / 50_000 - 1)) <= 2e-4


@pytest.mark.parametrize("args, needle", [
    (["--distance", "-5"], "--distance"),
    (["--distance", "0"], "--distance"),
    (["--distance", "2000"], "--distance"),
    (["--distance", "abc"], "--distance"),
    (["--distance", "50", "--side", "north"], "--side"),
    (["--distance", "50", "--clip", "ocean"], "--clip"),
    ([*sum([["--distance", str(10 * i)] for i in range(1, 10)], [])], "--distance"),
])
def test_bad_arguments_exit_2_with_one_line_and_write_nothing(tmp_path, args, needle):
    target = tmp_path / "out.geojson"
    out = run("bands", *args, "--output", str(target))
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0]
    assert not target.exists() and list(tmp_path.iterdir()) == []


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=1, max_size=10))
def test_any_distance_text_is_accepted_or_refused_cleanly(tmp_path_factory, texts):
    target = tmp_path_factory.mktemp("cli") / "out.geojson"
    argv = ["bands", *sum([["--distance", t] for t in texts], []), "--output", str(target)]
    try:
        status = main(argv)
    except SystemExit as exc:
        status = exc.code
    assert status in (0, 2)
    assert target.exists() == (status == 0)
