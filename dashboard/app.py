"""Jurang dashboard entry point: `streamlit run dashboard/app.py`."""

from __future__ import annotations

import time

_STARTED = time.perf_counter()  # this run's start: its imports count (the first run of a process pays them)

import os  # noqa: E402 — after the clock starts
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import streamlit as st  # noqa: E402

from dashboard import i18n, signin, ui, url_state, warmup  # noqa: E402 — importable from the editable install (`make install`: pip install -e .)
from dashboard import navigation as navigation_registry  # noqa: E402

# JURANG_TIMINGS=1: one stderr line per script run (page, milliseconds),
# read by bench/bench_browser.py and bench_load.py.
TIMINGS = bool(os.environ.get("JURANG_TIMINGS"))


# A local icon: a Material icon name here would make the browser fetch it from Google Fonts.
st.set_page_config(
    page_title="Jurang", page_icon=str(Path(__file__).resolve().parent / "static" / "favicon.png"), layout="wide"
)

if st.session_state.get("lang") not in i18n.LANGUAGES:  # a new session (or a switch that came back empty)
    requested = st.query_params.get("lang")
    st.session_state["lang"] = requested if requested in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE

with st.sidebar:
    st.segmented_control(
        ui.t("language"),
        options=list(i18n.LANGUAGES),
        format_func=i18n.LANGUAGES.get,
        key="lang",
        required=True,  # clicking the language in use keeps it (an unselected control would leave no language)
        on_change=url_state.keep_selections_on_language_change,
    )

st.query_params["lang"] = ui.language()
signin.resolve_scope()

sections: dict[str, list[st.Page]] = {}
for spec in navigation_registry.PAGES:
    options = {"url_path": spec.url_path} if spec.url_path else {"default": True}
    page = st.Page(spec.path, title=ui.t(spec.title_key), icon=f":material/{spec.icon}:", **options)
    sections.setdefault(ui.t(spec.section_key) if spec.section_key else "", []).append(page)
navigation = st.navigation(sections)
url_state.note_page(navigation.url_path)
try:
    with warmup.serving():
        navigation.run()
finally:
    # After the first run (so it never competes with the first page): the other default scenes, once per
    # process. deploy/serve.py starts it at process start instead. Not under AppTest (a test process).
    if not st.get_option("global.appTest") and os.environ.get("JURANG_WARMUP", "1") != "0":
        warmup.start()
    if TIMINGS:
        print(
            f"jurang-rerun page={navigation.url_path or 'overview'} ms={1000 * (time.perf_counter() - _STARTED):.1f}",
            file=sys.stderr,
            flush=True,
        )
