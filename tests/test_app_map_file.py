"""A distance change sends the map's new layers, not its 470 kB base map (issue 16)."""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_scriptfiles import registered_scripts

from geo.assets import BUNDLE_DIR
from geo.scriptfiles import PREFIX

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _map_args(at: AppTest) -> dict:
    component = next(c for c in at.get("component_instance") if "streamlit_folium" in c.proto.component_name)
    return json.loads(component.proto.json_args)


def _stored_scripts(link: str) -> dict[str, str]:
    """The scripts a bundle file registers for its loader, by key."""
    return registered_scripts((BUNDLE_DIR / link.rsplit("/", 1)[1]).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def changed():
    """The default page's map arguments, and the map's after the distances change to 30, 60."""
    at = AppTest.from_file(APP, default_timeout=120).run().run()
    before = _map_args(at)
    at.text_input(key="rings_text").set_value("30, 60").run()
    return before, _map_args(at)


def test_the_base_map_goes_as_a_file_with_the_libraries(changed):
    args, _ = changed
    (link,) = args["js_links"]
    assert link.startswith(f"/app/static/bundles/{PREFIX}")
    assert len(args["script"]) < 200, "a one-line loader, not the map"
    (key,) = _stored_scripts(link)
    assert json.dumps(key) in args["script"]
    script = _stored_scripts(link)[key]
    assert "map_div" in script and "L.map(" in script, "the map's own script, run by the loader"
    assert "Leaflet" in (BUNDLE_DIR / link.rsplit("/", 1)[1]).read_text(encoding="utf-8")


def test_a_distance_change_sends_only_the_loader_again(changed):
    before, after = changed
    assert after["feature_group"].count('"className": "atlas-band"') == 2
    assert (after["script"], after["js_links"], after["key"]) == (before["script"], before["js_links"],
                                                                  before["key"]), "the same map: no reload"
    assert len(json.dumps(after)) < len(after["feature_group"]) + 20_000
