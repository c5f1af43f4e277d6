"""Jurang dashboard entry point: `streamlit run dashboard/app.py`."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # make `dashboard` and `etl` importable

import streamlit as st  # noqa: E402

from dashboard import i18n, ui  # noqa: E402

PAGES_DIR = Path(__file__).resolve().parent / "views"  # not "pages/": that name triggers Streamlit's legacy auto-pages

# A local icon: a Material icon name here would make the browser fetch it from Google Fonts.
st.set_page_config(page_title="Jurang", page_icon=str(Path(__file__).resolve().parent / "static" / "favicon.png"), layout="wide")

if "lang" not in st.session_state:
    requested = st.query_params.get("lang")
    st.session_state["lang"] = requested if requested in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE

with st.sidebar:
    st.segmented_control(
        ui.t("language"),
        options=list(i18n.LANGUAGES),
        format_func=i18n.LANGUAGES.get,
        key="lang",
    )

st.query_params["lang"] = st.session_state["lang"]
ui.resolve_scope()

navigation = st.navigation(
    [
        st.Page(PAGES_DIR / "overview.py", title=ui.t("nav_overview"), icon=":material/dashboard:", default=True),
        st.Page(PAGES_DIR / "map.py", title=ui.t("nav_map"), icon=":material/map:", url_path="map"),
        st.Page(PAGES_DIR / "index_page.py", title=ui.t("nav_index"), icon=":material/leaderboard:", url_path="index"),
        st.Page(PAGES_DIR / "district.py", title=ui.t("nav_district"), icon=":material/location_city:", url_path="district"),
        st.Page(PAGES_DIR / "gaps.py", title=ui.t("nav_gaps"), icon=":material/compare_arrows:", url_path="gaps"),
        st.Page(PAGES_DIR / "targets_page.py", title=ui.t("nav_targets"), icon=":material/flag:", url_path="targets"),
        st.Page(PAGES_DIR / "connectivity.py", title=ui.t("nav_connectivity"), icon=":material/cell_tower:", url_path="connectivity"),
        st.Page(PAGES_DIR / "export_page.py", title=ui.t("nav_export"), icon=":material/download:", url_path="export"),
        st.Page(PAGES_DIR / "upload.py", title=ui.t("nav_upload"), icon=":material/upload_file:", url_path="upload"),
        st.Page(PAGES_DIR / "sources.py", title=ui.t("nav_sources"), icon=":material/description:", url_path="sources"),
    ]
)
navigation.run()
