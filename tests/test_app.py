"""The Streamlit page under streamlit.testing.v1.AppTest: widgets, URL state, messages."""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.assets import BUNDLE_DIR

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def open_app(**query: str) -> AppTest:
    """A new visitor's first run of the page, with the given query parameters."""
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def run_app(**query: str) -> AppTest:
    """The whole page: in a browser, the map's first report triggers the second run."""
    return open_app(**query).run()


def map_args(at: AppTest) -> dict:
    """The main map's st_folium arguments (the first component on the page)."""
    components = [c for c in at.get("component_instance") if "streamlit_folium" in c.proto.component_name]
    assert components, "the st_folium map is missing"
    return json.loads(components[0].proto.json_args)


def map_id(at: AppTest) -> str:
    return next(c.proto.id for c in at.get("component_instance") if "streamlit_folium" in c.proto.component_name)


def band_count(at: AppTest) -> int:
    return (map_args(at)["feature_group"] or "").count('"className": "atlas-band"')


@pytest.fixture(scope="module")
def default_app() -> AppTest:
    """The page opened with the documented shareable link."""
    return run_app(rings="50,100,200", side="both", units="km")


def test_runs_without_exception_or_warning(default_app):
    assert not default_app.exception
    assert not default_app.warning
    assert not default_app.error


def test_a_new_visitor_gets_the_map_first_then_the_whole_page():
    at = open_app(rings="50,100,200")
    assert not at.exception
    assert band_count(at) == 3
    assert not at.text_input, "the first run sends the map alone, not even the band controls"
    assert not at.metric and not [b for b in at.button if b.key and b.key.startswith("passage-")]
    first_map = map_args(at)
    at.run()
    assert at.text_input(key="rings_text").value == "50, 100, 200"
    assert at.metric and len([b for b in at.button if b.key and b.key.startswith("passage-")]) >= 10
    assert map_args(at) == first_map, "filling in the page must not change the map"


def test_widgets_exist(default_app):
    at = default_app
    assert at.text_input(key="rings_text").value == "50, 100, 200"
    assert at.selectbox(key="preset").value == "50 / 100 / 200 km"
    assert at.radio(key="side").value == "both"
    assert at.radio(key="units").value == "km"
    assert at.selectbox(key="clip").value == "none"
    assert at.selectbox(key="basemap").value == "offline"
    assert "bands" in at.multiselect(key="layers").value
    assert len([b for b in at.button if b.key and b.key.startswith("passage-")]) >= 10


def test_rings_in_the_url_give_three_bands(default_app):
    args = map_args(default_app)
    assert band_count(default_app) == 3
    assert "atlas-border" in args["feature_group"], "the border is an adjustable layer: switching it keeps the map"
    assert all(link.startswith("/app/static/vendor/") for link in args["css_links"])
    # The scripts come as one bundle of vendored files (see geo.assets.bundle_scripts).
    (bundle,) = args["js_links"]
    assert bundle.startswith("/app/static/bundles/")
    assert "Leaflet" in (BUNDLE_DIR / bundle.rsplit("/", 1)[1]).read_text(encoding="utf-8")


def test_malformed_rings_warn_and_the_page_still_renders():
    at = run_app(rings="abc,-5")
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "not numbers" in text and "outside" in text
    assert band_count(at) == 3  # the defaults stand in


def test_hostile_url_values_are_reported_inertly():
    at = run_app(rings="<img src=x onerror=alert(1)>", side="</script><script>alert(1)</script>")
    assert not at.exception
    assert len(at.warning) >= 2
    assert all("<" not in w.value for w in at.warning)


def test_distance_change_updates_bands_without_a_new_map():
    at = run_app(rings="50,100,200")
    before = map_id(at)
    at.text_input(key="rings_text").set_value("30, 60").run()
    assert band_count(at) == 2
    assert map_id(at) == before, "the map component must not be re-created"
    assert at.query_params["rings"] == "30,60"


def test_bad_typed_distances_warn_and_keep_the_good_ones():
    at = run_app()
    at.text_input(key="rings_text").set_value("40, 2000, x").run()
    assert not at.exception
    assert band_count(at) == 1
    assert any("outside" in w.value for w in at.warning)


def test_units_switch_changes_the_facts(default_app):
    at = run_app(rings="50,100,200")
    km = at.metric[0].value
    at.radio(key="units").set_value("mi").run()
    mi = at.metric[0].value
    assert km.endswith(" km") and mi.endswith(" mi") and km != mi
    assert at.query_params["units"] == "mi"
    assert " mi from the Belarus" in map_args(at)["feature_group"]


def test_passage_click_asks_the_map_to_fly_there():
    at = run_app()
    at.button(key="passage-3").click().run()
    feature_group = map_args(at)["feature_group"]
    assert '"3:1"' in feature_group and "flyTo" in feature_group
    assert at.query_params["passage"] == "3"


def tour_text(at: AppTest) -> str:
    """What the tour's panel says."""
    return " ".join(m.value for m in at.markdown)


def test_the_tour_starts_at_the_first_passage_and_steps_both_ways():
    at = run_app()
    assert "Step 1 of" not in tour_text(at)
    at.button(key="tour-start").click().run()
    assert "**Step 1 of 16**" in tour_text(at)
    assert at.query_params["passage"] == "1"
    assert at.button(key="tour-previous").disabled
    at.button(key="tour-next").click().run()
    assert "**Step 2 of 16**" in tour_text(at) and at.query_params["passage"] == "2"
    assert '"2:2"' in map_args(at)["feature_group"], "each step flies the map"
    at.button(key="tour-previous").click().run()
    assert "**Step 1 of 16**" in tour_text(at)
    at.button(key="tour-end").click().run()
    assert "Step 1 of" not in tour_text(at) and at.button(key="tour-start")


def test_a_link_to_a_passage_opens_the_tour_at_that_step():
    at = run_app(passage="16")
    assert "**Step 16 of 16**" in tour_text(at)
    assert at.button(key="tour-next").disabled
    assert '"16:0"' in map_args(at)["feature_group"]


def test_the_analogy_steps_show_the_washington_map():
    at = run_app(passage="10")
    assert "**Step 10 of 16**" in tour_text(at)
    foliums = [c for c in at.get("component_instance") if "streamlit_folium" in c.proto.component_name]
    analogies = [c for c in foliums if "atlas-analogy-circle" in json.loads(c.proto.json_args)["script"]]
    assert len(analogies) == 2, "the step's own, beside its quote, and the analogy section's"


def test_the_map_is_described_in_words(default_app):
    words = " ".join(m.value for m in default_app.markdown)
    assert "0–50 km, 50–100 km and 100–200 km" in words.replace("\\", "")


def _encrypted_zip() -> bytes:
    """A zipped shapefile whose members are marked encrypted (bit 0 of the flags), as a locked zip is."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for ext in ("shp", "shx", "dbf"):
            archive.writestr(f"layer.{ext}", b"\x00\x00\x27\x0a" + bytes(96))
    data = bytearray(buffer.getvalue())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            data[start + flag_offset] |= 0x01
            start += 4
    return bytes(data)


def _corrupt_deflate_zip() -> bytes:
    """A zipped shapefile whose .shp member's deflate stream is garbage."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for ext in ("shp", "shx", "dbf"):
            archive.writestr(f"layer.{ext}", b"\x00\x00\x27\x0a" + bytes(4000))
    data = bytearray(buffer.getvalue())
    start = data.find(b"PK\x03\x04") + 30 + len("layer.shp")
    data[start : start + 12] = b"\xff" * 12
    return bytes(data)


@pytest.mark.parametrize(("name", "make"), [("locked.zip", _encrypted_zip), ("corrupt.zip", _corrupt_deflate_zip)])
def test_a_damaged_zip_is_reported_and_the_map_and_controls_stay(name, make):
    at = run_app()
    at.file_uploader(key="upload").upload(name, make(), "application/zip").run()
    assert not at.exception, "a user's file must never take the page down"
    assert any("could not be added" in e.value for e in at.error)
    assert band_count(at) == 3, "the map keeps its bands"
    assert at.text_input(key="rings_text").value and at.file_uploader(key="upload")


USER_GEOJSON = json.dumps({"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"name": "Uploaded-Zhytomyr"},
     "geometry": {"type": "Polygon", "coordinates": [[[28.5, 50.2], [28.9, 50.2], [28.9, 50.4], [28.5, 50.2]]]}},
]}).encode()


def test_an_uploaded_layer_is_sent_once_not_with_every_distance_change():
    at = run_app()
    at.file_uploader(key="upload").upload("mine.geojson", USER_GEOJSON, "application/geo+json").run()
    assert not at.exception and not at.error
    args = map_args(at)
    assert "Uploaded-Zhytomyr" in args["script"], "the layer is drawn into the cached base map"
    assert "Uploaded-Zhytomyr" not in (args["feature_group"] or ""), "not re-sent with the adjustable layers"
    before = map_id(at)
    at.text_input(key="rings_text").set_value("30, 60").run()
    assert band_count(at) == 2
    assert map_id(at) == before, "a distance change keeps the map with the layer; no reload"
    assert "Uploaded-Zhytomyr" in map_args(at)["script"]


def test_a_name_of_an_atlas_layer_does_not_replace_it_in_the_layer_control():
    at = run_app()
    collection = json.loads(USER_GEOJSON)
    at.file_uploader(key="upload").upload("Distance bands.geojson", json.dumps(collection).encode(),
                                          "application/geo+json").run()
    assert not at.exception
    args = map_args(at)
    assert '"Distance bands (2)"' in args["script"] + (args["layer_control"] or "")
