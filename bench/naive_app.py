"""Naive Article Atlas page for the benchmark: rebuilds and re-sends the whole map on every change."""

import streamlit as st
from streamlit_folium import st_folium

from geo.assets import localize
from geo.bands import BandSpec
from geo.mapping import DEFAULT_VIEW, build_map
from geo.urlstate import parse_query

st.set_page_config(page_title="Article Atlas (naive)", layout="wide")
if "rings_text" not in st.session_state:
    st.session_state.rings_text = "50, 100, 200"
st.sidebar.text_input("Distances from the border (km)", key="rings_text")
state, _ = parse_query({"rings": st.session_state.rings_text})
m = localize(build_map(DEFAULT_VIEW, BandSpec(state.rings)), base_url="/app/static/vendor")
st_folium(m, height=620, use_container_width=True, returned_objects=[])
