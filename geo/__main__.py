"""Command line: ``python -m geo facts|bands|export``, over the same functions the app calls."""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import sys
import tempfile
from pathlib import Path

from geo.errors import AtlasError, InputError

__all__ = ["main"]

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


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file, so a failure leaves nothing."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        # mkstemp makes the file private; give it the permissions a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def _parser() -> argparse.ArgumentParser:
    from geo.bands import CLIPS, MAX_BANDS, SIDES

    parser = _Parser(prog="python -m geo", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    facts = sub.add_parser("facts", help="print the computed figures")
    facts.add_argument("--json", action="store_true", help="one JSON object, distances in km")
    facts.add_argument("--units", choices=("km", "mi"), default="km")

    bands = sub.add_parser("bands", help="write distance bands as GeoJSON")
    bands.add_argument("--distance", "-d", type=_distance, action="append", required=True,
                       metavar="KM", help=f"a band edge in km (repeat, at most {MAX_BANDS})")
    bands.add_argument("--side", choices=SIDES, default="both")
    bands.add_argument("--clip", choices=CLIPS, default="none")
    bands.add_argument("--output", "-o", type=Path, required=True, metavar="FILE.geojson")

    from geo.export import FORMATS, SIZES

    export = sub.add_parser("export", help="write a snapshot of the map (static image, HTML or GIS file)")
    export.add_argument("--format", "-f", choices=FORMATS, required=True)
    export.add_argument("--distance", "-d", type=_distance, action="append", required=True,
                        metavar="KM", help=f"a band edge in km (repeat, at most {MAX_BANDS})")
    export.add_argument("--side", choices=SIDES, default="both")
    export.add_argument("--clip", choices=CLIPS, default="none")
    export.add_argument("--size", choices=tuple(SIZES), help="a preset size (static formats)")
    export.add_argument("--width", type=_pixels, metavar="PX", help="custom width, with --height")
    export.add_argument("--height", type=_pixels, metavar="PX", help="custom height, with --width")
    export.add_argument("--bounds", type=_bounds, metavar="S,W,N,E", help="the extent, in degrees")
    export.add_argument("--units", choices=("km", "mi"), default="km")
    export.add_argument("--footnotes", action="store_true", help="print the quoted passages beside the map")
    export.add_argument("--output", "-o", type=Path, required=True, metavar="FILE")
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


def _output_dir_ok(parser: argparse.ArgumentParser, path: Path) -> None:
    if not path.parent.resolve().is_dir():
        parser.error(f"argument --output: folder {str(path.parent)!r} does not exist")


def _export(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from geo.bands import BandSpec
    from geo.export import export_bytes

    _check_distances(parser, args.distance)
    if (args.width is None) != (args.height is None):
        parser.error("arguments --width and --height go together")
    if args.size is not None and args.width is not None:
        parser.error("argument --size: give either --size or --width and --height")
    _output_dir_ok(parser, args.output)
    _imports_done(*_RENDERERS[args.format])
    spec = BandSpec(tuple(sorted(args.distance)), side=args.side, clip=args.clip)
    data = export_bytes(args.format, spec, size=args.size, width=args.width, height=args.height,
                        bounds=args.bounds, units=args.units, footnotes=args.footnotes)
    write_atomically(args.output, data)
    print(f"wrote {args.output} ({args.format}, {len(data):,} bytes)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "facts":
            from geo.facts import compute_facts, facts_json

            _imports_done()
            if args.json:
                print(json.dumps(facts_json(), ensure_ascii=False, sort_keys=True))
            else:
                for fact in compute_facts().values():
                    print(f"{fact.label}: {fact.format(args.units)}  [{fact.method}; {fact.source}]")
            return 0
        if args.command == "bands":
            from geo.bands import BandSpec
            from geo.layers import bands_geojson

            _imports_done()
            _check_distances(parser, args.distance)
            _output_dir_ok(parser, args.output)
            spec = BandSpec(tuple(sorted(args.distance)), side=args.side, clip=args.clip)
            text = json.dumps(bands_geojson(spec), ensure_ascii=False)
            write_atomically(args.output, text.encode("utf-8"))
            print(f"wrote {args.output} ({len(spec.distances_km)} bands)")
            return 0
        if args.command == "export":
            return _export(parser, args)
    except InputError as exc:
        print(f"python -m geo: error: {exc}", file=sys.stderr)
        return 2
    except AtlasError as exc:
        print(f"python -m geo: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    _ONE_SHOT = True
    gc.disable()  # until the command has imported what it needs: see _imports_done
    try:
        sys.exit(main())
    except BrokenPipeError:
        # The reader went away (``python -m geo facts --json | head``): stop quietly, as Unix
        # tools do, without a second error when Python flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
