"""The command line: JSON facts, GeoJSON bands, and one-line errors with status 2."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from geodesic_check import edge_samples
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import Polygon

from geo.__main__ import main, output_path
from geo.errors import InputError


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


# --- where the output may go ----------------------------------------------------------------


def _one_line_refusal(out: subprocess.CompletedProcess, needle: str) -> None:
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], out.stderr


def _bands_to(target: str, cwd=None) -> subprocess.CompletedProcess:
    # A short timeout: code that opened a FIFO for writing would block here, not pass.
    return subprocess.run([sys.executable, "-m", "geo", "bands", "-d", "50", f"--output={target}"],
                          capture_output=True, text=True, timeout=120, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


REPO = Path(__file__).resolve().parent.parent


def test_a_fifo_is_refused_and_left_alone(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    _one_line_refusal(_bands_to(str(fifo)), "FIFO")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_a_link_to_a_character_device_is_refused_and_left_alone(tmp_path):
    """A symlink to /dev/null stands in for ``-o /dev/null`` as root; it is refused before any write."""
    link = tmp_path / "null"
    link.symlink_to("/dev/null")
    before = os.stat("/dev/null")
    _one_line_refusal(_bands_to(str(link)), "character device")
    assert os.readlink(link) == "/dev/null"
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


@pytest.mark.parametrize("name", ["/proc/self/fd/1", "link-to-fd-1"])
def test_a_process_s_open_file_is_not_an_output(tmp_path, name):
    """Even when stdout is a regular file, ``-o /proc/self/fd/1`` must not replace that file.

    (Not ``/dev/stdout``: code that replaced the link it names would replace the system's.)
    """
    (tmp_path / "link-to-fd-1").symlink_to("/proc/self/fd/1")
    stdout_file = tmp_path / "stdout.txt"
    with open(stdout_file, "w") as handle:
        out = subprocess.run([sys.executable, "-m", "geo", "bands", "-d", "50", "-o", name], cwd=tmp_path,
                             stdout=handle, stderr=subprocess.PIPE, text=True, timeout=120,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    _one_line_refusal(out, "/proc")
    assert stdout_file.read_text() == ""
    assert os.readlink(tmp_path / "link-to-fd-1") == "/proc/self/fd/1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link-to-fd-1", "stdout.txt"]


@pytest.mark.parametrize(("target", "needle"), [
    ("folder", "is a folder"),
    ("folder/", "give a file name"),
    ("", "give a file name"),
    ("nope/../x", "does not exist"),
    ("/proc/atlas-cli-test.geojson", "cannot write in folder '/proc'"),
    ("/proc/version", "cannot write in folder '/proc'"),
    ("/sys/kernel/atlas-cli-test.geojson", "cannot write in folder '/sys/kernel'"),
    ("b" * 256 + ".geojson", "File name too long"),
])
def test_unwritable_outputs_get_one_line_and_status_2(tmp_path, target, needle):
    (tmp_path / "folder").mkdir()
    version = Path("/proc/version").read_text()
    _one_line_refusal(_bands_to(target, cwd=tmp_path), needle)
    assert [p.name for p in tmp_path.iterdir()] == ["folder"] and list((tmp_path / "folder").iterdir()) == []
    assert not Path("/proc/atlas-cli-test.geojson").exists()
    assert not Path("/sys/kernel/atlas-cli-test.geojson").exists()
    assert Path("/proc/version").read_text() == version


def test_a_long_file_name_is_written(tmp_path):
    """244 bytes is a legal name; the temporary file beside it must not pass the 255-byte limit."""
    name = "a" * 236 + ".geojson"
    out = _bands_to(name, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert [p.name for p in tmp_path.iterdir()] == [name]
    assert json.loads((tmp_path / name).read_text())["type"] == "FeatureCollection"


def test_a_link_to_a_regular_file_writes_the_file_and_keeps_the_link(tmp_path):
    real = tmp_path / "real.geojson"
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "link.geojson"
    link.symlink_to("real.geojson")
    out = _bands_to(str(link))
    assert out.returncode == 0, out.stderr
    assert os.readlink(link) == "real.geojson"
    assert json.loads(real.read_text())["type"] == "FeatureCollection"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.geojson", "real.geojson"]


# --- signals ---------------------------------------------------------------------------------


def _poll(condition, proc: subprocess.Popen, timeout: float = 120.0):
    """Check ``condition`` about every millisecond until it holds or the process ends."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        try:
            proc.wait(timeout=0.001)
        except subprocess.TimeoutExpired:
            continue
        return condition()
    raise AssertionError("timed out")


def test_ctrl_c_prints_one_line_exits_130_and_leaves_nothing(tmp_path):
    target = tmp_path / "map.png"
    proc = subprocess.Popen([sys.executable, "-m", "geo", "export", "-f", "png", "-d", "50", "-o", str(target)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    # The command reserves its temporary file before drawing: it is at work once that exists.
    started = _poll(lambda: list(tmp_path.glob(".atlas-*.part")), proc)
    assert started and proc.poll() is None, "the export ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.strip().splitlines() == ["python -m geo: interrupted"]
    assert list(tmp_path.iterdir()) == []


def test_sigterm_during_a_geopackage_export_leaves_no_files(tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    outdir = tmp_path / "out"
    outdir.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(scratch)}
    for _attempt in range(5):  # the GeoPackage is on disk for a fraction of a second: try again if missed
        proc = subprocess.Popen(
            [sys.executable, "-m", "geo", "export", "-f", "gpkg", "-d", "50", "-d", "300",
             "-o", str(outdir / "x.gpkg")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        seen = _poll(lambda: list(scratch.glob("atlas-gpkg-*/overlays.gpkg")), proc)
        if seen and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=120)
            break
        proc.communicate(timeout=120)
        for path in outdir.iterdir():
            path.unlink()
    else:
        pytest.fail("never caught the export with its GeoPackage on disk")
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err and err.strip().splitlines() == ["python -m geo: terminated"]
    assert list(scratch.iterdir()) == []
    assert list(outdir.iterdir()) == []


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_bounds_the_static_map_cannot_draw_are_refused(tmp_path, fmt):
    target = tmp_path / f"world.{fmt}"
    out = run("export", "-f", fmt, "-d", "50", "--bounds=-90,-180,90,180", "-o", str(target))
    _one_line_refusal(out, "too large for a static map")
    assert "the same centre and proportions that it can draw is -39.8,-79.7,39.8,79.7" in out.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_socket_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        _one_line_refusal(_bands_to(str(path)), "socket")
        assert stat.S_ISSOCK(os.lstat(path).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sock"]


def test_a_loop_of_links_is_refused(tmp_path):
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    out = _bands_to("a", cwd=tmp_path)
    assert out.returncode == 2 and "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert sorted(os.readlink(tmp_path / n) for n in ("a", "b")) == ["a", "b"]


def test_a_dangling_link_writes_its_target_and_stays_a_link(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "out.geojson").symlink_to("sub/bands.geojson")
    assert main(["bands", "-d", "50", "-o", str(tmp_path / "out.geojson")]) == 0
    assert os.readlink(tmp_path / "out.geojson") == "sub/bands.geojson"
    assert json.loads((tmp_path / "sub" / "bands.geojson").read_text())["type"] == "FeatureCollection"
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["bands.geojson"]


def test_output_path_accepts_new_and_regular_files_only(tmp_path):
    assert output_path(tmp_path / "new.geojson") == tmp_path / "new.geojson"
    (tmp_path / "old.geojson").write_text("{}")
    assert output_path(str(tmp_path / "old.geojson")) == tmp_path / "old.geojson"
    os.mkfifo(tmp_path / "fifo")
    for bad in ("", str(tmp_path), str(tmp_path / "fifo"), str(tmp_path / "missing" / "x"), "/dev/null"):
        with pytest.raises(InputError, match="--output"):
            output_path(bad)
