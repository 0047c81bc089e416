"""The "Your article" panel alone, reporting the story it hands the map.

A text box stands in for the sidebar's border chooser: a new story points it at its own
border, and the story follows what it says.
"""

import streamlit as st

from story_editor import article_editor

st.text_input("Sidebar border", key="sidebar_border")
chosen = st.session_state.sidebar_border or None
story = article_editor(chosen, lambda key: st.session_state.update(sidebar_border=key or "BY-UA"))
if story is None:
    st.caption("map: bundled story")
else:
    st.caption(f"map: {len(story.places)} places, {len(story.passages)} passages, border {story.border}, "
               f"confirmed {sorted(p.id for p in story.places if p.confirmed)}")
