"""Choosing a border: the pairs of neighbours offered, a country's whole land border, a user's line."""

from __future__ import annotations

from dataclasses import dataclass

import shapely

from geo import world
from geo.borders import Border, border_key, get_border, user_border
from geo.errors import InputError

__all__ = [
    "BORDER_MODES",
    "BorderChoice",
    "border_countries",
    "choose_border",
    "layer_lines",
    "neighbours_of",
]

#: How a border is chosen: two neighbours, one country's whole land border, a line of the user's layer.
BORDER_MODES = ("pair", "country", "layer")


def border_countries() -> tuple[tuple[str, str], ...]:
    """Every country with a land border, as ``(iso2, name)`` sorted by name.

    Examples
    --------
    >>> ("UA", "Ukraine") in border_countries()
    True
    """
    return tuple(sorted(((c.iso2, c.name) for c in world.countries() if world.neighbours(c.iso2)),
                        key=lambda t: t[1]))


def neighbours_of(iso: str) -> tuple[str, ...]:
    """The countries sharing a land border with ``iso``, by ISO code.

    Examples
    --------
    >>> "BY" in neighbours_of("UA")
    True
    """
    return tuple(world.neighbours(iso))


def layer_lines(layer) -> tuple[tuple[str, shapely.Geometry], ...]:
    """The line features of a user's layer, as ``(label, line)``: the lines a border can be.

    A feature's label is its ``name`` property if it has one, else ``Line <n>``.
    """
    out = []
    frame = layer.frame
    names = frame["name"] if "name" in frame.columns else None
    for i, geom in enumerate(frame.geometry.values):
        if geom is None or geom.is_empty or geom.geom_type not in ("LineString", "MultiLineString"):
            continue
        name = str(names.iloc[i]).strip() if names is not None and str(names.iloc[i]).strip() else ""
        out.append((name or f"Line {i + 1}", geom))
    return tuple(out)


@dataclass(frozen=True)
class BorderChoice:
    """What the sidebar's border chooser says.

    Parameters
    ----------
    mode : {"pair", "country", "layer"}
    a, b : str
        ISO codes of the two neighbours (``mode="pair"``).
    country : str
        ISO code of the country whose whole land border is chosen (``mode="country"``).
    line : int
        Index into :func:`layer_lines` of the user's layer (``mode="layer"``).
    """

    mode: str = "pair"
    a: str = "BY"
    b: str = "UA"
    country: str = "UA"
    line: int = 0

    def __post_init__(self) -> None:
        if self.mode not in BORDER_MODES:
            raise InputError(f"Unknown way to choose a border {self.mode!r}: use one of {', '.join(BORDER_MODES)}.")


def choose_border(choice: BorderChoice, layer=None) -> Border:
    """Return the border ``choice`` names; the user's ``layer`` for ``mode="layer"``.

    Raises
    ------
    InputError
        When the two countries share no land border, or the layer has no such line.

    Examples
    --------
    >>> choose_border(BorderChoice("pair", "UA", "BY")).key
    'BY-UA'
    """
    if choice.mode == "pair":
        if choice.b not in neighbours_of(choice.a):
            raise InputError(f"{choice.a} and {choice.b} share no land border: pick a neighbour of {choice.a}.")
        return get_border(border_key(f"{choice.a}-{choice.b}"))
    if choice.mode == "country":
        return get_border(choice.country)
    lines = layer_lines(layer) if layer is not None else ()
    if not lines:
        raise InputError("Your layer has no line to measure from: upload a layer with a line, or pick two countries.")
    if not 0 <= choice.line < len(lines):
        raise InputError(f"Your layer has {len(lines)} lines; line {choice.line + 1} is not one of them.")
    label, geom = lines[choice.line]
    return user_border(geom, f"{label} (your layer)")

