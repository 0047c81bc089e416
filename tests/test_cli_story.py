"""python -m geo export --story FILE: a person's story file, on its own border."""

import json
import subprocess
import sys
from pathlib import Path

from geo.story import Article, Story, StoryPlace

ROOT = Path(__file__).resolve().parents[1]
TEXT = "Trucks wait at Brest. Warsaw says Minsk is to blame."


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def a_story(tmp_path: Path) -> Path:
    places = (StoryPlace("gn:756135", "Warsaw", "city", (("geonameid", 756135), ("lat", 52.23), ("lon", 21.01)),
                         True),
              StoryPlace("gn:625144", "Minsk", "city", (("geonameid", 625144),), False))
    story = Story(Article(TEXT), (), places, "PL-BY").with_passages(
        [("Warsaw says Minsk is to blame.", "gn:756135", "Names Warsaw.", 22)])
    return story.to_file(tmp_path / "story.toml")


def test_export_draws_the_story_file_s_passages_on_its_own_border(tmp_path):
    out = tmp_path / "out.geojson"
    done = run("export", "-f", "geojson", "-d", "50", "--story", str(a_story(tmp_path)), "-o", str(out))
    assert done.returncode == 0, done.stderr
    features = [f["properties"] for f in json.loads(out.read_text())["features"]]
    assert next(f for f in features if f["layer"] == "border")["key"] == "BY-PL"
    assert [f["quote"] for f in features if f["layer"] == "passage"] == ["Warsaw says Minsk is to blame."]
    confirmed = {f["id"]: f["confirmed"] for f in features if f["layer"] == "place"}
    assert confirmed == {"gn:756135": True, "gn:625144": False}


def test_a_story_file_that_is_missing_or_changed_is_refused_in_one_line(tmp_path):
    missing = run("export", "-f", "geojson", "-d", "50", "--story", str(tmp_path / "nope.toml"),
                  "-o", str(tmp_path / "a.geojson"))
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1
    path = a_story(tmp_path)
    path.write_text(path.read_text().replace("Trucks wait", "Lorries wait"))
    changed = run("export", "-f", "geojson", "-d", "50", "--story", str(path), "-o", str(tmp_path / "b.geojson"))
    assert changed.returncode == 2
    assert "sha256" in changed.stderr.lower() or "changed" in changed.stderr.lower()
    assert not (tmp_path / "b.geojson").exists()
