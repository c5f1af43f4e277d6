"""Connectivity step: the published figures (measured layers) and the modelled district estimate.

Three rooms, one job each:
- etl/sources/connectivity_published.py: published figures carried at their own level into
  published_figures.parquet (national, urban/rural, state, district, parliament seat), checked
  against the mirror's transcriptions.
- etl/connectivity_model.py: the modelled internet_hh_pct 2024 (method "modelled", with a 5-95 %
  interval), calibrated to the published urban and rural shares.
- etl/connectivity_measured.py: the published district and seat coverage figures carried to
  districts (coverage_*_populated_pct; seats through the seat-district population overlay), and
  the account of every sub-national published row (used, or the reason it is not).
- etl/connectivity_validation.py: the estimate against published district / seat coverage and
  the state 5G table (rank correlation), and out of sample against naive baselines.
This module runs them in order and writes their findings to the quality log.
"""

from __future__ import annotations

import pandas as pd
from pandera.pandas import Check, Column, DataFrameSchema

from etl import connectivity_measured as measured
from etl import connectivity_validation as validation
from etl import geography, overlay
from etl.connectivity_model import (
    COVARIATES,
    INDICATOR,
    MODEL_YEAR,
    Estimate,
    covariate_table,
    estimate_internet,
    household_weights,
    most_recent_up_to,
    standardise,
    stratum_targets,
)
from etl.context import StepContext, StepOutput
from etl.derived_cache import frame_parts, input_digests
from etl.indicators import INDICATOR_COLUMNS
from etl.seats import OVERLAY_SOURCES, SEAT_KEY, seat_geography
from etl.sources import connectivity_published, digital_hh
from etl.sources.census import read_census_seats

DUN_BOUNDARIES = "dosm_dun_boundaries"
DUN_CENSUS = "dosm_census_dun"

# Census 2020 households and people per state seat (DUN): the weights that carry district estimates
# to a parliament seat, and seat figures to districts
DUN_HOUSEHOLDS_SCHEMA = DataFrameSchema(
    {
        "code_state_dun": Column(str, unique=True),
        "parlimen": Column(str),
        "household_total": Column(float, Check.ge(0), coerce=True),
        "population_total": Column(float, Check.ge(0), coerce=True),
    },
    strict=False,
)


def build_connectivity(ctx: StepContext) -> StepOutput:
    """Published connectivity figures (measured layers) and the modelled internet_hh_pct 2024.

    Kept in the derived cache with its notes (ctx.cached_step): the published files and feeds, the seat geography's
    files, the reference figures, districts, census, population and the earlier steps' indicators (by content)."""
    if ctx.indicators_so_far is None:
        raise RuntimeError("build_connectivity needs the indicators of the earlier steps (ctx.indicators_so_far)")
    sources = [
        *connectivity_published.PUBLISHED_SOURCES,
        *digital_hh.FEED_SOURCES,
        *OVERLAY_SOURCES,
        DUN_CENSUS,
        DUN_BOUNDARIES,
        connectivity_published.PARLIMEN_SOURCE,
    ]
    indicators = ctx.indicators_so_far
    return ctx.cached_step("connectivity_step", sources, lambda: _build_connectivity(ctx), frame_parts(indicators))


def _build_connectivity(ctx: StepContext) -> StepOutput:
    reference = connectivity_published.cached_reference(ctx)
    connectivity_published.cross_check(ctx, reference)
    feeds = connectivity_published.feed_rows(ctx)
    codes, seat_districts, seat_weights, points = connectivity_published.locate(ctx, reference)
    published = connectivity_published.published_figures(reference, feeds, codes, seat_districts, points)
    evidence = connectivity_published.connectivity_rows(
        published
    )  # farmers' and MSMEs' figures are never coverage evidence
    low = int((published["confidence"] == "low").sum())
    ctx.quality.note(
        "published_figures",
        "decision",
        f"{len(published)} published figures kept at their own level (national, urban/rural, state, district, seat) "
        f"in {connectivity_published.OUTPUT_NAME}; "
        f"{low} low-confidence rows kept and flagged; {int(published['value'].isna().sum())} ranges kept as text "
        "(value_text); no state figure is written into a district value",
    )

    indicators = ctx.indicators_so_far
    district_codes = pd.Index(ctx.districts["code_state_district"].astype(str))
    values, years = covariate_table(indicators, district_codes)
    households = household_weights(indicators, district_codes)
    urban = (
        indicators.loc[(indicators["indicator"] == "urban_share_pct") & (indicators["year"] == 2020)]
        .set_index("code_state_district")["value"]
        .reindex(district_codes)
        / 100
    )
    z, scale = standardise(values, households)
    targets = stratum_targets(evidence)
    # 401 calibrations (the point and 400 seeded draws): a pure function of these small tables,
    # kept in the derived cache by their content
    estimate = ctx.cache.get_or_compute(
        "internet_estimate",
        (
            *frame_parts(z),
            *frame_parts(households),
            *frame_parts(urban),
            repr(sorted(targets.items())),
            *frame_parts(scale),
        ),
        lambda: estimate_internet(z, households, urban, targets, scale=scale),
    )
    _note_model(ctx, estimate, targets, years, values, urban)

    estimates = estimate.table.set_index("code_state_district")["value"]
    dun_weights, duns = _dun_overlay(ctx, seat_weights)
    area = ctx.districts.set_index("code_state_district")["area_km2"]
    weights = ctx.cache.get_or_compute(  # duns: the census DUN file as read (its digest); the rest by content
        "seat_household_weights",
        (
            *input_digests(ctx.fetched, [DUN_CENSUS]),
            *frame_parts(dun_weights),
            *frame_parts(seat_weights),
            *frame_parts(households),
            *frame_parts(area),
        ),
        lambda: _seat_weights(dun_weights, duns, seat_weights, households, area),
    )
    state_of = ctx.districts.set_index("code_state_district")["state"]
    _note_validation(ctx, evidence, estimates, weights, households, state_of)

    coverage_rows = _measured_coverage(ctx, evidence, dun_weights, duns, seat_weights, indicators)
    piped_water = latest_piped_water(indicators, district_codes)
    _note_out_of_sample(ctx, evidence, estimates, piped_water, weights, state_of)

    rows = estimate.table.assign(
        indicator=INDICATOR,
        year=MODEL_YEAR,
        method="modelled",
        source_ids=";".join(
            [
                "pub_household_internet",
                *sorted({_source_of(c.indicator) for c in COVARIATES}),
                "dosm_census_district",
                "opendosm_population_district",
            ]
        ),
    )[[*INDICATOR_COLUMNS, "lower", "upper"]]
    table = pd.concat([rows, coverage_rows], ignore_index=True)
    return StepOutput(table, tables={connectivity_published.OUTPUT_NAME: published})


def latest_piped_water(indicators: pd.DataFrame, codes: pd.Index) -> pd.Series:
    """Each district's latest piped-water share up to the model year (the naive baseline of the validation)."""
    latest = most_recent_up_to(indicators, "piped_water_hh_pct", MODEL_YEAR).set_index("code_state_district")["value"]
    return latest.reindex(codes).astype(float)


def _dun_overlay(ctx: StepContext, seat_weights: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Area weights DUN -> district for the DUNs of the published seats, and their Census 2020 households and people."""
    seats = sorted(set(seat_weights["parlimen"])) if len(seat_weights) else []
    dun_shapes = ctx.read(DUN_BOUNDARIES, geography.read_boundaries)
    dun_codes = dun_shapes.loc[dun_shapes["parlimen"].isin(seats), "code_state_dun"]
    duns = ctx.read(DUN_CENSUS, read_census_seats, DUN_HOUSEHOLDS_SCHEMA)
    if dun_codes.empty:
        return pd.DataFrame(columns=["code_state_dun", *overlay.WEIGHT_COLUMNS]), duns
    # the build's one DUN overlay (etl/seats.py: same polygons, state grouping and sliver rule; each seat's weights
    # depend on that seat alone, so the subset equals an overlay of these DUNs by themselves)
    area_weights = seat_geography(ctx).area_weights
    dun_weights = (
        area_weights.loc[area_weights[SEAT_KEY].isin(dun_codes)]
        .rename(columns={SEAT_KEY: "code_state_dun"})
        .reset_index(drop=True)
    )
    return dun_weights, duns


def _seat_weights(
    dun_weights: pd.DataFrame, duns: pd.DataFrame, seat_weights: pd.DataFrame, households: pd.Series, area: pd.Series
) -> pd.DataFrame:
    """Household weights seat -> district for the published seats (through their DUNs)."""
    if seat_weights.empty:
        return pd.DataFrame(columns=["parlimen", "code_state_district", "hh_weight"])
    return validation.seat_household_weights(dun_weights, duns, seat_weights, households, area)


def _measured_coverage(
    ctx: StepContext,
    published: pd.DataFrame,
    dun_weights: pd.DataFrame,
    duns: pd.DataFrame,
    seat_weights: pd.DataFrame,
    indicators: pd.DataFrame,
) -> pd.DataFrame:
    """The measured coverage indicators by district, their provenance
    and the account of every sub-national published row."""
    districts = ctx.districts.set_index("code_state_district")
    population = indicators.loc[
        (indicators["indicator"] == "population_census") & (indicators["year"] == 2020)
    ].set_index("code_state_district")["value"]
    seats = ctx.read(connectivity_published.PARLIMEN_SOURCE, geography.read_boundaries)
    seats = seats.loc[seats["parlimen"].isin(seat_weights["parlimen"])] if len(seat_weights) else seats.iloc[0:0]
    seat_area = pd.Series(
        seats.to_crs(geography.EQUAL_AREA_CRS).geometry.area.to_numpy() / 1e6, index=seats["parlimen"].to_numpy()
    )
    seat_overlay = (
        overlay.seat_population_overlay(
            dun_weights, duns, seat_weights, seat_area, population.reindex(districts.index), districts["area_km2"]
        )
        if len(seat_weights)
        else pd.DataFrame(columns=["parlimen", "code_state_district", "population", "seat_share", "district_share"])
    )
    # a pure function of the published rows, the overlay and the district names
    # (~0.15 s of per-group loops): kept in the derived cache
    rows, provenance, account = ctx.cache.get_or_compute(
        "measured_coverage",
        (*frame_parts(published), *frame_parts(seat_overlay), *frame_parts(districts[["district"]])),
        lambda: measured.measured_coverage(published, seat_overlay, districts["district"]),
    )
    used = account.loc[account["status"] != "not_used"]
    ctx.quality.note(
        measured.PROVENANCE_SOURCE,
        "decision",
        f"{len(rows)} district values of {rows['indicator'].nunique()} measured coverage indicators "
        f"({', '.join(sorted(rows['indicator'].unique()))}) "
        f"in {rows['code_state_district'].nunique()} districts: "
        f"{int((rows['method'] == 'observed').sum())} from district figures (observed), "
        f"{int((rows['method'] == 'derived').sum())} from seat figures through the seat-district population overlay "
        "(derived; the seats must hold at least "
        f"{measured.MIN_DISTRICT_SHARE:.0%} of a district's people); "
        f"{len(used)} of {len(account)} sub-national published rows used",
        column="code_state_district",
        count=len(rows),
        values={"kind": "district_provenance", "min_district_share": measured.MIN_DISTRICT_SHARE},
        rows=provenance.to_dict("records"),
    )
    unused = account.loc[account["status"] == "not_used"]
    for (source_id, reason_id), group in unused.groupby(["source_id", "reason_id"], sort=True):
        ctx.quality.note(
            source_id,
            "not_used",
            f"{len(group)} sub-national rows not used as district values: {measured.REASONS[reason_id]}",
            column="indicator",
            count=len(group),
            values={"reason_id": reason_id, "indicators": sorted(group["indicator"].unique())},
            rows=group.drop(columns=["status", "districts", "district_indicator"]).to_dict("records"),
        )
    ctx.quality.note(
        measured.PROVENANCE_SOURCE,
        "consistency_check",
        f"every sub-national published row accounted for: {len(account)} rows = {len(used)} used "
        f"({int((account['status'] == 'used_district').sum())} district, "
        f"{int((account['status'] == 'used_via_seat').sum())} seat) + {len(unused)} not used with a reason",
        count=len(account),
        values={"kind": "account"},
        rows=measured.account_summary(account).to_dict("records"),
    )
    return rows


def _source_of(indicator: str) -> str:
    return {
        "electricity_hh_pct": "opendosm_hh_amenities_district",
        "piped_water_hh_pct": "opendosm_hh_amenities_district",
        "poverty_absolute_pct": "opendosm_hh_poverty_district",
        "household_income_median_rm": "opendosm_hh_income_district",
        "population_beyond_5km_facility_pct": "moh_facilities",
        "schools_rural_pct": "moe_school_points",
    }[indicator]


def _note_model(
    ctx: StepContext,
    estimate: Estimate,
    targets: dict[str, float],
    years: pd.DataFrame,
    values: pd.DataFrame,
    urban: pd.Series,
) -> None:
    """Calibration figures, coefficients, covariate years and the spread of the estimate."""
    reproduced = estimate.reproduced
    rows = [
        {
            "aggregate": name,
            "published": targets[name],
            "reproduced": round(reproduced[name], 3),
            "difference_pp": round(reproduced[name] - targets[name], 3),
        }
        for name in ("urban", "rural", "national")
    ]
    ctx.quality.note(
        "internet_hh_pct",
        "reconciliation",
        f"{INDICATOR} {MODEL_YEAR} calibrated on household weights "
        f"(Census 2020 households x population growth to {MODEL_YEAR}): "
        + ", ".join(f"{r['aggregate']} {r['reproduced']:.2f} vs published {r['published']:.1f}" for r in rows)
        + f" (national is a check, not a constraint); intercepts urban {estimate.point.alpha_urban[0]:.3f}, "
        f"rural {estimate.point.alpha_rural[0]:.3f}; "
        f"gamma {estimate.point.gamma[0]:.3f} = {estimate.spec.between_share} x "
        f"gamma_full {estimate.point.gamma_full[0]:.3f}",
        rows=rows,
        warn=any(abs(r["difference_pp"]) > 0.1 for r in rows),
    )
    coefficient_rows = estimate.coefficients.assign(
        year_used=[
            ", ".join(str(int(y)) for y in sorted(years[c].dropna().unique()))
            for c in estimate.coefficients["covariate"]
        ]
    )
    ctx.quality.note(
        "internet_hh_pct",
        "decision",
        "covariates (sign: + more access): "
        + "; ".join(
            f"{r.covariate} {'+' if r.direction > 0 else '-'} ({r.year_used}; {r.logit_per_unit:+.4f} logit per unit)"
            for r in coefficient_rows.itertuples(index=False)
        )
        + ". Latest value up to 2024 per district (e.g. 2022 income and poverty for Perlis "
        "and the Federal Territories, absent from the 2024 district tables).",
        rows=coefficient_rows.to_dict("records"),
    )
    table = estimate.table.set_index("code_state_district")
    rural = table.loc[urban.reindex(table.index) == 0, "value"]
    ctx.quality.note(
        "internet_hh_pct",
        "consistency_check",
        f"spread: all districts {table['value'].min():.1f}-{table['value'].max():.1f} "
        f"({table['value'].round(1).nunique()} distinct values at 0.1); "
        f"fully rural districts (n={len(rural)}): min {rural.min():.1f}, median {rural.median():.1f}, "
        f"max {rural.max():.1f}, {rural.round(1).nunique()} distinct; "
        f"median interval width {(table['upper'] - table['lower']).median():.1f} pp",
    )


def _note_validation(
    ctx: StepContext,
    published: pd.DataFrame,
    estimates: pd.Series,
    seat_weights: pd.DataFrame,
    households: pd.Series,
    state_of: pd.Series,
) -> None:
    """Agreement with the published district/seat coverage figures and the state 5G table."""
    summary, pairs, state_pairs = ctx.cache.get_or_compute(  # pure: kept in the derived cache by the tables' content
        "validation_summary",
        (
            *frame_parts(published),
            *frame_parts(estimates),
            *frame_parts(seat_weights),
            *frame_parts(households),
            *frame_parts(state_of),
        ),
        lambda: _validation_summary(published, estimates, seat_weights, households, state_of),
    )
    ctx.quality.note(
        "internet_hh_pct",
        "validation",
        f"Spearman rank correlation of the modelled {INDICATOR} with published network coverage: "
        + "; ".join(f"{s['comparison']}: rho {s['rho']:.2f} (n={s['n']}, {s['strength']})" for s in summary)
        + ". Coverage of populated areas is a supply-side figure from other years, not household take-up, "
        "and n is small: read this as a sanity check, not as accuracy.",
        rows=[
            *summary,
            *pairs.assign(kind="area_pair").to_dict("records"),
            *state_pairs.assign(kind="state_pair").to_dict("records"),
        ],
        column=INDICATOR,
        count=len(summary),
        values={"comparisons": summary},
    )


def _validation_summary(
    published: pd.DataFrame,
    estimates: pd.Series,
    seat_weights: pd.DataFrame,
    households: pd.Series,
    state_of: pd.Series,
) -> tuple[list[dict], pd.DataFrame, pd.DataFrame]:
    """(summary lines, area pairs, state pairs) of the validation note."""
    pairs = validation.validation_pairs(published, estimates, seat_weights)
    rho_all = validation.rank_correlation(pairs["published"], pairs["modelled_internet_hh_pct"])
    only_4g = pairs.loc[pairs["indicator"] == "4g_coverage_populated_areas"]
    rho_4g = validation.rank_correlation(only_4g["published"], only_4g["modelled_internet_hh_pct"])
    indicator, as_of = validation.STATE_VALIDATION
    state_rows = published.loc[
        (published["indicator"] == indicator)
        & (published["as_of"] == as_of)
        & (published["geography_level"] == "state")
    ]
    modelled_states = validation.state_aggregates(estimates, households, state_of)
    state_pairs = pd.DataFrame(
        {
            "state": state_rows["state"],
            "published": state_rows["value"],
            "modelled_internet_hh_pct": state_rows["state"].map(modelled_states).round(2),
        }
    )
    rho_state = validation.rank_correlation(state_pairs["published"], state_pairs["modelled_internet_hh_pct"])
    # within one state the east/west and urban/rural contrasts that drive the pooled figure are gone
    state_counts = pairs["state"].value_counts()
    within_state = pairs.loc[pairs["state"] == state_counts.index[0]] if len(state_counts) else pairs.iloc[0:0]
    rho_within = validation.rank_correlation(within_state["published"], within_state["modelled_internet_hh_pct"])
    within = state_counts.index[0] if len(state_counts) else "-"
    summary = [
        _comparison(
            "coverage_all", "district and seat coverage (4G / mobile internet, latest 2021-2025)", rho_all, len(pairs)
        ),
        _comparison("coverage_4g", "district and seat 4G coverage only", rho_4g, len(only_4g)),
        _comparison(
            "coverage_within_state",
            f"district and seat coverage within {within} only",
            rho_within,
            len(within_state),
            state=within,
        ),
        _comparison(
            "state_5g", f"state 5G coverage ({as_of}) vs modelled state means", rho_state, len(state_pairs), as_of=as_of
        ),
    ]
    return summary, pairs, state_pairs


def _comparison(comparison_id: str, comparison: str, rho: float, n: int, **context: str) -> dict:
    """One line of the validation summary, as fields (the dashboard words it in each language)."""
    return {
        "comparison_id": comparison_id,
        "comparison": comparison,
        "rho": round(rho, 3),
        "n": n,
        "strength": validation.strength(rho, n),
        "strength_level": validation.strength(rho),
        "indicative_only": n < validation.INDICATIVE_BELOW_N,
        **context,
    }


def _out_of_sample(
    published: pd.DataFrame, estimates: pd.Series, piped_water: pd.Series, seat_weights: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    points = validation.coverage_points(published, estimates, piped_water, seat_weights)
    return points, validation.out_of_sample(points)


def _note_out_of_sample(
    ctx: StepContext,
    published: pd.DataFrame,
    estimates: pd.Series,
    piped_water: pd.Series,
    seat_weights: pd.DataFrame,
    state_of: pd.Series,
) -> None:
    """The modelled estimate out of sample against naive baselines (piped water alone, state mean, national mean)."""
    # the leave-one-out and leave-one-state-out fits: pure functions of these tables,
    # kept in the derived cache by their content
    points, table = ctx.cache.get_or_compute(
        "out_of_sample",
        (*frame_parts(published), *frame_parts(estimates), *frame_parts(piped_water), *frame_parts(seat_weights)),
        lambda: _out_of_sample(published, estimates, piped_water, seat_weights),
    )
    beats = validation.beats_baselines(table)
    beats_unseen_states = validation.beats_baselines(table, "leave_one_state_out")
    ranks_better = validation.ranks_within_states_better(table)
    loo = table.loc[table["scheme"] == "leave_one_out"].set_index("predictor")
    loso = table.loc[table["scheme"] == "leave_one_state_out"].set_index("predictor")
    ctx.quality.note(
        INDICATOR,
        "validation",
        f"out of sample ({len(points)} district/seat coverage figures, leave-one-out; "
        "each predictor maps to coverage through a straight line fitted without the place): "
        + "; ".join(
            f"{name} MAE {loo.at[name, 'mae_common_pp']:.1f} pp (n={loo.at[name, 'n_common']})"
            for name in validation.PREDICTORS
            if pd.notna(loo.at[name, "mae_common_pp"])
        )
        + f"; within-state rank agreement: model rho {loo.at['model', 'within_state_rho']:.2f}, "
        f"piped water {loo.at['piped_water', 'within_state_rho']:.2f} "
        f"({loo.at['model', 'within_state_states']} states with {validation.WITHIN_STATE_MIN_POINTS}+ places); "
        "leaving out whole states: model MAE "
        f"{loso.at['model', 'mae_pp']:.1f} pp vs piped water {loso.at['piped_water', 'mae_pp']:.1f} pp. "
        + ("The model has the smallest error of all, " if beats else "The model does not beat the baselines on error, ")
        + (
            "and ranks places within a state better than piped water alone."
            if ranks_better
            else "but piped water alone ranks places within a state better than the model: "
            "it is a rough gap-filler, not a district figure."
        )
        + " Coverage is a different measure from household take-up, "
        "so the error is in coverage points after a straight-line mapping.",
        column=INDICATOR,
        count=len(points),
        values={
            "kind": "out_of_sample",
            "beats_baselines": beats,
            "beats_baselines_unseen_states": beats_unseen_states,
            "ranks_within_states_better": ranks_better,
            "out_of_sample": table.to_dict("records"),
        },
        rows=points.assign(kind="oos_point").to_dict("records"),
    )
