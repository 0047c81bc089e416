"""Colour vision and contrast: the bands stay apart for deuteranopes and protanopes; text meets WCAG AA.

The colour maths (Machado et al. 2009 simulation, CIEDE2000, WCAG luminance) is in
``colour_check.py``, with its sources; these tests pin it to published values first.
"""

import itertools

import numpy as np
import pytest
from colour_check import blend, ciede2000, contrast, hex_rgb, lab, simulate

from geo import style

#: Neighbouring bands must differ by more than this CIEDE2000. Mokrzycki and Tatol, "Colour
#: difference ΔE: a survey" (2011): from 5 up, an observer sees two different colours; 2 to
#: 3.5 is a difference only an experienced observer notices side by side.
MIN_DELTA_E = 5.0
#: WCAG 2.1 AA, success criterion 1.4.3, for normal-size text.
MIN_CONTRAST = 4.5
VISIONS = (None, "deuteranopia", "protanopia")
GROUNDS = {"Ukraine": style.COUNTRY_FILL["UA"], "Belarus": style.COUNTRY_FILL["BY"], "other land": style.LAND_FILL}


@pytest.mark.parametrize(
    ("lab1", "lab2", "expected"),
    [  # Sharma, Wu and Dalal (2005), table 1, pairs 1, 3, 7 and 25
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 2.8361, -74.0200), (50.0, 0.0, -82.7485), 3.4412),
        ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ],
)
def test_ciede2000_matches_the_published_test_data(lab1, lab2, expected):
    assert ciede2000(np.array(lab1), np.array(lab2)) == pytest.approx(expected, abs=1e-4)


def test_the_simulation_keeps_grey_grey_and_merges_red_and_green_for_deuteranopes():
    grey = hex_rgb("#777777")
    for vision in VISIONS[1:]:
        assert simulate(grey, vision) == pytest.approx(grey, abs=2e-3)  # rows of each matrix sum to 1
    red, green = hex_rgb("#d62728"), hex_rgb("#2ca02c")
    seen = [ciede2000(lab(simulate(red, v)), lab(simulate(green, v))) for v in VISIONS]
    assert seen[0] > 50 and seen[1] < seen[0] / 2


def test_wcag_contrast_of_black_on_white_is_21():
    assert contrast(hex_rgb("#000000"), hex_rgb("#ffffff")) == pytest.approx(21.0, abs=1e-9)
    assert contrast(hex_rgb("#767676"), hex_rgb("#ffffff")) == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("vision", VISIONS)
@pytest.mark.parametrize("ground", GROUNDS)
@pytest.mark.parametrize("count", range(2, len(style.BAND_PALETTE) + 1))
def test_neighbouring_bands_stay_distinguishable(count, ground, vision):
    """Each band as drawn (at the bands' opacity over a country's fill), as seen with ``vision``."""
    drawn = [simulate(blend(c, GROUNDS[ground], style.BAND_OPACITY), vision) for c in style.band_colors(count)]
    for i, (near, far) in enumerate(itertools.pairwise(drawn)):
        assert ciede2000(lab(near), lab(far)) > MIN_DELTA_E, f"bands {i + 1} and {i + 2} of {count}"


@pytest.mark.parametrize("use", style.TEXT_ON)
def test_text_colours_meet_wcag_aa(use):
    fg, bg = style.TEXT_ON[use]
    assert contrast(hex_rgb(fg), hex_rgb(bg)) >= MIN_CONTRAST
