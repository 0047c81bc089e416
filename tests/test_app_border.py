"""The sidebar's border chooser and gazetteer under AppTest: the map follows without a reload."""

import pytest
from test_app import band_count, map_args, map_id, run_app

from geo.borderchoice import neighbours_of


@pytest.fixture(scope="module")
def switched():
    """The default page, then Belarus–Poland chosen in the sidebar: (page, map id before, layers before)."""
    at = run_app(rings="50,100,200")
    before, layers = map_id(at), map_args(at)["feature_group"]
    at.selectbox(key="border_b").set_value("PL").run()
    return at, before, layers


def test_the_default_border_is_belarus_ukraine():
    at = run_app()
    assert at.radio(key="border_mode").value == "pair"
    assert (at.selectbox(key="border_a").value, at.selectbox(key="border_b").value) == ("BY", "UA")
    group = map_args(at)["feature_group"]
    assert group.count('"className": "atlas-border"') == 1
    assert '"BY-UA"' in group, "the border layer flies once per border, by its key"


def test_country_b_offers_only_neighbours_of_a():
    at = run_app()
    offered = at.selectbox(key="border_b").options
    assert "Ukraine" in offered and "Poland" in offered and "Latvia" in offered
    assert "Germany" not in offered and "Belarus" not in offered
    assert len(offered) == len(neighbours_of("BY"))


def test_switching_the_border_sends_new_layers_to_the_same_map(switched):
    at, before, layers = switched
    assert not at.exception and not at.error
    assert map_id(at) == before, "switching the border must not re-create the map"
    group = map_args(at)["feature_group"]
    assert group != layers
    assert '"BY-PL"' in group and group.count('"className": "atlas-border"') == 1
    assert band_count(at) == 3
    assert "from the Belarus\\u2013Poland border" in group or "from the Belarus–Poland border" in group


def test_the_side_control_names_the_chosen_border_countries(switched):
    at, _, _ = switched
    assert at.radio(key="side").options == ["Both sides", "Belarus's side", "Poland's side"]
    assert at.selectbox(key="clip").options == ["No clipping", "Land only", "Belarus only", "Poland only"]
    at.radio(key="side").set_value("PL").run()
    assert not at.exception
    assert "Poland\\u0026#x27;s side" in map_args(at)["feature_group"]  # escaped for HTML, then JSON


def test_the_figures_follow_the_border(switched):
    at, _, _ = switched
    labels = [m.label for m in at.metric]
    assert "Length of the Belarus–Poland border" in labels
    assert not any("Kyiv" in label for label in labels), "no Kyiv figure for another border"


def test_changing_country_a_picks_one_of_its_neighbours_for_b():
    at = run_app()
    at.selectbox(key="border_a").set_value("FI").run()
    assert not at.exception and not at.error
    b = at.selectbox(key="border_b").value
    assert b in neighbours_of("FI")
    assert f'"{"-".join(sorted(("FI", b)))}"' in map_args(at)["feature_group"]


def test_a_line_of_the_users_layer_can_be_the_border():
    import json

    line = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Front line"},
         "geometry": {"type": "LineString", "coordinates": [[36.0, 47.0], [37.5, 48.0], [38.0, 49.5]]}},
    ]}
    at = run_app()
    at.file_uploader(key="upload").upload("front.geojson", json.dumps(line).encode(), "application/geo+json").run()
    at.radio(key="border_mode").set_value("layer").run()
    assert not at.exception and not at.error
    group = map_args(at)["feature_group"]
    assert "Front line (your layer)" in group and band_count(at) == 3
    assert at.radio(key="side").options == ["Both sides"]


def test_a_link_opens_on_its_border_with_its_places():
    at = run_app(border="pl-by", places="702550")
    assert not at.exception and not at.warning
    assert (at.selectbox(key="border_a").value, at.selectbox(key="border_b").value) == ("BY", "PL")
    assert '"BY-PL"' in map_args(at)["feature_group"]
    assert any(label.startswith("Lviv") for label in (m.label for m in at.metric))
    assert at.query_params["border"] == "BY-PL" and at.query_params["places"] == "702550"
    # The place has its line to the border on the map, beside the capitals'.
    assert map_args(at)["feature_group"].count("atlas-reference-line") >= 2


def test_one_countrys_whole_land_border_can_be_chosen():
    at = run_app()
    before = map_id(at)
    at.radio(key="border_mode").set_value("country").run()
    at.selectbox(key="border_country").set_value("PL").run()
    assert not at.exception and not at.error and not at.warning
    group = map_args(at)["feature_group"]
    assert '"PL"' in group and group.count('"className": "atlas-border"') == 1 and band_count(at) == 3
    assert map_id(at) == before
    assert at.query_params["border"] == "PL"
    assert at.radio(key="side").options[0] == "Both sides" and len(at.radio(key="side").options) == 2


def test_a_place_the_gazetteer_lacks_is_left_out_with_a_note():
    at = run_app(places="702550,999999999")
    assert not at.exception and not at.error
    assert any("999999999" in w.value for w in at.warning)
    assert any(m.label.startswith("Lviv") for m in at.metric)
    assert map_args(at)["feature_group"].count("atlas-reference-line") == 3  # Kyiv, Minsk, Lviv


def test_the_gazetteer_adds_a_place_with_its_line_to_the_border_and_removes_it():
    at = run_app()
    before = map_id(at)
    at.text_input(key="place_query").set_value("lvi").run()
    found = at.selectbox(key="place_found")
    assert found.options[0].startswith("Lviv") and "(Ukraine)" in found.options[0], "the country is shown"
    at.button(key="place-add").click().run()
    assert not at.exception and not at.error
    lviv = at.session_state["places"][0]
    assert at.query_params["places"] == str(lviv)
    assert map_args(at)["feature_group"].count("atlas-reference-line") == 3
    assert any(m.label == "Lviv (Ukraine) to the Belarus border" for m in at.metric)
    assert map_id(at) == before
    at.button(key=f"place-remove-{lviv}").click().run()
    assert at.session_state["places"] == [] and map_args(at)["feature_group"].count("atlas-reference-line") == 2
