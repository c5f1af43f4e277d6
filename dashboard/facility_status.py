"""Imported facility connection status on the map's school and clinic layers. Pure (no Streamlit).

The build's facility_status.parquet (etl/facility_status.py) gives each listed school or clinic its
status class against the Giga 20 Mbps benchmark, its technology, speed and measured date, and the
file it came from. A facility the file does not list is "no status" (grey), never "not connected".
The file's name and technology words are the uploader's text: escaped before Plotly renders them.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from dashboard import figures

STATUS_KINDS = {"school": "schools", "clinic": "clinics"}  # map layer -> kind of import


@dataclass(frozen=True)
class StatusLayer:
    """One layer's points coloured by an imported status file."""

    classes: pd.Series  # per point: a key of figures.FACILITY_STATUS_COLOURS
    hover: pd.Series  # per point: its status line (status, technology, speed, measured date)
    names: dict[str, str]  # status class -> legend label
    legend_title: str  # the layer, the file and its dates


def status_layer(points: pd.DataFrame, statuses: pd.DataFrame | None, layer: str, words) -> StatusLayer | None:
    """The status of each point of a layer (points: facility_id…), or None when no file of its kind was imported."""
    if statuses is None or layer not in STATUS_KINDS:
        return None
    imported = statuses.loc[statuses["kind"] == STATUS_KINDS[layer]]
    if imported.empty:
        return None
    source = imported.iloc[0]
    file = html.escape(str(source["source_file"]))
    status = imported.set_index("facility_id").reindex(points["facility_id"]).set_axis(points.index)
    listed = status["status"].notna()
    technology = status["technology"].map(
        lambda text: html.escape(text) if isinstance(text, str) else words.t("status_technology_unknown")
    )
    unknown_speed = words.t("status_speed_unknown")
    speed = status["speed_mbps"].map(
        lambda v: unknown_speed if pd.isna(v) else figures.format_value(v, ",.0f") + " Mbps"
    )
    measured = " · " + words.t("status_measured") + " " + status["measured_on"].fillna("")
    connected = words.t("status_hover_connected") + " · " + technology + " · " + speed + measured
    not_connected = words.t("status_hover_not_connected") + measured
    hover = connected.where(status["connected"].eq(True), not_connected).where(
        listed, words.t("status_hover_none", file=file)
    )
    title = words.t(
        "status_legend",
        layer=words.t("layer_" + layer),
        file=file,
        measured_from=imported["measured_on"].min(),
        measured_to=imported["measured_on"].max(),
        imported=str(source["imported_at"])[:10],
    )
    names = {status_class: words.t("status_" + status_class) for status_class in figures.FACILITY_STATUS_COLOURS}
    return StatusLayer(status["status"].fillna("no_status"), hover, names, title)
