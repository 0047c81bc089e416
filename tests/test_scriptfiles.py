"""A map's unchanging script goes to the browser once, as a static file with the libraries."""

import json
import os
import time

import pytest

from geo import scriptfiles
from geo.scriptfiles import MAX_AGE_S, PREFIX, script_file

LIBS = "var L = {version: '1.9'};\n// a last line comment"
CODE = 'var map_div = L.map("map_div");\nvar label = "</script> \\u2028 ünïcode";'


@pytest.fixture
def folder(tmp_path):
    """A bundles folder holding one library bundle, ``libs.js``."""
    (tmp_path / "libs.js").write_text(LIBS, encoding="utf-8")
    return tmp_path


def registered_scripts(text: str) -> dict:
    """The scripts a file registers, read back from its JavaScript (JSON string literals)."""
    out = {}
    for line in text.splitlines():
        if line.startswith("window.__atlasScripts[") and "] = " in line:
            key, value = line.removeprefix("window.__atlasScripts[").split("] = ", 1)
            out[json.loads(key)] = json.loads(value.removesuffix(";"))
    return out


def test_the_file_runs_the_libraries_then_holds_the_script_as_text(folder):
    stored = script_file(CODE, "libs.js", folder)
    text = (folder / stored.name).read_text(encoding="utf-8")
    assert text.startswith(LIBS + "\n;\n"), "the libraries run first, and a trailing comment swallows nothing"
    assert list(registered_scripts(text).values()) == [CODE], "the script is kept exactly, as a string"
    assert stored.loader == f"(0, eval)(window.__atlasScripts[{json.dumps(stored.key)}]);"
    assert stored.exists()


def test_a_file_is_named_for_its_content_and_written_once(folder):
    first = script_file(CODE, "libs.js", folder)
    written = (folder / first.name).stat().st_mtime_ns
    again = script_file(CODE, "libs.js", folder)
    other = script_file(CODE + "\nvar more = 1;", "libs.js", folder)
    assert again == first and (folder / first.name).stat().st_mtime_ns == written
    assert other.name != first.name and other.key != first.key
    assert first.name.startswith(PREFIX) and first.name.endswith(".js")


def test_a_removed_file_is_noticed(folder):
    stored = script_file(CODE, "libs.js", folder)
    (folder / stored.name).unlink()
    assert not stored.exists()
    assert script_file(CODE, "libs.js", folder).exists()


def test_without_the_library_bundle_the_script_stays_inline(folder):
    assert script_file(CODE, "missing.js", folder) is None


def test_a_folder_that_cannot_be_written_keeps_the_script_inline(folder, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError("read-only install")

    monkeypatch.setattr(scriptfiles.tempfile, "NamedTemporaryFile", refuse)
    assert script_file(CODE, "libs.js", folder) is None
    assert not list(folder.glob(f"{PREFIX}*"))


def test_writing_removes_only_old_map_scripts(folder):
    old = folder / f"{PREFIX}0123456789abcdef0123.js"
    recent = folder / f"{PREFIX}fedcba98765432100123.js"
    bundle = folder / "0123456789abcdef0123.js"
    for path in (old, recent, bundle):
        path.write_text("x", encoding="utf-8")
    long_ago = time.time() - MAX_AGE_S - 60
    os.utime(old, (long_ago, long_ago))
    os.utime(bundle, (long_ago, long_ago))
    script_file(CODE, "libs.js", folder)
    assert not old.exists()
    assert recent.exists() and bundle.exists(), "recent map scripts and the libraries' bundles stay"


def test_the_stored_script_reads_its_large_data_with_json_parse(folder):
    data = {"type": "LineString", "coordinates": [[30 + i / 100, 50.0] for i in range(200)]}
    code = f"{CODE}\n    layer_add({json.dumps(data)});\n"
    stored = script_file(code, "libs.js", folder)
    (kept,) = registered_scripts((folder / stored.name).read_text(encoding="utf-8")).values()
    assert kept == f"{CODE}\n    layer_add(JSON.parse({json.dumps(json.dumps(data))}));\n"
    assert stored.key == script_file(code, "libs.js", folder).key, "named for the script as given"
