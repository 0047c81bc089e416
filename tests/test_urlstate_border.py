"""The border and the reference places in a link: read in any order, written canonically."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import InputError
from geo.facts import MAX_PLACES
from geo.urlstate import UrlState, border_countries, parse_query, read_border, read_choice, to_query

LVIV, BREST = 702550, 629634


@pytest.mark.parametrize("state", [
    UrlState(border="BY-PL", side="PL", clip="BY"),
    UrlState(border="PL-UA", side="both", clip="land", places=(LVIV, BREST)),
    UrlState(border="BY-UA", side="BY", clip="UA", places=(BREST,), units="mi"),
])
def test_round_trip(state):
    query = to_query(state)
    assert query["border"] == state.border
    back, warnings = parse_query(query)
    assert back == state and warnings == ()


@pytest.mark.parametrize("raw, key", [
    ("UA-BY", "BY-UA"), ("by-ua", "BY-UA"), ("pl-by", "BY-PL"), (" UA_PL ", "PL-UA"), ("ＵＡ－ＰＬ", "PL-UA"),
])
def test_either_order_is_read_and_the_alphabetical_one_written(raw, key):
    state, warnings = parse_query({"border": raw})
    assert state.border == key and warnings == ()
    assert to_query(state)["border"] == key


@pytest.mark.parametrize("side, clip, expected", [
    ("ukraine", "belarus", ("UA", "BY")),
    ("Ukraine", "land", ("UA", "land")),
    ("ua", "by", ("UA", "BY")),
    ("both", "none", ("both", "none")),
])
def test_legacy_and_iso_sides_are_read(side, clip, expected):
    state, warnings = parse_query({"side": side, "clip": clip})
    assert (state.side, state.clip) == expected and warnings == ()
    assert (to_query(state)["side"], to_query(state)["clip"]) == expected


def test_side_and_clip_are_read_against_the_link_s_border():
    state, warnings = parse_query({"border": "BY-PL", "side": "poland", "clip": "ukraine"})
    assert (state.border, state.side, state.clip) == ("BY-PL", "PL", "none")
    assert len(warnings) == 1 and "clip" in warnings[0] and "both" not in warnings[0]
    assert "none, land, BY, PL" in warnings[0]


@pytest.mark.parametrize("raw, needle", [
    ("FR-PL", "share no land border"),
    ("XX-UA", "XX is not a country"),
    ("QQ-ZZ", "are not countries"),
    ("UA-UA", "give two country codes"),
    ("</script><script>alert(1)</script>", "give two country codes"),
    ("BY-UA-PL", "give two country codes"),
    ("javascript:alert(1)", "give two country codes"),
])
def test_bad_borders_are_dropped_with_a_warning(raw, needle):
    state, warnings = parse_query({"border": raw, "side": "UA"})
    assert state.border == "BY-UA" and state.side == "UA"
    assert len(warnings) == 1 and needle in warnings[0]
    assert "<" not in warnings[0] and "javascript:" not in warnings[0] and len(warnings[0]) < 300


def test_places_are_read_checked_and_bounded():
    state, warnings = parse_query({"places": f"{LVIV}, {BREST},{LVIV},1,abc,<b>"})
    assert state.places == (LVIV, BREST)
    assert len(warnings) == 2
    assert "not GeoNames ids" in warnings[0] and "abc" in warnings[0] and "<" not in warnings[0]
    assert "unknown places" in warnings[1] and "1" in warnings[1]
    many = ",".join(str(i) for i in range(10_000_000, 10_000_000 + MAX_PLACES + 5))
    state, warnings = parse_query({"places": many})
    assert state.places == () and any(f"first {MAX_PLACES}" in w for w in warnings)


@pytest.mark.parametrize("kwargs", [
    {"border": "UA-BY"},
    {"border": "by-ua"},
    {"border": "BY-PL", "side": "UA"},
    {"border": "BY-PL", "clip": "ukraine"},
    {"side": "ukraine"},
    {"places": (LVIV, LVIV)},
    {"places": [LVIV]},
    {"places": (0,)},
    {"places": tuple(range(1, MAX_PLACES + 2))},
])
def test_state_refuses_bad_values(kwargs):
    with pytest.raises(InputError):
        UrlState(**kwargs)


def test_the_shared_checks():
    assert read_border("ua-pl") == "PL-UA" and border_countries("PL-UA") == ("PL", "UA")
    assert read_choice("side", "Poland", "BY-PL") == "PL"
    with pytest.raises(InputError, match="share no land border"):
        read_border("FR-PL")
    with pytest.raises(InputError, match="use one of both, BY, PL"):
        read_choice("side", "UA", "BY-PL")


_CODES = st.sampled_from(["BY", "UA", "PL", "RU", "LT", "FR", "XX", "by", "ua"])


@settings(max_examples=100, deadline=None)
@given(_CODES, _CODES, st.sampled_from(["both", "none", "land", "UA", "PL", "ukraine", "belarus", "x"]),
       st.lists(st.sampled_from([str(LVIV), str(BREST), "1", "x", ""]), max_size=4).map(",".join))
def test_any_border_side_and_places_parse_and_round_trip(a, b, choice, places):
    state, warnings = parse_query({"border": f"{a}-{b}", "side": choice, "clip": choice, "places": places})
    assert state.side in ("both", *border_countries(state.border))
    assert parse_query(to_query(state)) == (state, ())
