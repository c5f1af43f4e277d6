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

def page(file: str, title_key: str, icon: str, url_path: str | None = None) -> st.Page:
    options = {"url_path": url_path} if url_path else {"default": True}
    return st.Page(PAGES_DIR / file, title=ui.t(title_key), icon=f":material/{icon}:", **options)


navigation = st.navigation(
    {
        "": [page("overview.py", "nav_overview", "dashboard")],
        ui.t("nav_section_explore"): [
            page("map.py", "nav_map", "map", "map"),
            page("gaps.py", "nav_gaps", "compare_arrows", "gaps"),
            page("index_page.py", "nav_index", "leaderboard", "index"),
            page("district.py", "nav_district", "location_city", "district"),
            page("connectivity.py", "nav_connectivity", "cell_tower", "connectivity"),
        ],
        ui.t("nav_section_track"): [page("targets_page.py", "nav_targets", "flag", "targets")],
        ui.t("nav_section_share"): [
            page("export_page.py", "nav_export", "download", "export"),
            page("upload.py", "nav_upload", "upload_file", "upload"),
            page("sources.py", "nav_sources", "description", "sources"),
        ],
    }
)
navigation.run()
