"""Publishing: the static files a reader's host serves, their links, the zip and the command line."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from geo.__main__ import main
from geo.alttext import map_summary
from geo.bands import BandSpec
from geo.errors import InputError
from geo.export import export_bytes, export_request
from geo.publish import PUBLISHED_FILES, embed_snippet, publication, publish, zip_bytes
from geo.userlayer import read_user_layer

BUILT = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
NAMES = sorted(PUBLISHED_FILES.values())


@pytest.fixture(scope="module")
def request_():
    """Two bands, a small PNG (fast to draw) and an extent."""
    return export_request("html", BandSpec((50.0, 100.0)), width=800, height=500, bounds=(47.0, 22.0, 56.0, 34.0))


@pytest.fixture(scope="module")
def published(request_):
    """The files of one publication, built at a fixed time."""
    return publication(request_, built=BUILT)


def test_a_publication_holds_the_fixed_files(published):
    assert sorted(published.files) == NAMES
    assert published.files["map.png"][:8] == b"\x89PNG\r\n\x1a\n"


def test_the_page_is_the_offline_map_with_a_title_and_the_png_for_readers_without_scripts(published, request_):
    page = published.files["index.html"].decode()
    standalone = export_bytes("html", request_.spec, bounds=request_.view).decode()
    assert f"<title>{published.title}</title>" in page
    assert re.search(r'<noscript><img src="map.png" alt="[^"]+" width="800" height="500"', page)
    # The map itself is the standalone export's, but for folium's random element ids.
    scripts = [re.findall(r"<script>.*?</script>", re.sub(r"[0-9a-f]{32}", "ID", text), re.S)
               for text in (page, standalone)]
    assert scripts[0] == scripts[1] and len(scripts[0]) > 3
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", page), "nothing to load beside the page"


def test_the_alt_text_is_the_maps_summary(published, request_):
    assert published.files["alt.txt"].decode() == map_summary(request_.spec, "km") + "\n"
    assert published.alt in published.files["embed.html"].decode().replace("&#x27;", "'")


def test_story_json_holds_the_overlays_and_says_what_when_and_from_what(published, request_):
    story = json.loads(published.files["story.json"])
    overlays = json.loads(export_bytes("geojson", request_.spec))
    assert story["overlays"] == overlays
    assert {f["properties"]["layer"] for f in story["overlays"]["features"]} == {"border", "band", "place", "passage"}
    assert story["what"] == published.title and story["description"] == published.alt
    assert story["built"] == "2026-03-01T12:00:00Z"
    assert story["bands"] == {"distances_km": [50.0, 100.0], "side": "both", "clip": "none", "units": "km"}
    assert story["view"] == {"south": 47.0, "west": 22.0, "north": 56.0, "east": 34.0}
    assert story["files"] == PUBLISHED_FILES
    assert any("Digital Chart of the World" in s for s in story["sources"])
    assert any("GeoNames" in s for s in story["sources"])


def test_a_user_layer_goes_into_the_story_and_the_page():
    data = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Route"},
         "geometry": {"type": "LineString", "coordinates": [[24.0, 50.0], [30.0, 49.0]]}}]}).encode()
    user = read_user_layer("route.geojson", data)
    published = publication(export_request("html", BandSpec((50.0,)), width=400, height=250, user=user), built=BUILT)
    story = json.loads(published.files["story.json"])
    assert story["user_layer"] == "route"
    users = [f["properties"] for f in story["overlays"]["features"] if f["properties"]["layer"] == "user"]
    assert [u["name"] for u in users] == ["Route"]
    assert "atlas-user" in published.files["index.html"].decode()


def test_the_embed_snippet_keeps_the_maps_aspect_ratio_and_falls_back_to_the_png(published):
    embed = published.files["embed.html"].decode()
    assert embed.count("<iframe") == 1
    assert 'src="index.html"' in embed and f'title="{published.title}"' in embed
    assert "padding-top:62.5%" in embed  # 500 / 800
    assert re.search(r'<noscript><a href="index.html"[^>]*><img src="map.png" alt="A map of', embed)
    assert '<a href="alt.txt">' in embed


def test_the_embed_snippet_escapes_and_checks_what_it_is_given():
    snippet = embed_snippet('"><script>alert(1)</script>', "a <b>", 1200, 675, "https://example.org/maps/kyiv/")
    assert "<script>" not in snippet and "&lt;b&gt;" in snippet
    assert 'src="https://example.org/maps/kyiv/index.html"' in snippet
    assert 'src="https://example.org/maps/kyiv/map.png"' in snippet
    for bad in ("javascript:alert(1)/", "https://example.org/maps", "//example.org/"):
        with pytest.raises(InputError, match="base URL"):
            embed_snippet("Map", "A map.", 1200, 675, bad)


def test_the_zip_holds_the_files_in_one_folder_with_relative_names_and_fixed_dates(published):
    data = zip_bytes(published.files, "kyiv-story")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == ["kyiv-story/", *(f"kyiv-story/{n}" for n in NAMES)]
        assert all(not i.filename.startswith("/") and ".." not in i.filename.split("/") for i in infos)
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert all(archive.read(f"kyiv-story/{n}") == published.files[n] for n in NAMES)
    assert zip_bytes(dict(reversed(published.files.items())), "kyiv-story") == data, "same files, same bytes"


@pytest.mark.parametrize("folder, name", [("..", "a.txt"), ("/abs", "a.txt"), ("ok", "../a.txt"), ("ok", "sub/a.txt"),
                                          ("", "a.txt"), ("ok", "a\\b.txt")])
def test_the_zip_refuses_names_that_would_unpack_elsewhere(folder, name):
    with pytest.raises(InputError, match="plain file or folder name"):
        zip_bytes({name: b"x"}, folder)


def test_publish_writes_a_folder_and_replaces_an_earlier_publication(tmp_path, request_):
    target = tmp_path / "story"
    assert publish(request_, target, built=BUILT) == target
    first = {p.name: p.read_bytes() for p in target.iterdir()}
    assert sorted(first) == NAMES
    publish(request_, target, built=BUILT + dt.timedelta(days=1))
    assert json.loads((target / "story.json").read_bytes())["built"] == "2026-03-02T12:00:00Z"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["story"], "no staging folder left behind"


def test_publish_writes_a_zip_when_the_target_ends_in_zip(tmp_path, request_):
    target = publish(request_, tmp_path / "Kyiv.ZIP", built=BUILT)
    with zipfile.ZipFile(target) as archive:
        assert archive.namelist() == ["Kyiv/", *(f"Kyiv/{n}" for n in NAMES)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Kyiv.ZIP"]


def test_publish_refuses_a_target_it_must_not_write(tmp_path, request_):
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="holds other files"):
        publish(request_, other)
    assert (other / "notes.txt").read_text() == "keep me"
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        publish(request_, tmp_path / "file")
    (tmp_path / "dir.zip").mkdir()
    with pytest.raises(InputError, match="not a file"):
        publish(request_, tmp_path / "dir.zip")
    with pytest.raises(InputError, match="does not exist"):
        publish(request_, tmp_path / "missing" / "story")


def test_the_command_line_publishes_a_zip(tmp_path, capsys):
    out = tmp_path / "kyiv"
    assert main(["publish", str(out), "--zip", "-d", "100", "-d", "50", "--width", "400", "--height", "250"]) == 0
    assert "wrote" in capsys.readouterr().out
    with zipfile.ZipFile(Path(f"{out}.zip")) as archive:
        story = json.loads(archive.read("kyiv/story.json"))
    assert story["bands"]["distances_km"] == [50.0, 100.0]
    assert not out.exists()


def test_the_command_line_refuses_repeated_distances_and_writes_nothing(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["publish", str(tmp_path / "x"), "-d", "50", "-d", "50"])
    assert exit_.value.code == 2
    assert "each distance may be given once" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
