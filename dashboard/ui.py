"""Streamlit helpers shared by the pages: language, strings, data loading, source captions."""

from __future__ import annotations

import json
from functools import lru_cache

import pandas as pd
import streamlit as st

from streamlit.errors import StreamlitSecretNotFoundError

from dashboard import access, composite, data, figures, i18n, metrics, selection, texts
from etl.schemas import STATE_NAMES

# Plotly fetches a world base map from its CDN even when hidden; serve local empty layers instead.
PLOTLY_CONFIG = {"topojsonURL": "app/static/topojson/", "displaylogo": False, "scrollZoom": False}


def language() -> str:
    return st.session_state.get("lang", i18n.DEFAULT_LANGUAGE)


def t(key: str, **values) -> str:
    return i18n.translate(key, language(), **values)


def chart(figure, key: str, table: pd.DataFrame | None, *, title: str, subtitle: str = "", source: str = "", alt: str = "", indicators: list[str] | None = None) -> None:
    """A Plotly chart with its downloads (PNG, SVG, PDF rendered server-side; the data as CSV and
    XLSX) and its data one click away ('view as table', for screen readers and checking)."""
    st.plotly_chart(figure, config=PLOTLY_CONFIG, width="stretch", key=key)
    downloads(figure, key, table, title=title, subtitle=subtitle, source=source, indicators=indicators)
    if table is not None:
        with st.expander(t("view_as_table"), icon=":material/table_view:"):
            if alt:
                st.caption(alt)
            st.dataframe(table, hide_index=True, width="stretch")


def scene_chart(scene, figure_name: str, table_name: str, key: str, *, subtitle: str = "", alt: str = "", figure_options: dict | None = None) -> None:
    """A scene's figure with its downloads and its table one click away. The CSV/XLSX carry the
    scene table's values exactly as `python -m dashboard.scene --format csv` writes them.
    figure_options: what only the app knows (e.g. the served shapes' URL for maps)."""
    table = scene.tables[table_name]
    figure = scene.figure_builders[figure_name](**(figure_options or {}))
    st.plotly_chart(figure, config=PLOTLY_CONFIG, width="stretch", key=key)
    downloads(figure, key, table.frame, title=table.title, subtitle=subtitle, source=table.source, indicators=list(table.indicators))
    with st.expander(t("view_as_table"), icon=":material/table_view:"):
        if alt:
            st.caption(alt)
        st.dataframe(table.display(), hide_index=True, width="stretch")


def url_weights() -> tuple[tuple[str, float], ...]:
    """Index weights a link carries (w_<domain>), for pages without the sliders: they show the
    same index as the index page the link came from. Unrecognised values are ignored with a notice."""
    weights = []
    for domain_id in data.index_spec().default_weights:
        raw = st.query_params.get(selection.WEIGHT_PREFIX + domain_id)
        if raw is None:
            continue
        value = selection.parse_weight(raw)
        if value is None:
            st.session_state.setdefault("_ignored_params", []).append(selection.WEIGHT_PREFIX + domain_id)
        else:
            weights.append((domain_id, value))
    return tuple(weights)


def domain_labels() -> dict[str, str]:
    return {domain.id: domain.label[language()] for domain in data.index_spec().domains}


def scene_for(dataset: data.Dataset, selection):
    """The scene of this page's selection (computed once per build and selection, shared by sessions)."""
    from dashboard import scene

    return scene.build_selection(dataset, selection)


def downloads(figure, key: str, table: pd.DataFrame | None, *, title: str, subtitle: str = "", source: str = "", indicators: list[str] | None = None) -> None:
    """Download buttons for one chart: images are rendered only when clicked (one warm browser)."""
    from dashboard import export, provenance

    dataset = data.current_dataset()
    dates = [value for value in dataset.manifest["data_as_of"].values() if value]
    as_of = max(dates) if dates else ""  # repeated in the footer only if the source line lacks it
    stem = [key, subtitle]
    columns = st.columns([1, 1, 1, 1, 1, 3])
    for column, fmt in zip(columns, ("png", "svg", "pdf")):
        column.download_button(
            fmt.upper(),
            data=lambda fmt=fmt: export.figure_bytes(inline_shapes(figure), fmt, title=title, subtitle=subtitle, source_line=source, as_of=as_of, lang=language()),
            file_name=export.file_name(*stem, extension=fmt), mime=export.MIME_TYPES[fmt], key=f"{key}_{fmt}", icon=":material/download:",
            on_click="ignore", help=t("download_image", fmt=fmt.upper()),
        )
    if table is not None:
        columns[3].download_button("CSV", data=lambda: export.table_csv(table), file_name=export.file_name(*stem, extension="csv"),
                                   mime=export.MIME_TYPES["csv"], key=f"{key}_csv", icon=":material/download:", on_click="ignore")
        registry = data.sources()
        catalogue = data.catalogue()
        ids = indicators or []
        columns[4].download_button(
            "XLSX",
            data=lambda: export.table_xlsx(table, provenance.sources_for(ids, catalogue, registry), provenance.definition_rows(ids, catalogue, language()),
                                           lang=language(), manifest=dataset.manifest),
            file_name=export.file_name(*stem, extension="xlsx"), mime=export.MIME_TYPES["xlsx"], key=f"{key}_xlsx", icon=":material/download:", on_click="ignore",
        )


def inline_shapes(figure):
    """A copy of the figure with served GeoJSON files embedded (the static renderer has no web server)."""
    import plotly.graph_objects as go

    copy = go.Figure(figure)
    for trace in copy.data:
        shapes = getattr(trace, "geojson", None)
        if isinstance(shapes, str) and shapes.startswith("app/static/"):
            trace.geojson = _served_geojson(shapes)
    return copy


@lru_cache(maxsize=8)
def _served_geojson(url: str) -> dict:
    path = data.STATIC_DIR / url.removeprefix("app/static/")
    return json.loads(path.read_text(encoding="utf-8"))


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
    return texts.source_line(data.catalogue()[indicator_id], data.sources(), dataset.manifest, language())


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
    return texts.gap_sentence(gap, direction, fmt, unit, language())


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


def _remember_widget(key: str) -> None:
    st.session_state.setdefault("_translated_widgets", set()).add(key)


def keep_selections_on_language_change() -> None:
    """on_change of the language switch: re-assert every selection made through the URL-aware
    widgets. Their labels are translated, and without this Streamlit would match the old-language
    label against the new options and silently fall back to the default."""
    for key in st.session_state.get("_translated_widgets", set()):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def url_selectbox(label: str, options: list, key: str, param: str, format_func=str, default=None, container=st, **kwargs):
    """A selectbox whose value is read from and written to the query parameter `param`."""
    _from_url(param, options, key)
    if key not in st.session_state or st.session_state[key] not in options:
        st.session_state[key] = default if default in options else options[0]
    _remember_widget(key)
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
    _remember_widget(key)
    value = container.multiselect(label, options, key=key, format_func=format_func, **kwargs)
    if value:
        st.query_params[param] = ",".join(_encode(v) for v in value)
    elif param in st.query_params:
        del st.query_params[param]
    return value


def state_selector(dataset: data.Dataset, container=st) -> str | None:
    """The state filter shared by every page (URL `state`); returns None for all states.

    A state official (signed in, scoped to a state) lands on their state; they can still choose
    other states and the national view for context.
    """
    options = [ALL, *dataset.state_names]
    scope = current_scope()
    default = scope.state if scope.role == "state" else ALL
    chosen = url_selectbox(t("state"), options, "state", "state", lambda s: t("all_states") if s == ALL else s, default=default, container=container)
    return None if chosen == ALL else chosen


def notify_ignored_params() -> None:
    """Say once which URL values were not understood (never echo them back into the page)."""
    ignored = st.session_state.pop("_ignored_params", None)
    if ignored:
        st.info(t("ignored_params", params=", ".join(sorted(set(ignored)))), icon=":material/link_off:")


# --- the index: weights and cached computations ---------------------------------------------


def weight_sliders(spec) -> dict[str, float]:
    """One slider per domain (0-1), seeded from the URL (`w_<domain>`) or the defaults; a reset button."""
    defaults = spec.default_weights
    if st.session_state.pop("_reset_weights", False):
        for domain_id, weight in defaults.items():
            st.session_state[f"weight_{domain_id}"] = weight
    with st.expander(t("weights_title"), expanded=False, icon=":material/tune:"):
        columns = st.columns(len(spec.domains))
        weights = {}
        for column, domain in zip(columns, spec.domains):
            key, param = f"weight_{domain.id}", f"w_{domain.id}"
            if key not in st.session_state:
                st.session_state[key] = _weight_from_url(param, domain.weight)
            weights[domain.id] = column.slider(domain.label[language()], 0.0, 1.0, step=0.025, key=key)
            if abs(weights[domain.id] - domain.weight) > 1e-9:
                st.query_params[param] = f"{weights[domain.id]:g}"
            elif param in st.query_params:
                del st.query_params[param]
        if st.button(t("reset_weights"), icon=":material/restart_alt:"):
            st.session_state["_reset_weights"] = True
            st.rerun()
    if sum(weights.values()) == 0:
        st.warning(t("zero_weights"))
        return defaults
    return weights


def _weight_from_url(param: str, default: float) -> float:
    raw = st.query_params.get(param)
    if raw is None:
        return default
    value = selection.parse_weight(raw)
    if value is None:
        st.session_state.setdefault("_ignored_params", []).append(param)
        return default
    return value


def index_spec(dataset: data.Dataset) -> tuple[composite.IndexSpec, dict[str, str]]:
    """The index configuration, with imported indicators standing in where they declare `replaces`."""
    present = set(dataset.indicators.loc[dataset.indicators["value"].notna(), "indicator"])
    return composite.with_replacements(data.index_spec(), data.catalogue(), present)


@st.cache_data(max_entries=64, show_spinner=False)
def _index_table(token: str, weights: tuple) -> tuple[pd.DataFrame, dict[str, int]]:
    dataset = data.current_dataset()
    spec, _ = index_spec(dataset)
    return composite.index_table(dataset.districts, dataset.indicators, spec, dict(weights))


def cached_index_table(dataset: data.Dataset, weights: tuple) -> tuple[pd.DataFrame, dict[str, int]]:
    """The index for these weights, cached per build and weights (shared across sessions)."""
    return _index_table(dataset.manifest["built_at"] + dataset.manifest.get("code_version", ""), weights)


@st.cache_data(max_entries=64, show_spinner=False)
def _rank_bands(token: str, weights: tuple) -> pd.DataFrame:
    table, _ = _index_table(token, weights)
    spec = data.index_spec()  # domain ids do not change with replacements
    scores = table.set_index("code_state_district")[[domain.id for domain in spec.domains]]
    return composite.rank_uncertainty(scores.loc[table.set_index("code_state_district")["index"].notna()], dict(weights))


def cached_rank_bands(dataset: data.Dataset, weights: tuple) -> pd.DataFrame:
    """Median need-rank and 5-95 % interval under Dirichlet-perturbed weights (500 draws)."""
    return _rank_bands(dataset.manifest["built_at"] + dataset.manifest.get("code_version", ""), weights)


def index_source_line(spec, years: dict[str, int], dataset: data.Dataset) -> str:
    """Which indicators (and years) feed the index, how each was made, and any imported replacement."""
    catalogue = data.catalogue()
    spec, replacements = index_spec(dataset)
    replaced_by = {new: old for old, new in replacements.items()}

    def describe(indicator: str) -> str:
        text = f"{catalogue[indicator]['label'][language()]} {years[indicator]}"
        if indicator in replaced_by:
            return text + " (" + t("replaces", replaced=catalogue.get(replaced_by[indicator], {}).get("label", {}).get(language(), replaced_by[indicator])) + ")"
        return text + (f" ({t('method_' + catalogue[indicator]['method'])})" if catalogue[indicator]["method"] in ("modelled", "imported") else "")

    parts = [describe(i) for i in spec.indicator_ids if i in years]
    missing = [catalogue[i]["label"][language()] if i in catalogue else i for i in spec.indicator_ids if i not in years]
    line = t("index_inputs", inputs="; ".join(parts))
    if missing:
        line += " " + t("index_missing_inputs", inputs=", ".join(missing))
    return line


def gap_delta_text(shortfall: float, fmt: str) -> str:
    """'12.3 behind' / '4.0 ahead' for a rural card, from the direction-aware shortfall."""
    amount = figures.format_value(abs(shortfall), fmt)
    return t("behind_urban", amount=amount) if shortfall > 0 else t("ahead_of_urban", amount=amount)


def reason_text(item) -> str:
    """Why a district is on the priority list, with its numbers."""
    if item.reason == "lowest_index":
        return t("reason_text_lowest_index", index=f"{item.index:.0f}")
    if item.reason == "gap_to_state_urban":
        return t("reason_text_gap", index=f"{item.index:.0f}", gap=f"{item.value:.0f}", reference=f"{item.reference:.0f}")
    return t("reason_text_agri", internet=f"{item.value:.1f}", dependence=f"{item.reference:.1f}")


def as_of_line(dataset: data.Dataset) -> str:
    """When the data was built and the newest data-as-of date among the sources."""
    dates = [value for value in dataset.manifest["data_as_of"].values() if value]
    return t("as_of_line", built_at=dataset.manifest["built_at"][:10], latest=max(dates) if dates else "—")


# --- sign-in and state scope ---------------------------------------------------------------------


def auth_configured() -> bool:
    """True when the deployer configured Streamlit's OpenID Connect login ([auth] in secrets)."""
    try:
        return "auth" in st.secrets
    except StreamlitSecretNotFoundError:
        return False


def resolve_scope() -> access.Scope:
    """Sign the user in when login is configured and map them to a scope; open access otherwise."""
    if not auth_configured():
        scope = access.OPEN
    else:
        if not st.user.get("is_logged_in", False):
            st.title("Jurang")
            st.write(t("login_prompt"))
            st.button(t("login"), on_click=st.login, icon=":material/login:")
            st.stop()
        scope = access.scope_for(st.user.get("email"), access.load_access(set(STATE_NAMES)))
        with st.sidebar:
            st.caption(t("signed_in_as", email=st.user.get("email", "?"), scope=scope.state or t("all_states")))
            st.button(t("logout"), on_click=st.logout, icon=":material/logout:")
        if not scope.can_view:
            st.error(t("no_access"))
            st.stop()
    st.session_state["scope"] = scope
    return scope


def current_scope() -> access.Scope:
    return st.session_state.get("scope", access.OPEN)


def state_borders(dataset: data.Dataset, state: str | None) -> tuple[str, list[str]]:
    """State outlines for a map: every state, or just the one shown (shapes served as a file)."""
    return data.current_geojson_urls()["states"], dataset.state_names if state is None else [state]


@st.cache_data(max_entries=4, show_spinner=False)
def _target_evaluations(token: str) -> pd.DataFrame:
    from dashboard import targets
    from etl.target_registry import load_targets

    dataset = data.current_dataset()
    population, _ = metrics.population_for_year(dataset.indicators, 2100)
    frames = [targets.evaluate_target(target, dataset.published, dataset.indicators, dataset.districts, population) for target in load_targets()]
    return pd.concat(frames, ignore_index=True)


def cached_target_evaluations(dataset: data.Dataset) -> pd.DataFrame:
    """Status of every target for every geography it applies to, once per build."""
    return _target_evaluations(dataset.manifest["built_at"] + dataset.manifest.get("code_version", ""))


def next_update(as_of: str | None, frequency: str | None) -> str:
    """When the next release is expected: as-of plus the release period (years), or a word."""
    if frequency in (None, "irregular"):
        return t("update_irregular")
    if frequency == "none":
        return t("update_none")
    if not as_of or not frequency.startswith("P") or not frequency.endswith("Y"):
        return "—"
    year = int(str(as_of)[:4]) + int(frequency[1:-1])
    return t("update_expected", year=year)
