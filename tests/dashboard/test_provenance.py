"""Sources in the reader's language: the registry's Malay versions of Jurang's own wording (publisher
prose, licence, attribution) reach Malay rows, exports and scenes; official titles and names stay
as published, and English readers see the registry as written."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest

from dashboard import export, provenance
from etl.registry import SourceFile, load_registry, parse_registry

ENGLISH_PROSE = "see each row's source link"  # Jurang's own licence wording, never in Malay output
ENTRY = {
    "id": "pub_example",
    "source": "published_figures",
    "file": "example.csv",
    "title": "Example headline figures, transcribed",
    "publisher": "Compiled from releases (each row cites its own source)",
    "publisher_ms": "Dihimpun daripada terbitan (setiap baris memetik sumbernya sendiri)",
    "licence": "Numbers with citations; see each row's source link",
    "licence_ms": "Angka dengan petikan; lihat pautan sumber setiap baris",
    "attribution": "Source: MCMC, as reported (see each row's source link)",
    "attribution_ms": "Sumber: MCMC, seperti yang dilaporkan (lihat pautan sumber setiap baris)",
    "url": None,
    "official_page": None,
    "sha256": "ab" * 32,
    "as_of": "2024-01-01",
}
NAMED = {  # a licence that is a name, and no Malay given: the same in both languages
    **{key: value for key, value in ENTRY.items() if not key.endswith("_ms")},
    "id": "dosm_example",
    "licence": "CC BY 4.0",
}


@pytest.mark.parametrize("as_registry", [False, True], ids=["dict", "SourceFile"])
def test_source_rows_give_the_malay_wording_in_malay_and_the_english_otherwise(as_registry):
    entries = list(parse_registry({"files": [ENTRY, NAMED]}).values()) if as_registry else [ENTRY, NAMED]
    malay, english, default = (
        provenance.source_rows(entries, lang="ms"),
        provenance.source_rows(entries, lang="en"),
        provenance.source_rows(entries),
    )
    assert malay[0]["licence"] == ENTRY["licence_ms"] and malay[0]["attribution"] == ENTRY["attribution_ms"]
    assert malay[0]["publisher"] == ENTRY["publisher_ms"]
    assert english[0]["licence"] == ENTRY["licence"] and english[0]["attribution"] == ENTRY["attribution"]
    assert default == english, "callers without a language keep the English"
    assert malay[0]["title"] == english[0]["title"] == ENTRY["title"], "titles stay as published"
    assert malay[1]["licence"] == english[1]["licence"] == "CC BY 4.0", "no Malay given: the field as registered"
    assert ENGLISH_PROSE not in json.dumps(malay[0])


def test_the_malay_xlsx_sources_sheet_has_the_malay_licence_and_attribution():
    workbook = openpyxl.load_workbook(
        io.BytesIO(export.table_xlsx(export.pd.DataFrame({"a": [1]}), [ENTRY], [], lang="ms"))
    )
    cells = [str(cell) for row in workbook["Sumber"].iter_rows(values_only=True) for cell in row if cell is not None]
    assert ENTRY["licence_ms"] in cells and ENTRY["attribution_ms"] in cells
    assert not [cell for cell in cells if ENGLISH_PROSE in cell]


def test_the_registry_keeps_its_checksums_and_refuses_unknown_or_empty_malay_fields():
    entry = parse_registry({"files": [ENTRY]})["pub_example"]
    assert isinstance(entry, SourceFile) and entry.sha256 == ENTRY["sha256"] and entry.licence_ms == ENTRY["licence_ms"]
    with pytest.raises(ValueError, match="unknown key"):
        parse_registry({"files": [{**ENTRY, "licence_my": "Angka"}]})  # a misspelt language suffix
    with pytest.raises(ValueError, match="attribution_ms must be non-empty"):
        parse_registry({"files": [{**ENTRY, "attribution_ms": " "}]})
    with pytest.raises(ValueError, match="licence_ms given without licence"):
        parse_registry({"files": [{**ENTRY, "licence": None}]})


def test_every_registry_entry_in_jurangs_own_wording_has_its_malay():
    """Jurang's prose ('Source: …', '… source link', 'Compiled from …') is given in Malay; licence
    names (CC BY 4.0, DOSM Open Data Licence) and Ookla's prescribed attribution stay as they are."""
    missing = [
        (entry.id, field)
        for entry in load_registry().values()
        for field, marks in (
            ("licence", (ENGLISH_PROSE, "(package)", "confirm before")),
            ("attribution", ("Source: ",)),
            ("publisher", ("Compiled from",)),
        )
        if any(mark in getattr(entry, field) for mark in marks) and not getattr(entry, f"{field}_ms")
    ]
    assert not missing


@pytest.mark.parametrize(
    "page", ["map", "connectivity", "targets", "sources", pytest.param("briefing", marks=pytest.mark.slow)]
)
def test_a_malay_scene_names_its_sources_in_malay(dataset, page):
    """Each scene cites a transcribed source (licence 'Numbers with citations; see each row's source link')."""
    from dashboard import scene

    query = {"map": "indicator=internet_hh_pct", "targets": "target=rmk12_internet_every_district"}.get(
        page, "state=Sabah"
    )
    english, malay = (
        json.dumps(scene.build(dataset, page, f"{query}&lang={lang}").as_json(), default=str, ensure_ascii=False)
        for lang in ("en", "ms")
    )
    assert ENGLISH_PROSE in english
    assert ENGLISH_PROSE not in malay
