"""Exports: print-ready charts (PNG/SVG/PDF through one warm Chromium), CSV, XLSX and GeoJSON.

Pure parts run on small synthetic frames; the rendering tests share the process's one warm
browser (dashboard.renderer.BROWSER), and the real-data parts use the session build.
"""

from __future__ import annotations

import io
import json
import os
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest
from PIL import Image
from pypdf import PdfReader

from dashboard import export, figures, i18n, metrics, provenance, renderer

SOURCE = "Source: Department of Statistics Malaysia (DOSM). Data as of 2024-01-01. Method: as published."
FRAME = pd.DataFrame(
    {
        "code_state_district": ["1_1", "1_2", "1_3"],
        "district": ["Batu Pahat", "Johor Bahru", "Kluang"],
        "state": ["Johor"] * 3,
        "urban_class": ["semi_urban", "urban", "rural"],
        "value": [5200.5, np.nan, 4100.0],
        "method": ["observed", None, "observed"],
    }
)


def bar_figure() -> go.Figure:
    figure = go.Figure(go.Bar(x=["urban", "semi-urban", "rural"], y=[7700, 5000, 4200], name="mean"))
    figure.update_layout(legend={"orientation": "h", "y": -0.2}, showlegend=True)
    return figure


# --- print decoration (pure) ---------------------------------------------------------------------


def test_print_figure_dresses_a_copy_with_title_filters_footer_and_name():
    original = bar_figure()
    before = original.to_json()
    printed = export.print_figure(
        original, title="Median household income", subtitle="State: Johor · Year: 2024", source_line=SOURCE, as_of=""
    )

    assert original.to_json() == before, "the figure shown in the app is not modified"
    assert "Median household income" in printed.layout.title.text
    assert printed.layout.title.subtitle.text == "State: Johor · Year: 2024"
    footer = " ".join(annotation.text for annotation in printed.layout.annotations)
    assert "Source: Department of Statistics Malaysia (DOSM)." in footer and export.BRAND in footer
    assert printed.layout.font.family == export.EXPORT_FONT and printed.layout.font.size >= 16, "legible on a slide"
    assert (printed.layout.width, printed.layout.height) == (1600, 900)
    assert printed.layout.legend.y == 1.0, "a legend below the plot moves above it, clear of the footer"


def test_footer_adds_data_as_of_only_when_the_source_line_lacks_it():
    printed = export.print_figure(bar_figure(), title="t", source_line="Source: DOSM.", as_of="2025-01-01", lang="ms")
    footer = " ".join(annotation.text for annotation in printed.layout.annotations)
    assert i18n.translate("export_as_of", "ms", as_of="2025-01-01") in footer
    printed = export.print_figure(bar_figure(), title="t", source_line=SOURCE, as_of="2024-01-01")
    assert " ".join(a.text for a in printed.layout.annotations).count("2024-01-01") == 1


def test_text_from_data_cannot_add_markup():
    printed = export.print_figure(
        bar_figure(), title="<a href='http://x'>t</a>", subtitle="District: <b>evil</b>", source_line="<script>"
    )
    assert "<a href" not in printed.layout.title.text and "&lt;a href" in printed.layout.title.text
    assert "<b>evil" not in printed.layout.title.subtitle.text
    assert all("<script>" not in annotation.text for annotation in printed.layout.annotations)


def test_long_footers_wrap_instead_of_running_off_the_image():
    printed = export.print_figure(
        bar_figure(), title="t", source_line="Source: " + "; ".join(["Ministry of Health Malaysia (MOH)"] * 8) + "."
    )
    footer = printed.layout.annotations[0].text
    assert footer.count("<br>") >= 1
    assert max(len(line) for line in footer.split("<br>")) <= int((1600 - 260) / (0.58 * 14)) + 1


def test_unknown_format_is_refused_before_rendering():
    with pytest.raises(ValueError, match="format"):
        export.figure_bytes(bar_figure(), "gif", title="t")


def test_file_names_are_safe():
    assert export.file_name("map", "W.P. Kuala Lumpur", 2024, extension="png") == "jurang_map_w_p_kuala_lumpur_2024.png"
    assert export.file_name("../../etc", "a/b", extension="csv") == "jurang_etc_a_b.csv"


def test_page_template_makes_no_third_party_requests():
    from kaleido import PageGenerator

    page = PageGenerator(mathjax=False).generate_index()
    assert "http://" not in page and "https://" not in page, "no MathJax or plotly.js from a CDN"
    assert renderer.TOPOJSON_URL.startswith("file://")
    assert (renderer.TOPOJSON_DIR / "world_110m.json").is_file() and (
        renderer.TOPOJSON_DIR / "world_50m.json"
    ).is_file()


def test_browser_path_prefers_debian_chromium(monkeypatch, tmp_path):
    monkeypatch.delenv(renderer.BROWSER_ENV_VAR, raising=False)
    if (chromium := Path(renderer.DEBIAN_CHROMIUM)).is_file():
        assert renderer.browser_path() == str(chromium)
    fake = tmp_path / "chrome"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv(renderer.BROWSER_ENV_VAR, str(fake))
    assert renderer.browser_path() == str(fake)


# --- tables and districts (pure) -----------------------------------------------------------------


def test_csv_keeps_missing_values_empty_and_opens_in_excel():
    payload = export.table_csv(FRAME)
    assert payload.startswith(b"\xef\xbb\xbf"), "byte-order mark: Excel reads UTF-8"
    back = pd.read_csv(io.BytesIO(payload), encoding="utf-8-sig")
    assert back.columns[0] == "code_state_district"
    assert back["value"].isna().tolist() == [False, True, False], "no data stays empty, never 0"


def test_xlsx_has_the_data_and_a_sources_sheet():
    sources = [
        {
            "id": "opendosm_hh_income_district",
            "title": "Household income",
            "publisher": "DOSM",
            "licence": "CC BY 4.0",
            "url": "https://storage.dosm.gov.my/hies/hh_income_district.parquet",
            "as_of": "2023-01-01",
        }
    ]
    definitions = [
        {
            "id": "household_income_median_rm",
            "label": "Median household income",
            "unit": "RM per month",
            "method": "as published",
            "definition": "Median monthly gross household income.",
            "sources": "opendosm_hh_income_district",
        }
    ]
    frame = FRAME.assign(note=['=HYPERLINK("http://evil")', "", "ok"])
    workbook = openpyxl.load_workbook(
        io.BytesIO(
            export.table_xlsx(
                frame, sources, definitions, manifest={"data_as_of": {"opendosm_hh_income_district": "2024-01-01"}}
            )
        )
    )

    assert workbook.sheetnames == ["Data", "Sources"]
    data_rows = list(workbook["Data"].iter_rows(values_only=True))
    assert list(data_rows[0]) == list(frame.columns) and len(data_rows) == 1 + len(frame)
    assert data_rows[2][4] is None, "NaN is an empty cell"
    assert workbook["Data"].cell(row=2, column=7).data_type == "s", (
        "a value starting with '=' stays text, not a formula"
    )
    cells = [value for row in workbook["Sources"].iter_rows(values_only=True) for value in row if value is not None]
    for expected in [
        "Publisher",
        "Licence",
        "URL",
        "Data as of",
        "DOSM",
        "CC BY 4.0",
        "https://storage.dosm.gov.my/hies/hh_income_district.parquet",
        "Median household income",
        "Median monthly gross household income.",
    ]:
        assert expected in cells
    assert "2024-01-01" in cells and "2023-01-01" not in cells, "the build's data-as-of wins over the registry's"


def test_xlsx_in_malay():
    workbook = openpyxl.load_workbook(io.BytesIO(export.table_xlsx(FRAME, [], [], lang="ms")))
    assert workbook.sheetnames == ["Data", "Sumber"]


def test_source_and_definition_rows_from_the_real_registry():
    from dashboard import data

    catalogue, registry = data.catalogue(), data.sources()
    rows = provenance.source_rows(provenance.sources_for(["household_income_median_rm"], catalogue, registry))
    assert [row["id"] for row in rows] == ["opendosm_hh_income_district"]
    assert rows[0]["publisher"] and rows[0]["licence"] and rows[0]["url"].startswith("https://")
    definition = provenance.definition_rows(["household_income_median_rm"], catalogue, "ms")[0]
    assert definition["label"] == catalogue["household_income_median_rm"]["label"]["ms"]


def test_geojson_has_every_district_or_the_filtered_ones(dataset):
    national = metrics.indicator_frame(dataset.districts, dataset.indicators, "population", 2025)
    document = json.loads(
        export.districts_geojson(dataset.districts, national, extra={"indicator": "population", "year": 2025})
    )
    assert document["type"] == "FeatureCollection" and len(document["features"]) == 160
    properties = document["features"][0]["properties"]
    assert {"code_state_district", "district", "state", "urban_class", "value", "method", "indicator", "year"} <= set(
        properties
    )
    assert document["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")

    sabah = metrics.filter_state(national, "Sabah")
    features = json.loads(export.districts_geojson(dataset.districts, sabah))["features"]
    assert len(features) == len(sabah) == 27
    assert [f["properties"]["code_state_district"] for f in features] == sabah["code_state_district"].tolist(), (
        "the table's order"
    )


def test_geojson_missing_value_is_null(dataset):
    frame = pd.DataFrame(
        {"code_state_district": dataset.districts["code_state_district"].iloc[:2], "value": [1.5, np.nan]}
    )
    features = json.loads(export.districts_geojson(dataset.districts, frame))["features"]
    assert [feature["properties"]["value"] for feature in features] == [1.5, None]


# --- rendering with the warm browser --------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    try:
        renderer.browser_path()
    except export.ExportError as error:
        pytest.skip(str(error))
    export.render(go.Figure(), "svg", 200, 100)  # start (or reuse) the process's warm browser
    return renderer.BROWSER


def test_png_is_high_resolution_and_carries_the_footer(browser):
    payload = export.figure_bytes(
        bar_figure(), "png", title="Median household income", subtitle="State: Johor", source_line=SOURCE
    )
    image = Image.open(io.BytesIO(payload))
    assert image.format == "PNG" and image.size == (3200, 1800), "1600 x 900 at scale 2"
    small = Image.open(io.BytesIO(export.figure_bytes(bar_figure(), "png", title="t", width=800, height=500, scale=1)))
    assert small.size == (800, 500)


def test_svg_parses_and_contains_title_and_footer(browser):
    payload = export.figure_bytes(
        bar_figure(), "svg", title="Median household income", subtitle="State: Johor", source_line=SOURCE
    )
    root = ET.fromstring(payload)
    assert root.tag.endswith("svg") and root.get("width") == "1600" and root.get("height") == "900"
    text = " ".join(node.text or "" for node in root.iter() if node.tag.endswith("text") or node.tag.endswith("tspan"))
    assert (
        "Median household income" in text
        and "State: Johor" in text
        and "Department of Statistics Malaysia" in text
        and "Jurang" in text
    )


def test_pdf_has_one_page_and_extractable_footer(browser):
    payload = export.figure_bytes(
        bar_figure(), "pdf", title="Median household income", subtitle="State: Johor", source_line=SOURCE
    )
    reader = PdfReader(io.BytesIO(payload))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(1600 * 0.75, abs=2) and float(box.height) == pytest.approx(
        900 * 0.75, abs=2
    )
    text = reader.pages[0].extract_text()
    assert (
        "Source: Department of Statistics Malaysia (DOSM)." in text
        and "Data as of 2024-01-01" in text
        and "Jurang" in text
    )
    fonts = {str(font.get_object()["/BaseFont"]) for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert all("DejaVu" in font for font in fonts), f"the project's installed font, not a fallback: {fonts}"


def test_geo_choropleth_renders_offline_with_local_base_map(browser, dataset):
    """cdn.plot.ly is unreachable here: a geo figure renders only because kaleido reads the local topojson."""
    frame = metrics.indicator_frame(dataset.districts, dataset.indicators, "population", 2025)
    figure = figures.choropleth_map(
        frame,
        dataset.features,
        figures.quantile_scheme(frame["value"], ",.0f"),
        value_label="Population",
        unit="persons",
        fmt=",.0f",
        state_lines=figures.state_border_lines(dataset.states),
    )
    payload = export.figure_bytes(figure, "pdf", title="Population, 2025", subtitle="All states", source_line=SOURCE)
    text = PdfReader(io.BytesIO(payload)).pages[0].extract_text()
    assert "Population, 2025" in text and "persons" in text, "title and legend are in the PDF"


def test_one_warm_browser_serves_every_export_and_concurrent_threads(browser):
    starts = browser.starts
    results: dict[int, tuple[int, int]] = {}
    errors: list[BaseException] = []

    def work(width: int) -> None:
        try:
            results[width] = Image.open(
                io.BytesIO(
                    export.figure_bytes(bar_figure(), "png", title=f"w{width}", width=width, height=400, scale=1)
                )
            ).size
        except BaseException as error:  # noqa: BLE001 — reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(width,)) for width in (600, 700, 800)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert results == {600: (600, 400), 700: (700, 400), 800: (800, 400)}, "each caller gets its own image"
    export.figure_bytes(bar_figure(), "svg", title="warm")  # how long it takes: bench/bench_export.py
    assert browser.starts == starts, "no new browser per image"


def test_chromium_starts_without_its_on_device_model_service(tmp_path):
    """Chromium's on-device AI would add a process ~3 minutes after start (the soak's 8 -> 9)."""
    from choreographer.channels import Pipe

    channel = Pipe()
    chromium = renderer.chromium_class()(channel, path=__file__, tmp_dir=str(tmp_path))  # never launched
    try:
        chromium.pre_open()
        flags = [flag for flag in chromium.get_cli() if flag.startswith("--disable-features=")]
    finally:
        chromium.clean()
        channel.close()
    assert len(flags) == 1 and set(flags[0].split("=", 1)[1].split(",")) == set(renderer.DISABLED_FEATURES)
    assert "OptimizationGuideOnDeviceModel" in renderer.DISABLED_FEATURES


def test_the_warm_browser_runs_with_those_features_off(browser):
    parents, commands = {}, {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            commands[int(entry.name)] = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):  # gone meanwhile
            pass
    ours, frontier = set(), {os.getpid()}
    while frontier:  # this test process's descendants only: other processes on the machine may run Chromium
        frontier = {pid for pid, parent in parents.items() if parent in frontier and pid not in ours}
        ours |= frontier
    flag = f"--disable-features={','.join(renderer.DISABLED_FEATURES)}".encode()
    assert any(flag in commands[pid] and b"--remote-debugging-pipe" in commands[pid] for pid in ours)


def test_a_stopped_browser_starts_again_on_the_next_export(browser):
    browser.stop()
    assert not browser.running
    assert Image.open(
        io.BytesIO(export.figure_bytes(bar_figure(), "png", title="again", width=400, height=300, scale=1))
    ).size == (400, 300)
    assert browser.running


def test_the_browser_loads_only_local_files(browser, dataset):
    """Every URL Chromium loads while rendering a map and a chart is file:, data: or blob: — no CDN."""
    logged = renderer.WarmBrowser(log_requests=True)
    try:
        frame = metrics.indicator_frame(dataset.districts, dataset.indicators, "population", 2025)
        geo = figures.choropleth_map(
            frame.head(20),
            dataset.features,
            figures.quantile_scheme(frame["value"], ",.0f"),
            value_label="P",
            unit="persons",
            fmt=",.0f",
        )
        for figure, fmt in [(geo, "png"), (geo, "pdf"), (bar_figure(), "svg")]:
            logged.render(export.print_figure(figure, title="t", source_line=SOURCE), fmt, 800, 450)
    finally:
        logged.stop()
    assert any(url.startswith(renderer.TOPOJSON_URL) for url in logged.requests), "the local base map was used"
    assert logged.requests and all(url.split(":", 1)[0] in ("file", "data", "blob") for url in logged.requests), (
        logged.requests
    )


def test_missing_browser_is_a_clear_error_not_a_hang(monkeypatch):
    cold = renderer.WarmBrowser()
    monkeypatch.setenv(renderer.BROWSER_ENV_VAR, "/nonexistent/chromium")
    monkeypatch.setattr(renderer, "DEBIAN_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr(renderer.shutil, "which", lambda name: None)
    with pytest.raises(renderer.ExportError, match="No Chromium found"):
        cold.render(bar_figure(), "png", 100, 100)


def test_exported_images_carry_a_text_alternative():
    # synthetic: a tiny valid image of each kind, with alt text added
    import io as _io

    from PIL import Image
    from pypdf import PdfReader, PdfWriter

    png = _io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(png, format="PNG")
    tagged = Image.open(
        _io.BytesIO(export.with_alt_text(png.getvalue(), "png", "Piped water, 2024", "Kedah — Source: DOSM"))
    )
    assert tagged.info["Title"] == "Piped water, 2024" and "DOSM" in tagged.info["Description"]
    svg = export.with_alt_text(
        b'<svg xmlns="http://www.w3.org/2000/svg" width="4"><g/></svg>', "svg", "A & B", "desc"
    ).decode()
    assert '<svg role="img"' in svg and "<title>A &amp; B</title><desc>desc</desc>" in svg
    writer, pdf = PdfWriter(), _io.BytesIO()
    writer.add_blank_page(10, 10)
    writer.write(pdf)
    reader = PdfReader(_io.BytesIO(export.with_alt_text(pdf.getvalue(), "pdf", "T", "D")))
    assert reader.metadata.title == "T" and reader.metadata.subject == "D"
