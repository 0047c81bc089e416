"""The article and the passages quoted from it, each tied to a place."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from geo.data import DATA_DIR, read_text, read_toml
from geo.errors import DataError, InputError
from geo.places import article_places

__all__ = ["PUBLISHER", "Article", "Passage", "Story", "load_story"]

#: The article names its publisher in its last paragraph but one.
PUBLISHER = "Washington Examiner"


@dataclass(frozen=True)
class Article:
    """The article text exactly as received: one paragraph a line, UTF-8."""

    text: str

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise DataError("The article is empty.")

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
        The id of a place in ``places.toml``.
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


@dataclass(frozen=True)
class Story:
    """The article with its passages, in reading order."""

    article: Article
    passages: tuple[Passage, ...]

    def passages_for(self, place_id: str) -> tuple[Passage, ...]:
        """Return the passages tied to one place."""
        return tuple(p for p in self.passages if p.place == place_id)


@lru_cache(maxsize=4)
def load_story(data_dir: Path = DATA_DIR) -> Story:
    """Load the article and its passages, checking every quote and place.

    Raises
    ------
    DataError
        When a quote is not an exact substring of the article, appears in no single
        paragraph, or names a place that ``places.toml`` does not define.

    Examples
    --------
    >>> story = load_story()
    >>> all(p.quote in story.article.text for p in story.passages)
    True
    """
    article = Article(read_text("article.txt", data_dir))
    entries = read_toml("passages.toml", data_dir).get("passage", [])
    known = article_places()
    found = []
    for i, entry in enumerate(entries, start=1):
        quote = entry.get("quote", "")
        if not quote or quote not in article.text:
            raise DataError(
                f"passages.toml, passage {i}: the quote is not an exact substring of the article: "
                f"{quote[:80]!r}. Copy it from data/article.txt character for character."
            )
        place = entry.get("place", "")
        if place not in known:
            raise DataError(
                f"passages.toml, passage {i}: unknown place {place!r}; "
                f"known places: {', '.join(known)}."
            )
        found.append((article.text.index(quote), quote, place, entry.get("reason", "")))
    found.sort()
    passages = tuple(
        Passage(n, quote, place, reason, article.paragraph_of(quote), offset)
        for n, (offset, quote, place, reason) in enumerate(found, start=1)
    )
    return Story(article, passages)
