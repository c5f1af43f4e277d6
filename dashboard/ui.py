"""The pages' common ground: the session's language and its words, the dataset (or a clear
message when it is not built), and the scene of a page's selection. Widgets that live in the URL
are in dashboard.url_state, charts with their downloads in dashboard.chart_downloads, sign-in in
dashboard.signin."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import streamlit as st

from dashboard import data, figures, i18n


CARDS_CSS = Path(__file__).resolve().parent / "static" / "cards.css"
STICKY_CSS = Path(__file__).resolve().parent / "static" / "sticky.css"


@lru_cache(maxsize=1)
def cards_style() -> str:
    """The cards' <style> block, read once per process (not from disk on every rerun)."""
    return f"<style>{CARDS_CSS.read_text()}</style>"


def card_row(name: str):
    """A row of cards (bordered containers or metrics) that wraps: each card at least 15 rem wide
    (dashboard/static/cards.css), the row breaking onto a new line when they do not fit, so values and
    labels show in full at 1,024 px and on a projector (fixed st.columns squeezed six cards to '6,…')."""
    st.html(cards_style())  # style only: no space taken on the page
    return st.container(horizontal=True, gap="small", key=f"cards_{name}")


@lru_cache(maxsize=1)
def sticky_style() -> str:
    """The sticky summary's <style> block, read once per process."""
    return f"<style>{STICKY_CSS.read_text()}</style>"


def sticky_summary(name: str):
    """A container for a page's short summary that stays at the top while the tabs below it scroll
    (dashboard/static/sticky.css): a long page keeps its place and headline figures in view."""
    st.html(sticky_style())  # style only: no space taken on the page
    return st.container(key=f"sticky_{name}")


def language() -> str:
    """The session's language; the default until the language switch holds a known one."""
    chosen = st.session_state.get("lang")
    return chosen if chosen in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE


def t(key: str, **values) -> str:
    return i18n.translate(key, language(), **values)


def domain_labels() -> dict[str, str]:
    return {domain.id: domain.label[language()] for domain in data.index_spec().domains}


def scene_for(dataset: data.Dataset, selection):
    """The scene of this page's selection (computed once per build and selection, shared by sessions)."""
    from dashboard import scene

    return scene.build_selection(dataset, selection)


def geography_note(scene) -> None:
    """On a seat map or table: how seat values not published per seat were estimated."""
    if "from_districts" in scene.sentences:
        st.caption(scene.sentences["from_districts"])


def require_dataset() -> data.Dataset:
    """The built dataset, or a clear message (not a traceback) and stop when it is missing."""
    try:
        dataset = data.current_dataset()
    except data.DataNotBuiltError:
        st.warning(t("data_not_built"), icon=":material/database:")
        st.stop()
    note_data_update(dataset)
    return dataset


SESSION_BUILD_KEY = "_data_build"  # the build this session last showed (its token)


def build_date(dataset: data.Dataset) -> str:
    """The build's time as shown in the update notice: '2025-06-01 14:03 UTC'."""
    built_at = str(dataset.manifest.get("built_at", ""))
    return f"{built_at[:10]} {built_at[11:16]} UTC" if len(built_at) >= 16 else built_at


def note_data_update(dataset: data.Dataset) -> None:
    """Once, when a rebuild replaced the data this session was showing: a notice naming the new build."""
    previous = st.session_state.get(SESSION_BUILD_KEY)
    st.session_state[SESSION_BUILD_KEY] = dataset.token
    if previous is not None and previous != dataset.token:
        st.toast(t("data_updated", date=build_date(dataset)), icon=":material/update:")


def label(indicator_id: str) -> str:
    return data.catalogue()[indicator_id]["label"][language()]


def unit(indicator_id: str) -> str:
    return data.catalogue()[indicator_id]["unit"][language()]


def label_with_domain(indicator_id: str) -> str:
    """'Domain · Label' so the indicator list reads grouped by domain."""
    return labels_with_domain([indicator_id])[indicator_id]


def labels_with_domain(indicator_ids) -> dict[str, str]:
    """label_with_domain of every indicator at once (one catalogue and language lookup, not one per
    option: a selectbox formats all ~45 options on every rerun)."""
    catalogue, lang = data.catalogue(), language()
    return {
        indicator_id: (
            f"{i18n.translate('domain_' + catalogue[indicator_id]['domain'], lang)} · "
            f"{catalogue[indicator_id]['label'][lang]}"
        )
        for indicator_id in indicator_ids
    }


PLAY_STEP_S = 2.0  # seconds a year stays on screen while playing (a map repaint takes well under one)


def year_player(years: list, year_key: str, container=st) -> None:
    """A play/pause button stepping the year widget `year_key` through `years`, one every PLAY_STEP_S,
    stopping at the last year (play again from the first). A fragment's timer (run_every) advances the
    widget's value and reruns the page, so the map, the table and the URL's year= follow each step."""
    playing_key, page_run_key = f"_playing_{year_key}", f"_page_run_{year_key}"

    def toggle() -> None:  # a callback: runs before the page, when widget values may still be set
        playing = not st.session_state.get(playing_key, False)
        if playing and st.session_state.get(year_key) == years[-1]:
            st.session_state[year_key] = years[0]
        st.session_state[playing_key] = playing

    playing = st.session_state.get(playing_key, False)
    container.button(
        t("pause" if playing else "play"),
        icon=":material/pause:" if playing else ":material/play_arrow:",
        on_click=toggle,
        key=f"play_{year_key}",
        help=t("play_help", seconds=f"{PLAY_STEP_S:.0f}"),
    )
    st.session_state[page_run_key] = True

    @st.fragment(run_every=PLAY_STEP_S if playing else None)
    def step() -> None:
        if st.session_state.pop(page_run_key, False) or not st.session_state.get(playing_key):
            return  # the page's own run shows the current year first; a stopped player does nothing
        position = years.index(st.session_state[year_key]) if st.session_state.get(year_key) in years else -1
        st.session_state[year_key] = years[min(position + 1, len(years) - 1)]
        st.session_state[playing_key] = position + 2 < len(years)  # the last year reached: stop
        st.rerun()

    step()


def gap_delta_text(shortfall: float, fmt: str) -> str:
    """'12.3 behind' / '4.0 ahead' for a rural card, from the direction-aware shortfall."""
    amount = figures.format_value(abs(shortfall), fmt)
    return t("behind_urban", amount=amount) if shortfall > 0 else t("ahead_of_urban", amount=amount)
