"""Shared fixtures for the Article Atlas tests."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository's top folder."""
    return ROOT


@pytest.fixture(scope="session")
def border():
    """The Belarus–Ukraine border line from the bundled data."""
    from geo.borders import belarus_ukraine_border

    return belarus_ukraine_border()


@pytest.fixture(scope="session")
def brute_force(border):
    """An independent geodesic distance to the border (densified every 10 m)."""
    from geodesic_check import BruteForceDistance

    return BruteForceDistance(border, spacing_m=10.0)


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of ``data/`` that a test may damage."""
    target = tmp_path / "data"
    shutil.copytree(ROOT / "data", target)
    return target


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, driven by Playwright, shared by every browser test."""
    from browsing import BrowserMissing, chromium

    try:
        with chromium() as b:
            yield b
    except BrowserMissing as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """One real `streamlit run serve.py` (the page and its layer channel) for the session; yields its base URL."""
    from browsing import streamlit_app

    try:
        with streamlit_app(ROOT, tmp_path_factory.mktemp("streamlit") / "server.log") as base:
            yield base
    except RuntimeError as exc:
        pytest.fail(str(exc))


# Property tests draw the same examples on every run, so CI is reproducible.
settings.register_profile("atlas", derandomize=True, deadline=None)
settings.load_profile("atlas")


@pytest.fixture(scope="module")
def shared_page(browser, app_server):
    """One page of the app for a module of story tests: opening it costs far more than a paste."""
    from storypage import StoryPage

    p = StoryPage(browser, app_server).open()
    yield p
    p.close()
