"""What a new visitor's first run costs the server before the map goes out (issue 14)."""

import ast
import tomllib
from pathlib import Path

from streamlit.runtime.scriptrunner import magic

ROOT = Path(__file__).resolve().parents[1]


def test_the_page_is_compiled_without_magic():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["magicEnabled"] is False


def test_the_page_writes_nothing_by_magic():
    """With magic off nothing goes missing: magic would have written no bare expression of app.py."""
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    written = [node for node in ast.walk(magic.add_magic(source, "app.py"))
               if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
               and isinstance(node.func.value, ast.Name) and node.func.value.id == "__streamlitmagic__"]
    assert written == []
