"""A person's own article in Chromium against the real page: mapped, corrected, trimmed, exported, saved."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect
from storypage import STEP_MS, StoryPage

pytestmark = pytest.mark.browser

TEXT = ("Polish officials in Warsaw said on Monday that trucks from Belarus were stuck at Brest. "
        "Minsk denied it. Poland and Belarus have argued over the crossing since 2021.")
DROPPED = "Minsk denied it."
KEPT = "Poland and Belarus have argued over the crossing since 2021."
KRAKOW = (50.06143, 19.93658)


@pytest.fixture
def story_page(shared_page):
    """The page with :data:`TEXT` freshly pasted (any article before it closed) and its places drawn."""
    p = shared_page
    p.close_article()
    p.paste(TEXT)
    p.find_places()
    p.wait_for_badges("badges.some(b => (b.tooltip || '').includes('Warsaw'))")
    yield p
    assert p.dialogs == []


def _tooltips(badges: list[dict]) -> str:
    return " | ".join(b["tooltip"] or "" for b in badges)


def _strings(value) -> list[str]:
    """Every string in a JSON value, keys and values."""
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_a_pasted_article_draws_its_places_and_passages(story_page):
    badges = story_page.badges()
    tooltips = _tooltips(badges)
    for name in ("Warsaw", "Brest", "Minsk", "Poland", "Belarus"):
        assert name in tooltips
    # Found, not yet confirmed by a person: every badge says so.
    assert all(b["unconfirmed"] and "not yet confirmed" in b["tooltip"] for b in badges)
    popups = " ".join(b["popup"] for b in badges)
    assert DROPPED in popups and KEPT in popups
    assert "Polish officials in Warsaw said on Monday" in popups
    warsaw = next(b for b in badges if "Warsaw" in b["tooltip"])
    assert (warsaw["lat"], warsaw["lng"]) == pytest.approx((52.22977, 21.01178), abs=1e-4)
    # The reading column follows: the passage list quotes the article.
    assert story_page.page.locator(".st-key-passage-1 button").inner_text(timeout=STEP_MS).startswith("1.")


def test_a_correction_moves_the_marker(story_page):
    before = next(b for b in story_page.badges() if "Warsaw" in b["tooltip"])
    query = story_page.widget("byo-q-gn:756135", "input")
    query.fill("Krak")
    query.press("Enter")
    choice = story_page.widget("byo-c-gn:756135").get_by_role("combobox")
    expect(choice).to_have_value(re.compile(r"^Kraków \(city, PL\)"), timeout=STEP_MS)
    story_page.widget("byo-fix-gn:756135", "button").click()
    badges = story_page.wait_for_badges("badges.some(b => (b.tooltip || '').includes('Kraków'))")
    after = next(b for b in badges if "Kraków" in b["tooltip"])
    assert "Warsaw" not in _tooltips(badges)
    assert after["badge"] == before["badge"], "the place keeps its passages"
    assert (after["lat"], after["lng"]) == pytest.approx(KRAKOW, abs=1e-3)
    assert not after["unconfirmed"], "a correction is a person's confirmation"
    # On screen: Kraków is south and a little west of Warsaw.
    assert after["y"] > before["y"] + 20 and after["x"] < before["x"]


def test_a_dropped_passage_leaves_the_map_and_the_exports(story_page):
    minsk = next(b for b in story_page.badges() if "Minsk" in b["tooltip"])
    assert minsk["popup"].count(DROPPED) == 1
    number = minsk["badge"]
    story_page.page.locator(f'[class*="st-key-byo-drop-{number}-"] button').click()
    badges = story_page.wait_for_badges("!badges.some(b => (b.popup || '').includes('Minsk denied'))")
    assert "Minsk" not in _tooltips(badges), "Minsk's only passage went, so its badge did"
    assert KEPT in " ".join(b["popup"] for b in badges)
    html = story_page.download("html").decode("utf-8")
    assert "Minsk denied" not in html and "have argued over the crossing" in html
    geojson = json.loads(story_page.download("geojson"))
    strings = " ".join(_strings(geojson))
    assert "Minsk denied" not in strings and KEPT in strings


def test_a_saved_story_file_opens_again(story_page):
    story_page.widget("byo-ok-gn:629634", "button").click()  # confirm Brest
    story_page.wait_for_badges("badges.some(b => (b.tooltip || '').includes('Brest') && !b.unconfirmed)")
    saved_badges = story_page.badges()
    with story_page.page.expect_download(timeout=STEP_MS) as download:
        story_page.widget("byo-save", "button").click()
    data = download.value.path().read_bytes()
    assert b'format = "article-atlas-story/1"' in data
    # Close the article: the bundled story comes back; then open the saved file.
    story_page.close_article()
    story_page.open_panel()
    story_page.page.get_by_role("tab", name="Open a story file").click()
    story_page.widget("byo-story", 'input[type="file"]').set_input_files(
        files=[{"name": "story.toml", "mimeType": "application/toml", "buffer": data}])
    story_page.page.wait_for_function(
        "sel => { const b = document.querySelector(sel); return b && !b.disabled; }",
        arg=".st-key-byo-open button", timeout=STEP_MS)
    story_page.widget("byo-open", "button").click()
    badges = story_page.wait_for_badges("badges.some(b => (b.tooltip || '').includes('Brest'))")
    key = lambda b: (b["badge"], b["tooltip"], b["popup"], round(b["lat"], 5), round(b["lng"], 5), b["unconfirmed"])  # noqa: E731
    assert sorted(map(key, badges)) == sorted(map(key, saved_badges))


def test_the_page_link_names_a_bundled_story_never_a_persons_own(story_page):
    page = story_page.page
    page.wait_for_function("() => !location.search.includes('story=')", timeout=STEP_MS)
    story_page.close_article()
    page.wait_for_function("() => new URLSearchParams(location.search).get('story') === 'belarus'", timeout=STEP_MS)
    # The link opens that story again, at the same step.
    other = StoryPage(story_page.page.context.browser, story_page.base)
    try:
        other.open("?story=belarus&passage=2")
        expect(other.page.get_by_text("Step 2 of")).to_be_visible(timeout=STEP_MS)
        assert "story=belarus" in other.page.url
    finally:
        other.close()
