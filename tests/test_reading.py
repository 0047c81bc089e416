"""Reading the story in Debian's Chromium: the map answers the article where the reader is, on a
wide screen and on a phone; the guided tour; the phone's clear map; axe-core's accessibility check.
"""

import urllib.parse
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "static" / "vendor" / "axe-core" / "axe.min.js"
MAP = '.st-key-atlas-map-pane iframe[title="streamlit_folium.st_folium"]'
WIDE, PHONE = {"width": 1440, "height": 900}, {"width": 390, "height": 844}
SIZES = pytest.mark.parametrize("size", [WIDE, PHONE], ids=["1440x900", "390x844"])
FIRST_DRAW_MS = 120_000
DRAW_MS = 30_000

# The share of an element's box inside the window (0 to 1).
_IN_VIEW = """(el) => { const r = el.getBoundingClientRect();
  const w = Math.max(0, Math.min(r.right, innerWidth) - Math.max(r.left, 0));
  const h = Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0));
  return (w * h) / (r.width * r.height); }"""
# Whether a passage's badge lies inside the map's box, once the map has stopped moving.
_BADGE_ON_MAP = """(n) => { const map = document.querySelector('#map_div').getBoundingClientRect();
  const badge = document.querySelector('.atlas-passage-' + n);
  if (!badge || window.map._animatingZoom || window.map._panAnim && window.map._panAnim._inProgress) return false;
  const b = badge.getBoundingClientRect(), x = (b.left + b.right) / 2, y = (b.top + b.bottom) / 2;
  return x > map.left && x < map.right && y > map.top && y < map.bottom; }"""
# The share of the map not covered by a control, on a 2 px grid.
_CLEAR_SHARE = """() => { const map = document.querySelector('#map_div').getBoundingClientRect();
  const boxes = [...document.querySelectorAll('.leaflet-control-container .leaflet-control')]
    .map(c => c.getBoundingClientRect()).filter(r => r.width && r.height);
  let clear = 0, all = 0;
  for (let x = map.left + 1; x < map.right; x += 2) for (let y = map.top + 1; y < map.bottom; y += 2) {
    all++;
    if (!boxes.some(r => x >= r.left && x <= r.right && y >= r.top && y <= r.bottom)) clear++;
  }
  return clear / all; }"""
# Every control a finger can press on the map: [what, width, height].
_TARGETS = """() => [...document.querySelectorAll(
    '.leaflet-control-container a[href], .leaflet-control-container a[role=button], '
    + '.leaflet-control-container button, .leaflet-control-layers-toggle, .minimap-toggle-display')]
  .filter(e => e.offsetParent !== null && !e.closest('.leaflet-control-attribution'))
  .map(e => { const r = e.getBoundingClientRect();
              return [e.className || e.title || e.textContent, r.width, r.height]; })"""


class Reader:
    """A fresh page of the app at one window size."""

    def __init__(self, browser, base, size):
        self.context = browser.new_context(viewport=size)
        self.page = self.context.new_page()
        self.base = base

    def open(self, query: dict[str, str] | None = None):
        self.page.goto(self.base + "/" + ("?" + urllib.parse.urlencode(query) if query else ""))
        self.page.frame_locator(MAP).locator("path.atlas-band").first.wait_for(state="attached",
                                                                              timeout=FIRST_DRAW_MS)
        self.page.locator(".st-key-passage-1 button").wait_for(timeout=FIRST_DRAW_MS)
        self.page.locator("mark#passage-1").wait_for(timeout=DRAW_MS)
        # The page's last element: the layout's CSS and script (they come after the map and the text).
        self.page.wait_for_function("() => window.__atlasReading === true", timeout=DRAW_MS)
        self.page.wait_for_function(
            "() => !document.querySelector('[data-stale=true]') && document.readyState === 'complete'",
            timeout=DRAW_MS)
        return self

    def map(self):
        return self.page.locator(MAP)

    def frame(self):
        return self.map().element_handle().content_frame()

    def flown(self, token: str):
        """Wait until the map has flown to the passage that ``token`` asked for."""
        self.frame().wait_for_function("(t) => window.__atlas_flown === t", arg=token, timeout=DRAW_MS)

    def assert_map_answers(self, number: int):
        """The map is on screen (half of it at least) and shows passage ``number``'s badge."""
        self.page.wait_for_function(f"() => ({_IN_VIEW})(document.querySelector('{MAP}')) >= 0.5",
                                    timeout=DRAW_MS)
        self.frame().wait_for_function(_BADGE_ON_MAP, arg=number, timeout=DRAW_MS)

    def step(self) -> str:
        return self.page.locator(".st-key-atlas-tour").inner_text()


@pytest.fixture
def reader(browser, app_server, request):
    """A page at the size the test is parametrised with."""
    r = Reader(browser, app_server, request.node.callspec.params["size"])
    yield r
    r.context.close()


@SIZES
def test_a_passage_picked_in_the_text_moves_the_map_into_view(reader, size):
    reader.open()
    mark = reader.page.locator("mark#passage-14")
    mark.scroll_into_view_if_needed()
    mark.click()
    reader.flown("14:1")
    reader.assert_map_answers(14)
    popup = reader.page.frame_locator(MAP).locator(".leaflet-popup-content")
    popup.wait_for(timeout=DRAW_MS)
    assert "Passage 14" in popup.inner_text()
    assert reader.page.locator("mark#passage-14.atlas-selected").count() == 1


@SIZES
def test_a_passage_picked_in_the_list_moves_the_map_into_view(reader, size):
    reader.open()
    button = reader.page.locator(".st-key-passage-3 button")
    button.scroll_into_view_if_needed()
    button.click()
    reader.flown("3:1")
    reader.assert_map_answers(3)


@SIZES
def test_a_badge_on_the_map_brings_its_passage_into_view_highlighted(reader, size):
    reader.open()
    text = reader.page.locator("mark#passage-7")
    assert reader.page.evaluate(_IN_VIEW, text.element_handle()) < 1.0, "the passage starts out of view"
    reader.map().scroll_into_view_if_needed()
    reader.page.frame_locator(MAP).locator(".atlas-passage-7").click()
    reader.page.locator("mark#passage-7.atlas-selected").wait_for(timeout=DRAW_MS)
    reader.page.wait_for_function("(el) => (" + _IN_VIEW + ")(el) === 1", arg=text.element_handle(),
                                  timeout=DRAW_MS)
    assert reader.page.evaluate("() => document.activeElement.id") == "passage-7"
    assert "primary" in reader.page.locator(".st-key-passage-7 button").get_attribute("data-testid")


@SIZES
def test_the_tour_steps_forward_and_back_and_its_step_is_in_the_url(reader, size):
    reader.open()
    reader.page.locator(".st-key-tour-start button").click()
    reader.page.locator(".st-key-atlas-tour", has_text="Step 1 of 16").wait_for(timeout=DRAW_MS)
    reader.flown("1:1")
    reader.page.locator(".st-key-tour-next button").click()
    reader.page.locator(".st-key-atlas-tour", has_text="Step 2 of 16").wait_for(timeout=DRAW_MS)
    reader.flown("2:2")
    reader.assert_map_answers(2)
    reader.page.wait_for_function("() => location.search.includes('passage=2')", timeout=DRAW_MS)
    reader.page.locator(".st-key-tour-previous button").click()
    reader.page.locator(".st-key-atlas-tour", has_text="Step 1 of 16").wait_for(timeout=DRAW_MS)
    reader.flown("1:3")
    # The keyboard steps too: Streamlit's shortcut on the Next button.
    reader.page.locator("h1").click()
    reader.page.keyboard.press("n")
    reader.page.locator(".st-key-atlas-tour", has_text="Step 2 of 16").wait_for(timeout=DRAW_MS)


@SIZES
def test_a_link_to_a_passage_opens_that_step_of_the_tour(reader, size):
    reader.open({"passage": "7"})
    assert "Step 7 of 16" in reader.step()
    assert "Kyiv" in reader.step()
    reader.flown("7:0")
    reader.assert_map_answers(7)


@SIZES
def test_the_analogy_step_frames_the_washington_map(reader, size):
    reader.open({"passage": "8"})
    reader.flown("8:0")
    reader.page.locator(".st-key-tour-next button").click()
    reader.page.locator(".st-key-atlas-tour", has_text="Step 9 of 16").wait_for(timeout=DRAW_MS)
    analogy = reader.page.locator('.st-key-atlas-tour iframe[title="streamlit_folium.st_folium"]')
    analogy.wait_for(timeout=DRAW_MS)
    frame = analogy.element_handle().content_frame()
    frame.wait_for_function("() => document.querySelector('path.atlas-analogy-circle')", timeout=DRAW_MS)
    reader.page.wait_for_function("(el) => (" + _IN_VIEW + ")(el) > 0.5", arg=analogy.element_handle(),
                                  timeout=DRAW_MS)
    # The main map stays over Ukraine, on passage 8's place, rather than fly to an empty ocean.
    assert reader.frame().evaluate("() => window.__atlas_flown") == "8:0"


def test_on_a_phone_the_map_is_mostly_clear_and_its_controls_fit_a_finger(browser, app_server):
    reader = Reader(browser, app_server, PHONE).open()
    try:
        frame = reader.frame()
        width = reader.map().bounding_box()["width"]
        assert width >= PHONE["width"] - 2 * 8 - 1, "the map takes the full width"
        assert frame.evaluate(_CLEAR_SHARE) >= 0.6
        targets = frame.evaluate(_TARGETS)
        assert len(targets) >= 6, targets  # zoom in and out, fullscreen, measure, layers, minimap, legends
        small = [t for t in targets if t[1] < 44 or t[2] < 44]
        assert not small, small
        folded = frame.locator(".atlas-legend-folded")
        assert folded.count() == 2
        toggle = frame.locator(".atlas-legend-toggle").first
        assert toggle.get_attribute("aria-expanded") == "false"
        assert toggle.get_attribute("aria-label").startswith("Show the legend: ")
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"
        minimap = frame.locator(".leaflet-control-minimap").bounding_box()
        assert minimap["width"] < 60, "the minimap is folded (150 px open)"
        buttons = reader.page.locator('[data-testid="stMain"] button:visible')
        low = [b.inner_text() for b in buttons.all() if b.bounding_box()["height"] < 44]
        assert not low, low
    finally:
        reader.context.close()


@SIZES
def test_axe_core_finds_nothing_serious_on_the_default_page(reader, size):
    reader.open()
    reader.page.add_script_tag(path=str(AXE))
    found = reader.page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => [v.id, v.impact, v.nodes.map(n => n.target.join(' ')).slice(0, 3)])"
    )
    assert found == []
    frame = reader.frame()
    frame.add_script_tag(path=str(AXE))
    found = frame.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact)).map(v => [v.id, v.impact])"
    )
    assert found == []


def test_the_passages_in_the_text_are_reached_and_picked_with_the_keyboard(browser, app_server):
    reader = Reader(browser, app_server, WIDE).open()
    try:
        reader.page.locator("mark#passage-4").focus()
        reader.page.keyboard.press("Tab")
        focused = reader.page.evaluate("() => document.activeElement.id")
        assert focused == "passage-5"
        outline = reader.page.evaluate("() => getComputedStyle(document.activeElement).outlineWidth")
        assert outline == "3px", "the focus is visible"
        reader.page.keyboard.press("Enter")
        reader.flown("5:1")
        reader.assert_map_answers(5)
    finally:
        reader.context.close()


def test_the_table_of_each_band_opens_under_the_map(browser, app_server):
    reader = Reader(browser, app_server, WIDE).open()
    try:
        expander = reader.page.locator(".st-key-band-table")
        assert "Share of the country" not in expander.inner_text()
        expander.locator("summary").click()
        expander.get_by_text("Share of the country").wait_for(timeout=DRAW_MS)
        assert reader.page.evaluate(_IN_VIEW, expander.element_handle()) > 0
    finally:
        reader.context.close()
