"""A story as data: the article, its places, the passages quoted from it, its border.

One loader reads every story file, the bundled default included. A story file is TOML
(or JSON) and carries the article's SHA-256, so a text changed after the passages were
chosen is caught instead of quoted wrongly.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from geo.borders import DEFAULT_BORDER, border_key
from geo.data import DATA_DIR, read_bytes, read_text
from geo.errors import DataError, InputError

__all__ = [
    "DEFAULT_STORY",
    "FORMAT",
    "KINDS",
    "MAX_ARTICLE_CHARS",
    "MAX_STORY_BYTES",
    "PUBLISHER",
    "Article",
    "Passage",
    "Story",
    "StoryPlace",
    "dumps",
    "load_story",
    "load_story_file",
    "make_passages",
]

#: The article names its publisher in its last paragraph but one.
PUBLISHER = "Washington Examiner"
#: The bundled story, relative to the data folder.
DEFAULT_STORY = "stories/belarus.toml"
#: What a story file says it is, so any other TOML or JSON is refused early.
FORMAT = "article-atlas-story/1"
MAX_ARTICLE_CHARS = 200_000
#: A story file holds the article once plus its places and passages.
MAX_STORY_BYTES = 4 * MAX_ARTICLE_CHARS + 1_000_000
KINDS = ("city", "country", "region", "state", "border")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,79}")
_PLACE_KEYS = ("id", "name", "kind", "confirmed")


@dataclass(frozen=True)
class Article:
    """The article text exactly as received: one paragraph a line, UTF-8."""

    text: str

    def __post_init__(self) -> None:
        if not isinstance(self.text, str) or not self.text.strip():
            raise DataError("The article is empty.")

    @property
    def sha256(self) -> str:
        """The SHA-256 of the text encoded as UTF-8, in hex."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def paragraphs(self) -> tuple[str, ...]:
        """The paragraphs, in order (blank lines dropped)."""
        return tuple(p for p in self.text.split("\n") if p.strip())

    def paragraph_of(self, quote: str) -> int:
        """Return the 1-based number of the paragraph that holds ``quote``."""
        for number, paragraph in enumerate(self.paragraphs, start=1):
            if quote in paragraph:
                return number
        raise DataError(f"Quote not found in any single paragraph: {quote[:60]!r}.")

    def paragraph_at(self, offset: int, length: int = 0) -> int:
        """Return the 1-based paragraph holding ``text[offset:offset + length]``.

        Raises
        ------
        InputError
            When the span is outside the text, crosses a line break or lies on a blank line.
        """
        if offset < 0 or offset + length > len(self.text):
            raise InputError(f"Offset {offset} (length {length}) is outside the article.")
        if "\n" in self.text[offset : offset + length]:
            raise InputError("A passage must lie within one paragraph; this one crosses a line break.")
        start = self.text.rfind("\n", 0, offset) + 1
        end = self.text.find("\n", offset)
        if not self.text[start : len(self.text) if end < 0 else end].strip():
            raise InputError(f"Offset {offset} lies on a blank line.")
        before = self.text[:start].split("\n")
        return 1 + sum(1 for line in before[:-1] if line.strip())


@dataclass(frozen=True)
class Passage:
    """A verbatim quote from the article, the place it speaks of, and why.

    Parameters
    ----------
    number : int
        1-based, in reading order.
    quote : str
        An exact substring of the article text.
    place : str
        The id of a place of the story.
    reason : str
        Why the quote belongs to that place.
    paragraph : int
        1-based paragraph that holds the quote.
    offset : int
        Character offset of the quote in the article text.
    """

    number: int
    quote: str
    place: str
    reason: str
    paragraph: int
    offset: int

    def __post_init__(self) -> None:
        if self.number < 1 or self.paragraph < 1 or self.offset < 0:
            raise InputError("Passage numbers, paragraphs and offsets start at 1 (offsets at 0).")
        if not self.quote.strip():
            raise InputError("A passage needs a non-empty quote.")


def _frozen(value: Any) -> Any:
    """Lists as tuples, all the way down, so a place's rule can be hashed."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if not isinstance(value, str | int | float):  # bool is an int
        raise InputError(f"A place's locating rule holds text, numbers, booleans and lists of them, "
                         f"not {type(value).__name__}.")
    return value


def _thawed(value: Any) -> Any:
    return [_thawed(v) for v in value] if isinstance(value, tuple) else value


@dataclass(frozen=True)
class StoryPlace:
    """A place a story names, how it is located, and whether a person confirmed it.

    Parameters
    ----------
    id : str
        Stable identifier that passages refer to, for example ``"kyiv"``.
    name : str
        Display name.
    kind : str
        One of :data:`KINDS`.
    rule : tuple of (key, value) pairs
        How :func:`geo.places.locate` finds it in the bundled data: ``geonameid`` (a
        GeoNames place), ``iso2`` (a country), ``code`` (a US state), or one of the other
        rules ``data/stories/belarus.toml`` describes. ``lon`` and ``lat`` may record where a
        geoparser located it, used when the bundled data does not hold the place.
    confirmed : bool
        True once a person has confirmed the place; nothing unconfirmed is a fact.

    Examples
    --------
    >>> StoryPlace.from_mapping({"id": "kyiv", "name": "Kyiv", "kind": "city", "geonameid": 703448}).located_by
    {'geonameid': 703448}
    """

    id: str
    name: str
    kind: str
    rule: tuple[tuple[str, Any], ...] = ()
    confirmed: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _ID.fullmatch(self.id):
            raise InputError(f"Place id {str(self.id)[:40]!r}: use 1 to 80 letters, digits, '.', '_', ':' or '-'.")
        if not isinstance(self.name, str) or not self.name.strip() or len(self.name) > 200:
            raise InputError(f"Place {self.id!r} needs a name of 1 to 200 characters.")
        if self.kind not in KINDS:
            raise InputError(f"Place {self.id!r}: unknown kind {self.kind!r}; use one of {', '.join(KINDS)}.")
        if not isinstance(self.confirmed, bool):
            raise InputError(f"Place {self.id!r}: confirmed must be true or false.")
        keys = [k for k, _ in self.rule]
        if not keys:
            raise InputError(f"Place {self.id!r} says nothing of how it is located (geonameid, iso2, ...).")
        if len(set(keys)) != len(keys) or any(k in _PLACE_KEYS or not isinstance(k, str) for k in keys):
            raise InputError(f"Place {self.id!r}: its locating rule repeats a key or reuses id/name/kind.")
        object.__setattr__(self, "rule", tuple(sorted((k, _frozen(v)) for k, v in self.rule)))

    @classmethod
    def from_mapping(cls, entry: Mapping[str, Any]) -> StoryPlace:
        """Build a place from a story file's table: id, name, kind, confirmed and the rule's keys."""
        rule = tuple((k, v) for k, v in entry.items() if k not in _PLACE_KEYS)
        return cls(entry.get("id", ""), entry.get("name", ""), entry.get("kind", ""), rule,
                   entry.get("confirmed", False))

    @property
    def located_by(self) -> dict[str, Any]:
        """The locating rule as a dictionary (lists for sequences)."""
        return {k: _thawed(v) for k, v in self.rule}

    def to_mapping(self) -> dict[str, Any]:
        """The table a story file holds for this place."""
        return {"id": self.id, "name": self.name, "kind": self.kind, "confirmed": self.confirmed,
                **self.located_by}


@dataclass(frozen=True)
class Story:
    """An article with its places, its passages in reading order, its border and reference places.

    Parameters
    ----------
    article : Article
        The text exactly as received.
    passages : tuple of Passage
        Each an exact substring of the article at its offset.
    places : tuple of StoryPlace, optional
        The places passages and the map refer to. When given, every passage's place is one of them.
    border : str, optional
        The key of the border the bands measure from, for example ``"BY-UA"``.
    reference_places : tuple of str, optional
        Ids of the places whose distances the figures state (Kyiv and Minsk for the default story).
    """

    article: Article
    passages: tuple[Passage, ...]
    places: tuple[StoryPlace, ...] = ()
    border: str = DEFAULT_BORDER
    reference_places: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        text = self.article.text
        for p in self.passages:
            if text[p.offset : p.offset + len(p.quote)] != p.quote:
                raise InputError(f"Passage {p.number} is not the article's text at offset {p.offset}: "
                                 f"{p.quote[:60]!r}.")
        object.__setattr__(self, "border", border_key(self.border))
        ids = [pl.id for pl in self.places]
        if len(set(ids)) != len(ids):
            raise InputError(f"A story names a place id twice: {sorted({i for i in ids if ids.count(i) > 1})}.")
        if self.places:
            for p in self.passages:
                if p.place not in ids:
                    raise InputError(f"Passage {p.number}: unknown place {p.place!r}; known places: {', '.join(ids)}.")
        for ref in self.reference_places:
            if ref not in ids:
                raise InputError(f"Reference place {ref!r} is not one of the story's places.")

    def passages_for(self, place_id: str) -> tuple[Passage, ...]:
        """Return the passages tied to one place."""
        return tuple(p for p in self.passages if p.place == place_id)

    def place(self, place_id: str) -> StoryPlace:
        """Return one of the story's places by id, or raise :class:`InputError`."""
        for pl in self.places:
            if pl.id == place_id:
                return pl
        raise InputError(f"Unknown place {place_id!r}: use one of {', '.join(pl.id for pl in self.places)}.")

    def with_passages(self, quotes: Iterable[tuple[str, str, str] | tuple[str, str, str, int]]) -> Story:
        """Return the story with its passages replaced by ``(quote, place, reason[, offset])``.

        Passages are renumbered in reading order; see :func:`make_passages`.
        """
        return Story(self.article, make_passages(self.article, quotes), self.places, self.border,
                     self.reference_places)

    def to_dict(self) -> dict[str, Any]:
        """The story as plain data: what a story file holds, the article text inline."""
        return {
            "format": FORMAT,
            "border": self.border,
            "reference_places": list(self.reference_places),
            "article": {"sha256": self.article.sha256, "text": self.article.text},
            "place": [pl.to_mapping() for pl in self.places],
            "passage": [{"quote": p.quote, "place": p.place, "reason": p.reason, "offset": p.offset}
                        for p in self.passages],
        }

    def dumps(self, fmt: str = "toml") -> str:
        """Return the story file's text, ``"toml"`` or ``"json"``; :func:`load_story_file` reads it back."""
        return dumps(self, fmt)

    def to_file(self, path: str | Path) -> Path:
        """Write the story file (JSON when ``path`` ends in ``.json``, TOML otherwise) and return its path."""
        path = Path(path)
        fmt = "json" if path.suffix.lower() == ".json" else "toml"
        path.write_text(self.dumps(fmt), encoding="utf-8", newline="")
        return path


def make_passages(article: Article, quotes: Iterable[tuple]) -> tuple[Passage, ...]:
    """Number ``(quote, place, reason[, offset])`` in reading order, locating each quote.

    Without an offset a quote is taken at its first occurrence; with one it must be there.

    Raises
    ------
    InputError
        When a quote is not an exact substring of the article (at its offset, if given),
        or crosses a paragraph break.
    """
    found = []
    for i, item in enumerate(quotes, start=1):
        quote, place, reason, *rest = item
        if not isinstance(quote, str) or not quote.strip():
            raise InputError(f"Passage {i}: the quote is empty.")
        offset = rest[0] if rest and rest[0] is not None else article.text.find(quote)
        if not isinstance(offset, int) or offset < 0 or article.text[offset : offset + len(quote)] != quote:
            raise InputError(
                f"Passage {i}: the quote is not an exact substring of the article: {quote[:80]!r}. "
                "Copy it from the article character for character."
            )
        found.append((offset, quote, str(place), str(reason)))
    found.sort(key=lambda f: (f[0], len(f[1])))
    return tuple(
        Passage(n, quote, place, reason, article.paragraph_at(offset, len(quote)), offset)
        for n, (offset, quote, place, reason) in enumerate(found, start=1)
    )


def dumps(story: Story, fmt: str = "toml") -> str:
    """Return the text of ``story``'s file in ``fmt`` (``"toml"`` or ``"json"``).

    Examples
    --------
    >>> text = dumps(load_story(), "json")
    >>> load_story_file(text.encode()) == load_story()
    True
    """
    data = story.to_dict()
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt != "toml":
        raise InputError(f"Unknown story file format {fmt!r}: use 'toml' or 'json'.")
    import tomli_w

    text = tomli_w.dumps(data, multiline_strings=True)
    # Multi-line strings read best, but a parser may normalise their line breaks: keep them
    # only when the text reads back exactly.
    if tomllib.loads(text) != data:
        text = tomli_w.dumps(data)
    return text


def _parse(raw: bytes) -> dict:
    if len(raw) > MAX_STORY_BYTES:
        raise InputError(f"A story file is at most {MAX_STORY_BYTES:,} bytes; this one is {len(raw):,}.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"A story file must be UTF-8 text (byte {exc.start} is not).") from None
    text = text.removeprefix("\ufeff")
    try:
        data = json.loads(text) if text.lstrip().startswith("{") else tomllib.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"Not a story file: it is neither valid TOML nor JSON ({str(exc)[:120]}).") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"Not a story file: it must say format = {FORMAT!r}.")
    return data


def _list_of_tables(data: dict, key: str) -> list[dict]:
    items = data.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise InputError(f"A story file's {key!r} entries must be tables.")
    return items


def _article(data: dict, data_dir: Path | None) -> Article:
    entry = data.get("article")
    if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
        raise InputError("A story file needs an [article] table with the text's sha256.")
    if "text" in entry:
        text = entry["text"]
    elif "file" in entry and data_dir is not None:
        # Only bundled stories may point at a file, and only at a checksummed one in data/.
        text = read_text(str(entry["file"]), data_dir)
    else:
        raise InputError("A story file's [article] must hold the text itself.")
    if not isinstance(text, str) or not text.strip():
        raise InputError("A story file's article is empty.")
    if len(text) > MAX_ARTICLE_CHARS:
        raise InputError(f"An article is at most {MAX_ARTICLE_CHARS:,} characters; this one is {len(text):,}.")
    article = Article(text)
    if article.sha256 != entry["sha256"].strip().lower():
        raise InputError(
            f"The article text has changed since the story was made (sha256 {article.sha256[:12]}… "
            f"where the file records {entry['sha256'][:12]}…): its passages may no longer quote it. "
            "Restore the original text, or make the story again from the new one."
        )
    return article


def load_story_file(source: str | Path | bytes, *, data_dir: Path | None = None) -> Story:
    """Read a story file: TOML or JSON, as a path or its bytes.

    Parameters
    ----------
    source : str, Path or bytes
        The file's path, or its contents.
    data_dir : Path, optional
        For bundled stories only: the data folder where ``[article] file = ...`` is read
        (through its checksum). A user's story holds its article inline.

    Returns
    -------
    Story

    Raises
    ------
    InputError
        When it is not a story file, the article's SHA-256 does not match its text, a quote is
        not an exact substring, or a passage names an unknown place.

    Examples
    --------
    >>> story = load_story_file(load_story().dumps().encode())
    >>> story.border, len(story.passages) >= 12
    ('BY-UA', True)
    """
    if isinstance(source, bytes | bytearray | memoryview):
        raw = bytes(source)
    else:
        path = Path(source)
        try:
            if path.stat().st_size > MAX_STORY_BYTES:
                raise InputError(f"A story file is at most {MAX_STORY_BYTES:,} bytes; {path.name} is larger.")
            raw = path.read_bytes()
        except OSError as exc:
            raise InputError(f"Cannot read the story file {path}: {exc.strerror or exc}.") from None
    data = _parse(raw)
    article = _article(data, data_dir)
    places = tuple(StoryPlace.from_mapping(e) for e in _list_of_tables(data, "place"))
    ids = {pl.id for pl in places}
    quotes = []
    for i, entry in enumerate(_list_of_tables(data, "passage"), start=1):
        quote, place = entry.get("quote", ""), entry.get("place", "")
        if place not in ids:
            raise InputError(f"Passage {i}: unknown place {place!r}; known places: {', '.join(sorted(ids))}.")
        quotes.append((quote, place, entry.get("reason", ""), entry.get("offset")))
    refs = data.get("reference_places", [])
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
        raise InputError("reference_places must be a list of place ids.")
    border = data.get("border")
    if not isinstance(border, str):
        raise InputError('A story file needs a border key, for example border = "BY-UA".')
    return Story(article, make_passages(article, quotes), places, border, tuple(refs))


@lru_cache(maxsize=4)
def load_story(data_dir: Path = DATA_DIR) -> Story:
    """Load the bundled default story through :func:`load_story_file`, checking every quote and place.

    Raises
    ------
    DataError
        When the story file or its article is missing or corrupt, a quote is not an exact
        substring of the article, or a passage names a place the story does not define.

    Examples
    --------
    >>> story = load_story()
    >>> all(p.quote in story.article.text for p in story.passages)
    True
    """
    try:
        return load_story_file(read_bytes(DEFAULT_STORY, data_dir), data_dir=data_dir)
    except InputError as exc:
        raise DataError(f"{DEFAULT_STORY}: {exc}") from exc
