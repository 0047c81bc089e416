"""The map's overlays as GeoJSON features (RFC 7946), shared by the map, CLI and exports."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import mapping

from geo.bands import BandSpec, distance_bands
from geo.borders import DEFAULT_BORDER, Border, get_border
from geo.geodesy import geodesic_length_km
from geo.places import article_places, story_places
from geo.story import Story, load_story

__all__ = [
    "COORDINATE_DECIMALS",
    "band_features",
    "bands_geojson",
    "border_feature",
    "feature_collection",
    "overlays_geojson",
    "passage_features",
    "place_features",
]

#: 1e-7 degrees is about 1 cm: rounding never costs the bands their 0.02 % precision.
COORDINATE_DECIMALS = 7


def _geometry(geom: shapely.Geometry) -> dict:
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        geom = shapely.orient_polygons(geom)  # RFC 7946: exteriors counter-clockwise
    rounded = shapely.transform(geom, lambda xy: np.round(xy, COORDINATE_DECIMALS))
    return mapping(rounded)


def feature(geom: shapely.Geometry, **properties) -> dict:
    """Return one GeoJSON feature with rounded, right-hand-rule coordinates."""
    return {"type": "Feature", "properties": properties, "geometry": _geometry(geom)}


def feature_collection(features: list[dict]) -> dict:
    """Wrap features in an RFC 7946 FeatureCollection (WGS84, no ``crs`` member)."""
    return {"type": "FeatureCollection", "features": features}


def border_feature(border: Border | None = None) -> dict:
    """The border (Belarus–Ukraine by default) as a feature with ``layer: "border"``.

    Its properties say which border it is: ``key`` (``"BY-UA"``), ``name``, ``countries``
    (ISO codes, comma-separated), ``length_km`` and ``source``.
    """
    border = border or get_border(DEFAULT_BORDER)
    return feature(
        border.line,
        layer="border",
        key=border.key,
        name=border.name,
        countries=",".join(border.countries),
        length_km=round(geodesic_length_km(border.line), 3),
        source=border.source or "your layer",
    )



def band_features(spec: BandSpec) -> list[dict]:
    """One feature per band with ``layer: "band"``, ``inner_km`` and ``outer_km``."""
    return [
        feature(
            band.geometry,
            layer="band",
            inner_km=band.inner_km,
            outer_km=band.outer_km,
            label=band.label,
            side=spec.side,
            clip=spec.clip,
            border=spec.border.key,
        )
        for band in distance_bands(spec)
    ]


def _story_places(story: Story | None) -> tuple[Story, dict]:
    if story is None:
        return load_story(), article_places()
    return story, story_places(story)


def place_features(story: Story | None = None) -> list[dict]:
    """A story's places (the bundled one's by default) with ``layer: "place"``, each as its shape.

    ``shape`` says which (point, line or area); ``point_lon`` and ``point_lat`` give the
    place's representative point (where its label or badge goes), which lies on or inside the
    geometry; ``confirmed`` whether a person confirmed the place.
    """
    _, places = _story_places(story)
    return [
        feature(p.geometry, layer="place", id=p.id, name=p.name, kind=p.kind, shape=p.shape,
                point_lon=p.lon, point_lat=p.lat, method=p.method, confirmed=p.confirmed)
        for p in places.values()
    ]


def passage_features(story: Story | None = None) -> list[dict]:
    """Each passage of a story as its place's shape (point, line or area), with the verbatim quote.

    ``shape``, ``point_lon``, ``point_lat`` and ``confirmed`` (the place's) are as in
    :func:`place_features`.
    """
    story, places = _story_places(story)
    return [
        feature(
            places[p.place].geometry,
            layer="passage",
            number=p.number,
            quote=p.quote,
            place=p.place,
            shape=places[p.place].shape,
            point_lon=places[p.place].lon,
            point_lat=places[p.place].lat,
            paragraph=p.paragraph,
            reason=p.reason,
            confirmed=places[p.place].confirmed,
        )
        for p in story.passages
    ]


def bands_geojson(spec: BandSpec) -> dict:
    """The border and the bands, as written by ``python -m geo bands``."""
    return feature_collection([border_feature(spec.border), *band_features(spec)])


def overlays_geojson(spec: BandSpec, story: Story | None = None) -> dict:
    """Every overlay: border, bands, and a story's places and passages (the bundled story's by default)."""
    return feature_collection(
        [border_feature(spec.border), *band_features(spec), *place_features(story), *passage_features(story)]
    )
