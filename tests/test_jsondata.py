"""A map script's large data literals are read by JSON.parse, and mean exactly what they meant."""

import json
import re

import folium

from geo.jsondata import json_parsed
from geo.mapping import base_map

_PARSED = re.compile(r'JSON\.parse\(("(?:[^"\\]|\\.)*")\)')


def _restored(script: str) -> str:
    """The script with every ``JSON.parse("...")`` put back as the literal it reads."""
    return _PARSED.sub(lambda m: json.loads(m.group(1)), script)


def _ring(n: int) -> list[list[float]]:
    return [[30.0 + i / 1000, 50.0 + i / 3000] for i in range(n)]


def _folium_script() -> str:
    m = folium.Map(location=[50, 30], zoom_start=6)
    folium.GeoJson({"type": "Feature", "properties": {"name": "Kyiv \"oblast\" </script> \u2028"},
                    "geometry": {"type": "Polygon", "coordinates": [_ring(300)]}}).add_to(m)
    folium.GeoJson({"type": "Point", "coordinates": [30.5, 50.4]}).add_to(m)  # small: kept
    return m.get_root().render()


def test_a_folium_layers_data_is_read_as_json_and_nothing_else_changes():
    script = _folium_script()
    out = json_parsed(script)
    assert out.count("JSON.parse(") == 1, "the large layer only; the point's few bytes stay a literal"
    assert _restored(out) == script, "byte for byte the same script once the literal is put back"
    (text,) = _PARSED.findall(out)
    assert json.loads(json.loads(text))["properties"]["name"] == "Kyiv \"oblast\" </script> \u2028"


def test_the_default_maps_geojson_is_all_read_as_json():
    script = base_map().get_root().render()
    out = json_parsed(script)
    assert _restored(out) == script
    literals = [json.loads(t) for t in _PARSED.findall(out)]
    assert sum(map(len, literals)) > 0.8 * len(script), "the countries, labels and minimap: most of the script"
    assert len(out) < 1.01 * len(script)


def test_literals_that_json_would_read_otherwise_are_kept():
    big = json.dumps({"coordinates": _ring(200)})[:-1]
    kept = [
        f'layer_add({big}, "nan": NaN}});',  # JSON has no NaN
        f'layer_add({big}, "__proto__": {{"x": 1}}}});',  # sets the prototype in a literal
        f'var s = "layer_add({big}}});";',  # inside a string
        f'layer_add({big}}}.features);',  # the object is not the whole argument
        f'layer_add({big}, "open": ',  # not JSON at all
    ]
    for script in kept:
        assert json_parsed(script) == script, script[:40]
    assert json_parsed(f"layer_add({big}}});").startswith("layer_add(JSON.parse(")


def test_the_browser_builds_the_same_data_from_both(browser):
    data = {"type": "Feature", "properties": {"name": "Kyiv \"oblast\" </script> \u2028 é", "n": -0.0,
                                              "big": 1e300, "list": [True, None, 1.5e-7]},
            "geometry": {"type": "Polygon", "coordinates": [_ring(300)]}}
    script = f"var got = [];\nfunction layer_add(d) {{ got.push(d); }}\n  layer_add({json.dumps(data)});\n"
    assert "JSON.parse(" in json_parsed(script)
    page = browser.new_page()
    try:
        run = "s => { (0, eval)(s); return [JSON.stringify(got), Object.is(got[0].properties.n, -0)]; }"
        assert page.evaluate(run, json_parsed(script)) == page.evaluate(run, script)
    finally:
        page.close()
