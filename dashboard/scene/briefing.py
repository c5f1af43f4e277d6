"""Briefing scene: every number of the briefing pack, taken from the page scenes it summarises.

The index, its ranking and the priority list come from the index and overview scenes for the
same Selection (weights and imported replacements included), each domain page from the gaps
scene of that domain's indicator, the targets from the shared evaluations — so the PDF shows
exactly what the pages show. With a planner scenario in the Selection, the plan scene's tables and
sentences ride along as scenario_* for the annex. dashboard/briefing.py only lays this scene out.
"""

from __future__ import annotations

import pandas as pd

from dashboard import composite, connectivity_evidence, data, figures, metrics, targets, texts
from dashboard.scene import common
from dashboard.scene import targets as target_scene
from dashboard.scene.base import Scene, Table, Words
from dashboard.selection import Selection

PRIORITY_COUNT = 5
NATIONAL_RANKING_ROWS = 20  # the national pack lists the 20 districts most in need; a state pack all of its districts


MEASURED_LISTED = 8  # districts with a measured connectivity figure named on the pack's connectivity page


def measured_connectivity_sentence(dataset: data.Dataset, codes: set[str], words: Words) -> str:
    """Measured first, on paper too: which districts in scope have a measured connectivity figure
    (value, measure, year, publisher) beside the modelled estimate the chart shows."""
    from dashboard.scene import connectivity as connectivity_scene

    evidence = connectivity_scene.district_evidence(dataset)
    measured = evidence.loc[
        evidence["code_state_district"].isin(codes) & evidence["measured_value"].notna()
    ].sort_values("measured_value")
    if measured.empty:
        return words.t("brief_connectivity_none_measured", districts=len(codes))
    items = "; ".join(
        (
            f"{row.district} {figures.format_value(row.measured_value, '.1f', '%')} "
            f"({words.label(row.measured_indicator)}, {int(row.measured_year)}, {row.measured_publisher})"
        )
        for row in measured.head(MEASURED_LISTED).itertuples(index=False)
    )
    more = len(measured) - MEASURED_LISTED
    return words.t(
        "brief_connectivity_measured",
        count=len(measured),
        districts=len(codes),
        items=items + (f"; +{more}" if more > 0 else ""),
    )


def domain_class_scores(frame: pd.DataFrame, domain_ids: list[str]) -> pd.DataFrame:
    """Population-weighted mean domain score per urban class (rows urban, semi_urban, rural)."""
    return pd.DataFrame(
        {domain: metrics.class_means(frame, value_col=domain).set_index("urban_class")["mean"] for domain in domain_ids}
    ).reindex(metrics.URBAN_CLASS_ORDER)


def target_summary(evaluation: pd.DataFrame, state: str | None, scope_codes: set[str], status_label) -> str:
    """The scope's line for one target: a state's own figure, or its districts counted by status."""
    districts = evaluation.loc[(evaluation["level"] == "district") & evaluation["code"].isin(scope_codes)]
    own_state = (
        evaluation.loc[(evaluation["level"] == "state") & (evaluation["code"] == state)]
        if state
        else evaluation.iloc[0:0]
    )
    if len(own_state):
        return f"{state}: {status_label(own_state.iloc[0]['status'])}"
    if len(districts):
        counts = districts["status"].value_counts()
        return " · ".join(f"{status_label(status)} {counts[status]}" for status in targets.STATUSES if status in counts)
    return ""


def scope_evaluations(dataset: data.Dataset, selection: Selection, scope_codes: set[str]) -> pd.DataFrame:
    """The target evaluations the pack reads, once for its targets table and its outlook: a state's pack
    reads the nation, the states and its own districts, so only those are evaluated."""
    return common.target_evaluations(dataset, frozenset(scope_codes) if selection.state is not None else None)


def targets_table(evaluations: pd.DataFrame, selection: Selection, words: Words, scope_codes: set[str]) -> pd.DataFrame:
    """The targets page's summary (threshold and deadline as the source gives them, Malaysia's latest
    value and status, from the targets scene's own wording) plus the scope's status: a state's own
    figure, or its districts counted by status."""
    summary = target_scene.summary_table(evaluations, common.target_list(), words)

    def status_label(status: str) -> str:
        return f"{targets.STATUS_STYLE[status][1]} {words.t('status_' + status)}"

    by_id = {target["id"]: target for target in common.target_list()}
    latest = [
        target_scene.value_text(row.latest_value, row.latest_year, by_id[row.target_id], words)
        for row in summary.itertuples(index=False)
    ]
    scope = [
        target_summary(
            evaluations.loc[evaluations["target_id"] == target_id], selection.state, scope_codes, status_label
        )
        for target_id in summary["target_id"]
    ]
    return summary.assign(latest_text=latest, scope_status_text=scope)


def add_outlook(scene: Scene, evaluations: pd.DataFrame, selection: Selection, words: Words) -> None:
    """The targets' outlook for the pack, as the Targets page words it: Malaysia's and, on a state's
    pack, the state's own (where the target is measured per state), for every target with an outlook;
    and the fan chart of the first target whose trend model applies to one of them. `evaluations` are
    the ones its targets table reads (scope_evaluations)."""
    rows, fan_added = [], False
    for target in common.target_list():
        measured = evaluations.loc[
            (evaluations["target_id"] == target["id"])
            & (
                (evaluations["level"] == "national")
                | ((evaluations["level"] == "state") & (evaluations["code"] == selection.state))
            )
        ]
        if measured.empty:
            continue
        described = target_scene.describe(measured, target, words)
        rows += [
            {
                "target_id": target["id"],
                "target": target["title"][selection.lang],
                "geography": row.geography,
                "outlook_text": row.outlook_text,
            }
            for row in described.itertuples()
            if row.outlook_text != "—"
        ]
        fan_added = fan_added or target_scene.add_outlook_fan(
            scene, measured, target, words, target_scene.source_text(target, words)
        )
    scene.tables["targets_outlook"] = Table(
        pd.DataFrame(rows, columns=["target_id", "target", "geography", "outlook_text"]),
        title=words.t("outlook_title"),
        source=words.t("outlook_fan_caption"),
        labels={"target": words.t("target"), "geography": words.t("place"), "outlook_text": words.t("outlook_title")},
    )


def build(dataset: data.Dataset, selection: Selection) -> Scene:
    from dashboard.scene import build_selection

    words = common.words(selection)
    state = selection.state
    result = common.index_result(dataset, selection)
    index_scene = build_selection(dataset, selection.replace(page="index"))
    overview_scene = build_selection(dataset, selection.replace(page="overview"))
    domain_labels = {domain.id: domain.label[selection.lang] for domain in result.spec.domains}
    scope_table = metrics.filter_state(result.table, state)
    cited = [i for i in result.spec.indicator_ids if i in result.years]
    scene = Scene("briefing", selection, common.data_as_of(dataset))
    scene.sentences["scope"] = (
        words.t("brief_scope_national", districts=len(scope_table))
        if state is None
        else words.t("brief_scope_state", state=state, districts=len(scope_table))
    )
    scene.sentences["scope_short"] = state or words.t("brief_malaysia")
    scene.sentences["weights"] = index_scene.sentences["weights"]
    scene.sentences["index_inputs"] = " ".join(
        index_scene.sentences[name] for name in ("index_inputs", "imports_off") if name in index_scene.sentences
    )  # the pack says when a link left the imported series out, beside the inputs
    for name, sentence in index_scene.sentences.items():
        if name in ("low_coverage", "older_values") or name.startswith("unmeasured_"):
            scene.sentences[name] = sentence

    # the index: the same table as the index page, with its map
    ranking = index_scene.tables["ranking"]
    scene.tables["index"] = ranking
    scored = scope_table.dropna(subset=["index"])
    lowest = ", ".join(f"{row.district} ({row.index:.0f})" for row in scored.nsmallest(3, "index").itertuples())
    scene.sentences["index_summary"] = words.t(
        "brief_index_summary",
        scored=len(scored),
        districts=len(scope_table),
        median=figures.format_value(scored["index"].median(), ".0f", no_data="—"),
        lowest=lowest or "—",
    )
    listed = ranking.frame if state is not None else ranking.frame.head(NATIONAL_RANKING_ROWS)
    scene.tables["index_ranking"] = Table(
        listed[["need_rank", "district", "state", "urban_class", "index", "weakest_domain"]],
        title=ranking.title,
        source=ranking.source,
        indicators=ranking.indicators,
        formats={"index": ".0f"},
        no_data="—",
    )
    scene.figure_builders["index_map"] = lambda: index_scene.figure_builders["index_map"](height=600)

    # urban-rural gaps by domain
    scores = domain_class_scores(scope_table, list(domain_labels))
    gap_rows = scores.T.assign(gap_points=lambda frame: frame["rural"] - frame["urban"]).reset_index(names="domain")
    scene.tables["domain_class_scores"] = Table(
        gap_rows,
        title=words.t("brief_section_gaps"),
        source=words.t("brief_gaps_note"),
        indicators=tuple(cited),
        formats={"urban": ".0f", "semi_urban": ".0f", "rural": ".0f", "gap_points": "+.0f"},
        no_data="—",
    )
    scene.figure_builders["domain_class_scores"] = lambda: figures.domain_comparison_chart(
        scores.rename(index=words.class_labels),
        domain_labels,
        axis_label=words.t("brief_domain_score_axis"),
        no_data_label=words.no_data,
    )

    # one page per domain: its first index input with a value in scope, as on the gaps page; a domain
    # the index cannot measure yet (connectivity) shows its indicator as the map does, labelled
    # with its method and why it is not in the index
    codes = set(scope_table["code_state_district"])
    options = common.options(dataset)
    for domain in result.spec.domains:
        chosen = next(
            (
                i.id
                for i in domain.indicators
                if i.id in result.years and _has_value(dataset, i.id, result.years[i.id], codes)
            ),
            None,
        )
        year = result.years.get(chosen)
        if chosen is None:
            fallback = next(
                (
                    i.id
                    for i in domain.indicators
                    if options.default_year(i.id) and _has_value(dataset, i.id, options.default_year(i.id), codes)
                ),
                None,
            )
            if fallback is not None:
                chosen, year = fallback, options.default_year(fallback)
                scene.sentences[f"domain_{domain.id}_not_in_index"] = words.t(
                    "domain_not_measured", domain=domain.label[selection.lang]
                )
        if (
            chosen is None
        ):  # the scope's own most recent value within the index's age limit (W.P. Kuala Lumpur: HIES 2022)
            chosen, year = _older_value(dataset, domain, result.years, codes)
            if chosen is not None:
                scene.sentences[f"domain_{domain.id}_older"] = words.t(
                    "brief_domain_older",
                    scope=scene.sentences["scope_short"],
                    year=year,
                    latest=result.years[chosen],
                    limit=composite.MAX_VALUE_AGE_YEARS,
                )
        if chosen is None:
            scene.sentences[f"domain_{domain.id}_missing"] = words.t(
                "brief_domain_no_data",
                scope=scene.sentences["scope_short"],
                indicators=", ".join(
                    words.label(i.id) if i.id in common.catalogue() else i.id for i in domain.indicators
                ),
            )
            continue
        gaps_scene = build_selection(dataset, selection.replace(page="gaps", indicator=chosen, year=year))
        scene.tables[f"domain_{domain.id}"] = gaps_scene.tables["distribution"]
        scene.tables[f"domain_{domain.id}_means"] = gaps_scene.tables["class_means"]
        scene.sentences[f"domain_{domain.id}_gap"] = gaps_scene.sentences["gap"]
        scene.sentences.update(domain_sentences(domain, chosen, gaps_scene, words))
        scene.figure_builders[f"domain_{domain.id}"] = gaps_scene.figure_builders["distribution"]
        others = [words.label(i.id) for i in domain.indicators if i.id != chosen and i.id in common.catalogue()]
        notes = [
            texts.source_line(common.catalogue()[chosen], data.sources(), dataset.manifest, selection.lang),
            gaps_scene.sentences["definition"],
        ]
        if others:
            notes.append(words.t("brief_domain_uses", others=", ".join(others)))
        if chosen == connectivity_evidence.MODELLED:
            notes.append(measured_connectivity_sentence(dataset, codes, words))
        extra = [scene.sentences.get(f"domain_{domain.id}_{part}", "") for part in ("not_in_index", "older")]
        scene.sentences[f"domain_{domain.id}_notes"] = " ".join(text for text in [*notes, *extra] if text)

    # targets and priorities
    evaluations = scope_evaluations(dataset, selection, codes)
    scene.tables["targets"] = Table(
        targets_table(evaluations, selection, words, codes),
        title=words.t("brief_section_targets"),
        source=words.t("status_method_note"),
    )
    add_outlook(scene, evaluations, selection, words)
    scene.tables["priorities"] = overview_scene.tables["priorities"]

    cited_all = list(
        dict.fromkeys(
            [
                "population",
                "urban_share_pct",
                *cited,
                *common.PRIORITY_INPUTS,
                *[
                    i
                    for t in common.target_list()
                    for i in t["measure"].get("indicators", [])
                    if i in common.catalogue()
                ],
            ]
        )
    )
    boundaries = [entry for source_id, entry in data.sources().items() if source_id == "dosm_district_boundaries"]
    from dashboard import provenance

    cited_sources = provenance.sources_for(cited_all, common.catalogue(), data.sources())
    scene.sources = provenance.source_rows(
        [*boundaries, *[entry for entry in cited_sources if entry not in boundaries]], dataset.manifest, selection.lang
    )
    scene.tables["sources"] = Table(pd.DataFrame(scene.sources), title=words.t("brief_sources_heading"))
    modelled = [words.label(i) for i in cited_all if common.catalogue()[i]["method"] == "modelled"]
    scene.sentences["modelled"] = (
        words.t("brief_method_modelled", indicators=", ".join(modelled))
        if modelled
        else words.t("brief_method_modelled_none")
    )
    dates = sorted(
        {
            texts.indicator_as_of(common.catalogue()[i], dataset.manifest)
            for i in ["population", "urban_share_pct", *cited]
        }
        - {""}
    )
    scene.sentences["data_as_of"] = words.t(
        "brief_data_as_of", first=dates[0] if dates else "—", last=dates[-1] if dates else "—"
    )
    if selection.scenario:
        scenario_annex(scene, build_selection(dataset, selection.replace(page="plan", state=None)), words)
    return scene


def domain_sentences(domain: composite.DomainSpec, indicator: str, gaps: Scene, words: Words) -> dict[str, str]:
    """A domain page's heading (domain, indicator, year) and its class means sentence (each class's
    weighted mean, districts with data), from the gaps scene of the indicator it shows."""
    entry = common.catalogue()[indicator]
    means = gaps.tables["class_means"].frame
    by_class = means.set_index("urban_class")["mean"]
    values = gaps.tables["distribution"].frame["value"]

    def mean(urban_class: str) -> str:
        return figures.format_value(
            by_class[urban_class], entry["format"], entry["unit"][words.lang], words.no_data.lower()
        )

    return {
        f"domain_{domain.id}_heading": words.t(
            "brief_section_domain",
            domain=domain.label[words.lang],
            indicator=entry["label"][words.lang],
            year=int(means["year"].iloc[0]),
        ),
        f"domain_{domain.id}_class_means": words.t(
            "brief_class_means",
            urban=mean("urban"),
            semi_urban=mean("semi_urban"),
            rural=mean("rural"),
            with_data=int(values.notna().sum()),
            districts=len(values),
        ),
    }


def rank_with_interval(rank, low, high) -> str:
    """'12 (8–15)': a need rank with its 5-95 % interval under perturbed weights; '—' when unranked."""
    if pd.isna(rank):
        return "—"
    return f"{rank:.0f}" + (f" ({low:.0f}–{high:.0f})" if pd.notna(low) and pd.notna(high) else "")


def scenario_annex(scene: Scene, plan: Scene, words: Words) -> None:
    """The plan scene's assumptions and results, as they are (named scenario_*), for the pack's
    "Scenario — assumptions, not measurements" annex; nothing is recomputed here or in the layout."""
    scene.sentences["scenario_stated"] = words.t(
        "brief_scenario_stated", scenario=scene.selection.scenario.replace(";", "; ").replace(",", ", ")
    )
    for name, sentence in plan.sentences.items():
        scene.sentences[f"scenario_{name}"] = sentence
    for number, notice in enumerate(plan.notices):
        scene.sentences[f"scenario_notice_{number}"] = notice
    for name, table in plan.tables.items():
        scene.tables[f"scenario_{name}"] = table
    scene.sources = [*scene.sources, *(row for row in plan.sources if row not in scene.sources)]
    scene.tables["sources"] = Table(pd.DataFrame(scene.sources), title=words.t("brief_sources_heading"))
    if "empty" in plan.sentences:
        return
    index = plan.tables["index"]
    ranks = index.frame.assign(
        rank_before_text=[
            rank_with_interval(*row)
            for row in index.frame[["need_rank_before", "rank_low_before", "rank_high_before"]].itertuples(index=False)
        ],
        rank_after_text=[
            rank_with_interval(*row)
            for row in index.frame[["need_rank_after", "rank_low_after", "rank_high_after"]].itertuples(index=False)
        ],
    )
    scene.tables["scenario_index"] = Table(
        ranks,
        title=index.title,
        source=index.source,
        formats=index.formats,
        no_data=index.no_data,
        labels={
            **index.labels,
            "rank_before_text": words.t("brief_scenario_rank_before"),
            "rank_after_text": words.t("brief_scenario_rank_after"),
        },
    )
    scene.figure_builders["scenario_gaps"] = plan.figure_builders["gaps"]


def _older_value(
    dataset: data.Dataset, domain, index_years: dict[str, int], codes: set[str]
) -> tuple[str | None, int | None]:
    """The domain's first index input with a value in scope in a release at most MAX_VALUE_AGE_YEARS
    older than its latest (the rule the index itself uses), and that release's year."""
    for item in domain.indicators:
        latest = index_years.get(item.id)
        if latest is None:
            continue
        for year in range(latest - 1, latest - composite.MAX_VALUE_AGE_YEARS - 1, -1):
            if _has_value(dataset, item.id, year, codes):
                return item.id, year
    return None, None


def _has_value(dataset: data.Dataset, indicator: str, year: int, codes: set[str]) -> bool:
    rows = dataset.indicators
    present = rows.loc[
        (rows["indicator"] == indicator) & (rows["year"] == year) & rows["value"].notna(), "code_state_district"
    ]
    return bool(present.isin(codes).any())
