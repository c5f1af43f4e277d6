"""Briefing pack: state names, the pure summaries, and one real state pack in Malay through the CLI."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from dashboard import briefing, i18n, targets
from dashboard.scene import briefing as briefing_scene

REPO_ROOT = Path(__file__).resolve().parents[2]
STATES = ["Johor", "Sabah", "Pulau Pinang", "W.P. Kuala Lumpur"]


def run_cli(*arguments: str, data_dir: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    if data_dir is not None:
        env["JURANG_DATA_DIR"] = str(data_dir)
    return subprocess.run([sys.executable, "-m", "dashboard.briefing", *arguments], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)


# --- pure ------------------------------------------------------------------------------------------


def test_domain_scores_by_urban_class_are_population_weighted():
    frame = pd.DataFrame({"urban_class": ["urban", "urban", "rural", "semi_urban"], "population": [300.0, 100.0, 50.0, 10.0],
                          "connectivity": [80.0, 40.0, 30.0, np.nan], "health": [60.0, 60.0, np.nan, 20.0]})
    scores = briefing_scene.domain_class_scores(frame, ["connectivity", "health"])
    assert scores.loc["urban", "connectivity"] == pytest.approx(70.0)  # (300*80 + 100*40) / 400
    assert scores.loc["rural", "connectivity"] == 30.0
    assert np.isnan(scores.loc["semi_urban", "connectivity"]) and np.isnan(scores.loc["rural", "health"]), "missing is not 0"


def test_target_summary_gives_the_scopes_own_status():
    # synthetic evaluation rows for one district-scoped target
    evaluation = pd.DataFrame({
        "level": ["national", "district", "district", "district"],
        "code": [None, "a", "b", "c"],
        "status": [targets.NEEDS_ACCELERATION, targets.ACHIEVED, targets.MOVING_AWAY, targets.MOVING_AWAY],
    })
    assert briefing_scene.target_summary(evaluation, "S", {"b", "c"}, lambda status: status) == "moving_away 2"
    state_level = pd.DataFrame({"level": ["national", "state"], "code": [None, "S"], "status": [targets.ACHIEVED, targets.ON_TRACK]})
    assert briefing_scene.target_summary(state_level, "S", set(), lambda status: status) == "S: on_track"


def test_fonts_come_from_the_system_package():
    paths = briefing.font_paths()
    assert set(paths) == {"", "B"} and all(path.is_file() and path.suffix == ".ttf" for path in paths.values())


# --- command line ----------------------------------------------------------------------------------


def test_cli_rejects_an_unknown_state_with_the_valid_list(built_data_dir, tmp_path):
    out = tmp_path / "pack.pdf"
    result = run_cli("--state", "Atlantis", "--lang", "en", "--out", str(out), data_dir=built_data_dir)
    assert result.returncode != 0
    assert result.returncode == 2 and "unknown state 'Atlantis'" in result.stderr and "Sabah" in result.stderr and "W.P. Labuan" in result.stderr
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
    return run_cli("--state", "sabah", "--lang", "ms", "--out", str(out), "--date", "2026-11-26", data_dir=built_data_dir), out


def _t(key: str, **values) -> str:
    return i18n.translate(key, "ms", **values)


def test_state_pack_builds_with_every_section_in_order(malay_state_pack):
    result, out = malay_state_pack
    assert result.returncode == 0, result.stderr
    assert out.is_file() and "Wrote" in result.stdout
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    pages = [page.extract_text() for page in reader.pages]
    assert 11 <= len(pages) <= 16

    spec = briefing.composite.load_index_spec()
    sections = [_t("brief_section_index"), _t("brief_section_gaps"), *(d.label["ms"] for d in spec.domains),
                _t("brief_section_targets"), _t("brief_section_priorities"), _t("brief_section_methods")]
    bodies = {number: text.split("\n", 1)[1] for number, text in enumerate(pages) if number > 0}  # below the running header
    first_pages = []
    for title in sections:
        found = [number for number, body in bodies.items() if body.startswith(title)]
        assert found, f"no page starts with the section {title!r}"
        first_pages.append(found[0])
    assert first_pages == sorted(first_pages) and len(set(first_pages)) == len(first_pages), "one section after another"
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert outline[0] == _t("brief_cover") and len(outline) == 1 + len(sections)
    assert all(bookmark.startswith(title) for bookmark, title in zip(outline[1:], sections)), "a bookmark for each section"


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
    for malay in ["Halaman 2 daripada", "Indeks akses AI", "luar bandar", "Di mana perlu bertindak dahulu", "Kaedah dan sumber", "Sumber:"]:
        assert malay in text
    for english in ["Where to act first", "Methods and sources", "Page 2 of", "Prepared 2026"]:
        assert english not in text, f"English left in the Malay pack: {english!r}"
    index_page = reader.pages[1].extract_text()
    assert _t("index_unit") in index_page, "the kaleido index map (its legend title) is placed on the page"
    from dashboard import scene

    ranking = scene.build(dataset, "index", "state=Sabah").table("ranking")
    lowest = ranking.nsmallest(1, "index")["district"].iloc[0]
    priorities_page = next(page.extract_text() for page in reader.pages if page.extract_text().split("\n", 1)[1].startswith(_t("brief_section_priorities")))
    assert lowest in priorities_page and _t("brief_reason_lowest_index") in priorities_page, "the lowest-index district of Sabah is listed with its reason"
    assert "Department of Statistics Malaysia (DOSM)" in text and "CC BY 4.0" in text, "sources with publisher and licence"
    assert reader.metadata.title.endswith("Sabah")


def test_targets_page_lists_every_target_with_its_numbers(dataset):
    from dashboard import scene

    brief = briefing.Brief(scene.build(dataset, "briefing", "state=Perlis"), dataset, briefing.date(2026, 11, 30))
    pdf = briefing._new_pdf(brief)
    briefing.targets_page(pdf, brief)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(bytes(pdf.output()))).pages).replace("\n", " ")
    table = brief.scene.table("targets")
    for row in table.itertuples(index=False):
        assert row.target[:30] in text and str(row.deadline) in text
    assert i18n.translate("status_not_measurable", "en") in text  # listed, never dropped
    assert i18n.translate("brief_col_malaysia_latest", "en") in text and i18n.translate("brief_col_threshold", "en") in text


def test_every_status_symbol_prints_in_the_pack_font():
    from fontTools.ttLib import TTFont

    glyphs = TTFont(str(briefing.font_paths()[""])).getBestCmap()
    missing = {status: symbol for status, (_, symbol) in targets.STATUS_STYLE.items() if any(ord(ch) not in glyphs for ch in symbol)}
    assert not missing, f"status symbols the PDF font cannot draw: {missing}"
