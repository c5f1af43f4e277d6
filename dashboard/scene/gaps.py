"""Gaps scene: how far rural districts are behind urban ones for one indicator and year."""

from __future__ import annotations

import pandas as pd

from dashboard import data, figures, metrics, priorities
from dashboard.scene import common
from dashboard.scene.base import Scene, Table, Words
from dashboard.selection import Selection


def build(dataset: data.Dataset, selection: Selection) -> Scene:
    words = common.words(selection)
    indicator, year, state = selection.indicator, selection.year, selection.state
    entry = common.catalogue()[indicator]
    unit, fmt, direction = words.unit(indicator), entry["format"], entry["direction"]
    signed = "+" + fmt.lstrip("+")
    label = words.label(indicator)
    source = common.source_line(indicator, dataset, selection.lang)
    scope = state or words.t("malaysia")
    class_labels = words.class_labels
    scene = Scene(
        "gaps",
        selection,
        common.data_as_of(dataset),
        sources=common.source_rows([indicator, "population"], dataset, selection.lang),
    )

    frame = metrics.filter_state(common.weighted_frame(dataset, indicator, year), state)
    means = metrics.class_means(frame)
    gap = metrics.rural_urban_gap(frame, direction)
    value_header = {"value": f"{label} ({unit})" if unit else label}
    scene.tables["class_means"] = Table(
        means.assign(year=year, indicator=indicator),
        title=f"{label}, {year}",
        source=source,
        indicators=(indicator,),
        labels={
            "urban_class": words.t("urban_class"),
            "mean": words.t("weighted_mean"),
            "districts_with_data": words.t("with_data"),
            "districts": words.geo("districts_shown"),
        },
        formats={"mean": fmt},
        no_data=words.no_data,
        value_labels={"urban_class": class_labels},
    )
    scene.tables["gap"] = Table(
        pd.DataFrame(
            [
                {
                    "indicator": indicator,
                    "year": year,
                    "scope": scope,
                    **gap,
                    "definition": "district_classes_census_2020"
                    if dataset.geography == "district"
                    else f"{dataset.geography}_classes_from_districts_census_2020",
                }
            ]
        ),
        title=words.t("gap_rural_urban"),
        source=source,
        indicators=(indicator,),
        formats={"difference": signed},
        no_data=words.no_data,
    )
    scene.sentences["gap"] = common.texts.gap_sentence(gap, direction, fmt, unit, selection.lang, dataset.geography)
    scene.sentences["definition"] = words.geo("definition_district_classes", rule=words.t("seat_class_rule"))

    if dataset.geography == "district":
        add_agricultural_split(scene, dataset, frame, fmt, source, indicator, words)

    distribution = frame[
        ["code_state_district", "district", "state", "urban_class", "value", "population"]
    ].sort_values("value")
    scene.tables["distribution"] = Table(
        distribution,
        title=f"{label}: {words.t('distribution_title', year=year)}",
        source=source,
        indicators=(indicator, "population"),
        labels={
            "district": words.geo("district"),
            "state": words.t("state"),
            "urban_class": words.t("urban_class"),
            **value_header,
            "population": words.t("population_year", year=year),
        },
        formats={"value": fmt, "population": ",.0f"},
        no_data=words.no_data,
        value_labels={"urban_class": class_labels},
    )
    scene.figure_builders["distribution"] = lambda: figures.class_strip_plot(
        frame,
        class_labels,
        means,
        value_label=label,
        unit=unit,
        fmt=fmt,
        mean_label=words.t("weighted_mean"),
    )

    years = [y for y in common.options(dataset).years.get(indicator, ()) if y <= year] or [year]
    if len(years) > 1:
        over_time = common.trend(dataset, indicator, years, state, direction)
        panel = common.panel_sentence(len(over_time.compared), over_time.left_out, dataset, words, years)
        scene.tables["trend"] = Table(
            over_time.class_means[["year", "urban_class", "mean", "districts_with_data"]],
            title=f"{label}: {words.t('trend_title')}",
            source=f"{source} {panel}",
            indicators=(indicator, "population"),
            formats={"mean": fmt},
            no_data=words.no_data,
            labels={"year": words.t("year"), "urban_class": words.t("urban_class"), "mean": words.t("weighted_mean")},
            value_labels={"urban_class": class_labels},
        )
        scene.tables["gap_over_time"] = Table(
            over_time.gaps[["year", "urban_mean", "rural_mean", "difference", "change_in_difference"]],
            title=words.t("trend_title"),
            source=f"{source} {panel}",
            indicators=(indicator,),
            formats={c: fmt for c in ("urban_mean", "rural_mean")}
            | {"difference": signed, "change_in_difference": signed},
            no_data=words.no_data,
        )
        scene.figure_builders["trend"] = lambda: figures.class_trend_chart(
            over_time.class_means, class_labels, value_label=label, unit=unit, fmt=fmt
        )
        change = common.gap_change_sentence(over_time.gaps, direction, fmt, unit, words)
        if change:
            scene.sentences["gap_change"] = change
        scene.sentences["panel"] = panel

    by_state = metrics.gaps_by_state(frame, direction)
    scene.tables["state_gaps"] = Table(
        by_state[
            [
                "state",
                "urban_mean",
                "semi_urban_mean",
                "rural_mean",
                "difference",
                "urban_districts",
                "semi_urban_districts",
                "rural_districts",
            ]
        ],
        title=words.t("state_gaps_title"),
        source=source,
        indicators=(indicator,),
        labels={
            "state": words.t("state"),
            "urban_mean": class_labels["urban"],
            "semi_urban_mean": class_labels["semi_urban"],
            "rural_mean": class_labels["rural"],
            "difference": words.t("gap_rural_urban"),
            "urban_districts": words.t("urban_districts"),
            "rural_districts": words.t("rural_districts"),
        },
        formats={"urban_mean": fmt, "semi_urban_mean": fmt, "rural_mean": fmt, "difference": signed},
        no_data=words.no_data,
        empty_groups={
            **{
                f"{c}_mean": ((f"{c}_districts",), words.t("no_district_of_class"))
                for c in ("urban", "semi_urban", "rural")
            },
            "difference": (("urban_districts", "rural_districts"), "—"),
        },
    )

    theil = metrics.theil_decomposition(frame)
    inequality = {
        "gini": metrics.weighted_gini(frame["value"], frame["population"]),
        "theil": theil["theil"],
        "theil_between_share_pct": 100 * theil["between_share"],
    }
    income_years = common.options(dataset).years.get(metrics.INCOME_INDICATOR, ())
    if income_years and indicator != metrics.INCOME_INDICATOR:
        income_year = min(income_years, key=lambda candidate: (abs(candidate - year), candidate))
        income = metrics.indicator_frame(
            dataset.districts, dataset.indicators, metrics.INCOME_INDICATOR, income_year
        ).set_index("code_state_district")["value"]
        inequality["concentration_by_income"] = metrics.concentration_index(
            frame.assign(income=frame["code_state_district"].map(income)), "income"
        )
        inequality["income_year"] = income_year
    scene.tables["inequality"] = Table(
        pd.DataFrame([inequality]), title=words.t("inequality_title"), source=source, indicators=(indicator,)
    )
    return scene


def add_agricultural_split(
    scene: Scene, dataset: data.Dataset, frame: pd.DataFrame, fmt: str, source: str, indicator: str, words: Words
) -> None:
    """The indicator in agricultural districts (the one rule of dashboard.priorities, as in the priority
    list and the pack) against the other rural districts and all other districts, population-weighted."""
    options = common.options(dataset)
    inputs = {}
    for column in (priorities.AGRI_SHARE, priorities.CROP_PER_RURAL):
        year = options.default_year(column)
        if year is None:
            return
        inputs[column] = metrics.indicator_frame(dataset.districts, dataset.indicators, column, year).set_index(
            "code_state_district"
        )["value"]
    agricultural = priorities.is_agricultural(
        frame.assign(**{column: frame["code_state_district"].map(values) for column, values in inputs.items()})
    )
    groups = {
        "agricultural": agricultural,
        "other_rural": ~agricultural & (frame["urban_class"] == "rural"),
        "all_other": ~agricultural,
    }
    rows = []
    for group, members in groups.items():
        present = frame.loc[members & frame["value"].notna()]
        rows.append(
            {
                "group": group,
                "districts": int(members.sum()),
                "districts_with_data": len(present),
                "mean": metrics.weighted_mean(present["value"], present["population"]),
                "indicator": indicator,
            }
        )
    rule = words.t(
        "agri_rule_short", share=f"{priorities.AGRI_SHARE_MIN_PCT:g}", area=f"{priorities.CROP_HA_PER_1K_RURAL_MIN:g}"
    )
    scene.tables["agricultural"] = Table(
        pd.DataFrame(rows),
        title=words.t("agri_split_title"),
        source=f"{source} {rule}",
        indicators=(indicator, priorities.AGRI_SHARE, priorities.CROP_PER_RURAL),
        labels={
            "group": words.t("agri_group"),
            "districts": words.t("districts_shown"),
            "districts_with_data": words.t("with_data"),
            "mean": words.t("weighted_mean"),
        },
        formats={"mean": fmt},
        no_data=words.no_data,
        value_labels={"group": {group: words.t("agri_group_" + group) for group in groups}},
    )
    scene.sentences["agricultural_rule"] = rule
