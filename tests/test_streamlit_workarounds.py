"""Pins what streamlit_workarounds takes from Streamlit's private API, and shows it works in a real server."""

from __future__ import annotations

import inspect

import pytest
from streamlit.runtime import Runtime
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.session_manager import ActiveSessionInfo, SessionManager

from geo.errors import InputError
from streamlit_workarounds import DownloadFailures


def test_the_private_names_it_relies_on_are_still_there():
    from streamlit.runtime.runtime import AsyncObjects

    assert callable(getattr(Runtime, "_get_async_objs", None))
    assert "eventloop" in AsyncObjects.__annotations__
    assert "get_active_session_info" in dir(SessionManager)
    assert "session" in ActiveSessionInfo.__dataclass_fields__
    assert list(inspect.signature(AppSession.request_rerun).parameters) == ["self", "client_state"]
    assert "_session_mgr" in inspect.getsource(Runtime.__init__)


def test_a_failure_is_kept_for_its_session_until_shown_once():
    failures = DownloadFailures(max_sessions=2)

    def broken() -> bytes:
        raise InputError("no room for the legend")

    for session in ("a", "b", "c"):
        with pytest.raises(InputError):
            failures.guard(broken, "PDF", (InputError,), session)()
    assert failures.pop("a") == [], "the oldest session is forgotten: the record is bounded"
    assert failures.pop("c") == ["PDF: no room for the legend"]
    assert failures.pop("c") == []
    assert failures.guard(lambda: b"ok", "PDF", (InputError,), "d")() == b"ok"
    assert failures.pop("d") == []


@pytest.mark.browser
def test_a_failed_download_tells_the_user_why(browser, tmp_path, root):
    from browsing import streamlit_app

    with streamlit_app(root, tmp_path / "server.log", script="tests/apps/failing_download.py") as base:
        page = browser.new_page()
        try:
            page.goto(base)
            page.locator(".st-key-named button").wait_for(timeout=60_000)
            page.locator(".st-key-named button").click()
            page.get_by_text("The layer name cannot be drawn").wait_for(timeout=30_000)
            page.locator(".st-key-crash button").click()
            page.get_by_text("an unexpected error (KeyError)").wait_for(timeout=30_000)
            errors = " ".join(page.locator("[data-testid='stAlertContentError']").all_inner_texts())
            assert "GeoPackage" in errors
        finally:
            page.close()


def test_the_streamlit_folium_internals_the_page_calls_are_still_there():
    """app.py renders a cached map once and sends its parts through these (see _render_once, _show_map)."""
    import folium
    import streamlit_folium as sf

    expected = {
        "_get_feature_group_string": ["feature_group_to_add", "map", "idx"],
        "_get_header": ["fig"],
        "_get_html": ["fig"],
        "_get_layer_control_string": ["control", "map"],
        "_get_map_string": ["fig"],
        "generate_js_hash": ["js_string", "key", "return_on_hover"],
        "get_full_id": ["m"],
    }
    for name, params in expected.items():
        assert list(inspect.signature(getattr(sf, name)).parameters) == params, name
    assert callable(sf._component_func)
    m = folium.Map()
    group = folium.FeatureGroup(name="x")
    script = sf._get_feature_group_string(group, map=m, idx=3)
    assert "feature_group_feature_group_3" in script and "map_div" in script, "groups are addressed by index"
    assert sf.get_full_id(m) not in script, "the map's own id is replaced by map_div"


def test_the_config_polls_follow_the_period_slow_config_polls_sets(tmp_path, monkeypatch):
    """A running PollingPathWatcher reads ``_POLLING_PERIOD_SECS`` at each poll, so a period set later applies."""
    import time

    from streamlit.watcher import polling_path_watcher

    import streamlit_workarounds

    monkeypatch.setattr(polling_path_watcher, "_POLLING_PERIOD_SECS", 0.02)
    path = tmp_path / "config.toml"
    path.write_text("a = 1\n")

    def edits_seen(period_later: float, wait_s: float) -> list[str]:
        polling_path_watcher._POLLING_PERIOD_SECS = 0.02
        seen: list[str] = []
        watcher = polling_path_watcher.PollingPathWatcher(str(path), seen.append)
        try:
            time.sleep(0.1)  # polling at 0.02 s
            polling_path_watcher._POLLING_PERIOD_SECS = period_later
            time.sleep(0.1)  # the poll under way ends; the next waits period_later
            path.write_text(path.read_text() + "b = 2\n")
            deadline = time.monotonic() + wait_s
            while not seen and time.monotonic() < deadline:
                time.sleep(0.02)
            return seen
        finally:
            watcher.close()

    assert edits_seen(0.02, 5.0) == [str(path)]
    assert edits_seen(3.0, 1.0) == []  # (a worker sleeps out its period: kept short for the exit)
    streamlit_workarounds.slow_config_polls()
    assert polling_path_watcher._POLLING_PERIOD_SECS == streamlit_workarounds.CONFIG_POLL_S >= 1.0
