"""Print-quality static maps drawn with matplotlib's Agg renderer, in a projection centred on the view."""

from __future__ import annotations

import functools
import io
import math
import textwrap
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import matplotlib as mpl
import numpy as np
import shapely
import shapely.affinity
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from pyproj import CRS, Proj, Transformer

from geo import style, world
from geo.bands import BandSpec, distance_bands
from geo.borders import BORDER_NOTES, DEFAULT_BORDER, Border
from geo.data import load_countries, load_crimea, load_united_states
from geo.errors import ExportError, InputError
from geo.framing import MAX_PIXELS, MAX_PX, MIN_PX, SIZES, UNITS, MapSize, View
from geo.geodesy import GEOD, KM_PER_MILE, LONLAT
from geo.labelling import Box, Candidate, Label, place_labels
from geo.places import Place, article_places, story_places
from geo.story import PUBLISHER, Story, load_story

if TYPE_CHECKING:
    from geo.userlayer import UserLayer

__all__ = [
    "CREDITS",
    "ITEM_KINDS",
    "LABEL_PRIORITY",
    "MAX_PIXELS",
    "MAX_PX",
    "MIN_PX",
    "SIZES",
    "UNITS",
    "MapItem",
    "MapSize",
    "ScaleBar",
    "StaticMap",
    "View",
    "artist_extent",
    "default_view",
    "draw_map",
    "projection_for",
]

#: Data sources and the article's publisher, printed on every map.
CREDITS = (
    "Borders: Digital Chart of the World 1:1M (Debian gmt-dcw) and Natural Earth",
    "Places: GeoNames",
    f"Article: {PUBLISHER}",
)
_FOOTNOTE_SHARE = 0.34


#: The bundled region data covers this box (west, south, east, north); beyond it the world data draws.
REGION_BOX = (0.0, 34.0, 60.0, 71.0)


def _country_geometry(iso: str) -> shapely.Geometry:
    """A country's shape: the region data's within the bundled region, else the world data's."""
    countries = load_countries()
    if iso in countries.keys():
        return countries[iso].geometry
    return world.country_geometry(iso)


def default_view(spec: BandSpec) -> View:
    """The view that shows the border's countries and every band, with a margin.

    For Belarus–Ukraine that is both countries (Crimea included); for a line of the user's
    layer, the line and its bands. A country reaching far beyond its border (Russia beside
    Finland) is left out: the view holds the border, its bands and the other country.

    Parameters
    ----------
    spec : BandSpec
        The bands to be shown.

    Returns
    -------
    View
    """
    border = spec.border
    parts = [border.line]
    margin = max(12.0, 0.5 * max(_span(border.line.bounds)))
    west, south, east, north = border.line.bounds
    reach = shapely.box(west - margin, south - margin, east + margin, north + margin)
    for iso in border.countries:
        geom = _country_geometry(iso)
        # Russia or Kazakhstan would stretch a small border's map across a continent: a
        # country far larger than its border is framed by the bands alone.
        if geom.envelope.within(reach):
            parts.append(geom)
    parts += [b.geometry for b in distance_bands(spec) if not b.geometry.is_empty]
    west, south, east, north = shapely.GeometryCollection(parts).bounds
    pad_x, pad_y = (east - west) * 0.04, (north - south) * 0.04
    return View(max(-90.0, south - pad_y), west - pad_x, min(90.0, north + pad_y), east + pad_x)


def _span(bounds: tuple[float, float, float, float]) -> tuple[float, float]:
    west, south, east, north = bounds
    return east - west, north - south


def projection_for(view: View) -> CRS:
    """A projection suited to the view's latitude and extent.

    - Near a pole (the view reaches past 80°, or lies wholly beyond 65° and spans more
      than 40° of longitude): a polar stereographic projection on the view's meridian.
    - Tall and narrow (north–south more than 1.5 times east–west on the ground, such as
      Chile–Argentina): transverse Mercator on the view's central meridian.
    - Otherwise a region: Lambert's conformal conic with standard parallels at a sixth
      and five sixths of the view's height keeps shapes and the scale bar true.
    - A view spanning the equator or most of a hemisphere: azimuthal equidistant at its centre.
    """
    lon, lat = view.centre
    lon = (lon + 180.0) % 360.0 - 180.0
    span = view.north - view.south
    width_km = (view.east - view.west) * 111.32 * math.cos(math.radians(min(abs(view.south), abs(view.north))
                                                                        if view.south * view.north > 0 else 0.0))
    polar = view.north > 80 or view.south < -80 or (
        min(abs(view.south), abs(view.north)) >= 65 and view.south * view.north > 0 and view.east - view.west > 40)
    if polar:
        pole = 90 if lat > 0 else -90
        return CRS.from_proj4(f"+proj=stere +lat_0={pole} +lat_ts={pole * 0.78:.1f} +lon_0={lon:.6f} "
                              "+datum=WGS84 +units=m +no_defs")
    if span <= 60 and span * 111.32 > 1.5 * width_km:
        return CRS.from_proj4(f"+proj=tmerc +lat_0={lat:.6f} +lon_0={lon:.6f} +k=1 "
                              "+datum=WGS84 +units=m +no_defs")
    if view.south * view.north > 0 and span <= 50 and view.east - view.west <= 120:
        lat_1, lat_2 = view.south + span / 6, view.north - span / 6
        return CRS.from_proj4(
            f"+proj=lcc +lat_0={lat:.6f} +lon_0={lon:.6f} +lat_1={lat_1:.6f} +lat_2={lat_2:.6f} "
            "+datum=WGS84 +units=m +no_defs"
        )
    return CRS.from_proj4(f"+proj=aeqd +lat_0={lat:.6f} +lon_0={lon:.6f} +datum=WGS84 +units=m +no_defs")


@dataclass(frozen=True)
class StaticMap:
    """A drawn map: its figure, its map axes, projection and size, what it prints and its scale bar.

    Use :meth:`pixel` to find where a place lands in the image, :meth:`item_boxes` to measure
    what it prints and :meth:`to_bytes` to encode it.
    """

    figure: Figure = field(repr=False)
    axes: Axes = field(repr=False)
    crs: CRS
    size: MapSize
    items: tuple[MapItem, ...] = field(default=(), repr=False)
    scale_bar: ScaleBar | None = field(default=None, repr=False)

    def item_boxes(self) -> list[tuple[MapItem, Bbox]]:
        """Every printed item with the display pixels it covers, measured by the renderer after a draw.

        Pixels count from the bottom left (matplotlib's display coordinates). No two items
        overlap: that is what the label placer guarantees.
        """
        self.figure.draw_without_rendering()
        renderer = self.figure.canvas.get_renderer()
        return [(item, Bbox.union([artist_extent(a, renderer) for a in item.artists])) for item in self.items]

    def pixel(self, lon: float, lat: float) -> tuple[float, float]:
        """Return the image pixel (x to the right, y downwards) of a longitude/latitude."""
        x, y = Transformer.from_crs(LONLAT, self.crs, always_xy=True).transform(lon, lat)
        px, py = self.axes.transData.transform((x, y))
        return float(px), float(self.size.height - py)

    def to_bytes(self, fmt: str) -> bytes:
        """Encode as ``"png"``, ``"svg"`` or ``"pdf"``; text stays text in SVG and PDF."""
        if fmt not in ("png", "svg", "pdf"):
            raise InputError(f"Unknown static format {fmt!r}: use png, svg or pdf.")
        metadata = {
            "png": {"Software": "Article Atlas (matplotlib)"},
            "svg": {"Date": None, "Title": self.figure.get_label()},
            "pdf": {"CreationDate": None, "Title": self.figure.get_label(), "Creator": "Article Atlas"},
        }[fmt]
        rc = {"svg.fonttype": "none", "pdf.fonttype": 42, "svg.hashsalt": "article-atlas"}
        buffer = io.BytesIO()
        try:
            with mpl.rc_context(rc):
                extra = {"pil_kwargs": {"compress_level": 3}} if fmt == "png" else {}
                self.figure.savefig(buffer, format=fmt, dpi=self.size.dpi, metadata=metadata, **extra)
        except (OSError, ValueError, RuntimeError) as exc:
            raise ExportError(f"Could not encode the map as {fmt.upper()}: {exc}") from exc
        return buffer.getvalue()


class _Frame:
    """The projection, the visible rectangle and the lon/lat box worth drawing."""

    def __init__(self, view: View, crs: CRS, aspect: float):
        self.crs = crs
        self.fwd = Transformer.from_crs(LONLAT, crs, always_xy=True)
        self.inv = Transformer.from_crs(crs, LONLAT, always_xy=True)
        t = np.linspace(0.0, 1.0, 64)
        lon = np.concatenate([view.west + (view.east - view.west) * t, np.full(64, view.east),
                              view.east - (view.east - view.west) * t, np.full(64, view.west)])
        lat = np.concatenate([np.full(64, view.south), view.south + (view.north - view.south) * t,
                              np.full(64, view.north), view.north - (view.north - view.south) * t])
        x, y = self.fwd.transform(lon, lat)
        ok = np.isfinite(x) & np.isfinite(y)
        x0, x1, y0, y1 = x[ok].min(), x[ok].max(), y[ok].min(), y[ok].max()
        # Grow the short side so the whole view shows and x and y share one scale.
        w, h = x1 - x0, y1 - y0
        if w / h < aspect:
            grow = (h * aspect - w) / 2
            x0, x1 = x0 - grow, x1 + grow
        else:
            grow = (w / aspect - h) / 2
            y0, y1 = y0 - grow, y1 + grow
        self.xlim, self.ylim = (x0, x1), (y0, y1)
        edge_x = np.concatenate([x0 + (x1 - x0) * t, np.full(64, x1), x1 - (x1 - x0) * t, np.full(64, x0)])
        edge_y = np.concatenate([np.full(64, y0), y0 + (y1 - y0) * t, np.full(64, y1), y1 - (y1 - y0) * t])
        elon, elat = self.inv.transform(edge_x, edge_y)
        good = np.isfinite(elon) & np.isfinite(elat)
        if good.all() and np.ptp(elon) < 300:
            self.box = (elon.min() - 1, max(-90.0, elat.min() - 1), elon.max() + 1, min(90.0, elat.max() + 1))
        else:
            self.box = (-180.0, -90.0, 180.0, 90.0)
        # Vertices closer than a third of a pixel are invisible: drop them before drawing.
        self.tolerance = (x1 - x0) / 3000.0
        self.outline = shapely.box(*self.box)

    def _forward(self, xy: np.ndarray) -> np.ndarray:
        return np.column_stack(self.fwd.transform(xy[:, 0], xy[:, 1]))

    def project(self, geom: shapely.Geometry, clip: bool = True) -> shapely.Geometry:
        if geom is None or geom.is_empty:
            return shapely.Polygon()
        if clip:
            if not geom.intersects(self.outline):
                return shapely.Polygon()
            geom = shapely.clip_by_rect(geom, *self.box)
        projected = shapely.transform(geom, self._forward)
        return shapely.simplify(projected, self.tolerance, preserve_topology=False) if clip else projected

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = self.fwd.transform(lon, lat)
        return float(x), float(y)

    def contains(self, lon: float, lat: float) -> bool:
        x, y = self.xy(lon, lat)
        return self.xlim[0] <= x <= self.xlim[1] and self.ylim[0] <= y <= self.ylim[1]

    def metres_per_unit(self) -> float:
        """True metres per projected metre at the centre, measured geodesically across it."""
        cx, cy = sum(self.xlim) / 2, sum(self.ylim) / 2
        d = (self.xlim[1] - self.xlim[0]) / 20
        (lon0, lon1), (lat0, lat1) = self.inv.transform([cx - d, cx + d], [cy, cy])
        _, _, dist = GEOD.inv(lon0, lat0, lon1, lat1)
        return dist / (2 * d)


def _path(geom: shapely.Geometry) -> Path | None:
    """One compound path (holes included) for polygons, or a multi-part path for lines."""
    vertices, codes = [], []
    for part in shapely.get_parts(geom):
        if part.is_empty:
            continue
        if part.geom_type == "Polygon":
            rings = [part.exterior, *part.interiors]
            for ring in rings:
                xy = np.asarray(ring.coords)
                if len(xy) < 4:
                    continue
                code = np.full(len(xy), Path.LINETO, dtype=Path.code_type)
                code[0], code[-1] = Path.MOVETO, Path.CLOSEPOLY
                vertices.append(xy)
                codes.append(code)
        elif part.geom_type == "LineString":
            xy = np.asarray(part.coords)
            code = np.full(len(xy), Path.LINETO, dtype=Path.code_type)
            code[0] = Path.MOVETO
            vertices.append(xy)
            codes.append(code)
    if not vertices:
        return None
    return Path(np.concatenate(vertices), np.concatenate(codes))


def _add(ax: Axes, geom: shapely.Geometry, **kwargs) -> PathPatch | None:
    path = _path(geom)
    if path is None:
        return None
    # add_artist, not add_patch: the limits are fixed, and updating them walks every vertex.
    return ax.add_artist(PathPatch(path, **kwargs))


def _nice(value: float) -> float:
    """The largest of 1, 2 or 5 × 10^n not above ``value``."""
    exponent = math.floor(math.log10(value))
    for step in (5, 2, 1):
        if step * 10**exponent <= value:
            return step * 10**exponent
    return 10**exponent


def _unit_label(km: float, units: str) -> str:
    value = km if units == "km" else km / KM_PER_MILE
    return f"{round(value, 1):g}"


def band_label(inner_km: float, outer_km: float, units: str) -> str:
    """A band's legend label in the chosen units, such as ``"0–31 mi"``."""
    return f"{_unit_label(inner_km, units)}–{_unit_label(outer_km, units)} {units}"


@lru_cache(maxsize=1)
def _country_fills() -> dict[str, str]:
    fills = {}
    for country in load_countries():
        is_nato = country["nato_since"] is not None
        fills[country.key] = style.COUNTRY_FILL.get(country.key, style.NATO_FILL if is_nato else style.LAND_FILL)
    return fills


def _inside_region(box: tuple[float, float, float, float]) -> bool:
    west, south, east, north = box
    r_west, r_south, r_east, r_north = REGION_BOX
    return west >= r_west and east <= r_east and south >= r_south and north <= r_north


def _base_countries(box: tuple[float, float, float, float]) -> dict[str, tuple[str, shapely.Geometry]]:
    """The countries to draw in a frame's lon/lat box, as ISO code to (name, shape).

    The region data's within the bundled region (a frame wholly inside it never loads the
    world data); the world data's where the frame reaches beyond it.
    """
    if _inside_region(box):
        return {str(c.key): (str(c["name"]), c.geometry) for c in load_countries()}
    window = shapely.box(*box)
    out = {}
    for info in world.countries():
        bounds = getattr(info, "bounds", None)  # the light index: no geometry loaded for far countries
        if bounds is not None and not window.intersects(shapely.box(*bounds)):
            continue
        geom = world.country_geometry(info.iso2)
        if geom.intersects(window):
            out[info.iso2] = (info.name, geom)
    return out


def _draw_base(ax: Axes, frame: _Frame, pt: float, border: Border) -> dict[str, shapely.Geometry]:
    """Draw every country and US state; return each country's projected shape, by ISO code.

    The border's countries take the two focus fills (Belarus's and Ukraine's by default).
    """
    fills = dict(_country_fills())
    if border.key != DEFAULT_BORDER:
        for iso in style.COUNTRY_FILL:  # the article's countries are plain on another border's map
            if iso in fills:
                fills[iso] = style.LAND_FILL
        for iso, focus in zip(border.countries, ("BY", "UA"), strict=False):
            fills[iso] = style.COUNTRY_FILL[focus]
    projected = {}
    for iso, (_, geom) in _base_countries(frame.box).items():
        shape = frame.project(geom)
        projected[iso] = shape
        _add(ax, shape, facecolor=fills.get(iso, style.LAND_FILL), edgecolor=style.OUTLINE.color,
             linewidth=style.OUTLINE.width, zorder=1)
    for state in load_united_states():
        _add(ax, frame.project(state.geometry), facecolor=style.LAND_FILL, edgecolor=style.OUTLINE.color,
             linewidth=style.OUTLINE.width, zorder=1)
    return projected


def _to_pixels(ax: Axes, shapes: dict[str, shapely.Geometry]) -> dict[str, shapely.Geometry]:
    """Projected shapes in display pixels (the axes' data transform is affine), made valid."""
    (x0, y0), (x1, y1) = ax.transData.transform([(0.0, 0.0), (1.0, 1.0)])
    matrix = [x1 - x0, 0.0, 0.0, y1 - y0, x0, y0]
    result = {}
    for key, shape in shapes.items():
        if shape.is_empty:
            continue
        shape = shapely.affinity.affine_transform(shape, matrix)
        result[key] = shape if shape.is_valid else shapely.make_valid(shape)
    return result


def _draw_graticule(ax: Axes, frame: _Frame) -> None:
    west, south, east, north = frame.box
    span = max(north - south, (east - west) / 2)
    step = next((s for s in (1, 2, 5, 10, 15, 30) if span / s <= 8), 30)
    lines = []
    for lon in np.arange(math.ceil(west / step) * step, east + 1e-9, step):
        lines.append(shapely.LineString(np.column_stack((np.full(90, lon), np.linspace(south, north, 90)))))
    for lat in np.arange(math.ceil(south / step) * step, north + 1e-9, step):
        lines.append(shapely.LineString(np.column_stack((np.linspace(west, east, 180), np.full(180, lat)))))
    _add(ax, frame.project(shapely.MultiLineString(lines), clip=False), fill=False,
         edgecolor=style.GRATICULE.color, linewidth=style.GRATICULE.width, zorder=2)


def _draw_bands(ax: Axes, frame: _Frame, spec: BandSpec, units: str) -> list:
    bands = distance_bands(spec)
    handles = []
    for band, color in zip(bands, style.band_colors(len(bands)), strict=True):
        _add(ax, frame.project(band.geometry), facecolor=mpl.colors.to_rgba(color, style.BAND_OPACITY),
             edgecolor=color, linewidth=0.6, zorder=3)
        handles.append(Patch(facecolor=mpl.colors.to_rgba(color, style.BAND_OPACITY), edgecolor=color,
                             linewidth=0.6, label=band_label(band.inner_km, band.outer_km, units)))
    return handles


def _crimea_caption() -> str:
    crimea, countries = load_crimea(), load_countries()
    return (f"{crimea['name']}: part of {countries[crimea['part_of']]['name']},\n"
            f"occupied by {countries[crimea['occupied_by']]['name']} since {int(crimea['occupied_since'])}")


def _draw_crimea(ax: Axes, frame: _Frame, pt: float) -> Patch:
    _add(ax, frame.project(load_crimea().geometry), facecolor="none", edgecolor=style.CRIMEA.color, hatch="////",
         linewidth=style.CRIMEA.width, linestyle=(0, style.CRIMEA.dash), zorder=4)
    return Patch(facecolor="none", edgecolor=style.CRIMEA.color, hatch="////",
                 label=_crimea_caption().replace(",\n", ", "))


def _draw_border(ax: Axes, frame: _Frame, border: Border) -> Line2D:
    _add(ax, frame.project(border.line), fill=False, edgecolor=style.BORDER.color,
         linewidth=style.BORDER.width, capstyle="round", joinstyle="round", zorder=5)
    return Line2D([], [], color=style.BORDER.color, linewidth=style.BORDER.width,
                  label=_capitalised(border.name))


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _draw_user(ax: Axes, frame: _Frame, layer: UserLayer) -> Line2D:
    geoms = layer.frame.geometry.values
    points = [g for g in geoms if g is not None and g.geom_type in ("Point", "MultiPoint")]
    others = [g for g in geoms if g is not None and g.geom_type not in ("Point", "MultiPoint")]
    if others:
        _add(ax, frame.project(shapely.union_all(others)), fill=False, edgecolor=style.USER.color,
             linewidth=style.USER.width, zorder=5)
    if points:
        xy = shapely.get_coordinates(frame.project(shapely.MultiPoint(
            shapely.get_coordinates(shapely.GeometryCollection(points)))))
        if len(xy):
            ax.scatter(xy[:, 0], xy[:, 1], s=14, color=style.USER.color, zorder=9)
    label = layer.name if len(layer.name) <= 40 else layer.name[:39] + "…"
    return Line2D([], [], color=style.USER.color, linewidth=style.USER.width, marker="o",
                  markersize=4, label=f"Your layer: {label}")


def _reference_facts(spec: BandSpec, places: tuple[int, ...] = ()) -> dict:
    """The reference places' distances to the border (its countries' capitals, then ``places``)."""
    from geo.facts import reference_facts

    return {k: f for k, f in reference_facts(spec.border, places).items() if f.line is not None}


def _draw_reference_lines(ax: Axes, frame: _Frame, facts: dict) -> None:
    for fact in facts.values():
        (lon0, lat0), (lon1, lat1) = fact.line
        line = shapely.LineString(np.column_stack((np.linspace(lon0, lon1, 32), np.linspace(lat0, lat1, 32))))
        _add(ax, frame.project(line, clip=False), fill=False, edgecolor=style.INK, linewidth=1.1,
             linestyle=(0, (3, 2)), zorder=6)


#: Places drawn by a layer of their own (Crimea, hatched), not again as a passage's shape.
_OWN_LAYER = ("crimea",)
#: A passage's line or area as the web map draws it (geo.mapping): the passage colour, a line
#: 4 wide, an area outlined 2 wide with a 6-4 dash and filled at 10 % (widths in points here).
_SHAPE_OPACITY, _AREA_FILL = 0.85, 0.10
_LINE_WIDTH, _AREA_WIDTH, _AREA_DASH = 4.0, 2.0, (6.0, 4.0)


#: The story being drawn (a person's own article, or None for the bundled one), set by draw_map.
_STORY: ContextVar[Story | None] = ContextVar("atlas_static_story", default=None)


def _story() -> tuple[Story, dict[str, Place]]:
    """The story :func:`draw_map` is drawing and its located places."""
    story = _STORY.get()
    return (load_story(), article_places()) if story is None else (story, story_places(story))


def _passage_shapes() -> dict[str, Place]:
    """The places passages speak of that are a line or an area the map does not already draw."""
    story, places = _story()
    spoken = {p.place for p in story.passages}
    return {pid: place for pid, place in places.items()
            if pid in spoken and place.shape != "point" and place.kind in ("region", "border")
            and pid not in _OWN_LAYER}


def _draw_passage_shapes(ax: Axes, frame: _Frame) -> dict[str, shapely.Geometry]:
    """Draw each passage's line or area; return each one's projected shape, by place id."""
    projected = {}
    edge = mpl.colors.to_rgba(style.PASSAGE.color, _SHAPE_OPACITY)
    for pid, place in _passage_shapes().items():
        shape = frame.project(place.geometry)
        projected[pid] = shape
        if place.shape == "area":
            _add(ax, shape, facecolor=mpl.colors.to_rgba(style.PASSAGE.color, _AREA_FILL), edgecolor=edge,
                 linewidth=_AREA_WIDTH, linestyle=(0, _AREA_DASH), zorder=4.5)
        else:
            _add(ax, shape, fill=False, edgecolor=edge, linewidth=_LINE_WIDTH, capstyle="round",
                 joinstyle="round", zorder=4.6)
    return projected


def _nearest_point(place: Place, lon: float, lat: float) -> tuple[float, float]:
    """The point of a place's line or outline geodesically nearest ``(lon, lat)``, to within about
    5 km (vertices every 0.05°); a point place's own point."""
    if place.shape == "point":
        return place.lon, place.lat
    geom = place.geometry.boundary if place.shape == "area" else place.geometry
    xy = shapely.get_coordinates(shapely.segmentize(shapely.simplify(geom, 0.01), 0.05))
    _, _, dist = GEOD.inv(np.full(len(xy), lon), np.full(len(xy), lat), xy[:, 0], xy[:, 1])
    i = int(np.argmin(dist))
    return float(xy[i, 0]), float(xy[i, 1])


def _along(line: shapely.Geometry, start: tuple[float, float], spacing: float, count: int) -> np.ndarray:
    """Up to ``count`` points every ``spacing`` along a line's parts, those nearest ``start`` first."""
    pts = []
    for part in shapely.get_parts(line):
        if part.geom_type != "LineString" or part.length <= 0:
            continue
        d = np.arange(min(spacing / 2, part.length / 2), part.length, spacing)
        pts.append(shapely.get_coordinates(shapely.line_interpolate_point(part, d)))
    if not pts:
        return np.empty((0, 2))
    pts = np.vstack(pts)
    return pts[np.argsort(np.hypot(pts[:, 0] - start[0], pts[:, 1] - start[1]))][:count]


def _arrowhead(degrees: float) -> Path:
    """An arrowhead marker pointing ``degrees`` anticlockwise from east.

    Not a rotated triangle: an equilateral one looks the same three ways round.
    """
    shape = np.array([(1.0, 0.0), (-0.7, 0.6), (-0.35, 0.0), (-0.7, -0.6), (1.0, 0.0)])
    t = math.radians(degrees)
    turn = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    codes = [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY]
    return Path(shape @ turn.T, codes)


def _place_handles(fs: float) -> list:
    return [
        Line2D([], [], marker="o", markersize=fs * 0.95, markerfacecolor=style.PLACE.color,
               markeredgecolor="white", linestyle="none", label="City named in the article"),
        Line2D([], [], marker="s", markersize=fs * 0.9, markerfacecolor=style.PASSAGE.color,
               markeredgecolor="white", linestyle="none", label="Passage number (quoted in the article)"),
        Line2D([], [], marker=_arrowhead(0.0), markersize=fs * 1.1, markerfacecolor=style.PASSAGE.color,
               markeredgecolor="white", linestyle="none", label="Passage place beyond the edge: the way to it"),
    ]


_LABEL_BOX = {"boxstyle": "round,pad=0.18", "facecolor": "white", "edgecolor": "none", "alpha": 0.78}
_BADGE_BOX = {"boxstyle": "round,pad=0.25", "facecolor": style.PASSAGE.color, "edgecolor": "white",
              "linewidth": 0.8}
_PANEL_BOX = {"boxstyle": "square,pad=0.25", "facecolor": "white", "edgecolor": "none", "alpha": 0.8}
_COUNTRY_INK = "#5a5a5a"
_CAPITALS = ("kyiv", "minsk", "moscow", "washington")

#: Every kind of item printed on a map; none may overlap another.
ITEM_KINDS = ("title", "subtitle", "north arrow", "credits", "note", "legend", "scale bar",
              "marker", "edge marker", "badge", "country name", "place name", "distance")

#: The order in which a crowded map gives room (lower first): a label of a later kind is moved,
#: shortened or dropped before an earlier one. The furniture (title, legend, scale bar, north
#: arrow, credits, note) is laid first and never moves.
LABEL_PRIORITY = {
    "marker": 0,          # a place's dot, where the projection puts it
    "edge marker": 10,    # a passage place beyond the frame: its numbers and the way to it
    "badge": 20,          # passage numbers beside their place's dot
    "city": 25,           # city names, beside their dots
    "article country": 30,  # a country the article names, with its passage numbers
    "distance": 45,       # Kyiv's distance to the border, beside its line
    "place name": 50,     # regions and border points; shortened before dropped
    "country name": 60,   # every other country, the largest visible area first
}


@dataclass(frozen=True)
class MapItem:
    """Something printed on the map that nothing else may cover, and the artists that draw it.

    Parameters
    ----------
    kind : str
        One of :data:`ITEM_KINDS`.
    name : str
        What it shows, for messages.
    artists : tuple of Artist
        The matplotlib artists that draw it; :func:`artist_extent` measures each.
    passages : tuple of int
        The passage numbers the item prints (a badge, an edge marker, the note).
    """

    kind: str
    name: str
    artists: tuple[Artist, ...] = field(repr=False, compare=False)
    passages: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in ITEM_KINDS:
            raise InputError(f"Unknown map item kind {self.kind!r}: use one of {', '.join(ITEM_KINDS)}.")


@dataclass(frozen=True)
class ScaleBar:
    """The scale bar as drawn: its ground length, its bar artist and the scale's spread across the map.

    ``variation`` is the largest point scale factor in the frame over the smallest, less one
    (0.012 means the scale differs by 1.2 % between two places on the map).
    """

    length_m: float
    label: str
    bar: Rectangle = field(repr=False, compare=False)
    variation: float


def artist_extent(artist: Artist, renderer) -> Bbox:
    """The display pixels an artist covers as the renderer draws it.

    A text's box (its background patch) and a marker's edge stroke are included, which
    matplotlib's own ``get_window_extent`` leaves out.
    """
    box = artist.get_window_extent(renderer)
    if isinstance(artist, Text) and artist.get_bbox_patch() is not None and artist.get_text():
        artist.update_bbox_position_size(renderer)
        box = Bbox.union([box, artist.get_bbox_patch().get_window_extent(renderer)])
    elif isinstance(artist, Line2D) and artist.get_marker() not in (None, "None", "none", ""):
        box = box.padded(artist.get_markeredgewidth() * renderer.points_to_pixels(1.0) / 2)
    return box


def _box(bbox: Bbox) -> Box:
    return Box(float(bbox.x0), float(bbox.y0), float(bbox.x1), float(bbox.y1))


def _short(name: str) -> str:
    """A place name without its parenthesis or its clause after a comma."""
    for cut in (" (", ", "):
        if cut in name:
            return name.split(cut, 1)[0]
    return name


def _compass(azimuth: float) -> str:
    points = ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west")
    return points[round((azimuth % 360) / 45) % 8]


def _distance_text(metres: float, units: str) -> str:
    value = metres / 1000 if units == "km" else metres / 1000 / KM_PER_MILE
    value = round(value, -1) if value >= 100 else round(value)
    return f"{value:,.0f} {units}"


#: Text extents by (text, size, dpi, shape): the same names are measured once per process.
_MEASURED: dict[tuple, tuple[float, float, float, float]] = {}


@dataclass
class _Piece:
    """A measured text; its artist is made only if one of its candidates wins."""

    make: functools.partial = field(repr=False)
    width: float
    height: float
    dx: float  # the box's lower-left corner minus the text's anchor, in pixels
    dy: float
    badge: bool = False
    text: Text | None = None


class _Lazy(Sequence):
    """Options (a candidate and the pieces it draws) built only when the placer asks for them."""

    def __init__(self, makers: list):
        self._makers = makers
        self._built: dict[int, tuple] = {}

    def __len__(self) -> int:
        return len(self._makers)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if index not in self._built:
            self._built[index] = self._makers[index]()
        return self._built[index]


class _Column(Sequence):
    """One column (0: candidates, 1: parts) of a :class:`_Lazy`."""

    def __init__(self, options: _Lazy, column: int):
        self._options, self._column = options, column

    def __len__(self) -> int:
        return len(self._options)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self._options[index][self._column]


@dataclass
class _Pending:
    kind: str
    name: str
    label: Label
    parts: list[tuple[_Piece | None, ...]]
    passages: tuple[int, ...] = ()
    place_id: str | None = None
    on_place: object = None  # called with the chosen candidate index; returns extra artists
    group: tuple[str, ...] = ()  # the places an edge arrow stands for


class _Layout:
    """Lays the furniture, then places markers and labels so that nothing overlaps."""

    def __init__(self, fig: Figure, ax: Axes, frame: _Frame, size: MapSize, fs: float, units: str):
        self.fig, self.ax, self.frame, self.size, self.fs, self.units = fig, ax, frame, size, fs, units
        self.renderer = fig.canvas.get_renderer()
        self.ppt = size.dpi / 72.0
        bb = ax.bbox
        self.axes_box = Box(float(bb.x0), float(bb.y0), float(bb.x1), float(bb.y1))
        self.created: list[Artist] = []
        self.gap = max(2.0, 0.15 * fs * self.ppt)

    # -- texts -------------------------------------------------------------------------------
    def piece(self, s: str, size: float, zorder: float = 9, **kwargs) -> _Piece:
        """A text measured where it stands alone (once per process for the same text and size)."""
        make = functools.partial(Text, 0.0, 0.0, s, fontsize=size, ha="left", va="bottom", zorder=zorder, **kwargs)
        shape = {k: v for k, v in kwargs.items() if k in ("fontweight", "fontstyle", "linespacing", "multialignment")}
        key = (s, round(size, 4), round(self.size.dpi, 4), style.FONT_FAMILY, tuple(sorted(shape.items())))
        measured = _MEASURED.get(key)
        if measured is None:
            text = make()
            text.set_figure(self.fig)
            ext = text.get_window_extent(self.renderer)
            measured = (float(ext.x0), float(ext.y0), float(ext.x1), float(ext.y1))
            if len(_MEASURED) >= 4096:
                _MEASURED.clear()
            _MEASURED[key] = measured
        x0, y0, x1, y1 = measured
        # A box pads the text by its style's pad (in font sizes) and half its edge stroke; its
        # rounded corners stay inside that rectangle.
        box = kwargs.get("bbox")
        if box is not None:
            pad = float(box["boxstyle"].split("pad=")[1]) * size * self.ppt
            pad += box.get("linewidth", 0.0) * self.ppt / 2 if box.get("edgecolor") != "none" else 0.0
            x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
        return _Piece(make, x1 - x0, y1 - y0, x0, y0, badge=box is _BADGE_BOX)

    def put(self, piece: _Piece, box: Box) -> Text:
        text = piece.make()
        piece.text = text
        self.add(self.ax.add_artist(text))
        text.set_transform(self.ax.transData)
        text.set_position(tuple(self.ax.transData.inverted().transform((box.x0 - piece.dx, box.y0 - piece.dy))))
        return text

    def extent(self, *artists: Artist) -> Box:
        boxes = []
        for a in artists:
            patch = a.get_bbox_patch() if isinstance(a, Text) else None
            if patch is not None and a.get_text():
                # The patch pads the text by its style's pad in font sizes; measuring the drawn
                # patch (bezier corners) costs ten times more and gives the same rectangle.
                pad = patch.get_boxstyle().pad * a.get_size() * self.ppt + patch.get_linewidth() * self.ppt / 2
                boxes.append(a.get_window_extent(self.renderer).padded(pad))
            else:
                boxes.append(artist_extent(a, self.renderer))
        return _box(Bbox.union(boxes))

    def add(self, artist: Artist) -> Artist:
        self.created.append(artist)
        return artist

    def undo(self) -> None:
        for artist in reversed(self.created):
            artist.remove()
        self.created.clear()

    # -- furniture ---------------------------------------------------------------------------
    def furniture(self, handles: list, title: str, subtitle: str, credits: str, note: str,
                  note_passages: tuple[int, ...]) -> tuple[list[MapItem], ScaleBar]:
        ax, fs, ppt, axes = self.ax, self.fs, self.ppt, self.axes_box
        items = []
        chars = max(40, int(axes.width / (fs * 0.7 * ppt * 0.55)))
        credit = self.add(ax.text(0.006, 0.008, textwrap.fill(credits, chars), transform=ax.transAxes,
                                  fontsize=fs * 0.7, color="#444444", va="bottom", ha="left", zorder=12,
                                  bbox=_PANEL_BOX))
        items.append(MapItem("credits", "credits", (credit,)))
        top = self.extent(credit).y1
        if note:
            chars = max(40, int(axes.width * 0.98 / (fs * 0.75 * ppt * 0.55)))
            y = (top + self.gap + 0.25 * fs * 0.75 * ppt - axes.y0) / axes.height
            text = self.add(ax.text(0.006, y, textwrap.fill(note, chars), transform=ax.transAxes,
                                    fontsize=fs * 0.75, color=style.INK, va="bottom", ha="left", zorder=12,
                                    bbox={**_PANEL_BOX, "edgecolor": style.PASSAGE.color, "linewidth": 0.8}))
            items.append(MapItem("note", "passages not on the map", (text,), note_passages))
            top = self.extent(text).y1
        above = (top + self.gap - axes.y0) / axes.height
        legend = ax.legend(handles=handles, loc="lower left", fontsize=fs * 0.85,
                           title="Distance from the border", title_fontsize=fs * 0.9, framealpha=0.88,
                           edgecolor="none", borderpad=0.6, borderaxespad=0.3, bbox_to_anchor=(0.0, above))
        legend.set_zorder(12)
        self.add(legend)
        items.append(MapItem("legend", "legend", (legend,)))
        scale_item, scale = self.scale_bar(top + self.gap)
        items.append(scale_item)
        arrow = self.north_arrow()
        if arrow is not None:
            items.append(arrow)
        right = min([axes.x1 - 0.02 * axes.width] + [self.extent(*i.artists).x0 for i in items[-1:]
                                                     if i.kind == "north arrow"])
        head = self.add(ax.text(0.012, 0.985, title, transform=ax.transAxes, fontsize=fs * 1.6,
                                fontweight="bold", color=style.INK, va="top", ha="left", zorder=12))
        items.append(MapItem("title", title, (head,)))
        head_box = self.extent(head)
        sub_size = fs * 0.9
        chars = max(30, int((right - self.gap - head_box.x0) / (sub_size * ppt * 0.56)))
        y = (head_box.y0 - self.gap - 0.3 * sub_size * ppt - axes.y0) / axes.height
        sub = self.add(ax.text(0.012, y, textwrap.fill(subtitle, chars), transform=ax.transAxes,
                               fontsize=sub_size, color=style.INK, va="top", ha="left", zorder=12,
                               bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": "none",
                                     "alpha": 0.8}))
        items.append(MapItem("subtitle", subtitle, (sub,)))
        return items, scale

    def scale_variation(self) -> float:
        frame = self.frame
        gx, gy = np.meshgrid(np.linspace(*frame.xlim, 11), np.linspace(*frame.ylim, 11))
        lon, lat = frame.inv.transform(gx.ravel(), gy.ravel())
        ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) < 89.9)
        if not ok.any():
            return 0.0
        factors = Proj(frame.crs).get_factors(lon[ok], lat[ok])
        k = np.concatenate([np.asarray(factors.meridional_scale), np.asarray(factors.parallel_scale)])
        k = k[np.isfinite(k) & (k > 0)]
        return float(k.max() / k.min() - 1) if len(k) else 0.0

    def scale_bar(self, bottom: float) -> tuple[MapItem, ScaleBar]:
        """A bar whose two ends lie exactly its stated length apart (geodesically) where it is drawn.

        The bar is a filled rectangle without an outline, so nothing adds to its length; its
        length in projected metres is solved at the bar's own row, which accounts for the
        projection's point scale factor there.
        """
        ax, frame, fs, ppt, axes = self.ax, self.frame, self.fs, self.ppt, self.axes_box
        metres_per_unit = frame.metres_per_unit()
        width_m = (frame.xlim[1] - frame.xlim[0]) * metres_per_unit
        unit_m = 1000.0 if self.units == "km" else KM_PER_MILE * 1000.0
        pad = 0.5 * fs * ppt
        thickness = max(2.0, 0.32 * fs * ppt)
        to_data = ax.transData.inverted()
        variation = self.scale_variation()
        label_height = (2.4 if variation > 0.01 else 1.2) * fs * 0.85 * ppt
        bar_y = bottom + pad + label_height + 0.3 * fs * ppt + thickness / 2

        def solve(right: float, ground: float) -> tuple[float, float, float, float]:
            """Projected length whose ends, on the bar's row, lie ``ground`` metres apart."""
            xr, yr = to_data.transform((right, bar_y))
            span = ground / metres_per_unit
            for _ in range(8):
                (lon0, lon1), (lat0, lat1) = frame.inv.transform([xr - span, xr], [yr, yr])
                measured = GEOD.inv(lon0, lat0, lon1, lat1)[2]
                if not math.isfinite(measured) or measured <= 0:
                    break
                span *= ground / measured
            pixels = ax.transData.transform((xr, yr))[0] - ax.transData.transform((xr - span, yr))[0]
            return xr, yr, span, float(pixels)

        right = axes.x1 - 2 * pad
        length = _nice(width_m / unit_m / 5)
        for _ in range(6):
            xr, yr, span, pixels = solve(right, length * unit_m)
            if pixels <= 0.3 * axes.width:
                break
            length = _nice(length * 0.99)
        ground = length * unit_m
        caption = f"{length:g} {self.units}"
        if variation > 0.01:
            caption += f"\nscale true at this bar; it varies {variation:.1%} across the map"
        label = self.add(ax.text(0, 0, caption, fontsize=fs * 0.85, color=style.INK, ha="center", va="bottom",
                                 zorder=13, linespacing=1.2))
        label_width = self.extent(label).width
        if label_width > pixels:
            xr, yr, span, pixels = solve(right - (label_width - pixels) / 2, ground)
        _, y_low = to_data.transform((right, bar_y - thickness / 2))
        bar = Rectangle((xr - span, y_low), span, 2 * (yr - y_low), facecolor=style.INK, edgecolor="none",
                        linewidth=0, zorder=13)
        self.add(ax.add_artist(bar))
        centre_px, _ = ax.transData.transform((xr - span / 2, yr))
        label.set_position(tuple(to_data.transform((centre_px, bottom + pad))))
        bar_box = self.extent(bar)
        label_box = self.extent(label)
        x0 = min(bar_box.x0, label_box.x0) - pad
        x1 = max(bar_box.x1, label_box.x1) + pad
        y1 = bar_box.y1 + pad
        (dx0, dy0), (dx1, dy1) = to_data.transform([(x0, bottom), (x1, y1)])
        back = Rectangle((dx0, dy0), dx1 - dx0, dy1 - dy0, facecolor="white", alpha=0.8, edgecolor="none",
                         linewidth=0, zorder=11)
        self.add(ax.add_artist(back))
        item = MapItem("scale bar", caption.replace("\n", "; "), (back, bar, label))
        return item, ScaleBar(ground, f"{length:g} {self.units}", bar, variation)

    def north_arrow(self) -> MapItem | None:
        ax, frame, fs = self.ax, self.frame, self.fs
        fx, fy = 0.955, 0.9
        x = frame.xlim[0] + fx * (frame.xlim[1] - frame.xlim[0])
        y = frame.ylim[0] + fy * (frame.ylim[1] - frame.ylim[0])
        lon, lat = frame.inv.transform(x, y)
        if not (math.isfinite(lon) and math.isfinite(lat)) or lat > 89.5:
            return None
        nx, ny = frame.xy(lon, lat + 0.1)
        angle = math.atan2(ny - y, nx - x)
        length = 0.06
        ax_w, ax_h = ax.bbox.width, ax.bbox.height
        tail = (fx - math.cos(angle) * length * ax_h / ax_w / 2, fy - math.sin(angle) * length / 2)
        head = (fx + math.cos(angle) * length * ax_h / ax_w / 2, fy + math.sin(angle) * length / 2)
        arrow = self.add(ax.annotate("", head, xytext=tail, xycoords="axes fraction", textcoords="axes fraction",
                                     zorder=11, arrowprops={"arrowstyle": "-|>,head_width=0.35,head_length=0.7",
                                                            "color": style.INK, "linewidth": 1.4}))
        letter = self.add(ax.annotate("N", head, xytext=(0, fs * 0.3), xycoords="axes fraction",
                                      textcoords="offset points", ha="center", va="bottom", fontsize=fs,
                                      fontweight="bold", color=style.INK, zorder=11))
        return MapItem("north arrow", "north arrow", (arrow, letter))

    # -- candidates ----------------------------------------------------------------------------
    def around(self, x: float, y: float, radius: float, boxes: list[_Piece], order: str) -> list[Box]:
        """Lower-left corners of a row of pieces set around a point, in the given compass order."""
        width = sum(p.width for p in boxes) + self.gap * (len(boxes) - 1)
        height = max(p.height for p in boxes)
        spots = []
        first = radius + 1.5 * self.gap
        for ring in (first, first + height * 0.9, first + height * 2):
            d = ring * 0.72
            where = {
                "E": (x + ring, y - height / 2), "W": (x - ring - width, y - height / 2),
                "NE": (x + d, y + d), "SE": (x + d, y - d - height),
                "NW": (x - d - width, y + d), "SW": (x - d - width, y - d - height),
                "N": (x - width / 2, y + ring), "S": (x - width / 2, y - ring - height),
            }
            spots += [Box.at(*where[k], width, height) for k in order.split()]
        return spots

    def row(self, lower_left: Box, pieces: tuple[_Piece, ...]) -> Candidate:
        boxes, x = [], lower_left.x0
        height = max(p.height for p in pieces)
        for p in pieces:
            boxes.append(Box.at(x, lower_left.y0 + (height - p.height) / 2, p.width, p.height))
            x += p.width + self.gap
        return Candidate(tuple(boxes))

    def badge(self, numbers: list[int]) -> _Piece:
        return self.piece(", ".join(str(n) for n in numbers), self.fs * 0.8, zorder=10, fontweight="bold",
                          color="white", bbox=_BADGE_BOX)

    def interior_points(self, part: shapely.Polygon, step: float) -> np.ndarray:
        """Points inside a polygon, the farthest from its edge (the pole of inaccessibility) first."""
        rough = shapely.simplify(part, 2.0)
        if rough.is_empty or not rough.is_valid:
            rough = part
        circle = shapely.maximum_inscribed_circle(rough, tolerance=1.0)
        pole = np.asarray(circle.coords[0])
        x0, y0, x1, y1 = rough.bounds
        step = max(step, math.sqrt(max(rough.area, 1.0)) / 14)
        gx, gy = np.meshgrid(np.arange(x0 + step / 2, x1, step), np.arange(y0 + step / 2, y1, step))
        gx, gy = gx.ravel(), gy.ravel()
        shapely.prepare(rough)
        inside = shapely.contains_xy(rough, gx, gy)
        pts = np.column_stack((gx[inside], gy[inside]))
        if len(pts):
            depth = shapely.distance(rough.boundary, shapely.points(pts))
            pts = pts[np.argsort(-depth)][:40]
        return np.vstack([pole[None, :], pts])


def _country_pieces(layout: _Layout, name: str, size: float, color: str,
                    room: tuple[float, float]) -> list[tuple[_Piece, ...]]:
    """A country's name, large, then smaller, then on two lines: the forms tried in turn.

    Forms that plainly cannot fit the ``room`` (width, height in pixels of the visible part's
    bounds) are not measured: measuring text is the slow part of a layout.
    """
    forms = [(name.upper(), size), (name.upper(), size * 0.8)]
    if " " in name:
        forms.append((textwrap.fill(name.upper(), max(len(w) for w in name.split()) + 4), size * 0.8))
    pieces = []
    for text, s in forms:
        lines = text.split("\n")
        wide = max(len(line) for line in lines) * s * layout.ppt * 0.62
        high = len(lines) * s * layout.ppt * 1.1
        if wide > room[0] or high > room[1]:
            continue
        pieces.append((layout.piece(text, s, zorder=7, color=color, fontweight="bold", alpha=0.9,
                                    multialignment="center", linespacing=1.05),))
    return pieces


def _edge_crossing(layout: _Layout, centre: tuple[float, float], target: tuple[float, float],
                   margin: float) -> tuple[float, float, str] | None:
    """Where the geodesic from the map's centre to a place leaves the frame (pixels) and by which edge."""
    lon0, lat0 = centre
    lon1, lat1 = target
    pts = np.array([(lon0, lat0), *GEOD.npts(lon0, lat0, lon1, lat1, 400), (lon1, lat1)])
    x, y = layout.frame.fwd.transform(pts[:, 0], pts[:, 1])
    xy = np.column_stack((x, y))
    finite = np.isfinite(xy).all(axis=1)
    px = np.full_like(xy, np.nan)
    px[finite] = layout.ax.transData.transform(xy[finite])
    inner = layout.axes_box.grown(-margin)
    inside = (finite & (px[:, 0] >= inner.x0) & (px[:, 0] <= inner.x1)
              & (px[:, 1] >= inner.y0) & (px[:, 1] <= inner.y1))
    if not inside[0]:
        return None
    first_out = int(np.argmin(inside)) if not inside.all() else len(inside)
    if first_out >= len(inside):
        return None
    a = px[first_out - 1]
    b = px[first_out] if finite[first_out] else a + (a - px[max(first_out - 2, 0)]) * 50
    d = b - a
    best = (1.0, "right")
    for edge, lo_hi, axis in (("left", inner.x0, 0), ("right", inner.x1, 0), ("bottom", inner.y0, 1),
                              ("top", inner.y1, 1)):
        if d[axis] == 0:
            continue
        t = (lo_hi - a[axis]) / d[axis]
        if 0 <= t <= best[0]:
            best = (t, edge)
    t, edge = best
    cx, cy = a + d * t
    return float(np.clip(cx, inner.x0, inner.x1)), float(np.clip(cy, inner.y0, inner.y1)), edge


def _lay_out(layout: _Layout, handles: list, spec: BandSpec, noted: frozenset[str],
             countries_xy: dict[str, shapely.Geometry],
             shapes_xy: dict[str, shapely.Geometry], refs: dict) -> tuple[list[MapItem], ScaleBar, set[str]]:
    """One attempt: furniture (with a note for the ``noted`` places), markers, then every label.

    ``countries_xy`` and ``shapes_xy`` are the countries and the passages' drawn lines and
    areas in display pixels: a place with a shape is in the frame when its shape is, and its
    badge goes on the line or inside the area where they show.

    Returns the items, the scale bar and the places whose passages found no room on the map.
    """
    ax, frame, fs, ppt, units = layout.ax, layout.frame, layout.fs, layout.ppt, layout.units
    story, places = _story()
    numbers: dict[str, list[int]] = {}
    for p in story.passages:
        numbers.setdefault(p.place, []).append(p.number)
    country_names = {iso: name for iso, (name, _) in _base_countries(frame.box).items()}

    axes = layout.axes_box
    centre_lon, centre_lat = frame.inv.transform(*ax.transData.inverted().transform(
        ((axes.x0 + axes.x1) / 2, (axes.y0 + axes.y1) / 2)))
    frame_box = shapely.box(axes.x0, axes.y0, axes.x1, axes.y1)

    def in_frame(pid: str) -> bool:
        place = places[pid]
        iso = place.iso2 if place.kind == "country" else None
        if iso is not None:
            return iso in countries_xy and countries_xy[iso].intersects(frame_box)
        if pid in shapes_xy:
            return shapes_xy[pid].intersects(frame_box)
        x, y = frame.xy(place.lon, place.lat)
        return (math.isfinite(x) and math.isfinite(y)
                and frame_box.contains(shapely.Point(ax.transData.transform((x, y)))))

    # A noted place's numbers are printed in the note only, never also on the map.
    note_parts, note_numbers = [], []
    for pid in places:
        if pid in noted and pid in numbers:
            place = places[pid]
            nums = ", ".join(str(n) for n in numbers[pid])
            if in_frame(pid):
                note_parts.append(f"{nums} {place.name} (no room to mark it)")
            else:
                az, _, dist = GEOD.inv(centre_lon, centre_lat, *_nearest_point(place, centre_lon, centre_lat))
                note_parts.append(f"{nums} {place.name}, {_distance_text(dist, units)} {_compass(az)} "
                                  "of the map's centre")
            note_numbers += numbers[pid]
    note = ("Passages not marked on the map: " + "; ".join(note_parts) + ".") if note_parts else ""
    title, subtitle = _title(spec, units, refs)
    items, scale = layout.furniture(handles, title, subtitle, _credits(frame, spec.border), note, tuple(note_numbers))
    fixed = [layout.extent(*i.artists) for i in items]
    bounds = axes.grown(-1.0)

    # Free map area: the frame less the furniture; countries are named inside their part of it.
    free = shapely.box(axes.x0 + 1, axes.y0 + 1, axes.x1 - 1, axes.y1 - 1)
    free = free.difference(shapely.union_all([shapely.box(b.x0 - layout.gap, b.y0 - layout.gap,
                                                          b.x1 + layout.gap, b.y1 + layout.gap)
                                              for b in fixed]))

    # 1. Markers, fixed at their places; a marker under the furniture or another marker is dropped.
    marker_labels, marker_specs = [], {}
    country_places: dict[str, str] = {}
    outside: list[str] = []
    for pid, place in places.items():
        if place.kind == "country":
            iso = place.iso2
            if iso is not None:
                country_places[iso] = pid
                vis = countries_xy.get(iso)
                if vis is not None and not vis.is_empty and vis.intersects(free):
                    continue
            outside.append(pid)
            continue
        if pid in _passage_shapes():
            # No dot: the line or area is drawn, and its badge goes where it shows (step 3).
            if pid not in shapes_xy or not shapes_xy[pid].intersects(frame_box):
                outside.append(pid)
            continue
        x, y = frame.xy(place.lon, place.lat)
        if not (math.isfinite(x) and math.isfinite(y)):
            outside.append(pid)
            continue
        px, py = ax.transData.transform((x, y))
        capital = pid in _CAPITALS
        if place.kind == "city":
            ms = fs * (0.95 if capital else 0.7)
            spec_ = {"markersize": ms, "markerfacecolor": style.PLACE.color, "markeredgecolor": "white",
                     "markeredgewidth": 1.0}
        else:
            ms = fs * 0.45
            spec_ = {"markersize": ms, "markerfacecolor": "white", "markeredgecolor": style.PLACE.color,
                     "markeredgewidth": 1.0}
        radius = (ms + 1.0) * ppt / 2
        if not (axes.x0 <= px <= axes.x1 and axes.y0 <= py <= axes.y1):
            outside.append(pid)
            continue
        marker_specs[pid] = (x, y, px, py, radius, spec_)
        priority = LABEL_PRIORITY["marker"] + (0 if place.kind == "city" else 1)
        marker_labels.append(Label(pid, priority, (Candidate((Box.at(px, py, 2 * radius, 2 * radius,
                                                                      "center", "center"),)),)))
    placed_markers = place_labels(marker_labels, fixed, bounds, gap=1.0)
    marker_boxes = []
    for pid in placed_markers:
        x, y, px, py, radius, spec_ = marker_specs[pid]
        line = layout.add(ax.plot([x], [y], marker="o", linestyle="none", zorder=8, **spec_)[0])
        items.append(MapItem("marker", places[pid].name, (line,)))
        marker_boxes.append(Box.at(px, py, 2 * radius, 2 * radius, "center", "center"))

    pending: list[_Pending] = []

    # 2. Edge markers: a passage place beyond the frame, with its numbers and the way to it.
    margin = fs * 0.9 * ppt
    arrow_size = fs * 1.4
    groups: list[dict] = []
    for pid in outside:
        if pid not in numbers or pid in noted:
            continue
        place = places[pid]
        # A line or an area is reached at its nearest point, not at its badge's point.
        target = _nearest_point(place, centre_lon, centre_lat)
        crossing = _edge_crossing(layout, (centre_lon, centre_lat), target, margin)
        if crossing is None:
            continue
        cx, cy, edge = crossing
        lon, lat = frame.inv.transform(*ax.transData.inverted().transform((cx, cy)))
        away = GEOD.inv(lon, lat, *target)[2]
        for g in groups:
            # One arrow serves places that lie close together for their distance (Washington
            # and Central Virginia seen from Europe), never places in different directions.
            first = _nearest_point(places[g["ids"][0]], centre_lon, centre_lat)
            apart = GEOD.inv(*first, *target)[2]
            if (g["edge"] == edge and math.hypot(g["x"] - cx, g["y"] - cy) < 4 * fs * ppt
                    and apart < 0.25 * away):
                g["ids"].append(pid)
                break
        else:
            groups.append({"edge": edge, "x": cx, "y": cy, "ids": [pid]})
    for gi, g in enumerate(groups):
        ids = g["ids"]
        nums = sorted(n for pid in ids for n in numbers[pid])
        shorts = [_short(places[pid].name) for pid in ids]
        names = " · ".join(shorts) if len(shorts) <= 2 else f"{' · '.join(shorts[:2])} and {len(shorts) - 2} more"
        badge = layout.badge(nums)
        size = (arrow_size + 0.8) * ppt  # the marker and its edge stroke
        step = fs * 1.2 * ppt
        makers: list = []
        reach = int((axes.width if g["edge"] in ("top", "bottom") else axes.height) / step)
        near = [k for i in range(4) for k in ((i,) if i == 0 else (i, -i))]
        far = [k for i in range(4, reach, 2) for k in (i, -i)]
        texts: dict[str, _Piece] = {}

        def text_piece(s: str, texts=texts) -> _Piece:
            if s not in texts:
                texts[s] = layout.piece(s, fs * 0.8, fontstyle="italic", color=style.INK, bbox=_LABEL_BOX)
            return texts[s]

        def span_from(x: float, y: float, ids=ids) -> str:
            """The distance from the arrow itself to the place (or the range, for a group)."""
            lon, lat = frame.inv.transform(*ax.transData.inverted().transform((x, y)))
            dists = [GEOD.inv(lon, lat, *_nearest_point(places[pid], lon, lat))[2] for pid in ids]
            low, high = _distance_text(min(dists), units), _distance_text(max(dists), units)
            return low if low == high else f"{low.split()[0]}–{high}"

        # Where furniture lines this edge, the arrow may also stand just inside it.
        edge = g["edge"]
        inward = [0.0]
        for b in fixed:
            near_edge = 4 * margin
            reach_in = {"bottom": b.y1 - axes.y0 if b.y0 <= axes.y0 + near_edge else None,
                        "top": axes.y1 - b.y0 if b.y1 >= axes.y1 - near_edge else None,
                        "left": b.x1 - axes.x0 if b.x0 <= axes.x0 + near_edge else None,
                        "right": axes.x1 - b.x0 if b.x1 >= axes.x1 - near_edge else None}[edge]
            if reach_in is not None:
                inward.append(reach_in - margin + size / 2 + 2 * layout.gap)
        inward = sorted(set(inward))
        normal = {"bottom": (0, 1), "top": (0, -1), "left": (1, 0), "right": (-1, 0)}[edge]
        # Forms, best first: names and distance, names, distance, the numbers alone. Each text is
        # measured only when the placer reaches a candidate that needs it.
        for form, ks in [("names, span", near), ("names", near + far), ("span", near), ("", near + far)]:
            for d in inward:
                for k in ks:
                    ax_, ay_ = g["x"] + normal[0] * d, g["y"] + normal[1] * d
                    if edge in ("left", "right"):
                        ay_ += k * step
                    else:
                        ax_ += k * step

                    def make(ax_=ax_, ay_=ay_, form=form, edge=edge, size=size, names=names, badge=badge,
                             text_piece=text_piece, span_from=span_from):
                        text = {"names, span": lambda: f"{names}, {span_from(ax_, ay_)}", "names": lambda: names,
                                "span": lambda: span_from(ax_, ay_), "": lambda: ""}[form]()
                        pieces = (badge, text_piece(text)) if text else (badge,)
                        width = sum(p.width for p in pieces) + layout.gap * (len(pieces) - 1)
                        height = max(p.height for p in pieces)
                        arrow = Box.at(ax_, ay_, size, size, "center", "center")
                        lower_left = {
                            "left": (arrow.x1 + layout.gap, ay_ - height / 2),
                            "right": (arrow.x0 - layout.gap - width, ay_ - height / 2),
                            "top": (ax_ - width / 2, arrow.y0 - layout.gap - height),
                            "bottom": (ax_ - width / 2, arrow.y1 + layout.gap),
                        }[edge]
                        row = layout.row(Box.at(*lower_left, width, height), pieces)
                        return Candidate((arrow, *row.boxes)), (None, *pieces)

                    makers.append(make)
        options = _Lazy(makers)
        candidates, parts = _Column(options, 0), _Column(options, 1)
        label = Label(f"edge:{gi}", LABEL_PRIORITY["edge marker"], candidates)

        def arrow_at(index: int, candidates=candidates, ids=ids) -> list[Artist]:
            box = candidates[index].boxes[0]
            cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
            x, y = ax.transData.inverted().transform((cx, cy))
            lon, lat = frame.inv.transform(x, y)
            az = GEOD.inv(lon, lat, *_nearest_point(places[ids[0]], lon, lat))[0]
            lon2, lat2, _ = GEOD.fwd(lon, lat, az, 2000.0)
            nx, ny = ax.transData.transform(frame.xy(lon2, lat2))
            angle = math.degrees(math.atan2(ny - cy, nx - cx))
            line = ax.plot([x], [y], marker=_arrowhead(angle), markersize=arrow_size, linestyle="none",
                           markerfacecolor=style.PASSAGE.color, markeredgecolor="white", markeredgewidth=0.8,
                           zorder=10)[0]
            return [layout.add(line)]

        pending.append(_Pending("edge marker", " · ".join(places[pid].name for pid in ids), label, parts,
                                tuple(nums), ids[0], arrow_at, tuple(ids)))

    # 3. Badges and names beside each marker.
    for pid in placed_markers:
        place = places[pid]
        _, _, px, py, radius, _ = marker_specs[pid]
        if pid in numbers and pid not in noted:
            badge = layout.badge(numbers[pid])
            spots = layout.around(px, py, radius, [badge], "NW NE W E SW SE N S")
            pending.append(_Pending("badge", place.name, Label(f"badge:{pid}", LABEL_PRIORITY["badge"],
                                                                 tuple(Candidate((s,)) for s in spots)),
                                    [(badge,)] * len(spots), tuple(numbers[pid]), pid))
        if place.kind == "city":
            forms = [layout.piece(place.name, fs, fontweight="bold", color=style.PLACE.color, bbox=_LABEL_BOX)]
            priority = LABEL_PRIORITY["city"]
        else:
            text = _crimea_caption() if pid == "crimea" else place.name
            variants = [text]
            if "\n" not in text:
                variants.append(textwrap.fill(text, max(16, len(text) // 2 + 4)))
            variants += [_short(place.name)]
            forms = [layout.piece(v, fs * 0.8, fontstyle="italic", color=style.INK, bbox=_LABEL_BOX)
                     for v in dict.fromkeys(variants)]
            priority = LABEL_PRIORITY["place name"]
        # Near the dot first: a shorter name beside it reads better than the full one farther off.
        makers = []
        spot_lists: list[list[Box]] = [[] for _ in forms]

        def make(j: int, f: int, px=px, py=py, radius=radius, forms=forms, spot_lists=spot_lists):
            if not spot_lists[f]:
                spot_lists[f] += layout.around(px, py, radius, [forms[f]], "E W NE SE NW SW N S")
            return Candidate((spot_lists[f][j],)), (forms[f],)

        for ring in range(3):
            makers += [functools.partial(make, j, f) for f in range(len(forms)) for j in range(ring * 8, ring * 8 + 8)]
        options = _Lazy(makers)
        pending.append(_Pending("place name", place.name,
                                Label(f"name:{pid}", priority, _Column(options, 0)), _Column(options, 1), (), pid))

    # 3b. A line's or an area's badge (and name) on the line or inside the area where it shows.
    for pid, place in _passage_shapes().items():
        if pid not in numbers or pid in noted or pid in outside or pid not in shapes_xy:
            continue
        vis = shapes_xy[pid].intersection(free)
        badge = layout.badge(numbers[pid])
        step = badge.height * 0.8
        if place.shape == "area":
            polys = sorted((g for g in shapely.get_parts(vis) if g.geom_type == "Polygon" and g.area > 0),
                           key=lambda g: -g.area)[:2]
            points = (np.vstack([layout.interior_points(g, step) for g in polys]) if polys
                      else np.empty((0, 2)))
            if len(points):
                # The badge itself lies inside the visible area; its name may reach beyond.
                x0s, y0s = points[:, 0] - badge.width / 2, points[:, 1] - badge.height / 2
                shapely.prepare(vis)
                points = points[shapely.contains(vis, shapely.box(x0s, y0s, x0s + badge.width,
                                                                  y0s + badge.height))]
        else:
            start = ax.transData.transform(frame.xy(place.lon, place.lat))
            points = _along(vis, (float(start[0]), float(start[1])), step, 48)
        variants = [place.name, textwrap.fill(place.name, max(16, len(place.name) // 2 + 4)), _short(place.name)]
        names = [layout.piece(v, fs * 0.8, fontstyle="italic", color=style.INK, bbox=_LABEL_BOX)
                 for v in dict.fromkeys(variants)]
        def make(x: float, y: float, form: tuple[_Piece, ...], badge=badge):
            """The row ``form`` with its badge centred on ``(x, y)``."""
            lead = sum(p.width + layout.gap for p in form[:form.index(badge)])
            height = max(p.height for p in form)
            width = sum(p.width for p in form) + layout.gap * (len(form) - 1)
            return layout.row(Box.at(x - badge.width / 2 - lead, y - height / 2, width, height), form), form

        makers = []
        for block in range(0, len(points), 6):
            chunk = points[block:block + 6]
            # Near points first; at each, the name beside the badge, then the badge alone.
            for forms in ([(badge, n) for n in names] + [(n, badge) for n in names], [(badge,)]):
                makers += [functools.partial(make, float(x), float(y), form) for x, y in chunk for form in forms]
        options = _Lazy(makers)
        pending.append(_Pending("badge", place.name, Label(f"badge:{pid}", LABEL_PRIORITY["badge"],
                                                           _Column(options, 0)),
                                _Column(options, 1), tuple(numbers[pid]), pid))

    # 4. Each reference place's distance to the border (Kyiv's, for the article), beside its dashed line.
    for key, fact in refs.items():
        (lon0, lat0), (lon1, lat1) = fact.line
        piece = layout.piece(fact.format(units), fs, fontweight="bold", color=style.INK, bbox=_LABEL_BOX)
        candidates = []
        for t in (0.5, 0.35, 0.65, 0.2, 0.8):
            x, y = frame.xy(lon0 + (lon1 - lon0) * t, lat0 + (lat1 - lat0) * t)
            if not (math.isfinite(x) and math.isfinite(y)):
                continue
            px, py = ax.transData.transform((x, y))
            candidates += [Candidate((s,)) for s in layout.around(px, py, 2.0, [piece], "E W")[:2]]
        pending.append(_Pending("distance", fact.format(units),
                                Label(f"distance:{key}", LABEL_PRIORITY["distance"], tuple(candidates)),
                                [(piece,)] * len(candidates)))

    # 5. Country names inside each country's visible part; those the article names carry their badges.
    order = []
    for iso, geom in countries_xy.items():
        vis = geom.intersection(free) if not geom.is_empty else geom
        if vis.is_empty or vis.area <= 0:
            continue
        order.append((iso in country_places, vis.area, iso, vis))
    order.sort(key=lambda t: (not t[0], -t[1]))
    base_size = fs * 1.05
    min_area = (base_size * ppt) ** 2 * 4
    for named, area, iso, vis in order:
        if area < min_area and not named:
            continue
        pid = country_places.get(iso)
        parts_ = sorted(shapely.get_parts(vis), key=lambda g: -g.area)[:2]
        color = _COUNTRY_INK if named else "#7a7a7a"
        x0, y0, x1, y1 = parts_[0].bounds
        forms = _country_pieces(layout, country_names.get(iso, iso), fs * 1.25 if named else base_size, color,
                                (x1 - x0, y1 - y0))
        badge = layout.badge(numbers[pid]) if pid in numbers and pid not in noted else None
        rows = [(*f, badge) for f in forms] + [(badge,)] if badge is not None else forms
        if not rows:
            continue
        candidates, parts = [], []
        step = max(4.0, min(f[0].height for f in rows) * 0.8)
        for part in parts_:
            points = layout.interior_points(part, step)
            for form in rows:
                width = sum(p.width for p in form) + layout.gap * (len(form) - 1)
                height = max(p.height for p in form)
                x0s, y0s = points[:, 0] - width / 2, points[:, 1] - height / 2
                fits = shapely.contains(vis, shapely.box(x0s, y0s, x0s + width, y0s + height))
                for x, y in zip(x0s[fits][:12], y0s[fits][:12], strict=True):
                    candidates.append(layout.row(Box(float(x), float(y), float(x + width), float(y + height)),
                                                 form))
                    parts.append(form)
        if named:
            kind_priority = LABEL_PRIORITY["article country"]
        else:
            kind_priority = LABEL_PRIORITY["country name"]
        pending.append(_Pending("country name", country_names.get(iso, iso),
                                Label(f"country:{iso}", kind_priority, tuple(candidates)), parts,
                                tuple(numbers.get(pid, ())), pid))

    chosen = place_labels([p.label for p in pending], fixed + marker_boxes, bounds, gap=layout.gap)

    shown: set[str] = set()
    for p in pending:
        index = chosen.get(p.label.key)
        if index is None:
            continue
        extra = p.on_place(index) if p.on_place is not None else []
        boxes = p.label.candidates[index].boxes
        for piece, box in zip(p.parts[index], boxes, strict=True):
            if piece is not None:
                layout.put(piece, box)
        for piece in p.parts[index]:
            if piece is None:
                continue
            if piece.badge:
                items.append(MapItem("badge", p.name, (piece.text,), p.passages))
            else:
                kind = "place name" if p.kind in ("edge marker", "badge") else p.kind
                items.append(MapItem(kind, p.name, (piece.text,)))
        if p.kind == "edge marker":
            items.append(MapItem("edge marker", p.name, tuple(extra), p.passages))
            shown.update(p.group)
        elif p.place_id is not None and any(piece is not None and piece.badge for piece in p.parts[index]):
            shown.add(p.place_id)
    missing = {pid for pid in numbers if pid not in shown and pid not in noted}
    return items, scale, missing


def _title(spec: BandSpec, units: str, refs: dict | None = None) -> tuple[str, str]:
    """The map's title and subtitle, naming the border and its reference places' distances.

    The article's own border keeps the article's question as its title.
    """
    bands = distance_bands(spec)
    border = spec.border
    refs = _reference_facts(spec) if refs is None else refs
    side = border.side_name(spec.side)
    distances = "; ".join(f"{f.label}: {f.format(units)}" for f in refs.values())
    if border.key == DEFAULT_BORDER and "kyiv_to_border" in refs:
        title = "How close Kyiv lies to Belarus"
        distances = f"Kyiv to the border: {refs['kyiv_to_border'].format(units)}"
    else:
        title = f"Distance from the {border.name}"
    subtitle = (f"Geodesic distance bands from the {border.name} on {side}, "
                f"{bands[0].inner_km:g}–{_unit_label(bands[-1].outer_km, units)} {units}."
                + (f" {distances}." if distances else ""))
    return title, subtitle


def _credits(frame: _Frame, border: Border | None = None) -> str:
    method = frame.crs.coordinate_operation.method_name.lower()
    name = next((n for k, n in (("lambert", "Lambert conformal conic"), ("transverse", "Transverse Mercator"),
                                ("stereographic", "Polar stereographic")) if k in method), "Azimuthal equidistant")
    parts = [*CREDITS, f"{name} projection; distances geodesic on WGS84", "Map: Article Atlas"]
    if border is not None and border.key in BORDER_NOTES:
        parts.append(f"{border.name} {BORDER_NOTES[border.key]}")
    story = _STORY.get()
    if story is not None:
        places = story_places(story)
        confirmed = sum(p.confirmed for p in places.values())
        parts.append(f"Places confirmed by a person: {confirmed} of {len(places)}"
                     + ("" if confirmed == len(places) else " (the others as the geoparser found them)"))
    return " · ".join(parts)


def _quoted(quote: str) -> str:
    """Wrap a quote in typographic quotation marks unless it already opens or closes with one."""
    return ("" if quote.startswith("“") else "“") + quote + ("" if quote.endswith("”") else "”")


def _footnotes(fig: Figure, left: float, fs: float, width_px: float, height_px: float, dpi: float) -> None:
    story, places = _story()
    panel_w_pt = width_px * (1 - left) / dpi * 72 - 2 * fs
    panel_h_pt = height_px / dpi * 72 * 0.92
    size = fs * 0.85
    text = ""
    for _ in range(12):
        chars = max(20, int(panel_w_pt / (size * 0.56)))
        blocks = [textwrap.fill(f"{p.number}. {_quoted(p.quote)} ({places[p.place].name}, ¶{p.paragraph})", chars)
                  for p in story.passages]
        text = "\n".join(blocks)
        if (text.count("\n") + 3) * size * 1.25 <= panel_h_pt or size <= 3.5:
            break
        size *= 0.9
    fig.text(left + 0.012, 0.97, f"Passages quoted from the {PUBLISHER} article", fontsize=size * 1.15,
             fontweight="bold", color=style.INK, va="top", ha="left")
    fig.text(left + 0.012, 0.97 - size * 2.2 / (height_px / dpi * 72), text, fontsize=size, color=style.INK,
             va="top", ha="left", linespacing=1.25)


def draw_map(
    spec: BandSpec,
    size: MapSize,
    view: View | None = None,
    *,
    units: str = "km",
    footnotes: bool = False,
    user: UserLayer | None = None,
    places: tuple[int, ...] = (),
    story: Story | None = None,
) -> StaticMap:
    """Draw the map: borders, Crimea, bands, places, passages, legend, scale, north arrow, credits.

    A passage about a line or an area (NATO's eastern flank, eastern Ukraine) has that line or
    area drawn as the web map draws it, its badge on the line or inside the area where they
    show; it is in the frame when its shape is, and an edge arrow points to its nearest point.

    Parameters
    ----------
    spec : BandSpec
        The distance bands.
    size : MapSize
        Pixels and resolution.
    view : View, optional
        The extent to show (the app's current view); :func:`default_view` by default.
    units : {"km", "mi"}
        Units of the legend, the scale bar and the Kyiv distance.
    footnotes : bool
        Add the quoted passages, numbered, in a column on the right.
    user : UserLayer, optional
        The user's own layer, drawn in outline above the bands.
    places : tuple of int
        GeoNames ids of reference places drawn, with the border's capitals, with their
        shortest line to the border and its length.
    story : Story, optional
        Whose places and passages to draw (a person's own article); the bundled story by
        default. The credits then say how many of its places a person confirmed.

    Returns
    -------
    StaticMap
        With ``items``: every printed thing (furniture, markers, badges, names, edge arrows,
        the note) and its artists. Furniture is laid first; markers, then labels, are placed
        in :data:`LABEL_PRIORITY` order so that no two items overlap; a passage with no room
        on the map goes to the note (and the layout is made again with the note in place).

    Examples
    --------
    >>> m = draw_map(BandSpec((50.0, 100.0)), SIZES["social"])
    >>> len(m.to_bytes("png")) > 0
    True
    """
    if units not in UNITS:
        raise InputError(f"Unknown units {units!r}: use km or mi.")
    token = _STORY.set(story)
    try:
        return _draw_map(spec, size, view, units, footnotes, user, places)
    finally:
        _STORY.reset(token)


def _draw_map(spec: BandSpec, size: MapSize, view: View | None, units: str, footnotes: bool,
              user: UserLayer | None, places: tuple[int, ...]) -> StaticMap:
    view = view or default_view(spec)
    crs = projection_for(view)
    fig = Figure(figsize=size.inches, dpi=size.dpi, facecolor="white")
    FigureCanvasAgg(fig)
    border = spec.border
    refs = _reference_facts(spec, tuple(places))
    fig.set_label(_title(spec, units, refs)[0])
    right = 1 - _FOOTNOTE_SHARE if footnotes else 1.0
    ax = fig.add_axes((0.0, 0.0, right, 1.0))
    aspect = size.width * right / size.height
    frame = _Frame(view, crs, aspect)
    ax.set_xlim(*frame.xlim)
    ax.set_ylim(*frame.ylim)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor(style.SEA)
    for spine in ax.spines.values():
        spine.set(color=style.OUTLINE.color, linewidth=0.8)
    # Text sizes follow the short side, so every preset reads alike.
    fs = min(size.width * right, size.height) / size.dpi * 72 / 60

    # Mathtext off: a user's layer name or an article's "$5 to $10" prints as written.
    with mpl.rc_context({"font.family": style.FONT_FAMILY, "hatch.linewidth": 0.6, "text.parse_math": False}):
        projected = _draw_base(ax, frame, fs, border)
        _draw_graticule(ax, frame)
        handles = _draw_bands(ax, frame, spec, units)
        if user is not None:
            handles.append(_draw_user(ax, frame, user))
        handles.append(_draw_border(ax, frame, border))
        handles.append(_draw_crimea(ax, frame, fs))
        handles.append(Patch(facecolor=style.NATO_FILL, edgecolor=style.OUTLINE.color, label="NATO member"))
        _draw_reference_lines(ax, frame, refs)
        shapes = _draw_passage_shapes(ax, frame)
        handles += _place_handles(fs)
        layout = _Layout(fig, ax, frame, size, fs, units)
        countries_px = _to_pixels(ax, projected)
        shapes_px = _to_pixels(ax, shapes)
        noted: frozenset[str] = frozenset()
        # A passage that finds no room on the map goes to the note, which takes room in turn;
        # the noted places only grow, so this ends (in one pass for the usual extents).
        while True:
            items, scale, missing = _lay_out(layout, handles, spec, noted, countries_px, shapes_px, refs)
            if not missing:
                break
            layout.undo()
            noted = noted | missing
        if footnotes:
            _footnotes(fig, right, fs, size.width, size.height, size.dpi)
    return StaticMap(fig, ax, crs, size, tuple(items), scale)
