"""Command line: ``python -m geo facts|bands|export|places``, over the same functions the app calls."""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import json
import os
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from geo.errors import AtlasError, ExportError, InputError

__all__ = ["main", "output_path", "staged_output", "write_atomically"]

#: True when run as ``python -m geo``: the process runs one command, then exits.
_ONE_SHOT = False
#: The modules each export format renders with.
_RENDERERS = {
    "png": ("geo.static_map",), "svg": ("geo.static_map",), "pdf": ("geo.static_map",),
    "html": ("geo.mapping", "geo.assets"), "geojson": ("geo.layers",), "gpkg": ("geo.layers", "geopandas"),
}


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit with status 2."""

    def error(self, message: str) -> None:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _distance(text: str) -> float:
    from geo.bands import MAX_KM, MIN_KM

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of km") from None
    if not (MIN_KM <= value <= MAX_KM):
        raise argparse.ArgumentTypeError(f"{text} km is out of range ({MIN_KM:g} to {MAX_KM:g} km)")
    return value


def output_path(path: str | os.PathLike[str]) -> Path:
    """Check where ``--output`` may write, before any work; return the file to replace.

    A new path in an existing folder, or an existing regular file (through any symlinks) is
    accepted. Anything else is refused: an empty name, a missing folder, a folder, a device,
    a FIFO, a socket, a link that does not lead to a regular file, a name too long.

    Parameters
    ----------
    path : str or path-like
        The ``--output`` argument as given.

    Returns
    -------
    Path
        The file to write: the path itself, or the file its symlinks lead to.

    Raises
    ------
    InputError
        For every path the command must not write.

    Examples
    --------
    >>> output_path("/dev/null")
    Traceback (most recent call last):
    geo.errors.InputError: argument --output: '/dev/null' is not a regular file (a character device); ...
    """
    raw = os.fspath(path)
    shown = repr(raw if len(raw) <= 80 else raw[:77] + "...")
    if not raw.strip():
        raise InputError("argument --output: give a file name")
    if raw.endswith(("/", os.sep)):
        raise InputError(f"argument --output: {shown} ends with a folder separator; give a file name")
    try:
        found = os.stat(raw)
    except FileNotFoundError:
        target = _resolve(raw, shown) if os.path.islink(raw) else Path(raw)
        if not os.path.isdir(target.parent):
            raise InputError(f"argument --output: folder {str(target.parent)!r} does not exist") from None
    except NotADirectoryError:
        raise InputError(f"argument --output: a part of {shown} is not a folder") from None
    except OSError as exc:
        raise InputError(f"argument --output: cannot use {shown}: {exc.strerror}") from None
    else:
        if stat.S_ISDIR(found.st_mode):
            raise InputError(f"argument --output: {shown} is a folder; name a file in it")
        if not stat.S_ISREG(found.st_mode):
            raise InputError(f"argument --output: {shown} is not a regular file ({_kind(found.st_mode)}); "
                             "write to a regular file or a new path")
        target = _resolve(raw, shown)
        try:
            same = os.stat(target)
        except OSError:
            same = None
        if same is None or (same.st_dev, same.st_ino) != (found.st_dev, found.st_ino):
            raise InputError(f"argument --output: {shown} is a link that does not lead to a file by name")
    try:
        name_max = os.pathconf(target.parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        name_max = 255
    if len(os.fsencode(target.name)) > name_max:
        raise InputError(f"argument --output: the file name is longer than {name_max} bytes")
    return target


def _resolve(raw: str, shown: str) -> Path:
    """``raw`` with every symlink followed, refusing links that live in ``/proc``.

    ``/proc/self/fd/1`` (and ``/dev/stdout``, which leads there) names whatever the process
    has open, not a file: replacing it would replace the file a shell redirected into.
    """
    try:
        proc = os.stat("/proc").st_dev
    except OSError:
        proc = None
    done = Path("/")
    pending = list(Path(os.getcwd(), raw).parts[1:])
    hops = 0
    while pending:
        part = pending.pop(0)
        if part == "..":
            done = done.parent
            continue
        candidate = done / part
        try:
            found = os.lstat(candidate)
        except OSError:
            done = candidate
            continue
        if not stat.S_ISLNK(found.st_mode):
            done = candidate
            continue
        if found.st_dev == proc:
            raise InputError(f"argument --output: {shown} leads through {str(candidate)!r}, a link in /proc "
                             "to whatever a process has open, not a file; give the file's own name")
        hops += 1
        if hops > 40:
            raise InputError(f"argument --output: {shown} goes round a loop of symlinks")
        link = Path(os.readlink(candidate))
        if link.is_absolute():
            done, pending = Path("/"), [*link.parts[1:], *pending]
        else:
            pending = [*link.parts, *pending]
    return done


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a file"


@contextlib.contextmanager
def staged_output(target: Path) -> Iterator[Callable[[bytes], None]]:
    """Write ``target`` (from :func:`output_path`) through a temporary file beside it.

    The temporary file is made at once, so a folder the command cannot write is refused
    before any work. The block gets a ``write(data)`` function; when the block ends without
    an exception the file replaces ``target``, and in every other case (an error, Ctrl-C,
    SIGTERM) it is removed. Its name is short (``.atlas-XXXXXXXX.part``), whatever the
    length of ``target``'s name.

    Raises
    ------
    InputError
        When the folder cannot be written, or ``target`` stopped being a regular file.
    ExportError
        When writing fails midway (a full disk, an I/O error).

    Examples
    --------
    >>> with staged_output(output_path("bands.geojson")) as write:  # doctest: +SKIP
    ...     write(b"{}")
    """
    target = Path(target)
    # Ctrl-C or SIGTERM between making the file and the ``try`` below would leave it behind.
    mask = _hold_signals()
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".atlas-", suffix=".part")
    except OSError as exc:
        _release_signals(mask)
        raise InputError(f"argument --output: cannot write in folder {str(target.parent)!r}: "
                         f"{exc.strerror}") from None
    file = os.fdopen(fd, "wb")

    def write(data: bytes) -> None:
        try:
            file.write(data)
        except OSError as exc:
            raise ExportError(f"could not write {str(target)!r}: {exc.strerror or exc}") from None

    try:
        _release_signals(mask)
        yield write
        try:
            file.close()
            _replace(Path(tmp), target)
        except OSError as exc:
            raise ExportError(f"could not write {str(target)!r}: {exc.strerror or exc}") from None
    finally:
        mask = _hold_signals()
        try:
            with contextlib.suppress(OSError):
                file.close()
            Path(tmp).unlink(missing_ok=True)
        finally:
            _release_signals(mask)


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _hold_signals() -> set[int] | None:
    """Hold Ctrl-C and SIGTERM back until :func:`_release_signals` (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)


def _release_signals(mask: set[int] | None) -> None:
    if mask is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _replace(tmp: Path, target: Path) -> None:
    """Move ``tmp`` onto ``target`` if it is still a regular file or missing, with its permissions."""
    try:
        existing = os.lstat(target)
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        raise InputError(f"argument --output: {str(target)!r} is no longer a regular file; nothing written")
    if existing is not None:
        mode = stat.S_IMODE(existing.st_mode)
    else:
        # mkstemp makes the file private; give it the permissions a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(tmp, mode)
    os.replace(tmp, target)


def write_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file, so a failure leaves nothing.

    ``path`` is checked by :func:`output_path` first: only regular files and new paths.
    """
    with staged_output(output_path(path)) as write:
        write(data)


def _imports_done(*modules: str) -> None:
    """In a one-shot command, import ``modules``, then freeze every object built so far.

    What the imports build (matplotlib, pyproj, shapely: about 90,000 objects) lives until the
    process exits, so the cyclic garbage collector, held off while importing, need never
    scan it; its passes took 0.2-0.4 s of a PNG export at load 2-5.
    """
    if not _ONE_SHOT:
        return
    for name in modules:
        importlib.import_module(name)
    gc.freeze()
    gc.enable()


def _border(text: str) -> str:
    from geo.urlstate import read_border

    try:
        return read_border(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(f"{text[:40]!r}: {exc}") from None


def _place(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 0 < len(text) <= 10 and int(text) > 0):
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a GeoNames id (a positive whole number)")
    return int(text)


def _border_arguments(sub: argparse.ArgumentParser, sides: bool = True) -> None:
    from geo.borders import DEFAULT_BORDER

    sub.add_argument("--border", type=_border, default=DEFAULT_BORDER, metavar="AA-BB",
                     help=f"two neighbours' ISO codes, either order (default {DEFAULT_BORDER}), "
                          "or one country's code for its whole land border")
    if sides:
        sub.add_argument("--side", default="both", metavar="SIDE",
                         help="both, or the ISO code of one of the border's countries (default both)")
        sub.add_argument("--clip", default="none", metavar="CLIP",
                         help="none, land, or the ISO code of one of the border's countries (default none)")


def _parser() -> argparse.ArgumentParser:
    from geo.bands import MAX_BANDS
    from geo.facts import MAX_PLACES

    parser = _Parser(prog="python -m geo", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    facts = sub.add_parser("facts", help="print the computed figures")
    facts.add_argument("--json", action="store_true", help="one JSON object, distances in km")
    facts.add_argument("--units", choices=("km", "mi"), default="km")
    _border_arguments(facts, sides=False)
    facts.add_argument("--place", type=_place, action="append", default=[], metavar="GEONAMEID",
                       help=f"a place's distance to the border too, by GeoNames id (repeat, at most {MAX_PLACES})")

    bands = sub.add_parser("bands", help="write distance bands as GeoJSON")
    bands.add_argument("--distance", "-d", type=_distance, action="append", required=True,
                       metavar="KM", help=f"a band edge in km (repeat, at most {MAX_BANDS})")
    _border_arguments(bands)
    bands.add_argument("--output", "-o", required=True, metavar="FILE.geojson")

    from geo.export import FORMATS, SIZES

    export = sub.add_parser("export", help="write a snapshot of the map (static image, HTML or GIS file)")
    export.add_argument("--format", "-f", choices=FORMATS, required=True)
    export.add_argument("--distance", "-d", type=_distance, action="append", required=True,
                        metavar="KM", help=f"a band edge in km (repeat, at most {MAX_BANDS})")
    _border_arguments(export)
    export.add_argument("--size", choices=tuple(SIZES), help="a preset size (static formats)")
    export.add_argument("--width", type=_pixels, metavar="PX", help="custom width, with --height")
    export.add_argument("--height", type=_pixels, metavar="PX", help="custom height, with --width")
    export.add_argument("--bounds", type=_bounds, metavar="S,W,N,E", help="the extent, in degrees")
    export.add_argument("--units", choices=("km", "mi"), default="km")
    export.add_argument("--footnotes", action="store_true", help="print the quoted passages beside the map")
    export.add_argument("--story", metavar="FILE.toml",
                        help="a story file (TOML or JSON, as the app saves it) whose places and passages to show, "
                             "on its own border unless --border names another; the bundled article's by default")
    export.add_argument("--output", "-o", required=True, metavar="FILE")
    from geo.geoparse import register
    from geo.publish import add_command

    add_command(sub, _distance, _bounds, _pixels)
    register(sub)
    return parser


def _pixels(text: str) -> int:
    from geo.framing import MAX_PX, MIN_PX

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of pixels") from None
    if not MIN_PX <= value <= MAX_PX:
        raise argparse.ArgumentTypeError(f"{value} px is out of range ({MIN_PX} to {MAX_PX} px)")
    return value


def _bounds(text: str):
    from geo.framing import View

    try:
        return View.parse(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc).rstrip(".")) from None


def _check_distances(parser: argparse.ArgumentParser, distances: list[float]) -> None:
    from geo.bands import MAX_BANDS

    if len(distances) > MAX_BANDS:
        parser.error(f"argument --distance: at most {MAX_BANDS} distances, got {len(distances)}")
    if len(set(distances)) != len(distances):
        parser.error("argument --distance: each distance may be given once")


def _spec(parser: argparse.ArgumentParser, args: argparse.Namespace):
    """The bands asked for, on the border asked for; a side or clip it does not have is refused."""
    from geo.bands import BandSpec
    from geo.borders import get_border
    from geo.urlstate import read_choice

    _check_distances(parser, args.distance)
    choices = {}
    for name in ("side", "clip"):
        try:
            choices[name] = read_choice(name, getattr(args, name), args.border)
        except InputError as exc:
            parser.error(f"argument --{name}: {getattr(args, name)[:40]!r} for the {args.border} border: {exc}")
    return BandSpec(tuple(sorted(args.distance)), border=get_border(args.border), **choices)


def _facts(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from geo.borders import DEFAULT_BORDER
    from geo.facts import MAX_PLACES, border_facts, compute_facts, facts_json

    places = tuple(dict.fromkeys(args.place))
    if len(places) > MAX_PLACES:
        parser.error(f"argument --place: at most {MAX_PLACES} places, got {len(places)}")
    _imports_done()
    article = args.border == DEFAULT_BORDER and not places
    if args.json:
        data = facts_json() if article else facts_json(args.border, places)
        print(json.dumps(data, ensure_ascii=False, sort_keys=True))
        return 0
    facts = compute_facts() if article else border_facts(args.border, places)
    for fact in facts.values():
        print(f"{fact.label}: {fact.format(args.units)}  [{fact.method}; {fact.source}]")
    return 0


def _export(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from geo.export import export_bytes

    if (args.width is None) != (args.height is None):
        parser.error("arguments --width and --height go together")
    if args.size is not None and args.width is not None:
        parser.error("argument --size: give either --size or --width and --height")
    story = None
    if args.story is not None:
        from geo.borders import DEFAULT_BORDER
        from geo.story import load_story_file

        story = load_story_file(Path(args.story))
        if args.border == DEFAULT_BORDER:
            args.border = story.border
    spec = _spec(parser, args)
    if args.bounds is not None and args.format in ("png", "svg", "pdf"):
        from geo.export import export_request
        from geo.framing import check_drawable

        size = export_request(args.format, spec, size=args.size, width=args.width, height=args.height).map_size
        check_drawable(args.bounds, size.width / size.height)
    target = output_path(args.output)
    with staged_output(target) as write:
        _imports_done(*_RENDERERS[args.format])
        data = export_bytes(args.format, spec, size=args.size, width=args.width, height=args.height,
                            bounds=args.bounds, units=args.units, footnotes=args.footnotes, story=story)
        write(data)
    print(f"wrote {args.output} ({args.format}, {len(data):,} bytes)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "facts":
            return _facts(parser, args)
        if args.command == "bands":
            from geo.layers import bands_geojson

            _imports_done()
            spec = _spec(parser, args)
            target = output_path(args.output)
            with staged_output(target) as write:
                write(json.dumps(bands_geojson(spec), ensure_ascii=False).encode("utf-8"))
            print(f"wrote {args.output} ({len(spec.distances_km)} bands)")
            return 0
        if args.command == "export":
            return _export(parser, args)
        if args.command == "publish":
            from geo.publish import run_command

            return run_command(parser, args)
        if args.command == "places":
            from geo.geoparse import run

            return run(args)
    except InputError as exc:
        print(f"python -m geo: error: {exc}", file=sys.stderr)
        return 2
    except AtlasError as exc:
        print(f"python -m geo: {exc}", file=sys.stderr)
        return 1
    return 0


class _Stopped(BaseException):
    """Ctrl-C or SIGTERM, raised where the program is so that every ``finally`` cleans up."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, frame: object) -> None:
    # A second signal must not cut the cleanup short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise _Stopped(signum)


if __name__ == "__main__":
    _ONE_SHOT = True
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    gc.disable()  # until the command has imported what it needs: see _imports_done
    try:
        sys.exit(main())
    except _Stopped as stopped:
        word = "interrupted" if stopped.signum == signal.SIGINT else "terminated"
        print(f"python -m geo: {word}", file=sys.stderr)
        sys.exit(128 + stopped.signum)
    except BrokenPipeError:
        # The reader went away (``python -m geo facts --json | head``): stop quietly, as Unix
        # tools do, without a second error when Python flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
