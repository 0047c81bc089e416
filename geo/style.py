"""The map's palette and line styles, shared by the web map and the static exports."""

from __future__ import annotations

from dataclasses import dataclass

from geo.errors import InputError

__all__ = [
    "BAND_OPACITY",
    "BAND_PALETTE",
    "BORDER",
    "CAPTION",
    "COUNTRY_FILL",
    "COUNTRY_LABEL",
    "CRIMEA",
    "FONT_FAMILY",
    "GRATICULE",
    "INK",
    "LAND_FILL",
    "MARK_FILL",
    "MARK_SELECTED",
    "NATO_FILL",
    "OUTLINE",
    "PASSAGE",
    "PLACE",
    "SEA",
    "TEXT_ON",
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

#: Nearest band first: strongest near the border, fading with distance. ColorBrewer Reds,
#: sampled evenly from 0.05 to 1 (matplotlib's "Reds"): its steps are nearly all lightness,
#: which deuteranopes and protanopes see too. YlOrRd, used before, lost its orange-to-yellow
#: steps for them (CIEDE2000 3.0 between neighbours); tests/test_colours.py holds every
#: pair of neighbouring bands, as drawn over each country colour, above 5.
BAND_PALETTE = ("#67000d", "#a81016", "#d11e1f", "#f24734", "#fb7757", "#fca486", "#fdcebb", "#ffede5")
#: Fill opacity of the bands over the country colours (0.55 blurred the palest steps together).
BAND_OPACITY = 0.65
#: Highlighted passages in the article, and the one selected.
MARK_FILL = "#f6e7a6"
MARK_SELECTED = "#ffd24d"
#: Captions and other secondary text on the page (Streamlit's own, its text at 60 % opacity,
#: is 3.9:1 on white).
CAPTION = "#5c5e66"
#: Country names on the map.
COUNTRY_LABEL = "#555555"
#: Text colours and the backgrounds they are drawn on, for the contrast test (WCAG AA).
TEXT_ON = {
    "legend and labels": (INK, "#ffffff"),
    "labels on Ukraine": (INK, COUNTRY_FILL["UA"]),
    "country names": (COUNTRY_LABEL, LAND_FILL),
    "country names on Ukraine": (COUNTRY_LABEL, COUNTRY_FILL["UA"]),
    "country names on Belarus": (COUNTRY_LABEL, COUNTRY_FILL["BY"]),
    "country names on Russia": (COUNTRY_LABEL, COUNTRY_FILL["RU"]),
    "captions": (CAPTION, "#ffffff"),
    "captions in the sidebar": (CAPTION, "#f0f2f6"),
    "passage badges": ("#ffffff", PASSAGE.color),
    "passage numbers in the article": (PASSAGE.color, MARK_FILL),
    "the selected passage": (INK, MARK_SELECTED),
    "passage numbers, selected": (PASSAGE.color, MARK_SELECTED),
}


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
    ['#67000d', '#fb7757']
    """
    size = len(BAND_PALETTE)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= size:
        raise InputError(f"Band count must be 1 to {size}, got {count!r}.")
    if count == 1:
        return [BAND_PALETTE[1]]
    # Stop short of the palest colours, which vanish on the pale land fills.
    last = min(size - 1, max(4, count - 1))
    return [BAND_PALETTE[round(i * last / (count - 1))] for i in range(count)]
