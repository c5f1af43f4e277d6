"""Plotly figure builders: pure functions (frames in, figures out), no Streamlit.

Maps use Plotly's `geo` subplot with the base map switched off, so nothing is drawn from
third-party tiles; the district shapes come from our own GeoJSON.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

# ColorBrewer YlGnBu: sequential and colour-blind safe; light = low, dark = high
SEQUENTIAL_COLOURS = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"]
NO_DATA_COLOUR = "#d4d4d4"
HIGHLIGHT_COLOUR = "#d7301f"
STATE_LINE_COLOUR = "#4d4d4d"
FONT_FAMILY = "Source Sans Pro, Arial, sans-serif"
TICK_FORMAT = ",~r"  # d3: thousands separators, no SI suffix ("4,000" not "4k"), no trailing zeros
GRID_COLOUR = "#e5e7eb"
AXIS_TITLE_CHARS = 42  # a y-axis title longer than this wraps onto a second line instead of running off the chart


def wrap_title(text: str, chars: int = AXIS_TITLE_CHARS) -> str:
    """An axis title broken into lines of at most `chars` characters (plotly <br>), so a long
    indicator name never runs past the plot's height."""
    import textwrap

    return "<br>".join(textwrap.wrap(text, chars, break_long_words=False)) if len(text) > chars else text


def year_axis(years) -> dict:
    """X-axis settings for years: one tick per year (never a year repeated at half-year ticks)
    while there are few years, whole years only beyond that."""
    present = sorted({int(year) for year in years if pd.notna(year)})
    if present and present[-1] - present[0] <= 15:
        return {"tickmode": "linear", "tick0": present[0], "dtick": 1, "tickformat": "d"}
    return {"tickformat": "d", "dtick": 5 if present else None}


def padded_range(values, pad_share: float = 0.08, floor: float | None = None) -> list[float]:
    """An axis range around `values` with a margin on both sides (one value gets ±1)."""
    present = [float(value) for value in values if value is not None and pd.notna(value)]
    if not present:
        return [0.0, 1.0]
    low, high = min(present), max(present)
    pad = (high - low) * pad_share if high > low else max(1.0, abs(high) * 0.05)
    low, high = low - pad, high + pad
    if floor is not None:
        low = max(floor, low)
    return [low, high]


@dataclass(frozen=True)
class ClassScheme:
    """Class boundaries and their legend labels; class i holds values < upper_bounds[i]."""

    upper_bounds: tuple[float, ...]  # k-1 inner boundaries, ascending
    labels: tuple[str, ...]  # k labels
    colours: tuple[str, ...]  # k colours


def round_significant(value: float, digits: int = 2) -> float:
    """Round to `digits` significant figures, so legend boundaries read cleanly."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - int(math.floor(math.log10(abs(value)))))


def format_value(value: float, fmt: str, unit: str = "", no_data: str = "no data") -> str:
    """One value for display; NaN becomes the no-data wording, never 0."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return no_data
    text = format(value, fmt)
    return f"{text} {unit}".strip() if unit else text


def quantile_bins(values: np.ndarray, k: int) -> np.ndarray:
    """Upper bounds of k quantile classes, ties collapsed: mapclassify's Quantiles (linear interpolation)
    in numpy, because importing mapclassify pulled scikit-learn and scipy.stats into every process (1.5-5 s)."""
    step = 100.0 / k
    percents = np.minimum(np.arange(step, 100 + step, step)[:k], 100.0)
    return np.unique(np.percentile(values, percents))


def quantile_scheme(values: pd.Series, fmt: str, k: int = 5, colours: list[str] = SEQUENTIAL_COLOURS) -> ClassScheme:
    """Quantile classes over the non-missing values, boundaries rounded to 2 significant figures."""
    present = values.dropna().to_numpy(dtype=float)
    if present.size == 0:
        return ClassScheme((), ("no values",), (colours[0],))
    k = max(1, min(k, np.unique(present).size))
    inner = quantile_bins(present, k)[:-1] if k > 1 else []
    bounds = sorted({round_significant(float(b)) for b in inner})
    bounds = [b for b in bounds if present.min() < b <= present.max()]
    labels = _class_labels(bounds, fmt)
    palette = _spread(colours, len(labels))
    return ClassScheme(tuple(bounds), tuple(labels), tuple(palette))


def _class_labels(bounds: list[float], fmt: str) -> list[str]:
    if not bounds:
        return ["all values"]
    shown = [format(b, fmt) for b in bounds]
    middle = [f"{low} – {high}" for low, high in zip(shown[:-1], shown[1:])]
    return [f"< {shown[0]}", *middle, f"≥ {shown[-1]}"]


def _spread(colours: list[str], count: int) -> list[str]:
    """Pick `count` colours spread across the palette (keeps the ends)."""
    if count >= len(colours):
        return list(colours[:count])
    positions = np.linspace(0, len(colours) - 1, count).round().astype(int)
    return [colours[i] for i in positions]


def assign_classes(values: pd.Series, scheme: ClassScheme) -> pd.Series:
    """Class index per value (0 = lowest); NaN stays NaN."""
    classes = np.searchsorted(np.asarray(scheme.upper_bounds, dtype=float), values.to_numpy(dtype=float), side="right")
    return pd.Series(classes, index=values.index, dtype="float").where(values.notna())


def feature_bounds(features: list[dict]) -> tuple[float, float, float, float]:
    """West, south, east, north of GeoJSON features (drives the map's extent)."""
    lons: list[float] = []
    lats: list[float] = []

    def walk(coordinates) -> None:
        if isinstance(coordinates[0], (int, float)):
            lons.append(coordinates[0])
            lats.append(coordinates[1])
        else:
            for item in coordinates:
                walk(item)

    for feature in features:
        walk(feature["geometry"]["coordinates"])
    return min(lons), min(lats), max(lons), max(lats)


BORNEO_WEST_LON = (
    107.0  # the South China Sea: Peninsular Malaysia ends near 104.6° E, Malaysian Borneo starts near 109.6° E
)
PART_GAP = 0.015  # share of the figure's width between the two parts


def peninsula_and_borneo(
    extents: dict[str, tuple[float, float, float, float]],
) -> tuple[list[str], list[str]]:
    """Keys of the areas (key -> west, south, east, north) in Peninsular Malaysia and in Malaysian
    Borneo (Sabah, Sarawak, Labuan), in their given order."""
    peninsula = [key for key, extent in extents.items() if extent[0] <= BORNEO_WEST_LON]
    return peninsula, [key for key, extent in extents.items() if extent[0] > BORNEO_WEST_LON]


def union_bounds(extents) -> tuple[float, float, float, float]:
    """West, south, east, north around several extents."""
    extents = list(extents)
    return (
        min(e[0] for e in extents),
        min(e[1] for e in extents),
        max(e[2] for e in extents),
        max(e[3] for e in extents),
    )


def frame_geos(
    figure: go.Figure,
    parts: list[tuple[float, float, float, float]],
    pad_share: float = 0.03,
    pad_deg: float = 0.05,
) -> None:
    """Fit the map to what is drawn: one part (a state, or one side of the sea) in the `geo` subplot;
    both parts of Malaysia side by side — Peninsular in `geo`, Borneo in `geo2`, its traces already
    assigned there — without the 500 km of empty sea between them. The two share one latitude range
    and get widths in proportion to their longitude spans, so both are drawn at the same scale.
    The base map is off (nothing drawn from third-party tiles)."""
    style = {"visible": False, "projection_type": "mercator", "bgcolor": "rgba(0,0,0,0)"}

    def padded(west, south, east, north):
        pad_lon, pad_lat = pad_share * (east - west) + pad_deg, pad_share * (north - south) + pad_deg
        return [west - pad_lon, east + pad_lon], [south - pad_lat, north + pad_lat]

    if len(parts) == 1:
        lon_range, lat_range = padded(*parts[0])
        figure.update_geos(lonaxis_range=lon_range, lataxis_range=lat_range, **style)
        return
    _, south, _, north = union_bounds(parts)
    ranges = [padded(west, south, east, north) for west, _, east, _ in parts]
    spans = [lon[1] - lon[0] for lon, _ in ranges]
    split = spans[0] / sum(spans)
    domains = [[0.0, split - PART_GAP / 2], [split + PART_GAP / 2, 1.0]]
    for name, (lon_range, lat_range), domain in zip(("geo", "geo2"), ranges, domains):
        figure.update_layout(
            {name: {"lonaxis_range": lon_range, "lataxis_range": lat_range, "domain": {"x": domain, "y": [0, 1]}}}
        )
    figure.update_geos(**style)


def malaysia_parts(features: list[dict]) -> list[tuple[float, float, float, float]]:
    """The extent (west, south, east, north) of each part of Malaysia the features cover:
    [Peninsular, Borneo], or the one part they lie in. What frame_geos lays out."""
    extents = {number: feature_bounds([feature]) for number, feature in enumerate(features)}
    return [union_bounds(extents[key] for key in part) for part in peninsula_and_borneo(extents) if part]


def _as_parts(bounds) -> list[tuple[float, float, float, float]]:
    """A map's `bounds`: one extent, or a list of extents (malaysia_parts)."""
    return [tuple(bounds)] if isinstance(bounds[0], (int, float)) else [tuple(part) for part in bounds]


def _into_parts(figure: go.Figure, parts: list, pad_deg: float) -> None:
    """Frame a figure drawn for one geo subplot; over both parts of Malaysia, every trace is drawn in
    the second subplot too (a copy without a legend entry; each subplot clips to its own frame)."""
    if len(parts) == 2:
        for trace in list(figure.data):
            figure.add_trace(type(trace)(trace).update(geo="geo2", showlegend=False))
    frame_geos(figure, parts, pad_share=0.0, pad_deg=pad_deg)


LEGEND_TITLE_CHARS = 64  # a map's legend title longer than this wraps (it fits a 1,024 px screen's map)


def legend_above(title: str) -> dict:
    """A map's legend in a row above the plot (its items wrapping when long), never over the land: a
    legend inside the frame covered Perlis and the north of the Peninsula."""
    return {
        "title": {"text": wrap_title(title, LEGEND_TITLE_CHARS), "side": "top"},
        "orientation": "h",
        "x": 0,
        "xanchor": "left",
        "y": 1.0,
        "yanchor": "bottom",
        "itemclick": False,
        "itemdoubleclick": False,
        "traceorder": "normal",
    }


def points_in_part(trace: go.Scattergeo, keep: np.ndarray) -> go.Scattergeo:
    """A copy of a point trace with only the points where `keep` is true (every per-point array cut alike)."""
    count = len(keep)
    spec = trace.to_plotly_json()

    def cut(values):
        if isinstance(values, (list, tuple, np.ndarray, pd.Series)) and len(values) == count:
            return [value for value, kept in zip(list(values), keep) if kept]
        return values

    for key in ("lon", "lat", "customdata", "text", "hovertext", "textposition", "ids", "locations"):
        if key in spec:
            spec[key] = cut(spec[key])
    for group in ("marker", "textfont"):
        for key in ("color", "size", "symbol", "opacity"):
            if key in spec.get(group, {}):
                spec[group][key] = cut(spec[group][key])
    return go.Scattergeo(spec)


def split_overlay(trace, east_of: float = BORNEO_WEST_LON) -> list:
    """An overlay over both parts of Malaysia: points on each side of the sea in that side's subplot
    (the legend entry kept once, on the first part that has points); lines, and traces without
    points, in both subplots (each clips to its frame)."""
    lons = getattr(trace, "lon", None)
    if trace.type == "scattergeo" and lons is not None and all(lon is None for lon in lons):
        return [trace]  # a legend line without a point (facility_layer's title)
    if trace.type != "scattergeo" or lons is None or "lines" in (trace.mode or "") or None in lons:
        return [trace, type(trace)(trace).update(geo="geo2", showlegend=False)]
    east = np.asarray(lons, dtype=float) > east_of
    parts = [points_in_part(trace, ~east), points_in_part(trace, east).update(geo="geo2")]
    shown = [part for part in parts if len(part.lon)] or parts[:1]
    for part in shown[1:]:
        part.update(showlegend=False)
    return shown


def state_border_lines(states) -> tuple[list, list]:
    """Longitude/latitude arrays (None-separated) tracing every state boundary, for a line overlay."""
    lons: list = []
    lats: list = []
    for geometry in states.geometry.boundary:
        parts = getattr(geometry, "geoms", [geometry])
        for line in parts:
            xs, ys = line.xy
            lons.extend([*xs, None])
            lats.extend([*ys, None])
    return lons, lats


def _district_shapes(
    codes: list[str], colour: str, features: dict[str, dict], geojson_url: str | None, **style
) -> go.Choropleth:
    """District shapes in one flat colour: from the served file when given, else only these features inline."""
    return go.Choropleth(
        geojson=geojson_url or {"type": "FeatureCollection", "features": [features[code] for code in codes]},
        featureidkey="properties.code_state_district",
        locations=codes,
        z=[0] * len(codes),
        colorscale=[[0, colour], [1, colour]],
        showscale=False,
        **style,
    )


def choropleth_map(
    frame: pd.DataFrame,
    features: dict[str, dict],
    scheme: ClassScheme,
    *,
    value_label: str,
    unit: str,
    fmt: str,
    title: str = "",
    no_data_label: str = "No data",
    state_lines: tuple[list, list] | None = None,
    highlight: list[str] | None = None,
    extra_hover: pd.Series | None = None,
    height: int | None = None,
    overlays: list | None = None,
    geojson_url: str | None = None,
    state_borders: tuple[dict | str, list[str]] | None = None,
    legend_title: str | None = None,
) -> go.Figure:
    """Classed choropleth: one legend entry per class plus a distinct 'No data' entry.

    frame: code_state_district, district, state, value (one row per district to draw).
    features: code_state_district -> GeoJSON feature (used for the map's extent, and sent inline
    when no geojson_url is given — exports need that). With geojson_url (a file the app serves),
    the browser fetches the shapes once and caches them, so each redraw sends only values.
    state_borders: (state GeoJSON or its URL, state names to outline) — drawn as outlines on top.
    state_lines: the same outlines as explicit line coordinates (heavier; kept for static exports).
    height: in px; by default 620, or 500 when both parts of Malaysia sit side by side (a wide map).
    """
    classes = assign_classes(frame["value"], scheme)
    hover_values = frame["value"].map(lambda v: format_value(v, fmt, unit, no_data_label.lower()))
    hover_extra = (
        extra_hover.reindex(frame.index).fillna("") if extra_hover is not None else pd.Series("", index=frame.index)
    )
    customdata = np.column_stack([frame["district"], frame["state"], hover_values, hover_extra])
    template = (
        f"<b>%{{customdata[0]}}</b> · %{{customdata[1]}}<br>"
        f"{value_label}: %{{customdata[2]}}%{{customdata[3]}}<extra></extra>"
    )

    extents = {code: feature_bounds([features[code]]) for code in frame["code_state_district"]}
    peninsula, borneo = peninsula_and_borneo(extents)
    split = bool(peninsula) and bool(borneo)  # both parts of Malaysia: side by side (frame_geos)
    in_borneo = frame["code_state_district"].isin(borneo if split else [])
    parts = [("geo", ~in_borneo), ("geo2", in_borneo)] if split else [("geo", ~in_borneo)]

    def add_layer(trace) -> None:
        for part in split_overlay(trace) if split else [trace]:
            figure.add_trace(part)

    figure = go.Figure()
    groups = [(i, label, colour) for i, (label, colour) in enumerate(zip(scheme.labels, scheme.colours))]
    groups.append((None, no_data_label, NO_DATA_COLOUR))
    for class_index, label, colour in groups:
        mask = classes.isna() if class_index is None else classes == class_index
        legend_shown = False
        for geo, part in parts:  # a class drawn in both parts is one legend entry
            rows = mask & part
            if not rows.any():
                continue
            figure.add_trace(
                _district_shapes(
                    frame.loc[rows, "code_state_district"].tolist(),
                    colour,
                    features,
                    geojson_url,
                    marker_line_color="white",
                    marker_line_width=0.4,
                    customdata=customdata[rows.to_numpy()],
                    hovertemplate=template,
                    name=label,
                    showlegend=not legend_shown,
                    legendrank=(class_index if class_index is not None else 999),
                    geo=geo,
                )
            )
            legend_shown = True
    if state_lines is not None:
        add_layer(
            go.Scattergeo(
                lon=state_lines[0],
                lat=state_lines[1],
                mode="lines",
                line={"color": STATE_LINE_COLOUR, "width": 0.9},
                hoverinfo="skip",
                showlegend=False,
                name="state borders",
            )
        )
    if state_borders is not None:
        geojson, names = state_borders
        add_layer(
            go.Choropleth(
                geojson=geojson,
                featureidkey="properties.state",
                locations=list(names),
                z=[0] * len(names),
                colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                showscale=False,
                marker_line_color=STATE_LINE_COLOUR,
                marker_line_width=1.0,
                hoverinfo="skip",
                showlegend=False,
                name="state borders",
            )
        )
    for overlay in overlays or []:
        add_layer(overlay)
    if highlight:
        chosen = [code for code in highlight if code in features]
        for geo, codes in (
            [("geo", chosen)]
            if not split
            else [
                ("geo", [code for code in chosen if code not in borneo]),
                ("geo2", [code for code in chosen if code in borneo]),
            ]
        ):
            if codes or geo == "geo":
                figure.add_trace(
                    _district_shapes(
                        codes,
                        "rgba(0,0,0,0)",
                        features,
                        geojson_url,
                        marker_line_color=HIGHLIGHT_COLOUR,
                        marker_line_width=2.5,
                        hoverinfo="skip",
                        name="selected",
                        showlegend=False,
                        geo=geo,
                    )
                )
    frame_geos(
        figure,
        [union_bounds(extents[code] for code in codes) for codes in (peninsula, borneo)]
        if split
        else [union_bounds(extents.values())],
    )
    figure.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"} if title else None,
        height=height or (500 if split else 620),
        margin={"l": 0, "r": 0, "t": 40 if title else 0, "b": 0},
        legend=legend_above(legend_title or unit),
        font={"family": FONT_FAMILY},
        paper_bgcolor="white",
        dragmode=False,
    )
    return figure


URBAN_CLASS_COLOURS = {"urban": "#2c7fb8", "semi_urban": "#7fcdbb", "rural": "#d95f0e"}  # colour-blind-safe trio
URBAN_CLASS_SYMBOLS = {"urban": "circle", "semi_urban": "diamond", "rural": "square"}  # shape too, not colour alone


def class_strip_plot(
    frame: pd.DataFrame,
    class_labels: dict[str, str],
    means: pd.DataFrame,
    *,
    value_label: str,
    unit: str,
    fmt: str,
    mean_label: str,
    height: int = 460,
) -> go.Figure:
    """Every district as a dot in its urban class (jittered), with the population-weighted class means.

    frame: district, state, urban_class, value, population. means: urban_class, mean.
    """
    figure = go.Figure()
    rng = np.random.default_rng(7)  # fixed jitter: the same picture on every rerun
    for position, urban_class in enumerate(["urban", "semi_urban", "rural"]):
        members = frame.loc[(frame["urban_class"] == urban_class) & frame["value"].notna()]
        jitter = rng.uniform(-0.28, 0.28, len(members))
        figure.add_trace(
            go.Scatter(
                x=position + jitter,
                y=members["value"],
                mode="markers",
                name=class_labels[urban_class],
                marker={
                    "color": URBAN_CLASS_COLOURS[urban_class],
                    "symbol": URBAN_CLASS_SYMBOLS[urban_class],
                    "size": 8,
                    "opacity": 0.75,
                    "line": {"width": 0.5, "color": "white"},
                },
                legendrank=position + 1,
                customdata=np.column_stack(
                    [members["district"], members["state"], members["value"].map(lambda v: format_value(v, fmt, unit))]
                ),
                hovertemplate="<b>%{customdata[0]}</b> · %{customdata[1]}<br>"
                + value_label
                + ": %{customdata[2]}<extra></extra>",
            )
        )
        mean = means.set_index("urban_class").at[urban_class, "mean"]
        if pd.notna(mean):
            figure.add_trace(
                go.Scatter(
                    x=[position - 0.4, position + 0.4],
                    y=[mean, mean],
                    mode="lines",
                    line={"color": "#1f2933", "width": 3},
                    name=mean_label,
                    showlegend=position == 0,
                    legendgroup="mean",
                    legendrank=10,
                    hovertemplate=(
                        f"{class_labels[urban_class]} — {mean_label}: {format_value(mean, fmt, unit)}<extra></extra>"
                    ),
                )
            )
    # categories at fixed positions: no zero line (it would cross "urban" at x = 0), labels kept inside the margins
    figure.update_xaxes(
        tickmode="array",
        tickvals=[0, 1, 2],
        ticktext=[class_labels[c] for c in ["urban", "semi_urban", "rural"]],
        range=[-0.6, 2.6],
        showgrid=False,
        zeroline=False,
        showline=False,
        ticks="",
        automargin=True,
    )
    figure.update_yaxes(
        title_text=wrap_title(f"{value_label} ({unit})" if unit else value_label),
        title_standoff=12,
        gridcolor=GRID_COLOUR,
        zeroline=False,
        tickformat=TICK_FORMAT,
        automargin=True,
    )
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        plot_bgcolor="white",
        font={"family": FONT_FAMILY},
        legend={"orientation": "h", "y": -0.12, "traceorder": "normal"},
    )
    return figure


def class_trend_chart(
    trend: pd.DataFrame, class_labels: dict[str, str], *, value_label: str, unit: str, fmt: str, height: int = 360
) -> go.Figure:
    """Population-weighted mean per urban class over the years (trend: year, urban_class, mean)."""
    figure = go.Figure()
    for urban_class in ["urban", "semi_urban", "rural"]:
        rows = trend.loc[trend["urban_class"] == urban_class].sort_values("year")
        figure.add_trace(
            go.Scatter(
                x=rows["year"],
                y=rows["mean"],
                mode="lines+markers",
                name=class_labels[urban_class],
                line={"color": URBAN_CLASS_COLOURS[urban_class], "width": 3},
                marker={"symbol": URBAN_CLASS_SYMBOLS[urban_class], "size": 9},
                hovertemplate="%{x}: %{customdata}<extra>" + class_labels[urban_class] + "</extra>",
                customdata=rows["mean"].map(lambda v: format_value(v, fmt, unit)),
            )
        )
    figure.update_xaxes(**year_axis(trend["year"]), showgrid=False, zeroline=False, automargin=True)
    figure.update_yaxes(
        title_text=wrap_title(f"{value_label} ({unit})" if unit else value_label),
        gridcolor=GRID_COLOUR,
        tickformat=TICK_FORMAT,
        automargin=True,
    )
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        plot_bgcolor="white",
        font={"family": FONT_FAMILY},
        legend={"orientation": "h", "y": -0.2},
    )
    return figure


INDEX_BREAKS = (40.0, 50.0, 60.0, 70.0)  # fixed classes, so a weight change visibly moves districts


def area_trend_chart(
    lines: pd.DataFrame,
    mean: pd.DataFrame,
    *,
    mean_label: str,
    value_label: str,
    unit: str,
    fmt: str,
    highlight: list[str] = (),
    height: int = 420,
) -> go.Figure:
    """Every area's value over the years as a thin grey line (the chosen ones in colour) and the
    population-weighted mean as a thick line, as Our World in Data's line charts.

    lines: code_state_district, district, year, value; mean: year, mean (same areas every year)."""
    figure = go.Figure()
    chosen = [code for code in highlight if code in set(lines["code_state_district"])]
    for code, rows in lines.groupby("code_state_district", sort=False):
        rows = rows.sort_values("year")
        position = chosen.index(code) if code in chosen else None
        figure.add_trace(
            go.Scatter(
                x=rows["year"],
                y=rows["value"],
                mode="lines+markers" if position is not None else "lines",
                name=rows["district"].iloc[0],
                line={
                    "color": SERIES_COLOURS[position % 4] if position is not None else "rgba(120, 130, 140, 0.35)",
                    "width": 3 if position is not None else 1,
                },
                showlegend=position is not None,
                connectgaps=False,
                hovertemplate="%{x}: %{y:" + fmt + "} " + unit + "<extra>" + rows["district"].iloc[0] + "</extra>",
            )
        )
    figure.add_trace(
        go.Scatter(
            x=mean["year"],
            y=mean["mean"],
            mode="lines+markers",
            name=mean_label,
            line={"color": "#1f2933", "width": 4},
            marker={"size": 8},
            hovertemplate="%{x}: %{y:" + fmt + "} " + unit + "<extra>" + mean_label + "</extra>",
        )
    )
    figure.update_xaxes(**year_axis(lines["year"]), showgrid=False, automargin=True)
    figure.update_yaxes(
        title_text=wrap_title(f"{value_label} ({unit})" if unit else value_label),
        gridcolor=GRID_COLOUR,
        tickformat=TICK_FORMAT,
        automargin=True,
    )
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        plot_bgcolor="white",
        font={"family": FONT_FAMILY},
        legend={"orientation": "h", "y": -0.2},
        hovermode="closest",
    )
    return figure


def fixed_scheme(bounds: tuple[float, ...], fmt: str, colours: list[str] = SEQUENTIAL_COLOURS) -> ClassScheme:
    """Classes with fixed boundaries (e.g. index 0-100), not recomputed from the data."""
    labels = _class_labels(list(bounds), fmt)
    return ClassScheme(tuple(bounds), tuple(labels), tuple(_spread(colours, len(labels))))


def rank_interval_chart(
    frame: pd.DataFrame,
    *,
    rank_label: str,
    interval_label: str,
    total: int,
    height_per_row: int = 22,
    axis_note: str = "1 = most behind, of {total}",
) -> go.Figure:
    """Need rank of each district (1 = most behind) with its interval under perturbed weights;
    axis_note: the axis's reading in the page's language ({total} = the ranks there are).

    frame: district, state, need_rank, rank_median, rank_low, rank_high — one row per district shown,
    ordered as they should appear (top = most behind).
    """
    labels = frame["district"] + " · " + frame["state"]
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=frame["rank_median"],
            y=labels,
            mode="markers",
            error_x={
                "type": "data",
                "symmetric": False,
                "array": frame["rank_high"] - frame["rank_median"],
                "arrayminus": frame["rank_median"] - frame["rank_low"],
                "color": "#7f8c8d",
                "thickness": 2,
                "width": 0,
            },
            marker={"color": "#253494", "size": 8},
            name=interval_label,
            customdata=np.column_stack([frame["need_rank"], frame["rank_low"], frame["rank_high"]]),
            hovertemplate="<b>%{y}</b><br>"
            + rank_label
            + ": %{customdata[0]}<br>"
            + interval_label
            + ": %{customdata[1]:.0f}–%{customdata[2]:.0f}<extra></extra>",
        )
    )
    figure.update_yaxes(autorange="reversed", showgrid=False, automargin=True)
    low = float(frame["rank_low"].min()) if len(frame) else 1.0
    high = float(frame["rank_high"].max()) if len(frame) else float(total)
    pad = max(1.0, 0.05 * (high - low))  # the axis fits the intervals shown, not all `total` ranks
    figure.update_xaxes(
        title_text=f"{rank_label} ({axis_note.format(total=total)})",
        range=[max(0.0, low - pad), min(total + 1.0, high + pad)],
        gridcolor=GRID_COLOUR,
        tickformat="d",
        zeroline=False,
        automargin=True,
    )
    figure.update_layout(
        height=max(240, 60 + height_per_row * len(frame)),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        plot_bgcolor="white",
        font={"family": FONT_FAMILY},
        showlegend=False,
    )
    return figure


def domain_comparison_chart(
    scores: pd.DataFrame,
    domain_labels: dict[str, str],
    *,
    axis_label: str,
    height: int = 320,
    no_data_label: str = "no data",
) -> go.Figure:
    """Grouped bars of domain scores (0-100): one group per domain, one bar per row of `scores`
    (e.g. the district, its state, its urban class, the nation). Missing scores are absent, and a
    domain with no score at all says so (an empty group must not read as 0)."""
    palette = ["#253494", "#41b6c4", "#a1dab4", "#969696"]
    figure = go.Figure()
    for position, (name, row) in enumerate(scores.iterrows()):
        figure.add_trace(
            go.Bar(
                x=[domain_labels[d] for d in row.index],
                y=row.values,
                name=str(name),
                marker_color=palette[position % len(palette)],
                hovertemplate="%{x}: %{y:.0f}<extra>" + str(name) + "</extra>",
            )
        )
    for domain in scores.columns:
        if scores[domain].isna().all():
            figure.add_annotation(
                x=domain_labels[domain],
                y=4,
                yanchor="bottom",
                text=no_data_label,
                showarrow=False,
                font={"color": "#52606d"},
            )
    categories = [domain_labels[d] for d in scores.columns]
    figure.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=categories,
        tickmode="array",
        tickvals=categories,
        ticktext=categories,
        automargin=True,
        showgrid=False,
    )
    figure.update_yaxes(range=[0, 100], title_text=axis_label, gridcolor=GRID_COLOUR, tickformat="d", automargin=True)
    figure.update_layout(
        barmode="group",
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        plot_bgcolor="white",
        font={"family": FONT_FAMILY},
        legend={"orientation": "h", "y": -0.2},
    )
    return figure


FACILITY_STYLES = {  # colour and symbol: distinguishable without colour too
    "school": {"color": "#6a3d9a", "symbol": "circle"},
    "clinic": {"color": "#e31a1c", "symbol": "cross"},
    "hospital": {"color": "#000000", "symbol": "square"},
}


# a facility's connection status (contract.FACILITY_STATUS_CLASSES, plus no_status: not in the imported file);
# pink-orange-green is read by colour-blind readers, and no_status is the layer's open symbol
FACILITY_STATUS_COLOURS = {
    "connected_20mbps_plus": "#1b7837",
    "connected_under_20mbps_or_unknown": "#e08214",
    "not_connected": "#c51b7d",
    "no_status": "#737373",
}


def facility_layer(
    points: pd.DataFrame,
    style: str,
    name: str,
    details: pd.Series,
    status: pd.Series | None = None,
    status_names: dict[str, str] | None = None,
    legend_title: str | None = None,
) -> list[go.Scattergeo]:
    """Facility points over a map (points: lon, lat, name; details: one hover line per point), one trace.

    With `status` (per point a key of FACILITY_STATUS_COLOURS): one trace per status present, in its
    colour, named by status_names, after a legend line legend_title (which names the file; a
    legend entry without a marker, as the map's legend lists its items in trace order)."""
    spec = FACILITY_STYLES[style]
    customdata = np.column_stack([points["name"].str.title(), details])

    def trace(mask: np.ndarray, legend_name: str, colour: str, symbol: str, **legend) -> go.Scattergeo:
        outline = {"width": 1, "color": colour} if symbol.endswith("-open") else {"width": 0}
        return go.Scattergeo(
            lon=points["lon"].to_numpy()[mask],
            lat=points["lat"].to_numpy()[mask],
            mode="markers",
            name=legend_name,
            marker={
                "size": 4 if style == "school" else 6,
                "color": colour,
                "symbol": symbol,
                "opacity": 0.8,
                "line": outline,
            },
            customdata=customdata[mask],
            hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<extra>" + name + "</extra>",
            **legend,
        )

    if status is None:
        return [trace(np.ones(len(points), dtype=bool), name, spec["color"], spec["symbol"])]
    title = go.Scattergeo(
        lon=[None],
        lat=[None],
        mode="markers",
        marker={"color": "rgba(0,0,0,0)", "size": 1},
        name=f"<b>{legend_title or name}</b>",
        legendgroup=style,
        hoverinfo="skip",
    )
    traces = [title]
    for status_class, colour in FACILITY_STATUS_COLOURS.items():
        mask = (status == status_class).to_numpy()
        if mask.any():
            symbol = spec["symbol"] + ("-open" if status_class == "no_status" else "")
            traces.append(
                trace(
                    mask,
                    f"{(status_names or {}).get(status_class, status_class)} ({int(mask.sum()):,})",
                    colour,
                    symbol,
                    legendgroup=style,
                )
            )
    return traces


SERIES_COLOURS = ["#253494", "#41b6c4", "#d95f0e", "#7f8c8d"]
SERIES_SYMBOLS = ["circle", "diamond", "square", "triangle-up"]


def series_chart(
    frame: pd.DataFrame, series_labels: dict[str, str], *, unit: str, fmt: str = ".1f", height: int = 360
) -> go.Figure:
    """Lines over years, one per series (frame: series, year, value); distinct colour and marker each."""
    figure = go.Figure()
    for position, (series, label) in enumerate(series_labels.items()):
        rows = frame.loc[frame["series"] == series].sort_values("year")
        if rows.empty:
            continue
        figure.add_trace(
            go.Scatter(
                x=rows["year"],
                y=rows["value"],
                mode="lines+markers",
                name=label,
                line={"color": SERIES_COLOURS[position % 4], "width": 3},
                marker={"symbol": SERIES_SYMBOLS[position % 4], "size": 9},
                hovertemplate="%{x}: %{y:" + fmt + "} " + unit + "<extra>" + label + "</extra>",
            )
        )
    figure.update_xaxes(**year_axis(frame["year"]), showgrid=False, automargin=True)
    figure.update_yaxes(title_text=wrap_title(unit), gridcolor=GRID_COLOUR, tickformat=TICK_FORMAT, automargin=True)
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        plot_bgcolor="white",
        font={"family": FONT_FAMILY},
        legend={"orientation": "h", "y": -0.2},
    )
    return figure


def state_figure_map(
    frame: pd.DataFrame,
    states_geojson: dict | str,
    scheme: ClassScheme,
    *,
    value_label: str,
    unit: str,
    fmt: str,
    marker_text: str,
    bounds,
    no_data_label: str = "No data",
    height: int = 520,
) -> go.Figure:
    """A map of values published per STATE, drawn on state shapes, every hover saying it is a state figure.

    frame: state, value, year, publisher. Never used to colour districts. bounds: west, south, east,
    north, or one such extent per part of Malaysia (malaysia_parts: drawn side by side).
    """
    classes = assign_classes(frame["value"], scheme)
    figure = go.Figure()
    groups = [(i, label, colour) for i, (label, colour) in enumerate(zip(scheme.labels, scheme.colours))] + [
        (None, no_data_label, NO_DATA_COLOUR)
    ]
    for class_index, label, colour in groups:
        mask = classes.isna() if class_index is None else classes == class_index
        if not mask.any():
            continue
        rows = frame.loc[mask]
        figure.add_trace(
            go.Choropleth(
                geojson=states_geojson,
                featureidkey="properties.state",
                locations=rows["state"],
                z=[0] * len(rows),
                colorscale=[[0, colour], [1, colour]],
                showscale=False,
                marker_line_color="#4d4d4d",
                marker_line_width=0.8,
                name=label,
                showlegend=True,
                customdata=np.column_stack(
                    [
                        rows["state"],
                        rows["value"].map(lambda v: format_value(v, fmt, unit, no_data_label.lower())),
                        rows["year"].astype(str),
                        rows["publisher"].fillna(""),
                    ]
                ),
                hovertemplate="<b>%{customdata[0]}</b><br>"
                + value_label
                + ": %{customdata[1]} (%{customdata[2]})<br><i>"
                + marker_text
                + "</i><br>%{customdata[3]}<extra></extra>",
            )
        )
    _into_parts(figure, _as_parts(bounds), pad_deg=0.3)
    figure.update_layout(
        height=height,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        font={"family": FONT_FAMILY},
        dragmode=False,
        legend=legend_above(f"{unit} — {marker_text}"),
    )
    return figure


POINT_SYMBOLS = [
    "circle",
    "diamond",
    "square",
    "triangle-up",
    "pentagon",
    "star",
]  # one per measure: told apart without colour
LABEL_POSITIONS = ("top center", "bottom center", "middle right", "middle left")  # tried in this order around a dot


def point_labels(
    lons,
    lats,
    texts,
    *,
    bounds: tuple[float, float, float, float],
    width_px: float,
    height_px: float,
    font_px: float = 11,
    marker_px: float = 11,
    order=None,
) -> tuple[list[str], list[str]]:
    """Labels for points on a map that do not collide: each label (in `order`, default as given) takes
    the first place around its dot (above, below, right, left) inside the map's bounds (plotly clips
    there) where it overlaps neither a label already placed nor any dot, at the map's drawn scale
    (bounds: west, south, east, north fitted into width_px x height_px); a label with no free place is left off
    (its dot keeps its colour and hover). Returns each point's text ('' when left off) and position.
    """
    west, south, east, north = bounds
    scale = min(width_px / (east - west), height_px / (north - south))  # px per degree (mercator near the equator)
    xs = [(lon - west) * scale for lon in lons]
    ys = [(north - lat) * scale for lat in lats]  # screen y grows downwards
    half_dot = marker_px / 2 + 1
    dots = [(x - half_dot, y - half_dot, x + half_dot, y + half_dot) for x, y in zip(xs, ys)]

    def overlaps(a, b) -> bool:
        return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

    def label_box(x: float, y: float, text: str, position: str) -> tuple[float, float, float, float]:
        width, height = len(text) * LABEL_CHAR_EM * font_px, 1.2 * font_px
        if position == "top center":
            return x - width / 2, y - half_dot - height, x + width / 2, y - half_dot
        if position == "bottom center":
            return x - width / 2, y + half_dot, x + width / 2, y + half_dot + height
        if position == "middle right":
            return x + half_dot, y - height / 2, x + half_dot + width, y + height / 2
        return x - half_dot - width, y - height / 2, x - half_dot, y + height / 2

    shown, positions = [""] * len(xs), [LABEL_POSITIONS[0]] * len(xs)
    placed: list[tuple[float, float, float, float]] = []
    inside = (0.0, 0.0, (east - west) * scale, (north - south) * scale)
    for i in range(len(xs)) if order is None else order:
        for position in LABEL_POSITIONS:
            candidate = label_box(xs[i], ys[i], str(texts[i]), position)
            within = (
                inside[0] <= candidate[0]
                and candidate[2] <= inside[2]
                and inside[1] <= candidate[1]
                and candidate[3] <= inside[3]
            )
            if (
                within
                and not any(overlaps(candidate, other) for other in placed)
                and not any(overlaps(candidate, dot) for dot in dots)
            ):
                placed.append(candidate)
                shown[i], positions[i] = str(texts[i]), position
                break
    return shown, positions


def coverage_points_map(
    points: pd.DataFrame,
    districts_geojson: dict | str,
    codes: list[str],
    *,
    value_label: str,
    bounds,
    height: int = 520,
    width_px: float = 560,
) -> go.Figure:
    """Published coverage figures for single districts or seats as labelled points over grey districts:
    the dot's colour is its value on a 0-100 % scale with a colour bar saying so, its symbol the measure
    (legend), and its value written beside it where the label fits without covering another (labels are
    thinned for a map `width_px` wide — a 1,024 px screen with the sidebar — the weakest coverage first).

    points: lon, lat, area, value, year, indicator_label. bounds: one extent, or one per part of
    Malaysia (malaysia_parts), drawn side by side, each part's labels placed at its drawn scale.
    """
    figure = go.Figure()
    figure.add_trace(
        go.Choropleth(
            geojson=districts_geojson,
            featureidkey="properties.code_state_district",
            locations=codes,
            z=[0] * len(codes),
            colorscale=[[0, "#eef0f2"], [1, "#eef0f2"]],
            showscale=False,
            marker_line_color="white",
            marker_line_width=0.4,
            hoverinfo="skip",
            showlegend=False,
        )
    )
    parts = _as_parts(bounds)
    _, south, _, north = union_bounds(parts)
    views = [(west - 0.3, south - 0.3, east + 0.3, north + 0.3) for west, _, east, _ in parts]
    spans = [view[2] - view[0] for view in views]
    plotted = points.reset_index(drop=True)
    in_part = (plotted["lon"] > BORNEO_WEST_LON).astype(int) if len(parts) == 2 else pd.Series(0, plotted.index)
    texts, positions = [""] * len(plotted), [LABEL_POSITIONS[0]] * len(plotted)
    for number, view in enumerate(views):
        members = plotted.loc[in_part == number].reset_index()
        placed, where = point_labels(
            members["lon"],
            members["lat"],
            members["value"].map(lambda v: f"{v:.0f} %"),
            bounds=view,
            width_px=width_px * spans[number] / sum(spans),
            height_px=height,
            order=list(members["value"].sort_values(kind="stable").index),
        )  # the weakest coverage labelled first
        for row, text, position in zip(members["index"], placed, where):
            texts[row], positions[row] = text, position
    plotted = plotted.assign(label=texts, label_position=positions)
    measure_keys = (
        ["indicator", "indicator_label"] if "indicator" in plotted else ["indicator_label"]
    )  # one symbol per measure in every language
    for position, (_, group) in enumerate(plotted.groupby(measure_keys, sort=True)):
        group = group.reset_index(drop=True)
        measure = group["indicator_label"].iloc[0]
        dots = go.Scattergeo(
            lon=group["lon"],
            lat=group["lat"],
            mode="markers+text",
            text=group["label"],
            textposition=list(group["label_position"]),
            textfont={"size": 11, "color": "#1f2933"},
            marker={
                "size": 11,
                "symbol": POINT_SYMBOLS[position % len(POINT_SYMBOLS)],
                "color": group["value"],
                "coloraxis": "coloraxis",
                "line": {"color": "#1f2933", "width": 1},
            },
            customdata=np.column_stack(
                [
                    group["area"],
                    group["indicator_label"],
                    group["value"].map(lambda v: f"{v:.2f}"),
                    group["year"].astype(str),
                ]
            ),
            hovertemplate=(
                "<b>%{customdata[0]}</b><br>%{customdata[1]}: %{customdata[2]} % (%{customdata[3]})<extra></extra>"
            ),
            name=str(measure),
            showlegend=True,
        )
        for part in split_overlay(dots) if len(parts) == 2 else [dots]:
            figure.add_trace(part)
    if len(parts) == 2:
        figure.add_trace(type(figure.data[0])(figure.data[0]).update(geo="geo2"))  # the grey districts
    frame_geos(figure, parts, pad_share=0.0, pad_deg=0.3)
    figure.update_layout(
        height=height,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        font={"family": FONT_FAMILY},
        dragmode=False,
        coloraxis={
            "colorscale": [
                [step / (len(SEQUENTIAL_COLOURS) - 1), colour] for step, colour in enumerate(SEQUENTIAL_COLOURS)
            ],
            "cmin": 0,
            "cmax": 100,
            "colorbar": {
                "title": {"text": wrap_title(f"{value_label} (%)", 24), "side": "top"},
                "tickvals": [0, 25, 50, 75, 100],
                "orientation": "h",
                "x": 0.97,  # room for the last tick label
                "xanchor": "right",
                "y": 1.0,
                "yanchor": "bottom",  # above the map, not over Sabah's northern tip
                "len": 0.35,
                "thickness": 10,
            },
        },
        # the measures under the map (the margin grows to hold them), not over its southern dots
        legend={"x": 0.0, "y": 0.0, "yanchor": "top", "itemclick": False, "itemdoubleclick": False},
    )
    return figure


def status_map(
    rows: pd.DataFrame,
    geojson: dict | str,
    featureidkey: str,
    status_labels: dict[str, str],
    styles: dict[str, tuple[str, str]],
    bounds,
    *,
    value_label: str,
    height: int = 520,
) -> go.Figure:
    """Map of target status per geography (rows: code, geography, status, value_text): one legend entry per status,
    each labelled with a symbol as well as a colour. bounds: one extent, or one per part (malaysia_parts)."""
    figure = go.Figure()
    for status, (colour, symbol) in styles.items():
        members = rows.loc[rows["status"] == status]
        if members.empty:
            continue
        figure.add_trace(
            go.Choropleth(
                geojson=geojson,
                featureidkey=featureidkey,
                locations=members["code"],
                z=[0] * len(members),
                colorscale=[[0, colour], [1, colour]],
                showscale=False,
                marker_line_color="white",
                marker_line_width=0.5,
                name=f"{symbol} {status_labels[status]} ({len(members)})",
                showlegend=True,
                customdata=np.column_stack([members["geography"], members["value_text"]]),
                hovertemplate="<b>%{customdata[0]}</b><br>"
                + f"{symbol} {status_labels[status]}"
                + "<br>"
                + value_label
                + ": %{customdata[1]}<extra></extra>",
            )
        )
    _into_parts(figure, _as_parts(bounds), pad_deg=0.2)
    figure.update_layout(
        height=height,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        font={"family": FONT_FAMILY},
        dragmode=False,
        legend=legend_above(""),
    )
    return figure


def target_trend_chart(
    series: dict[str, dict],
    threshold: float,
    deadline: int,
    *,
    unit: str,
    threshold_label: str,
    deadline_label: str,
    height: int = 360,
) -> go.Figure:
    """Observed series (name -> {year: value}) with the target line and the deadline marked."""
    figure = go.Figure()
    for position, (name, values) in enumerate(series.items()):
        years = sorted(values)
        figure.add_trace(
            go.Scatter(
                x=years,
                y=[values[y] for y in years],
                mode="lines+markers",
                name=name,
                line={"color": SERIES_COLOURS[position % 4], "width": 3},
                marker={"symbol": SERIES_SYMBOLS[position % 4], "size": 9},
            )
        )
    figure.add_hline(
        y=threshold,
        line_dash="dash",
        line_color="#D55E00",
        annotation_text=threshold_label,
        annotation_position="top left",
    )
    figure.add_vline(
        x=deadline,
        line_dash="dot",
        line_color="#4d4d4d",
        annotation_text=deadline_label,
        annotation_position="top right",
    )
    years = [year for values in series.values() for year in values] + [deadline]
    observed = [value for values in series.values() for value in values.values()]
    # the threshold in context: the axis spans the observations and the target line, padded
    y_range = padded_range(
        [*observed, threshold], pad_share=0.15, floor=0.0 if min([*observed, threshold]) >= 0 else None
    )
    figure.update_xaxes(**year_axis(years), range=[min(years) - 0.5, max(years) + 0.5], showgrid=False, automargin=True)
    figure.update_yaxes(
        title_text=wrap_title(unit), gridcolor=GRID_COLOUR, tickformat=TICK_FORMAT, range=y_range, automargin=True
    )
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        plot_bgcolor="white",
        font={"family": FONT_FAMILY},
        legend={"orientation": "h", "y": -0.2},
    )
    return figure


LABEL_CHAR_EM = 0.6  # DejaVu Sans averages about 0.6 em per character


def district_labels(
    frame: pd.DataFrame,
    features: dict[str, dict],
    *,
    width_px: float,
    height_px: float,
    font_px: float = 11,
    bounds: tuple[float, float, float, float] | None = None,
    fill_colours: dict[str, str] | None = None,
) -> go.Scattergeo:
    """District names over a map, each at its district's pole of inaccessibility, kept only where
    the name fits inside the district at the map's drawn scale (a state map; nationally few fit).

    frame: code_state_district, district. width_px/height_px: the map's plot area; bounds: the
    map's west, south, east, north (default: the districts' own extent, padded as choropleth_map).
    fill_colours: code -> the district's fill, so names on dark fills are written in white.
    """
    from shapely.geometry import box, shape
    from shapely.ops import polylabel

    codes = [code for code in frame["code_state_district"] if code in features]
    if bounds is None:
        west, south, east, north = feature_bounds([features[code] for code in codes])
        pad_lon, pad_lat = 0.03 * (east - west) + 0.05, 0.03 * (north - south) + 0.05
        bounds = (west - pad_lon, south - pad_lat, east + pad_lon, north + pad_lat)
    west, south, east, north = bounds
    px_per_degree = min(
        width_px / (east - west), height_px / (north - south)
    )  # mercator near the equator: ~equal scales
    names = frame.set_index("code_state_district")["district"]
    lons, lats, texts, colours = [], [], [], []
    for code in codes:
        geometry = shape(features[code]["geometry"])
        largest = max(getattr(geometry, "geoms", [geometry]), key=lambda part: part.area)
        point = polylabel(largest, tolerance=0.005)
        name = str(names[code])
        half_w = len(name) * LABEL_CHAR_EM * font_px / px_per_degree / 2
        half_h = 0.6 * font_px / px_per_degree
        if largest.buffer(0.002).contains(box(point.x - half_w, point.y - half_h, point.x + half_w, point.y + half_h)):
            lons.append(point.x)
            lats.append(point.y)
            texts.append(name)
            colours.append("white" if _is_dark((fill_colours or {}).get(code, "#ffffff")) else "#1f2933")
    return go.Scattergeo(
        lon=lons,
        lat=lats,
        text=texts,
        mode="text",
        textfont={"size": font_px, "color": colours},
        hoverinfo="skip",
        showlegend=False,
        name="district names",
    )


def _is_dark(colour: str) -> bool:
    """Whether a #rrggbb fill needs white text (relative luminance below 0.35)."""
    red, green, blue = (int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue < 0.35


def outlook_fan_chart(
    observed: dict[str, dict],
    fans: dict[str, list[dict]],
    threshold: float,
    deadline: int,
    *,
    unit: str,
    title: str,
    median_label: str,
    band_labels: tuple[str, str],
    threshold_label: str,
    deadline_label: str,
    height: int = 380,
) -> go.Figure:
    """A target outlook as a fan: observations (name -> {year: value}), then the trend model's 10-90 % and
    25-75 % bands and median (name -> [{year, q10, q25, q50, q75, q90}]), with the threshold and deadline.
    The title says it is a modelled projection (the scene's words)."""
    figure = go.Figure()
    for position, (name, bands) in enumerate(fans.items()):
        colour = SERIES_COLOURS[position % 4]
        years = [band["year"] for band in bands]
        for (low, high), label, opacity in (
            (("q10", "q90"), band_labels[0], 0.15),
            (("q25", "q75"), band_labels[1], 0.3),
        ):
            figure.add_trace(
                go.Scatter(
                    x=years + years[::-1],
                    y=[b[high] for b in bands] + [b[low] for b in bands][::-1],
                    fill="toself",
                    mode="lines",
                    line={"width": 0},
                    fillcolor=colour,
                    opacity=opacity,
                    name=f"{name}: {label}",
                    hoverinfo="skip",
                )
            )
        figure.add_trace(
            go.Scatter(
                x=years,
                y=[b["q50"] for b in bands],
                mode="lines",
                line={"color": colour, "dash": "dash", "width": 2},
                name=f"{name}: {median_label}",
            )
        )
        values = observed.get(name, {})
        seen = sorted(values)
        figure.add_trace(
            go.Scatter(
                x=seen,
                y=[values[y] for y in seen],
                mode="lines+markers",
                name=name,
                line={"color": colour, "width": 3},
                marker={"symbol": SERIES_SYMBOLS[position % 4], "size": 9},
            )
        )
    figure.add_hline(
        y=threshold,
        line_dash="dash",
        line_color="#D55E00",
        annotation_text=threshold_label,
        annotation_position="top left",
    )
    # the deadline is the fan's last year: its label goes left of the line, inside the plot
    figure.add_vline(
        x=deadline,
        line_dash="dot",
        line_color="#4d4d4d",
        annotation_text=deadline_label,
        annotation_position="top left",
    )
    years = (
        [year for values in observed.values() for year in values]
        + [band["year"] for bands in fans.values() for band in bands]
        + [deadline]
    )
    shown = (
        [v for values in observed.values() for v in values.values()]
        + [b[q] for bands in fans.values() for b in bands for q in ("q10", "q90")]
        + [threshold]
    )
    figure.update_xaxes(**year_axis(years), range=[min(years) - 0.5, max(years) + 0.5], showgrid=False, automargin=True)
    figure.update_yaxes(
        title_text=wrap_title(unit),
        gridcolor=GRID_COLOUR,
        tickformat=TICK_FORMAT,
        range=padded_range(shown, pad_share=0.1),
        automargin=True,
    )
    figure.update_layout(
        title={"text": title, "font": {"size": 14}},
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        plot_bgcolor="white",
        font={"family": FONT_FAMILY},
        legend={"orientation": "h", "y": -0.2},
    )
    return figure


def scenario_gap_chart(
    labels: list[str],
    before: list[float],
    after: list[float],
    *,
    title: str,
    before_label: str,
    after_label: str,
    axis_label: str,
    caption: str,
    height_per_row: int = 46,
) -> go.Figure:
    """A scenario's rural shortfall before and after, one pair of bars per measure; the title says
    "scenario" and the caption under the chart carries the assumptions (the scene's words)."""
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            y=labels,
            x=before,
            orientation="h",
            name=before_label,
            marker_color="#7f8c8d",
            texttemplate="%{x:.2f}",
            textposition="outside",
        )
    )
    figure.add_trace(
        go.Bar(
            y=labels,
            x=after,
            orientation="h",
            name=after_label,
            marker_color="#d95f0e",
            marker_pattern_shape="/",
            texttemplate="%{x:.2f}",
            textposition="outside",
        )
    )
    figure.update_yaxes(autorange="reversed", automargin=True)
    figure.update_xaxes(
        title_text=wrap_title(axis_label, 80),
        gridcolor=GRID_COLOUR,
        zeroline=True,
        zerolinecolor="#4d4d4d",
        automargin=True,
    )
    figure.add_annotation(
        text=wrap_title(caption, 140),
        xref="paper",
        yref="paper",
        x=0,
        y=-0.02,
        yanchor="top",
        showarrow=False,
        align="left",
        font={"size": 10, "color": "#4d4d4d"},
        yshift=-40,
    )
    figure.update_layout(
        title={"text": title, "font": {"size": 14}},
        barmode="group",
        height=160 + height_per_row * max(len(labels), 1),
        margin={"l": 10, "r": 30, "t": 50, "b": 110},
        plot_bgcolor="white",
        font={"family": FONT_FAMILY},
        legend={"orientation": "h", "y": 1.02, "x": 0, "yanchor": "bottom"},
    )
    return figure
