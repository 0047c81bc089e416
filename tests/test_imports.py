"""The library stands apart from the UI."""

import subprocess
import sys


def test_geo_never_imports_streamlit():
    code = "import sys, geo, geo.__main__; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
