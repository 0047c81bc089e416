"""The real app in Debian's Chromium: switching the border redraws border and bands in the same map."""

import pytest
from test_browser import DRAW_MS, Page

pytestmark = pytest.mark.browser

_PATHS = """() => ({
    border: [...document.querySelectorAll('path.atlas-border')].map(p => p.getAttribute('d')),
    bands: [...document.querySelectorAll('path.atlas-band')].map(p => p.getAttribute('d')),
    token: window.__atlas_border, flights: window.__atlas_border_flights || 0,
    marker: window.__atlas_marker,
})"""


@pytest.fixture
def page(browser, app_server):
    p = Page(browser, app_server)
    yield p
    p.context.close()


def choose(page: Page, key: str, label: str) -> None:
    """Pick ``label`` in the sidebar's select box keyed ``key``, as a reader does: type, then pick it."""
    box = page.page.locator(f".st-key-{key} input[role='combobox']")
    box.wait_for(timeout=DRAW_MS)
    box.click()
    box.fill(label)
    page.page.locator("[role='option']", has_text=label).first.click(timeout=DRAW_MS)


def test_switching_the_border_redraws_border_and_bands_without_reloading_the_map(page):
    page.open({"rings": "50,100,200"})
    frame = page.frame()
    frame.wait_for_function("() => window.__atlas_border === 'BY-UA'", timeout=DRAW_MS)
    frame.evaluate("() => { window.__atlas_marker = 1; }")
    before = frame.evaluate(_PATHS)
    assert len(before["border"]) == 1 and len(before["bands"]) == 3
    choose(page, "border_b", "Poland")
    frame.wait_for_function("() => window.__atlas_border === 'BY-PL'", timeout=DRAW_MS)
    frame.wait_for_function("() => document.querySelectorAll('path.atlas-band').length === 3", timeout=DRAW_MS)
    after = frame.evaluate(_PATHS)
    assert after["marker"] == 1, "the map iframe reloaded"
    assert len(after["border"]) == 1 and after["border"] != before["border"]
    assert len(after["bands"]) == 3 and set(after["bands"]).isdisjoint(before["bands"])
    assert after["flights"] == 1, "the map flies to the new border, once"
    # The view ends on the new border: its west end (Poland's side, about 23.5° E) is in sight.
    frame.wait_for_timeout(1500)
    bounds = frame.evaluate("() => { const b = window.map.getBounds(); return [b.getWest(), b.getEast(), "
                            "b.getSouth(), b.getNorth()]; }")
    assert bounds[0] < 23.5 < bounds[1] and bounds[2] < 52.5 < bounds[3]
    assert page.foreign_requests() == []
