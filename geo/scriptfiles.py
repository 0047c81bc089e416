"""A map's unchanging script as a static file the browser fetches once, not text sent on every rerun."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from geo.assets import BUNDLE_DIR
from geo.jsondata import json_parsed

__all__ = ["MAX_AGE_S", "PREFIX", "ScriptFile", "script_file"]

#: File names of the scripts written here start with this (the libraries' bundles do not).
PREFIX = "map-"
#: Written files older than this are removed when another is written (each server process
#: names a map's elements anew, so every start writes new files).
MAX_AGE_S = 7 * 24 * 3600.0
# Where the scripts wait, as text, for their loader: a global the map's page can read.
_REGISTRY = "__atlasScripts"


@dataclass(frozen=True)
class ScriptFile:
    """A script kept in a static file, and the one-line loader that runs it.

    The file holds the libraries' bundle (run as the page loads it) and then ``code``
    as a string; :attr:`loader` runs that string as the page's own global code (an
    indirect ``eval``), so its ``var`` declarations are globals as in an inline script,
    and it runs when the loader runs, not when the file arrives. Its large data literals
    are read with ``JSON.parse`` (see :func:`geo.jsondata.json_parsed`).

    Parameters
    ----------
    name : str
        The file's name in ``folder`` (taken from its content).
    key : str
        The key of ``code`` in the page's registry.
    folder : Path
        Where the file is.
    """

    name: str
    key: str
    folder: Path

    @property
    def loader(self) -> str:
        """JavaScript that runs the stored code, once the file has been loaded."""
        return f"(0, eval)(window.{_REGISTRY}[{json.dumps(self.key)}]);"

    def exists(self) -> bool:
        """Whether the file is still there (another process may have removed an old one)."""
        return (self.folder / self.name).is_file()


def script_file(code: str, libraries: str, folder: Path = BUNDLE_DIR) -> ScriptFile | None:
    """Write the libraries' bundle and ``code`` (as text) to one content-addressed file.

    Parameters
    ----------
    code : str
        A script to run later, as global code (a folium map's script).
    libraries : str
        The name of a bundle of scripts in ``folder`` (see :func:`geo.assets.bundle_scripts`)
        that the new file starts with, so the page still loads one file.
    folder : Path
        Where the bundle is and the file goes; served to the browser as it is.

    Returns
    -------
    ScriptFile or None
        None when the bundle cannot be read or the file cannot be written (a read-only
        install): the caller sends the script inline as before.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "libs.js").write_text("var L = {};")
    >>> f = script_file("var map_div = 1;", "libs.js", folder)
    >>> f.name.startswith(PREFIX), f.loader.startswith("(0, eval)(")
    (True, True)
    """
    try:
        libs = (folder / libraries).read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None
    key = hashlib.sha256(code.encode("utf-8")).hexdigest()[:20]
    text = (
        f"{libs}\n;\nwindow.{_REGISTRY} = window.{_REGISTRY} || {{}};\n"
        f"window.{_REGISTRY}[{json.dumps(key)}] = {json.dumps(json_parsed(code))};\n"
    )
    name = PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()[:20] + ".js"
    target = folder / name
    if target.is_file():
        return ScriptFile(name, key, folder)
    try:
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, suffix=".tmp", delete=False) as tmp:
            tmp.write(text)
        os.chmod(tmp.name, 0o644)
        os.replace(tmp.name, target)  # atomic: a reader sees no file or all of it
    except OSError:
        return None
    _prune(folder, keep=name)
    return ScriptFile(name, key, folder)


def _prune(folder: Path, keep: str) -> None:
    cutoff = time.time() - MAX_AGE_S
    for path in folder.glob(f"{PREFIX}*.js"):
        try:
            if path.name != keep and path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass  # gone already, or not ours to remove
