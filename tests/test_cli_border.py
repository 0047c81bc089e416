"""The command line follows the border: ``--border`` on facts, bands and export; ``--place`` on facts."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pytest
from geodesic_check import BruteForceDistance, edge_samples
from shapely import Point, Polygon

from geo.__main__ import main
from geo.borders import get_border
from geo.facts import border_facts, compute_facts

LVIV = 702550


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo", *args], capture_output=True, text=True, timeout=300)


def _one_line(out: subprocess.CompletedProcess, needle: str) -> None:
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in out.stderr, out.stderr


def test_facts_for_another_border(capsys):
    assert main(["facts", "--border", "pl-by", "--json", "--place", str(LVIV)]) == 0
    data = json.loads(capsys.readouterr().out)
    facts = border_facts("BY-PL", [LVIV])
    assert data["border_length_km"] == pytest.approx(facts["border_length"].value, abs=1e-3)
    assert data["minsk_to_border_km"] == pytest.approx(facts["minsk_to_border"].value, abs=1e-3)
    assert data[f"place_{LVIV}_to_border_km"] == pytest.approx(facts[f"place_{LVIV}_to_border"].value, abs=1e-3)
    assert not any(key.startswith("kyiv") for key in data)


def test_facts_as_text_in_miles_name_the_border(capsys):
    assert main(["facts", "--border", "BY-PL", "--units", "mi"]) == 0
    out = capsys.readouterr().out
    assert "Length of the Belarus–Poland border: " in out and " mi  [" in out
    assert "Kyiv" not in out and "Ukraine" not in out


def test_the_default_is_today_s_figures(capsys):
    assert main(["facts", "--json"]) == 0
    default = json.loads(capsys.readouterr().out)
    assert main(["facts", "--json", "--border", "UA-BY"]) == 0
    assert json.loads(capsys.readouterr().out) == default
    assert default["kyiv_to_border_km"] == pytest.approx(compute_facts()["kyiv_to_border"].value, abs=1e-3)


@pytest.mark.parametrize("args, needle", [
    (["facts", "--border", "FR-PL"], "share no land border"),
    (["facts", "--border", "XX-YY"], "--border"),
    (["facts", "--border", "<script>"], "--border"),
    (["facts", "--place", "abc"], "--place"),
    (["facts", "--place", "1"], "not a place"),
    (["facts", *sum([["--place", str(i)] for i in range(LVIV, LVIV + 13)], [])], "--place"),
])
def test_bad_facts_arguments_exit_2_with_one_line(args, needle):
    _one_line(run(*args), needle)


@pytest.mark.parametrize("command", [["bands"], ["export", "-f", "geojson"]])
@pytest.mark.parametrize("args, needle", [
    (["--border", "BY-PL", "--side", "UA"], "--side"),
    (["--border", "BY-PL", "--clip", "ukraine"], "--clip"),
    (["--border", "BY-FR"], "--border"),
])
def test_side_and_clip_follow_the_border(tmp_path, command, args, needle):
    target = tmp_path / "out.geojson"
    out = run(*command, "-d", "50", *args, "--output", str(target))
    _one_line(out, needle)
    assert "BY, PL" in out.stderr or needle == "--border"
    assert list(tmp_path.iterdir()) == []


def test_bands_for_another_border_lie_at_their_distance(tmp_path):
    target = tmp_path / "bands.geojson"
    assert main(["bands", "--border", "PL-BY", "-d", "30", "--output", str(target)]) == 0
    frame = gpd.read_file(target)
    border = frame[frame["layer"] == "border"].geometry.iloc[0]
    assert border.hausdorff_distance(get_border("BY-PL").line) < 1e-4
    band = frame[frame["layer"] == "band"].geometry.iloc[0]
    brute = BruteForceDistance(get_border("BY-PL").line, spacing_m=10.0)
    dist = np.array([brute.distance_m(x, y) for x, y in edge_samples(Polygon(band.exterior), 150)])
    assert np.max(np.abs(dist / 30_000 - 1)) <= 2e-4


def test_a_side_of_another_border_holds_its_country_only(tmp_path):
    target = tmp_path / "side.geojson"
    assert main(["bands", "--border", "BY-PL", "-d", "30", "--side", "poland", "--output", str(target)]) == 0
    frame = gpd.read_file(target)
    band = frame[frame["layer"] == "band"].geometry.iloc[0]
    # Brest, Belarus, 5 km from the border, is not on Poland's side; Biała Podlaska, Poland, 25 km off, is.
    assert not band.contains(Point(23.71749, 52.10894))
    assert band.contains(Point(23.1167, 52.0333))


def test_legacy_side_names_still_work_on_the_default_border(tmp_path):
    target = tmp_path / "bands.geojson"
    assert main(["bands", "-d", "20", "--side", "ukraine", "--clip", "land", "--output", str(target)]) == 0
    assert target.exists()
