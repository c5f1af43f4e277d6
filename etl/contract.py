"""The processed-data contract: output file names, the manifest, column contracts and quality-note fields.

Plain data and the standard library only, so the dashboard can import it without the ETL stack
(pandas, geopandas, pandera). The ETL writes exactly these files (etl/build.py), builds the pandera
checks of its outputs from these column lists (etl/schemas.py), and records quality notes with
these fields (etl/context.py); dashboard/data.py reads them by the same names, from the folder
build_folder() names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# DOSM's 13 states and 3 federal territories, in state-code order: the one list of states.
STATE_NAMES = [
    "Johor",
    "Kedah",
    "Kelantan",
    "Melaka",
    "Negeri Sembilan",
    "Pahang",
    "Pulau Pinang",
    "Perak",
    "Perlis",
    "Selangor",
    "Terengganu",
    "Sabah",
    "Sarawak",
    "W.P. Kuala Lumpur",
    "W.P. Labuan",
    "W.P. Putrajaya",
]

# --- files ------------------------------------------------------------------------------------------

DISTRICTS = "districts.parquet"  # GeoParquet, EPSG:4326: display geometry + attributes, one row per district
BOUNDARIES = "boundaries.parquet"  # full-resolution district polygons (code_state_district, geometry)
STATES = "states.parquet"  # state outlines dissolved from the display geometry
INDICATORS = "indicators.parquet"  # long: one row per district, indicator and year
FACILITIES = "facilities.parquet"  # points: schools, clinics, hospitals with their district
PUBLISHED_FIGURES = (
    "published_figures.parquet"  # figures at the level they were published (never written into districts)
)
# published_figures concepts about farmers and MSMEs (etl/sources/agriculture.py): never connectivity evidence
LIVELIHOOD_CONCEPTS = ("farmers", "msme_digital_adoption")
SEATS = "seats.parquet"  # GeoParquet, EPSG:4326: 222 Parlimen + 600 DUN seats, display geometry + attributes
SEAT_INDICATORS = (
    "seat_indicators.parquet"  # long: one row per seat, indicator and year (direct or carried from districts)
)
SEAT_OVERLAY = "seat_overlay.parquet"  # Census 2020 people of each seat in each district it overlaps (both shares)
# imported connection status, one row per listed school/clinic (etl/facility_status.py); empty when none
FACILITY_STATUS = "facility_status.parquet"
QUALITY = "quality.json"  # row accounts and quality notes of the build
MANIFEST = "manifest.json"  # written last: build time, code version, inputs' sha256, outputs' rows and sha256
OUTPUT_FILES = [
    DISTRICTS,
    BOUNDARIES,
    STATES,
    INDICATORS,
    FACILITIES,
    PUBLISHED_FIGURES,
    SEATS,
    SEAT_INDICATORS,
    SEAT_OVERLAY,
    FACILITY_STATUS,
    QUALITY,
]

# Layout of processed/: each build is a complete folder builds/<name>/ (never changed once published);
# `current` is a symlink to the served one, replaced in one os.replace, so a reader that resolves it
# once reads one build's files only. processed/<file> are fixed symlinks through current/ (etl check,
# tests and other readers keep their paths). A folder of plain files (a copy) is read as it is.
BUILDS_DIR = "builds"
CURRENT = "current"
BUILDS_KEPT = 3  # the served build and the two before it (a session may still be reading one)


def build_folder(processed_dir: Path) -> Path:
    """The folder holding one complete build: processed/current resolved once, or processed/ itself
    when it holds plain files (a copy that followed the links, or outputs from before builds/)."""
    current = processed_dir / CURRENT
    return current.resolve() if current.is_symlink() else processed_dir


# --- columns ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnContract:
    """One column of a processed table: its name, dtype, and whether it may be blank or absent."""

    name: str
    dtype: str  # "str", "int", "float" or "bool"
    nullable: bool = False
    required: bool = True
    description: str = ""


C = ColumnContract
INDICATOR_COLUMNS = ["code_state_district", "indicator", "year", "value", "method", "source_ids"]
INTERVAL_COLUMNS = ["lower", "upper"]  # optional interval of modelled values
NOTE_COLUMNS = ["method_note"]  # optional: how one value was made (e.g. which seat figure reached the district)
# a seat value carried from districts: its method_note is this prefix + "Julau 82 %, Kanowit 18 %"
# (the app words the prefix in its language)
CARRIED_NOTE_PREFIX = "estimated from districts (share of the seat's people): "
FACILITY_COLUMNS = [
    "facility_id",
    "kind",
    "name",
    "code_state_district",
    "lon",
    "lat",
    "source_id",
    "code_parlimen",
    "code_seat_dun",
]
SEAT_LEVELS = ["parlimen", "dun"]  # geography of a seat row (districts are the third level)
METHODS = ["observed", "derived", "modelled", "imported"]  # imported: a user's own district data (etl/importer.py)
# a facility's status class against the Giga 20 Mbps benchmark
# (a connected facility without a measured speed is in the second)
FACILITY_STATUS_CLASSES = ["connected_20mbps_plus", "connected_under_20mbps_or_unknown", "not_connected"]

COLUMNS: dict[str, tuple[ColumnContract, ...]] = {
    INDICATORS: (
        C("code_state_district", "str"),
        C("indicator", "str", description="id in data/reference/indicators.yaml"),
        C("year", "int"),
        C("value", "float", nullable=True, description="NaN = no data (explained in quality.json), never 0"),
        C("method", "str", description=" / ".join(METHODS)),
        C("source_ids", "str", description="';'-joined ids of data/sources.yaml"),
        C("lower", "float", nullable=True, required=False, description="5 % bound of a modelled value"),
        C("upper", "float", nullable=True, required=False, description="95 % bound of a modelled value"),
        C(
            "method_note",
            "str",
            nullable=True,
            required=False,
            description="how this value was made, when the method alone does not say (seat overlay, district figure)",
        ),
    ),
    DISTRICTS: (
        C("code_state_district", "str"),
        C("code_state", "int"),
        C("state", "str"),
        C("district", "str"),
        C("area_km2", "float", description="measured in an equal-area projection"),
        C("population_2020", "float", description="Census 2020"),
        C("urban_share_pct", "float", description="Census 2020 urban population share"),
        C("urban_class", "str", description="urban >= 60 %, semi_urban 30-60 %, rural < 30 % (PLANMalaysia bands)"),
    ),
    PUBLISHED_FIGURES: (
        C("source_id", "str"),
        C("indicator", "str"),
        C("concept", "str", description="what the figure measures: household_access, network_coverage, …"),
        C("geography_level", "str"),
        C("state", "str"),
        C("area", "str"),
        C(
            "code_state_district",
            "str",
            nullable=True,
            description="district rows: their district; seat rows: the districts the seat overlaps, ';'-joined",
        ),
        C("code_parlimen", "str", nullable=True),
        C("lon", "float", nullable=True),
        C("lat", "float", nullable=True),
        C("year", "int"),
        C("as_of", "str"),
        C("value", "float", nullable=True),
        C("value_text", "str", nullable=True, description="ranges / inequalities as published ('300-400'), value NaN"),
        C("unit", "str"),
        C("data_source", "str"),
        C("publisher", "str"),
        C("source_type", "str"),
        C("confidence", "str"),
        C("source_url", "str"),
        C("note", "str"),
        C("latest", "bool"),
    ),
    FACILITIES: (
        *(
            C(
                name,
                "float" if name in ("lon", "lat") else "str",
                nullable=name in ("code_state_district", "lon", "lat"),
            )
            for name in FACILITY_COLUMNS[:7]
        ),
        C(
            "code_parlimen",
            "str",
            nullable=True,
            description=(
                "Parlimen seat holding the point (point in polygon, else nearest seat of its state); blank = not placed"
            ),
        ),
        C(
            "code_seat_dun",
            "str",
            nullable=True,
            description=(
                "DUN seat (code_state_dun) holding the point; blank in the Federal Territories (no DUN) or not placed"
            ),
        ),
    ),
    SEATS: (
        C("geography", "str", description=" / ".join(SEAT_LEVELS)),
        C("code_seat", "str", description="Parlimen 'P.209'; DUN the census code_state_dun ('13_N.45')"),
        C("seat_code_label", "str", description="the code people write: 'P.209' / 'N.45'"),
        C("seat", "str", description="seat name without its code"),
        C("code_parlimen", "str", description="the Parlimen seat (a DUN row: the seat it lies in)"),
        C("code_state", "int"),
        C("state", "str"),
        C("area_km2", "float", description="measured in an equal-area projection"),
        C("population_2020", "float", description="Census 2020 population_total of the seat"),
        C(
            "urban_share_pct",
            "float",
            description="estimated: population-weighted mean of the districts' Census 2020 urban shares",
        ),
        C(
            "urban_class",
            "str",
            description="urban >= 60 %, semi_urban 30-60 %, rural < 30 % of the estimated urban share",
        ),
        C("urban_class_basis", "str", description="the rule behind urban_class, one sentence"),
        C(
            "districts_overlapped",
            "str",
            description=(
                "';'-joined code_state_district holding the seat's people, largest first (pieces under 1 % left out)"
            ),
        ),
        C("main_district", "str", description="code_state_district holding most of the seat's people"),
    ),
    SEAT_INDICATORS: (
        C("geography", "str", description=" / ".join(SEAT_LEVELS)),
        C("code_seat", "str"),
        C("indicator", "str", description="id in data/reference/indicators.yaml"),
        C("year", "int"),
        C("value", "float", nullable=True, description="NaN = no data (method_note says why), never 0"),
        C("method", "str", description=" / ".join(METHODS) + ": the method of the underlying value"),
        C("source_ids", "str", description="';'-joined ids of data/sources.yaml"),
        C(
            "from_districts",
            "bool",
            description="True = carried from districts by the population overlay: show as 'estimated from districts'",
        ),
        C(
            "method_note",
            "str",
            nullable=True,
            description="how the value was made: districts and shares, renormalisation, reference year",
        ),
        C("lower", "float", nullable=True, description="carried interval bound (population-weighted like the value)"),
        C("upper", "float", nullable=True, description="carried interval bound (population-weighted like the value)"),
    ),
    FACILITY_STATUS: (
        C("facility_id", "str", description="facilities.parquet id of the school (moe:) or clinic (moh:)"),
        C("kind", "str", description="schools / clinics: the import the row came from"),
        C("connected", "bool"),
        C("status", "str", description=" / ".join(FACILITY_STATUS_CLASSES)),
        C("technology", "str", nullable=True),
        C("speed_mbps", "float", nullable=True, description="measured speed; blank = not measured (never 0)"),
        C("measured_on", "str", description="YYYY-MM-DD"),
        C("source_file", "str", description="the imported file's name"),
        C("source_sha256", "str", description="the imported file's checksum"),
        C("imported_at", "str", description="UTC time of the import"),
        C("declared_source", "str", description="the source the importer declared"),
    ),
    SEAT_OVERLAY: (
        C("geography", "str", description=" / ".join(SEAT_LEVELS)),
        C("code_seat", "str"),
        C("code_state_district", "str"),
        C(
            "population",
            "float",
            description="Census 2020 people of the seat living in the district (DUN people spread by area)",
        ),
        C("seat_share", "float", description="share of the seat's people in the district; sums to 1 per seat"),
        C(
            "district_share",
            "float",
            description="share of the district's people (as spread) in the seat; sums to 1 per district and level",
        ),
    ),
}


def column_names(table: str) -> list[str]:
    """The contract's columns of one processed table, in order."""
    return [column.name for column in COLUMNS[table]]


# --- quality notes ------------------------------------------------------------------------------------

# Every note in quality.json["notes"] is a record with these fields. `detail` is the English sentence
# generated from the others (a kind in NOTE_TEMPLATES is written from its values alone); readers
# should use the fields, and show `detail` only as the build's own wording.
QUALITY_NOTE_FIELDS = (
    "source",  # source id (data/sources.yaml), "published_figures", an indicator id or "custom:<id>"
    "kind",  # one of NOTE_KINDS
    "file",  # the raw file the note is about, when there is one
    "column",  # the column the note is about, when there is one
    "count",  # how many rows / names / values the note covers
    "values",  # named figures of the note (dict), e.g. state and name of an excluded district
    "detail",  # the sentence, generated from the fields above
    "rows",  # the rows behind the note (list of records), e.g. one per explained gap
)
QUALITY_ACCOUNT_FIELDS = (
    "source",
    "rows_read",
    "rows_used",
    "rows_rejected",
    "rows_unmatched",
    "rows_aggregate",
    "detail",
)

NOTE_KINDS = (
    "geometry_repaired",
    "alias_used",
    "consistency_check",
    "excluded_district",
    "no_data",
    "group_value",
    "series_break",
    "reconciliation",
    "decision",
    "spatial_assignment",
    "rejected_coordinates",
    "missing_values",
    "validation",
    "source_unavailable",
    "duplicate_rows",
    "not_used",  # a published row deliberately not turned into a district value, with its reason (values: reason_id)
)

# The sentence of a note kind, from its values (str.format fields); kinds not listed carry a sentence
# written by their step.
NOTE_TEMPLATES = {
    "alias_used": "{state} / {name!r} -> {code}",
    "excluded_district": "{state} / {name!r} is outside the canonical 160 districts (see district_aliases.csv)",
    "geometry_repaired": "{count} invalid district polygons repaired with make_valid",
    "source_unavailable": "optional file not reachable, the build continues without it ({error})",
}


def note_sentence(kind: str, values: dict, count: int | None = None) -> str:
    """The English sentence of a templated note kind, from its values."""
    return NOTE_TEMPLATES[kind].format(count=count, **values)
