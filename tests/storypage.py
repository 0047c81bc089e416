"""Browser-test plumbing for the "Your article" panel: paste, review, and read what the map draws."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
#: A cold server computes the data once before the first map.
FIRST_DRAW_MS = 120_000
STEP_MS = 30_000

#: Every passage badge on the map, its tooltip and popup opened the way a reader opens them, as
#: the map's DOM shows them: badge text, tooltip text, popup text, its LatLng and its point
#: on screen (container pixels). Opening by method, not by a click event: a click is also
#: reported to the page, which would select the passage and rerun it.
BADGES = """() => {
    const map = window.map;
    const out = [];
    map.eachLayer(layer => {
        const icon = layer instanceof L.Marker && layer.options.icon;
        const cls = icon && icon.options && icon.options.className || "";
        if (!cls.includes("atlas-passage")) return;
        const text = (overlay) => {
            const el = overlay && overlay.getElement();
            return el && el.isConnected ? el.textContent.trim() : null;
        };
        layer.openTooltip();
        const tooltip = text(layer.getTooltip());
        layer.closeTooltip();
        layer.openPopup();
        const popup = text(layer.getPopup());
        layer.closePopup();
        const at = layer.getLatLng();
        const point = map.latLngToContainerPoint(at);
        out.push({badge: layer.getElement() ? layer.getElement().textContent : null, tooltip, popup,
                  lat: at.lat, lng: at.lng, x: point.x, y: point.y, unconfirmed: cls.includes("atlas-unconfirmed")});
    });
    return out;
}"""

#: Put text in a text box as a paste leaves it: the value set, one input event (React reads it).
PASTE = """(box, text) => {
    box.focus();
    Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value").set.call(box, text);
    box.dispatchEvent(new Event("input", {bubbles: true}));
}"""

#: Let handlers that fire after insertion (onerror, onload) run: two frames and a task.
SETTLE = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 0))))"


def key_class(key: str) -> str:
    """The CSS class Streamlit gives a keyed widget's container (``byo-q-gn:1`` is ``st-key-byo-q-gn-1``)."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


class StoryPage:
    """One browser page of the real app, recording dialogs and script errors."""

    def __init__(self, browser, base: str):
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        self.page = self.context.new_page()
        self.base = base
        self.dialogs: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def open(self, query: str = "") -> StoryPage:
        """Open the page and wait until the whole page, the article panel included, is there."""
        self.page.goto(f"{self.base}/{query}")
        self.page.locator(f".{key_class('byo-text')} textarea").wait_for(state="attached", timeout=FIRST_DRAW_MS)
        return self

    def widget(self, key: str, inner: str = ""):
        return self.page.locator(f".{key_class(key)} {inner}".strip())

    def open_panel(self) -> None:
        """Open the "Your article" expander if it is closed, at its "Paste" tab.

        The page may still be re-rendering after the last action (the map can show its new
        layers before the rest of the page has arrived), and a re-render can close the
        expander between the check and the click: check again until the tab takes the click.
        """
        area = self.widget("byo-text", "textarea")
        panel = self.page.locator('[data-testid="stExpander"] details', has=self.page.locator(
            "summary", has_text="Your article"))
        deadline = time.monotonic() + STEP_MS / 1000
        while True:
            if panel.get_attribute("open", timeout=STEP_MS) is None:
                panel.locator("summary").click()
            try:
                panel.get_by_role("tab", name="Paste").click(timeout=3_000)
                break
            except PlaywrightTimeoutError:
                if time.monotonic() > deadline:
                    raise
        area.wait_for(state="visible", timeout=STEP_MS)

    def close_article(self) -> None:
        """Close the article under review, if any, and wait for the bundled story's badges (all confirmed)."""
        close = self.widget("byo-close", "button")
        if close.count():
            close.click()
            close.wait_for(state="detached", timeout=STEP_MS)
            self.wait_for_badges("badges.length > 0 && !badges.some(b => b.unconfirmed)")

    def paste(self, text: str) -> None:
        """Put ``text`` in the article box and hand it to the app (the box sends its value on blur)."""
        self.open_panel()
        area = self.widget("byo-text", "textarea")
        if len(text) <= 5_000:
            area.fill(text)
        else:
            # Chromium's own editing (Playwright's fill, execCommand("insertText")) lays out a long
            # word again for each step: 200,000 characters of one word took 170 s in the text box
            # alone, before the app saw anything. Set the value as a paste leaves it, and say so.
            area.evaluate(PASTE, text)
        area.press("Control+Enter")

    def find_places(self) -> None:
        button = self.widget("byo-find", "button")
        self.page.wait_for_function(
            "sel => { const b = document.querySelector(sel); return b && !b.disabled; }",
            arg=f".{key_class('byo-find')} button", timeout=STEP_MS)
        button.click()

    def frame(self):
        return self.page.locator(MAP_IFRAME).first.element_handle(timeout=STEP_MS).content_frame()

    def badges(self) -> list[dict]:
        return self.frame().evaluate(BADGES)

    def wait_for_badges(self, condition: str, timeout: int = STEP_MS) -> list[dict]:
        """Wait until ``condition`` (JavaScript over ``badges``, the list :data:`BADGES` returns) holds."""
        self.frame().wait_for_function(f"() => {{ const badges = ({BADGES})(); return {condition}; }}",
                                       timeout=timeout)
        return self.badges()

    def download(self, fmt: str) -> bytes:
        """Click the export popover's download button for ``fmt``; return the bytes the browser saved."""
        button = self.page.locator(f".st-key-download-{fmt} button")
        if not button.count():
            self.page.locator('[data-testid="stPopoverButton"]', has_text="Export a snapshot").click(timeout=STEP_MS)
        button.wait_for(timeout=STEP_MS)
        with self.page.expect_download(timeout=STEP_MS * 4) as download:
            button.click()
        return Path(download.value.path()).read_bytes()

    def flags(self, name: str = "__pwned") -> list[object]:
        """``window[name]`` in the page and in every frame of it (the map's included)."""
        self.page.evaluate(SETTLE)
        return [f.evaluate(f"() => window[{json.dumps(name)}]") for f in self.page.frames if not f.is_detached()]

    def healthy(self) -> bool:
        with urllib.request.urlopen(f"{self.base}/_stcore/health", timeout=10) as r:
            return r.read().strip() == b"ok"

    def close(self) -> None:
        self.context.close()
