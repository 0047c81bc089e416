"""Passages are proposed from where places are named, and stay exact quotes through every edit."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import InputError
from geo.passages import (
    MAX_PROPOSALS,
    MAX_QUOTE_CHARS,
    Mention,
    add_passage,
    drop_passages,
    keep_passages,
    propose_passages,
    sentence_spans,
    story_with_proposals,
    trim_passage,
)
from geo.story import load_story

NAMES = {"kyiv": "Kyiv", "minsk": "Minsk", "moscow": "Moscow", "belarus": "Belarus", "ukraine": "Ukraine",
         "russia": "Russia", "washington": "Washington", "crimea": "Crimea", "central-virginia": "Virginia"}


def naive_mentions(text: str) -> list[Mention]:
    """Every whole-word occurrence of a few place names: a stand-in for the place finder."""
    return [Mention(m.start(), m.end(), pid) for pid, name in NAMES.items()
            for m in re.finditer(rf"\b{re.escape(name)}\b", text)]


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mr. Blinken spoke. Mrs. Smith left.", ["Mr. Blinken spoke.", "Mrs. Smith left."]),
        ("U.S. officials warned Minsk. Kyiv waits.", ["U.S. officials warned Minsk.", "Kyiv waits."]),
        ("He met U.S. and U.K. envoys. Then he left.", ["He met U.S. and U.K. envoys.", "Then he left."]),
        ("Sanctions hit the U.S. The E.U. followed.", ["Sanctions hit the U.S.", "The E.U. followed."]),
        ("Gen. Philip Breedlove said so. Antony J. Blinken agreed.",
         ["Gen. Philip Breedlove said so.", "Antony J. Blinken agreed."]),
        ("“It is short,” he said. “Very short.” She nodded!", ["“It is short,” he said.", "“Very short.”",
                                                               "She nodded!"]),
        ('"Go." "Stay?" (He left.) Next.', ['"Go."', '"Stay?"', "(He left.)", "Next."]),
        ("Growth was 5.2 percent. Prices rose e.g. bread.", ["Growth was 5.2 percent.", "Prices rose e.g. bread."]),
        ("Wait… Then go. lower case after. Fine", ["Wait…", "Then go. lower case after.", "Fine"]),
        ("First line without a stop\nSecond line.", ["First line without a stop", "Second line."]),
        ("  padded.   \n\n  \n next  ", ["padded.", "next"]),
        ("", []),
    ],
)
def test_sentences_split_where_a_reader_would(text, expected):
    assert sentences(text) == expected


def test_the_bundled_articles_sentences_are_exact_and_whole():
    text = load_story().article.text
    found = sentences(text)
    assert "The route between the Belarusian border and the capital city of Kyiv is very short (less than a few "\
           "hours’ drive) and relatively unguarded." in found
    assert any(s.startswith("“It’d be like [if] the Russians parked in central Virginia, facing Washington,” "
                            "retired four-star Air Force Gen. Philip Breedlove") for s in found)
    assert all("\n" not in s and s == s.strip() and s in text for s in found)


def test_proposals_quote_the_article_and_cover_every_place_named():
    story = load_story()
    text = story.article.text
    mentions = naive_mentions(text)
    proposals = propose_passages(text, mentions)
    assert 0 < len(proposals) <= MAX_PROPOSALS
    for p in proposals:
        assert text[p.offset : p.end] == p.quote and len(p.quote) <= MAX_QUOTE_CHARS
        assert any(m.place == p.place and p.offset <= m.start < p.end for m in mentions)
    # Every place named gets a passage before any place gets its second.
    first_round = proposals[: len({m.place for m in mentions})]
    assert {p.place for p in first_round} == {m.place for m in mentions}
    kyiv = next(p for p in proposals if p.place == "kyiv")
    assert kyiv.quote == next(p.quote for p in story.passages if p.place == "kyiv")
    assert "Kyiv" in kyiv.reason


def test_proposals_become_the_storys_passages_in_reading_order():
    story = load_story()
    proposals = propose_passages(story.article.text, naive_mentions(story.article.text), limit=5)
    proposed = story_with_proposals(story, proposals)
    assert len(proposed.passages) == 5
    assert [p.offset for p in proposed.passages] == sorted(p.offset for p in proposals)
    assert [p.number for p in proposed.passages] == [1, 2, 3, 4, 5]


def test_mentions_may_be_mappings_or_objects_with_a_place_id():
    class Found:
        def __init__(self, start, end, place_id):
            self.start, self.end, self.place_id = start, end, place_id

    text = "Minsk is close. Kyiv is near Minsk."
    a = propose_passages(text, [{"start": 0, "end": 5, "place": "minsk"}, Found(16, 20, "kyiv")])
    b = propose_passages(text, [Mention(0, 5, "minsk"), Mention(16, 20, "kyiv")])
    assert a == b and [p.quote for p in a] == ["Minsk is close.", "Kyiv is near Minsk."]


@pytest.mark.parametrize("bad", [[Mention(30, 40, "kyiv")], [{"start": 0, "end": 4}], [{"start": "x", "end": 4}]])
def test_a_mention_outside_the_text_or_without_a_place_is_refused(bad):
    with pytest.raises(InputError):
        propose_passages("Kyiv is near.", bad)


def test_a_long_sentence_is_cut_to_the_clause_that_names_the_place():
    filler = "the talks went on and on without any result at all"
    text = f"{', '.join([filler] * 6)}; Kyiv is near the border; {', '.join([filler] * 6)}."
    (p,) = propose_passages(text, [Mention(text.index("Kyiv"), text.index("Kyiv") + 4, "kyiv")])
    assert p.quote == "Kyiv is near the border;" or p.quote == "Kyiv is near the border"


@pytest.mark.parametrize(
    "hostile",
    [
        "k" * 200_000,
        "." * 200_000,
        ", " * 100_000,
        "U.S. " * 40_000,
        "Mr. " * 50_000,
        "\u200f" * 200_000,
        "<script>alert(1)</script> ${x} " * 6_000,
    ],
)
def test_hostile_text_gives_short_exact_proposals(hostile):
    mentions = [Mention(i, i + 1, f"p{i % 30}") for i in range(0, len(hostile) - 1, 997)]
    proposals = propose_passages(hostile, mentions)
    assert len(proposals) <= MAX_PROPOSALS
    for p in proposals:
        assert hostile[p.offset : p.end] == p.quote and 0 < len(p.quote) <= MAX_QUOTE_CHARS
    assert sentence_spans(hostile) is not None


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab .!?“”\"'\n,;—U.SMr"), max_size=400), st.data())
def test_every_proposal_is_an_exact_substring_of_random_text(text, data):
    spans = sentence_spans(text)
    assert all(text[s:e].strip() == text[s:e] and "\n" not in text[s:e] for s, e in spans)
    assert all(e1 <= s2 for (_, e1), (s2, _) in zip(spans, spans[1:]))
    starts = data.draw(st.lists(st.integers(0, max(len(text) - 1, 0)), max_size=10)) if text else []
    mentions = [Mention(s, s + 1, f"p{s % 3}") for s in starts]
    for p in propose_passages(text, mentions):
        assert text[p.offset : p.end] == p.quote and p.quote.strip()


def test_keep_drop_trim_and_add_keep_quotes_exact():
    story = load_story()
    n = len(story.passages)
    assert [p.quote for p in keep_passages(story, [2, 5]).passages] == [story.passages[1].quote,
                                                                         story.passages[4].quote]
    dropped = drop_passages(story, [1])
    assert len(dropped.passages) == n - 1 and dropped.passages[0].quote == story.passages[1].quote
    assert dropped.passages[0].number == 1

    kyiv = next(p for p in story.passages if p.place == "kyiv")
    trimmed = trim_passage(story, kyiv.number, "the capital city of Kyiv is very short")
    short = trimmed.passages[kyiv.number - 1]
    assert short.quote == "the capital city of Kyiv is very short" and short.place == "kyiv"
    assert story.article.text[short.offset : short.offset + len(short.quote)] == short.quote

    added = add_passage(story, "Minsk", "minsk", "named again")
    assert len(added.passages) == n + 1
    new = next(p for p in added.passages if p.reason == "named again")
    assert story.article.text[new.offset : new.offset + 5] == "Minsk"


@pytest.mark.parametrize(
    "quote",
    ["the capital city of Kiev", "the capital city of Kyiv is very short (less than a few hours' drive)", "", "  "],
)
def test_a_trim_that_is_not_an_exact_part_is_refused(quote):
    story = load_story()
    kyiv = next(p for p in story.passages if p.place == "kyiv")
    with pytest.raises(InputError, match="not an exact part"):
        trim_passage(story, kyiv.number, quote)


@pytest.mark.parametrize(
    "quote, place, message",
    [
        ("Kyiv is rather short", "kyiv", "not an exact substring"),
        ("Lukashenko's regime", "belarus", "not an exact substring"),
        ("Kyiv", "atlantis", "unknown place 'atlantis'"),
    ],
)
def test_adding_a_passage_refuses_what_is_not_quoted_or_placed(quote, place, message):
    with pytest.raises(InputError, match=message):
        add_passage(load_story(), quote, place)


@pytest.mark.parametrize("action", [lambda s: keep_passages(s, [99]), lambda s: drop_passages(s, [0]),
                                    lambda s: trim_passage(s, 42, "Kyiv")])
def test_an_unknown_passage_number_is_refused(action):
    with pytest.raises(InputError, match="No passage numbered"):
        action(load_story())
