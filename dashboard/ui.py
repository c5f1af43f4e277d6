"""Streamlit helpers shared by the pages: language, strings, data loading, source captions."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, figures, i18n

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


def label_with_domain(indicator_id: str) -> str:
    """'Domain · Label' so the indicator list reads grouped by domain."""
    entry = data.catalogue()[indicator_id]
    return f"{t('domain_' + entry['domain'])} · {entry['label'][language()]}"


def indicator_options(dataset: data.Dataset, prefer_directional: bool = False) -> list[str]:
    """Indicator ids that have data, ordered by domain (catalogue order within a domain).

    With prefer_directional, indicators with a better direction come before context ones.
    """
    catalogue = data.catalogue()
    present = set(dataset.indicators.loc[dataset.indicators["value"].notna(), "indicator"])
    domains = list(dict.fromkeys(entry["domain"] for entry in catalogue.values()))
    ids = [indicator for indicator in catalogue if indicator in present]

    def order(indicator: str) -> tuple:
        entry = catalogue[indicator]
        context_last = prefer_directional and entry["direction"] == "context"
        return (context_last, domains.index(entry["domain"]), ids.index(indicator))

    return sorted(ids, key=order)


def gap_sentence(gap: dict, direction: str, fmt: str, unit: str) -> str:
    """One plain sentence on the rural-urban gap, worded by the indicator's better direction."""
    values = {
        "rural": figures.format_value(gap["rural_mean"], fmt, unit),
        "urban": figures.format_value(gap["urban_mean"], fmt, unit),
        "difference": figures.format_value(abs(gap["difference"]), fmt, unit),
        "ratio": figures.format_value(gap["ratio"], ".2f"),
    }
    if pd.isna(gap["difference"]):
        return t("gap_sentence_missing")
    if direction == "context":
        return t("gap_sentence_context", **values)
    return t("gap_sentence_behind" if gap["shortfall"] > 0 else "gap_sentence_ahead", **values)


def gap_change_sentence(first_year: int, first: float, last_year: int, last: float, direction: str, fmt: str, unit: str) -> str:
    """How the rural-urban difference moved between two years: narrowing or widening."""
    values = {"first_year": first_year, "last_year": last_year, "first": figures.format_value(first, "+" + fmt.lstrip("+"), unit), "last": figures.format_value(last, "+" + fmt.lstrip("+"), unit)}
    if direction == "context":
        return t("gap_change_context", **values)
    sign = -1 if direction == "higher_is_better" else 1
    narrowing = sign * last < sign * first
    return t("gap_change_narrowing" if narrowing else "gap_change_widening", **values)


# --- shareable URLs: every selection lives in the query string ----------------------------------

ALL = "all"  # query-string value for "no filter" (e.g. all states)


def _encode(value) -> str:
    return ALL if value is None else str(value)


def _from_url(param: str, options: list, key: str) -> None:
    """Seed a widget's state from the URL once per session; unknown values are ignored with a notice."""
    if key in st.session_state or param not in st.query_params:
        return
    raw = st.query_params[param]
    matches = [option for option in options if _encode(option) == raw]
    if matches:
        st.session_state[key] = matches[0]
    else:
        st.session_state.setdefault("_ignored_params", []).append(param)


def url_selectbox(label: str, options: list, key: str, param: str, format_func=str, default=None, container=st, **kwargs):
    """A selectbox whose value is read from and written to the query parameter `param`."""
    _from_url(param, options, key)
    if key not in st.session_state or st.session_state[key] not in options:
        st.session_state[key] = default if default in options else options[0]
    value = container.selectbox(label, options, key=key, format_func=format_func, **kwargs)
    st.query_params[param] = _encode(value)
    return value


def url_multiselect(label: str, options: list, key: str, param: str, format_func=str, container=st, **kwargs) -> list:
    """A multiselect mirrored in the query string as comma-separated values (unknown ones dropped)."""
    if key not in st.session_state and param in st.query_params:
        wanted = st.query_params[param].split(",")
        chosen = [option for option in options if _encode(option) in wanted]
        if len(chosen) < len([w for w in wanted if w]):
            st.session_state.setdefault("_ignored_params", []).append(param)
        st.session_state[key] = chosen
    value = container.multiselect(label, options, key=key, format_func=format_func, **kwargs)
    if value:
        st.query_params[param] = ",".join(_encode(v) for v in value)
    elif param in st.query_params:
        del st.query_params[param]
    return value


def notify_ignored_params() -> None:
    """Say once which URL values were not understood (never echo them back into the page)."""
    ignored = st.session_state.pop("_ignored_params", None)
    if ignored:
        st.info(t("ignored_params", params=", ".join(sorted(set(ignored)))), icon=":material/link_off:")
