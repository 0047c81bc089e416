"""Figures follow the chosen border: capitals, the user's places, its length, the band table."""

from __future__ import annotations

import numpy as np
import pytest
from geodesic_check import BruteForceDistance
from pyproj import Geod

from geo.bands import BandSpec, distance_bands
from geo.borders import get_border
from geo.errors import InputError
from geo.facts import (
    MAX_PLACES,
    band_facts,
    border_facts,
    compute_facts,
    facts_json,
    known_place_ids,
    reference_facts,
    towns,
)

GEOD = Geod(ellps="WGS84")
LVIV = 702550  # GeoNames id of Lviv, Ukraine
BREST = 629634  # GeoNames id of Brest, Belarus


@pytest.fixture(scope="module")
def by_pl():
    """The Belarus–Poland border and an independent distance to it (densified every 10 m)."""
    border = get_border("PL-BY")
    return border, BruteForceDistance(border.line, spacing_m=10.0)


def test_the_default_border_keeps_today_s_keys_and_values():
    facts = reference_facts()
    assert list(facts) == ["minsk_to_border", "kyiv_to_border"]
    article = compute_facts()
    for key in facts:
        assert facts[key] == article[key]
    assert facts["kyiv_to_border"].label == "Kyiv to the Belarus border"
    assert facts["minsk_to_border"].label == "Minsk to the Ukraine border"
    assert border_facts("UA-BY")["border_length"].value == pytest.approx(article["border_length"].value, rel=1e-12)


def test_another_border_has_its_own_capital_length_and_labels(by_pl):
    border, brute = by_pl
    facts = border_facts("BY-PL")
    assert facts["border_length"].label == "Length of the Belarus–Poland border"
    assert facts["border_length"].value == pytest.approx(GEOD.geometry_length(border.line) / 1000, rel=1e-9)
    minsk = facts["minsk_to_border"]
    assert minsk.label == "Minsk to the Poland border" and minsk.place == "Minsk"
    (x0, y0), (x1, y1) = minsk.line
    assert minsk.value * 1000 == pytest.approx(brute.distance_m(x0, y0), abs=5.0)
    # The drawn line ends on the border and is as long as the figure.
    assert brute.distance_m(x1, y1) < 5.0
    assert GEOD.inv(x0, y0, x1, y1)[2] / 1000 == pytest.approx(minsk.value, rel=1e-6)
    text = " ".join(f"{f.label} {f.method}" for f in facts.values())
    assert "Ukraine" not in text and "Kyiv" not in text


def test_a_place_by_geonames_id_is_measured_to_the_border(by_pl):
    _, brute = by_pl
    facts = reference_facts("BY-PL", [LVIV])
    lviv = facts[f"place_{LVIV}_to_border"]
    assert lviv.place == "Lviv" and lviv.label == "Lviv (Ukraine) to the Belarus–Poland border"
    (x0, y0), _ = lviv.line
    assert lviv.value * 1000 == pytest.approx(brute.distance_m(x0, y0), abs=5.0)
    assert lviv.format("mi").endswith(" mi")
    # A place in one of the border's countries is measured to the other country's border.
    assert reference_facts("BY-PL", [BREST])[f"place_{BREST}_to_border"].label == "Brest (Belarus) to the Poland border"


def test_places_keep_their_order_and_repeats_are_dropped():
    facts = reference_facts("BY-UA", [BREST, LVIV, BREST])
    assert list(facts)[-2:] == [f"place_{BREST}_to_border", f"place_{LVIV}_to_border"]


@pytest.mark.parametrize("places, needle", [
    ([1], "not a place"),
    ([-5], "not a GeoNames id"),
    (["702550"], "not a GeoNames id"),
    ([True], "not a GeoNames id"),
    (list(range(1, MAX_PLACES + 2)), "At most"),
])
def test_bad_places_are_refused(places, needle):
    with pytest.raises(InputError, match=needle):
        reference_facts("BY-UA", places)


def test_known_place_ids_keeps_the_gazetteer_s_own():
    assert known_place_ids([1, LVIV, 2, BREST]) == (LVIV, BREST)


def test_json_for_another_border_has_its_figures_only():
    data = facts_json("BY-PL", [LVIV])
    assert {"border_length_km", "border_length_mi", "minsk_to_border_km", f"place_{LVIV}_to_border_km"} <= set(data)
    assert not any(key.startswith("kyiv") or "ukraine" in key for key in data)


def test_band_table_counts_each_country_of_the_border(by_pl):
    """Every town listed lies in its band (by independent geodesy), and every town of either
    country that lies clearly inside a band is listed, in that band alone."""
    border, brute = by_pl
    spec = BandSpec((25.0, 50.0), border=border)
    rows = band_facts(distance_bands(spec), border)
    assert [[c.iso2 for c in r.countries] for r in rows] == [["BY", "PL"], ["BY", "PL"]]
    assert rows[0].country("BY").name == "Belarus" and rows[0].country("PL").name == "Poland"
    for iso2 in ("BY", "PL"):
        kept = towns(iso2)
        listed = {t.name: t for t in kept}
        lon = np.array([t.lon for t in kept])
        near = np.abs(lon - 23.5) < 3.5
        dist_km = {t.name: brute.distance_m(t.lon, t.lat) / 1000 for t, n in zip(kept, near, strict=True) if n}
        for row in rows:
            cell = row.country(iso2)
            assert cell.population == sum(listed[name].population for name in cell.places)
            for name in cell.places:
                assert row.inner_km * (1 - 1e-3) <= dist_km[name] <= row.outer_km * (1 + 1e-3), (iso2, name)
            clearly = {n for n, d in dist_km.items() if row.inner_km * 1.001 < d < row.outer_km * 0.999}
            assert clearly <= set(cell.places), (iso2, clearly - set(cell.places))
            assert 0 < cell.share < 0.2 and cell.area_km2 > 1000
    assert "Brest" in rows[0].country("BY").places


def test_one_side_holds_none_of_the_other_country():
    border = get_border("BY-PL")
    rows = band_facts(distance_bands(BandSpec((50.0,), side="PL", border=border)), border)
    assert rows[0].country("BY").places == () and rows[0].country("BY").area_km2 < 1.0
    assert rows[0].country("PL").places and rows[0].country("PL").area_km2 > 5000


def test_sections_of_a_city_are_left_out_in_any_country():
    names = [t.name for t in towns("PL")]
    assert names.count("Warsaw") == 1
    assert not {"Mokotów", "Ursynów", "Praga Południe", "Wola", "Bemowo"} & set(names)
    # Towns in their own right beside Warsaw stay.
    assert {"Piaseczno", "Pruszków", "Legionowo"} <= set(names)


def test_an_unknown_country_row_is_refused():
    row = band_facts(distance_bands(BandSpec((50.0,))))[0]
    with pytest.raises(InputError, match="not one of this band's countries"):
        row.country("PL")


def test_one_country_s_land_border_reads_well():
    facts = border_facts("pl", [LVIV])
    assert facts["border_length"].label == "Length of Poland's land border"
    assert facts[f"place_{LVIV}_to_border"].label == "Lviv (Ukraine) to Poland's land border"
    assert facts["border_length"].value > border_facts("BY-PL")["border_length"].value
