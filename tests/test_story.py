"""The article is quoted, never paraphrased: every passage is an exact substring."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from geo import DataError
from geo.places import article_places
from geo.story import load_story

SHARED = Path(__file__).resolve().parents[2] / "shared" / "article" / "article.txt"


def rewrite(data_dir: Path, name: str, text: str) -> None:
    """Change a data file and record its new checksum, as a careless edit would."""
    (data_dir / name).write_text(text, encoding="utf-8")
    sums = (data_dir / "checksums.sha256").read_text().splitlines()
    digest = hashlib.sha256((data_dir / name).read_bytes()).hexdigest()
    sums = [f"{digest}  {name}" if line.endswith(f"  {name}") else line for line in sums]
    (data_dir / "checksums.sha256").write_text("\n".join(sums) + "\n")


def test_every_passage_is_an_exact_substring():
    story = load_story()
    assert len(story.passages) >= 12
    for p in story.passages:
        assert p.quote in story.article.text
        assert story.article.text[p.offset : p.offset + len(p.quote)] == p.quote
        assert p.quote in story.article.paragraphs[p.paragraph - 1]


def test_passages_are_numbered_in_reading_order():
    passages = load_story().passages
    assert [p.number for p in passages] == list(range(1, len(passages) + 1))
    assert [p.offset for p in passages] == sorted(p.offset for p in passages)


def test_every_place_has_a_passage_and_every_passage_a_place():
    story = load_story()
    places = article_places()
    assert {p.place for p in story.passages} == set(places)


@pytest.mark.skipif(not SHARED.exists(), reason="the shared article is beside the project only")
def test_article_is_the_shared_text_byte_for_byte(root):
    assert (root / "data" / "article.txt").read_bytes() == SHARED.read_bytes()


def test_article_publisher_is_named_in_the_text():
    from geo.story import PUBLISHER

    assert PUBLISHER.upper() in load_story().article.paragraphs[-2].upper()


def test_a_paraphrased_quote_is_refused(data_copy):
    text = (data_copy / "passages.toml").read_text(encoding="utf-8")
    # Straight apostrophe instead of the article's typographic one: not verbatim.
    bad = text.replace("Lukashenko’s regime", "Lukashenko's regime", 1)
    rewrite(data_copy, "passages.toml", bad)
    with pytest.raises(DataError, match="not an exact substring"):
        load_story(data_copy)


def test_an_unknown_place_is_refused(data_copy):
    text = (data_copy / "passages.toml").read_text(encoding="utf-8")
    rewrite(data_copy, "passages.toml", text.replace('place = "moscow"', 'place = "atlantis"', 1))
    with pytest.raises(DataError, match="unknown place 'atlantis'"):
        load_story(data_copy)
