"""Which extents a static map can draw: refused past MAX_REACH_DEG, with the largest it can."""

import re

import pytest

from geo.bands import MAX_KM, BandSpec
from geo.errors import InputError
from geo.framing import MAX_REACH_DEG, SIZES, View, check_drawable, largest_drawable, view_reach
from geo.static_map import default_view

ASPECTS = [s.width / s.height for s in SIZES.values()] + [1.6, 1.0, 0.75]


@pytest.mark.parametrize("aspect", ASPECTS)
def test_the_whole_world_is_refused_with_the_largest_extent_named(aspect):
    with pytest.raises(InputError, match="too large for a static map") as caught:
        check_drawable(View(-90, -180, 90, 180), aspect)
    message = str(caught.value)
    assert f"{MAX_REACH_DEG:g}°" in message
    named = View.parse(re.search(r"it can draw is (\S+) \(south,west,north,east\)", message).group(1))
    assert named == largest_drawable(View(-90, -180, 90, 180), aspect)
    # The extent named is drawable at this shape and as large as may be: it nearly reaches the limit.
    assert check_drawable(named, aspect) is named
    assert view_reach(named, aspect) == pytest.approx(MAX_REACH_DEG, abs=1.0)
    assert named.centre == pytest.approx((0.0, 0.0), abs=1e-9)


@pytest.mark.parametrize("bounds", [(-90, -180, 90, 180), (-60, -180, 60, 180), (-45, -90, 45, 90),
                                    (10, -170, 80, 170)])
def test_views_past_a_hemisphere_are_refused(bounds):
    with pytest.raises(InputError):
        check_drawable(View(*bounds))


@pytest.mark.parametrize("aspect", ASPECTS)
def test_the_default_view_of_the_widest_bands_is_drawable(aspect):
    view = default_view(BandSpec((MAX_KM,)))
    assert check_drawable(view, aspect) is view
    assert view_reach(view, aspect) < MAX_REACH_DEG / 1.5


@pytest.mark.parametrize("bounds", [(44, 20, 56, 42), (-40, -60, 40, 60), (45, -90, 90, 90), (-89, 170, -60, 200)])
def test_regional_and_polar_views_are_drawable(bounds):
    view = View(*bounds)
    assert check_drawable(view) is view


def test_the_image_shape_counts():
    """A square view in a very wide image shows far more than itself, east and west."""
    square = View(-30, -30, 30, 30)
    assert view_reach(square, 1.0) < view_reach(square, 4.0)
    assert check_drawable(square, 1.0) is square
    with pytest.raises(InputError):
        check_drawable(square, 4.0)


@pytest.mark.parametrize("aspect", [0, -1.0, float("nan"), float("inf"), True])
def test_a_bad_image_shape_is_refused(aspect):
    with pytest.raises(InputError):
        check_drawable(View(44, 20, 56, 42), aspect)


def test_the_largest_drawable_view_of_a_drawable_view_is_itself():
    view = View(44, 20, 56, 42)
    assert largest_drawable(view) is view
