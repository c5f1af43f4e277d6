"""Facility connection status: a ministry's list of schools (or clinics) with their connection, by district.

A ministry holds, per school (MOE school code, e.g. JBA0001) or clinic (MOH facility id or name),
whether it is connected, by which technology, at what measured speed and when. Imported through
`python -m etl import-facility-status FILE [--kind schools|clinics]`, the same rules as the district
importer (etl/importer.py): the file is read within the same hostile-file limits (read_upload);
every code is looked up in the last build's school or clinic list, unknown codes are listed with
close matches (difflib) and the whole file is refused if any row has a problem; nothing leaves the
machine. An accepted file is stored facility by facility, with each facility's district (and for
schools MOE's urban/rural location flag) as the build placed it, under <data_dir>/custom/
facility_status_<kind>.csv, its provenance (file, sha256, who, when, declared source) in
facility_status_<kind>.json and a line in custom/imports.jsonl (the upload page checks with
check_status and stores with store_status; the command does both: import_status). The next build
writes each listed facility's status (facility_table: its Giga class, technology, speed, date and
the file it came from) to facility_status.parquet, from which the map colours the school and clinic
layers, and aggregates it to district indicators with method "imported" (build_facility_status):

  schools_connected_pct           % of the listed schools that are connected
  schools_connected_rural_pct     the same among MOE-rural schools (location "Luar Bandar")
  schools_connected_urban_pct     the same among MOE-urban schools ("Bandar")
  schools_below_20mbps_pct        % of the listed schools below the Giga benchmark of 20 Mbps: not
                                  connected, or connected with a measured speed under 20 Mbps
                                  (connected schools without a measured speed are left out of this share)
  schools_speed_median_mbps       median measured speed of the connected schools with a measurement
  clinics_connected_pct, clinics_speed_median_mbps   the same for clinics

Giga (ITU/UNICEF) sets 20 Mbps per school as its school connectivity benchmark (ITU WSIS 2023; see
data/reference/targets.yaml giga_school_20mbps and ../shared/data/POLICY_TARGETS.md). Percentages
are over the facilities the file lists in the district, never over schools it does not mention. The
same indicators are counted per Parlimen and DUN seat over each facility's own seat, not carried from
districts (etl/facility_status_seats.py).
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd

from etl import config, import_log
from etl.context import StepContext, StepOutput
from etl.contract import COLUMNS, FACILITY_STATUS, INDICATOR_COLUMNS, NOTE_COLUMNS, column_names
from etl.errors import SourceValidationError
from etl.importer import MAX_LABEL_CHARS, ImportFileError, check_text, read_upload, sha256_bytes
from etl.importer import _atomic_write, _blank, _rows  # the district importer's helpers: one behaviour for both imports

TEMPLATE_CSV = config.REFERENCE_DIR / "facility_status_template.csv"
KINDS = {"schools": ("school_primary", "school_secondary"), "clinics": ("clinic",)}
ID_PREFIX = {"schools": "moe:", "clinics": "moh:"}
GIGA_MBPS = 20  # Giga (ITU/UNICEF) school connectivity benchmark: 20 Mbps per school (ITU WSIS 2023)
MIN_YEAR = 2000
STATUS_COLUMNS = [
    "code",
    "facility_id",
    "name",
    "code_state_district",
    "rural",
    "connected",
    "technology",
    "speed_mbps",
    "measured_on",
]
TEMPLATE_COLUMNS = ["code", "connected", "technology", "speed_mbps", "measured_on"]
HEADER_SYNONYMS = {
    "code": "code",
    "school_code": "code",
    "kod_sekolah": "code",
    "kod": "code",
    "facility_id": "code",
    "id": "code",
    "name": "code",
    "nama": "code",
    "connected": "connected",
    "bersambung": "connected",
    "disambung": "connected",
    "technology": "technology",
    "teknologi": "technology",
    "speed_mbps": "speed_mbps",
    "speed": "speed_mbps",
    "kelajuan_mbps": "speed_mbps",
    "kelajuan": "speed_mbps",
    "measured_on": "measured_on",
    "date": "measured_on",
    "tarikh": "measured_on",
}
YES = {"yes", "y", "ya", "true", "1", "connected", "bersambung"}
NO = {"no", "n", "tidak", "false", "0", "not connected", "tidak bersambung"}


@dataclass
class StatusResult:
    """What validate_status found: accepted rows (all or none), every problem, suggestions for unknown codes."""

    accepted: pd.DataFrame
    problems: list[str] = field(default_factory=list)
    suggestions: dict[str, list[str]] = field(default_factory=dict)
    unknown_codes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and len(self.accepted) > 0


def _date(value) -> date | None:
    """A cell as a date: an Excel date/datetime, or text YYYY-MM-DD (a time part is ignored)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if _blank(value):
        return None
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def facility_list(facilities: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The build's schools or clinics as code, facility_id, name, code_state_district, rural (schools only)."""
    rows = facilities.loc[facilities["kind"].isin(KINDS[kind]) & facilities["code_state_district"].notna()]
    rural = (
        rows["rural"].astype("boolean")
        if kind == "schools" and "rural" in rows.columns
        else pd.Series(pd.NA, index=rows.index, dtype="boolean")
    )
    return pd.DataFrame(
        {
            "code": rows["facility_id"].astype(str).str.removeprefix(ID_PREFIX[kind]),
            "facility_id": rows["facility_id"].astype(str),
            "name": rows["name"].astype(str),
            "code_state_district": rows["code_state_district"].astype(str),
            "rural": rural,
        }
    ).reset_index(drop=True)


def validate_status(frame: pd.DataFrame, known: pd.DataFrame, kind: str, today: date | None = None) -> StatusResult:
    """Check a status table against the known facilities (facility_list); accept every row or none.

    frame: the table as read (text or Excel cells), columns code, connected, technology, speed_mbps,
    measured_on (Malay headers kod_sekolah/bersambung/teknologi/kelajuan_mbps/tarikh accepted). For
    clinics the code may be the MOH facility id or the clinic's exact name. Row numbers in messages
    are spreadsheet rows (the header is row 1)."""
    today = today or datetime.now(timezone.utc).date()
    empty = pd.DataFrame(columns=STATUS_COLUMNS)
    renamed = {}
    for column in frame.columns:
        key = re.sub(r"[\s\-]+", "_", str(column).strip().casefold())
        if key in HEADER_SYNONYMS and HEADER_SYNONYMS[key] not in renamed.values():
            renamed[column] = HEADER_SYNONYMS[key]
    table = frame.rename(columns=renamed)[list(renamed.values())]
    blank_rows = table.map(_blank).all(axis=1) if len(table) else pd.Series(dtype=bool)
    table = table.loc[~blank_rows]
    missing = [column for column in ("code", "connected", "measured_on") if column not in table.columns]
    if missing:
        return StatusResult(
            empty,
            [
                f"missing column(s): {', '.join(missing)}; found {[str(c) for c in frame.columns]}. "
                f"Use the template columns {', '.join(TEMPLATE_COLUMNS)}"
            ],
        )
    if table.empty:
        return StatusResult(empty, ["the table has no data rows"])

    records_by_code = {str(r["code"]).upper(): r for r in known.to_dict("records")}
    unique_names = known.drop_duplicates("name", keep=False)
    records_by_name = (
        {str(r["name"]).casefold(): r for r in unique_names.to_dict("records")} if kind == "clinics" else {}
    )
    issues: dict[str, list[int]] = {}
    unknown: dict[str, list[int]] = {}
    records = []
    for index, row in zip(table.index, table.to_dict("records")):
        sheet_row = int(index) + 2
        code = "" if _blank(row["code"]) else str(row["code"]).strip()
        match = records_by_code.get(code.upper()) or records_by_name.get(code.casefold())
        if not code:
            issues.setdefault("no facility code", []).append(sheet_row)
        elif match is None:
            unknown.setdefault(code, []).append(sheet_row)
        answer = "" if _blank(row["connected"]) else str(row["connected"]).strip().casefold()
        connected = True if answer in YES else False if answer in NO else None
        if connected is None:
            issues.setdefault("connected must be yes or no (ya/tidak)", []).append(sheet_row)
        speed = None
        if not _blank(row.get("speed_mbps")):
            try:
                speed = float(str(row["speed_mbps"]).replace(",", "").strip())
            except ValueError:
                issues.setdefault("speed_mbps is not a number (Mbps; leave blank if not measured)", []).append(
                    sheet_row
                )
            else:
                if not 0 <= speed <= 100_000:  # also refuses nan and inf
                    issues.setdefault("speed_mbps outside 0-100,000 Mbps", []).append(sheet_row)
                elif connected is False and speed > 0:
                    issues.setdefault("a speed is given for a facility marked not connected", []).append(sheet_row)
        measured = _date(row["measured_on"])
        if measured is None:
            issues.setdefault("measured_on is blank or not a date (YYYY-MM-DD)", []).append(sheet_row)
        elif not date(MIN_YEAR, 1, 1) <= measured <= today:
            issues.setdefault(f"measured_on outside {MIN_YEAR}-01-01 to today", []).append(sheet_row)
        technology = "" if _blank(row.get("technology")) else str(row["technology"]).strip()
        if check_text("technology", technology, required=False):
            issues.setdefault(
                f"technology must be one line of plain text, at most {MAX_LABEL_CHARS} characters", []
            ).append(sheet_row)
        if match is not None:
            records.append(
                {
                    "code": match["code"],
                    "facility_id": match["facility_id"],
                    "name": match["name"],
                    "code_state_district": match["code_state_district"],
                    "rural": match["rural"],
                    "connected": connected,
                    "technology": technology,
                    "speed_mbps": speed,
                    "measured_on": None if measured is None else measured.isoformat(),
                    "_row": sheet_row,
                }
            )

    problems = [f"{message}: {_rows(rows)}" for message, rows in issues.items()]
    suggestions = {}
    if unknown:
        candidates = {
            **{key: r["code"] for key, r in records_by_code.items()},
            **{key: r["name"] for key, r in records_by_name.items()},
        }
        for code in unknown:
            matches = difflib.get_close_matches(
                code.upper(), list(records_by_code), n=3, cutoff=0.6
            ) or difflib.get_close_matches(code.casefold(), list(records_by_name), n=3, cutoff=0.6)
            suggestions[code] = [candidates[m] for m in matches]
        listed = ", ".join(list(unknown)[:50]) + (" …" if len(unknown) > 50 else "")
        problems.insert(0, f"{len(unknown)} unknown {kind[:-1]} code(s), not in the build's {kind} list: {listed}")
    accepted = pd.DataFrame(records, columns=[*STATUS_COLUMNS, "_row"])
    duplicated = accepted.duplicated("code", keep=False)
    for code, group in accepted.loc[duplicated].groupby("code"):
        problems.append(f"{code} is listed more than once: {_rows(group['_row'].tolist())}")
    if problems:
        return StatusResult(empty, problems, suggestions, list(unknown))
    return StatusResult(accepted.drop(columns="_row").reset_index(drop=True), [], suggestions, [])


# --- storing and loading ----------------------------------------------------------------------------


def status_paths(kind: str, directory: Path) -> tuple[Path, Path]:
    """<custom>/facility_status_<kind>.csv (the rows) and .json (provenance; not .yaml, which is a custom indicator)."""
    return directory / f"facility_status_{kind}.csv", directory / f"facility_status_{kind}.json"


def built_facilities(data_dir: Path | None = None) -> pd.DataFrame:
    """The last build's facility points (<data_dir>/processed/facilities.parquet):
    the school and clinic lists codes are checked against."""
    path = (data_dir or config.data_dir()) / "processed" / "facilities.parquet"
    if not path.is_file():
        raise ImportFileError(f"no facility list found at {path}: run `python -m etl build` once before importing")
    return pd.read_parquet(path)


def check_status(
    data: bytes, filename: str, kind: str, facilities: pd.DataFrame, *, declared_source: str = ""
) -> StatusResult:
    """Read and check one status file against the build's facilities; nothing is written (the upload
    page shows this report to everyone, and stores only for those who may change data)."""
    if kind not in KINDS:
        raise ImportFileError(f"kind must be one of {sorted(KINDS)}, not {kind!r}")
    problem = check_text("the source", declared_source, required=False)
    try:
        frame = read_upload(data, filename)
    except ImportFileError as error:
        return StatusResult(pd.DataFrame(columns=STATUS_COLUMNS), [str(error)])
    result = validate_status(frame, facility_list(facilities, kind), kind)
    if problem:
        result.problems.append(problem)
    return result


def status_summary(accepted: pd.DataFrame) -> dict:
    """What an accepted file holds, for the import report: facilities, districts, connected, the measured dates."""
    return {
        "rows": int(len(accepted)),
        "districts": int(accepted["code_state_district"].nunique()),
        "connected": int(accepted["connected"].sum()),
        "measured_from": min(accepted["measured_on"]),
        "measured_to": max(accepted["measured_on"]),
    }


def store_status(
    result: StatusResult,
    data: bytes,
    filename: str,
    kind: str,
    directory: Path,
    *,
    declared_source: str = "",
    by: str | None = None,
    via: str = "cli",
) -> tuple[Path, Path]:
    """Store an accepted file's rows and provenance (replacing the previous import of this kind) and log who did it."""
    if not result.ok:
        raise ImportFileError("only an accepted status file is stored")
    directory.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = status_paths(kind, directory)
    summary = status_summary(result.accepted)
    provenance = {
        "kind": kind,
        "file": Path(filename).name[:MAX_LABEL_CHARS],
        "sha256": sha256_bytes(data),
        "imported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "declared_source": declared_source.strip() or "not declared",
        "rows": summary["rows"],
        "districts": summary["districts"],
        "measured_from": summary["measured_from"],
        "measured_to": summary["measured_to"],
    }
    _atomic_write(csv_path, result.accepted[STATUS_COLUMNS].to_csv(index=False, lineterminator="\n"))
    _atomic_write(json_path, json.dumps(provenance, indent=2, ensure_ascii=False) + "\n")
    import_log.append(
        directory,
        "publish",
        f"facility_status_{kind}",
        by or import_log.cli_user(),
        via,
        file=provenance["file"],
        sha256=provenance["sha256"],
        rows=provenance["rows"],
    )
    return csv_path, json_path


def import_status(
    data: bytes,
    filename: str,
    kind: str,
    facilities: pd.DataFrame,
    directory: Path,
    *,
    declared_source: str = "",
    by: str | None = None,
    via: str = "cli",
) -> tuple[StatusResult, tuple[Path, Path] | None]:
    """Read, check and (only if every row passes) store one status file; log who did it."""
    result = check_status(data, filename, kind, facilities, declared_source=declared_source)
    if not result.ok:
        return result, None
    return result, store_status(
        result, data, filename, kind, directory, declared_source=declared_source, by=by, via=via
    )


def stored_imports(directory: Path) -> dict[str, dict]:
    """The provenance of each kind's stored import ({} when none): what the next build will use."""
    stored = {}
    for kind in KINDS:
        json_path = status_paths(kind, directory)[1]
        if json_path.is_file():
            stored[kind] = json.loads(json_path.read_text(encoding="utf-8"))
    return stored


def load_status(kind: str, directory: Path, district_codes: set[str]) -> tuple[pd.DataFrame, dict] | None:
    """The stored status rows and provenance of one kind (None when nothing was imported), checked
    again against today's districts."""
    csv_path, json_path = status_paths(kind, directory)
    if not csv_path.is_file():
        return None
    if not json_path.is_file():
        raise SourceValidationError(
            f"[custom] {json_path} is missing (its rows {csv_path.name} exist): re-import the file"
        )
    rows = pd.read_csv(
        csv_path,
        dtype={"code": str, "code_state_district": str, "technology": str},
        keep_default_na=False,
        na_values={"speed_mbps": [""], "rural": [""]},
    )
    problems = []
    if list(rows.columns) != STATUS_COLUMNS:
        problems.append(f"columns {list(rows.columns)} != {STATUS_COLUMNS}")
    else:
        unknown = sorted(set(rows["code_state_district"]) - district_codes)
        if unknown:
            problems.append(f"column 'code_state_district': unknown codes {unknown[:8]}")
        if rows["code"].duplicated().any():
            problems.append("a facility listed twice")
    if problems:
        raise SourceValidationError(
            f"[custom] {csv_path}: " + "; ".join(problems) + ". Re-import it with python -m etl import-facility-status"
        )
    rows = rows.assign(
        connected=rows["connected"].astype(str).str.casefold().eq("true"),
        rural=rows["rural"].map({True: True, False: False, "True": True, "False": False}).astype("boolean"),
    )
    return rows, json.loads(json_path.read_text(encoding="utf-8"))


# --- pure aggregation ---------------------------------------------------------------------------------


def _pct(part: pd.Series, whole: pd.Series) -> pd.Series:
    return (part / whole.where(whole > 0) * 100).astype(float)


def status_aggregates(rows: pd.DataFrame, kind: str, key: str = "code_state_district") -> pd.DataFrame:
    """Per district (or per seat: key code_parlimen / code_seat_dun, etl/facility_status_seats.py): listed
    facilities, the connected shares (all; rural and urban for schools), the share below the Giga 20 Mbps
    benchmark (schools) and the median measured speed. One rule for every geography."""
    below = ~rows["connected"] | (rows["speed_mbps"] < GIGA_MBPS)
    known_speed = ~rows["connected"] | rows["speed_mbps"].notna()
    frame = rows.assign(
        listed=1,
        connected_n=rows["connected"].astype(int),
        below_n=(below & known_speed).astype(int),
        known_n=known_speed.astype(int),
        rural_n=rows["rural"].fillna(False).astype(bool).astype(int),
        urban_n=(rows["rural"] == False).fillna(False).astype(bool).astype(int),  # noqa: E712 (nullable boolean)
    )
    frame = frame.assign(
        rural_connected_n=frame["rural_n"] * frame["connected_n"],
        urban_connected_n=frame["urban_n"] * frame["connected_n"],
    )
    sums = frame.groupby(key)[
        ["listed", "connected_n", "below_n", "known_n", "rural_n", "urban_n", "rural_connected_n", "urban_connected_n"]
    ].sum()
    measured = rows.loc[rows["connected"] & rows["speed_mbps"].notna()]
    table = pd.DataFrame(
        {
            f"{kind}_connected_pct": _pct(sums["connected_n"], sums["listed"]),
            f"{kind}_speed_median_mbps": measured.groupby(key)["speed_mbps"].median().reindex(sums.index).astype(float),
            "listed": sums["listed"],
            "rural_listed": sums["rural_n"],
            "urban_listed": sums["urban_n"],
            "speed_known": sums["known_n"],
        }
    )
    if kind == "schools":
        table["schools_connected_rural_pct"] = _pct(sums["rural_connected_n"], sums["rural_n"])
        table["schools_connected_urban_pct"] = _pct(sums["urban_connected_n"], sums["urban_n"])
        table["schools_below_20mbps_pct"] = _pct(sums["below_n"], sums["known_n"])
    return table.rename_axis(key).reset_index()


def status_indicator_ids(kind: str) -> list[str]:
    extra = (
        ["schools_connected_rural_pct", "schools_connected_urban_pct", "schools_below_20mbps_pct"]
        if kind == "schools"
        else []
    )
    return [f"{kind}_connected_pct", *extra, f"{kind}_speed_median_mbps"]


def status_indicators(rows: pd.DataFrame, kind: str, provenance: dict) -> pd.DataFrame:
    """Long rows (method 'imported', year of the latest status date) of the districts the file covers;
    a share with no facility behind it (e.g. no rural school listed) is NaN, never 0."""
    aggregates = status_aggregates(rows, kind)
    year = int(str(provenance["measured_to"])[:4])
    note = (
        f"imported {kind} status ({provenance['file']}, "
        f"{provenance['measured_from']} to {provenance['measured_to']}; "
        f"declared source: {provenance['declared_source']}): "
    )
    parts = [
        pd.DataFrame(
            {
                "code_state_district": aggregates["code_state_district"],
                "indicator": indicator,
                "year": year,
                "value": aggregates[indicator].astype(float),
                "method": "imported",
                "source_ids": f"custom:facility_status_{kind}",
                "method_note": note + aggregates["listed"].astype(int).astype(str) + f" {kind} listed in the district",
            }
        )
        for indicator in status_indicator_ids(kind)
    ]
    return pd.concat(parts, ignore_index=True)[[*INDICATOR_COLUMNS, *NOTE_COLUMNS]]


def status_classes(rows: pd.DataFrame) -> pd.Series:
    """Each facility against the Giga benchmark (contract.FACILITY_STATUS_CLASSES): connected at 20 Mbps or more;
    connected below it or without a measured speed; not connected."""
    classes = pd.Series("connected_under_20mbps_or_unknown", index=rows.index, dtype=object)
    classes = classes.mask(rows["connected"] & (rows["speed_mbps"] >= GIGA_MBPS), "connected_20mbps_plus")
    return classes.mask(~rows["connected"], "not_connected")


def facility_table(rows: pd.DataFrame, kind: str, provenance: dict) -> pd.DataFrame:
    """facility_status.parquet rows of one import: each listed facility's status, class and measurement
    with the file it came from (the map colours the school and clinic layers from it)."""
    technology = rows["technology"].astype(object)
    table = pd.DataFrame(
        {
            "facility_id": rows["facility_id"].astype(str),
            "kind": kind,
            "connected": rows["connected"].astype(bool),
            "status": status_classes(rows),
            "technology": technology.where(technology.notna() & technology.astype(str).str.strip().ne(""), None),
            "speed_mbps": rows["speed_mbps"].astype(float),
            "measured_on": rows["measured_on"].astype(str),
            "source_file": provenance["file"],
            "source_sha256": provenance["sha256"],
            "imported_at": provenance["imported_at"],
            "declared_source": provenance["declared_source"],
        }
    )[column_names(FACILITY_STATUS)].reset_index(drop=True)
    return table.astype({column.name: "str" for column in COLUMNS[FACILITY_STATUS] if column.dtype == "str"})


def empty_facility_table() -> pd.DataFrame:
    """facility_status.parquet when nothing was imported: the contract's columns, no rows."""
    dtypes = {"bool": bool, "float": float, "str": "str"}
    return pd.DataFrame({column.name: pd.Series(dtype=dtypes[column.dtype]) for column in COLUMNS[FACILITY_STATUS]})


def output_table(outputs: list[StepOutput]) -> pd.DataFrame:
    """facility_status.parquet from the build's step outputs (the contract's columns, no rows, when no step made it)."""
    frames = [output.tables[FACILITY_STATUS] for output in outputs if FACILITY_STATUS in output.tables]
    return pd.concat(frames, ignore_index=True) if frames else empty_facility_table()


# --- the build step -------------------------------------------------------------------------------------


def build_facility_status(ctx: StepContext) -> StepOutput:
    """District indicators and facility rows (facility_status.parquet) of every imported facility status file
    (none imported: both empty)."""
    parts, facility_rows = [], []
    codes = set(ctx.districts["code_state_district"].astype(str))
    for kind in KINDS:
        loaded = load_status(kind, ctx.custom_dir, codes) if ctx.custom_dir is not None else None
        if loaded is None:
            continue
        rows, provenance = loaded
        source = f"custom:facility_status_{kind}"
        ctx.quality.account(
            source,
            read=len(rows),
            used=len(rows),
            detail=(
                f"imported from {provenance['file']} (sha256 {provenance['sha256'][:12]}…) "
                f"on {provenance['imported_at'][:10]}"
            ),
        )
        ctx.quality.note(
            source,
            "decision",
            f"{len(rows)} {kind} with a connection status "
            f"({provenance['measured_from']} to {provenance['measured_to']}) "
            f"in {rows['code_state_district'].nunique()} districts "
            f"merged with method 'imported' (declared source: {provenance['declared_source']}); "
            f"shares are over the {kind} the file lists, districts it does not cover have no value",
        )
        indicators = status_indicators(rows, kind, provenance)
        missing = indicators.loc[indicators["value"].isna()]
        ctx.quality.note(
            source,
            "no_data",
            f"{len(missing)} district values left empty: no listed {kind} of that kind "
            "(e.g. no rural school), or no measured speed (never 0)",
            rows=[
                {
                    "code_state_district": code,
                    "indicator": indicator,
                    "year": int(year),
                    "reason": f"no listed {kind} behind this share or median",
                }
                for code, indicator, year in missing[["code_state_district", "indicator", "year"]].itertuples(
                    index=False
                )
            ],
        )
        parts.append(indicators)
        facility_rows.append(facility_table(rows, kind, provenance))
    return StepOutput(
        pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*INDICATOR_COLUMNS, *NOTE_COLUMNS]),
        tables={
            FACILITY_STATUS: pd.concat(facility_rows, ignore_index=True) if facility_rows else empty_facility_table()
        },
    )
