"""The map's palette and line styles, shared by the web map and the static exports."""

from __future__ import annotations

from dataclasses import dataclass

from geo.errors import InputError

__all__ = [
    "BAND_OPACITY",
    "BAND_PALETTE",
    "BORDER",
    "COUNTRY_FILL",
    "CRIMEA",
    "FONT_FAMILY",
    "GRATICULE",
    "INK",
    "LAND_FILL",
    "NATO_FILL",
    "OUTLINE",
    "PASSAGE",
    "PLACE",
    "SEA",
    "USER",
    "LineStyle",
    "band_colors",
]


@dataclass(frozen=True)
class LineStyle:
    """A stroke: colour (``#rrggbb``), width in CSS pixels (points in print), dash or none."""

    color: str
    width: float
    dash: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if not (self.color.startswith("#") and len(self.color) == 7):
            raise InputError(f"A line colour must look like '#rrggbb', got {self.color!r}.")
        if self.width <= 0:
            raise InputError(f"A line width must be positive, got {self.width}.")

    @property
    def dash_array(self) -> str | None:
        """The dash as Leaflet's ``dashArray`` string, or None for a solid line."""
        return None if self.dash is None else ",".join(f"{d:g}" for d in self.dash)


#: The sea and whatever lies outside the bundled countries.
SEA = "#dbe7ef"
#: Land of a country with no colour of its own.
LAND_FILL = "#f3f0ea"
#: Countries the article is about, by ISO code.
COUNTRY_FILL = {"UA": "#fbf1cf", "BY": "#e9e2f0", "RU": "#efdfdb"}
#: NATO members (Poland, the Baltic states, Romania, ...).
NATO_FILL = "#dfe9f5"
#: Every country outline.
OUTLINE = LineStyle("#8c8c8c", 0.6)
#: The Belarus–Ukraine border, drawn boldly.
BORDER = LineStyle("#1b1b1b", 2.4)
#: Crimea: hatched with this colour, outlined with a dash.
CRIMEA = LineStyle("#8e2a2a", 1.0, (4.0, 3.0))
#: Parallels and meridians.
GRATICULE = LineStyle("#9fb3c2", 0.4)
#: Place markers (fill) and their outline.
PLACE = LineStyle("#1f3b73", 1.2)
#: Numbered passage badges.
PASSAGE = LineStyle("#6a2c91", 1.0)
#: A layer the user uploads: teal, unlike anything else on the map.
USER = LineStyle("#00796b", 1.6)
#: Text.
INK = "#222222"
FONT_FAMILY = "DejaVu Sans"

#: Nearest band first: strongest near the border, fading with distance (ColorBrewer YlOrRd).
BAND_PALETTE = ("#bd0026", "#e31a1c", "#fc4e2a", "#fd8d3c", "#feb24c", "#fed976", "#ffeda0", "#ffffcc")
#: Fill opacity of the bands over the country colours.
BAND_OPACITY = 0.55


def band_colors(count: int) -> list[str]:
    """Return ``count`` colours from :data:`BAND_PALETTE`, nearest band first, spread evenly.

    Parameters
    ----------
    count : int
        Number of bands, 1 to ``len(BAND_PALETTE)``.

    Returns
    -------
    list of str
        ``#rrggbb`` colours.

    Examples
    --------
    >>> band_colors(2)
    ['#bd0026', '#feb24c']
    """
    size = len(BAND_PALETTE)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= size:
        raise InputError(f"Band count must be 1 to {size}, got {count!r}.")
    if count == 1:
        return [BAND_PALETTE[1]]
    # Stop short of the palest colours, which vanish on the pale land fills.
    last = min(size - 1, max(4, count - 1))
    return [BAND_PALETTE[round(i * last / (count - 1))] for i in range(count)]
