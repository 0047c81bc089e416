"""Adjustable layers kept by the map's frame: the wrapper around streamlit-folium's group scripts."""

import folium
import pytest
import streamlit_folium as sf

from geo.layercache import KEPT_LAYERS, kept_layer_script, layer_tail


def _group_script(idx: int, lat: float = 50.0) -> str:
    m = folium.Map(tiles=None)
    group = folium.FeatureGroup(name="Bands")
    folium.CircleMarker([lat, 30.0], radius=3).add_to(group)
    return sf._get_feature_group_string(group, map=m, idx=idx)


@pytest.mark.parametrize("idx", [0, 3])
def test_streamlit_folium_ends_a_group_script_as_the_wrapper_expects(idx):
    # kept_layer_script relies on this private function's output: an upgrade that changes it fails here.
    script = _group_script(idx)
    assert script.endswith(layer_tail(idx))
    assert f"var feature_group_feature_group_{idx} = L.featureGroup(" in script


def test_the_body_runs_only_for_a_content_not_kept_and_the_tail_is_unchanged():
    script = _group_script(1)
    out = kept_layer_script(script, 1)
    body = script[: -len(layer_tail(1))]
    assert out.endswith(layer_tail(1))
    assert body in out
    assert out.startswith("var feature_group_feature_group_1 = (function (kept, key) {")
    assert f"kept.size > {KEPT_LAYERS}" in out


def test_the_key_follows_the_content():
    one, two = _group_script(0, 50.0), _group_script(0, 51.0)
    key = lambda s: kept_layer_script(s, 0).rsplit("new Map(), ", 1)[1].split(")", 1)[0]  # noqa: E731
    assert key(one) == key(one)
    assert key(one) != key(two)


def test_a_script_of_another_shape_is_refused():
    with pytest.raises(ValueError, match="streamlit-folium"):
        kept_layer_script("var x = 1;", 0)
    with pytest.raises(ValueError, match="streamlit-folium"):
        kept_layer_script(_group_script(2), 1)
