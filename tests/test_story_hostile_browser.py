"""Hostile article text in Chromium against the real page: no script runs, the server never stalls.

The article carries script tags, event handlers, template-literal and string breakers, a
closing ``</script>``, bidirectional marks and sheer size. Every payload that ran would set
``window.__pwned`` (checked in the page and in every frame, the map's included) or open a
dialog (which the page records; there must be none).
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect
from storypage import STEP_MS

from geo.story import MAX_ARTICLE_CHARS

pytestmark = pytest.mark.browser

PWN = "window.__pwned=1"
#: Each payload sits in a sentence that names a place, so it is quoted in a passage: on the map's
#: badges and popups, in the review list, the passage list, the tour and the article itself.
HOSTILE = (
    f"Kyiv <script>{PWN}</script> is near Minsk.\n"
    f'Officials in Warsaw posted <img src=x onerror="{PWN};alert(1)"> twice.\n'
    f"In Lviv, ${{alert(1)}} and `${{{PWN}}}` and `; {PWN}; ` were typed.\n"
    f"Odesa </script><script>{PWN}</script> replied.\n"
    "\u202eBrest\u202c and \u200fGomel\u200f are in Belarus \u2067\u05d9\u05e8\u05d5\u05e9\u05dc\u05d9\u05dd\u2069.\n"
    f"Poland {{{{ 7*7 }}}} '); {PWN}; (' said \"); alert(1); (\" in Vilnius.\n"
    f'Moscow <svg onload=alert(1)> <iframe src="javascript:{PWN}"></iframe> <a href="javascript:{PWN}">x</a>.'
)
#: Elements that escaped article text could make (the page's own icons are svg without handlers).
INJECTED = "img, script, iframe, svg[onload], [onerror], [onload], a[href^='javascript'], math, details"
#: Count them in the article and the page's markdown as the page shows them.
COUNT_INJECTED = f"""() => {{
    let n = 0;
    for (const el of document.querySelectorAll(".atlas-article, [data-testid='stMarkdownContainer']")) {{
        n += el.querySelectorAll({json.dumps(INJECTED)}).length;
    }}
    return n;
}}"""
#: Count them in every passage badge's popup and tooltip on the map, each opened in turn.
COUNT_INJECTED_ON_MAP = f"""() => {{
    let n = 0, opened = 0;
    window.map.eachLayer(layer => {{
        const icon = layer instanceof L.Marker && layer.options.icon;
        if (!(icon && (icon.options.className || "").includes("atlas-passage"))) return;
        layer.openPopup();
        layer.openTooltip();
        for (const overlay of [layer.getPopup(), layer.getTooltip()]) {{
            n += overlay.getElement().querySelectorAll({json.dumps(INJECTED)}).length;
            opened += 1;
        }}
        layer.closeTooltip();
        layer.closePopup();
    }});
    return {{injected: n, opened}};
}}"""


@pytest.fixture
def page(shared_page):
    shared_page.close_article()
    yield shared_page
    assert shared_page.dialogs == [], "a dialog opened: a payload ran"
    assert all(flag is None for flag in shared_page.flags()), "window.__pwned was set: a payload ran"


def test_hostile_article_text_is_shown_as_text_and_runs_nothing(page):
    page.paste(HOSTILE)
    page.find_places()
    badges = page.wait_for_badges("badges.some(b => (b.tooltip || '').includes('Odesa'))")
    popups = " ".join(b["popup"] for b in badges)
    # The payloads are quoted, literally, as the article has them.
    for payload in (f"<script>{PWN}</script>", f'<img src=x onerror="{PWN};alert(1)">', "${alert(1)}",
                    f"`${{{PWN}}}`", f"</script><script>{PWN}</script>", "'); window.__pwned=1; ('"):
        assert payload in popups, payload
    # The passage list and the article follow the story; the tour shows a quote.
    page.page.locator(".st-key-passage-1 button").wait_for(timeout=STEP_MS)
    article = page.page.locator(".atlas-article")
    expect(article).to_contain_text(f'<img src=x onerror="{PWN};alert(1)">', timeout=STEP_MS)
    expect(article).to_contain_text("\u202eBrest\u202c")
    page.widget("tour-start", "button").click()
    page.widget("tour-next", "button").wait_for(timeout=STEP_MS)
    assert page.frame().evaluate(COUNT_INJECTED_ON_MAP) == {"injected": 0, "opened": 2 * len(badges)}
    assert page.page.evaluate(COUNT_INJECTED) == 0


def test_two_hundred_thousand_characters_of_one_word_do_not_stall_the_server(page):
    page.paste("A" * MAX_ARTICLE_CHARS)
    page.find_places()
    # Read, parsed and listed: no place in it, so the story has none and says so.
    expect(page.page.get_by_text("0 of 0 confirmed by you")).to_be_visible(timeout=STEP_MS)
    expect(page.page.get_by_text("This story has no passages yet")).to_be_visible(timeout=STEP_MS)
    assert page.healthy()
    # The page still answers: a widget's change reruns it (the bundled story's badges come back).
    page.widget("byo_use", "label").click()
    page.wait_for_badges("badges.length > 0 && !badges.some(b => b.unconfirmed)")
    assert page.healthy()


def test_a_text_over_the_limit_is_refused_with_its_length(page):
    page.paste("A" * (MAX_ARTICLE_CHARS + 1))
    message = page.page.get_by_text("This text has 200,001 characters; an article may have at most 200,000.")
    expect(message).to_be_visible(timeout=STEP_MS)
    expect(page.widget("byo-find", "button")).to_be_disabled()
    # Cut to the limit, the same text is accepted.
    page.paste("A" * MAX_ARTICLE_CHARS)
    expect(message).to_have_count(0, timeout=STEP_MS)
    expect(page.widget("byo-find", "button")).to_be_enabled()
    assert page.healthy()


def test_the_harness_sees_a_payload_that_runs(shared_page):
    """Control: the same kind of payload inserted as markup into the map's frame is seen, so the checks can fail."""
    frame = shared_page.frame()
    frame.evaluate(f"""() => document.body.insertAdjacentHTML("beforeend", '<img src=x onerror="{PWN}">')""")
    frame.wait_for_function("() => window.__pwned === 1", timeout=STEP_MS)
    assert 1 in shared_page.flags()
    frame.evaluate("() => { delete window.__pwned; }")
