"""The "Your article" panel alone, reporting the story it hands the map."""

import streamlit as st

from story_editor import article_editor

story = article_editor()
if story is None:
    st.caption("map: bundled story")
else:
    st.caption(f"map: {len(story.places)} places, {len(story.passages)} passages, border {story.border}, "
               f"confirmed {sorted(p.id for p in story.places if p.confirmed)}")
