"""Bring your own district data: check a planner's table, preview it, publish it by right.

One path for the command line (`python -m etl import-indicator FILE …`) and the app's upload
page: read_upload (CSV in UTF-8, or Excel .xlsx, within size/row/column/cell limits; zip parts
checked before unpacking; formulas refused, never evaluated) -> validate_custom (pure: names
through the alias table, years, value ranges, units, duplicates) -> prepare_import (the
catalogue entry; nothing written: the app's private preview) -> publish (<data_dir>/custom/<id>.csv
and <id>.yaml, plus a line in custom/imports.jsonl: who, when, checksum) or withdraw (files moved
to custom/withdrawn/, logged). Nothing is dropped silently: a table with any problem is refused
as a whole, every problem listed with its spreadsheet row numbers, and unknown district names
come with close matches. The next build merges every published indicator into indicators.parquet
(method "imported") and the catalogue; `replaces` names the indicator it stands in for (e.g. a
regulator's measured coverage for the modelled internet_hh_pct). Who may publish is decided by
the caller: the deployer's command line, or a signed-in ministry user in the app.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import yaml

from etl import config, import_log
from etl.errors import EtlError, SourceValidationError
from etl.geography import GROUP_SEPARATOR, normalise_name

TEMPLATE_CSV = config.REFERENCE_DIR / "custom_indicator_template.csv"
ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
MIN_YEAR = 1970
# What the app's Markdown (Streamlit) or a spreadsheet would read as markup in a label, unit or source:
# emphasis, code, links and colour directives ([...]), HTML, LaTeX, tables, headings, escapes, and a
# leading formula or list character. Refused, so a user's words are always shown as the words they are.
MARKUP_CHARACTERS = "*_`[]<>|$~\\#"
MARKUP = re.compile(r"[" + re.escape(MARKUP_CHARACTERS) + r"]|^\s*[=+\-@]")
MAX_LISTED = 10  # rows named per problem
CUSTOM_COLUMNS = ["code_state_district", "state", "district", "year", "value"]
# header names accepted (English template, Malay headers, common variants) -> canonical column
HEADER_SYNONYMS = {
    "district": "district",
    "daerah": "district",
    "district_name": "district",
    "nama_daerah": "district",
    "code_state_district": "code_state_district",
    "code": "code_state_district",
    "kod": "code_state_district",
    "district_code": "code_state_district",
    "state": "state",
    "negeri": "state",
    "year": "year",
    "tahun": "year",
    "value": "value",
    "nilai": "value",
}


# Limits on what a file may hold (a district table is at most 160 districts x a few dozen years).
# Checked before parsing where a cheap check exists, so a hostile file costs little to refuse.
# A deployer may set each one with the environment variable JURANG_<NAME> (e.g. JURANG_MAX_ROWS=5000);
# JURANG_MAX_UPLOAD_MB goes with Streamlit's server.maxUploadSize (.streamlit/config.toml, or
# STREAMLIT_SERVER_MAX_UPLOAD_SIZE) and nginx's client_max_body_size (deploy/nginx.conf).
LIMIT_ENV_PREFIX = "JURANG_"


def _limit(name: str, default: int) -> int:
    """The limit `name` from the environment (a positive whole number), else its default."""
    text = os.environ.get(LIMIT_ENV_PREFIX + name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{LIMIT_ENV_PREFIX}{name} must be a positive whole number, got {text!r}")
    return int(text)


MAX_UPLOAD_MB = _limit("MAX_UPLOAD_MB", 5)  # keep equal to server.maxUploadSize in .streamlit/config.toml
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
MAX_ROWS = _limit("MAX_ROWS", 20_000)  # data rows (160 districts x 125 years)
MAX_COLUMNS = _limit("MAX_COLUMNS", 50)
MAX_CELL_CHARS = _limit("MAX_CELL_CHARS", 200)  # longest district name is ~30 characters
MAX_LABEL_CHARS = _limit("MAX_LABEL_CHARS", 120)  # labels, units, declared source
MAX_ZIP_ENTRIES = _limit("MAX_ZIP_ENTRIES", 200)  # an .xlsx written by Excel or LibreOffice holds 10-30 parts
MAX_UNZIPPED_BYTES = _limit("MAX_UNZIPPED_MB", 50) * 1024 * 1024
MAX_ZIP_RATIO = _limit("MAX_ZIP_RATIO", 100)  # uncompressed / compressed size of one part (spreadsheet XML is ~5-20x)


class ImportFileError(EtlError):
    """The uploaded file cannot be read as a table (encoding, format, empty, too large, hostile)."""


@dataclass
class ImportResult:
    """What validate_custom found: the rows that passed, every problem, and name suggestions."""

    accepted: pd.DataFrame  # code_state_district, state, district, year, value
    problems: list[str] = field(default_factory=list)
    suggestions: dict[str, list[str]] = field(default_factory=dict)  # unknown name -> close matches
    notes: list[str] = field(default_factory=list)  # things set aside that are not problems (unfilled template rows)

    @property
    def ok(self) -> bool:
        return not self.problems and len(self.accepted) > 0


# --- reading (the only file I/O besides store/load) -----------------------------------------------


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_size(data: bytes, filename: str) -> None:
    """Refuse an empty or oversized file before anything else looks at it."""
    if not data:
        raise ImportFileError(f"{filename} is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportFileError(
            f"{filename} is {len(data) / 1024 / 1024:.1f} MB; the limit is {MAX_UPLOAD_MB} MB "
            "(a district table is far smaller: check that this is the right file)"
        )


def _check_shape(rows: int, columns: int, filename: str) -> None:
    if rows > MAX_ROWS:
        raise ImportFileError(
            f"{filename} has more than {MAX_ROWS:,} data rows; "
            "a district table has at most one row per district and year"
        )
    if columns > MAX_COLUMNS:
        raise ImportFileError(
            f"{filename} has {columns:,} columns; the limit is {MAX_COLUMNS} (the template has 5: "
            "district, code_state_district, state, year, value)"
        )


def _check_cells(frame: pd.DataFrame, filename: str) -> None:
    """Refuse any text cell (or header) longer than MAX_CELL_CHARS, or written as a formula (=…):
    a district table holds names, codes and numbers, and a formula is neither evaluated nor kept."""
    for position, column in enumerate(frame.columns):
        if len(str(column)) > MAX_CELL_CHARS:
            raise ImportFileError(
                f"{filename}: the header of column {position + 1} is longer than {MAX_CELL_CHARS} characters"
            )
        texts = frame[column].map(lambda value: value.strip() if isinstance(value, str) else "")
        lengths = texts.str.len()
        if len(lengths) and lengths.max() > MAX_CELL_CHARS:
            row = int(lengths.idxmax()) + 2
            raise ImportFileError(
                f"{filename}: a cell in column {position + 1}, row {row}, is longer than {MAX_CELL_CHARS} characters"
            )
        formulas = texts.str.startswith("=")
        if len(formulas) and formulas.any():
            row = int(formulas.idxmax()) + 2
            raise ImportFileError(
                f"{filename}: the cell in column {position + 1}, row {row}, is a formula (starts with '='); "
                "formulas are not evaluated. Enter the value itself"
            )


def _check_zip(data: bytes, filename: str) -> None:
    """An .xlsx is a zip: refuse too many parts, too much unpacked data or a suspicious
    compression ratio (a zip bomb) from the zip directory alone, before any part is unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ImportFileError(
            f"{filename} cannot be read as an Excel workbook (not a valid .xlsx file: {error})"
        ) from error
    if len(parts) > MAX_ZIP_ENTRIES:
        raise ImportFileError(
            f"{filename} holds {len(parts):,} parts; an Excel workbook has far fewer "
            f"(limit {MAX_ZIP_ENTRIES}): refused as unsafe"
        )
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_UNZIPPED_BYTES:
        raise ImportFileError(
            f"{filename} would unpack to {unpacked / 1024 / 1024:,.0f} MB "
            f"(limit {MAX_UNZIPPED_BYTES // 1024 // 1024} MB): refused as unsafe"
        )
    for part in parts:
        if part.file_size > 1024 * 1024 and part.file_size > MAX_ZIP_RATIO * max(part.compress_size, 1):
            raise ImportFileError(
                f"{filename}: part {part.filename[:60]!r} is compressed more than {MAX_ZIP_RATIO}:1 "
                "(a 'zip bomb' pattern): refused as unsafe"
            )
    if "xl/workbook.xml" not in {part.filename for part in parts}:
        raise ImportFileError(f"{filename} cannot be read as an Excel workbook (no xl/workbook.xml: not an .xlsx file)")


def _read_xlsx(data: bytes, filename: str, sheet: str | int | None) -> pd.DataFrame:
    """One sheet of an .xlsx as a table, read with openpyxl in read-only mode, row by row within
    the limits. Formula cells are refused, never evaluated (and a formula's cached result, which
    the file itself supplies, is not trusted either): the planner pastes values instead."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    _check_zip(data, filename)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except (ValueError, KeyError, OSError, TypeError, zipfile.BadZipFile) as error:
        raise ImportFileError(
            f"{filename} cannot be read as an Excel workbook ({type(error).__name__}: {str(error)[:200]})"
        ) from error
    try:
        names = workbook.sheetnames
        if isinstance(sheet, int):
            if not 0 <= sheet < len(names):
                raise ImportFileError(f"{filename} has no sheet number {sheet} (it has {len(names)})")
            worksheet = workbook[names[sheet]]
        elif sheet is None:
            worksheet = workbook[names[0]]
        elif sheet in names:
            worksheet = workbook[sheet]
        else:
            raise ImportFileError(f"{filename} has no sheet {str(sheet)[:60]!r}; sheets: {', '.join(names)[:200]}")
        declared_rows, declared_columns = (
            worksheet.max_row,
            worksheet.max_column,
        )  # the sheet's stated size, when it states one
        _check_shape((declared_rows or 1) - 1, declared_columns or 0, filename)
        rows: list[tuple] = []
        for number, row in enumerate(worksheet.iter_rows(max_col=MAX_COLUMNS + 1), start=1):
            if number > MAX_ROWS + 1:
                _check_shape(number - 1, 0, filename)
            cells = list(row)
            while cells and cells[-1].value is None:  # trailing empty cells of a formatted row
                cells.pop()
            if len(cells) > MAX_COLUMNS:
                raise ImportFileError(
                    f"{filename} has more than {MAX_COLUMNS} columns (row {number}); the template has 5: "
                    "district, code_state_district, state, year, value"
                )
            for position, cell in enumerate(cells, start=1):
                if getattr(cell, "data_type", None) == "f":
                    raise ImportFileError(
                        f"{filename}: cell {get_column_letter(position)}{number} holds a formula; "
                        "formulas are not evaluated. "
                        "Copy the sheet and use Paste Special -> Values, then upload again"
                    )
            rows.append(tuple(cell.value for cell in cells))
    finally:
        workbook.close()
    while rows and not any(value is not None and str(value).strip() != "" for value in rows[-1]):
        rows.pop()  # trailing empty rows (kept in the middle: row numbers in messages are the sheet's)
    if not rows:
        raise ImportFileError(f"{filename}: the sheet is empty")
    width = max(len(row) for row in rows)
    header = [f"column_{i + 1}" if i >= len(rows[0]) or rows[0][i] is None else str(rows[0][i]) for i in range(width)]
    body = [list(row) + [None] * (width - len(row)) for row in rows[1:]]
    frame = pd.DataFrame(body, columns=header, dtype=object)
    _check_cells(frame, filename)
    return frame


def read_upload(data: bytes, filename: str, sheet: str | int | None = 0) -> pd.DataFrame:
    """A CSV (UTF-8, with or without BOM) or Excel (.xlsx/.xlsm) file as a table of text cells,
    within the size, row, column and cell-length limits above (ImportFileError otherwise)."""
    suffix = Path(filename).suffix.lower()
    check_size(data, filename)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(data, filename, sheet)
    if suffix == ".xls":
        raise ImportFileError(
            f"{filename}: the old Excel .xls format is not supported; save it as .xlsx or as 'CSV UTF-8'"
        )
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ImportFileError(
            f"{filename} is UTF-16 text (Excel's 'Unicode Text'). "
            "In Excel use 'Save As' -> 'CSV UTF-8 (Comma delimited)', or upload the .xlsx file."
        )
    if b"\x00" in data[:65536] or data[:4] in (b"PK\x03\x04", b"%PDF") or data[:2] == b"\xd0\xcf":
        raise ImportFileError(
            f"{filename} is a binary file, not a CSV text table (an Excel workbook must end in .xlsx)"
        )
    if data.count(b"\n") > MAX_ROWS + 1:  # cheap: counted in C before any parsing
        _check_shape(MAX_ROWS + 1, 0, filename)
    header_end = data.find(b"\n")
    header = data if header_end < 0 else data[:header_end]
    _check_shape(0, header.count(b",") + 1, filename)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        bad = data[error.start : error.start + 1].hex()
        line = data[: error.start].count(b"\n") + 1
        raise ImportFileError(
            f"{filename} is not UTF-8 text (byte 0x{bad} on line {line}). It was probably saved in a legacy "
            "encoding (e.g. Windows-1252). "
            "In Excel use 'Save As' -> 'CSV UTF-8 (Comma delimited)', or upload the .xlsx file."
        ) from error
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise ImportFileError(f"{filename} cannot be read as a CSV table ({str(error)[:200]})") from error
    _check_shape(len(frame), len(frame.columns), filename)
    _check_cells(frame, filename)
    return frame


def check_text(name: str, value: str, required: bool = True) -> str | None:
    """A problem with a free-text field (label, unit, source), or None: bounded length, one line."""
    if not value or not value.strip():
        return f"{name} is required" if required else None
    if len(value) > MAX_LABEL_CHARS:
        return f"{name} is longer than {MAX_LABEL_CHARS} characters"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return f"{name} must be one line of text (no tabs, line breaks or control characters)"
    if MARKUP.search(value):
        return f"{name} must be plain text: none of {' '.join(MARKUP_CHARACTERS)}, and no = + - @ at the start"
    return None


# --- validation (pure) ---------------------------------------------------------------------------------


def is_percentage(unit: str, indicator_id: str = "") -> bool:
    """A share in per cent (so values must lie in 0-100)?"""
    text = unit.casefold()
    return "%" in text or "percent" in text or "per cent" in text or "peratus" in text or indicator_id.endswith("_pct")


def _rows(rows: list[int]) -> str:
    listed = ", ".join(str(r) for r in rows[:MAX_LISTED])
    return f"row{'s' if len(rows) > 1 else ''} {listed}{' …' if len(rows) > MAX_LISTED else ''}"


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == ""


def _number(value) -> float | None:
    """A cell as a number: accepts 1,234.5 and a trailing % sign; None if not a number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return None if pd.isna(value) else float(value)
    text = str(value).strip().replace(",", "").removesuffix("%").strip()
    try:
        return float(text)
    except ValueError:
        return None


class _NameIndex:
    """District lookup by (state, name) and by name alone, through the alias table."""

    def __init__(self, districts: pd.DataFrame, aliases: pd.DataFrame):
        self.codes = set(districts["code_state_district"].astype(str))
        self.by_code = districts.set_index(districts["code_state_district"].astype(str))[["state", "district"]]
        self.pairs: dict[tuple[str, str], str] = {}
        for state, name, code in districts[["state", "district", "code_state_district"]].itertuples(index=False):
            self.pairs[(normalise_name(state), normalise_name(name))] = str(code)
        for state, alias, code in aliases[["state", "alias", "code_state_district"]].itertuples(index=False):
            self.pairs.setdefault((normalise_name(state), normalise_name(alias)), str(code))
        self.by_name: dict[str, set[str]] = {}
        for (state, name), code in self.pairs.items():
            self.by_name.setdefault(name, set()).add(code)

    def lookup(self, state: str, name: str) -> tuple[str | None, str]:
        """(code, reason): code '' = known but outside the 160; None = not found / ambiguous."""
        key_name = normalise_name(name)
        if not _blank(state):
            return self.pairs.get((normalise_name(state), key_name)), "unknown"
        codes = self.by_name.get(key_name, set())
        if len(codes) == 1:
            return next(iter(codes)), ""
        return None, "ambiguous" if len(codes) > 1 else "unknown"

    def suggest(self, state: str, name: str, n: int = 3) -> list[str]:
        """Close matches among canonical names and aliases (in the same state when one is given),
        shown as the canonical 'District (State)', one per district."""
        state_key = None if _blank(state) else normalise_name(state)
        keys = [key for key in self.pairs if state_key is None or key[0] == state_key]
        if state_key is not None and not keys:  # the state itself is misspelt: search everywhere
            keys = list(self.pairs)
        codes_by_name: dict[str, list[str]] = {}
        for key in keys:
            code = self.pairs[key]
            if code in self.codes:  # skip excluded names and merged groups
                codes_by_name.setdefault(key[1], []).append(code)
        suggestions: list[str] = []
        for match in difflib.get_close_matches(normalise_name(name), list(codes_by_name), n=n * 2, cutoff=0.6):
            for code in codes_by_name[match]:
                label = f"{self.by_code.loc[code, 'district']} ({self.by_code.loc[code, 'state']})"
                if label not in suggestions:
                    suggestions.append(label)
        return suggestions[:n]


def validate_custom(
    frame: pd.DataFrame,
    districts: pd.DataFrame,
    aliases: pd.DataFrame,
    indicator_id: str,
    unit: str,
    *,
    known_ids: set[str] | frozenset[str] = frozenset(),
    replaces: str | None = None,
    min_year: int = MIN_YEAR,
    max_year: int | None = None,
    allow_negative: bool = False,
    percentage: bool | None = None,
) -> ImportResult:
    """Check a user's district table; return the rows that pass, every problem and suggestions.

    frame: the table as read (text or Excel cells); columns district and/or code_state_district,
    optional state, year, value (Malay headers daerah/negeri/tahun/nilai accepted). districts:
    code_state_district, state, district of the canonical 160; aliases: the alias table.
    known_ids: indicator ids already built (an import may not reuse one; replaces must be one).
    Row numbers in messages are spreadsheet rows (the header is row 1).
    """
    problems: list[str] = []
    suggestions: dict[str, list[str]] = {}
    max_year = max_year or datetime.now(timezone.utc).year
    percentage = is_percentage(unit, indicator_id) if percentage is None else percentage
    empty = pd.DataFrame(
        {c: pd.Series(dtype="float64" if c == "value" else "int64" if c == "year" else "str") for c in CUSTOM_COLUMNS}
    )

    if not ID_PATTERN.match(indicator_id or ""):
        problems.append(
            f"indicator id {indicator_id!r} must be snake_case (lower-case letters, digits and single underscores), "
            "ideally ending in its unit, e.g. coverage_4g_pct"
        )
    elif indicator_id in known_ids:
        problems.append(
            f"indicator id {indicator_id!r} is already used by a built indicator: choose another id "
            f"(use --replaces {indicator_id} to stand in for it)"
        )
    if replaces and replaces not in known_ids:
        problems.append(f"--replaces {replaces!r} is not a known indicator id")
    if not unit or not unit.strip():
        problems.append("a unit is required (e.g. '% of households')")

    renamed = {}
    for column in frame.columns:
        key = re.sub(r"[\s\-]+", "_", str(column).strip().casefold())
        if key in HEADER_SYNONYMS and HEADER_SYNONYMS[key] not in renamed.values():
            renamed[column] = HEADER_SYNONYMS[key]
    table = frame.rename(columns=renamed)[list(renamed.values())].dropna(how="all")
    table = table.loc[~table.apply(lambda row: all(_blank(v) for v in row), axis=1)] if len(table) else table
    missing = [c for c in ("year", "value") if c not in table.columns]
    if "district" not in table.columns and "code_state_district" not in table.columns:
        missing.insert(0, "district (or code_state_district)")
    if missing:
        problems.append(
            f"missing column(s): {', '.join(missing)}; found {[str(c) for c in frame.columns]}. "
            "Use the template columns district, state, year, value (or code_state_district)"
        )
        return ImportResult(empty, problems, suggestions)
    notes: list[str] = []
    unfilled = table["year"].map(_blank).astype(bool) & table["value"].map(_blank).astype(bool)
    if unfilled.any():  # template rows nobody filled in: said out loud, not silently dropped
        notes.append(
            f"{int(unfilled.sum())} rows with neither year nor value were left out (template rows not filled in): "
            f"{_rows([int(i) + 2 for i in table.index[unfilled]])}"
        )
        table = table.loc[~unfilled]
    if table.empty:
        problems.append("the table has no data rows (no row has a year and a value)")
        return ImportResult(empty, problems, suggestions, notes)

    index = _NameIndex(districts, aliases)
    issues: dict[str, list[int]] = {}

    def flag(message: str, row: int) -> None:
        issues.setdefault(message, []).append(row)

    records = []
    with_percent: list[int] = []  # rows whose value carries a % sign
    fractions: list[int] = []  # rows whose value lies strictly between 0 and 1 (0.62 beside 61%: mixed units)
    for position, (_, row) in enumerate(table.iterrows()):
        sheet_row = int(table.index[position]) + 2
        state = "" if "state" not in table.columns or _blank(row.get("state")) else str(row["state"]).strip()
        name = "" if "district" not in table.columns or _blank(row.get("district")) else str(row["district"]).strip()
        code_cell = (
            ""
            if "code_state_district" not in table.columns or _blank(row.get("code_state_district"))
            else str(row["code_state_district"]).strip()
        )
        code = None
        if code_cell:
            if code_cell in index.codes:
                code = code_cell
                if name:
                    by_name, _ = index.lookup(state, name)
                    if by_name not in (None, "", code):
                        flag(f"code {code_cell} and district {name!r} disagree", sheet_row)
                        code = None
            else:
                flag(f"unknown code_state_district {code_cell!r} (codes look like 1_1 … 16_1)", sheet_row)
        elif name:
            found, reason = index.lookup(state, name)
            label = f"{name} ({state})" if state else name
            if found is None and reason == "ambiguous":
                flag(f"district {name!r} exists in several states: fill in the state column", sheet_row)
            elif found is None:
                flag(f"unknown district {label!r}", sheet_row)
                suggestions.setdefault(label, index.suggest(state, name))
            elif found == "":
                flag(
                    f"district {label!r} is outside the 160 districts used here "
                    "(listed as excluded in district_aliases.csv)",
                    sheet_row,
                )
            elif GROUP_SEPARATOR in found:
                flag(f"{label!r} covers several districts ({found}); give one row per district", sheet_row)
            else:
                code = found
        else:
            flag("no district name or code", sheet_row)

        year_number = _number(row["year"]) if not _blank(row["year"]) else None
        year = None
        if year_number is None or year_number != int(year_number):
            flag("year is blank or not a whole number", sheet_row)
        elif not min_year <= int(year_number) <= max_year:
            flag(f"year outside {min_year}-{max_year}", sheet_row)
        else:
            year = int(year_number)

        value = None if _blank(row["value"]) else _number(row["value"])
        if value is not None and isinstance(row["value"], str) and row["value"].strip().endswith("%"):
            with_percent.append(sheet_row)
        elif value is not None and 0 < value < 1:
            fractions.append(sheet_row)
        if _blank(row["value"]):
            flag("value is blank (leave the row out if there is no data; missing is never 0)", sheet_row)
        elif value is None:
            flag("value is not a number", sheet_row)
        elif percentage and not 0 <= value <= 100:
            flag("value outside 0-100 for a percentage", sheet_row)
        elif not percentage and not allow_negative and value < 0:
            flag("negative value (allowed only with --allow-negative)", sheet_row)

        if code is not None and year is not None and value is not None:
            records.append({"code_state_district": code, "year": year, "value": value, "_row": sheet_row})

    if with_percent and not percentage:
        issues[f"value carries a % sign but the unit {unit.strip()[:40]!r} is not a percentage"] = with_percent
    elif with_percent and fractions:
        issues[
            "mixed units: values written as fractions (0.62) beside values with a % sign (62%); "
            "use per cent for the whole column"
        ] = fractions
    accepted = pd.DataFrame(records, columns=["code_state_district", "year", "value", "_row"])
    duplicated = accepted.duplicated(["code_state_district", "year"], keep=False)
    for (code, year), group in accepted.loc[duplicated].groupby(["code_state_district", "year"]):
        where = index.by_code.loc[code]
        issues[f"duplicate rows for {where['district']} ({where['state']}) {year}"] = group["_row"].tolist()
    problems += [f"{message}: {_rows(rows)}" for message, rows in issues.items()]

    accepted = accepted.loc[~duplicated].drop(columns="_row")
    accepted = (
        accepted.assign(
            state=accepted["code_state_district"].map(index.by_code["state"]),
            district=accepted["code_state_district"].map(index.by_code["district"]),
            year=accepted["year"].astype("int64"),
            value=accepted["value"].astype(float),
        )[CUSTOM_COLUMNS]
        .sort_values(["code_state_district", "year"])
        .reset_index(drop=True)
    )
    return ImportResult(accepted, problems, suggestions, notes)


def template_frame() -> pd.DataFrame:
    """The import template: every district with its code and state, year and value to fill in."""
    return pd.read_csv(TEMPLATE_CSV, dtype=str, keep_default_na=False)


def template_xlsx() -> bytes:
    """The template as an Excel workbook (for the upload page's download button)."""
    buffer = io.BytesIO()
    template_frame().to_excel(buffer, index=False, sheet_name="data", engine="openpyxl")
    return buffer.getvalue()


# --- storing and loading custom indicators ----------------------------------------------------------------


def custom_dir(data_dir: Path | None = None) -> Path:
    """Where custom indicators live: <data_dir>/custom."""
    return (data_dir or config.data_dir()) / "custom"


def catalogue_entry(
    indicator_id: str,
    label_en: str,
    label_ms: str,
    unit_en: str,
    unit_ms: str,
    direction: str,
    *,
    domain: str,
    declared_source: str,
    replaces: str | None,
    file_name: str,
    sha256: str,
    accepted: pd.DataFrame,
    imported_at: str | None = None,
    value_format: str = ".1f",
) -> dict:
    """The catalogue entry (same keys as data/reference/indicators.yaml) plus provenance."""
    imported_at = imported_at or datetime.now(timezone.utc).isoformat(timespec="seconds")
    source = declared_source or "not declared"
    years = sorted(int(y) for y in accepted["year"].unique())
    replaced = f" It stands in for {replaces} in the index." if replaces else ""
    replaced_ms = f" Ia menggantikan {replaces} dalam indeks." if replaces else ""
    return {
        "id": indicator_id,
        "domain": domain,
        "label": {"en": label_en, "ms": label_ms},
        "unit": {"en": unit_en, "ms": unit_ms or unit_en},
        "format": value_format,
        "direction": direction,
        "method": "imported",
        "sources": [],
        "definition": {
            "en": f"District data imported by a user from {file_name} on {imported_at[:10]} ({len(accepted)} values, "
            f"{accepted['code_state_district'].nunique()} districts, "
            f"{', '.join(map(str, years))}). Declared source: {source}. "
            "Checked for district names, years, value ranges and duplicates; "
            f"not otherwise verified by Jurang.{replaced}",
            "ms": f"Data daerah yang diimport oleh pengguna daripada {file_name} "
            f"pada {imported_at[:10]} ({len(accepted)} nilai, "
            f"{accepted['code_state_district'].nunique()} daerah, {', '.join(map(str, years))}). "
            f"Sumber yang dinyatakan: {source}. "
            "Disemak bagi nama daerah, tahun, julat nilai dan pendua; "
            f"selain itu tidak disahkan oleh Jurang.{replaced_ms}",
        },
        "replaces": replaces,
        "custom": True,
        "provenance": {
            "file": file_name,
            "sha256": sha256,
            "imported_at": imported_at,
            "declared_source": source,
            "rows": int(len(accepted)),
            "districts": int(accepted["code_state_district"].nunique()),
            "years": years,
        },
    }


def _atomic_write(path: Path, text: str) -> None:
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
        out.write(text)
    os.replace(temp, path)


def store_custom(accepted: pd.DataFrame, entry: dict, directory: Path | None = None) -> tuple[Path, Path]:
    """Write <dir>/<id>.csv (the values) and <id>.yaml (catalogue entry + provenance); replaces an
    earlier import of the same id. Returns both paths."""
    directory = directory or custom_dir()
    directory.mkdir(parents=True, exist_ok=True)
    csv_path = directory / f"{entry['id']}.csv"
    yaml_path = directory / f"{entry['id']}.yaml"
    _atomic_write(csv_path, accepted[CUSTOM_COLUMNS].to_csv(index=False, lineterminator="\n"))
    _atomic_write(yaml_path, yaml.safe_dump(entry, allow_unicode=True, sort_keys=False))
    return csv_path, yaml_path


def load_custom_entries(directory: Path | None = None) -> dict[str, dict]:
    """Catalogue entries of every stored custom indicator, keyed by id."""
    directory = directory or custom_dir()
    entries = {}
    for path in sorted(directory.glob("*.yaml")) if directory.is_dir() else []:
        with open(path, encoding="utf-8") as handle:
            entry = yaml.safe_load(handle)
        if not isinstance(entry, dict) or entry.get("id") != path.stem:
            raise SourceValidationError(f"[custom] {path}: expected a catalogue entry whose id is {path.stem!r}")
        entries[entry["id"]] = entry
    return entries


def load_custom_indicators(
    district_codes: set[str], directory: Path | None = None
) -> tuple[pd.DataFrame, dict[str, dict]]:
    """Long indicator rows (method 'imported', source_ids 'custom:<id>') of every stored custom
    indicator, checked again against today's districts; and their entries."""
    directory = directory or custom_dir()
    entries = load_custom_entries(directory)
    parts = []
    for indicator_id in entries:
        path = directory / f"{indicator_id}.csv"
        if not path.is_file():
            raise SourceValidationError(
                f"[custom] {path} is missing (its catalogue entry {indicator_id}.yaml exists): re-import the file"
            )
        values = pd.read_csv(path, dtype={"code_state_district": str})
        problems = []
        if list(values.columns) != CUSTOM_COLUMNS:
            problems.append(f"columns {list(values.columns)} != {CUSTOM_COLUMNS}")
        else:
            unknown = sorted(set(values["code_state_district"]) - district_codes)
            if unknown:
                problems.append(f"column 'code_state_district': unknown codes {unknown[:8]}")
            if values.duplicated(["code_state_district", "year"]).any():
                problems.append("duplicate district-years")
            if pd.to_numeric(values["value"], errors="coerce").isna().any():
                problems.append("column 'value': blank or non-numeric values")
        if problems:
            raise SourceValidationError(
                f"[custom] {path}: " + "; ".join(problems) + ". Re-import it with python -m etl import-indicator"
            )
        parts.append(
            pd.DataFrame(
                {
                    "code_state_district": values["code_state_district"].astype(str),
                    "indicator": indicator_id,
                    "year": values["year"].astype("int64"),
                    "value": values["value"].astype(float),
                    "method": "imported",
                    "source_ids": f"custom:{indicator_id}",
                }
            )
        )
    frame = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["code_state_district", "indicator", "year", "value", "method", "source_ids"])
    )
    return frame, entries


# --- one entry point for the command line and the app --------------------------------------------------


def district_table(data_dir: Path | None = None) -> pd.DataFrame:
    """The canonical 160 (code_state_district, state, district): from the last build's
    districts.parquet, else from the fetched DOSM code list in raw/."""
    data_dir = data_dir or config.data_dir()
    built = data_dir / "processed" / "districts.parquet"
    if built.is_file():
        return pd.read_parquet(built, columns=["code_state_district", "state", "district"])
    from etl.registry import load_registry

    codes = data_dir / "raw" / load_registry()["dosm_state_district_codes"].relative_path
    if codes.is_file():
        return pd.read_csv(codes, dtype={"code_state_district": str})[["code_state_district", "state", "district"]]
    raise ImportFileError(f"no district list found under {data_dir}: run `python -m etl build` once before importing")


@dataclass
class ImportRequest:
    """The options of one import (the CLI flags / the upload form)."""

    indicator_id: str
    label_en: str
    label_ms: str
    unit: str
    higher_is_better: bool
    unit_ms: str = ""
    replaces: str | None = None
    declared_source: str = ""
    domain: str | None = None
    allow_negative: bool = False
    sheet: str | int | None = 0


def prepare_import(
    data: bytes,
    filename: str,
    request: ImportRequest,
    districts: pd.DataFrame,
    aliases: pd.DataFrame,
    catalogue: dict[str, dict],
) -> tuple[ImportResult, dict | None]:
    """Read and validate one upload and make its catalogue entry, writing nothing: the upload
    page's private preview and the first half of a publish. catalogue: the built-in entries
    (data/reference/indicators.yaml), for id clashes, --replaces and the default domain.
    Returns the result and the entry (None unless every check passed)."""
    try:
        frame = read_upload(data, filename, request.sheet)
    except ImportFileError as error:
        return ImportResult(pd.DataFrame(columns=CUSTOM_COLUMNS), [str(error)]), None
    known = {key for key, entry in catalogue.items() if not entry.get("custom")}
    result = validate_custom(
        frame,
        districts,
        aliases,
        request.indicator_id,
        request.unit,
        known_ids=known,
        replaces=request.replaces or None,
        allow_negative=request.allow_negative,
    )
    if len(request.indicator_id) > 60:
        result.problems.append("the indicator id is longer than 60 characters")
    if not request.label_en.strip() or not request.label_ms.strip():
        result.problems.append("labels in both English and Malay are required")
    for name, value, required in (
        ("the English label", request.label_en, False),
        ("the Malay label", request.label_ms, False),
        ("the unit", request.unit, False),
        ("the Malay unit", request.unit_ms, False),
        ("the source", request.declared_source, False),
    ):
        problem = check_text(name, value, required)
        if problem:
            result.problems.append(problem)
    if not result.ok:
        return result, None
    domain = request.domain or (catalogue[request.replaces]["domain"] if request.replaces else "custom")
    entry = catalogue_entry(
        request.indicator_id,
        request.label_en.strip(),
        request.label_ms.strip(),
        request.unit.strip(),
        request.unit_ms.strip(),
        "higher_is_better" if request.higher_is_better else "lower_is_better",
        domain=domain,
        declared_source=request.declared_source.strip(),
        replaces=request.replaces or None,
        file_name=Path(filename).name[:MAX_LABEL_CHARS],
        sha256=sha256_bytes(data),
        accepted=result.accepted,
    )
    return result, entry


def publish(accepted: pd.DataFrame, entry: dict, by: str, via: str, directory: Path | None = None) -> tuple[Path, Path]:
    """Store a validated import for everyone (visible after the next build) and log who did it.

    Callers decide who may: the app lets only ministry users publish (dashboard.access.can_publish);
    the command line is the deployer's."""
    directory = directory or custom_dir()
    previous = load_custom_entries(directory).get(entry["id"])
    paths = store_custom(accepted, entry, directory)
    provenance = entry["provenance"]
    import_log.append(
        directory,
        "publish",
        entry["id"],
        by,
        via,
        file=provenance["file"],
        sha256=provenance["sha256"],
        rows=provenance["rows"],
        replaces=entry.get("replaces"),
        replaced_earlier_sha256=(previous or {}).get("provenance", {}).get("sha256"),
    )
    return paths


def withdraw(indicator_id: str, by: str, via: str, directory: Path | None = None) -> list[Path]:
    """Take a published import out (from the next build on) and log it. Its files move to
    custom/withdrawn/ with the time in their names, so what was shown stays on record.
    Raises ImportFileError when no such import is stored."""
    directory = directory or custom_dir()
    entries = load_custom_entries(directory)
    if indicator_id not in entries:
        listed = ", ".join(sorted(entries)) or "none"
        raise ImportFileError(f"no published import with id {indicator_id!r} in {directory} (published: {listed})")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    archive = directory / "withdrawn"
    archive.mkdir(parents=True, exist_ok=True)
    moved = []
    for suffix in (".csv", ".yaml"):
        path = directory / f"{indicator_id}{suffix}"
        if path.is_file():
            target = archive / f"{indicator_id}.{stamp}{suffix}"
            os.replace(path, target)
            moved.append(target)
    import_log.append(
        directory, "withdraw", indicator_id, by, via, sha256=entries[indicator_id].get("provenance", {}).get("sha256")
    )
    return moved


def import_indicator(
    data: bytes,
    filename: str,
    request: ImportRequest,
    districts: pd.DataFrame,
    aliases: pd.DataFrame,
    catalogue: dict[str, dict],
    directory: Path | None = None,
    *,
    by: str | None = None,
    via: str = "cli",
) -> tuple[ImportResult, tuple[Path, Path] | None]:
    """Read, validate and (only if every check passes) publish one file: the deployer's
    command line (`python -m etl import-indicator`). by: who, for the log (default cli:<os user>)."""
    result, entry = prepare_import(data, filename, request, districts, aliases, catalogue)
    if entry is None:
        return result, None
    return result, publish(result.accepted, entry, by or import_log.cli_user(), via, directory)
