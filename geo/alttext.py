"""The main map described in words: its text alternative for screen readers and for print."""

from __future__ import annotations

import itertools

from geo.bands import BandSpec
from geo.data import load_crimea
from geo.errors import InputError
from geo.facts import compute_facts
from geo.mapping import format_distance
from geo.story import load_story
from geo.urlstate import LAYERS, UNITS

__all__ = ["map_summary"]



def map_summary(spec: BandSpec, units: str = "km", layers: tuple[str, ...] = LAYERS) -> str:
    """Return what the main map shows, in a few plain sentences.

    It names the border and its length, every band with its distances, how far Kyiv
    and Minsk are from the border, Crimea's status and the passage markers: the facts
    a sighted reader takes from the map, for those who cannot see it.

    Parameters
    ----------
    spec : BandSpec
        The bands drawn.
    units : {"km", "mi"}
    layers : tuple of str
        The layers shown (see :data:`geo.urlstate.LAYERS`); those switched off are not described.

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
    facts = compute_facts()
    shown = set(layers)
    sentences = ["A map of Belarus, Ukraine and their neighbours."]
    if "border" in shown:
        sentences.append(f"A bold line marks the Belarus–Ukraine border, {facts['border_length'].format(units)} long.")
    if "bands" in shown:
        edges = (0.0, *spec.distances_km)
        bands = [f"{format_distance(a, units).split(' ')[0]}–{format_distance(b, units)}"
                 for a, b in itertools.pairwise(edges)]
        listed = bands[0] if len(bands) == 1 else ", ".join(bands[:-1]) + " and " + bands[-1]
        count = "One shaded band shows" if len(bands) == 1 else f"{len(bands)} shaded bands, darkest nearest, show"
        sentences.append(f"{count} the geodesic distance from the border {_side(spec)}{_clip(spec)}: {listed}.")
    sentences.append(f"Kyiv is {facts['kyiv_to_border'].format(units)} from the border"
                     f" and Minsk {facts['minsk_to_border'].format(units)}.")
    if "kyiv-line" in shown:
        sentences.append("A dashed line joins Kyiv to the nearest point of the border.")
    if "crimea" in shown:
        since = int(load_crimea()["occupied_since"])
        sentences.append(f"Crimea is hatched: Ukrainian territory occupied by Russia since {since}.")
    if "passages" in shown:
        sentences.append(f"{len(load_story().passages)} numbered badges mark the places of the article's passages.")
    return " ".join(sentences)


def _side(spec: BandSpec) -> str:
    return "on both sides of it" if spec.side == "both" else f"on {spec.border.side_name(spec.side)}"


def _clip(spec: BandSpec) -> str:
    if spec.clip in ("none", "land"):
        return {"none": "", "land": ", over land only"}[spec.clip]
    return f", inside {spec.border.clip_name(spec.clip)}"
