"""Print-quality static maps drawn with matplotlib's Agg renderer, in a projection centred on the view."""

from __future__ import annotations

import io
import math
import textwrap
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import matplotlib as mpl
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar
from pyproj import CRS, Transformer

from geo import style
from geo.bands import BandSpec, distance_bands
from geo.borders import belarus_ukraine_border
from geo.data import load_countries, load_crimea, load_united_states
from geo.errors import ExportError, InputError
from geo.framing import MAX_PIXELS, MAX_PX, MIN_PX, SIZES, UNITS, MapSize, View
from geo.geodesy import GEOD, KM_PER_MILE, LONLAT
from geo.places import article_places
from geo.story import PUBLISHER, load_story

if TYPE_CHECKING:
    from geo.userlayer import UserLayer

__all__ = [
    "CREDITS",
    "MAX_PIXELS",
    "MAX_PX",
    "MIN_PX",
    "SIZES",
    "UNITS",
    "MapSize",
    "StaticMap",
    "View",
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


def default_view(spec: BandSpec) -> View:
    """The view that shows Belarus and Ukraine (Crimea included) and every band, with a margin.

    Parameters
    ----------
    spec : BandSpec
        The bands to be shown.

    Returns
    -------
    View
    """
    countries = load_countries()
    parts = [countries["BY"].geometry, countries["UA"].geometry]
    parts += [b.geometry for b in distance_bands(spec) if not b.geometry.is_empty]
    west, south, east, north = shapely.GeometryCollection(parts).bounds
    pad_x, pad_y = (east - west) * 0.04, (north - south) * 0.04
    return View(max(-90.0, south - pad_y), west - pad_x, min(90.0, north + pad_y), east + pad_x)


def projection_for(view: View) -> CRS:
    """A conformal conic projection fitted to the view, or an azimuthal one for huge views.

    Lambert's conformal conic with standard parallels at a sixth and five sixths of the
    view's height keeps shapes and the scale bar true across a region; a view spanning the
    equator or most of a hemisphere gets an azimuthal equidistant projection at its centre.
    """
    lon, lat = view.centre
    lon = (lon + 180.0) % 360.0 - 180.0
    span = view.north - view.south
    if view.south * view.north > 0 and span <= 50 and view.east - view.west <= 120:
        lat_1, lat_2 = view.south + span / 6, view.north - span / 6
        return CRS.from_proj4(
            f"+proj=lcc +lat_0={lat:.6f} +lon_0={lon:.6f} +lat_1={lat_1:.6f} +lat_2={lat_2:.6f} "
            "+datum=WGS84 +units=m +no_defs"
        )
    return CRS.from_proj4(f"+proj=aeqd +lat_0={lat:.6f} +lon_0={lon:.6f} +datum=WGS84 +units=m +no_defs")


@dataclass(frozen=True)
class StaticMap:
    """A drawn map: its figure, its map axes, projection and size.

    Use :meth:`pixel` to find where a place lands in the image and :meth:`to_bytes`
    to encode it.
    """

    figure: Figure = field(repr=False)
    axes: Axes = field(repr=False)
    crs: CRS
    size: MapSize

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


def _draw_base(ax: Axes, frame: _Frame, pt: float) -> None:
    fills = _country_fills()
    for country in load_countries():
        _add(ax, frame.project(country.geometry), facecolor=fills[country.key], edgecolor=style.OUTLINE.color,
             linewidth=style.OUTLINE.width, zorder=1)
    for state in load_united_states():
        _add(ax, frame.project(state.geometry), facecolor=style.LAND_FILL, edgecolor=style.OUTLINE.color,
             linewidth=style.OUTLINE.width, zorder=1)


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


def _draw_border(ax: Axes, frame: _Frame) -> Line2D:
    _add(ax, frame.project(belarus_ukraine_border()), fill=False, edgecolor=style.BORDER.color,
         linewidth=style.BORDER.width, capstyle="round", joinstyle="round", zorder=5)
    return Line2D([], [], color=style.BORDER.color, linewidth=style.BORDER.width,
                  label="Belarus–Ukraine border")


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


_LABEL_BOX = {"boxstyle": "round,pad=0.18", "facecolor": "white", "edgecolor": "none", "alpha": 0.78}


def _draw_kyiv_line(ax: Axes, frame: _Frame, units: str, fs: float) -> None:
    from geo.facts import compute_fact

    fact = compute_fact("kyiv_to_border")
    if fact.line is None:
        return
    (lon0, lat0), (lon1, lat1) = fact.line
    line = shapely.LineString(np.column_stack((np.linspace(lon0, lon1, 32), np.linspace(lat0, lat1, 32))))
    _add(ax, frame.project(line, clip=False), fill=False, edgecolor=style.INK, linewidth=1.1,
         linestyle=(0, (3, 2)), zorder=6)
    mx, my = frame.xy((lon0 + lon1) / 2, (lat0 + lat1) / 2)
    if frame.contains((lon0 + lon1) / 2, (lat0 + lat1) / 2):
        ax.annotate(fact.format(units), (mx, my), xytext=(6, 0), textcoords="offset points", fontsize=fs,
                    fontweight="bold", color=style.INK, va="center", bbox=_LABEL_BOX, zorder=9)


def _draw_places(ax: Axes, frame: _Frame, fs: float) -> list:
    crimea_caption = _crimea_caption()
    passages: dict[str, list[int]] = {}
    for p in load_story().passages:
        passages.setdefault(p.place, []).append(p.number)
    handles = []
    for place in article_places().values():
        if not frame.contains(place.lon, place.lat):
            continue
        x, y = frame.xy(place.lon, place.lat)
        anchor = (x, y)
        # Near the right edge a label reads leftwards, so it stays on the map.
        flip = (x - frame.xlim[0]) / (frame.xlim[1] - frame.xlim[0]) > 0.72
        side, ha = (-1, "right") if flip else (1, "left")
        if place.kind == "city":
            capital = place.id in ("kyiv", "minsk", "moscow", "washington")
            ax.plot([x], [y], marker="o", markersize=fs * (0.95 if capital else 0.7),
                    markerfacecolor=style.PLACE.color, markeredgecolor="white", markeredgewidth=1.0,
                    linestyle="none", zorder=8)
            ax.annotate(place.name, anchor, xytext=(side * fs * 0.7, -fs * 0.2), textcoords="offset points",
                        fontsize=fs, fontweight="bold", color=style.PLACE.color, ha=ha, va="top",
                        bbox=_LABEL_BOX, zorder=9)
        elif place.kind == "country":
            ax.annotate(place.name.upper(), anchor, xytext=(0, fs * 1.6), textcoords="offset points",
                        fontsize=fs * 1.25, color="#5a5a5a", ha="center", va="bottom", fontweight="bold",
                        alpha=0.85, zorder=7)
        else:
            text = crimea_caption if place.id == "crimea" else place.name
            ax.plot([x], [y], marker="o", markersize=fs * 0.45, markerfacecolor="white",
                    markeredgecolor=style.PLACE.color, markeredgewidth=1.0, linestyle="none", zorder=8)
            ax.annotate(text, anchor, xytext=(side * fs * 0.6, -fs * 0.2), textcoords="offset points",
                        fontsize=fs * 0.8, fontstyle="italic", color=style.INK, ha=ha, va="top",
                        bbox=_LABEL_BOX, zorder=9)
        numbers = passages.get(place.id)
        if numbers:
            centred = place.kind == "country"
            ax.annotate(", ".join(str(n) for n in numbers), anchor,
                        xytext=(0, fs * 0.3) if centred else (-fs * 0.6, fs * 0.6),
                        textcoords="offset points", fontsize=fs * 0.8, fontweight="bold", color="white",
                        ha="center" if centred else "right", va="bottom", zorder=10,
                        bbox={"boxstyle": "round,pad=0.25", "facecolor": style.PASSAGE.color,
                              "edgecolor": "white", "linewidth": 0.8})
    handles.append(Line2D([], [], marker="o", markersize=fs * 0.95, markerfacecolor=style.PLACE.color,
                          markeredgecolor="white", linestyle="none", label="City named in the article"))
    handles.append(Line2D([], [], marker="s", markersize=fs * 0.9, markerfacecolor=style.PASSAGE.color,
                          markeredgecolor="white", linestyle="none",
                          label="Passage number (quoted in the article)"))
    return handles


def _draw_scale_bar(ax: Axes, frame: _Frame, units: str, fs: float, above: float) -> None:
    metres_per_unit = frame.metres_per_unit()
    width_m = (frame.xlim[1] - frame.xlim[0]) * metres_per_unit
    unit_m = 1000.0 if units == "km" else KM_PER_MILE * 1000.0
    length = _nice(width_m / unit_m / 5)
    bar = AnchoredSizeBar(
        ax.transData, length * unit_m / metres_per_unit, f"{length:g} {units}", loc="lower right",
        bbox_to_anchor=(1.0, above), bbox_transform=ax.transAxes, pad=0.5, borderpad=0.5, sep=3,
        frameon=True, size_vertical=(frame.ylim[1] - frame.ylim[0]) / 250,
        color=style.INK, fontproperties={"size": fs * 0.85},
    )
    bar.patch.set(facecolor="white", alpha=0.8, edgecolor="none")
    bar.set_zorder(11)
    ax.add_artist(bar)


def _draw_north_arrow(ax: Axes, frame: _Frame, fs: float) -> None:
    fx, fy = 0.955, 0.9
    x = frame.xlim[0] + fx * (frame.xlim[1] - frame.xlim[0])
    y = frame.ylim[0] + fy * (frame.ylim[1] - frame.ylim[0])
    lon, lat = frame.inv.transform(x, y)
    if not (math.isfinite(lon) and math.isfinite(lat)) or lat > 89.5:
        return
    nx, ny = frame.xy(lon, lat + 0.1)
    angle = math.atan2(ny - y, nx - x)
    length = 0.06
    ax_w, ax_h = ax.bbox.width, ax.bbox.height
    tail = (fx - math.cos(angle) * length * ax_h / ax_w / 2, fy - math.sin(angle) * length / 2)
    head = (fx + math.cos(angle) * length * ax_h / ax_w / 2, fy + math.sin(angle) * length / 2)
    ax.annotate("", head, xytext=tail, xycoords="axes fraction", textcoords="axes fraction", zorder=11,
                arrowprops={"arrowstyle": "-|>,head_width=0.35,head_length=0.7", "color": style.INK,
                            "linewidth": 1.4})
    ax.annotate("N", head, xytext=(0, fs * 0.3), xycoords="axes fraction", textcoords="offset points",
                ha="center", va="bottom", fontsize=fs, fontweight="bold", color=style.INK, zorder=11)


def _title(spec: BandSpec, units: str) -> tuple[str, str]:
    from geo.facts import compute_fact

    bands = distance_bands(spec)
    side = {"both": "both sides", "ukraine": "the Ukrainian side", "belarus": "the Belarusian side"}
    side = side[spec.side]
    kyiv = compute_fact("kyiv_to_border").format(units)
    title = "How close Kyiv lies to Belarus"
    subtitle = (f"Geodesic distance bands from the Belarus–Ukraine border on {side}, "
                f"{bands[0].inner_km:g}–{_unit_label(bands[-1].outer_km, units)} {units}. "
                f"Kyiv to the border: {kyiv}.")
    return title, subtitle


def _credits(frame: _Frame) -> str:
    method = frame.crs.coordinate_operation.method_name.lower()
    name = "Lambert conformal conic" if "lambert" in method else "Azimuthal equidistant"
    return " · ".join((*CREDITS, f"{name} projection; distances geodesic on WGS84", "Map: Article Atlas"))


def _quoted(quote: str) -> str:
    """Wrap a quote in typographic quotation marks unless it already opens or closes with one."""
    return ("" if quote.startswith("“") else "“") + quote + ("" if quote.endswith("”") else "”")


def _footnotes(fig: Figure, left: float, fs: float, width_px: float, height_px: float, dpi: float) -> None:
    story = load_story()
    places = article_places()
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
) -> StaticMap:
    """Draw the map: borders, Crimea, bands, places, passages, legend, scale, north arrow, credits.

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

    Returns
    -------
    StaticMap

    Examples
    --------
    >>> m = draw_map(BandSpec((50.0, 100.0)), SIZES["social"])
    >>> len(m.to_bytes("png")) > 0
    True
    """
    if units not in UNITS:
        raise InputError(f"Unknown units {units!r}: use km or mi.")
    view = view or default_view(spec)
    crs = projection_for(view)
    fig = Figure(figsize=size.inches, dpi=size.dpi, facecolor="white")
    FigureCanvasAgg(fig)
    fig.set_label(_title(spec, units)[0])
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

    with mpl.rc_context({"font.family": style.FONT_FAMILY, "hatch.linewidth": 0.6}):
        _draw_base(ax, frame, fs)
        _draw_graticule(ax, frame)
        handles = _draw_bands(ax, frame, spec, units)
        if user is not None:
            handles.append(_draw_user(ax, frame, user))
        handles.append(_draw_border(ax, frame))
        handles.append(_draw_crimea(ax, frame, fs))
        handles.append(Patch(facecolor=style.NATO_FILL, edgecolor=style.OUTLINE.color, label="NATO member"))
        _draw_kyiv_line(ax, frame, units, fs)
        handles += _draw_places(ax, frame, fs)
        chars = max(40, int(size.width * right / size.dpi * 72 / (fs * 0.7 * 0.55)))
        credits = textwrap.fill(_credits(frame), chars)
        ax.text(0.006, 0.008, credits, transform=ax.transAxes, fontsize=fs * 0.7, color="#444444",
                va="bottom", ha="left", zorder=12,
                bbox={"boxstyle": "square,pad=0.25", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
        # Legend and scale bar stand on the credits.
        above = ((credits.count("\n") + 1) * fs * 0.7 * 1.3 + fs * 0.6) / (size.height / size.dpi * 72)
        legend = ax.legend(handles=handles, loc="lower left", fontsize=fs * 0.85,
                           title="Distance from the border", title_fontsize=fs * 0.9, framealpha=0.88,
                           edgecolor="none", borderpad=0.6, bbox_to_anchor=(0.0, above))
        legend.set_zorder(12)
        title, subtitle = _title(spec, units)
        ax.text(0.012, 0.985, title, transform=ax.transAxes, fontsize=fs * 1.6, fontweight="bold",
                color=style.INK, va="top", ha="left", zorder=12)
        ax.text(0.012, 0.985 - fs * 2.4 / (size.height / size.dpi * 72), textwrap.fill(subtitle, 110),
                transform=ax.transAxes, fontsize=fs * 0.9, color=style.INK, va="top", ha="left", zorder=12,
                bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
        _draw_scale_bar(ax, frame, units, fs, above)
        _draw_north_arrow(ax, frame, fs)
        if footnotes:
            _footnotes(fig, right, fs, size.width, size.height, size.dpi)
    return StaticMap(fig, ax, crs, size)
