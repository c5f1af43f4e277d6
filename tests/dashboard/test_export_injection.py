"""Formula injection: text that leaves the app in a CSV or XLSX cannot run as a spreadsheet formula.

Cells starting with = + - @ tab or CR get a leading apostrophe (text cells and headers only);
numbers, negative ones included, stay numbers. Frames are synthetic."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from dashboard import export

HOSTILE = ['=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tleading tab", "\rleading CR"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_text_cell_that_starts_like_a_formula_is_written_as_text(text):
    assert export.neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Pitas", "-3.5", "+60", "W.P. Kuala Lumpur", "", "a=b"])
def test_ordinary_text_and_numbers_written_as_text_are_left_alone(text):
    assert export.neutralise(text) == text


def test_table_csv_neutralises_text_cells_and_headers_but_keeps_negative_numbers():
    frame = pd.DataFrame({"district": HOSTILE, "value": [-3.5, 1.0, -0.25, None, 2.0, 3.0], "=label": ["ok"] * 6})

    written = pd.read_csv(io.BytesIO(export.table_csv(frame)), encoding="utf-8-sig", keep_default_na=False, dtype=str)

    assert written["district"].tolist() == ["'" + text for text in HOSTILE]
    assert written["value"].tolist() == [
        "-3.5",
        "1.0",
        "-0.25",
        "",
        "2.0",
        "3.0",
    ]  # numbers stay numbers, missing stays empty
    assert list(written.columns) == ["district", "value", "'=label"]


def test_table_xlsx_writes_neutralised_text_and_real_numbers():
    from openpyxl import load_workbook

    frame = pd.DataFrame({"district": ["=1+1", "Pitas"], "value": [-3.5, 61.5]})
    workbook = load_workbook(io.BytesIO(export.table_xlsx(frame, [], [])))
    sheet = workbook.worksheets[0]

    assert [cell.value for cell in sheet["A"][1:]] == ["'=1+1", "Pitas"] and all(
        cell.data_type == "s" for cell in sheet["A"][1:]
    )
    assert [cell.value for cell in sheet["B"][1:]] == [-3.5, 61.5] and all(
        cell.data_type == "n" for cell in sheet["B"][1:]
    )


def test_table_xlsx_writes_a_formula_like_header_as_text():
    from openpyxl import load_workbook

    frame = pd.DataFrame({"=cmd|' /C calc'!A0": ["Pitas"], "value": [61.5]})
    sheet = load_workbook(io.BytesIO(export.table_xlsx(frame, [], []))).worksheets[0]
    assert sheet["A1"].value == "'=cmd|' /C calc'!A0" and sheet["A1"].data_type == "s" and sheet["B1"].value == "value"
