"""How a snapshot is framed: the extent it shows and the size of its image, without drawing anything."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from geo.errors import InputError

__all__ = ["DEFAULT_ASPECT", "MAX_PIXELS", "MAX_PX", "MAX_REACH_DEG", "MIN_PX", "SIZES", "UNITS", "MapSize", "View",
           "check_drawable", "largest_drawable", "view_reach"]

MIN_PX = 200
MAX_PX = 8000
#: A cap on width × height, so one request cannot take gigabytes of memory.
MAX_PIXELS = 40_000_000
UNITS = ("km", "mi")
#: How far a static map may reach from its centre to a corner of its image, in degrees of arc.
#: Its projection for large views (azimuthal equidistant around the centre) stretches shapes
#: across the radius by d / sin(d): 1.57 at 90°, 1.77 at 100°, 2.4 at 120°, without bound at
#: 180°, where the whole globe's far side crowds into the corners and north turns round.
MAX_REACH_DEG = 100.0
#: The map's shape in a default export (1600 × 1000 px).
DEFAULT_ASPECT = 1.6
_EARTH_RADIUS_M = 6_371_008.8
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


def _azimuthal_box(view: View) -> tuple[float, float, float, float]:
    """The view's outline projected azimuthally around its centre: x0, x1, y0, y1 in metres."""
    from pyproj import CRS, Transformer

    lon, lat = view.centre
    lon = (lon + 180.0) % 360.0 - 180.0
    crs = CRS.from_proj4(f"+proj=aeqd +lat_0={lat:.6f} +lon_0={lon:.6f} +datum=WGS84 +units=m +no_defs")
    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    t = np.linspace(0.0, 1.0, 129)
    dx, dy = view.east - view.west, view.north - view.south
    lons = np.concatenate([view.west + dx * t, np.full(t.size, view.east), view.east - dx * t,
                           np.full(t.size, view.west)])
    lats = np.concatenate([np.full(t.size, view.south), view.south + dy * t, np.full(t.size, view.north),
                           view.north - dy * t])
    x, y = fwd.transform(lons, lats)
    ok = np.isfinite(x) & np.isfinite(y)
    return float(x[ok].min()), float(x[ok].max()), float(y[ok].min()), float(y[ok].max())


def view_reach(view: View, aspect: float = DEFAULT_ASPECT) -> float:
    """How far a static map of ``view`` reaches: degrees of arc from its centre to its farthest corner.

    The view's outline is projected azimuthally around its centre (as a static map of a large
    view is) and, like the map, widened or heightened to the image's shape.

    Parameters
    ----------
    view : View
        The extent to show.
    aspect : float, optional
        The map's width over its height in the image; by default that of a 1600 × 1000 export.

    Returns
    -------
    float
        Degrees of arc.

    Examples
    --------
    >>> round(view_reach(View(-10, -10, 10, 10)), 1)
    18.9
    """
    if isinstance(aspect, bool) or not isinstance(aspect, (int, float)) or not (
        math.isfinite(aspect) and aspect > 0
    ):
        raise InputError(f"The image shape {aspect!r} must be a positive width / height.")
    x0, x1, y0, y1 = _azimuthal_box(view)
    w, h = x1 - x0, y1 - y0
    if w < h * aspect:
        x0, x1 = x0 - (h * aspect - w) / 2, x1 + (h * aspect - w) / 2
    else:
        y0, y1 = y0 - (w / aspect - h) / 2, y1 + (w / aspect - h) / 2
    corner = max(math.hypot(cx, cy) for cx in (x0, x1) for cy in (y0, y1))
    return math.degrees(corner / _EARTH_RADIUS_M)


def check_drawable(view: View, aspect: float = DEFAULT_ASPECT) -> View:
    """Return ``view`` if a static map can draw it, else refuse it naming the largest extent.

    A static map can reach at most :data:`MAX_REACH_DEG` from its centre to the corners of
    its image (see :func:`view_reach`); past that its projection crowds the far side of the
    globe into the corners and its north arrow turns round.

    Parameters
    ----------
    view : View
        The extent to show.
    aspect : float, optional
        The map's width over its height in the image; by default that of a 1600 × 1000 export.

    Returns
    -------
    View
        ``view`` itself.

    Raises
    ------
    InputError
        For a view too large, naming the largest extent an image of that shape can show.

    Examples
    --------
    >>> check_drawable(View(44, 20, 56, 42), 1.6).south
    44
    >>> check_drawable(View(-90, -180, 90, 180), 1.6)
    Traceback (most recent call last):
    geo.errors.InputError: The view is too large for a static map: ...
    """
    reach = view_reach(view, aspect)
    if reach <= MAX_REACH_DEG:
        return view
    largest = largest_drawable(view, aspect)
    raise InputError(
        f"The view is too large for a static map: at this image shape its corners would lie {reach:.0f}° "
        f"of arc from its centre as projected, past the {MAX_REACH_DEG:g}° the map can draw. The largest "
        f"view with the same centre and proportions that it can draw is "
        f"{largest.south:g},{largest.west:g},{largest.north:g},{largest.east:g} (south,west,north,east)."
    )


def largest_drawable(view: View, aspect: float = DEFAULT_ASPECT) -> View:
    """The largest view with ``view``'s centre and proportions that :func:`check_drawable` accepts.

    Its bounds are rounded inwards to a tenth of a degree.

    Examples
    --------
    >>> largest_drawable(View(-90, -180, 90, 180), 1.6)
    View(south=-39.8, west=-79.7, north=39.8, east=79.7)
    """
    lon, lat = view.centre
    half_w, half_h = (view.east - view.west) / 2, (view.north - view.south) / 2

    def scaled(k: float) -> View:
        return View(math.ceil((lat - k * half_h) * 10) / 10, math.ceil((lon - k * half_w) * 10) / 10,
                    math.floor((lat + k * half_h) * 10) / 10, math.floor((lon + k * half_w) * 10) / 10)

    if view_reach(view, aspect) <= MAX_REACH_DEG:
        return view
    low, high = 0.0, 1.0
    for _ in range(30):
        mid = (low + high) / 2
        if max(half_w, half_h) * mid < 0.2 or view_reach(scaled(mid), aspect) <= MAX_REACH_DEG:
            low = mid
        else:
            high = mid
    return scaled(low)
