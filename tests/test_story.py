"""The article is quoted, never paraphrased: every passage is an exact substring."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from geo import DataError
from geo.places import article_places
from geo.story import load_story

SHARED = Path(__file__).resolve().parents[2] / "shared" / "article" / "article.txt"
STORY = "stories/belarus.toml"


def rewrite(data_dir: Path, name: str, text: str) -> None:
    """Change a data file and record its new checksum, as a careless edit would."""
    (data_dir / name).write_text(text, encoding="utf-8")
    sums = (data_dir / "checksums.sha256").read_text().splitlines()
    digest = hashlib.sha256((data_dir / name).read_bytes()).hexdigest()
    sums = [f"{digest}  {name}" if line.endswith(f"  {name}") else line for line in sums]
    (data_dir / "checksums.sha256").write_text("\n".join(sums) + "\n")


def test_every_passage_is_an_exact_substring():
    story = load_story()
    assert len(story.passages) >= 12
    for p in story.passages:
        assert p.quote in story.article.text
        assert story.article.text[p.offset : p.offset + len(p.quote)] == p.quote
        assert p.quote in story.article.paragraphs[p.paragraph - 1]


def test_passages_are_numbered_in_reading_order():
    passages = load_story().passages
    assert [p.number for p in passages] == list(range(1, len(passages) + 1))
    assert [p.offset for p in passages] == sorted(p.offset for p in passages)


def test_every_place_has_a_passage_and_every_passage_a_place():
    story = load_story()
    places = article_places()
    assert {p.place for p in story.passages} == set(places)


@pytest.mark.skipif(not SHARED.exists(), reason="the shared article is beside the project only")
def test_article_is_the_shared_text_byte_for_byte(root):
    assert (root / "data" / "article.txt").read_bytes() == SHARED.read_bytes()


def test_article_publisher_is_named_in_the_text():
    from geo.story import PUBLISHER

    assert PUBLISHER.upper() in load_story().article.paragraphs[-2].upper()


def test_a_paraphrased_quote_is_refused(data_copy):
    text = (data_copy / STORY).read_text(encoding="utf-8")
    # Straight apostrophe instead of the article's typographic one: not verbatim.
    bad = text.replace("Lukashenko’s regime", "Lukashenko's regime", 1)
    rewrite(data_copy, STORY, bad)
    with pytest.raises(DataError, match="not an exact substring"):
        load_story(data_copy)


def test_an_unknown_place_is_refused(data_copy):
    text = (data_copy / STORY).read_text(encoding="utf-8")
    rewrite(data_copy, STORY, text.replace('place = "moscow"', 'place = "atlantis"', 1))
    with pytest.raises(DataError, match="unknown place 'atlantis'"):
        load_story(data_copy)


def _inscribed_radius_max(area, step: float = 0.05) -> float:
    """The largest distance to the boundary over a grid of points inside ``area`` (degrees)."""
    import numpy as np
    import shapely

    w, s, e, n = area.bounds
    xs, ys = np.meshgrid(np.arange(w, e, step), np.arange(s, n, step))
    pts = shapely.points(xs.ravel(), ys.ravel())
    inside = pts[shapely.contains(area, pts)]
    return float(shapely.distance(inside, area.boundary).max())


@pytest.mark.parametrize("place_id, iso2", [("belarus", "BY"), ("ukraine", "UA"), ("russia", "RU")])
def test_a_country_marker_lies_in_the_country_as_drawn_and_in_the_default_frame(place_id, iso2):
    import shapely

    from geo.bands import BandSpec
    from geo.data import load_countries
    from geo.static_map import default_view

    place = article_places()[place_id]
    assert load_countries()[iso2].geometry.covers(place.point)
    view = default_view(BandSpec((50.0, 100.0, 200.0)))
    assert view.west < place.lon < view.east and view.south < place.lat < view.north
    # The method says what the point is: the pole of inaccessibility of the area it names,
    # which is the country as the map frames it (for Russia, its part near Belarus and Ukraine).
    assert place.shape == "area" and place.method.startswith("pole of inaccessibility of ")
    part = shapely.get_parts(place.geometry)
    largest = part[int(shapely.area(part).argmax())]
    assert largest.boundary.distance(place.point) >= 0.95 * _inscribed_radius_max(largest)
    if iso2 == "RU":
        assert "part within 200 km of the UA–BY border" in place.method
        assert not place.geometry.equals(load_countries()["RU"].geometry)


def test_nato_eastern_flank_is_the_line_of_nato_members_borders():
    import shapely

    from geo.borders import shared_border

    flank = article_places()["nato-eastern-flank"]
    assert flank.shape == "line" and flank.kind == "border"
    # Poland and Latvia as well as Lithuania, on Belarus's side; Ukraine's and Russia's NATO neighbours too.
    for a, b in [("PL", "BY"), ("LT", "BY"), ("LV", "BY"), ("PL", "UA"), ("RO", "UA"), ("EE", "RU")]:
        line = shared_border(a, b)
        middle = line.interpolate(0.5, normalized=True) if line.geom_type == "LineString" else line.centroid
        assert flank.geometry.distance(shapely.ops.nearest_points(line, middle)[0]) < 0.01, (a, b)
    # Finland joined in 2023, after the article: its border with Russia is not the flank of the story.
    fi = shared_border("FI", "RU")
    assert flank.geometry.distance(fi.interpolate(0.5, normalized=True)) > 0.5
    assert flank.geometry.distance(flank.point) < 1e-5


def test_eastern_ukraine_is_the_area_of_donetsk_and_luhansk_oblasts():
    import shapely

    from geo.data import load_countries, load_places

    east = article_places()["eastern-ukraine"]
    assert east.shape == "area"
    places = load_places()
    # Donetsk and Luhansk (held by Russian-controlled separatists), Kramatorsk, Slovyansk
    # and Lysychansk (held by Ukraine in 2021): the area takes in both sides of the line of control.
    for geonameid in (709717, 702658, 704508, 693468, 702972):
        assert east.geometry.covers(places[geonameid].geometry), places[geonameid]["name"]
    assert east.geometry.difference(load_countries()["UA"].geometry).area < 1e-9
    assert east.geometry.covers(east.point)
    passage = next(p for p in load_story().passages if p.place == "eastern-ukraine")
    assert "line itself is not in the bundled data" in passage.reason
    assert isinstance(east.geometry, shapely.Polygon)


def test_the_flank_passage_reason_names_what_is_drawn():
    passage = next(p for p in load_story().passages if p.place == "nato-eastern-flank")
    for country in ("Poland", "Lithuania", "Latvia"):
        assert country in passage.reason
    assert "Belarus–Lithuania" not in article_places()["nato-eastern-flank"].name


def test_a_place_refuses_a_point_off_its_shape():
    import shapely

    from geo import InputError
    from geo.places import Place

    line = shapely.LineString([(24.0, 52.0), (25.0, 53.0)])
    assert Place("x", "X", "border", 24.5, 52.5, "a test line", line).shape == "line"
    with pytest.raises(InputError, match="not on its geometry"):
        Place("x", "X", "border", 30.0, 50.0, "a test line", line)
    with pytest.raises(InputError, match="not a point, line or area"):
        Place("x", "X", "region", 24.5, 52.5, "a collection", shapely.GeometryCollection([line]))
