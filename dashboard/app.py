"""Jurang dashboard entry point: `streamlit run dashboard/app.py`."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import i18n, signin, ui, url_state  # importable from the editable install (`make install`: pip install -e .)
from dashboard import navigation as navigation_registry


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
        on_change=url_state.keep_selections_on_language_change,
    )

st.query_params["lang"] = st.session_state["lang"]
signin.resolve_scope()

sections: dict[str, list[st.Page]] = {}
for spec in navigation_registry.PAGES:
    options = {"url_path": spec.url_path} if spec.url_path else {"default": True}
    page = st.Page(spec.path, title=ui.t(spec.title_key), icon=f":material/{spec.icon}:", **options)
    sections.setdefault(ui.t(spec.section_key) if spec.section_key else "", []).append(page)
navigation = st.navigation(sections)
url_state.note_page(navigation.url_path)
navigation.run()
