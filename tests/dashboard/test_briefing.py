"""Briefing pack: state names, the pure summaries, and one real state pack in Malay through the CLI."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from dashboard import briefing, i18n, pdf_document, targets
from dashboard.scene import briefing as briefing_scene

REPO_ROOT = Path(__file__).resolve().parents[2]
STATES = ["Johor", "Sabah", "Pulau Pinang", "W.P. Kuala Lumpur"]


def run_cli(*arguments: str, data_dir: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    if data_dir is not None:
        env["JURANG_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "dashboard.briefing", *arguments],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


# --- pure ------------------------------------------------------------------------------------------


def test_domain_scores_by_urban_class_are_population_weighted():
    frame = pd.DataFrame(
        {
            "urban_class": ["urban", "urban", "rural", "semi_urban"],
            "population": [300.0, 100.0, 50.0, 10.0],
            "connectivity": [80.0, 40.0, 30.0, np.nan],
            "health": [60.0, 60.0, np.nan, 20.0],
        }
    )
    scores = briefing_scene.domain_class_scores(frame, ["connectivity", "health"])
    assert scores.loc["urban", "connectivity"] == pytest.approx(70.0)  # (300*80 + 100*40) / 400
    assert scores.loc["rural", "connectivity"] == 30.0
    assert np.isnan(scores.loc["semi_urban", "connectivity"]) and np.isnan(scores.loc["rural", "health"]), (
        "missing is not 0"
    )


def test_target_summary_gives_the_scopes_own_status():
    # synthetic evaluation rows for one district-scoped target
    evaluation = pd.DataFrame(
        {
            "level": ["national", "district", "district", "district"],
            "code": [None, "a", "b", "c"],
            "status": [targets.NEEDS_ACCELERATION, targets.ACHIEVED, targets.MOVING_AWAY, targets.MOVING_AWAY],
        }
    )
    assert briefing_scene.target_summary(evaluation, "S", {"b", "c"}, lambda status: status) == "moving_away 2"
    state_level = pd.DataFrame(
        {"level": ["national", "state"], "code": [None, "S"], "status": [targets.ACHIEVED, targets.ON_TRACK]}
    )
    assert briefing_scene.target_summary(state_level, "S", set(), lambda status: status) == "S: on_track"


def test_fonts_come_from_the_system_package():
    paths = pdf_document.font_paths()
    assert set(paths) == {"", "B"} and all(path.is_file() and path.suffix == ".ttf" for path in paths.values())


def test_plan_rows_keeps_rows_with_their_note_and_never_carries_one_alone():
    plan = pdf_document.plan_rows
    assert plan([5.0] * 10, 6, 100, tail=10) == [10], "fits: one page"
    assert plan([10.0] * 13, 6, 130, tail=10) == [10, 3], "12 rows fit, the note does not: 3 rows go with it"
    assert plan([10.0] * 13, 6, 30, tail=10) == [0, 13], "2 rows at a page's foot: the table starts on the next"
    assert plan([10.0] * 2, 6, 10) == [0, 2], "a short table moves whole"
    assert plan([10.0] * 40, 6, 100, tail=10) == [9, 17, 14], "as many rows as fit on each page"
    assert plan([], 6, 50) == [0], "the header alone"
    assert plan([100.0] * 3, 6, pdf_document.PAGE_ROOM, fresh=True) == [3], "rows taller than a page run on"


def _bare_pdf():
    """An A4 landscape page with the pack's fonts and margins (no running header)."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    for style, path in pdf_document.font_paths().items():
        pdf.add_font(pdf_document.FONT_FAMILY, style, str(path))
    pdf.set_margins(pdf_document.MARGIN, 16, pdf_document.MARGIN)
    pdf.set_auto_page_break(True, margin=14)
    pdf.add_page()
    return pdf


def test_measured_row_heights_are_the_heights_fpdf_draws():
    pdf = _bare_pdf()
    words = "RMK12 / JENDELA Fasa 2: 4G di 100 % kawasan berpenduduk, termasuk luar bandar dan pedalaman "
    table = [["Sasaran", "Ambang", "Status"], *[[words * n, f">= {n}00 %", "not met; no trend yet"] for n in (1, 2, 3)]]
    for spacing in (pdf_document.SPACING, pdf_document.TIGHT_SPACING):
        for wrap_chars in (False, True):
            heights = pdf_document._row_heights(pdf, table, (120, 40, 109), 7.5, spacing, wrap_chars)
            pdf.add_page()
            top = pdf.get_y()
            pdf_document._draw_table(pdf, table, (120, 40, 109), 7.5, spacing, wrap_chars)
            assert pdf.get_y() - top == pytest.approx(sum(heights)), (spacing, wrap_chars)


def test_a_table_that_misses_its_page_continues_under_its_header_with_its_note():
    pdf = _bare_pdf()
    pdf.set_y(pdf_document.PAGE_BOTTOM - 60)  # 60 mm left: 8 of the 12 rows fit
    rows = [[f"row {n}", "a value"] for n in range(12)]
    pdf_document.table_rows(pdf, ["Name", "Value"], rows, (100, 169), size=9, note="The note under the table.")
    first, second = (page.extract_text() for page in PdfReader(io.BytesIO(bytes(pdf.output()))).pages)
    assert re.findall(r"row (\d+)", first) == [str(n) for n in range(8)] and "note" not in first
    assert second.startswith("Name") and re.findall(r"row (\d+)", second) == ["8", "9", "10", "11"], "header repeated"
    assert second.rstrip().endswith("The note under the table.")


def test_each_domain_pages_heading_and_class_means_are_the_scenes(dataset):
    """Issue #18: the layout only lays the domain page out; its sentences are the briefing scene's."""
    import inspect

    from dashboard import data, figures, scene

    built = scene.build(dataset, "briefing", "state=Perlis")
    shown = [domain for domain in data.index_spec().domains if f"domain_{domain.id}" in built.tables]
    assert shown
    for domain in shown:
        entry = data.catalogue()[built.tables[f"domain_{domain.id}"].indicators[0]]
        means = built.tables[f"domain_{domain.id}_means"].frame.set_index("urban_class")["mean"]
        sentence = built.sentences[f"domain_{domain.id}_class_means"]
        for urban_class in ("urban", "semi_urban", "rural"):
            mean = figures.format_value(
                means[urban_class], entry["format"], entry["unit"]["en"], i18n.translate("no_data").lower()
            )
            assert mean in sentence, (domain.id, urban_class)
        assert entry["label"]["en"] in built.sentences[f"domain_{domain.id}_heading"]
    assert "brief_class_means" not in inspect.getsource(briefing), "no sentence assembled in the layout"


def test_the_targets_table_and_the_outlook_read_one_evaluation(dataset, monkeypatch):
    from dashboard import scene
    from dashboard.scene import common

    evaluate, calls = common.target_evaluations, []

    def counted(dataset, districts=None):
        calls.append(districts)
        return evaluate(dataset, districts)

    monkeypatch.setattr(common, "target_evaluations", counted)
    briefing_scene.build(dataset, scene.parse_for(dataset, "briefing", "state=Perlis").selection)
    perlis = set(dataset.districts.loc[dataset.districts["state"] == "Perlis", "code_state_district"])
    assert [districts for districts in calls if districts is not None and set(districts) == perlis] == [perlis]


# --- command line ----------------------------------------------------------------------------------


def test_cli_rejects_an_unknown_state_with_the_valid_list(built_data_dir, tmp_path):
    out = tmp_path / "pack.pdf"
    result = run_cli("--state", "Atlantis", "--lang", "en", "--out", str(out), data_dir=built_data_dir)
    assert result.returncode != 0
    assert (
        result.returncode == 2
        and "unknown state 'Atlantis'" in result.stderr
        and "Sabah" in result.stderr
        and "W.P. Labuan" in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_cli_rejects_an_unknown_language():
    result = run_cli("--lang", "fr")
    assert result.returncode != 0 and "invalid choice" in result.stderr


def test_cli_without_built_data_says_how_to_build(tmp_path):
    result = run_cli("--state", "Sabah", "--out", str(tmp_path / "p.pdf"), data_dir=tmp_path / "empty")
    assert result.returncode == 1 and "python -m etl build" in result.stderr and "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def malay_state_pack(built_data_dir, tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path_factory.mktemp("briefing") / "sabah_ms.pdf"
    return run_cli(
        "--state", "sabah", "--lang", "ms", "--out", str(out), "--date", "2026-11-26", data_dir=built_data_dir
    ), out


def _t(key: str, **values) -> str:
    return i18n.translate(key, "ms", **values)


def test_state_pack_builds_with_every_section_in_order(malay_state_pack):
    result, out = malay_state_pack
    assert result.returncode == 0, result.stderr
    assert out.is_file() and "Wrote" in result.stdout
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    pages = [page.extract_text() for page in reader.pages]
    assert 12 <= len(pages) <= 18

    spec = briefing.composite.load_index_spec()
    sections = [
        _t("brief_section_index"),
        _t("brief_section_gaps"),
        *(d.label["ms"] for d in spec.domains),
        _t("brief_section_targets"),
        _t("brief_section_outlook"),
        _t("brief_section_priorities"),
        _t("brief_section_methods"),
    ]
    bodies = {
        number: text.split("\n", 1)[1] for number, text in enumerate(pages) if number > 0
    }  # below the running header
    first_pages = []
    for title in sections:
        found = [number for number, body in bodies.items() if body.startswith(title)]
        assert found, f"no page starts with the section {title!r}"
        first_pages.append(found[0])
    assert first_pages == sorted(first_pages) and len(set(first_pages)) == len(first_pages), "one section after another"
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert outline[0] == _t("brief_cover") and len(outline) == 1 + len(sections)
    assert all(bookmark.startswith(title) for bookmark, title in zip(outline[1:], sections)), (
        "a bookmark for each section"
    )


def test_state_pack_cover_names_scope_date_and_data_as_of(malay_state_pack):
    _, out = malay_state_pack
    cover = PdfReader(io.BytesIO(out.read_bytes())).pages[0].extract_text()
    assert _t("brief_title") in cover
    assert _t("brief_scope_state", state="Sabah", districts=27) in cover
    assert _t("brief_generated", date="2026-11-26") in cover
    assert "Data setakat" in cover


def test_state_pack_is_in_malay_with_charts_and_sources(malay_state_pack, dataset):
    _, out = malay_state_pack
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for malay in [
        "Halaman 2 daripada",
        "Indeks akses AI",
        "luar bandar",
        "Di mana perlu bertindak dahulu",
        "Kaedah dan sumber",
        "Sumber:",
    ]:
        assert malay in text
    for english in ["Where to act first", "Methods and sources", "Page 2 of", "Prepared 2026"]:
        assert english not in text, f"English left in the Malay pack: {english!r}"
    index_page = reader.pages[1].extract_text()
    assert _t("index_unit") in index_page, "the kaleido index map (its legend title) is placed on the page"
    from dashboard import scene

    ranking = scene.build(dataset, "index", "state=Sabah").table("ranking")
    lowest = ranking.nsmallest(1, "index")["district"].iloc[0]
    priorities_page = next(
        page.extract_text()
        for page in reader.pages
        if page.extract_text().split("\n", 1)[1].startswith(_t("brief_section_priorities"))
    )
    assert lowest in priorities_page and _t("brief_reason_lowest_index") in priorities_page, (
        "the lowest-index district of Sabah is listed with its reason"
    )
    assert "Department of Statistics Malaysia (DOSM)" in text and "CC BY 4.0" in text, (
        "sources with publisher and licence"
    )
    assert reader.metadata.title.endswith("Sabah")


@pytest.mark.slow  # lays out a whole pack
def test_targets_page_lists_every_target_with_its_numbers(dataset):
    from dashboard import scene

    brief = pdf_document.Brief(scene.build(dataset, "briefing", "state=Perlis"), dataset, briefing.date(2026, 11, 30))
    pdf = pdf_document.new_pdf(brief)
    briefing.targets_page(pdf, brief)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(bytes(pdf.output()))).pages).replace(
        "\n", " "
    )
    table = brief.scene.table("targets")
    for row in table.itertuples(index=False):
        assert row.target[:30] in text and str(row.deadline) in text
    assert i18n.translate("status_not_measurable", "en") in text  # listed, never dropped
    assert (
        i18n.translate("brief_col_malaysia_latest", "en") in text
        and i18n.translate("brief_col_threshold", "en") in text
    )


def test_every_status_symbol_prints_in_the_pack_font():
    from fontTools.ttLib import TTFont

    glyphs = TTFont(str(pdf_document.font_paths()[""])).getBestCmap()
    missing = {
        status: symbol
        for status, (_, symbol) in targets.STATUS_STYLE.items()
        if any(ord(ch) not in glyphs for ch in symbol)
    }
    assert not missing, f"status symbols the PDF font cannot draw: {missing}"


# --- the scenario annex ----------------------------------------------------------------------------

# moves the index (basic amenities) and is costed
SCENARIO = "piped_water_hh_pct:95:lowest_rural_15;cost=piped_water_hh_pct:800"


def test_rank_with_interval_reads_rank_then_its_interval():
    assert briefing_scene.rank_with_interval(12.0, 8.0, 15.0) == "12 (8–15)"
    assert briefing_scene.rank_with_interval(3.0, np.nan, np.nan) == "3"
    assert briefing_scene.rank_with_interval(pd.NA, 1.0, 2.0) == "—", "unranked is no data, never 0"


@pytest.mark.slow  # lays out a whole pack with its annex
def test_the_scenario_annex_carries_the_plan_scenes_cost_and_rank_intervals(dataset):
    from dashboard import scene

    brief = pdf_document.Brief(
        scene.build(dataset, "briefing", f"state=Perlis&scenario={SCENARIO}"), dataset, briefing.date(2026, 11, 30)
    )
    plan = scene.build(dataset, "plan", f"scenario={SCENARIO}")
    pdf = pdf_document.new_pdf(brief)
    briefing.scenario_annex(pdf, brief)  # layout only: the chart slot is reserved, not rendered
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(bytes(pdf.output()))).pages)
    assert text.count(i18n.translate("brief_section_scenario", "en")) >= 3, (
        "the heading, and every annex page's running header"
    )
    total = plan.table("summary")["cost_rm"].sum()
    assert total > 0 and f"RM{total:,.0f}" in text, "the plan scene's total cost, as the Plan page says it"
    assert "RM800" not in text and "800" in text and i18n.translate("plan_cost_user", "en") in text, (
        "the unit cost and where it comes from"
    )
    assert i18n.translate("plan_cost_average", "en", sites="", citation="")[:40] in text, (
        "the cited MCMC average is labelled an average"
    )
    changed = brief.scene.table("scenario_index")
    assert len(changed) and changed["rank_before_text"].str.fullmatch(r"\d+ \(\d+–\d+\)").all()
    assert changed.iloc[0]["rank_before_text"] in text and changed.iloc[0]["rank_after_text"] in text
    assert [slot.figure.layout.title.text for slot in brief.slots] == [plan.figure("gaps").layout.title.text], (
        "one chart, titled as a scenario"
    )
    assert any(row["publisher"].startswith("MCMC") for row in brief.scene.sources), (
        "the cited allocation joins the pack's sources"
    )


def test_a_pack_without_a_scenario_has_no_annex(malay_state_pack, dataset):
    from dashboard import scene

    _, out = malay_state_pack
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(out.read_bytes())).pages)
    assert _t("brief_section_scenario") not in text and "Senario" not in text
    assert not any(name.startswith("scenario") for name in scene.build(dataset, "briefing", "state=Perlis").tables)


def test_the_pack_states_the_one_agricultural_district_rule(malay_state_pack):
    """Issue #20: the pack words the rule of dashboard.priorities (as the methods page), never an older one."""
    from dashboard import priorities

    _, out = malay_state_pack
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(out.read_bytes())).pages)
    assert "suku teratas" not in text and "top quarter" not in text
    assert (
        f"{priorities.AGRI_SHARE_MIN_PCT:g} % pertubuhan" in text
        and f"{priorities.CROP_HA_PER_1K_RURAL_MIN:g} ha tanaman" in text
    )


def test_the_outlook_page_prints_each_targets_outlook_and_the_fan(malay_state_pack, dataset):
    from dashboard import scene

    _, out = malay_state_pack
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(out.read_bytes())).pages]
    start = next(
        number for number, text in enumerate(pages) if text.split("\n", 1)[1].startswith(_t("brief_section_outlook"))
    )
    printed = " ".join(" ".join(text.split()) for text in pages[start : start + 2])
    expected = scene.build(dataset, "briefing", "state=Sabah&lang=ms").table("targets_outlook")
    assert {"Malaysia", "Sabah"} <= set(expected["geography"])
    for sentence in expected["outlook_text"]:
        assert " ".join(sentence.split())[:40] in printed, sentence
    assert _t("outlook_fan_title", target="")[:15] in printed, "the fan chart's title is printed above it"


@pytest.mark.slow
def test_the_cli_pack_with_a_scenario_ends_with_the_annex(built_data_dir, dataset, tmp_path):
    from dashboard import scene

    out = tmp_path / "sabah_scenario.pdf"
    result = run_cli(
        f"state=Sabah&scenario={SCENARIO}", "--out", str(out), "--date", "2026-11-30", data_dir=built_data_dir
    )
    assert result.returncode == 0, result.stderr
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    heading = i18n.translate("brief_section_scenario", "en")
    annex = [
        number for number, page in enumerate(reader.pages) if page.extract_text().split("\n", 1)[-1].startswith(heading)
    ]
    assert annex and annex[0] > 10, "the annex comes after the pack's own sections"
    assert heading in reader.pages[0].extract_text(), "listed in the contents"
    assert [item.title for item in reader.outline if not isinstance(item, list)][-1] == heading
    total = scene.build(dataset, "plan", f"scenario={SCENARIO}").table("summary")["cost_rm"].sum()
    assert f"RM{total:,.0f}" in "\n".join(page.extract_text() for page in reader.pages[annex[0] :])
    assert i18n.translate("plan_gap_chart_title", "en") in "\n".join(
        page.extract_text() for page in reader.pages[annex[0] :]
    ), "the scenario chart is placed"
