"""Published connectivity figures: the measured layers carried into published_figures.parquet.

Numbers compiled from DOSM and MCMC releases (household internet/computer/mobile access, 4G/5G
coverage of populated areas, broadband per 100 households, community internet centres, school
connectivity) live in data/reference/published_connectivity.csv, each with year, as-of date,
publisher, source URL and a confidence flag. Only numbers and citations are carried, never the
wording of the pages. They stay at the level they were published (national, urban/rural, state,
district, parliament seat): a state figure is never written into a district value. The carried
rows are checked against the transcriptions in the mirror (pub_* sources) at every build. Rows
from the OpenDOSM household-ICT feeds (etl/sources/digital_hh.py) are added when those optional
files were reachable.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.pandas import Check, Column, DataFrameSchema

from etl import config, geography, overlay
from etl.context import StepContext
from etl.contract import LIVELIHOOD_CONCEPTS
from etl.derived_cache import DISTRICT_INPUTS, frame_parts, input_digests
from etl.errors import SourceValidationError
from etl.schemas import STATE_NAMES
from etl.sources import digital_hh
from etl.validate import describe_failures, schema_fingerprint

REFERENCE_CSV = config.REFERENCE_DIR / "published_connectivity.csv"
REFERENCE_LABEL = "data/reference/published_connectivity.csv"
PUBLISHED_SOURCES = [
    "pub_household_internet",
    "pub_mobile_coverage",
    "pub_broadband",
    "pub_community_internet_centres",
    "pub_schools_internet",
    "pub_connectivity_local",
]
PARLIMEN_SOURCE = "dosm_parlimen_boundaries"
OUTPUT_NAME = "published_figures.parquet"
GEOGRAPHY_LEVELS = ["national", "national_stratum", "state", "district", "parliament"]
CONFIDENCE_LEVELS = ["high", "medium", "low"]
SOURCE_TYPES = [
    "news_quoting_official",
    "research_citing_official",
    "secondary_blog",
    "official_feed",
    "secondary_summary",
    "official_statement",
    "official_statement_via_news",
]
KEY_COLUMNS = ["indicator", "geography_level", "state", "area", "year", "as_of", "value"]
REFERENCE_COLUMNS = [
    "source_id",
    *KEY_COLUMNS[:-1],
    "value",
    "unit",
    "data_source",
    "publisher",
    "source_type",
    "confidence",
    "source_url",
    "note",
]

# what each published indicator measures (so a supply-side coverage figure is never read as take-up);
# farmers and MSMEs first: their rows (etl/sources/agriculture.py) are never connectivity evidence
CONCEPTS = [
    (r"^agri|^agricultural_|^individual_(agri|operators|holdings)_|^persons_in_agricultural_", LIVELIHOOD_CONCEPTS[0]),
    (r"^msme", LIVELIHOOD_CONCEPTS[1]),
    (r"^hh_.*_(access|HIES)$|^hh_internet_via_", "household_access"),
    (r"^indiv_|^internet_users_|^persons15plus_|^internet_penetration_", "individual_use"),
    (r"_coverage_populated_areas$", "network_coverage"),
    (r"penetration$|_subscriptions$|_per100$", "subscriptions"),
    (r"^fibre_premises", "fibre_infrastructure"),
    (r"centres", "community_centres"),
    (r"^schools_", "school_connectivity"),
    (r"coverage", "network_coverage"),  # other bases (DNB's own 5G estimate, a state's settlement areas), own ids
]


# --- schemas ----------------------------------------------------------------------------------------

AS_OF_PATTERN = r"^$|^\d{4}(-\d{2}(-\d{2})?)?$"

REFERENCE_SCHEMA = DataFrameSchema(
    {
        "source_id": Column(str, Check.isin(PUBLISHED_SOURCES)),
        "indicator": Column(str, Check.str_matches(r"^[A-Za-z0-9_]+$")),
        "geography_level": Column(str, Check.isin(GEOGRAPHY_LEVELS)),
        "state": Column(str, Check.isin(["Malaysia", *STATE_NAMES])),
        "area": Column(str),
        "year": Column(int, Check.in_range(2000, 2030), coerce=True),
        "as_of": Column(str, Check.str_matches(AS_OF_PATTERN)),
        "value": Column(str, Check.str_length(min_value=1)),
        "unit": Column(str, Check.str_length(min_value=1)),
        "data_source": Column(str, Check.str_length(min_value=1)),
        "publisher": Column(str, Check.str_length(min_value=1)),
        "source_type": Column(str, Check.isin(SOURCE_TYPES)),
        "confidence": Column(str, Check.isin(CONFIDENCE_LEVELS)),
        "source_url": Column(str, Check.str_matches(r"^https?://")),
        "note": Column(str),
    },
    unique=KEY_COLUMNS,
    strict=True,
)

# the transcriptions in the mirror (pub_*): what the cross-check relies on
TRANSCRIPTION_SCHEMA = DataFrameSchema(
    {column: Column(str) for column in KEY_COLUMNS},
    strict=False,
)


# --- readers (the only I/O) --------------------------------------------------------------------------


def read_text_table(path: Path) -> pd.DataFrame:
    """A CSV with every cell as text (blanks as ''), so numbers are compared as published."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


# --- pure transforms --------------------------------------------------------------------------------


def concept_of(indicator: str) -> str:
    """What a published indicator measures (household_access, network_coverage, …)."""
    for pattern, concept in CONCEPTS:
        if re.search(pattern, indicator):
            return concept
    return "other"


def connectivity_rows(figures: pd.DataFrame) -> pd.DataFrame:
    """Published figures that may be connectivity evidence: every row but the farmers' and MSMEs'."""
    return figures.loc[~figures["indicator"].map(concept_of).isin(LIVELIHOOD_CONCEPTS)]


def compare_with_transcriptions(reference: pd.DataFrame, transcriptions: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per source: rows in the mirror's transcription, carried unchanged, not carried, and
    reference rows that the transcription does not contain (changed or invented numbers).

    Keys compare the text of indicator, geography, state, area, year, as_of and value.
    Returns source_id, read, carried, not_carried, only_in_reference, examples.
    """
    rows = []
    for source_id, raw in transcriptions.items():
        carried_keys = set(
            reference.loc[reference["source_id"] == source_id, KEY_COLUMNS]
            .astype(str)
            .itertuples(index=False, name=None)
        )
        keyed = normalise_years(raw[KEY_COLUMNS].astype(str))
        no_year = keyed["year"] == ""
        raw_keys = list(keyed.loc[~no_year].itertuples(index=False, name=None))
        missing = [key for key in raw_keys if key not in carried_keys]
        extra = sorted(carried_keys - set(raw_keys))
        rows.append(
            {
                "source_id": source_id,
                "read": len(keyed),
                "carried": len(raw_keys) - len(missing),
                "not_carried": len(missing),
                "no_year": int(no_year.sum()),
                "only_in_reference": len(extra),
                "examples": "; ".join(" / ".join(part for part in key if part) for key in (missing + extra)[:5]),
            }
        )
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


COMPARISON_COLUMNS = ["source_id", "read", "carried", "not_carried", "no_year", "only_in_reference", "examples"]


def normalise_years(keys: pd.DataFrame) -> pd.DataFrame:
    """Years as whole numbers ('2022.0' -> '2022', as one transcription writes them); blank stays blank."""
    year = keys["year"].str.strip()
    numeric = pd.to_numeric(year, errors="coerce")
    whole = numeric.notna() & (numeric == numeric.round())
    return keys.assign(year=year.where(~whole, numeric.where(whole).map(lambda v: str(int(v)) if pd.notna(v) else "")))


def rows_without_year(raw: pd.DataFrame) -> pd.DataFrame:
    """Transcribed rows with no reference year: never carried (a year would be invented), listed instead."""
    return raw.loc[
        raw["year"].astype(str).str.strip() == "",
        [c for c in KEY_COLUMNS if c != "year"] + [c for c in ("confidence", "note") if c in raw.columns],
    ]


def parse_values(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(value, value_text): numbers as floats; ranges/inequalities ('300-400', '>50') stay text with value NaN."""
    value = pd.to_numeric(text, errors="coerce")
    value_text = text.where(value.isna())
    return value.astype(float), value_text


def latest_flags(frame: pd.DataFrame) -> pd.Series:
    """True for the most recent row of each indicator and place (ties: the more confident row)."""
    rank = frame["confidence"].map({level: i for i, level in enumerate(CONFIDENCE_LEVELS)})
    order = frame.assign(_rank=rank).sort_values(["year", "as_of", "_rank"], ascending=[False, False, True])
    first = ~order.duplicated(["indicator", "geography_level", "state", "area"])
    return first.reindex(frame.index)


def published_figures(
    reference: pd.DataFrame,
    feed_rows: pd.DataFrame,
    district_codes: pd.Series,
    seat_districts: pd.DataFrame,
    points: pd.DataFrame,
) -> pd.DataFrame:
    """The published_figures.parquet table.

    reference / feed_rows: REFERENCE_COLUMNS rows. district_codes: code_state_district of each
    reference row that is a district (index aligned, NaN elsewhere). seat_districts: area,
    code_parlimen, codes (';'-joined districts the seat overlaps). points: geography_level,
    area, lon, lat (a representative point of each district or seat polygon).
    """
    frame = pd.concat([reference, feed_rows], ignore_index=True) if len(feed_rows) else reference.reset_index(drop=True)
    value, value_text = parse_values(frame["value"].astype(str))
    codes = district_codes.reindex(frame.index)
    seats = seat_districts.set_index("area")
    is_seat = frame["geography_level"] == "parliament"
    codes = codes.where(~is_seat, frame["area"].map(seats["codes"]))
    located = frame[["geography_level", "area"]].merge(points, on=["geography_level", "area"], how="left")
    out = frame.assign(
        concept=frame["indicator"].map(concept_of),
        year=frame["year"].astype(int),
        value=value,
        value_text=value_text,
        code_state_district=codes.astype("object"),
        code_parlimen=frame["area"].map(seats["code_parlimen"]).where(is_seat).astype("object"),
        lon=located["lon"].to_numpy(dtype=float),
        lat=located["lat"].to_numpy(dtype=float),
    )
    out["latest"] = latest_flags(out)
    return out[PUBLISHED_COLUMNS]


PUBLISHED_COLUMNS = [
    "source_id",
    "indicator",
    "concept",
    "geography_level",
    "state",
    "area",
    "code_state_district",
    "code_parlimen",
    "lon",
    "lat",
    "year",
    "as_of",
    "value",
    "value_text",
    "unit",
    "data_source",
    "publisher",
    "source_type",
    "confidence",
    "source_url",
    "note",
    "latest",
]


# --- step parts (read through the step context) ----------------------------------------------------------


def read_reference(
    path: Path = REFERENCE_CSV, label: str = REFERENCE_LABEL, schema: DataFrameSchema = REFERENCE_SCHEMA
) -> pd.DataFrame:
    """A reference file of carried figures, validated (errors name the file and column)."""
    try:
        frame = read_text_table(path)
    except (OSError, ValueError) as error:
        raise SourceValidationError(f"[{label}] cannot be read ({type(error).__name__}: {error})") from error
    return validated(frame, schema, label)


def cached_reference(
    ctx: StepContext,
    path: Path = REFERENCE_CSV,
    label: str = REFERENCE_LABEL,
    schema: DataFrameSchema = REFERENCE_SCHEMA,
) -> pd.DataFrame:
    """read_reference, kept in the derived cache keyed by the file's sha256 and the schema's fingerprint
    (a reference file lives in the repository, not among the fetched inputs); a file that cannot be read
    or does not validate is never cached, and read_reference names it."""
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return read_reference(path, label, schema)
    return ctx.cache.get_or_compute(
        f"reference-{path.stem}",
        (f"{label}={digest}", schema_fingerprint(schema)),
        lambda: read_reference(path, label, schema),
    )


def validated(frame: pd.DataFrame, schema: DataFrameSchema, label: str) -> pd.DataFrame:
    """frame validated lazily; every failure listed in one error naming the file (label), column and rows."""
    try:
        return schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        details = "\n  ".join(describe_failures(errors.failure_cases))
        raise SourceValidationError(
            f"[{label}] does not match its expected schema (0-based data rows):\n  {details}"
        ) from errors


def cross_check(ctx: StepContext, reference: pd.DataFrame) -> None:
    """Every carried row must match the mirror's transcription (and every transcribed row be carried)."""
    transcriptions = {
        source_id: ctx.read(source_id, read_text_table, TRANSCRIPTION_SCHEMA)
        for source_id in PUBLISHED_SOURCES
        if source_id in ctx.fetched
    }
    # a pure function of the reference table and the transcription files (~0.2 s of str keys): kept in the derived cache
    comparison = ctx.cache.get_or_compute(
        "published_comparison",
        (*frame_parts(reference), *input_digests(ctx.fetched, list(transcriptions))),
        lambda: compare_with_transcriptions(reference, transcriptions),
    )
    for row in comparison.itertuples(index=False):
        ctx.quality.account(
            row.source_id,
            read=row.read,
            used=row.carried,
            rejected=row.not_carried + row.no_year,
            detail=f"carried into {REFERENCE_LABEL} without quotes (numbers, dates, citations, confidence); "
            "rejected = transcribed rows missing from the reference"
            + (f", {row.no_year} of them without a reference year (listed, never given one)" if row.no_year else ""),
        )
        undated = rows_without_year(transcriptions[row.source_id])
        if len(undated):
            ctx.quality.note(
                row.source_id,
                "not_used",
                f"{len(undated)} transcribed rows without a reference year: "
                "not carried (a year would have to be guessed)",
                column="year",
                count=len(undated),
                values={"reason_id": "no_reference_year", "indicators": sorted(undated["indicator"].unique())},
                rows=undated.to_dict("records"),
            )
    bad = comparison.loc[(comparison["not_carried"] > 0) | (comparison["only_in_reference"] > 0)]
    ctx.quality.note(
        "published_figures",
        "consistency_check",
        f"{len(reference)} carried rows checked against the transcriptions of {len(transcriptions)} sources: "
        + (
            "every number matches"
            if bad.empty
            else f"{int(bad['not_carried'].sum())} transcribed rows not carried, "
            f"{int(bad['only_in_reference'].sum())} carried rows not in a transcription: update {REFERENCE_LABEL}"
        ),
        rows=bad.to_dict("records"),
        warn=not bad.empty,
    )


def feed_rows(ctx: StepContext) -> pd.DataFrame:
    """Rows of the optional OpenDOSM feeds that were reachable; a note for those that were not."""
    parts = []
    for source_id in digital_hh.FEED_SOURCES:
        if source_id not in ctx.fetched:
            ctx.quality.note(
                source_id,
                "decision",
                f"{source_id} not reachable: household ICT access by state comes from the published figures only",
            )
            continue
        frame = ctx.read(source_id, digital_hh.read_digital_hh, digital_hh.DIGITAL_HH_SCHEMA)
        rows = digital_hh.feed_to_published(frame, source_id, ctx.entry(source_id).url)
        ctx.quality.account(
            source_id,
            read=len(frame),
            used=len(frame),
            detail=f"{len(rows)} state/national shares carried into {OUTPUT_NAME}",
        )
        parts.append(rows)
    return pd.concat(parts, ignore_index=True)[REFERENCE_COLUMNS] if parts else pd.DataFrame(columns=REFERENCE_COLUMNS)


def locate(ctx: StepContext, reference: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Where the published rows are: district codes of district rows;
    seats' districts and overlay weights; representative points."""
    district_rows = reference.loc[reference["geography_level"] == "district"]
    resolved = geography.resolve_districts(
        district_rows, ctx.districts, ctx.aliases, REFERENCE_LABEL, state_col="state", district_col="area"
    )
    for state, name, code in resolved.aliased.itertuples(index=False):
        ctx.quality.note(
            "published_figures",
            "alias_used",
            column="area",
            count=1,
            values={"state": state, "name": name, "code": code},
        )
    codes = resolved.frame["code_state_district"]

    seat_names = sorted(set(reference.loc[reference["geography_level"] == "parliament", "area"]))
    seats = ctx.read(PARLIMEN_SOURCE, geography.read_boundaries)
    missing = sorted(set(seat_names) - set(seats["parlimen"]))
    if missing:
        raise SourceValidationError(
            f"[{REFERENCE_LABEL}] column 'area': parliament seats not in {ctx.label(PARLIMEN_SOURCE)}: {missing}"
        )
    chosen = seats.loc[seats["parlimen"].isin(seat_names)].reset_index(drop=True)
    parts = input_digests(ctx.fetched, [PARLIMEN_SOURCE, *DISTRICT_INPUTS]) + tuple(
        chosen["parlimen"]
    )  # kept in the derived cache
    weights = (
        ctx.cache.get_or_compute(
            "published_seat_weights",
            parts,
            lambda: overlay.seat_district_weights(chosen, ctx.districts, "parlimen", group_key="code_state"),
        )
        if len(chosen)
        else pd.DataFrame(columns=["parlimen", *overlay.WEIGHT_COLUMNS])
    )
    seat_districts = pd.DataFrame(
        {
            "area": chosen["parlimen"],
            "code_parlimen": chosen["parlimen"].str.split(" ").str[0],
            "codes": chosen["parlimen"].map(weights.groupby("parlimen")["code_state_district"].agg(";".join)),
        }
    )
    district_points = ctx.districts.set_index("code_state_district").geometry.representative_point()
    rows = [
        {"geography_level": "district", "area": area, "lon": district_points[code].x, "lat": district_points[code].y}
        for area, code in zip(district_rows.loc[codes.index, "area"], codes)
    ]
    rows += [
        {"geography_level": "parliament", "area": name, "lon": point.x, "lat": point.y}
        for name, point in zip(chosen["parlimen"], chosen.geometry.representative_point())
    ]
    points = pd.DataFrame(rows, columns=["geography_level", "area", "lon", "lat"]).drop_duplicates(
        ["geography_level", "area"]
    )
    return codes, seat_districts, weights, points
