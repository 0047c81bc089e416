"""Snapshots of the map as PNG, SVG, PDF, standalone HTML, GeoJSON and GeoPackage."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from geo.bands import BandSpec
from geo.borders import DEFAULT_BORDER
from geo.errors import ExportError, InputError
from geo.framing import SIZES, UNITS, MapSize, View, check_drawable

if TYPE_CHECKING:
    # folium and geopandas come with user layers: a command without one never loads them.
    from geo.story import Story
    from geo.userlayer import UserLayer

__all__ = [
    "FORMATS",
    "GPKG_LAYERS",
    "MEDIA_TYPES",
    "RESERVED_PROPERTIES",
    "SIZES",
    "ExportRequest",
    "export_bytes",
    "export_property_names",
    "export_request",
    "render",
]

#: Every format, in the order a user would look for them.
FORMATS = ("png", "svg", "pdf", "html", "geojson", "gpkg")
MEDIA_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
}
#: GeoPackage layer name for each overlay kind (the GeoJSON ``layer`` property).
GPKG_LAYERS = {"border": "border", "band": "bands", "place": "places", "passage": "passages", "user": "user"}
#: Property names the exports keep for themselves: ``layer`` and ``user_layer`` mark where a
#: feature comes from, ``fid`` and ``geom`` are a GeoPackage table's own columns and
#: ``geometry`` is geopandas'. A user property of one of these names, in any case, is renamed
#: by :func:`export_property_names`.
RESERVED_PROPERTIES = ("layer", "user_layer", "fid", "geom", "geometry")
_FORMAT_NAMES = {"png": "PNG", "svg": "SVG", "pdf": "PDF", "html": "HTML", "geojson": "GeoJSON",
                 "gpkg": "GeoPackage"}
_STATIC = ("png", "svg", "pdf")


@dataclass(frozen=True)
class ExportRequest:
    """Everything one snapshot needs; refuses a bad combination with a clear message.

    Parameters
    ----------
    format : str
        One of :data:`FORMATS`.
    spec : BandSpec
        The distance bands.
    size : str, optional
        A preset from :data:`SIZES` (``social``, ``slide``, ``a4``); static formats only.
    width, height : int, optional
        Custom pixels, given together, instead of ``size``.
    view : View, optional
        The extent to draw; the default view when missing.
    units : {"km", "mi"}
        Units of the labels and scale bar.
    footnotes : bool
        Print the quoted passages beside a static map.
    user : UserLayer, optional
        The user's own layer, added to every format.
    places : tuple of int
        GeoNames ids of reference places, drawn with the border's capitals and their lines
        to the border (static maps and HTML).
    story : Story, optional
        Whose places and passages to show: a person's own article, or the bundled story by
        default. Each format says which of its places a person confirmed.

    Examples
    --------
    >>> ExportRequest("png", BandSpec((50.0,)), size="social").map_size.width
    1200
    """

    format: str
    spec: BandSpec
    size: str | None = None
    width: int | None = None
    height: int | None = None
    view: View | None = None
    units: str = "km"
    footnotes: bool = False
    user: UserLayer | None = field(default=None, compare=False)
    places: tuple[int, ...] = ()
    story: Story | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise InputError(f"Unknown format {str(self.format)[:20]!r}: use one of {', '.join(FORMATS)}.")
        if not isinstance(self.spec, BandSpec):
            raise InputError("An export needs a BandSpec for its bands.")
        if self.size is not None and self.size not in SIZES:
            raise InputError(f"Unknown size {str(self.size)[:20]!r}: use one of {', '.join(SIZES)}.")
        if (self.width is None) != (self.height is None):
            raise InputError("Give width and height together, or neither.")
        if self.size is not None and self.width is not None:
            raise InputError("Give either a size preset or width and height, not both.")
        if self.units not in UNITS:
            raise InputError(f"Unknown units {str(self.units)[:20]!r}: use km or mi.")
        if not isinstance(self.places, tuple) or not all(
                isinstance(p, int) and not isinstance(p, bool) and p > 0 for p in self.places):
            raise InputError("Reference places must be a tuple of GeoNames ids (positive whole numbers).")
        if self.view is not None and not isinstance(self.view, View):
            raise InputError("The view must be a View (south, west, north, east).")
        if self.width is not None:
            MapSize(self.width, self.height)  # validates the range
        if self.view is not None and self.format in _STATIC:
            size = self.map_size
            check_drawable(self.view, size.width / size.height)
        if self.user is not None:
            from geo.userlayer import UserLayer

            if not isinstance(self.user, UserLayer):
                raise InputError("The user layer must be a UserLayer from geo.userlayer.read_user_layer.")

    @property
    def map_size(self) -> MapSize:
        """Pixels and resolution of a static map (1600 × 1000 when nothing was asked)."""
        if self.size is not None:
            return SIZES[self.size]
        if self.width is not None:
            return MapSize(self.width, self.height)
        return MapSize(1600, 1000)

    @property
    def media_type(self) -> str:
        """The MIME type of the output, for a download button."""
        return MEDIA_TYPES[self.format]

    @property
    def filename(self) -> str:
        """A descriptive file name such as ``article-atlas-BY-UA-50-100km-both.png``.

        A line of the user's layer is ``user-line`` (its key is a digest).
        """
        distances = "-".join(f"{d:g}" for d in self.spec.distances_km)
        border = self.spec.border
        key = "user-line" if border.key.startswith("user:") else border.key
        side = self.spec.side
        if side in border.countries:
            side = "-".join(border.country_name(side).lower().split())
        return f"article-atlas-{key}-{distances}km-{side}.{self.format}"


def export_request(
    fmt: str,
    spec: BandSpec,
    *,
    size: str | None = None,
    width: int | None = None,
    height: int | None = None,
    bounds: View | tuple[float, float, float, float] | dict | str | None = None,
    units: str = "km",
    footnotes: bool = False,
    user: UserLayer | None = None,
    places: tuple[int, ...] = (),
    story: Story | None = None,
) -> ExportRequest:
    """Build a validated :class:`ExportRequest` from loose values.

    ``bounds`` may be a :class:`View`, a ``(south, west, north, east)`` tuple, the dict
    st_folium returns, or an ``"S,W,N,E"`` string.
    """
    if bounds is None or isinstance(bounds, View):
        view = bounds
    elif isinstance(bounds, str):
        view = View.parse(bounds)
    elif isinstance(bounds, dict):
        view = View.from_leaflet(bounds)
    else:
        try:
            south, west, north, east = (float(v) for v in bounds)
        except (TypeError, ValueError):
            raise InputError("Bounds must be four numbers: south, west, north, east.") from None
        view = View(south, west, north, east)
    return ExportRequest(str(fmt).lower(), spec, size=size, width=width, height=height, view=view,
                         units=units, footnotes=bool(footnotes), user=user, places=tuple(places),
                         story=story)


def export_property_names(keys: Iterable[str]) -> dict[str, str]:
    """Name each property of a user's layer as the GeoJSON and GeoPackage exports write it.

    The rule is :func:`geo.geopackage.column_names` with :data:`RESERVED_PROPERTIES`: a
    name is kept unless it is, ignoring case, one of them or a name kept before it (a
    GeoPackage's columns, like SQLite's, differ by more than case). Such a name gets the
    first of the suffixes ``_1``, ``_2``, … that makes it differ from every other name,
    ignoring case; names that clash with nothing never change. Values are never changed.

    Parameters
    ----------
    keys : iterable of str
        The layer's property names, in order.

    Returns
    -------
    dict of str to str
        Each name and the name it is exported under.

    Examples
    --------
    >>> export_property_names(["fid", "Name", "name", "layer", "fid_1"])
    {'fid': 'fid_2', 'Name': 'Name', 'name': 'name_1', 'layer': 'layer_1', 'fid_1': 'fid_1'}
    """
    from geo.geopackage import column_names

    return column_names(keys, RESERVED_PROPERTIES)


def _overlays(request: ExportRequest) -> dict:
    from geo.layers import overlays_geojson

    collection = overlays_geojson(request.spec, request.story)
    if request.user is not None:
        from geo.userlayer import user_layer_geojson

        user = user_layer_geojson(request.user)
        names = export_property_names(k for item in user["features"] for k in item["properties"])
        for item in user["features"]:
            properties = {names[str(k)]: v for k, v in item["properties"].items()}
            item["properties"] = {**properties, "layer": "user", "user_layer": request.user.name}
            collection["features"].append(item)
    return collection


def _geojson(request: ExportRequest) -> bytes:
    text = json.dumps(_overlays(request), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


def _gpkg(request: ExportRequest) -> bytes:
    import geopandas as gpd

    collection = _overlays(request)
    by_kind: dict[str, list[dict]] = {kind: [] for kind in GPKG_LAYERS}
    for feat in collection["features"]:
        by_kind[feat["properties"]["layer"]].append(feat)
    with tempfile.TemporaryDirectory(prefix="atlas-gpkg-") as folder:
        path = Path(folder) / "overlays.gpkg"
        kind = ""
        try:
            for kind, features in by_kind.items():
                if not features:
                    continue
                frame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
                frame = frame.drop(columns="layer")
                frame.to_file(path, layer=GPKG_LAYERS[kind], driver="GPKG", engine="pyogrio")
            return path.read_bytes()
        except (OSError, ValueError, RuntimeError) as exc:  # pyogrio's errors are RuntimeErrors
            what = "your layer" if kind == "user" else f"the {GPKG_LAYERS.get(kind, kind)} layer"
            reason = _reason(exc).replace(folder, "a temporary folder")
            raise ExportError(f"The GeoPackage export failed while writing {what} ({reason}). "
                              "Try GeoJSON, which holds the same features.") from exc


def _html(request: ExportRequest) -> bytes:
    from geo.assets import standalone_html
    from geo.mapping import DEFAULT_VIEW, MapView, build_map

    view = DEFAULT_VIEW
    if request.view is not None:
        lon, lat = request.view.centre
        view = MapView(center=(lat, (lon + 180.0) % 360.0 - 180.0), zoom=DEFAULT_VIEW.zoom,
                       basemap=DEFAULT_VIEW.basemap, layers=DEFAULT_VIEW.layers)
    extra = []
    if request.user is not None:
        from geo.userlayer import user_layer_group

        extra.append(user_layer_group(request.user))
    m = build_map(view, request.spec, units=request.units, extra_layers=extra, places=request.places,
                  story=request.story)
    if request.view is not None:
        v = request.view
        m.fit_bounds([(v.south, v.west), (v.north, v.east)])
    elif request.spec.border.key != DEFAULT_BORDER:
        # The default view is the article's border's; another border is framed on itself.
        west, south, east, north = request.spec.border.line.bounds
        m.fit_bounds([(south, west), (north, east)])
    return standalone_html(m).encode("utf-8")


def _static(request: ExportRequest) -> bytes:
    from geo.static_map import draw_map

    drawn = draw_map(request.spec, request.map_size, request.view, units=request.units,
                     footnotes=request.footnotes, user=request.user, places=request.places,
                     story=request.story)
    try:
        return drawn.to_bytes(request.format)
    finally:
        drawn.figure.clear()


def _reason(exc: BaseException, limit: int = 200) -> str:
    """One line naming what went wrong, for a message a user reads."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render(request: ExportRequest) -> bytes:
    """Return the bytes of one snapshot described by ``request``.

    Raises
    ------
    InputError
        For a value the request cannot be drawn with.
    ExportError
        For any other failure, with a message that says which format failed, why, and
        what to try instead; the original exception is its ``__cause__``.
    """
    try:
        if request.format in _STATIC:
            return _static(request)
        if request.format == "geojson":
            return _geojson(request)
        if request.format == "gpkg":
            return _gpkg(request)
        return _html(request)
    except (ExportError, InputError):
        raise
    except Exception as exc:  # every failure reaches the user as an ExportError, whatever raised it
        name = _FORMAT_NAMES[request.format]
        other = "GeoJSON" if request.format != "geojson" else "GeoPackage"
        hint = " or without your layer" if request.user is not None else ""
        raise ExportError(f"The {name} export failed ({type(exc).__name__}: {_reason(exc)}). "
                          f"Try {other}{hint}; if it fails too, please report this message.") from exc


def export_bytes(
    fmt: str,
    spec: BandSpec,
    *,
    size: str | None = None,
    width: int | None = None,
    height: int | None = None,
    bounds: View | tuple[float, float, float, float] | dict | str | None = None,
    units: str = "km",
    footnotes: bool = False,
    user: UserLayer | None = None,
    places: tuple[int, ...] = (),
    story: Story | None = None,
) -> bytes:
    """Export the map in one format and return the file's bytes.

    Parameters
    ----------
    fmt : str
        One of :data:`FORMATS`: ``png``, ``svg``, ``pdf``, ``html``, ``geojson``, ``gpkg``.
    spec : BandSpec
        The distance bands (distances, side, clip).
    size : str, optional
        ``social`` (1200 × 675), ``slide`` (1920 × 1080) or ``a4`` (3508 × 2480, 300 dpi).
    width, height : int, optional
        Custom pixels, from 200 to 8000 each, instead of ``size``.
    bounds : View, tuple, dict or str, optional
        The extent: the st_folium ``bounds`` dict, ``(south, west, north, east)`` or
        ``"S,W,N,E"``; the default view when missing.
    units : {"km", "mi"}
        Units of the labels and the scale bar.
    footnotes : bool
        Print the quoted passages beside a static map.
    user : UserLayer, optional
        The user's own layer (from :func:`geo.userlayer.read_user_layer`), added to
        every format: drawn on static maps and the HTML map, a ``user`` layer in GeoJSON
        and GeoPackage.
    places : tuple of int
        GeoNames ids of reference places.
    story : Story, optional
        Whose places and passages to show (see :class:`ExportRequest`).

    Returns
    -------
    bytes
        The file's content; its media type is ``MEDIA_TYPES[fmt]``.

    Raises
    ------
    InputError
        For an unknown format or size, or out-of-range pixels or bounds.
    ExportError
        When the file cannot be produced.

    Examples
    --------
    >>> data = export_bytes("png", BandSpec((50.0, 100.0)), size="social")
    >>> data[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    request = export_request(fmt, spec, size=size, width=width, height=height, bounds=bounds,
                             units=units, footnotes=footnotes, user=user, places=places, story=story)
    return render(request)
