"""A draft story from any article: found places listed for review, passages proposed, a border proposed."""

import pytest

from geo.authoring import confirm_place, correct_place, draft_story, propose_border, remove_place
from geo.errors import InputError
from geo.gazetteer import load_gazetteer
from geo.geoparse import find_places
from geo.places import story_places
from geo.story import Article, load_story, load_story_file

NEIGHBOURS = {"BY": ("LT", "LV", "PL", "RU", "UA"), "UA": ("BY", "HU", "MD", "PL", "RO", "RU", "SK"),
              "RU": ("BY", "EE", "FI", "LT", "LV", "NO", "PL", "UA"), "PL": ("BY", "DE", "LT", "RU", "UA"),
              "FR": ("BE", "DE", "ES"), "DE": ("FR", "PL"), "ES": ("FR", "PT")}

TEXT = ("Spanish fishermen in Vigo said on Monday that the French port of Bordeaux was closed. "
        "Madrid and Paris traded blame, and officials in Lisbon watched. France and Spain "
        "share a border in the Pyrenees.")


def neighbours(iso2):
    return NEIGHBOURS.get(iso2, ())


@pytest.fixture(scope="module")
def belarus_draft():
    return draft_story(load_story().article, neighbours=neighbours)


def test_every_found_place_starts_unconfirmed_with_how_it_was_located(belarus_draft):
    story = belarus_draft.story
    ids = [p.id for p in story.places]
    assert {"iso:BY", "iso:UA", "iso:RU", "gn:703448", "gn:625144"} <= set(ids)
    assert all(not p.confirmed for p in story.places)
    assert set(belarus_draft.unconfirmed) == set(ids)
    kyiv = belarus_draft.finding("gn:703448")
    assert kyiv.mentions == ("Kyiv",) and "Kyiv" in kyiv.located and 0.5 <= kyiv.confidence <= 1
    belarus = belarus_draft.finding("iso:BY")
    assert "Belarusian" in belarus.mentions and belarus.count >= 10


def test_proposed_passages_are_exact_substrings_tied_to_found_places(belarus_draft):
    story = belarus_draft.story
    ids = {p.id for p in story.places}
    assert 1 <= len(story.passages) <= 20
    for p in story.passages:
        assert story.article.text[p.offset:p.offset + len(p.quote)] == p.quote
        assert p.place in ids


def test_found_places_are_located_on_the_map_even_outside_the_bundled_region():
    draft = draft_story(Article(TEXT), neighbours=neighbours)
    located = story_places(draft.story)
    lisbon = next(p for p in located.values() if p.name == "Lisbon")
    assert lisbon.lon == pytest.approx(-9.14, abs=0.05) and lisbon.lat == pytest.approx(38.72, abs=0.05)
    assert "recorded" in lisbon.method
    assert draft.story.border == "ES-FR"


def test_the_border_proposed_is_the_neighbouring_pair_named_most():
    mentions = find_places("Poland and Belarus argued; Warsaw and Minsk and Brest. Ukraine once.")
    assert propose_border(mentions, neighbours) == "BY-PL"
    assert propose_border(find_places("Only Paris was named."), neighbours) is None


def test_confirm_correct_and_remove_record_the_review(belarus_draft):
    gaz = load_gazetteer()
    moscow = "gn:524901"
    confirmed = confirm_place(belarus_draft, moscow)
    assert confirmed.story.place(moscow).confirmed and moscow not in confirmed.unconfirmed
    # A person corrects Moscow to Saint Petersburg: same id, so its passages follow the new point.
    before = story_places(confirmed.story)[moscow]
    spb = gaz.find("gn:498817")
    corrected = correct_place(confirmed, moscow, spb)
    after = story_places(corrected.story)[moscow]
    assert after.name == "Saint Petersburg" and after.confirmed
    assert (after.lon, after.lat) != (before.lon, before.lat)
    assert [p.quote for p in corrected.story.passages_for(moscow)] == \
        [p.quote for p in confirmed.story.passages_for(moscow)]
    assert "corrected by a person" in corrected.finding(moscow).located
    # Removing a place removes its passages and its finding.
    ukraine_passages = len(corrected.story.passages_for("iso:UA"))
    assert ukraine_passages >= 1
    removed = remove_place(corrected, "iso:UA")
    assert "iso:UA" not in {p.id for p in removed.story.places}
    assert not removed.story.passages_for("iso:UA")
    assert len(removed.story.passages) == len(corrected.story.passages) - ukraine_passages
    with pytest.raises(InputError):
        removed.finding("iso:UA")
    with pytest.raises(InputError):
        remove_place(removed, "iso:UA")


def test_a_reviewed_draft_saves_and_opens_again_with_who_confirmed_what(belarus_draft):
    reviewed = confirm_place(belarus_draft, "gn:703448")
    for fmt in ("toml", "json"):
        back = load_story_file(reviewed.story.dumps(fmt).encode("utf-8"))
        assert back == reviewed.story
        assert back.place("gn:703448").confirmed and not back.place("iso:BY").confirmed


def test_exports_carry_the_person_s_story_and_say_what_was_confirmed(belarus_draft):
    import json

    from geo.bands import BandSpec
    from geo.export import export_request, render
    from geo.static_map import draw_map

    draft = confirm_place(belarus_draft, "gn:703448")
    dropped = draft.story.passages[0]
    story = draft.story.with_passages(
        (p.quote, p.place, p.reason, p.offset) for p in draft.story.passages[1:])
    spec = BandSpec((50.0, 100.0))
    overlays = json.loads(render(export_request("geojson", spec, story=story)))
    passages = [f["properties"] for f in overlays["features"] if f["properties"]["layer"] == "passage"]
    assert [p["quote"] for p in passages] == [p.quote for p in story.passages]
    assert len(passages) == len(draft.story.passages) - 1
    assert sum(p["quote"] == dropped.quote for p in passages) == sum(p.quote == dropped.quote for p in story.passages)
    places = {f["properties"]["id"]: f["properties"] for f in overlays["features"]
              if f["properties"]["layer"] == "place"}
    assert places["gn:703448"]["confirmed"] is True and places["iso:BY"]["confirmed"] is False
    html = render(export_request("html", spec, story=story)).decode("utf-8")
    assert "atlas-unconfirmed" in html and "not yet confirmed" in html
    drawn = draw_map(spec, export_request("png", spec, size="social").map_size, story=story)
    credits = " ".join(a.get_text() for i in drawn.items if i.kind == "credits" for a in i.artists
                       if hasattr(a, "get_text"))
    assert f"Places confirmed by a person: 1 of {len(story.places)}" in credits
    bundled = json.loads(render(export_request("geojson", spec)))
    assert all(f["properties"]["confirmed"] for f in bundled["features"] if f["properties"]["layer"] == "place")
