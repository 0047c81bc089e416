"""Draft a story from any article: places found and located, passages proposed, a border proposed.

Nothing a draft holds is presented as fact until a person confirms it: every place starts
unconfirmed, with where the geoparser located it and how sure it is; :func:`confirm_place`,
:func:`correct_place` and :func:`remove_place` record the review, and the story that comes
out says which places a person confirmed.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache

from geo.errors import InputError
from geo.gazetteer import Gazetteer, load_gazetteer, plain
from geo.gazetteer import Place as GazetteerPlace
from geo.geoparse import Mention, find_places
from geo.passages import Mention as PlaceMention
from geo.passages import propose_passages
from geo.story import Article, Story, StoryPlace

__all__ = [
    "Draft",
    "Finding",
    "confirm_place",
    "correct_place",
    "draft_story",
    "propose_border",
    "remove_place",
    "search_places",
    "story_place",
]

# The gazetteer's kinds as a story's: a continent or a sea is drawn as a region's point.
_KIND = {"country": "country", "city": "city", "region": "region", "continent": "region", "sea": "region"}


@dataclass(frozen=True)
class Finding:
    """A place the geoparser found in the article, as a person reviews it.

    Parameters
    ----------
    place_id : str
        The story place's id (the gazetteer's: ``iso:BY``, ``gn:703448``).
    mentions : tuple of str
        How the article names it, each form once, in order of first use.
    count : int
        How many times the article names it.
    first : int
        Character offset of its first mention.
    located : str
        Where the geoparser put it, in words: its name, country, kind, population and source.
    confidence : float
        How sure the resolver is (the least sure of its mentions), 0.5 to 1.
    """

    place_id: str
    mentions: tuple[str, ...]
    count: int
    first: int
    located: str
    confidence: float


@dataclass(frozen=True)
class Draft:
    """A story being reviewed: the story (places unconfirmed until a person confirms them) and its findings."""

    story: Story
    findings: tuple[Finding, ...]

    @property
    def unconfirmed(self) -> tuple[str, ...]:
        """Ids of the places no person has confirmed yet."""
        return tuple(p.id for p in self.story.places if not p.confirmed)

    def finding(self, place_id: str) -> Finding:
        """Return the finding of one place, or raise :class:`InputError`."""
        for f in self.findings:
            if f.place_id == place_id:
                return f
        raise InputError(f"No place {place_id!r} was found in the article.")


def story_place(place: GazetteerPlace, confirmed: bool = False, place_id: str | None = None) -> StoryPlace:
    """Return the story place for a gazetteer place, located by its source id and recorded point.

    The point is recorded so the story opens wherever the bundled map data does not hold the place.

    Examples
    --------
    >>> from geo.gazetteer import load_gazetteer
    >>> story_place(load_gazetteer().find("iso:BY")).located_by["iso2"]
    'BY'
    """
    ids = place.ids
    rule: dict[str, object] = {"lon": round(place.lon, 6), "lat": round(place.lat, 6)}
    kind = _KIND[place.kind]
    if kind == "country" and "iso" in ids:
        rule["iso2"] = ids["iso"]
    elif "geonameid" in ids and kind == "city":
        rule["geonameid"] = int(ids["geonameid"])
    rule["source"] = place.source or place.id
    return StoryPlace(place_id or place.id, place.name, kind, tuple(rule.items()), confirmed)


def _located(place: GazetteerPlace) -> str:
    where = f"{place.name} ({place.kind}"
    if place.country and place.kind != "country":
        where += f", {place.country}"
    if place.population:
        where += f", population {place.population:,}"
    return f"{where}) at {place.lat:.4f}, {place.lon:.4f}; source {place.source or place.id}"


def propose_border(mentions: list[Mention], neighbours=None) -> str | None:
    """Propose the border a story measures from: the neighbouring pair the article names most.

    A country counts once for each mention of it or of a place in it.

    Parameters
    ----------
    mentions : list of Mention
        The geoparser's mentions.
    neighbours : callable, optional
        ``neighbours(iso2)`` gives the countries sharing a land border with it;
        :func:`geo.world.neighbours` by default.

    Returns
    -------
    str or None
        A border key such as ``"BY-UA"``, or None when no two neighbours are named.
    """
    if neighbours is None:
        from geo.world import neighbours
    counts = Counter(m.place.country for m in mentions if m.place.country)
    best, best_score = None, (0, 0)
    for a, count_a in counts.items():
        try:
            near = neighbours(a)
        except (KeyError, InputError, LookupError):
            continue
        for b in near:
            if b in counts and a < b:
                score = (min(count_a, counts[b]), count_a + counts[b])
                if score > best_score:
                    best, best_score = f"{a}-{b}", score
    return best


def draft_story(article: Article, gazetteer: Gazetteer | None = None, border: str | None = None,
                neighbours=None) -> Draft:
    """Find, locate and list for review the places an article names, and propose its passages.

    Parameters
    ----------
    article : Article
        The text exactly as received.
    gazetteer : Gazetteer, optional
        The bundled one by default.
    border : str, optional
        The border to measure from; by default the neighbouring pair the article names most
        (:func:`propose_border`), else the default border.
    neighbours : callable, optional
        See :func:`propose_border`.

    Returns
    -------
    Draft
        Places in order of first mention, none confirmed; passages as proposed.
    """
    gaz = gazetteer if gazetteer is not None else load_gazetteer()
    mentions = find_places(article.text, gaz)
    by_place: dict[str, list[Mention]] = {}
    for m in mentions:
        by_place.setdefault(m.place.id, []).append(m)
    places, findings = [], []
    for place_id, found in by_place.items():
        place = found[0].place
        places.append(story_place(place))
        findings.append(Finding(place_id, tuple(dict.fromkeys(m.text for m in found)), len(found),
                                found[0].start, _located(place), min(m.confidence for m in found)))
    proposals = propose_passages(article.text, [PlaceMention(m.start, m.end, m.place.id) for m in mentions])
    chosen = border or propose_border(mentions, neighbours)
    story = Story(article, (), tuple(places), chosen or Story.__dataclass_fields__["border"].default)
    story = story.with_passages((p.quote, p.place, p.reason, p.offset) for p in proposals)
    return Draft(story, tuple(findings))


def _with_places(draft: Draft, places, findings=None, passages=None) -> Draft:
    story = draft.story
    kept = tuple(places)
    ids = {p.id for p in kept}
    quotes = passages if passages is not None else [
        (p.quote, p.place, p.reason, p.offset) for p in story.passages if p.place in ids]
    refs = tuple(r for r in story.reference_places if r in ids)
    new = Story(story.article, (), kept, story.border, refs).with_passages(quotes)
    return Draft(new, tuple(findings if findings is not None else draft.findings))


def confirm_place(draft: Draft, place_id: str) -> Draft:
    """Return the draft with one place confirmed by a person, as the geoparser located it."""
    spec = draft.story.place(place_id)
    return _with_places(draft, [replace(p, confirmed=True) if p is spec else p for p in draft.story.places])


def correct_place(draft: Draft, place_id: str, place: GazetteerPlace) -> Draft:
    """Return the draft with one place replaced by the one a person chose, and confirmed.

    The place keeps its id, so its passages stay tied to it; its name, kind and point change.
    """
    spec = draft.story.place(place_id)
    fixed = story_place(place, confirmed=True, place_id=spec.id)
    findings = [replace(f, located=_located(place) + " (corrected by a person)", confidence=1.0)
                if f.place_id == place_id else f for f in draft.findings]
    return _with_places(draft, [fixed if p is spec else p for p in draft.story.places], findings)


def remove_place(draft: Draft, place_id: str) -> Draft:
    """Return the draft without one place, its passages and its finding."""
    spec = draft.story.place(place_id)
    return _with_places(draft, [p for p in draft.story.places if p is not spec],
                        [f for f in draft.findings if f.place_id != place_id])


@lru_cache(maxsize=2)
def _prefix_index(gaz: Gazetteer) -> tuple[list[str], list[int]]:
    # A row is the table's line as read: its name is the third field.
    pairs = sorted((plain(row.split("\t", 3)[2]).lower(), index) for index, row in enumerate(gaz.rows))
    return [k for k, _ in pairs], [i for _, i in pairs]


def search_places(prefix: str, limit: int = 20, gazetteer: Gazetteer | None = None) -> list[GazetteerPlace]:
    """Return the gazetteer's places whose name starts with ``prefix`` (any case, accents ignored).

    A place named exactly ``prefix`` comes first (Lviv before Lviv oblast, "Lvivska", which
    counts more people), then the others, most populous first.

    Examples
    --------
    >>> [p.name for p in search_places("kyi", 1)]
    ['Kyiv']
    """
    gaz = gazetteer if gazetteer is not None else load_gazetteer()
    key = plain(str(prefix)[:100]).lower().strip()
    if not key:
        return []
    keys, rows = _prefix_index(gaz)
    lo = bisect.bisect_left(keys, key)
    hi = bisect.bisect_left(keys, key + "\U0010ffff")
    found = [gaz.place(rows[i]) for i in range(lo, min(hi, lo + 2000))]
    found.sort(key=lambda p: (plain(p.name).lower().strip() != key, -p.population, p.name, p.id))
    return found[:limit]
