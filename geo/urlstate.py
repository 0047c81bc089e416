"""The map's state as URL query parameters: parse leniently, serialise canonically."""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from geo import world
from geo.bands import MAX_BANDS, MAX_KM, MIN_KM, RELATIVE_TOLERANCE
from geo.borders import DEFAULT_BORDER, border_key
from geo.bundled_stories import STORY_NAME
from geo.errors import InputError
from geo.facts import MAX_PLACES

__all__ = [
    "BASEMAPS",
    "DEFAULT_RINGS",
    "LAYERS",
    "MAX_PLACES",
    "MAX_VALUE_CHARS",
    "MIN_RING_RATIO",
    "UNITS",
    "UrlState",
    "border_countries",
    "parse_query",
    "read_border",
    "read_choice",
    "read_story",
    "rings_text",
    "to_query",
]

#: Overlays a user can switch on and off; the order is the order on the map.
LAYERS = ("countries", "crimea", "border", "places", "bands", "kyiv-line", "passages")
#: ``offline`` is drawn from the bundled data; the others load tiles from the internet.
BASEMAPS = ("offline", "osm", "light", "dark")
UNITS = ("km", "mi")
DEFAULT_RINGS = (50.0, 100.0, 200.0)
#: Longer values are refused whole: no legitimate state needs more.
MAX_VALUE_CHARS = 200
#: Each ring edge is drawn within RELATIVE_TOLERANCE of its distance, so two rings whose
#: ratio is below this could cross or coincide: they are one ring (merged with a warning).
MIN_RING_RATIO = (1 + RELATIVE_TOLERANCE) / (1 - RELATIVE_TOLERANCE)
# The story first (a passage's number depends on it), then the border (the side and clip depend on it).
_KEYS = ("story", "border", "rings", "side", "units", "clip", "layers", "basemap", "passage", "places")
#: Shown as they are in a warning: letters and digits of any script, and these.
_SHOWN_AS_IS = frozenset(" .,+-")
#: Stands for any other character in a warning (markup, controls, quotes, invisible marks).
_HIDDEN = "\N{REPLACEMENT CHARACTER}"
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_COUNTRY = re.compile(r"[A-Z]{2}", re.ASCII)


def border_countries(key: str) -> tuple[str, ...]:
    """Return the countries a border key names: ``"BY-UA"`` gives ``("BY", "UA")``, ``"PL"`` ``("PL",)``.

    Raises
    ------
    InputError
        When ``key`` is not a canonical key of a pair (alphabetical) or of one country.

    Examples
    --------
    >>> border_countries("BY-UA")
    ('BY', 'UA')
    """
    if isinstance(key, str) and _COUNTRY.fullmatch(key):
        return (key,)
    if isinstance(key, str) and len(key) == 5:
        try:
            if border_key(key) == key:
                return (key[:2], key[3:])
        except InputError:
            pass
    raise InputError(f"Border {str(key)[:40]!r} is not a border key: give two country codes in "
                     "alphabetical order (BY-UA) or one (PL).")


@dataclass(frozen=True)
class UrlState:
    """Everything a shared link restores: bundled story, border, rings, side, units, clip, layers,
    basemap, passage and the reference places.

    Parameters
    ----------
    border : str
        The border's key: two ISO 3166-1 alpha-2 codes in alphabetical order (``"BY-UA"``), or
        one country's code for its whole land border (``"PL"``).
    rings : tuple of float
        Distances from the border in km, strictly increasing, 1 to 1,500, at most eight; each
        at least :data:`MIN_RING_RATIO` times the one before (closer rings draw as one edge).
    side : str
        ``"both"`` or the ISO code of one of the border's countries (``"UA"``).
    units : {"km", "mi"}
        Units for display; rings are always given in km.
    clip : str
        ``"none"``, ``"land"`` or the ISO code of one of the border's countries.
    layers : tuple of str
        Visible overlays, a subset of :data:`LAYERS` in that order.
    basemap : {"offline", "osm", "light", "dark"}
    passage : int or None
        The selected passage (1-based), if any.
    places : tuple of int
        GeoNames ids of the user's reference places, at most :data:`MAX_PLACES`, each once.
    story : str or None
        The bundled story shown (``"belarus"``), by its name; None when the link names none
        (a person's own story is not in the link: it travels as its file).

    Examples
    --------
    >>> UrlState(rings=(25.0, 50.0)).rings
    (25.0, 50.0)
    """

    rings: tuple[float, ...] = DEFAULT_RINGS
    border: str = DEFAULT_BORDER
    side: str = "both"
    units: str = "km"
    clip: str = "none"
    layers: tuple[str, ...] = LAYERS
    basemap: str = "offline"
    passage: int | None = None
    places: tuple[int, ...] = ()
    story: str | None = None

    def __post_init__(self) -> None:
        countries = border_countries(self.border)
        if self.story is not None and not (isinstance(self.story, str) and STORY_NAME.fullmatch(self.story)):
            raise InputError(f"Story {str(self.story)[:40]!r} is not a story's name (lower-case letters, "
                             "digits, - and _).")
        r = self.rings
        if not isinstance(r, tuple) or not 1 <= len(r) <= MAX_BANDS:
            raise InputError(f"Give 1 to {MAX_BANDS} ring distances as a tuple.")
        for value in r:
            if isinstance(value, bool) or not isinstance(value, float) or not math.isfinite(value):
                raise InputError(f"Ring {value!r} is not a finite float number of km.")
            if not MIN_KM <= value <= MAX_KM:
                raise InputError(f"Ring {value:g} km is out of range {MIN_KM:g}–{MAX_KM:g} km.")
        if any(b <= a for a, b in itertools.pairwise(r)):
            raise InputError("Rings must be strictly increasing.")
        close = next(((a, b) for a, b in itertools.pairwise(r) if b < a * MIN_RING_RATIO), None)
        if close is not None:
            raise InputError(f"Rings {_km(close[0])} and {_km(close[1])} km are too close to draw apart: "
                             f"keep them at least {_GAP_PERCENT} of the distance apart.")
        for name, value, allowed in (
            ("side", self.side, ("both", *countries)),
            ("units", self.units, UNITS),
            ("clip", self.clip, ("none", "land", *countries)),
            ("basemap", self.basemap, BASEMAPS),
        ):
            if value not in allowed:
                raise InputError(f"Unknown {name} {value!r}: use one of {', '.join(allowed)}.")
        if not isinstance(self.layers, tuple) or any(x not in LAYERS for x in self.layers):
            raise InputError(f"Layers must be a tuple drawn from {', '.join(LAYERS)}.")
        if self.layers != tuple(x for x in LAYERS if x in self.layers):
            raise InputError("Layers must be unique and in the order of LAYERS.")
        if self.passage is not None and (
            isinstance(self.passage, bool) or not isinstance(self.passage, int) or not 1 <= self.passage
        ):
            raise InputError(f"Passage {self.passage!r} is not a positive whole number.")
        p = self.places
        if not isinstance(p, tuple) or len(p) > MAX_PLACES or len(set(p)) != len(p) or any(
            isinstance(i, bool) or not isinstance(i, int) or not 0 < i < 10**10 for i in p
        ):
            raise InputError(f"Places must be a tuple of at most {MAX_PLACES} different GeoNames ids.")


_GAP_PERCENT = f"{(MIN_RING_RATIO - 1) * 100:.2g} %"


def _km(value: float) -> str:
    """A distance as typed: the shortest text that reads back as the same float."""
    return repr(float(value)).removesuffix(".0")


def rings_text(rings: Sequence[float], sep: str = ", ") -> str:
    """Ring distances as text that :func:`parse_query` reads back exactly (no rounding).

    Parameters
    ----------
    rings : sequence of float
        Distances in km.
    sep : str
        Between two distances; :func:`to_query` uses ``","``.

    Examples
    --------
    >>> rings_text((50.0, 1234.5678))
    '50, 1234.5678'
    """
    return sep.join(_km(r) for r in rings)


def _normal(value: str) -> str:
    """NFKC: full-width and other compatibility forms read as what they stand for ("５０" is "50")."""
    return unicodedata.normalize("NFKC", value)


def _preview(value: str) -> str:
    """A short, inert but truthful rendering of a rejected value for a plain-text warning.

    Letters and digits of any script show as they are; any other character but `` .,+-``
    (markup, quotes, controls, invisible marks) shows as U+FFFD, never as a look-alike.
    """
    shown = "".join(c if c.isalnum() or c in _SHOWN_AS_IS else _HIDDEN for c in value[:24])
    return shown + ("…" if len(value) > 24 else "")


def _number(token: str) -> float | None:
    """An ASCII decimal number, or None (``float`` alone would also take "nan" and "٥٠")."""
    if not _DECIMAL.fullmatch(token):
        return None
    number = float(token)
    return number if math.isfinite(number) else None


def _rings(raw: str, warn: list[str]) -> tuple[float, ...] | None:
    kept: set[float] = set()
    tokens = raw.split(",")
    normal = _normal(raw).split(",")
    if len(normal) != len(tokens):  # a compatibility comma ("，"): show the normalised tokens
        tokens = normal
    bad = [t for t, n in zip(tokens, normal, strict=True) if n.strip() and _number(n.strip()) is None]
    out_of_range = []
    for token in normal:
        number = _number(token.strip())
        if number is None:
            continue
        if MIN_KM <= number <= MAX_KM:
            kept.add(float(number))
        else:
            out_of_range.append(number)
    if bad:
        shown = ", ".join(f"“{_preview(t.strip())}”" for t in bad[:3])
        more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
        warn.append(f"Ignored ring values that are not numbers: {shown}{more}.")
    if out_of_range:
        shown = ", ".join(f"{v:g}" for v in out_of_range[:3])
        warn.append(f"Ignored ring distances outside {MIN_KM:g}–{MAX_KM:g} km: {shown}.")
    rings: list[float] = []
    merged: list[tuple[float, float]] = []
    for value in sorted(kept):
        if rings and value < rings[-1] * MIN_RING_RATIO:
            merged.append((rings[-1], value))
        else:
            rings.append(value)
    if merged:
        shown = "; ".join(f"{_km(b)} into {_km(a)}" for a, b in merged[:3])
        more = f" and {len(merged) - 3} more" if len(merged) > 3 else ""
        warn.append(f"Merged ring distances closer than {_GAP_PERCENT} of the distance, "
                    f"which would draw as one edge: {shown}{more} km.")
    if len(rings) > MAX_BANDS:
        warn.append(f"Kept the first {MAX_BANDS} ring distances of {len(rings)}; at most {MAX_BANDS} fit.")
        rings = rings[:MAX_BANDS]
    if not rings:
        default = ", ".join(f"{d:g}" for d in DEFAULT_RINGS)
        warn.append(f"No usable ring distance given; showing {default} km.")
        return None
    return tuple(rings)


def _choice(name: str, raw: str, allowed: tuple[str, ...], warn: list[str]) -> str | None:
    value = _normal(raw).strip().lower()
    if value in allowed:
        return value
    warn.append(f"Ignored unknown {name} “{_preview(raw)}”: use one of {', '.join(allowed)}.")
    return None


def _country_known(iso2: str) -> bool:
    from geo.facts import country_name

    try:
        country_name(iso2)
    except InputError:
        return False
    return True


def read_border(raw: str) -> str:
    """Return the canonical key of the border ``raw`` names, if the data has that border.

    Parameters
    ----------
    raw : str
        Two ISO 3166-1 alpha-2 codes in either order (``"ua-by"``), or one country's code
        for its whole land border (``"PL"``).

    Raises
    ------
    InputError
        When ``raw`` is malformed, names a country the data lacks, or two countries that
        share no land border.

    Examples
    --------
    >>> read_border("ua-by")
    'BY-UA'
    """
    value = _normal(str(raw)).strip()
    if value.isascii() and _COUNTRY.fullmatch(value.upper()):
        key = value.upper()
    else:
        try:
            key = border_key(value)
        except InputError:
            raise InputError("give two country codes, for example BY-UA") from None
    if key == DEFAULT_BORDER:
        return key
    from geo.facts import country_name

    countries = border_countries(key)
    unknown = [c for c in countries if not _country_known(c)]
    if unknown:
        what = "is not a country" if len(unknown) == 1 else "are not countries"
        raise InputError(f"{' and '.join(unknown)} {what} in the data")
    if len(countries) == 2 and countries[1] not in world.neighbours(countries[0]):
        a, b = (country_name(c) for c in countries)
        raise InputError(f"{a} and {b} share no land border")
    if len(countries) == 1:
        if not world.neighbours(key):
            raise InputError(f"{country_name(key)} has no land border")
    return key


def _border(raw: str, warn: list[str]) -> str | None:
    try:
        return read_border(raw)
    except InputError as exc:
        warn.append(f"Ignored border “{_preview(raw)}”: {exc}.")
        return None


def read_choice(name: str, raw: str, border: str) -> str:
    """Return a side or clip for a border: ``"both"`` (side), ``"none"`` or ``"land"`` (clip),
    or one of the border's countries by ISO code or by name (older links say ``side=ukraine``).

    Raises
    ------
    InputError
        For any other value; the message lists those allowed.

    Examples
    --------
    >>> read_choice("side", "ukraine", "BY-UA"), read_choice("clip", "pl", "BY-PL")
    ('UA', 'PL')
    """
    if name not in ("side", "clip"):
        raise InputError(f"Unknown choice {str(name)[:20]!r}: use side or clip.")
    fixed = ("both",) if name == "side" else ("none", "land")
    value = _normal(str(raw)).strip()
    countries = border_countries(border)
    if value.lower() in fixed:
        return value.lower()
    if value.upper() in countries:
        return value.upper()
    from geo.facts import country_name

    for iso2 in countries:
        if value.lower() == country_name(iso2).lower():
            return iso2
    raise InputError(f"use one of {', '.join((*fixed, *countries))}")


def _country_choice(name: str, raw: str, border: str, warn: list[str]) -> str | None:
    try:
        return read_choice(name, raw, border)
    except InputError as exc:
        warn.append(f"Ignored unknown {name} “{_preview(raw)}”: {exc}.")
        return None


def _places(raw: str, warn: list[str]) -> tuple[int, ...] | None:
    tokens = [t.strip() for t in _normal(raw).split(",") if t.strip()]
    bad = [t for t in tokens if not (t.isascii() and t.isdigit() and len(t) <= 10 and int(t) > 0)]
    if bad:
        shown = ", ".join(f"“{_preview(t)}”" for t in bad[:3])
        warn.append(f"Ignored places that are not GeoNames ids: {shown}.")
    ids = list(dict.fromkeys(int(t) for t in tokens if t not in bad))
    if len(ids) > MAX_PLACES:
        warn.append(f"Kept the first {MAX_PLACES} places of {len(ids)}; at most {MAX_PLACES} fit.")
        ids = ids[:MAX_PLACES]
    if ids:
        from geo.facts import known_place_ids

        known = set(known_place_ids(ids))
        unknown = [i for i in ids if i not in known]
        if unknown:
            warn.append(f"Ignored unknown places (GeoNames ids): {', '.join(map(str, unknown[:3]))}"
                        f"{f' and {len(unknown) - 3} more' if len(unknown) > 3 else ''}.")
        ids = [i for i in ids if i in known]
    return tuple(ids)


def _layers(raw: str, warn: list[str]) -> tuple[str, ...] | None:
    tokens = _normal(raw).split(",")
    names = {t.strip().lower() for t in tokens if t.strip()}
    unknown = [t for t in tokens if t.strip() and t.strip().lower() not in LAYERS]
    if unknown:
        shown = ", ".join(f"“{_preview(t.strip())}”" for t in unknown[:3])
        warn.append(f"Ignored unknown layers {shown}: use any of {', '.join(LAYERS)}.")
    known = tuple(x for x in LAYERS if x in names)
    if unknown and not known:
        return None
    return known


def read_story(raw: str) -> str:
    """Return the name of the bundled story ``raw`` names (any case, spaces around ignored).

    Raises
    ------
    InputError
        When no bundled story has that name; the message lists those there are.

    Examples
    --------
    >>> read_story(" Belarus ")
    'belarus'
    """
    from geo.bundled_stories import bundled_story_names

    value = _normal(str(raw)).strip().lower()
    names = bundled_story_names()
    if value in names:
        return value
    raise InputError(f"use one of {', '.join(names)}; a story of your own opens from its file")


def _story(raw: str, warn: list[str]) -> str | None:
    try:
        return read_story(raw)
    except InputError as exc:
        warn.append(f"Ignored unknown story “{_preview(raw)}”: {exc}.")
        return None


def _passage(raw: str, count: int, warn: list[str]) -> int | None:
    value = _normal(raw).strip()
    valid = f"passages 1 to {count}" if count > 1 else "passage 1" if count == 1 else "no passages"
    if value.isascii() and value.isdigit():
        number = int(value) if len(value) <= 6 else count + 1
        if 1 <= number <= count:
            return number
        warn.append(f"Ignored passage “{_preview(raw.strip())}”: the story has {valid}.")
        return None
    warn.append(f"Ignored passage “{_preview(raw)}”: give a passage number; the story has {valid}.")
    return None


def parse_query(
    params: Mapping[str, str | Sequence[str]], *, passages: int | None = None
) -> tuple[UrlState, tuple[str, ...]]:
    """Read the state from query parameters, dropping whatever is malformed or hostile.

    Never raises for any mapping of strings: each rejected value leaves its default in
    place and adds a plain-text warning (the rejected value shows as an inert preview).
    Values are read after NFKC normalisation, so full-width digits ("５０") count as digits.
    Ring distances keep their full precision; two rings too close to draw apart (see
    :data:`MIN_RING_RATIO`) are merged with a warning. A border is read in either order
    (``UA-BY`` is ``BY-UA``); one whose countries are unknown or share no land border is
    dropped. Side and clip are read against the border (its countries' ISO codes, or their
    names as older links give them: ``side=ukraine``). Places are GeoNames ids, at most
    :data:`MAX_PLACES`; unknown ids are dropped. A story is one of the bundled stories, by
    name (:func:`read_story`); a passage is read against that story.

    Parameters
    ----------
    params : mapping of str to str or sequence of str
        For example ``st.query_params`` as a dict; for a repeated key the last value wins.
    passages : int, optional
        How many passages the story has (a passage outside 1 to this is dropped with a
        warning); by default, those of the bundled story the link names, else the default one.

    Returns
    -------
    state : UrlState
    warnings : tuple of str

    Examples
    --------
    >>> state, warnings = parse_query({"rings": "100,50,abc", "units": "mi"})
    >>> state.rings, state.units, len(warnings)
    ((50.0, 100.0), 'mi', 1)
    """
    warn: list[str] = []
    values: dict[str, object] = {}
    for key in _KEYS:
        if key not in params:
            continue
        raw = params[key]
        if not isinstance(raw, str):
            raw = raw[-1] if len(raw) else ""
        raw = str(raw)
        if len(raw) > MAX_VALUE_CHARS:
            warn.append(f"Ignored {key}: the value has {len(raw):,} characters (at most {MAX_VALUE_CHARS}).")
            continue
        if key == "rings":
            value = _rings(raw, warn)
        elif key == "layers":
            value = _layers(raw, warn)
        elif key == "passage":
            if passages is None:
                from geo.bundled_stories import DEFAULT_STORY_NAME, load_bundled_story

                passages = len(load_bundled_story(str(values.get("story", DEFAULT_STORY_NAME))).passages)
            value = _passage(raw, passages, warn)
        elif key == "border":
            value = _border(raw, warn)
        elif key == "story":
            value = _story(raw, warn)
        elif key == "places":
            value = _places(raw, warn)
        elif key in ("side", "clip"):
            value = _country_choice(key, raw, str(values.get("border", DEFAULT_BORDER)), warn)
        else:
            allowed = {"units": UNITS, "basemap": BASEMAPS}[key]
            value = _choice(key, raw, allowed, warn)
        if value is not None:
            values[key] = value
    return UrlState(**values), tuple(warn)  # type: ignore[arg-type]


def to_query(state: UrlState) -> dict[str, str]:
    """Serialise a state to query parameters that :func:`parse_query` reads back exactly.

    Examples
    --------
    >>> to_query(UrlState(rings=(50.0, 100.5)))["rings"]
    '50,100.5'
    """
    query = {} if state.story is None else {"story": state.story}
    query |= {
        "border": state.border,
        "rings": rings_text(state.rings, ","),
        "side": state.side,
        "units": state.units,
        "clip": state.clip,
        "layers": ",".join(state.layers),
        "basemap": state.basemap,
    }
    if state.passage is not None:
        query["passage"] = str(state.passage)
    if state.places:
        query["places"] = ",".join(str(i) for i in state.places)
    return query
