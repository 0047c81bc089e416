"""A story published as static files: the interactive map, its PNG, alt text, an embed snippet, the overlays.

Readers of a published story never reach the Streamlit server: :func:`publish` writes a
folder (or a zip of it) that any static host or CDN serves as it is. Every file name is
fixed (:data:`PUBLISHED_FILES`), every link between the files is relative, and the
interactive page needs no other file and no network (:func:`geo.assets.standalone_html`).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import html
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from geo.errors import ExportError, InputError
from geo.export import ExportRequest, render

__all__ = ["PUBLISHED_FILES", "Publication", "add_command", "embed_snippet", "publication", "publish",
           "run_command", "zip_bytes"]

#: The files of a publication, by role; the names never change, so links to them hold.
PUBLISHED_FILES = {
    "page": "index.html",
    "image": "map.png",
    "alt": "alt.txt",
    "embed": "embed.html",
    "story": "story.json",
}
#: Zip entries carry this date, so the same files give the same archive.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_TOOL = "Article Atlas (python -m geo publish)"


@dataclass(frozen=True)
class Publication:
    """The files of one published story, by name, in memory.

    Parameters
    ----------
    files : dict of str to bytes
        Each of :data:`PUBLISHED_FILES`' names and its content.
    title : str
        The map's title, as in the page's ``<title>`` and the embed's iframe.
    alt : str
        The map's text alternative (``alt.txt``).
    """

    files: dict[str, bytes]
    title: str
    alt: str

    def __post_init__(self) -> None:
        if sorted(self.files) != sorted(PUBLISHED_FILES.values()):
            raise ExportError(f"A publication holds exactly {', '.join(PUBLISHED_FILES.values())}.")


def _title(request: ExportRequest) -> str:
    from geo.mapping import format_distance

    distances = ", ".join(format_distance(d, request.units) for d in request.spec.distances_km)
    return f"Distance from the Belarus–Ukraine border: {distances}"


def embed_snippet(title: str, alt: str, width: int, height: int, base_url: str = "") -> str:
    """Return an HTML snippet that embeds the published map in another page.

    A box keeps the map's aspect ratio at any width (padding in percent, which every
    browser lays out); the interactive map fills it in an iframe. Without scripts the
    reader gets the PNG with its alt text, linked to the page; with them, a link to the
    PNG and the alt text stay below the map for print and for readers who want them.

    Parameters
    ----------
    title : str
        The iframe's title, read out by screen readers.
    alt : str
        The PNG's text alternative.
    width, height : int
        The PNG's pixels: the box's aspect ratio.
    base_url : str
        Where the publication is served, ending in ``/``; empty for links relative to the
        snippet (``embed.html`` beside ``index.html``).

    Returns
    -------
    str

    Examples
    --------
    >>> "padding-top:62.5%" in embed_snippet("Map", "A map.", 1600, 1000)
    True
    """
    if base_url and not (base_url.startswith(("https://", "http://")) and base_url.endswith("/")):
        raise InputError(f"The base URL {base_url[:80]!r} must start with https:// (or http://) and end with /.")
    if width <= 0 or height <= 0:
        raise InputError("The map's width and height must be positive.")
    page = html.escape(base_url + PUBLISHED_FILES["page"])
    image = html.escape(base_url + PUBLISHED_FILES["image"])
    alt_url = html.escape(base_url + PUBLISHED_FILES["alt"])
    t, a = html.escape(title), html.escape(alt)
    ratio = f"{100 * height / width:.4g}%"
    return (
        f'<figure class="article-atlas" style="margin:0;max-width:100%">\n'
        f'  <div style="position:relative;width:100%;height:0;padding-top:{ratio};overflow:hidden">\n'
        f'    <iframe src="{page}" title="{t}" loading="lazy" referrerpolicy="no-referrer"\n'
        f'      style="position:absolute;top:0;left:0;width:100%;height:100%;border:0"></iframe>\n'
        f'    <noscript><a href="{page}" style="position:absolute;top:0;left:0;width:100%;height:100%">'
        f'<img src="{image}" alt="{a}" width="{width}" height="{height}" '
        f'style="width:100%;height:100%;object-fit:contain;background:#fff"></a></noscript>\n'
        f"  </div>\n"
        f'  <figcaption style="font:13px/1.4 sans-serif">{t}. '
        f'<a href="{image}">Static map (PNG)</a> · <a href="{alt_url}">The map in words</a></figcaption>\n'
        f"</figure>\n"
    )


def _embed_page(snippet: str, title: str) -> str:
    """The snippet in a page of its own, to preview it and to copy it from."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>Embed: {html.escape(title)}</title>\n</head>\n<body style=\"margin:0\">\n"
        "<!-- Copy the figure below into your page; with a base URL, its links lead to where you host this"
        " folder. -->\n"
        f"{snippet}</body>\n</html>\n"
    )


def _page(standalone: str, title: str, alt: str, width: int, height: int) -> str:
    """The standalone map with a title, a description and the PNG for readers without scripts."""
    head = (f"<title>{html.escape(title)}</title>\n"
            f'<meta name="description" content="{html.escape(alt)}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n')
    fallback = (f'<noscript><img src="{PUBLISHED_FILES["image"]}" alt="{html.escape(alt)}" '
                f'width="{width}" height="{height}" style="max-width:100%;height:auto"></noscript>\n')
    if standalone.count("<head>") != 1 or standalone.count("<body>") != 1:
        raise ExportError("The interactive map's page has no single <head> and <body>; cannot publish it.")
    return standalone.replace("<head>", "<head>\n" + head, 1).replace("<body>", "<body>\n" + fallback, 1)


def _sources(overlays: dict) -> list[str]:
    from geo.facts import compute_facts
    from geo.story import PUBLISHER

    named = [f["properties"]["source"] for f in overlays["features"] if "source" in f["properties"]]
    named += [fact.source for fact in compute_facts().values()]
    # A figure names each source it combines, separated by "; ": list each source once.
    found = [part.strip() for text in named for part in text.split(";") if part.strip()]
    geodesy = "Distances: geodesic on the WGS84 ellipsoid (pyproj.Geod)"
    return [f"The article: {PUBLISHER}", *dict.fromkeys(found), geodesy]


def _story(request: ExportRequest, title: str, alt: str, built: dt.datetime) -> dict:
    overlays = json.loads(render(dataclasses.replace(request, format="geojson")))
    view = request.view
    return {
        "what": title,
        "description": alt,
        "built": built.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "built_by": _TOOL,
        "bands": {"distances_km": list(request.spec.distances_km), "side": request.spec.side,
                  "clip": request.spec.clip, "units": request.units},
        "view": None if view is None else {"south": view.south, "west": view.west, "north": view.north,
                                           "east": view.east},
        "user_layer": None if request.user is None else request.user.name,
        "sources": _sources(overlays),
        "files": dict(PUBLISHED_FILES),
        "overlays": overlays,
    }


def publication(request: ExportRequest, *, base_url: str = "", built: dt.datetime | None = None) -> Publication:
    """Render every file of a published story, in memory.

    Parameters
    ----------
    request : ExportRequest
        The bands, extent, units, PNG size and user layer (its ``format`` is not used: every
        format the publication needs is rendered from it).
    base_url : str
        Where the folder will be served (``https://…/``), for the embed snippet's links;
        empty for links relative to ``embed.html``.
    built : datetime, optional
        When it was built (``story.json``); now when missing.

    Returns
    -------
    Publication

    Examples
    --------
    >>> from geo.export import export_request
    >>> from geo.bands import BandSpec
    >>> sorted(publication(export_request("html", BandSpec((50.0,)))).files)  # doctest: +SKIP
    ['alt.txt', 'embed.html', 'index.html', 'map.png', 'story.json']
    """
    from geo.alttext import map_summary

    if not isinstance(request, ExportRequest):
        raise InputError("Publish needs an ExportRequest (geo.export.export_request).")
    built = built or dt.datetime.now(dt.UTC)
    if built.tzinfo is None:
        raise InputError("The build time must carry a time zone.")
    size = request.map_size
    title = _title(request)
    alt = map_summary(request.spec, request.units)
    snippet = embed_snippet(title, alt, size.width, size.height, base_url)
    standalone = render(dataclasses.replace(request, format="html")).decode("utf-8")
    image = render(dataclasses.replace(request, format="png"))
    story = _story(request, title, alt, built)
    names = PUBLISHED_FILES
    files = {
        names["page"]: _page(standalone, title, alt, size.width, size.height).encode("utf-8"),
        names["image"]: image,
        names["alt"]: (alt + "\n").encode("utf-8"),
        names["embed"]: _embed_page(snippet, title).encode("utf-8"),
        names["story"]: json.dumps(story, ensure_ascii=False, allow_nan=False).encode("utf-8"),
    }
    return Publication(files, title, alt)


def zip_bytes(files: dict[str, bytes], folder: str) -> bytes:
    """Return a zip of ``files`` inside ``folder/``: relative names, fixed dates, sorted.

    The same files give the same bytes. ``folder`` and every name must be one plain path
    part (no separator, no ``..``), so unpacking never writes outside the folder.

    Examples
    --------
    >>> zipfile.ZipFile(io.BytesIO(zip_bytes({"a.txt": b"a"}, "story"))).namelist()
    ['story/', 'story/a.txt']
    """
    for name in (folder, *files):
        if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
            raise InputError(f"{name[:60]!r} is not a plain file or folder name for a zip entry.")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        top = zipfile.ZipInfo(folder + "/", date_time=_ZIP_DATE)
        top.external_attr = (0o40755 << 16) | 0x10  # a folder, for Unix and for DOS tools
        archive.writestr(top, b"")
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=_ZIP_DATE)
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return buffer.getvalue()


def publish(
    request: ExportRequest,
    target: str | os.PathLike[str],
    *,
    base_url: str = "",
    built: dt.datetime | None = None,
) -> Path:
    """Publish the map as static files: a folder, or a zip of one when ``target`` ends in ``.zip``.

    The folder holds :data:`PUBLISHED_FILES`: ``index.html`` (the interactive map, no
    network needed), ``map.png`` (its static fallback), ``alt.txt`` (the map in words),
    ``embed.html`` (a responsive iframe snippet to paste into an article) and ``story.json``
    (the overlays as GeoJSON, with what, when and from which sources). A zip holds the same
    files inside a folder named after it. Either is written through a temporary file or
    folder beside the target, so a failure leaves nothing half written.

    Parameters
    ----------
    request : ExportRequest
        What to draw (see :func:`publication`).
    target : path
        A new folder (or an empty one, or an earlier publication, which is replaced), or a
        ``.zip`` file to create or replace.
    base_url, built
        As in :func:`publication`.

    Returns
    -------
    Path
        The folder or zip written.

    Raises
    ------
    InputError
        When ``target`` cannot be written: a missing parent folder, a folder holding other
        files, a zip path that is a folder.
    ExportError
        When a file cannot be rendered or written.

    Examples
    --------
    >>> from geo.export import export_request
    >>> from geo.bands import BandSpec
    >>> publish(export_request("html", BandSpec((50.0, 100.0))), "kyiv-story")  # doctest: +SKIP
    PosixPath('kyiv-story')
    """
    path = Path(target)
    archive = path.suffix.lower() == ".zip"
    _check_target(path, archive)
    files = publication(request, base_url=base_url, built=built).files
    try:
        if archive:
            _write_zip(path, zip_bytes(files, path.stem or "article-atlas"))
        else:
            _write_folder(path, files)
    except OSError as exc:
        raise ExportError(f"Could not write {str(path)!r}: {exc.strerror or exc}.") from None
    return path


def _check_target(path: Path, archive: bool) -> None:
    shown = repr(str(path)[:80])
    if not path.name or path.name in (".", ".."):
        raise InputError(f"Give a folder or .zip name to publish to, not {shown}.")
    if not path.parent.is_dir():
        raise InputError(f"Folder {str(path.parent)!r} does not exist; create it first.")
    if archive:
        if path.exists() and not path.is_file():
            raise InputError(f"{shown} exists and is not a file; name a new .zip.")
        return
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise InputError(f"{shown} exists and is not a folder; name a new folder.")
    if path.is_dir():
        others = sorted(p.name for p in path.iterdir() if p.name not in PUBLISHED_FILES.values() or not p.is_file())
        if others:
            raise InputError(f"Folder {shown} holds other files ({', '.join(others[:3])}); "
                             "publish to a new or empty folder.")


def _write_folder(path: Path, files: dict[str, bytes]) -> None:
    staging = Path(tempfile.mkdtemp(prefix=".atlas-publish-", dir=path.parent))
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        staging.chmod(0o755 & ~_umask())
        for name in files:
            (staging / name).chmod(0o644 & ~_umask())
        if path.is_dir():
            # Checked to hold only an earlier publication's files: empty it, so the rename below
            # may replace it (a rename replaces only an empty folder).
            for child in path.iterdir():
                child.unlink()
        os.replace(staging, path)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _write_zip(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".atlas-publish-", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.chmod(tmp, 0o644 & ~_umask())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def add_command(sub, distance: Callable[[str], float], bounds: Callable, pixels: Callable[[str], int]) -> None:
    """Add ``publish`` to the command line's subcommands (``python -m geo publish OUT``).

    ``distance``, ``bounds`` and ``pixels`` are the command line's argument types, so
    ``publish`` checks its arguments as ``export`` does.
    """
    from geo.bands import CLIPS, MAX_BANDS, SIDES
    from geo.export import SIZES

    cmd = sub.add_parser("publish", help="write the map as static files for any web host (folder or zip)")
    cmd.add_argument("output", metavar="OUT", help="a new folder, or a .zip file with --zip")
    cmd.add_argument("--zip", action="store_true", help="write OUT as a zip of the folder (.zip added if missing)")
    cmd.add_argument("--distance", "-d", type=distance, action="append", required=True,
                     metavar="KM", help=f"a band edge in km (repeat, at most {MAX_BANDS})")
    cmd.add_argument("--side", choices=SIDES, default="both")
    cmd.add_argument("--clip", choices=CLIPS, default="none")
    cmd.add_argument("--size", choices=tuple(SIZES), help="the PNG's preset size (1600 x 1000 when not given)")
    cmd.add_argument("--width", type=pixels, metavar="PX", help="the PNG's width, with --height")
    cmd.add_argument("--height", type=pixels, metavar="PX", help="the PNG's height, with --width")
    cmd.add_argument("--bounds", type=bounds, metavar="S,W,N,E", help="the extent, in degrees")
    cmd.add_argument("--units", choices=("km", "mi"), default="km")
    cmd.add_argument("--base-url", default="", metavar="URL",
                     help="where the folder will be served (https://.../), for embed.html's links")


def run_command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Run ``python -m geo publish`` with the arguments :func:`add_command` declared."""
    from geo.bands import BandSpec
    from geo.export import export_request

    distances = args.distance
    if len(set(distances)) != len(distances):
        parser.error("argument --distance: each distance may be given once")
    if (args.width is None) != (args.height is None):
        parser.error("arguments --width and --height go together")
    if args.size is not None and args.width is not None:
        parser.error("argument --size: give either --size or --width and --height")
    output = args.output
    if args.zip and not output.lower().endswith(".zip"):
        output += ".zip"
    spec = BandSpec(tuple(sorted(distances)), side=args.side, clip=args.clip)
    request = export_request("png", spec, size=args.size, width=args.width, height=args.height,
                             bounds=args.bounds, units=args.units)
    written = publish(request, output, base_url=args.base_url)
    what = "zip" if written.suffix.lower() == ".zip" else "folder"
    print(f"wrote {written} ({what}: {', '.join(PUBLISHED_FILES.values())})")
    return 0
