"""A page whose download fails the way an export can: through the app's own guard."""

import streamlit as st

from geo.errors import InputError
from streamlit_workarounds import DOWNLOAD_FAILURES, current_session_id


def _fail() -> bytes:
    raise InputError("The layer name cannot be drawn (a test's own failure).")


def _crash() -> bytes:
    return {}["missing"]


session = current_session_id()
for reason in DOWNLOAD_FAILURES.pop(session):
    st.error(f"The export failed. {reason}")
st.download_button("Named failure", data=DOWNLOAD_FAILURES.guard(_fail, "PNG image", (InputError,), session),
                   file_name="x.png", key="named", on_click="ignore")
st.download_button("Crash", data=DOWNLOAD_FAILURES.guard(_crash, "GeoPackage", (InputError,), session),
                   file_name="x.gpkg", key="crash", on_click="ignore")
