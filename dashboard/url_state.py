"""Selections that live in the URL: widgets seeded once per session from the link (unknown values
ignored and named in a notice), and written back so a copied link reopens the same view. Values are
checked with the same rules as dashboard.selection (the command line's parser)."""

from __future__ import annotations

import streamlit as st

from dashboard import data, selection, signin
from dashboard.selection import GEOGRAPHIES
from dashboard.ui import language, t


ALL = "all"  # query-string value for "no filter" (e.g. all states)


def _encode(value) -> str:
    return ALL if value is None else str(value)


KEPT = "_kept"  # session key: selections that hold across pages ({"state": …, "year": …})
PAGE_CHANGED = "_page_changed"  # session key: True on the first run of a page after another one


def note_page(page_id: str) -> None:
    """Called by app.py before each run of a page: remembers whether the page just changed (a
    widget left over from another page must then take the kept selection, not its stale value)."""
    st.session_state[PAGE_CHANGED] = st.session_state.get("_page") != page_id
    st.session_state["_page"] = page_id


def _from_url(param: str, options: list, key: str, resolve=None) -> None:
    """Seed a widget's state from the URL once per session; unknown values are ignored with a
    notice — only the first time the session reads that parameter (the link as opened), so a
    later change (e.g. another indicator without the link's year) raises no false alarm.
    resolve: the command lines' resolver for this parameter (raw text -> canonical value), so a
    link reads as `python -m dashboard.scene` reads it (`state=sabah` is Sabah in both)."""
    if key in st.session_state or param not in st.query_params:
        return
    raw = st.query_params[param]
    if resolve is not None:
        try:
            raw = _encode(resolve(raw))
        except selection.SelectionError:
            pass  # not resolvable: ignored with the notice below
    matches = [option for option in options if _encode(option) == raw]
    read = st.session_state.setdefault("_params_read", set())
    if matches:
        st.session_state[key] = matches[0]
    elif param not in read:
        st.session_state.setdefault("_ignored_params", []).append(param)
    read.add(param)


def _from_kept(name: str | None, options: list, key: str) -> None:
    """Seed a widget from the session's kept selection (a state chosen on one page stays chosen on
    the next: Streamlit forgets the widgets of a page it leaves, the session keeps this)."""
    if name is None or (key in st.session_state and not st.session_state.get(PAGE_CHANGED, False)):
        return  # on a page's own reruns the widget's value (the user's latest choice) stands
    kept = st.session_state.get(KEPT, {})
    if name in kept and kept[name] in options:
        st.session_state[key] = kept[name]


def _remember_widget(key: str) -> None:
    st.session_state.setdefault("_translated_widgets", set()).add(key)


def keep_selections_on_language_change() -> None:
    """on_change of the language switch: re-assert every selection made through the URL-aware
    widgets. Their labels are translated, and without this Streamlit would match the old-language
    label against the new options and silently fall back to the default."""
    for key in st.session_state.get("_translated_widgets", set()):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def url_selectbox(
    label: str,
    options: list,
    key: str,
    param: str,
    format_func=str,
    default=None,
    container=st,
    keep_as: str | None = None,
    slider: bool = False,
    resolve=None,
    **kwargs,
):
    """A selectbox (with slider, a select_slider) whose value is read from and written to the query
    parameter `param`; with keep_as, the value also holds across pages for the session (state, year)."""
    _from_kept(keep_as, options, key)
    _from_url(param, options, key, resolve)
    if key not in st.session_state or st.session_state[key] not in options:
        st.session_state[key] = default if default in options else options[0]
    _remember_widget(key)
    if slider:
        value = container.select_slider(label, options, key=key, format_func=format_func, **kwargs)
    else:
        kwargs.setdefault("placeholder", t("choose_option"))  # Streamlit's own placeholder is English
        value = container.selectbox(label, options, key=key, format_func=format_func, **kwargs)
    st.query_params[param] = _encode(value)
    if keep_as is not None:
        st.session_state.setdefault(KEPT, {})[keep_as] = value
    return value


def kept(name: str, default=None):
    """A selection kept across pages this session (e.g. the state), or default."""
    return st.session_state.get(KEPT, {}).get(name, default)


def linked_or_kept(name: str, default=None):
    """What this page's link asks for (?name=…), else the selection kept this session; the caller
    checks it against what the user may choose."""
    return st.query_params.get(name) or kept(name, default)


def linked_state(dataset: data.Dataset) -> str | None:
    """The link's state (`state=sabah` read as the command lines read it), else the one chosen on
    the other pages this session; None for Malaysia or a state the link names wrongly."""
    try:
        return selection.resolve_state(linked_or_kept("state"), dataset.state_names)
    except selection.SelectionError:
        return None


def url_multiselect(label: str, options: list, key: str, param: str, format_func=str, container=st, **kwargs) -> list:
    """A multiselect mirrored in the query string as comma-separated values (unknown ones dropped)."""
    if key not in st.session_state and param in st.query_params:
        wanted = st.query_params[param].split(",")
        chosen = [option for option in options if _encode(option) in wanted]
        if len(chosen) < len([w for w in wanted if w]):
            st.session_state.setdefault("_ignored_params", []).append(param)
        st.session_state[key] = chosen
    _remember_widget(key)
    kwargs.setdefault("placeholder", t("choose_options"))  # Streamlit's own placeholder ("Choose options") is English
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
    scope = signin.current_scope()
    default = scope.state if scope.role == "state" else ALL
    chosen = url_selectbox(
        t("state"),
        options,
        "state",
        "state",
        lambda s: t("all_states") if s == ALL else s,
        default=default,
        container=container,
        keep_as="state",
        resolve=lambda raw: selection.resolve_state(raw, dataset.state_names),
    )
    return None if chosen == ALL else chosen


def geography_selector(dataset: data.Dataset, container=st) -> data.Dataset:
    """The areas switch shared by the seat pages (URL `geo`: district · parlimen · dun), kept across
    pages; returns the dataset at the chosen level (its areas, values and options)."""
    chosen = url_selectbox(
        t("geography"),
        list(GEOGRAPHIES),
        "geo",
        "geo",
        lambda g: t(f"geography_{g}"),
        default="district",
        container=container,
        keep_as="geo",
        help=t("geography_help"),
    )
    return dataset.at(chosen)


FINDER_KEY = "area_finder"


def area_finder(dataset: data.Dataset, container=st) -> None:
    """A search box over every district and seat (as Kawasanku's): choosing one shows its profile —
    the geography, state and area selectors are set to it, so the URL follows."""
    entries = {}
    for geography in GEOGRAPHIES:
        areas = dataset.at(geography).districts
        kind = t("district" if geography == "district" else f"district_{geography}")
        entries.update(
            {
                f"{geography}:{code}": (f"{name} · {state} · {kind}", geography, code, state)
                for code, name, state in zip(areas["code_state_district"], areas["district"], areas["state"])
            }
        )

    def jump() -> None:
        chosen = st.session_state.get(FINDER_KEY)
        if chosen not in entries:
            return
        _, geography, code, state = entries[chosen]
        st.session_state["geo"] = geography
        st.session_state[f"district_code_{geography}"] = code
        if st.session_state.get("state", ALL) not in (ALL, state):
            st.session_state["state"] = state
        st.session_state.setdefault(KEPT, {}).update({"geo": geography, "state": st.session_state.get("state", ALL)})
        st.session_state[FINDER_KEY] = None

    container.selectbox(
        t("find_area"),
        list(entries),
        index=None,
        key=FINDER_KEY,
        format_func=lambda key: entries[key][0],
        placeholder=t("find_area_placeholder"),
        on_change=jump,
    )


def notify_ignored_params() -> None:
    """Say once which URL values were not understood (never echo them back into the page)."""
    ignored = st.session_state.pop("_ignored_params", None)
    if ignored:
        st.info(t("ignored_params", params=", ".join(sorted(set(ignored)))), icon=":material/link_off:")


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
            kept_weights = st.session_state.get(KEPT, {}).get("weights", {})
            if st.session_state.get(PAGE_CHANGED, False) and domain.id in kept_weights:
                st.session_state[key] = kept_weights[domain.id]  # back on the index page: the weights chosen before
            elif key not in st.session_state:
                st.session_state[key] = _weight_from_url(param, domain.weight)
            weights[domain.id] = column.slider(domain.label[language()], 0.0, 1.0, step=0.025, key=key)
            if abs(weights[domain.id] - domain.weight) > 1e-9:
                st.query_params[param] = f"{weights[domain.id]:g}"
            elif param in st.query_params:
                del st.query_params[param]
        if st.button(t("reset_weights"), icon=":material/restart_alt:"):
            st.session_state["_reset_weights"] = True
            st.rerun()
    st.session_state.setdefault(KEPT, {})["weights"] = dict(weights)
    if sum(weights.values()) == 0:
        st.warning(t("zero_weights"))
        return defaults
    return weights


def imports_switch(replacements: dict[str, str], labels: dict[str, str]) -> bool:
    """The index page's switch for imported series that replace an index input (shown only when
    there are some): on by default, `imports=off` in the link when off, kept for the session so the
    other pages and the pack show the same index. labels: imported id -> its label."""
    if not replacements:
        return True
    key = "use_imported"
    if key not in st.session_state:
        st.session_state[key] = url_use_imported()
    value = st.toggle(t("imports_switch"), key=key, help=t("imports_switch_help", series=", ".join(labels.values())))
    if value:
        st.query_params.pop("imports", None)
    else:
        st.query_params["imports"] = "off"
    st.session_state.setdefault(KEPT, {})["use_imported"] = value
    return value


def url_use_imported() -> bool:
    """Whether imported series replace the index inputs they stand for: the link's `imports=on|off`,
    else the choice made on the index page this session, else on. An unrecognised value: a notice."""
    raw = st.query_params.get("imports")
    if raw in ("on", "off"):
        return raw == "on"
    if raw is not None:
        st.session_state.setdefault("_ignored_params", []).append("imports")
    return kept("use_imported", True)


def kept_weights_query() -> str:
    """The index weights chosen this session that differ from the defaults, as a link's query
    ('w_economy=0.5'), so a pack or another page shows the same index as the index page."""
    chosen = kept("weights", {})
    defaults = data.index_spec().default_weights
    return "&".join(
        f"{selection.WEIGHT_PREFIX}{domain}={weight:g}"
        for domain, weight in chosen.items()
        if domain in defaults and abs(weight - defaults[domain]) > 1e-9 and any(chosen.values())
    )


def _weight_from_url(param: str, default: float) -> float:
    raw = st.query_params.get(param)
    if raw is None:
        return default
    value = selection.parse_weight(raw)
    if value is None:
        st.session_state.setdefault("_ignored_params", []).append(param)
        return default
    return value


def url_weights() -> tuple[tuple[str, float], ...]:
    """Index weights a link carries (w_<domain>), for pages without the sliders: they show the
    same index as the index page the link came from. Unrecognised values are ignored with a notice."""
    weights = []
    kept_weights = kept("weights", {})
    for domain_id in data.index_spec().default_weights:
        raw = st.query_params.get(selection.WEIGHT_PREFIX + domain_id)
        if raw is None:
            if domain_id in kept_weights and any(kept_weights.values()):
                weights.append((domain_id, kept_weights[domain_id]))  # chosen on the index page this session
            continue
        value = selection.parse_weight(raw)
        if value is None:
            st.session_state.setdefault("_ignored_params", []).append(selection.WEIGHT_PREFIX + domain_id)
        else:
            weights.append((domain_id, value))
    return tuple(weights)
