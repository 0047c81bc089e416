"""Borders as values: keys, names, sides and clips, and a band spec's border."""

from __future__ import annotations

import pytest

from geo import InputError
from geo.bands import BandSpec
from geo.borders import get_border


def test_a_spec_measures_from_belarus_ukraine_by_default():
    assert BandSpec((50.0,)).border == get_border("BY-UA")
    assert BandSpec((50.0,)).border.countries == ("BY", "UA")


@pytest.mark.parametrize("given, stored", [("ukraine", "UA"), ("Belarus", "BY"), ("ua", "UA"), ("BY", "BY"),
                                           ("both", "both")])
def test_legacy_and_lower_case_sides_are_stored_as_codes(given, stored):
    assert BandSpec((50.0,), side=given).side == stored
    assert BandSpec.parse([50], side=given, clip=given if given != "both" else "land").side == stored


def test_sides_and_clips_follow_the_border():
    by_pl = get_border("PL-BY")
    spec = BandSpec.parse([50], side="PL", clip="by", border=by_pl)
    assert (spec.side, spec.clip, spec.border.key) == ("PL", "BY", "BY-PL")
    with pytest.raises(InputError, match="Unknown side 'ukraine' for the Belarus–Poland border"):
        BandSpec((50.0,), side="ukraine", border=by_pl)
    with pytest.raises(InputError, match="Unknown clip 'pl'"):
        BandSpec((50.0,), clip="PL")


def test_a_spec_refuses_what_is_not_a_border():
    with pytest.raises(InputError, match="must be a Border"):
        BandSpec((50.0,), border="BY-UA")


def test_names_for_people():
    border = get_border("UA-BY")
    assert border.country_name("UA") == "Ukraine"
    assert [border.side_name(s) for s in border.sides] == ["both sides", "Belarus's side", "Ukraine's side"]
    assert [border.clip_name(c) for c in border.clips] == ["no clipping", "land only", "Belarus only", "Ukraine only"]
    with pytest.raises(InputError, match="not a country of the Belarus–Ukraine border"):
        border.country_name("PL")
    with pytest.raises(InputError, match="Unknown side"):
        border.side_name("PL")


def test_bangladesh_india_says_what_is_drawn_and_as_of_when():
    """DCW predates the 2015 enclave exchange: the border's source and every map say so."""
    from geo.bands import BandSpec
    from geo.export import export_request
    from geo.static_map import draw_map

    border = get_border("IN-BD")
    assert "2015" in border.source and "enclave" in border.source
    spec = BandSpec((20.0,), border=border)
    drawn = draw_map(spec, export_request("png", spec, size="social").map_size)
    credits = " ".join(a.get_text() for i in drawn.items if i.kind == "credits" for a in i.artists
                       if hasattr(a, "get_text"))
    assert "2015" in credits
    assert "2015" not in get_border("BY-UA").source
