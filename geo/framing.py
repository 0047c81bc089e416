"""How a snapshot is framed: the extent it shows and the size of its image, without drawing anything."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from geo.errors import InputError

__all__ = ["MAX_PIXELS", "MAX_PX", "MIN_PX", "SIZES", "UNITS", "MapSize", "View"]

MIN_PX = 200
MAX_PX = 8000
#: A cap on width × height, so one request cannot take gigabytes of memory.
MAX_PIXELS = 40_000_000
UNITS = ("km", "mi")
# Screens get a 6.75 in short side (12 × 6.75 in for 16:9), so text keeps its size across presets.
_SCREEN_SHORT_IN = 6.75


@dataclass(frozen=True)
class MapSize:
    """An image size in pixels and the resolution that sets its physical size.

    Parameters
    ----------
    width, height : int
        Pixels, each from :data:`MIN_PX` to :data:`MAX_PX`.
    dpi : float, optional
        Dots per inch; by default the short side measures 6.75 inches.

    Examples
    --------
    >>> MapSize(1600, 1000).dpi
    148.148...
    """

    width: int
    height: int
    dpi: float = 0.0

    def __post_init__(self) -> None:
        for name, value in (("width", self.width), ("height", self.height)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise InputError(f"Image {name} must be a whole number of pixels, got {value!r}.")
            if not MIN_PX <= value <= MAX_PX:
                raise InputError(f"Image {name} {value} px is out of range: use {MIN_PX} to {MAX_PX} px.")
        if self.width * self.height > MAX_PIXELS:
            raise InputError(
                f"Image {self.width}×{self.height} px is too large: keep width × height under "
                f"{MAX_PIXELS / 1e6:g} million pixels."
            )
        if self.dpi == 0.0:
            object.__setattr__(self, "dpi", min(self.width, self.height) / _SCREEN_SHORT_IN)
        if not (math.isfinite(self.dpi) and 10 <= self.dpi <= 1200):
            raise InputError(f"Resolution {self.dpi!r} dpi is out of range: use 10 to 1200 dpi.")

    @property
    def inches(self) -> tuple[float, float]:
        """Physical size; a hair over the exact value so that rendering never loses a pixel."""
        return (self.width + 1e-3) / self.dpi, (self.height + 1e-3) / self.dpi


#: Named sizes: social media (16:9), slides (full HD) and A4 landscape at 300 dpi.
SIZES: dict[str, MapSize] = {
    "social": MapSize(1200, 675, 100.0),
    "slide": MapSize(1920, 1080, 160.0),
    "a4": MapSize(3508, 2480, 300.0),
}


@dataclass(frozen=True)
class View:
    """A map extent in degrees, in the order Leaflet's bounds use: south, west, north, east.

    Examples
    --------
    >>> View.parse("49,22,56,34").centre
    (28.0, 52.5)
    """

    south: float
    west: float
    north: float
    east: float

    def __post_init__(self) -> None:
        values = (self.south, self.west, self.north, self.east)
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        if not numeric or not all(math.isfinite(v) for v in values):
            raise InputError("View bounds must be four finite numbers: south, west, north, east.")
        if not -90 <= self.south < self.north <= 90:
            raise InputError(f"View bounds need -90 <= south < north <= 90, "
                             f"got south {self.south:g}, north {self.north:g}.")
        if not -540 <= self.west < self.east <= 540 or self.east - self.west > 360:
            raise InputError(f"View bounds need west < east, at most 360° apart, "
                             f"got west {self.west:g}, east {self.east:g}.")
        if self.north - self.south < 0.01 or self.east - self.west < 0.01:
            raise InputError("The view is too small: give bounds at least 0.01° across.")

    @classmethod
    def parse(cls, text: str) -> View:
        """Read ``"S,W,N,E"`` (degrees, comma separated)."""
        parts = str(text).split(",")
        if len(parts) != 4:
            raise InputError(f"Bounds {str(text)[:60]!r} must be four numbers: south,west,north,east.")
        try:
            values = [float(p) for p in parts]
        except ValueError:
            raise InputError(f"Bounds {str(text)[:60]!r} must be four numbers: south,west,north,east.") from None
        return cls(*values)

    @classmethod
    def from_leaflet(cls, bounds: dict) -> View:
        """Read the ``bounds`` dict that st_folium returns (``_southWest`` and ``_northEast``)."""
        try:
            sw, ne = bounds["_southWest"], bounds["_northEast"]
            return cls(float(sw["lat"]), float(sw["lng"]), float(ne["lat"]), float(ne["lng"]))
        except (KeyError, TypeError, ValueError):
            raise InputError("Map bounds must hold _southWest and _northEast with lat and lng.") from None

    @property
    def centre(self) -> tuple[float, float]:
        """The centre as (lon, lat)."""
        return (self.west + self.east) / 2, (self.south + self.north) / 2
