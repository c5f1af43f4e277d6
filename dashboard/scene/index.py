"""Index scene: the AI-access index for the selection's weights, its ranks and their uncertainty."""

from __future__ import annotations

from dashboard import data, figures, metrics
from dashboard.scene import common
from dashboard.scene.base import Scene, Table
from dashboard.selection import Selection

NATIONAL_RANK_ROWS = 30  # the rank-interval chart shows the 30 most in need nationally (a state: all its districts)


def weights_label(weights: dict[str, float], domain_labels: dict[str, str]) -> str:
    """'Connectivity 30 %, Learning 17.5 %, …': each weight as its share of the total."""
    total = sum(weights.values()) or 1.0
    return ", ".join(f"{domain_labels[d]} {round(100 * w / total, 1):g} %" for d, w in weights.items())


def build(dataset: data.Dataset, selection: Selection) -> Scene:
    words = common.words(selection)
    state = selection.state
    scope = state or words.t("malaysia")
    result = common.index_result(dataset, selection)
    domain_labels = {domain.id: domain.label[selection.lang] for domain in result.spec.domains}
    domain_ids = list(domain_labels)
    index_line = common.index_source_line(result, words)
    cited = tuple(i for i in result.spec.indicator_ids if i in result.years)
    scene = Scene(
        "index",
        selection,
        common.data_as_of(dataset),
        sources=common.source_rows([*cited, "population"], dataset, selection.lang),
    )
    scene.sentences["index_inputs"] = index_line
    imports_off = common.imports_off_sentence(dataset, selection, words)
    if imports_off:
        scene.sentences["imports_off"] = imports_off
    scene.sentences["weights"] = words.t("brief_weights", weights=weights_label(result.weights, domain_labels))

    table = common.with_older_inputs_text(result.table, words)
    shown = metrics.filter_state(table, state)
    scored = int(table["index"].notna().sum())
    bands = common.rank_bands(dataset, selection)
    ranked = shown.join(bands, on="code_state_district").sort_values(["rank_median", "need_rank"])
    columns = [
        "code_state_district",
        "need_rank",
        "state_need_rank",
        "district",
        "state",
        "urban_class",
        "index",
        *domain_ids,
        "coverage",
        "low_coverage",
        "weakest_domain",
        "older_inputs_text",
        "rank_median",
        "rank_low",
        "rank_high",
    ]
    score_formats = {column: ".0f" for column in ["index", *domain_ids]}
    scene.tables["ranking"] = Table(
        ranked.sort_values("need_rank")[columns],
        title=words.t("index_title"),
        source=index_line,
        indicators=cited,
        labels={
            "need_rank": words.t("need_rank"),
            "district": words.geo("district"),
            "state": words.t("state"),
            "index": words.t("index_name"),
            **domain_labels,
            "coverage": words.t("coverage"),
            "older_inputs_text": words.t("older_inputs"),
        },
        formats={**score_formats, "coverage": ".0%"},
        no_data=words.no_data,
    )
    view = ranked if state is not None else ranked.head(NATIONAL_RANK_ROWS)
    scene.tables["rank_intervals"] = Table(
        view[["code_state_district", "district", "state", "need_rank", "rank_median", "rank_low", "rank_high"]],
        title=words.t("rank_uncertainty_title"),
        source=index_line,
        indicators=cited,
        labels={
            "district": words.geo("district"),
            "state": words.t("state"),
            "need_rank": words.t("need_rank"),
            "rank_median": words.t("rank_median"),
            "rank_low": words.t("rank_low"),
            "rank_high": words.t("rank_high"),
        },
        no_data=words.no_data,
    )
    low = shown.loc[shown["low_coverage"].fillna(False).astype(bool) & shown["index"].notna(), "district"].tolist()
    older_values = common.older_values_sentence(shown, words)
    if older_values:
        scene.sentences["older_values"] = older_values
    if low:
        scene.sentences["low_coverage"] = words.t(
            "low_coverage_note", districts=", ".join(low), share=int(100 * result.spec.min_coverage)
        )

    hover = common.index_hover(shown, words, domain_labels, scored)
    scene.figure_builders["index_map"] = lambda geojson_url=None, state_borders=None, height=None: (
        figures.choropleth_map(
            shown.rename(columns={"index": "value"}),
            dataset.features,
            figures.fixed_scheme(figures.INDEX_BREAKS, ".0f"),
            value_label=words.t("index_name"),
            unit=words.t("index_unit"),
            fmt=".0f",
            no_data_label=words.no_data,
            extra_hover=hover,
            state_borders=state_borders,
            state_lines=None
            if state_borders
            else figures.state_border_lines(
                dataset.states if state is None else dataset.states[dataset.states["state"] == state]
            ),
            height=height,
            geojson_url=geojson_url,
        )
    )
    scene.figure_builders["rank_intervals"] = lambda: figures.rank_interval_chart(
        view,
        rank_label=words.t("need_rank"),
        interval_label=words.t("rank_interval"),
        total=scored,
        axis_note=words.t("rank_axis_note"),
    )
    scene.sentences.update(common.unmeasured_sentences(result, words))
    correlation = table[domain_ids].corr(method="spearman").rename_axis("domain").reset_index()
    scene.tables["domain_correlation"] = Table(
        correlation,
        title=words.t("domain_correlation_title"),
        source=words.t("domain_correlation_note"),
        indicators=cited,
        labels={"domain": words.t("brief_col_domain"), **domain_labels},
        formats={d: "+.2f" for d in domain_ids},
        no_data="—",
        value_labels={"domain": domain_labels},
    )
    scene.sentences["scope"] = f"{scope} · {scene.sentences['weights']}"
    return scene
