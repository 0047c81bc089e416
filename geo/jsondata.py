"""A map script's large data literals, handed to ``JSON.parse`` so the browser reads them faster."""

from __future__ import annotations

import json
import re

__all__ = ["MIN_CHARS", "json_parsed"]

#: Data literals shorter than this stay as they are: the gain is in the large ones.
MIN_CHARS = 1000

# A line that calls a function (folium's ``geo_json_<id>_add(`` or ``L.geoJson(``), optionally
# as a ``var``'s value, with an object as its first argument. The prefix holds no quote, so
# the ``(`` is code, not text inside a string.
_CALL = re.compile(r"^(?P<head>[ \t]*(?:var [\w$]+ = )?[\w$.]+\()(?=\{)", re.MULTILINE)
_AFTER = re.compile(r"[ \t]*[,)]")


class _NotPlainJsonError(ValueError):
    """The literal means something else in JavaScript than in JSON (or is not JSON)."""


def _refuse_constant(name: str) -> object:
    raise _NotPlainJsonError(f"{name} is not JSON")


def _plain_object(pairs: list[tuple[str, object]]) -> dict:
    # In a JavaScript literal "__proto__" sets the object's prototype; JSON.parse makes a key.
    if any(key == "__proto__" for key, _ in pairs):
        raise _NotPlainJsonError("__proto__ key")
    return dict(pairs)


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, object_pairs_hook=_plain_object)


def json_parsed(script: str, min_chars: int = MIN_CHARS) -> str:
    """Rewrite each large object literal a script passes to a call as ``JSON.parse`` of a string.

    Chromium compiles a data literal of eval'd code into bytecode and runs it; ``JSON.parse``
    reads the same text faster. A folium map's script passes its GeoJSON as object literals
    in JSON syntax (``geo_json_<id>_add({...});``), 460 kB on the default map; read as JSON,
    its script took 161 instead of 181 ms of the browser's main-thread CPU.

    Only a literal that is exactly JSON, means the same there (no ``NaN``, no ``__proto__``
    key) and is at least ``min_chars`` long is rewritten, and only as a call's first argument
    on a line whose code before it holds no string; everything else is kept byte for byte.

    Parameters
    ----------
    script : str
        JavaScript, as folium renders a map's script.
    min_chars : int
        Literals shorter than this are left alone.

    Returns
    -------
    str
        The script, each such literal ``{...}`` replaced by ``JSON.parse("{...}")``.

    Examples
    --------
    >>> json_parsed('layer_add({"type": "Point", "coordinates": [30.5, 50.4]});', min_chars=10)[:21]
    'layer_add(JSON.parse('
    >>> json_parsed('f({"a": NaN});', min_chars=1)
    'f({"a": NaN});'
    """
    out: list[str] = []
    done = 0
    for call in _CALL.finditer(script):
        start = call.end()
        if start < done:
            continue
        try:
            _, end = _DECODER.raw_decode(script, start)
        except ValueError:
            continue
        if end - start < min_chars or not _AFTER.match(script, end):
            continue
        out += [script[done:start], "JSON.parse(", json.dumps(script[start:end]), ")"]
        done = end
    out.append(script[done:])
    return "".join(out)
