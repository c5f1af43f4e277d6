"""A chart on a page with its downloads: PNG/SVG/PDF rendered server-side when clicked (one warm
browser), the data as CSV and XLSX (with a sources sheet), and its table one click away. Every
file made on click goes through `deferred_download`, which keeps it until the browser has fetched it."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from functools import lru_cache

import pandas as pd
import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from dashboard import data
from dashboard.ui import language, t

KEPT_PREFIX = "jurang-kept-download:"  # coordinates of the made files each session keeps (kept_download)


# Plotly fetches a world base map from its CDN even when hidden; serve local empty layers instead.
PLOTLY_CONFIG = {"topojsonURL": "app/static/topojson/", "displaylogo": False, "scrollZoom": False}


def scene_chart(
    scene,
    figure_name: str,
    table_name: str,
    key: str,
    *,
    subtitle: str = "",
    alt: str = "",
    figure_options: dict | None = None,
) -> None:
    """A scene's figure with its downloads and its table one click away. The CSV/XLSX carry the
    scene table's values exactly as `python -m dashboard.scene --format csv` writes them.
    figure_options: what only the app knows (e.g. the served shapes' URL for maps)."""
    table = scene.tables[table_name]
    figure = scene.figure_builders[figure_name](**(figure_options or {}))
    st.plotly_chart(figure, config=PLOTLY_CONFIG, width="stretch", key=key)
    downloads(
        figure,
        key,
        table.frame,
        title=table.title,
        subtitle=subtitle,
        source=table.source,
        indicators=list(table.indicators),
    )
    with st.expander(t("view_as_table"), icon=":material/table_view:"):
        if alt:
            st.caption(alt)
        st.dataframe(table.display(), hide_index=True, width="stretch")


def downloads(
    figure,
    key: str,
    table: pd.DataFrame | None,
    *,
    title: str,
    subtitle: str = "",
    source: str = "",
    indicators: list[str] | None = None,
) -> None:
    """Download buttons for one chart: images are rendered only when clicked (one warm browser)."""
    from dashboard import export, provenance

    dataset = data.current_dataset()
    dates = [value for value in dataset.manifest["data_as_of"].values() if value]
    as_of = max(dates) if dates else ""  # repeated in the footer only if the source line lacks it
    stem = [key, subtitle]
    # one row that wraps (a flex container, buttons as wide as their label): at 1,024 px a column
    # per button squeezed the labels to single letters
    row = st.container(horizontal=True, gap="small")
    lang = language()
    for fmt in ("png", "svg", "pdf"):
        deferred_download(
            row,
            fmt.upper(),
            lambda fmt=fmt: export.figure_bytes(
                inline_shapes(figure),
                fmt,
                title=title,
                subtitle=subtitle,
                source_line=source,
                as_of=as_of,
                lang=lang,
            ),
            file_name=export.file_name(*stem, extension=fmt),
            mime=export.MIME_TYPES[fmt],
            key=f"{key}_{fmt}",
            icon=":material/download:",
            help=t("download_image", fmt=fmt.upper()),
            width="content",
        )
    if table is not None:
        deferred_download(
            row,
            "CSV",
            lambda: export.table_csv(table),
            file_name=export.file_name(*stem, extension="csv"),
            mime=export.MIME_TYPES["csv"],
            key=f"{key}_csv",
            icon=":material/download:",
            width="content",
        )
        registry = data.sources()
        catalogue = data.catalogue()
        ids = indicators or []
        deferred_download(
            row,
            "XLSX",
            lambda: export.table_xlsx(
                table,
                provenance.sources_for(ids, catalogue, registry),
                provenance.definition_rows(ids, catalogue, lang),
                lang=lang,
                manifest=dataset.manifest,
            ),
            file_name=export.file_name(*stem, extension="xlsx"),
            mime=export.MIME_TYPES["xlsx"],
            key=f"{key}_xlsx",
            icon=":material/download:",
            width="content",
        )


def deferred_download(
    container, label: str, make: Callable[[], bytes | str], *, file_name: str, mime: str, key: str, **options
) -> None:
    """A download button whose file is made only when clicked (on_click="ignore": no rerun), and kept
    until the browser has fetched it (see kept_download). `options` go to st.download_button."""
    container.download_button(
        label,
        data=kept_download(make, file_name=file_name, mime=mime, key=key),
        file_name=file_name,
        mime=mime,
        key=key,
        on_click="ignore",
        **options,
    )


def kept_download(make: Callable[[], bytes | str], *, file_name: str, mime: str, key: str) -> Callable[[], bytes]:
    """`make`, wrapped so that the file it makes stays served until this session's next script run.

    Streamlit stores a deferred download's file unreferenced and deletes such a file on the second
    orphan sweep, and every script run of any session ends with a sweep: with several sessions busy,
    two sweeps can fall between the file being made and the browser fetching it, and the download
    fails (HTTP 404, "Download Button source error"; seen in the soak, bench/README.md). Here the
    made bytes are also registered as this session's own file under KEPT_PREFIX + key, with the same
    bytes, MIME type and file name, so the same file id Streamlit serves: that reference lasts until
    the session's next full run (or its end), then the file goes as any other. One file per button
    per session at most. Call during the script run (it notes the session)."""
    context = get_script_run_ctx()

    def made() -> bytes:
        payload = make()
        if isinstance(payload, str):  # as Streamlit would encode it, so both name the same file
            payload = payload.encode("utf-8")
        if context is not None and runtime.exists():
            hold(runtime.get_instance(), context, payload, file_name=file_name, mime=mime, key=key)
        return payload

    return made


def hold(instance, context, payload: bytes, *, file_name: str, mime: str, key: str) -> None:
    """Register `payload` as a file of `context`'s session (if it is still connected). Runs on a
    short-lived thread that carries the session's script-run context (Streamlit's way of telling a
    thread which session it works for), not on the shared worker thread the click runs on."""
    if not instance.is_active_session(context.session_id):
        return  # the browser has gone: a reference now would never be cleared
    holder = threading.Thread(
        target=instance.media_file_mgr.add,
        args=(payload, mime, KEPT_PREFIX + key),
        kwargs={"file_name": file_name, "is_for_static_download": True},
        name="jurang-kept-download",
        daemon=True,
    )
    add_script_run_ctx(holder, context)
    holder.start()
    holder.join()


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
