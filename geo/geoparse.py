"""Geoparsing, offline: find the places an English text names and resolve each to one place.

The finder matches capitalised runs of words against the gazetteer (:mod:`geo.gazetteer`),
longest name first, and drops what only looks like a place:

- a name that is also an English word ("Of", "March", "Mobile", "Nice") at the start of a
  sentence, or elsewhere when it can only be a small town; kept at a sentence's start when the
  text names the place elsewhere too ("Bath came from behind ... Bath travel to"), and in a
  dateline ("NICE, France —");
- the end of a double-barrelled name ("Ocasio-Cortez", "O'Sullivan");
- a name inside a person's name: next to a capitalised word that is no English word and no
  place ("Paris Hilton", "Michael Jordan", "Mr Jordan", "Finn Russell"), next to a town's
  name when one of the two is a given name ("George Washington", "Jordan Montgomery"), a
  common given name before a common surname ("Taylor Swift", "Austin Butler"), or a storm's
  ("Hurricane Milton");
- a street named for a place ("Oxford Street", "Pennsylvania Avenue"), and English words after
  "the" that only a small town is named ("the White House");
- words that name no one place: months, days, "the West", titles ("President", "Police").

Organisations named after a place keep the place: "Washington" in "Washington Post" and "New
York" in "New York Times" are mentions of Washington and New York, the city each is named
for (as news corpora annotate them); a newspaper or a dateline names a town where one goes by
that name. A town of two words ("Los Angeles Lakers") is never taken for a given name.
Possessives ("Belarus's") leave the "'s" out of the mention; "the" is never part of one ("the
Donbas" -> "Donbas").

The resolver chooses, for each name, the place with the best score: the logarithm of its
population, a bonus for a country (a country's name beats a namesake town), a malus for a
town's name in another language, and bonuses for places in the countries and first-level areas
the text's other mentions resolve to and near the towns they name (two passes: the second one
with the context the first found, the mentions of the same name left out, weighed by its share
of the text). "Town, Area" ("Paris, Texas") takes the town of that name in that area. A town
(or a region of the big table) of fewer than 15,000 people is kept only where the text names
its country otherwise too.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import stat
import string
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from geo.errors import InputError
from geo.gazetteer import Entry, Gazetteer, Place, load_gazetteer, normalise, plain

__all__ = ["MAX_CHARS", "Mention", "find_places", "mentions_json", "read_article", "register", "run"]

#: The longest text parsed, in characters.
MAX_CHARS = 200_000
_MAX_WORDS = 6
_TOKEN = re.compile(r"(?:[A-Z]\.){2,}|[A-Z]\.[A-Z](?![^\W\d_])|[^\W\d_]+")
_GAP = re.compile(r"(?: |-|'|’|\. |, |-on-|-upon-)")
_SENTENCE_END = set(".!?:;\"“”‘’'()[]—–•|")
# Capitalised words that never name one place on their own.
_STOP = frozenset("""
January February March April May June July August September October November December
Monday Tuesday Wednesday Thursday Friday Saturday Sunday
West East North South Western Eastern Northern Southern Central
President Minister Secretary Police Army Navy Government Parliament Congress Senate University
Court Council Union Republic State Kingdom Empire City Province Region County District
Mr Mrs Ms Dr Sir Lord Lady General Gen Capt Col Lt Sgt Prof Rev Saint St
God Christ Allah Jesus Mary Bible Koran Quran Islam Christian Christians Catholic Muslim Muslims
Jewish Jews Arab Arabs Sunni Shia Kurds Kurdish Hindu
Internet Google Apple Amazon Twitter Facebook Reuters Xinhua Hamas Hezbollah Taliban Toyota Mercedes Nokia
Independence Liberty Victory Unity Justice Progress Freedom Hope Paradise Enterprise Commerce
Of The And In On At To For By As Is It Or If So
""".split())
# Before a name, words that make it a person's ("Mr Jordan", "Gen. Washington").
_HONORIFICS = frozenset("Mr Mrs Ms Miss Dr Sir Dame Lord Lady Gen Col Capt Lt Sgt Prof Rev Sen Rep Gov".split())
# Countries and regions that are also given names: beside a name they are a person ("Michael Jordan").
_GIVEN_NAME_PLACES = frozenset(
    "Jordan Georgia Chad Israel Victoria Florence Kenya India Ireland America Washington".split())
# Before a hyphen, the first halves of compound adjectives ("Sino-Russian", "Anglo-Irish").
_COMBINING = frozenset("Sino Anglo Franco Austro Indo Afro Euro Russo Greco Italo Judeo Irano Turco Ibero".split())
# Before a given name, words that make it a storm's ("Hurricane Milton").
_STORM_WORDS = frozenset("Hurricane Typhoon Cyclone Storm Tropical".split())
# Surnames that are also the ends of places' names: "Palm Beach", "Jackson Heights".
_PLACE_ENDS = frozenset("Beach Park Hill Hills Valley Springs Falls Point Creek Heights Harbour Harbor Port Field "
                        "Fields Gardens Hall Station Wood Woods Grove Ridge Lake Bridge Green Brook Mills".split())
# After a place's name, words that make it a street's, not the place's ("Oxford Street").
_STREET_WORDS = frozenset("Street St Road Rd Avenue Ave Boulevard Lane Drive Terrace Crescent".split())
# After a place's name, words that make it a newspaper's, named for its town ("Washington Post").
_PAPER_WORDS = frozenset("Post Times Herald Tribune Journal Gazette Chronicle Examiner Globe Star Courier".split())
# After a place name, words that make the run a place (kept out of the mention: "Kharkiv Oblast").
_GEO_WORDS = frozenset("""
Oblast Province Region County Prefecture Krai Governorate District State Island Islands Valley River
Sea Bay City Strip Peninsula Coast Lake Mountains Airport Square
""".split())
_KIND_PRIOR = {"country": 1.0, "continent": 1.0, "region": -0.5, "sea": 0.0, "city": 0.0}
_CURATED_PRIOR = 0.5
_FORM_PRIOR = {"name": 0.0, "alias": 0.0, "demonym": 0.0, "other": -1.0}
_COUNTRY_BONUS = 1.5
_ADMIN1_BONUS = 1.0
_SURE_MARGIN = 1.5
_SMALL_WORD_TOWN = 100_000
_SMALL_TOWN = 15_000
# A town's names in other languages ("Hamas" for Hamm) count only for big towns.
_OTHER_NAME_TOWN = 300_000
_NEAR_KM = 400.0
_NEAR_BONUS = 1.0


@dataclass(frozen=True)
class Mention:
    """A place named in a text, and the place it resolves to.

    Parameters
    ----------
    start, end : int
        Character offsets into the text: ``text[start:end] == mention.text``.
    text : str
        The mention as written ("Belarusian", "U.S.", "Kyiv").
    place : Place
        The place it resolves to.
    form : str
        How it names the place (:data:`geo.gazetteer.FORMS`).
    confidence : float
        How sure the resolver is, from 0.5 (a toss-up between two places) to 1 (one candidate).
    """

    start: int
    end: int
    text: str
    place: Place
    form: str
    confidence: float

    def __post_init__(self) -> None:
        if not (0 <= self.start < self.end) or self.end - self.start != len(self.text):
            raise InputError(f"mention {self.text!r}: bad offsets {self.start}..{self.end}")
        if not 0.0 <= self.confidence <= 1.0:
            raise InputError(f"mention {self.text!r}: confidence {self.confidence} out of 0..1")

    def as_json(self) -> dict:
        """The mention as the CLI prints it: offsets, text, the place and its source id."""
        out = {"start": self.start, "end": self.end, "text": self.text, "name": self.place.name,
               "kind": self.place.kind, "lat": self.place.lat, "lon": self.place.lon,
               "country": self.place.country or None, "form": self.form,
               "confidence": round(self.confidence, 3)}
        ids = self.place.ids
        if "iso" in ids:
            out["iso"] = ids["iso"]
        if "geonameid" in ids:
            out["geonameid"] = int(ids["geonameid"])
        if "iso3166_2" in ids:
            out["iso3166_2"] = ids["iso3166_2"]
        if not {"iso", "geonameid", "iso3166_2"} & ids.keys():
            out["source"] = self.place.source
        return out


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    entries: tuple[Entry, ...]


def _is_cap(word: str) -> bool:
    return word[:1].isupper()


def _sentence_start(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \t\u00a0\u200e\u200f":
        i -= 1
    return i < 0 or text[i] in "\n\r" or text[i] in _SENTENCE_END


def _scan(text: str, gaz: Gazetteer) -> list[_Found]:
    """Runs of words that the gazetteer names, longest first, before any filter."""
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    found: list[_Found] = []
    i = 0
    while i < len(tokens):
        s = tokens[i][0]
        if not _is_cap(text[s]):
            i += 1
            continue
        hit = None
        last = i
        for j in range(i + 1, min(i + _MAX_WORDS, len(tokens))):
            if not _GAP.fullmatch(text[tokens[j - 1][1]:tokens[j][0]]):
                break
            last = j
        for j in range(last, i - 1, -1):
            if j > i and not _is_cap(text[tokens[j][0]]):
                continue
            end = tokens[j][1]
            span = text[s:end]
            entries = gaz.lookup(span)
            if not entries and span.isupper() and len(span) > 3:
                entries = gaz.lookup(span, any_case=True)
            if entries:
                hit = _Found(s, end, entries)
                break
        if hit:
            found.append(hit)
            while i < len(tokens) and tokens[i][0] < hit.end:
                i += 1
        else:
            i += 1
    return found


def _word_before(text: str, start: int) -> tuple[int, int] | None:
    if start < 2 or text[start - 1] != " ":
        return None
    m = re.search(r"([^\W\d_]+)\.?$", text[max(0, start - 40):start - 1])
    if not m:
        return None
    offset = max(0, start - 40)
    return offset + m.start(1), offset + m.end(1)


def _word_after(text: str, end: int) -> tuple[int, int] | None:
    if text[end:end + 1] != " ":
        return None
    m = re.match(r"[^\W\d_]+", text[end + 1:end + 41])
    return (end + 1, end + 1 + m.end()) if m else None


class _Person:
    """What :func:`_keep` returns for a name that is part of a person's name (false, and why)."""

    def __bool__(self) -> bool:
        return False


_PERSON = _Person()


class _Start:
    """What :func:`_keep` returns for a town named like a word at a sentence's start (false)."""

    def __bool__(self) -> bool:
        return False


_START = _Start()


def _is_broad(f: _Found, gaz: Gazetteer) -> bool:
    # Sub-national regions of the big table ("csc:") are named like people and towns as often as
    # towns are: they pass the same checks.
    return any((not _narrow(gaz.place(e.index)) or e.form == "demonym") and e.form != "other" for e in f.entries)


def _narrow(place: Place) -> bool:
    """A town, or a region of the big table: named like people as often as towns are."""
    return place.kind == "city" or place.id.startswith("csc:")


def _dateline(text: str, f: _Found) -> bool:
    """A capitalised town opening a line before its region or its agency: "NICE, France —"."""
    span = text[f.start:f.end]
    return (span.isupper() and (f.start == 0 or text[f.start - 1] == "\n")
            and re.match(r"(?:,| \(| —| -)", text[f.end:f.end + 2]) is not None)


def _keep(text: str, f: _Found, gaz: Gazetteer) -> bool | _Person | _Start:
    span = text[f.start:f.end]
    key = normalise(span)
    if key in _STOP or (span.isupper() and key.title() in _STOP):
        return False
    if f.start >= 2 and text[f.start - 1] in "'’" and text[f.start - 2].isalpha():
        return False  # "O'Sullivan", "d'Alembert": the end of a longer name.
    if f.start >= 2 and text[f.start - 1] == "-":
        m = re.search(r"([^\W\d_]+)$", text[max(0, f.start - 30):f.start - 1])
        first = m.group(1) if m else ""
        if (_is_cap(first) and first not in _COMBINING and first.lower() not in gaz.words
                and not gaz.lookup(first)):
            return False  # "Ocasio-Cortez": the end of a double-barrelled name.
    places = [gaz.place(e.index) for e in f.entries]
    # A country, region or demonym by its own name is surely meant; other names ("Island" for
    # Iceland) and towns must pass the checks below.
    broad = _is_broad(f, gaz)
    aliases = all(e.form == "alias" for e in f.entries)
    is_word = key.lower() in gaz.words
    after = _word_after(text, f.end)
    if not broad and all(e.form == "other" for e in f.entries):
        if is_word:
            return False
        if max(p.population for p in places) < _OTHER_NAME_TOWN and all(plain(p.name) != key for p in places):
            return False
    if not broad and not aliases and is_word and not _dateline(text, f):
        if _sentence_start(text, f.start) or span.isupper():
            return _START
        if max(p.population for p in places) < _SMALL_WORD_TOWN:
            return False
        if after and _is_cap(text[after[0]:after[1]]):
            return False  # "Commonwealth Games", "Mobile World Congress": a name, not the town.
    if (not broad and " " in key and re.search(r"\b[Tt]he $", text[max(0, f.start - 4):f.start])
            and all(w in gaz.words for w in key.lower().split())
            and max((p.population for p, e in zip(places, f.entries) if e.form != "other"), default=0)
            < _SMALL_WORD_TOWN):
        return False  # "the White House": English words after "the", a small town's name at most.
    if after and text[after[0]:after[1]] in _STREET_WORDS:
        return False  # "Oxford Street", "Pennsylvania Avenue": a street named for the place.
    if (not broad or key in _GIVEN_NAME_PLACES) and key in gaz.given:
        before = _word_before(text, f.start)
        if before and text[before[0]:before[1]] in _STORM_WORDS:
            return False  # "Hurricane Milton".
        word = text[after[0]:after[1]] if after else ""
        if (word in gaz.surnames and word not in _PLACE_ENDS and word not in _GEO_WORDS
                and word not in _PAPER_WORDS and word not in _STOP):
            return False  # "Taylor Swift", "Madison Keys": a given name and a surname.
    if (after and not broad and _is_cap(text[after[0]:after[1]])
            and max(p.population for p in places) < _SMALL_TOWN):
        return False  # "Elon Musk": a small town's name before another name is someone's.
    if after and not broad and after[1] - after[0] == 1 and text[after[1]:after[1] + 1] == ".":
        return False  # "David J. Phillip": a given name and an initial.
    before = _word_before(text, f.start)
    if before and text[before[0]:before[1]] in _HONORIFICS:
        return _PERSON
    if after and all(e.form == "demonym" for e in f.entries) and not span.endswith("s"):
        word = text[after[0]:after[1]]
        if (_is_cap(word) and not word.isupper() and word.lower() not in gaz.words and word not in _GEO_WORDS
                and all(_narrow(gaz.place(e.index)) for e in gaz.lookup(word))):
            return False  # "Finn Russell": a given name, not a Finn.
    if " " in span:
        after = None  # "Los Angeles Lakers": a town of two words is no one's given name.
    if before and text[before[1]:f.start].startswith(".") and before[1] - before[0] > 1:
        before = None  # "at Brest. Minsk denied it": the word before ends the sentence before.
    for where in (before, after):
        if where is None:
            continue
        word = text[where[0]:where[1]]
        if _is_cap(word) and not word.isupper() and word not in _GEO_WORDS and word not in _STOP:
            nearby = [gaz.place(e.index) for e in gaz.lookup(word)]
            if ((not broad or key in _GIVEN_NAME_PLACES) and nearby and all(_narrow(p) for p in nearby)
                    and word.lower() not in gaz.words):
                # "Charlotte Greenfield", "George Washington", "Jordan Montgomery": two names side
                # by side, one a town's, make a person's name.
                return _PERSON if where is before else False
            if not broad and word in _GIVEN_NAME_PLACES:
                return _PERSON if where is before else False
        if not _is_cap(word) or word.isupper() or word in _GEO_WORDS or word in _STOP:
            continue
        if word.lower() in gaz.words or gaz.lookup(word):
            continue
        if where[0] < f.start and _sentence_start(text, where[0]) and word.lower() in gaz.words:
            continue
        # A capitalised word that is neither an English word nor a place: a person's name.
        # Only a surname ("Manuel Valls") names the same person again later; a first word
        # ("Paris Hilton", "Manchester Piccadilly") does not.
        if not broad or key in _GIVEN_NAME_PLACES:
            return _PERSON if where is before else False
    return True


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 12742.0 * math.asin(min(1.0, math.sqrt(a)))


@dataclass
class _Context:
    """What the text's surely resolved mentions tell: their countries, areas and points."""

    countries: Counter
    areas: Counter
    points: Counter


def _score(place: Place, form: str, ctx: _Context) -> float:
    """How likely ``place`` is meant, given what the text's other mentions tell (``ctx``)."""
    s = math.log10(place.population + 10) + _KIND_PRIOR[place.kind] + _FORM_PRIOR[form]
    if place.id.startswith("cur:"):
        s += _CURATED_PRIOR
    # Context weighs by how much of the text it is: one stray namesake must not outvote twenty.
    if place.country and ctx.countries[place.country] > 0:
        s += _COUNTRY_BONUS * ctx.countries[place.country] / max(ctx.countries.values())
    area = (place.country, place.admin1)
    if place.admin1 and ctx.areas[area] > 0:
        s += _ADMIN1_BONUS * ctx.areas[area] / max(ctx.areas.values())
    if place.kind == "city" and ctx.points:
        near = sum(n for (pid, lat, lon), n in ctx.points.items()
                   if pid != place.id and _km(lat, lon, place.lat, place.lon) <= _NEAR_KM)
        s += _NEAR_BONUS * min(1.0, 2.0 * near / ctx.points.total())
    return s


def _rank(f: _Found, gaz: Gazetteer, ctx: _Context, own: _Context | None = None) -> list[tuple[float, Entry]]:
    if own is not None:
        # A name is no context for itself ("Georgia" three times is no evidence for the country).
        ctx = _Context(ctx.countries - own.countries, ctx.areas - own.areas, ctx.points - own.points)
    best: dict[int, tuple[float, Entry]] = {}
    for e in f.entries:
        s = _score(gaz.place(e.index), e.form, ctx)
        if e.index not in best or s > best[e.index][0]:
            best[e.index] = (s, e)
    return sorted(best.values(), key=lambda se: (-se[0], gaz.place(se[1].index).id))


def _add(ctx: _Context, place: Place) -> None:
    if place.country:
        ctx.countries[place.country] += 1
    if place.admin1:
        ctx.areas[(place.country, place.admin1)] += 1
    if place.kind in ("city", "region"):
        ctx.points[(place.id, place.lat, place.lon)] += 1


def _towns_first(text: str, f: _Found, gaz: Gazetteer) -> _Found:
    """A dateline ("PARIS, Texas —") or a newspaper ("Washington Post") names a town, if it can."""
    after = _word_after(text, f.end)
    dateline = _dateline(text, f)
    if dateline or (after and text[after[0]:after[1]] in _PAPER_WORDS):
        entries = f.entries
        if dateline:  # "PARIS, Texas": a small town is looked up by its name as written in a sentence.
            entries += tuple(e for e in gaz.lookup(string.capwords(text[f.start:f.end])) if e not in entries)
        towns = tuple(e for e in entries if gaz.place(e.index).kind == "city")
        if towns:
            return _Found(f.start, f.end, towns)
    return f


def _within(place: Place, area: Place) -> bool:
    """Whether ``place`` lies in ``area`` as far as the table tells (its country or first-level area)."""
    if area.kind == "country":
        return place.country == area.country
    if area.kind != "region" or place.country != area.country:
        return False
    return place.admin1 == area.admin1 or _km(place.lat, place.lon, area.lat, area.lon) <= _NEAR_KM


def find_places(text: str, gazetteer: Gazetteer | None = None) -> list[Mention]:
    """Find every mention of a place in ``text`` and resolve each to one place.

    Parameters
    ----------
    text : str
        An English text, at most :data:`MAX_CHARS` characters.
    gazetteer : Gazetteer, optional
        The names table; the bundled one by default.

    Returns
    -------
    list of Mention
        In text order; ``text[m.start:m.end] == m.text`` for each.

    Raises
    ------
    InputError
        When ``text`` is not a string or is longer than :data:`MAX_CHARS`.

    Examples
    --------
    >>> [(m.text, m.place.name) for m in find_places("Lukashenko flew from Minsk to Moscow.")]
    [('Minsk', 'Minsk'), ('Moscow', 'Moscow')]
    """
    if not isinstance(text, str):
        raise InputError(f"the text must be a str, not {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise InputError(f"the text has {len(text):,} characters; at most {MAX_CHARS:,} can be parsed")
    gaz = gazetteer if gazetteer is not None else load_gazetteer()
    scanned = _scan(text, gaz)
    kept = [_keep(text, f, gaz) for f in scanned]
    # A name once part of a person's name is that person elsewhere too ("Manuel Valls ... Valls said").
    people = {normalise(text[f.start:f.end]) for f, k in zip(scanned, kept) if k is _PERSON}
    # One sense a text: a town named like a word, dropped at a sentence's start, is kept there
    # too when the text names it elsewhere ("Bath came from behind ... Bath travel to ...").
    named = {normalise(text[f.start:f.end]).lower() for f, k in zip(scanned, kept) if k is True}
    found = [_towns_first(text, f, gaz) for f, k in zip(scanned, kept)
             if (k is True or (k is _START and normalise(text[f.start:f.end]).lower() in named))
             and not (normalise(text[f.start:f.end]) in people and not _is_broad(f, gaz))]
    empty = _Context(Counter(), Counter(), Counter())
    memo: dict[tuple, list[tuple[float, Entry]]] = {}
    first = []
    for f in found:
        if f.entries not in memo:
            memo[f.entries] = _rank(f, gaz, empty)
        first.append(memo[f.entries])
    sure = _Context(Counter(), Counter(), Counter())
    selves: dict[tuple, _Context] = {}
    for f, ranked in zip(found, first):
        if len(ranked) == 1 or ranked[0][0] - ranked[1][0] >= _SURE_MARGIN:
            place = gaz.place(ranked[0][1].index)
            _add(sure, place)
            _add(selves.setdefault(f.entries, _Context(Counter(), Counter(), Counter())), place)
    memo.clear()
    final: list[list[tuple[float, Entry]]] = []
    for f in found:
        if f.entries not in memo:
            memo[f.entries] = _rank(f, gaz, sure, selves.get(f.entries))
        final.append(memo[f.entries])
    mentions = []
    for i, (f, ranked) in enumerate(zip(found, final)):
        nxt = found[i + 1] if i + 1 < len(found) else None
        if nxt is not None and text[f.end:nxt.start] == ", " and len(ranked) > 1:
            # "Paris, Texas", "Reading, Pennsylvania": the town of that name in that area.
            area = gaz.place(final[i + 1][0][1].index)
            inside = [se for se in ranked if _within(gaz.place(se[1].index), area)]
            if inside and gaz.place(ranked[0][1].index).kind == "city":
                ranked = inside  # How sure: among the places of that name in that area.
        score, entry = ranked[0]
        place = gaz.place(entry.index)
        if _narrow(place) and place.population < _SMALL_TOWN:
            # A small town or region ("West End" of Anguilla) is meant only where the text is
            # about its country.
            own = selves.get(f.entries)
            if sure.countries[place.country] - (own.countries[place.country] if own else 0) <= 0:
                continue
        confidence = 1.0 if len(ranked) == 1 else 1.0 / (1.0 + math.exp(min(50.0, ranked[1][0] - score)))
        mentions.append(Mention(f.start, f.end, text[f.start:f.end], place, entry.form, confidence))
    return mentions


def mentions_json(text: str, gazetteer: Gazetteer | None = None) -> list[dict]:
    """:func:`find_places` as JSON-ready dicts (what ``python -m geo places --json`` prints)."""
    return [m.as_json() for m in find_places(text, gazetteer)]


def read_article(path: str | os.PathLike[str]) -> str:
    """Read a text file as the geoparser takes it: UTF-8, no other change, at most MAX_CHARS.

    Raises
    ------
    InputError
        When the file is missing, a folder, not a regular file, not UTF-8 or too long.
    """
    raw = os.fspath(path)
    try:
        info = os.stat(raw)
    except FileNotFoundError:
        raise InputError(f"{raw!r}: no such file") from None
    except OSError as exc:
        raise InputError(f"{raw!r}: cannot read: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{raw!r} is a folder; give a text file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{raw!r} is not a regular file")
    # UTF-8 takes at most 4 bytes a character: a bigger file is too long whatever it holds.
    if info.st_size > 4 * MAX_CHARS:
        raise InputError(f"{raw!r} is too big ({info.st_size:,} bytes); at most {MAX_CHARS:,} characters")
    try:
        data = Path(raw).read_bytes()
    except OSError as exc:
        raise InputError(f"{raw!r}: cannot read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{raw!r} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    if len(text) > MAX_CHARS:
        raise InputError(f"{raw!r} has {len(text):,} characters; at most {MAX_CHARS:,}")
    return text


def register(subparsers) -> None:
    """Add the ``places`` command to the ``python -m geo`` parser's subparsers."""
    places = subparsers.add_parser("places", help="find and locate the places a text names")
    places.add_argument("files", nargs="+", metavar="FILE", help="UTF-8 text files")
    places.add_argument("--json", action="store_true", help="JSON (one file) or JSON Lines (several)")


def run(args: argparse.Namespace) -> int:
    """Run ``places`` on parsed arguments; print the mentions; return the exit status."""
    texts = [(name, read_article(name)) for name in args.files]
    gaz = load_gazetteer()
    for name, text in texts:
        mentions = mentions_json(text, gaz)
        if len(texts) == 1:
            if args.json:
                print(json.dumps(mentions, ensure_ascii=False))
            else:
                for m in mentions:
                    print(f"{m['start']}-{m['end']}\t{m['text']}\t{m['name']} ({m['kind']}, "
                          f"{m['lat']:.4f}, {m['lon']:.4f})")
        elif args.json:
            print(json.dumps({"file": name, "mentions": mentions}, ensure_ascii=False))
        else:
            for m in mentions:
                print(f"{name}\t{m['start']}-{m['end']}\t{m['text']}\t{m['name']} ({m['kind']})")
    return 0
