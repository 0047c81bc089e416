"""The main map described in words: its text alternative for screen readers and for print."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from geo import world
from geo.bands import BandSpec
from geo.errors import InputError
from geo.facts import border_facts, the_border
from geo.mapping import format_distance, marked_territory
from geo.story import load_story
from geo.urlstate import LAYERS, UNITS

__all__ = ["map_summary"]


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _side(spec: BandSpec) -> str:
    return "on both sides of it" if spec.side == "both" else f"on {spec.border.side_name(spec.side)}"


def _clip(spec: BandSpec) -> str:
    if spec.clip in ("none", "land"):
        return {"none": "", "land": ", over land only"}[spec.clip]
    return f", inside {spec.border.clip_name(spec.clip)}"


def map_summary(spec: BandSpec, units: str = "km", layers: tuple[str, ...] = LAYERS,
                places: Iterable[int] = ()) -> str:
    """Return what the main map shows, in a few plain sentences.

    It names the border's countries, the border and its length, every band with its
    distances, how far each reference place (the countries' capitals and the user's
    places) is from the border, the occupied territory of the border's countries and the
    passage markers: the facts a sighted reader takes from the map, for those who cannot see it.

    Parameters
    ----------
    spec : BandSpec
        The bands drawn, and the border they are drawn from (``spec.border``).
    units : {"km", "mi"}
    layers : tuple of str
        The layers shown (see :data:`geo.urlstate.LAYERS`); those switched off are not described.
    places : iterable of int
        GeoNames ids of the user's reference places.

    Returns
    -------
    str

    Examples
    --------
    >>> text = map_summary(BandSpec((50.0, 100.0)))
    >>> "0–50 km and 50–100 km" in text
    True
    """
    if units not in UNITS:
        raise InputError(f"Unknown units {units!r}: use km or mi.")
    border = spec.border
    facts = border_facts(border, places)
    shown = set(layers)
    names = [border.country_name(c) for c in border.countries]
    if names:
        whose = "its" if len(names) == 1 else "their"
        sentences = [f"A map of {', '.join(names)} and {whose} neighbours."]
    else:
        sentences = [f"A map of {the_border(border)}."]
    if "border" in shown:
        sentences.append(f"A bold line marks {the_border(border)}, {facts['border_length'].format(units)} long.")
    if "bands" in shown:
        edges = (0.0, *spec.distances_km)
        bands = [f"{format_distance(a, units).split(' ')[0]}–{format_distance(b, units)}"
                 for a, b in itertools.pairwise(edges)]
        count = "One shaded band shows" if len(bands) == 1 else f"{len(bands)} shaded bands, darkest nearest, show"
        sentences.append(f"{count} the geodesic distance from the border {_side(spec)}{_clip(spec)}: "
                         f"{_listed(bands)}.")
    reference = [f for key, f in facts.items() if key != "border_length" and f.place]
    if reference:
        first, *rest = reference
        said = [f"{first.place} is {first.format(units)} from the border"]
        said += [f"{f.place} {f.format(units)}" for f in rest]
        sentences.append(_listed(said) + ".")
    if "kyiv-line" in shown and reference:
        if len(reference) == 1:
            sentences.append(f"A dashed line joins {reference[0].place} to the nearest point of the border.")
        else:
            sentences.append(f"Dashed lines join {_listed([f.place for f in reference])} "
                             "to their nearest points of the border.")
    if "crimea" in shown:
        every_name = {c.iso2: c.name for c in world.countries()}
        for territory in marked_territory(border):
            sentences.append(f"Hatched: {territory.describe(every_name)}.")
    if "passages" in shown:
        sentences.append(f"{len(load_story().passages)} numbered badges mark the places of the article's passages.")
    return " ".join(sentences)
