"""Streamlit helpers shared by the pages: language, strings, data loading, source captions."""

from __future__ import annotations

import streamlit as st

from dashboard import data, i18n

# Plotly fetches a world base map from its CDN even when hidden; serve local empty layers instead.
PLOTLY_CONFIG = {"topojsonURL": "app/static/topojson/", "displaylogo": False, "scrollZoom": False}


def language() -> str:
    return st.session_state.get("lang", i18n.DEFAULT_LANGUAGE)


def t(key: str, **values) -> str:
    return i18n.translate(key, language(), **values)


def require_dataset() -> data.Dataset:
    """The built dataset, or a clear message (not a traceback) and stop when it is missing."""
    try:
        return data.current_dataset()
    except data.DataNotBuiltError:
        st.warning(t("data_not_built"), icon=":material/database:")
        st.stop()


def label(indicator_id: str) -> str:
    return data.catalogue()[indicator_id]["label"][language()]


def unit(indicator_id: str) -> str:
    return data.catalogue()[indicator_id]["unit"][language()]


def source_line(indicator_id: str, dataset: data.Dataset) -> str:
    """'Source: … Data as of … Method: …' for one indicator, from the catalogue and the manifest."""
    entry = data.catalogue()[indicator_id]
    registry = data.sources()
    publishers = list(dict.fromkeys(registry[source_id].publisher for source_id in entry["sources"]))
    as_of = max(str(dataset.manifest["data_as_of"].get(source_id) or "") for source_id in entry["sources"]) or "—"
    return t("source_line", sources="; ".join(publishers), as_of=as_of, method=t(f"method_{entry['method']}"))
