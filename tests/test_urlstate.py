"""URL query state: round trips, hostile values dropped with warnings, never an exception."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.bands import RELATIVE_TOLERANCE
from geo.errors import InputError
from geo.story import load_story
from geo.urlstate import (
    DEFAULT_RINGS,
    LAYERS,
    MAX_VALUE_CHARS,
    MIN_RING_RATIO,
    UrlState,
    parse_query,
    rings_text,
    to_query,
)


@pytest.mark.parametrize(
    "state",
    [
        UrlState(),
        UrlState(rings=(1.0, 1500.0), side="UA", units="mi", clip="land", layers=(), basemap="dark"),
        UrlState(rings=(12.5, 33.333333333333336), layers=("bands", "passages"), passage=4),
    ],
)
def test_round_trip(state):
    back, warnings = parse_query(to_query(state))
    assert back == state
    assert warnings == ()


def test_reads_the_documented_link():
    """A link made before borders could be chosen: side by name, no border (Belarus–Ukraine)."""
    state, warnings = parse_query({"rings": "50,100,200", "side": "ukraine", "units": "km", "layers": "bands,border"})
    assert state.rings == (50.0, 100.0, 200.0)
    assert state.border == "BY-UA"
    assert state.side == "UA"
    assert state.layers == ("border", "bands")
    assert warnings == ()


def test_sorts_and_dedups_rings():
    state, warnings = parse_query({"rings": " 200, 50,100,50 "})
    assert state.rings == (50.0, 100.0, 200.0)
    assert warnings == ()


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("rings", "<img src=x onerror=alert(1)>", "not numbers"),
        ("rings", "javascript:alert(1)", "not numbers"),
        ("rings", "abc,-5", "not numbers"),
        ("rings", "1e308", "outside"),
        ("rings", "nan,inf,-inf", "not numbers"),
        ("rings", "," * 10_000, "characters"),
        ("rings", "٥٠,x", "No usable"),
        ("side", "</script><script>alert(1)</script>", "unknown side"),
        ("units", "parsecs", "unknown units"),
        ("clip", "javascript:alert(1)", "unknown clip"),
        ("basemap", "https://evil.example/{z}/{x}/{y}.png", "unknown basemap"),
        ("layers", "bands,<svg onload=alert(1)>", "unknown layers"),
        ("passage", "0", "passage"),
        ("passage", "1;alert(1)", "passage"),
    ],
)
def test_hostile_values_are_dropped_with_a_warning(key, value, fragment):
    state, warnings = parse_query({key: value})
    assert warnings, "a dropped value must be reported"
    assert any(fragment.lower() in w.lower() for w in warnings)
    for w in warnings:
        assert "<" not in w and ">" not in w and "javascript:" not in w
        assert len(w) < 300
    if key == "rings":
        assert all(1 <= r <= 1500 and math.isfinite(r) for r in state.rings)
    elif key != "layers":
        assert getattr(state, key) == getattr(UrlState(), key)


def test_keeps_the_good_part_of_a_mixed_value():
    state, warnings = parse_query({"rings": "abc,75,-5,30"})
    assert state.rings == (30.0, 75.0)
    assert len(warnings) == 2


def test_more_than_eight_rings_keeps_eight():
    state, warnings = parse_query({"rings": ",".join(str(i) for i in range(10, 120, 10))})
    assert len(state.rings) == 8
    assert any("first 8" in w for w in warnings)


def test_overlong_value_is_refused_whole():
    state, warnings = parse_query({"side": "u" * (MAX_VALUE_CHARS + 1)})
    assert state.side == UrlState().side
    assert len(warnings) == 1


def test_repeated_key_takes_the_last_value():
    state, _ = parse_query({"units": ["km", "mi"]})
    assert state.units == "mi"


def test_no_usable_rings_falls_back_to_defaults():
    state, warnings = parse_query({"rings": "abc"})
    assert state.rings == DEFAULT_RINGS
    assert any("No usable" in w for w in warnings)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rings": ()},
        {"rings": (100.0, 50.0)},
        {"rings": (0.5,)},
        {"rings": (float("nan"),)},
        {"rings": (50,)},
        {"side": "left"},
        {"layers": ("bands", "countries")},
        {"layers": ("nope",)},
        {"passage": 0},
        {"passage": True},
        {"rings": (1.0, 1.0000001)},
        {"rings": (1000.0, 1000.1)},
    ],
)
def test_state_refuses_bad_values(kwargs):
    with pytest.raises(InputError):
        UrlState(**kwargs)


_KEYS = st.sampled_from(["border", "rings", "side", "units", "clip", "layers", "basemap", "passage", "places",
                         "other"])
_VALUES = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.text(max_size=8)),
             max_size=12).map(",".join),
    st.lists(st.text(max_size=20), max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_KEYS, _VALUES, max_size=8))
def test_parse_never_raises_and_always_round_trips(params):
    state, warnings = parse_query(params)
    assert isinstance(state, UrlState)
    assert all(isinstance(w, str) and "<" not in w for w in warnings)
    assert set(state.layers) <= set(LAYERS)
    assert parse_query(to_query(state)) == (state, ())


# --- links restore the view they were made from ----------------------------------------------


@pytest.mark.parametrize("text", ["1234.5678", "50,1234.5678", "12.345678901,1499.999999", "33.333333333333336"])
def test_ring_precision_survives_the_link_and_the_text_box(text):
    """What the user wrote comes back as written: in the URL and in the distance box."""
    state, warnings = parse_query({"rings": text})
    assert warnings == ()
    assert to_query(state)["rings"] == text
    assert rings_text(state.rings, ",") == text
    again, warnings = parse_query({"rings": rings_text(state.rings)})
    assert again.rings == state.rings and warnings == ()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=1, max_value=1500), min_size=1, max_size=8))
def test_the_canonical_form_is_stable(values):
    state, _ = parse_query({"rings": ",".join(map(repr, values))})
    query = to_query(state)
    assert to_query(parse_query(query)[0]) == query
    assert parse_query({"rings": rings_text(state.rings)})[0].rings == state.rings


@pytest.mark.parametrize("text", ["1,1.0000001", "100,100.01", "1499.7,1500"])
def test_rings_too_close_to_draw_apart_merge_with_a_warning(text):
    state, warnings = parse_query({"rings": text})
    assert len(state.rings) == 1
    assert len(warnings) == 1 and "Merged" in warnings[0]
    low, high = text.split(",")
    assert low in warnings[0] and high in warnings[0]


def test_rings_just_far_enough_apart_stay_distinct():
    """The band edges are each within RELATIVE_TOLERANCE: at MIN_RING_RATIO apart they cannot cross."""
    assert MIN_RING_RATIO == pytest.approx(1 + 2 * RELATIVE_TOLERANCE, rel=1e-6)
    state, warnings = parse_query({"rings": "100,100.05"})
    assert state.rings == (100.0, 100.05) and warnings == ()


@pytest.mark.parametrize("value", ["999", "17", "0", "1234567890123456789012", "x"])
def test_a_passage_outside_the_story_is_dropped_with_a_warning_naming_the_range(value):
    count = len(load_story().passages)
    state, warnings = parse_query({"passage": value})
    assert state.passage is None
    assert len(warnings) == 1 and f"1 to {count}" in warnings[0]


def test_every_passage_of_the_story_is_accepted():
    for passage in load_story().passages:
        state, warnings = parse_query({"passage": str(passage.number)})
        assert state.passage == passage.number and warnings == ()


def test_the_passage_range_can_be_given():
    state, warnings = parse_query({"passage": "3"}, passages=2)
    assert state.passage is None and len(warnings) == 1 and "passages 1 to 2" in warnings[0]
    assert parse_query({"passage": "2"}, passages=2) == (UrlState(passage=2), ())


@pytest.mark.parametrize(("query", "rings"), [
    ({"rings": "５０"}, (50.0,)),
    ({"rings": "５０，１００"}, (50.0, 100.0)),
    ({"rings": "１２．５"}, (12.5,)),
])
def test_full_width_digits_are_digits(query, rings):
    state, warnings = parse_query(query)
    assert state.rings == rings and warnings == ()


def test_full_width_passage_and_names_are_read():
    state, warnings = parse_query({"passage": "３", "units": "ｍｉ"})
    assert (state.passage, state.units, warnings) == (3, "mi", ())


@pytest.mark.parametrize(("value", "shown"), [
    ("٥٠", "“٥٠”"),
    ("五十", "“五十”"),
    ("abc", "“abc”"),
    ("<b>", "“\ufffdb\ufffd”"),
    ("1\u202e2", "“1\ufffd2”"),
])
def test_a_rejected_value_shows_its_real_characters_or_a_replacement_mark(value, shown):
    """Never "?" for a character that is not a question mark; never markup or invisible controls."""
    _, warnings = parse_query({"rings": value})
    assert shown in warnings[0]
    assert "?" not in warnings[0]
