"""Adjustable layers the map's frame keeps, so a layer it has drawn before is not built again.

streamlit-folium sends every adjustable layer's script with each rerun, removes all of the
layers from the map and runs every script again, although a distance change alters only
the bands: the border, the reference lines and the passages were parsed and built anew each
time, and bands shown before (a reader going back to 50 km) too. :func:`kept_layer_script`
wraps one layer's script so that the frame builds it once per content and afterwards only
puts the layer it built back on the map. The layer is the same object, with its tooltips,
popups, legend and "add" handlers, so it behaves as a new one would.
"""

from __future__ import annotations

import hashlib
import json
from textwrap import dedent

__all__ = ["KEPT_LAYERS", "kept_layer_script", "layer_tail"]

#: Layers a map's frame keeps, least recently shown out first: the four adjustable kinds
#: with room for the band sets a reader goes back and forth between.
KEPT_LAYERS = 24


def layer_tail(idx: int) -> str:
    """What streamlit-folium (0.27) appends to feature group ``idx``'s script: add it and list it."""
    return dedent(
        f"""
        map_div.addLayer(feature_group_feature_group_{idx});
        window.feature_group = window.feature_group || [];
        window.feature_group.push(feature_group_feature_group_{idx});
        """
    )


def kept_layer_script(script: str, idx: int) -> str:
    """Return feature group ``idx``'s script, made to build its layer once per content in a frame.

    Parameters
    ----------
    script : str
        The script ``streamlit_folium._get_feature_group_string`` made for the group: its
        body, which declares ``feature_group_feature_group_<idx>``, then :func:`layer_tail`.
    idx : int
        The group's place among the map's adjustable groups.

    Returns
    -------
    str
        The body in a function run only when the frame holds no layer built from the same
        text (``window.__atlasKept``, keyed by the body's SHA-256), then the same tail.

    Raises
    ------
    ValueError
        If ``script`` does not end as streamlit-folium's group scripts do.

    Examples
    --------
    >>> body = "var feature_group_feature_group_0 = L.featureGroup({});"
    >>> out = kept_layer_script(body + layer_tail(0), 0)
    >>> out.startswith("var feature_group_feature_group_0 = (function (kept, key) {")
    True
    """
    tail = layer_tail(idx)
    if not script.endswith(tail):
        raise ValueError(f"feature group {idx}'s script does not end as streamlit-folium's do")
    body = script[: -len(tail)]
    name = f"feature_group_feature_group_{idx}"
    key = json.dumps(hashlib.sha256(body.encode("utf-8")).hexdigest()[:32])
    return (
        f"var {name} = (function (kept, key) {{\n"
        "    var layer = kept.get(key);\n"
        "    if (layer !== undefined) { kept.delete(key); kept.set(key, layer); return layer; }\n"
        f"{body}\n"
        f"    kept.set(key, {name});\n"
        f"    while (kept.size > {KEPT_LAYERS}) {{ kept.delete(kept.keys().next().value); }}\n"
        f"    return {name};\n"
        f"}})(window.__atlasKept = window.__atlasKept || new Map(), {key});\n"
        f"{tail}"
    )
