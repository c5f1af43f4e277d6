"""Targets scene: every tracked target with its source and national status, and one target for
every geography it applies to (status map, districts per state, trend, details).

Statuses come from dashboard.targets (Open SDG / Eurostat ratio, with the rules that keep unmet
unmet and stale stale); the wording of each status, value and projected year is made here once,
so the page, the briefing pack and `python -m dashboard.scene targets` say the same. Pure.
"""

from __future__ import annotations

import math

import pandas as pd

from dashboard import data, figures, outlook, targets
from dashboard.scene import common
from dashboard.scene.base import Scene, Table, Words
from dashboard.scene.connectivity import shapes
from dashboard.selection import Selection

DEFAULT_FORMAT = ".1f"
NO_PROJECTION = (
    targets.NOT_MET,
    targets.NOT_MET_STALE,
    targets.MISSED,
    targets.INSUFFICIENT_DATA,
    targets.NOT_MEASURABLE,
)
SUMMARY_COLUMNS = ["target", "status_text", "latest_text", "threshold_text", "deadline", "projected_text", "source"]


OUTLOOK_COLUMNS = [
    "required_pace_per_year",
    "observed_pace_per_year",
    "probability_by_deadline",
    "outlook_year",
    "outlook_year_low",
    "outlook_year_high",
    "outlook_basis",
    "outlook_scale",
    "outlook_text",
]


def value_format(target: dict) -> str:
    return target.get("format", DEFAULT_FORMAT)


def status_labels(words: Words) -> dict[str, str]:
    return {status: words.t(f"status_{status}") for status in targets.STATUSES}


def status_text(status: str, latest_year, deadline: int, words: Words) -> str:
    """Symbol and words of a status; a status judged on data older than the deadline says when
    it was last measured (never only a colour, never a silent projection)."""
    text = f"{targets.STATUS_STYLE[status][1]} {words.t('status_' + status)}"
    measured = latest_year is not None and not (isinstance(latest_year, float) and math.isnan(latest_year))
    if (
        status not in (targets.ACHIEVED, targets.INSUFFICIENT_DATA, targets.NOT_MEASURABLE)
        and measured
        and int(latest_year) < int(deadline)
    ):
        text += " · " + words.t("last_measured", year=int(latest_year))
    return text


def projected_text(status: str, projected_year, words: Words) -> str:
    """When the threshold is reached at the current trend; a dash where no trend is judged."""
    if status == targets.ACHIEVED:
        return words.t("reached")
    if status in NO_PROJECTION:
        return "—"
    return (
        f"{projected_year:.0f}"
        if projected_year is not None and pd.notna(projected_year)
        else words.t("not_at_current_trend")
    )


def value_text(value, year, target: dict, words: Words) -> str:
    """'7,740,000 premises (2022)'; missing is 'no data', never 0."""
    shown = figures.format_value(value, value_format(target), target["unit"][words.lang], words.t("no_data").lower())
    return shown + (f" ({int(year)})" if year is not None and pd.notna(year) else "")


def threshold_text(target: dict, lang: str) -> str:
    return (
        f"{target['comparator']} "
        f"{format(target['threshold'], value_format(target) if value_format(target) != DEFAULT_FORMAT else 'g')} "
        f"{target['unit'][lang]}"
    )


def is_percentage(target: dict) -> bool:
    unit = target["unit"]["en"]
    return unit.startswith("%") or unit.startswith("percentage points")


def pace_text(pace: float, target: dict, words: Words) -> str:
    """'+2.1 points a year' / '+250,000 premises a year' (signed, in the target's unit)."""
    fmt = value_format(target)
    unit = words.t("outlook_points") if is_percentage(target) else target["unit"][words.lang]
    return words.t("outlook_per_year", value=format(pace, "+" + fmt.lstrip("+")), unit=unit)


def chance_text(chance: float, words: Words) -> str:
    """'about 1 chance in 5' from a fixed ladder; the extremes said as such."""
    if chance < 0.01:
        return words.t("outlook_chance_below")
    if chance > 0.99:
        return words.t("outlook_chance_above")
    k, n = outlook.chance_words(chance)
    return words.t("outlook_chance_one" if k == 1 else "outlook_chance_many", k=k, n=n)


def _year(value) -> str:
    """A crossing year as the first whole year at or past it (2030.4 -> 2031: the 2030 value is still short)."""
    return f"{math.ceil(round(value, 6)):.0f}"


def outlook_text(row, target: dict, words: Words) -> str:
    """The outlook in one sentence: needed vs managed pace, the chance by the deadline, and when the
    trend reaches the threshold — or what was measured, once the deadline decides."""
    if not isinstance(row.outlook_basis, str) or row.outlook_basis == outlook.NO_DATA:
        return "—"
    deadline = int(target["deadline"])
    threshold = threshold_text(target, words.lang).split(" ", 1)[1]
    if row.outlook_basis == outlook.MEASURED:
        met = row.met_year if row.met_year is not None and pd.notna(row.met_year) else None
        latest = int(row.latest_year) if row.latest_year is not None and pd.notna(row.latest_year) else None
        if met is not None:
            return words.t(
                "outlook_met_by_deadline" if int(met) <= deadline else "outlook_met_late",
                year=int(met),
                deadline=deadline,
            )
        if latest is not None and latest >= deadline:
            return words.t("outlook_short_measured", year=latest, deadline=deadline)
        return words.t("outlook_stale", year=latest, deadline=deadline)
    parts = [words.t("outlook_needs", pace=pace_text(row.required_pace_per_year, target, words))]
    if pd.notna(row.observed_pace_per_year):
        parts.append(words.t("outlook_managed", pace=pace_text(row.observed_pace_per_year, target, words)))
    if row.outlook_basis == outlook.PACE_ONLY:
        parts.append(words.t("outlook_two_points" if row.observations == 2 else "outlook_one_point"))
        return "; ".join(parts)
    parts.append(
        words.t(
            "outlook_chance",
            chance=chance_text(row.probability_by_deadline, words),
            threshold=threshold,
            deadline=deadline,
        )
    )
    if row.outlook_year is None or pd.isna(row.outlook_year):
        parts.append(words.t("outlook_not_reached"))
    else:
        high = (
            words.t("outlook_not_in_sight")
            if row.outlook_year_high is None or pd.isna(row.outlook_year_high)
            else _year(row.outlook_year_high)
        )
        low = (
            _year(row.outlook_year_low) if row.outlook_year_low is not None and pd.notna(row.outlook_year_low) else "—"
        )
        parts.append(words.t("outlook_reaches", year=_year(row.outlook_year), low=low, high=high))
    return "; ".join(parts)


def add_outlook_fan(scene: Scene, rows: pd.DataFrame, target: dict, words: Words, source: str) -> bool:
    """The trend model's fan chart (10-90 % and 25-75 % bands, median) for the evaluation rows that have
    one, as scene table and figure "outlook_fan" (the Targets page, the profile pages and the briefing
    pack draw the same); False when no row has a model (one or two observations, met, or stale)."""
    lang = words.lang
    fans = {
        row.geography: outlook.fan(
            row.series,
            float(target["threshold"]),
            int(target["deadline"]),
            int(target["baseline_year"]),
            target.get("ceiling"),
        )
        for row in rows.itertuples()
        if row.outlook_basis == outlook.MODEL
    }
    fans = {name: bands for name, bands in fans.items() if bands}
    if not fans:
        return False
    observed = {row.geography: row.series for row in rows.itertuples() if row.geography in fans}
    band_labels = {f"q{q}": words.t("outlook_quantile", q=q) for q in (10, 25, 50, 75, 90)}
    title = words.t("outlook_fan_title", target=target["title"][lang])
    scene.tables["outlook_fan"] = Table(
        pd.DataFrame([{"geography": name, **band} for name, bands in fans.items() for band in bands]).assign(
            target_id=target["id"], unit=target["unit"][lang], kind="modelled_projection"
        ),
        title=title,
        source=source + " · " + words.t("outlook_fan_caption"),
        labels={"geography": words.t("place"), "year": words.t("year")} | band_labels,
        formats=dict.fromkeys(band_labels, value_format(target)),
        no_data=words.no_data,
    )
    scene.figure_builders["outlook_fan"] = lambda: figures.outlook_fan_chart(
        observed,
        fans,
        float(target["threshold"]),
        int(target["deadline"]),
        unit=target["unit"][lang],
        title=title,
        median_label=words.t("outlook_median"),
        band_labels=(words.t("outlook_band_outer"), words.t("outlook_band_inner")),
        threshold_label=words.t("target_line", value=threshold_text(target, lang)),
        deadline_label=words.t("deadline_line", year=target["deadline"]),
    )
    return True


def source_text(target: dict, words: Words) -> str:
    """'Source: <document>, <year>; <reported by>' for one target."""
    policy = target["policy"]
    return f"{words.t('source')}: {policy['document']}, {policy['year']}" + (
        f"; {policy['reported_by']}" if policy.get("reported_by") else ""
    )


def policy_source(target: dict) -> str:
    policy = target["policy"]
    return policy["document"] + (f" ({policy['reported_by']})" if policy.get("reported_by") else "")


def describe(rows: pd.DataFrame, target: dict, words: Words) -> pd.DataFrame:
    """Evaluation rows with their words: status, value, projected year (one wording everywhere)."""
    deadline = int(target["deadline"])
    return rows.assign(
        status_text=[status_text(s, y, deadline, words) for s, y in zip(rows["status"], rows["latest_year"])],
        value_text=[value_text(v, y, target, words) for v, y in zip(rows["latest_value"], rows["latest_year"])],
        projected_text=[projected_text(s, p, words) for s, p in zip(rows["status"], rows["projected_year"])],
        outlook_text=[outlook_text(row, target, words) for row in rows.itertuples()],
    )


def districts_text(row: pd.Series, target: dict, words: Words) -> str:
    """A district-measured target's districts counted: how many of those with a value meet it, and how
    many have none ("" for a target measured nationally or per state)."""
    if target["measure"]["source"] != "indicators" or pd.isna(row.get("districts_met")):
        return ""
    met, short, unmeasured = (
        int(row[column]) for column in ("districts_met", "districts_short", "districts_unmeasured")
    )
    key = "target_rural_districts_meeting" if target.get("scope") == "rural_districts" else "target_districts_meeting"
    text = words.t(key, met=f"{met:,}", measured=f"{met + short:,}")
    return text + (f"; {words.t('target_districts_unmeasured', count=f'{unmeasured:,}')}" if unmeasured else "")


def summary_table(evaluations: pd.DataFrame, target_list: list[dict], words: Words) -> pd.DataFrame:
    """One row per target: the nation's status, latest value, districts meeting it (district-measured
    targets), threshold, deadline, outlook and source."""
    national = evaluations.loc[evaluations["level"] == "national"].set_index("target_id")
    rows = []
    for target in target_list:
        row = national.loc[target["id"]]
        described = next(describe(national.loc[[target["id"]]].reset_index(), target, words).itertuples())
        latest_year = None if pd.isna(row["latest_year"]) else int(row["latest_year"])
        rows.append(
            {
                "target_id": target["id"],
                "target": target["title"][words.lang],
                "status": row["status"],
                "status_text": status_text(row["status"], latest_year, target["deadline"], words),
                "latest_value": row["latest_value"],
                "latest_year": latest_year,
                "latest_text": figures.format_value(row["latest_value"], value_format(target), no_data="—")
                + (f" ({latest_year})" if latest_year is not None else ""),
                "districts_text": districts_text(row, target, words),
                "comparator": target["comparator"],
                "threshold": float(target["threshold"]),
                "unit": target["unit"][words.lang],
                "threshold_text": threshold_text(target, words.lang),
                "deadline": int(target["deadline"]),
                "projected_year": row["projected_year"],
                "projected_text": projected_text(row["status"], row["projected_year"], words),
                **{column: getattr(described, column) for column in OUTLOOK_COLUMNS},
                "source": policy_source(target),
            }
        )
    frame = pd.DataFrame(rows)
    return frame.astype({"latest_year": "Int64"})


def in_scope(rows: pd.DataFrame, state: str | None, states_by_code: pd.Series) -> pd.DataFrame:
    """The rows a state view shows: the nation, that state, its districts (all when state is None)."""
    if state is None:
        return rows
    keep = (
        (rows["level"] == "national")
        | ((rows["level"] == "state") & (rows["code"] == state))
        | ((rows["level"] == "district") & (rows["code"].map(states_by_code) == state))
    )
    return rows.loc[keep]


def build(dataset: data.Dataset, selection: Selection) -> Scene:
    words = common.words(selection)
    lang, state = selection.lang, selection.state
    target_list = common.target_list()
    by_id = {target["id"]: target for target in target_list}
    evaluations = common.target_evaluations(dataset)
    labels = status_labels(words)
    scene = Scene("targets", selection, common.data_as_of(dataset))
    scene.sentences["intro"] = words.t("targets_intro")
    scene.sentences["status_method_note"] = words.t("status_method_note")

    summary = summary_table(evaluations, target_list, words)
    scene.tables["summary"] = Table(
        summary,
        title=words.t("national_status_title"),
        source=words.t("status_method_note"),
        labels={
            "target": words.t("target"),
            "status_text": words.t("status"),
            "latest_text": words.t("latest"),
            "districts_text": words.t("target_districts"),
            "threshold_text": words.t("target_value"),
            "deadline": words.t("deadline"),
            "projected_text": words.t("projected"),
            "outlook_text": words.t("outlook_title"),
            "source": words.t("source"),
        },
        no_data=words.no_data,
    )

    target = by_id[selection.target]
    fmt = value_format(target)
    policy = target["policy"]
    source = source_text(target, words)
    scene.sentences["target_heading"] = f"**{target['title'][lang]}** — {source}"
    if target.get("note"):
        scene.sentences["target_note"] = target["note"][lang]
    scene.sources = [
        {
            "publisher": policy.get("reported_by", ""),
            "title": policy["document"],
            "licence": "",
            "as_of": str(policy["year"]),
            "url": "",
        }
    ]
    if target["measure"]["source"] == "none":
        scene.sentences["not_measurable"] = words.t("not_measurable_note")
        return scene
    if target["measure"]["source"] == "indicators":
        scene.sources += common.source_rows(
            [i for i in target["measure"].get("indicators", []) if i in common.catalogue()], dataset, lang
        )

    states_by_code = dataset.districts.set_index("code_state_district")["state"]
    rows = describe(evaluations.loc[evaluations["target_id"] == target["id"]], target, words)
    rows = rows.assign(
        state=rows["code"]
        .map(states_by_code)
        .where(rows["level"] == "district", rows["code"].where(rows["level"] == "state"))
    )
    shown = in_scope(rows, state, states_by_code)
    columns = [
        "level",
        "geography",
        "code",
        "state",
        "status",
        "status_text",
        "latest_value",
        "latest_year",
        "value_text",
        "distance",
        "ratio",
        "method",
        "projected_year",
        "projected_text",
        "observations",
        *OUTLOOK_COLUMNS,
    ]
    row_labels = {
        "geography": words.t("place"),
        "status_text": words.t("status"),
        "value_text": words.t("latest"),
        "distance": words.t("distance_to_target"),
        "ratio": words.t("progress_ratio"),
        "method": words.t("method"),
        "projected_text": words.t("projected"),
        "observations": words.t("observations"),
        "outlook_text": words.t("outlook_title"),
    }
    row_formats = {
        "distance": fmt,
        "ratio": ".2f",
        "latest_value": fmt,
        "required_pace_per_year": fmt,
        "observed_pace_per_year": fmt,
        "probability_by_deadline": ".2f",
        "outlook_year": ".1f",
        "outlook_year_low": ".1f",
        "outlook_year_high": ".1f",
    }
    scene.tables["status"] = Table(
        shown[columns].assign(target_id=target["id"]).reset_index(drop=True),
        title=target["title"][lang],
        source=source,
        indicators=tuple(i for i in target["measure"].get("indicators", []) if i in common.catalogue()),
        labels=row_labels,
        formats=row_formats,
        no_data=words.no_data,
    )

    district_rows = rows.loc[rows["level"] == "district"]
    state_rows = rows.loc[rows["level"] == "state"]
    map_level = "district" if len(district_rows) else ("state" if len(state_rows) else None)
    if map_level:
        mapped = shown.loc[shown["level"] == map_level]
        scene.tables["map"] = Table(
            mapped[
                [
                    "code",
                    "geography",
                    "state",
                    "status",
                    "status_text",
                    "value_text",
                    "latest_value",
                    "latest_year",
                    "distance",
                    "projected_year",
                    "projected_text",
                ]
            ].reset_index(drop=True),
            title=target["title"][lang],
            source=source,
            labels={k: v for k, v in row_labels.items() if k in mapped.columns} | {"state": words.t("state")},
            formats=row_formats,
            no_data=words.no_data,
        )
        bounds_codes = list(dataset.features) if state is None else [c for c, s in states_by_code.items() if s == state]
        bounds = figures.malaysia_parts(  # nationally: Peninsular and Borneo side by side
            [dataset.features[c] for c in bounds_codes if c in dataset.features]
        )
        key = "properties.code_state_district" if map_level == "district" else "properties.state"
        shape_kind = "districts" if map_level == "district" else "states"
        scene.figure_builders["map"] = lambda geojson_urls=None: figures.status_map(
            mapped,
            shapes(dataset, geojson_urls)[shape_kind],
            key,
            labels,
            targets.STATUS_STYLE,
            bounds,
            value_label=words.t("latest"),
        )
        scene.sentences["map_level"] = map_level
        if map_level == "state":
            scene.sentences["state_marker"] = words.t("state_figure_marker")
    if len(district_rows):
        rollup = targets.state_rollup(district_rows, dataset.districts)
        scene.tables["rollup"] = Table(
            rollup,
            title=words.t("state_rollup_title"),
            source=source,
            labels={"state": words.t("state")}
            | {s: f"{targets.STATUS_STYLE[s][1]} {labels[s]}" for s in targets.STATUSES if s in rollup.columns},
            no_data=words.no_data,
        )

    # the national series, plus the chosen state's (all states at once would be unreadable)
    series = {
        row.geography: row.series
        for row in rows.itertuples()
        if row.series and (row.level == "national" or (row.level == "state" and row.geography == state))
    }
    if series:
        trend = pd.DataFrame(
            [
                {"geography": name, "year": int(year), "value": float(value)}
                for name, values in series.items()
                for year, value in sorted(values.items())
            ]
        )
        scene.tables["trend"] = Table(
            trend.assign(target_id=target["id"], unit=target["unit"][lang]),
            title=target["title"][lang],
            source=source,
            labels={"geography": words.t("place"), "year": words.t("year"), "value": target["unit"][lang]},
            formats={"value": fmt},
            no_data=words.no_data,
        )
        threshold_value = format(target["threshold"], fmt if fmt != DEFAULT_FORMAT else "g")
        scene.figure_builders["trend"] = lambda: figures.target_trend_chart(
            series,
            float(target["threshold"]),
            int(target["deadline"]),
            unit=target["unit"][lang],
            threshold_label=words.t("target_line", value=f"{target['comparator']} {threshold_value}"),
            deadline_label=words.t("deadline_line", year=target["deadline"]),
        )
        scene.sentences["trend_subtitle"] = ", ".join(series)

    # the outlook: one sentence per shown row of the nation and the chosen state, a fan where a trend model applies
    for row in rows.loc[
        (rows["level"] == "national") | ((rows["level"] == "state") & (rows["geography"] == state))
    ].itertuples():
        scene.sentences[f"outlook_{row.level}"] = f"**{row.geography}** — {row.outlook_text}"
    if add_outlook_fan(
        scene,
        rows.loc[(rows["level"] == "national") | ((rows["level"] == "state") & (rows["geography"] == state))],
        target,
        words,
        source,
    ):
        scene.sentences["outlook_fan_caption"] = words.t("outlook_fan_caption")
    scene.sentences["outlook_method"] = words.t("method_outlook")

    details = (
        shown.loc[shown["level"] != "district"] if len(district_rows) == 0 else shown.loc[shown["level"] == "national"]
    )
    scene.tables["details"] = Table(
        details[
            [
                "geography",
                "status",
                "status_text",
                "value_text",
                "latest_value",
                "latest_year",
                "distance",
                "ratio",
                "method",
                "projected_year",
                "projected_text",
                "observations",
                *OUTLOOK_COLUMNS,
            ]
        ].reset_index(drop=True),
        title=target["title"][lang],
        source=source,
        labels=row_labels,
        formats=row_formats,
        no_data=words.no_data,
    )
    return scene
