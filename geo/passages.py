"""Propose passages from where places are mentioned, and let a person keep, drop, trim or add them.

The place finder (``geo`` geoparsing) says where each place is mentioned; this module turns
the sentences that name a place into ranked passages, each an exact substring of the text.
Every step is linear in the text's length: no regular expression here can backtrack.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from geo.errors import InputError
from geo.story import Story

__all__ = [
    "MAX_PROPOSALS",
    "MAX_QUOTE_CHARS",
    "Mention",
    "Proposal",
    "add_passage",
    "drop_passages",
    "keep_passages",
    "propose_passages",
    "sentence_spans",
    "story_with_proposals",
    "trim_passage",
]

#: About as many passages as a map can number legibly.
MAX_PROPOSALS = 20
#: A longer sentence is cut to the clause, or the words, around its mention.
MAX_QUOTE_CHARS = 400

# Words whose trailing full stop does not end a sentence (compared lower-case, without the stop).
_ABBREVIATIONS = frozenset(
    """mr mrs ms messrs dr prof sen rep gov gen lt col maj capt sgt adm cmdr cpl pvt st ste mt ft jr sr
    rev hon pres supt insp det amb sec atty ave blvd rd co corp inc ltd llc plc bros dept univ assn
    est approx vs etc al cf ca no nos vol pp fig jan feb mar apr jun jul aug sep sept oct nov dec
    mon tue tues wed thu thurs fri sat sun e.g i.e a.m p.m u.s u.k u.n e.u d.c n.y l.a""".split()
)
# Dotted abbreviations that often end a sentence too ("... sanctions on the U.S. The ...").
_DOTTED_AT_END = frozenset({"u.s", "u.k", "u.n", "e.u", "d.c", "a.m", "p.m", "etc"})
# Words that begin a sentence far more often than they follow "U.S." inside one.
_STARTERS = frozenset(
    """the a an he she it they we i you this that these those there his her its their our but and
    yet so in on at as if when while after before since however meanwhile still also then now
    according officials""".split()
)
# No lookahead: each run of stops is matched once, so a page of dots stays linear.
_END = re.compile(r"[.!?…]+[\"'”’)\]]*")
_CLAUSE = re.compile(r"[;:]\s|\s[—–]\s|,\s")


@dataclass(frozen=True)
class Mention:
    """Where a place is named in the text: ``text[start:end]``, and the place's id.

    Examples
    --------
    >>> Mention(0, 4, "kyiv").end
    4
    """

    start: int
    end: int
    place: str

    def __post_init__(self) -> None:
        if not (0 <= self.start < self.end):
            raise InputError(f"A mention spans start < end from 0, got {self.start}..{self.end}.")
        if not isinstance(self.place, str) or not self.place:
            raise InputError("A mention needs the id of its place.")


@dataclass(frozen=True)
class Proposal:
    """A proposed passage: an exact substring of the text, the place it names and why, and its score.

    Parameters
    ----------
    quote : str
        ``text[offset:offset + len(quote)]``.
    place : str
        The id of the place the quote names.
    reason : str
        Why it is proposed, for the person who reviews it.
    offset : int
        Where the quote starts in the text.
    score : float
        Higher ranks first.
    """

    quote: str
    place: str
    reason: str
    offset: int
    score: float

    @property
    def end(self) -> int:
        """Where the quote ends in the text."""
        return self.offset + len(self.quote)


def _as_mention(item: object) -> Mention:
    if isinstance(item, Mention):
        return item
    get = item.get if isinstance(item, Mapping) else lambda key, default=None: getattr(item, key, default)
    place = get("place") or get("place_id") or get("id")
    try:
        return Mention(int(get("start")), int(get("end")), str(place) if place is not None else "")
    except (TypeError, ValueError):
        raise InputError(f"A mention needs start, end and a place id, got {str(item)[:80]!r}.") from None


def _ends_sentence(text: str, stop: int, after: int) -> bool:
    """Whether the full stop at ``text[stop]`` ends the sentence whose next word starts at ``after``."""
    if after >= len(text):
        return True
    nxt = text[after]
    if not (nxt.isupper() or nxt.isdigit() or nxt in "“‘\"'([—–-"):
        return False
    if text[stop] != ".":
        return True
    start = stop
    # Look back over one word at most; a word longer than 12 letters is no abbreviation.
    while start > 0 and stop - start < 12 and not text[start - 1].isspace() and text[start - 1] not in "(“\"‘'":
        start -= 1
    word = text[start:stop].lower()
    if len(word) == 1 and word.isalpha():
        return False  # an initial: "Antony J. Blinken"
    if word not in _ABBREVIATIONS:
        return True
    if word in _DOTTED_AT_END:
        end = after
        while end < len(text) and end - after < 20 and text[end].isalpha():
            end += 1
        return text[after:end].lower() in _STARTERS
    return False


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split ``text`` into sentences, as ``(start, end)`` spans with no surrounding white space.

    A sentence never crosses a line break (a paragraph ends every sentence), and ends after
    ``.``, ``!``, ``?`` or ``…`` (with any closing quotes or brackets) before white space and a
    capital, digit or opening quote, unless the stop ends an abbreviation ("Mr.", "Gen.") or an
    initial; "U.S." ends a sentence only when a typical sentence opener follows.

    Examples
    --------
    >>> text = "Mr. Blinken warned the U.S. allies. “It is short,” he said. Kyiv waits."
    >>> [text[s:e] for s, e in sentence_spans(text)]
    ['Mr. Blinken warned the U.S. allies.', '“It is short,” he said.', 'Kyiv waits.']
    """
    spans = []
    line_start = 0
    for line in text.split("\n"):
        begin = line_start
        for match in _END.finditer(line):
            after = match.end()
            if after < len(line) and not line[after].isspace():
                continue
            while after < len(line) and line[after].isspace():
                after += 1
            stop = match.start() + len(match.group().rstrip("\"'”’)]")) - 1
            if _ends_sentence(line, stop, after):
                spans.append((begin, line_start + match.end()))
                begin = line_start + after
        spans.append((begin, line_start + len(line)))
        line_start += len(line) + 1
    trimmed = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            trimmed.append((s, e))
    return trimmed


def _cut(text: str, start: int, end: int, first: int, last: int) -> tuple[int, int]:
    """Shorten the sentence ``text[start:end]`` around the mentions spanning ``first..last``."""
    if end - start <= MAX_QUOTE_CHARS:
        return start, end
    # Clauses: the marks that part a long sentence, searched only near the mention so a
    # sentence of a thousand commas costs no more than a short one.
    before = max(start, first - MAX_QUOTE_CHARS)
    lo = max([before if before > start else start] + [m.end() for m in _CLAUSE.finditer(text, before, first)])
    after = min(end, last + MAX_QUOTE_CHARS)
    marks = [m.start() + (1 if text[m.start()] in ";:," else 0) for m in _CLAUSE.finditer(text, last, after)]
    hi = min([after, *marks])
    if hi - lo > MAX_QUOTE_CHARS:
        half = max((MAX_QUOTE_CHARS - (last - first)) // 2, 0)
        lo, hi = max(lo, first - half), min(hi, last + half)
        # Whole words only: move inward to white space, within a bounded distance.
        for _ in range(40):
            if lo <= start or lo >= first or text[lo - 1].isspace():
                break
            lo += 1
        for _ in range(40):
            if hi >= end or hi <= last or text[hi].isspace():
                break
            hi -= 1
    while lo < hi and (text[lo].isspace() or text[lo] in ",;:—–"):
        lo += 1
    while hi > lo and text[hi - 1].isspace():
        hi -= 1
    return lo, hi


def propose_passages(text: str, mentions: Iterable[object], limit: int = MAX_PROPOSALS) -> tuple[Proposal, ...]:
    """Propose the sentences that name each place, ranked, at most ``limit``.

    Every place mentioned gets its best sentence before any place gets a second; a place's
    sentences rank by how often they name it, whether they name it first, and earliness in the
    text. A sentence longer than :data:`MAX_QUOTE_CHARS` is cut to its clause around the mention.

    Parameters
    ----------
    text : str
        The article text, exactly as the mentions' offsets count it.
    mentions : iterable
        Objects (or mappings) with ``start``, ``end`` and the place's id as ``place`` (or
        ``place_id``, or ``id``), as the place finder yields them.
    limit : int, optional
        At most this many proposals.

    Returns
    -------
    tuple of Proposal
        Best first; each ``quote == text[offset:offset + len(quote)]``.

    Raises
    ------
    InputError
        When a mention lies outside the text.

    Examples
    --------
    >>> text = "Minsk is close. Kyiv is near Minsk."
    >>> [(p.quote, p.place) for p in propose_passages(text, [Mention(0, 5, "minsk"), Mention(16, 20, "kyiv")])]
    [('Minsk is close.', 'minsk'), ('Kyiv is near Minsk.', 'kyiv')]
    """
    found = sorted((_as_mention(m) for m in mentions), key=lambda m: (m.start, m.end))
    if found and found[-1].end > len(text):
        raise InputError(f"A mention ends at {found[-1].end}, past the end of the text ({len(text)} characters).")
    spans = sentence_spans(text)
    # Each place's mentions by sentence; one pass, as both lists run in text order.
    by_place: dict[str, dict[int, list[Mention]]] = defaultdict(lambda: defaultdict(list))
    i = 0
    for m in found:
        while i < len(spans) and spans[i][1] <= m.start:
            i += 1
        if i < len(spans) and spans[i][0] <= m.start:
            by_place[m.place][i].append(m)
    total = {place: sum(len(v) for v in sentences.values()) for place, sentences in by_place.items()}
    ranked: dict[str, list[Proposal]] = {}
    for place, sentences in by_place.items():
        first = min(sentences)
        options = []
        for index, named in sentences.items():
            s, e = spans[index]
            # Mentions far apart in one long sentence: quote around the first.
            last = named[-1].end if named[-1].end - named[0].start <= MAX_QUOTE_CHARS // 2 else named[0].end
            lo, hi = _cut(text, s, e, named[0].start, last)
            if not text[lo:hi].strip():
                continue
            score = len(named) + (1.0 if index == first else 0.0) + 0.5 * (1.0 - index / len(spans))
            if hi - lo < 20:
                score -= 1.0  # a bare heading or name says little
            names = ", ".join(dict.fromkeys(text[m.start : m.end] for m in named))
            times = "once" if len(named) == 1 else f"{len(named)} times"
            reason = f"Names {names} ({times} here; {total[place]} in the article)."
            options.append(Proposal(text[lo:hi], place, reason, lo, round(score, 6)))
        if options:
            ranked[place] = sorted(options, key=lambda p: (-p.score, p.offset))
    order = sorted(ranked, key=lambda place: (-total[place], ranked[place][0].offset))
    chosen: list[Proposal] = []
    used: set[tuple[int, int]] = set()
    for depth in range(max((len(v) for v in ranked.values()), default=0)):
        tier = [ranked[place][depth] for place in order if depth < len(ranked[place])]
        # Within a round a sentence already chosen for another place ranks after fresh ones.
        tier.sort(key=lambda p: ((p.offset, p.end) in used, -p.score, p.offset))
        for proposal in tier:
            if len(chosen) >= limit:
                return tuple(chosen)
            chosen.append(proposal)
            used.add((proposal.offset, proposal.end))
    return tuple(chosen)


def story_with_proposals(story: Story, proposals: Iterable[Proposal]) -> Story:
    """Return ``story`` with its passages replaced by ``proposals`` (numbered in reading order)."""
    return story.with_passages((p.quote, p.place, p.reason, p.offset) for p in proposals)


def _entries(story: Story) -> list[tuple[str, str, str, int]]:
    return [(p.quote, p.place, p.reason, p.offset) for p in story.passages]


def _check_numbers(story: Story, numbers: Sequence[int]) -> None:
    unknown = sorted(set(numbers) - {p.number for p in story.passages})
    if unknown:
        raise InputError(f"No passage numbered {unknown}: the story has passages 1 to {len(story.passages)}.")


def keep_passages(story: Story, numbers: Iterable[int]) -> Story:
    """Return the story with only the passages numbered ``numbers``, renumbered in reading order."""
    numbers = list(numbers)
    _check_numbers(story, numbers)
    return story.with_passages(e for p, e in zip(story.passages, _entries(story)) if p.number in numbers)


def drop_passages(story: Story, numbers: Iterable[int]) -> Story:
    """Return the story without the passages numbered ``numbers``, renumbered in reading order."""
    numbers = list(numbers)
    _check_numbers(story, numbers)
    return story.with_passages(e for p, e in zip(story.passages, _entries(story)) if p.number not in numbers)


def trim_passage(story: Story, number: int, quote: str) -> Story:
    """Return the story with passage ``number`` trimmed to ``quote``, a part of it.

    Raises
    ------
    InputError
        When ``quote`` is empty or not an exact part of that passage (a changed character,
        a straightened quotation mark, added words): a trimmed passage still quotes the article.

    Examples
    --------
    >>> from geo.story import load_story
    >>> story = trim_passage(load_story(), 1, "Belarusian involvement")
    >>> story.passages[0].quote
    'Belarusian involvement'
    """
    _check_numbers(story, [number])
    old = story.passages[number - 1]
    at = old.quote.find(quote) if isinstance(quote, str) and quote.strip() else -1
    if at < 0:
        raise InputError(f"The trimmed text is not an exact part of passage {number}: keep its words "
                         "character for character, only shortened at either end.")
    entries = _entries(story)
    entries[number - 1] = (quote, old.place, old.reason, old.offset + at)
    return story.with_passages(entries)


def add_passage(story: Story, quote: str, place: str, reason: str = "", offset: int | None = None) -> Story:
    """Return the story with one more passage, quoted from the article and tied to ``place``.

    Parameters
    ----------
    story : Story
    quote : str
        An exact substring of the article, within one paragraph.
    place : str
        The id of one of the story's places.
    reason : str, optional
        Why the quote belongs to the place.
    offset : int, optional
        Where the quote starts, when it occurs more than once; its first occurrence otherwise.

    Raises
    ------
    InputError
        When the quote is not an exact substring (at ``offset``), crosses a paragraph break,
        or the place is not one of the story's.
    """
    return story.with_passages([*_entries(story), (quote, place, reason, offset)])
