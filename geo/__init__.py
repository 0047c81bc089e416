"""Article Atlas: the geography behind a news article, computed geodesically.

The library never imports Streamlit; ``app.py`` is a thin page over it and
``python -m geo`` a thin command line over the same functions.
"""

from geo.bands import Band, BandSpec, distance_bands, equidistant_zone
from geo.borders import belarus_ukraine_border, shared_border
from geo.errors import AssetError, AtlasError, DataError, ExportError, InputError
from geo.facts import BandFact, Fact, band_facts, compute_fact, compute_facts, facts_json
from geo.layers import bands_geojson, overlays_geojson
from geo.places import Place, article_places, story_places
from geo.story import Article, Passage, Story, StoryPlace, load_story, load_story_file

# Exports (matplotlib) and user layers (folium) load on first use, keeping `import geo` light.
_LAZY = {
    "ExportRequest": "geo.export",
    "export_bytes": "geo.export",
    "UploadLimits": "geo.userlayer",
    "UserLayer": "geo.userlayer",
    "read_user_layer": "geo.userlayer",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'geo' has no attribute {name!r}")


__all__ = [
    "Article",
    "AssetError",
    "AtlasError",
    "Band",
    "BandFact",
    "BandSpec",
    "DataError",
    "ExportError",
    "ExportRequest",
    "Fact",
    "InputError",
    "Passage",
    "Place",
    "Story",
    "StoryPlace",
    "UploadLimits",
    "UserLayer",
    "article_places",
    "band_facts",
    "bands_geojson",
    "belarus_ukraine_border",
    "compute_fact",
    "compute_facts",
    "distance_bands",
    "equidistant_zone",
    "export_bytes",
    "facts_json",
    "load_story",
    "load_story_file",
    "overlays_geojson",
    "read_user_layer",
    "shared_border",
    "story_places",
]
