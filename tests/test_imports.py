"""The library stands apart from the UI."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_geo_never_imports_streamlit():
    code = "import sys, geo, geo.__main__; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# The bundled layers are GeoPackages read with sqlite3 and shapely: only user layers and the
# GeoPackage export need GDAL and the pandas stack.
_NO_PANDAS = ("pandas", "geopandas", "pyogrio", "pyarrow")


@pytest.mark.parametrize(
    "fmt, unneeded",
    [
        ("png", ("folium", "branca", "geo.userlayer", "geo.mapping", *_NO_PANDAS)),
        ("svg", ("folium", "geo.userlayer", *_NO_PANDAS)),
        ("pdf", ("folium", "geo.userlayer", *_NO_PANDAS)),
        ("geojson", ("matplotlib", "folium", "geo.static_map", *_NO_PANDAS)),
    ],
)
def test_an_export_command_loads_only_what_its_format_needs(tmp_path, fmt, unneeded):
    output = tmp_path / f"map.{fmt}"
    code = (
        "import json, sys\n"
        "from geo.__main__ import main\n"
        f"status = main(['export', '--format', '{fmt}', '-d', '50', '--output', {str(output)!r}])\n"
        f"print(json.dumps([status, [m for m in {list(unneeded)!r} if m in sys.modules]]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    status, loaded = json.loads(out.stdout.splitlines()[-1])
    assert status == 0 and output.stat().st_size > 0
    assert loaded == []
