"""geo.branca_text: branca's compile of rendered text, and the same pages without it.

Each check runs in a fresh interpreter, since :func:`geo.branca_text.install` patches branca
for the whole process.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

SAME_PAGES = r"""
import re, sys
import streamlit_folium as sf
from geo.bands import BandSpec
from geo.export import export_bytes
from geo.mapping import MapView, analogy_map, band_layer, base_map
from geo.userlayer import read_user_layer

data = ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": '
        '"{{ 7 * 7 }} <b>x</b>"}, "geometry": {"type": "Point", "coordinates": [30.5, 50.4]}}]}')
user = read_user_layer("{{ 7 * 7 }}.geojson", data.encode())

def pages():
    m = base_map(MapView())
    group = band_layer(BandSpec((50.0, 100.0, 200.0)), "km")
    script = sf._get_feature_group_string(group, map=m, idx=0)
    html = export_bytes("html", BandSpec((50.0, 100.0)), user=user).decode()
    analogy = analogy_map("mi").get_root().render()
    # folium names elements by random ids: compare with the ids numbered in order of appearance
    ids = {}
    norm = lambda s: re.sub(r"[0-9a-f]{32}", lambda x: str(ids.setdefault(x.group(), len(ids))), s)
    return norm(script), norm(html), norm(analogy)

stock = pages()
from geo import branca_text
branca_text.install()
assert branca_text.installed()
patched = pages()
assert patched[0] == stock[0], "band layer script differs"
assert patched[1] == stock[1], "standalone HTML export differs"
assert patched[2] == stock[2], "analogy map differs"
print("same", len(stock[0]), len(stock[1]))
"""

COMPILED = r"""
import branca.element as be
from geo import branca_text
figure = be.Figure()
macro = be.MacroElement()
macro._template = be.Template("{% macro script(this, kwargs) %}var a = '{{ '{{' }} 7 * 7 {{ '}}' }}';{% endmacro %}")
figure.add_child(macro)
stock = figure.render()
branca_text.install()
patched = be.Figure()
macro2 = be.MacroElement()
macro2._template = macro._template
patched.add_child(macro2)
print(repr(be.Element("{{ 1 + 1 }}").render()), "49" in stock, "{{ 7 * 7 }}" in patched.render())
"""


def _run(code: str, root) -> str:
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


@pytest.mark.parametrize("code", [SAME_PAGES])
def test_installed_the_band_layer_and_the_html_export_are_the_same(code, root):
    assert _run(code, root).startswith("same")


def test_branca_compiles_rendered_text_and_installed_it_is_kept_as_written(root):
    # Stock branca evaluates Jinja syntax in what an element rendered ("'2'", "49"): the
    # behaviour the module works around. Installed, the rendered text stays as written.
    assert _run(COMPILED, root).split() == ["'2'", "True", "True"]
