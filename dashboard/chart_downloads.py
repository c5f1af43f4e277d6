"""A chart on a page with its downloads: PNG/SVG/PDF rendered server-side when clicked (one warm
browser), the data as CSV and XLSX (with a sources sheet), and its table one click away."""

from __future__ import annotations

import json
from functools import lru_cache

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.ui import language, t


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
    for fmt in ("png", "svg", "pdf"):
        row.download_button(
            fmt.upper(),
            data=lambda fmt=fmt: export.figure_bytes(
                inline_shapes(figure),
                fmt,
                title=title,
                subtitle=subtitle,
                source_line=source,
                as_of=as_of,
                lang=language(),
            ),
            file_name=export.file_name(*stem, extension=fmt),
            mime=export.MIME_TYPES[fmt],
            key=f"{key}_{fmt}",
            icon=":material/download:",
            on_click="ignore",
            help=t("download_image", fmt=fmt.upper()),
            width="content",
        )
    if table is not None:
        row.download_button(
            "CSV",
            data=lambda: export.table_csv(table),
            file_name=export.file_name(*stem, extension="csv"),
            mime=export.MIME_TYPES["csv"],
            key=f"{key}_csv",
            icon=":material/download:",
            on_click="ignore",
            width="content",
        )
        registry = data.sources()
        catalogue = data.catalogue()
        ids = indicators or []
        row.download_button(
            "XLSX",
            data=lambda: export.table_xlsx(
                table,
                provenance.sources_for(ids, catalogue, registry),
                provenance.definition_rows(ids, catalogue, language()),
                lang=language(),
                manifest=dataset.manifest,
            ),
            file_name=export.file_name(*stem, extension="xlsx"),
            mime=export.MIME_TYPES["xlsx"],
            key=f"{key}_xlsx",
            icon=":material/download:",
            on_click="ignore",
            width="content",
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
