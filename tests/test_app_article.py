"""A person's own article in the whole page: its places on the map, unconfirmed until confirmed."""

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TEXT = ("Polish officials in Warsaw said on Monday that trucks from Belarus were stuck at Brest. "
        "Minsk denied it. Poland and Belarus have argued over the crossing since 2021.")


def map_groups(at: AppTest) -> str:
    component = next(c for c in at.get("component_instance") if "streamlit_folium" in c.proto.component_name)
    return json.loads(component.proto.json_args)["feature_group"] or ""


def test_a_pasted_article_takes_over_the_map_and_the_reading_column():
    at = AppTest.from_file(APP, default_timeout=180).run().run()
    assert not at.exception
    bundled = map_groups(at)
    assert "Washington" not in [b.label for b in at.button if b.key == "passage-1"]
    at.text_area(key="byo-text").input(TEXT).run()
    at.button(key="byo-find").click().run()
    assert not at.exception, at.exception
    groups = map_groups(at)
    assert groups != bundled
    # Every found place is shown unconfirmed: dashed badges, "not yet confirmed" in tooltips.
    assert "atlas-unconfirmed" in groups and "not yet confirmed" in groups
    assert any("Your article" in c.value for c in at.caption)
    # The bands measure from the border the article names most, set in the sidebar's chooser.
    assert (at.selectbox(key="border_a").value, at.selectbox(key="border_b").value) in (("BY", "PL"), ("PL", "BY"))
    assert '"BY-PL"' in groups
    labels = [b.label for b in at.button if b.key.startswith("passage-")]
    named = ("Warsaw", "Belarus", "Minsk", "Poland", "Brest")
    assert labels and all(any(w in label for w in named) for label in labels)
    # Confirming a place turns its badge solid; closing the article brings the bundled story back.
    at.button(key="byo-ok-gn:756135").click().run()
    assert map_groups(at).count("atlas-unconfirmed") < groups.count("atlas-unconfirmed")
    at.toggle(key="byo_use").set_value(False).run()
    assert "atlas-unconfirmed" not in map_groups(at)
    # Closed, the article gives the map back to the bundled story, measured from its own border.
    at.toggle(key="byo_use").set_value(True).run()
    at.button(key="byo-close").click().run()
    assert (at.selectbox(key="border_a").value, at.selectbox(key="border_b").value) == ("BY", "UA")
    assert not at.exception
