"""Computations several scenes share, each made in one place and cached per build.

Pure (no Streamlit): results are memoised on the Dataset (dashboard.data.Dataset.memo), so every
session, the briefing pack and the command line reuse them, and a rebuild starts afresh.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard import composite, data, figures, metrics, priorities, provenance, targets, texts
from dashboard.scene.base import Words
from dashboard.selection import MEASURES, Options, Selection

PRIORITY_INPUTS = priorities.PRIORITY_INPUTS
RANK_DRAWS = 500


def catalogue() -> dict[str, dict]:
    return data.catalogue()


def words(selection: Selection) -> Words:
    return Words(selection.lang, catalogue(), selection.geography)


def options(dataset: data.Dataset) -> Options:
    """Every value a Selection may take in this build (states, indicators, years, districts, targets)."""

    def build() -> Options:
        entries = catalogue()
        values = dataset.indicators.loc[
            dataset.indicators["value"].notna(), ["indicator", "year", "code_state_district"]
        ]
        areas = values.groupby(["indicator", "year"])["code_state_district"].nunique()
        year_areas = {
            indicator: {int(year): int(count) for (_, year), count in group.items()}
            for indicator, group in areas.groupby(level="indicator")
        }
        years = {indicator: tuple(sorted(counts)) for indicator, counts in year_areas.items()}
        domains = list(dict.fromkeys(entry["domain"] for entry in entries.values()))
        present = [indicator for indicator in entries if indicator in years]

        def order(indicator: str, directional_first: bool) -> tuple:
            entry = entries[indicator]
            return (
                directional_first and entry["direction"] == "context",
                domains.index(entry["domain"]),
                present.index(indicator),
            )

        districts = dataset.districts.sort_values("code_state_district")
        return Options(
            states=tuple(dataset.state_names),
            indicators=tuple(sorted(present, key=lambda i: order(i, False))),
            directional=tuple(sorted(present, key=lambda i: order(i, True))),
            years=years,
            districts={
                code: (name, state)
                for code, name, state in zip(
                    districts["code_state_district"], districts["district"], districts["state"]
                )
            },
            targets=tuple(target["id"] for target in target_list()),
            default_weights=data.index_spec().default_weights,
            measures=MEASURES,
            year_areas=year_areas,
        )

    return dataset.memo(("options",), build)


def target_list() -> list[dict]:
    return list(data.targets())


def latest_population(dataset: data.Dataset) -> tuple[pd.Series, int]:
    """District population of the latest year DOSM publishes (the one 'latest' rule for weights)."""
    years = metrics.indicator_years(dataset.indicators, "population")
    return dataset.memo(("population", years[-1]), lambda: metrics.population_for_year(dataset.indicators, years[-1]))


def data_as_of(dataset: data.Dataset) -> str:
    dates = [value for value in dataset.manifest["data_as_of"].values() if value]
    return max(dates) if dates else ""


def source_line(indicator: str, dataset: data.Dataset, lang: str) -> str:
    """The indicator's source line; at a seat level, a value carried from districts says so in its method."""
    return texts.source_line(
        catalogue()[indicator], data.sources(), dataset.manifest, lang, carried=indicator in carried_indicators(dataset)
    )


def carried_indicators(dataset: data.Dataset) -> frozenset[str]:
    """Indicators whose seat values are all estimated from districts (none at the district level)."""
    if dataset.geography == "district" or "from_districts" not in dataset.indicators.columns:
        return frozenset()

    def compute() -> frozenset[str]:
        carried = (
            dataset.indicators["from_districts"]
            .fillna(False)
            .astype(bool)
            .groupby(dataset.indicators["indicator"])
            .all()
        )
        return frozenset(carried.index[carried])

    return dataset.memo(("carried_indicators",), compute)


def source_rows(indicators: list[str] | tuple[str, ...], dataset: data.Dataset, lang: str) -> list[dict]:
    """Publisher, title, licence, as-of and URL of every source behind these indicators (Jurang's own
    wording in lang)."""
    return provenance.source_rows(
        provenance.sources_for(indicators, catalogue(), data.sources()), dataset.manifest, lang
    )


# --- the index ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexResult:
    """The index for one weighting: every district's row, the year of each input, the spec used
    (imported series in place of the ones they replace) and those replacements."""

    table: pd.DataFrame  # composite.index_table + population, weakest_score, priority inputs
    years: dict[str, int]
    spec: composite.IndexSpec
    replacements: dict[str, str]  # replaced id -> imported id
    weights: dict[str, float]


def index_spec(dataset: data.Dataset, use_imported: bool = True) -> tuple[composite.IndexSpec, dict[str, str]]:
    spec = data.index_spec()
    if not use_imported:
        return spec, {}
    present = set(dataset.indicators.loc[dataset.indicators["value"].notna(), "indicator"])
    return composite.with_replacements(spec, catalogue(), present)


def available_replacements(dataset: data.Dataset) -> dict[str, str]:
    """The imported series that would replace an index input (replaced id -> imported id): what the
    index page's "use imported series" switch turns on and off ({} when there is nothing to switch)."""
    return dataset.memo(("available_replacements",), lambda: index_spec(dataset, True)[1])


def imports_off_sentence(dataset: data.Dataset, selection: Selection, words: Words) -> str | None:
    """When a link or the switch leaves imported series out of the index: which ones, in a sentence."""
    available = available_replacements(dataset)
    if selection.use_imported or not available:
        return None
    return words.t("imports_off", series=", ".join(words.label(new) for new in available.values()))


def index_result(dataset: data.Dataset, selection: Selection) -> IndexResult:
    """The index for the selection's weights (and imports), with what the priority lists need."""
    weights = selection.weights

    def build() -> IndexResult:
        spec, replacements = index_spec(dataset, selection.use_imported)
        table, years = composite.index_table(dataset.districts, dataset.indicators, spec, dict(weights))
        domain_ids = [domain.id for domain in spec.domains]
        population, _ = latest_population(dataset)
        table = table.assign(
            population=table["code_state_district"].map(population),
            weakest_score=table[domain_ids].min(axis=1, skipna=True),
        )
        wide, _ = composite.latest_values(dataset.indicators, list(PRIORITY_INPUTS))
        for column in PRIORITY_INPUTS:
            table[column] = table["code_state_district"].map(wide[column]) if column in wide.columns else float("nan")
        return IndexResult(table, years, spec, replacements, dict(weights))

    return dataset.memo(("index", weights, selection.use_imported), build)


def rank_bands(dataset: data.Dataset, selection: Selection) -> pd.DataFrame:
    """Median need-rank and 5-95 % interval under Dirichlet-perturbed weights (500 draws)."""
    result = index_result(dataset, selection)

    def build() -> pd.DataFrame:
        table = result.table.set_index("code_state_district")
        scores = table[[domain.id for domain in result.spec.domains]]
        return composite.rank_uncertainty(scores.loc[table["index"].notna()], result.weights)

    return dataset.memo(("rank_bands", selection.weights, selection.use_imported), build)


def state_rank_bands(dataset: data.Dataset, selection: Selection, state: str) -> pd.DataFrame:
    """rank_bands within one state: each area's need-rank among the state's areas and its 5-95 % interval."""
    result = index_result(dataset, selection)

    def build() -> pd.DataFrame:
        table = result.table.loc[(result.table["state"] == state) & result.table["index"].notna()].set_index(
            "code_state_district"
        )
        return composite.rank_uncertainty(table[[domain.id for domain in result.spec.domains]], result.weights)

    return dataset.memo(("state_rank_bands", selection.weights, selection.use_imported, state), build)


def with_older_inputs_text(table: pd.DataFrame, words: Words) -> pd.DataFrame:
    """The index table with `older_inputs_text`: each input a district's index takes from an older
    release than the latest, as "Median household income: 2022 value" ('' when none)."""
    return table.assign(
        older_inputs_text=table["older_inputs"].map(
            lambda found: "; ".join(words.t("value_from_year", label=words.label(i), year=y) for i, y in found.items())
        )
    )


def older_values_sentence(shown: pd.DataFrame, words: Words) -> str | None:
    """Which districts' index uses an older value, and of what (None when none does)."""
    older = shown.loc[shown["older_inputs_text"] != ""]
    if not len(older):
        return None
    items = ", ".join(f"{row.district} ({row.older_inputs_text})" for row in older.itertuples(index=False))
    return words.t("older_values_note", years=composite.MAX_VALUE_AGE_YEARS, items=items)


def index_hover(shown: pd.DataFrame, words: Words, domain_labels: dict[str, str], scored: int) -> pd.Series:
    """The index map's hover lines below the value: need rank, coverage, weakest domain, older values."""
    return (
        "<br>"
        + words.t("need_rank")
        + ": "
        + shown["need_rank"].astype("string").fillna("—")
        + f" / {scored}"
        + "<br>"
        + words.t("coverage")
        + ": "
        + (100 * shown["coverage"]).round().astype("Int64").astype("string").fillna("—")
        + " %"
        + "<br>"
        + words.t("weakest_domain")
        + ": "
        + shown["weakest_domain"].map(domain_labels).fillna("—")
        + shown["older_inputs_text"].map(lambda text: f"<br><i>{text}</i>" if text else "")
    )


def index_source_line(result: IndexResult, words: Words) -> str:
    """Which indicators (and years) feed the index, how each was made, and any imported replacement."""
    entries = catalogue()
    replaced_by = {new: old for old, new in result.replacements.items()}

    def describe(indicator: str) -> str:
        text = f"{words.label(indicator)} {result.years[indicator]}"
        if indicator in replaced_by:
            old = replaced_by[indicator]
            return (
                text
                + " ("
                + words.t("replaces", replaced=entries[old]["label"][words.lang] if old in entries else old)
                + ")"
            )
        method = entries[indicator]["method"]
        return text + (f" ({words.t('method_' + method)})" if method in ("modelled", "imported") else "")

    parts = [describe(i) for i in result.spec.indicator_ids if i in result.years]
    missing = [words.label(i) if i in entries else i for i in result.spec.indicator_ids if i not in result.years]
    line = words.t("index_inputs", inputs="; ".join(parts))
    return line + (" " + words.t("index_missing_inputs", inputs=", ".join(missing)) if missing else "")


def unmeasured_sentences(result: IndexResult, words: Words) -> dict[str, str]:
    """For each index domain measured nowhere (or only in some districts): what the index does
    about it, in a sentence (the domain is left out and the others reweighted)."""
    sentences = {}
    for domain in result.spec.domains:
        measured, total = int(result.table[domain.id].notna().sum()), len(result.table)
        label = domain.label[words.lang]
        if measured == 0:
            sentences[f"unmeasured_{domain.id}"] = words.t("domain_not_measured", domain=label)
        elif measured < total:
            sentences[f"unmeasured_{domain.id}"] = words.t(
                "domain_partly_measured", domain=label, count=measured, total=total
            )
    return sentences


def priority_table(
    result: IndexResult, state: str | None, count: int = 5, connectivity: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Where to act first in scope: one row per (district, reason), with the weakest domain;
    `connectivity`: each district's measured-first share (connectivity_evidence.share_first)."""
    frame = metrics.filter_state(result.table, state)
    if connectivity is not None:
        frame = frame.merge(connectivity, on="code_state_district", how="left")
    listed = priorities.priority_list(frame, count)
    return listed.merge(frame[["code_state_district", "weakest_domain"]], on="code_state_district", how="left")


def reason_text(row, words: Words, domain_labels: dict[str, str]) -> str:
    """Why a district is on the priority list, with its numbers (the one wording for screen and paper)."""
    fmt = metrics_format
    if row.reason == priorities.LOWEST_INDEX:
        weakest = domain_labels.get(row.weakest_domain, "—") if isinstance(row.weakest_domain, str) else "—"
        return words.t("brief_why_lowest_index", index=fmt(row.index), domain=weakest)
    if row.reason == priorities.GAP_TO_STATE_URBAN:
        return words.t(
            "brief_why_gap_to_state_urban", gap=fmt(row.value), state=row.state, reference=fmt(row.reference)
        )
    measure = getattr(row, "connectivity_indicator", None)
    method = getattr(row, "connectivity_method", None)
    method_text = (
        words.t("method_" + method)
        if isinstance(method, str)
        else words.t(
            "method_modelled" if measure == priorities.MODELLED_CONNECTIVITY else "connectivity_measured_short"
        )
    )
    year = getattr(row, "connectivity_year", None)
    return words.t(
        "brief_why_agri_weak_connectivity",
        value=fmt(row.value, ".1f"),
        reference=fmt(row.reference, ".1f"),
        measure=words.label(measure) if isinstance(measure, str) and measure in words.catalogue else "—",
        method=f"{method_text}, {int(year)}" if year is not None and pd.notna(year) else method_text,
        area=fmt(getattr(row, priorities.CROP_PER_RURAL, float("nan"))),
        micro=fmt(getattr(row, priorities.MICRO_PER_1K, float("nan")), ".1f"),
    )


def metrics_format(value, fmt: str = ".0f") -> str:
    return figures.format_value(value, fmt, no_data="—")


# --- targets -----------------------------------------------------------------------------------------


def target_evaluations(dataset: data.Dataset, districts: frozenset[str] | None = None) -> pd.DataFrame:
    """Status of every target for every geography it applies to, once per build.

    districts: only these districts' rows (the nation and the states in full), e.g. what a state's
    briefing pack reads; the same rows as the full evaluation's (a district's row depends on its own
    series, the nation's on every district), taken from it when it is already made."""
    if districts is not None:
        if ("targets",) in dataset.cache:
            every = target_evaluations(dataset)
            return every.loc[(every["level"] != "district") | every["code"].isin(districts)].reset_index(drop=True)
        return dataset.memo(("targets", districts), lambda: _evaluate_targets(dataset, districts))
    return dataset.memo(("targets",), lambda: _evaluate_targets(dataset, None))


def _evaluate_targets(dataset: data.Dataset, only_districts: frozenset[str] | None) -> pd.DataFrame:
    population, _ = latest_population(dataset)
    frames = [
        targets.evaluate_target(
            target,
            dataset.published,
            dataset.indicators,
            dataset.districts,
            population,
            only_districts=only_districts,
        )
        for target in target_list()
    ]
    return pd.concat(frames, ignore_index=True)


# --- comparisons over time: the same districts in every year --------------------------------------


@dataclass(frozen=True)
class Trend:
    """Class means and the rural-urban gap per year, on a balanced panel of districts."""

    class_means: pd.DataFrame  # year, urban_class, mean, districts_with_data, …
    gaps: pd.DataFrame  # year, urban_mean, rural_mean, difference, ratio, shortfall, change_in_difference
    compared: list[str]  # codes with a value in every year
    left_out: list[str]  # codes with a value in some year but not all


def weighted_frame(dataset: data.Dataset, indicator: str, year: int) -> pd.DataFrame:
    """metrics.weighted_frame of this build, once per (indicator, year): every state's trend shares
    it (callers only read or filter it: never modify it)."""
    return dataset.memo(
        ("weighted_frame", indicator, year),
        lambda: metrics.weighted_frame(dataset.districts, dataset.indicators, indicator, year),
    )


def trend(dataset: data.Dataset, indicator: str, years: list[int], state: str | None, direction: str) -> Trend:
    """The gap over `years` computed only on districts with a value in every one of them."""

    def build() -> Trend:
        frames = {year: metrics.filter_state(weighted_frame(dataset, indicator, year), state) for year in years}
        balanced, left_out = metrics.balanced_panel(frames)
        means = (
            pd.concat(
                [metrics.class_means(frame).assign(year=year) for year, frame in balanced.items()], ignore_index=True
            )
            if balanced
            else pd.DataFrame()
        )
        compared = (
            sorted(set(next(iter(balanced.values())).dropna(subset=["value"])["code_state_district"]))
            if balanced
            else []
        )
        return Trend(means, metrics.gap_over_time(balanced, direction), compared, left_out)

    return dataset.memo(("trend", indicator, tuple(years), state, direction), build)


def panel_sentence(compared: int, left_out: list[str], dataset: data.Dataset, words: Words, years: list[int]) -> str:
    """Which areas a comparison over time uses (how many, in every year), naming those left out."""
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    if not left_out:
        return words.geo("panel_all", count=compared, years=span)
    return words.geo("panel_left_out", count=compared, years=span, names=area_names(left_out, dataset))


def area_names(codes: list[str], dataset: data.Dataset) -> str:
    """'Kalabakan (Sabah), Selama (Perak)': areas named with their state, in the order given."""
    names = dataset.districts.set_index("code_state_district")
    return ", ".join(f"{names.at[code, 'district']} ({names.at[code, 'state']})" for code in codes)


def gap_change_sentence(gaps: pd.DataFrame, direction: str, fmt: str, unit: str, words: Words) -> str | None:
    """How the rural-urban difference moved between the first and last year with a gap."""
    measured = gaps.dropna(subset=["difference"])
    if len(measured) < 2:
        return None
    first, last = measured.iloc[0], measured.iloc[-1]
    signed = "+" + fmt.lstrip("+")
    points = texts.difference_unit(unit, words.lang)
    values = {
        "first_year": int(first["year"]),
        "last_year": int(last["year"]),
        "first": figures.format_value(first["difference"], signed, points),
        "last": figures.format_value(last["difference"], signed, points),
    }
    if direction == "context":
        return words.t("gap_change_context", **values)
    sign = -1 if direction == "higher_is_better" else 1
    narrowing = sign * last["difference"] < sign * first["difference"]
    return words.t("gap_change_narrowing" if narrowing else "gap_change_widening", **values)
