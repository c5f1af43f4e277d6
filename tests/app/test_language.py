"""Everything a person reads is in their language and in words: each page rendered in Malay shows
no English interface label, and no page shows a raw snake_case id where a label belongs."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import helpers_data
from dashboard import i18n, navigation

PAGES = [f"views/{spec.file}" for spec in navigation.PAGES]
SNAKE_ID = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
# Where an id is the thing shown on purpose: the registry id column of the sources table, file paths.
ID_COLUMNS = {"id"}
# File paths and file names (a raw file's name is its identifier, e.g. 'moe_school_list_points/school.json').
CODE_SPAN = re.compile(r"`[^`]+`")
FILE_PATH = re.compile(r"\S*/\S*|\S+\.(?:csv|parquet|geojson|json|yaml|xlsx)\b")


def english_only_labels() -> set[str]:
    """Interface phrases whose Malay differs: short labels (2–6 words), no placeholders."""
    english, malay = i18n.strings("en"), i18n.strings("ms")
    return {
        text.strip()
        for key, text in english.items()
        if isinstance(text, str)
        and malay.get(key) not in (None, text)
        and "{" not in text
        and 2 <= len(text.split()) <= 6
        and len(text) >= 10
    }


def rendered(at: AppTest) -> tuple[list[str], list[str]]:
    """(labels and prose a person reads, table cells) of a rendered page."""
    labels: list[str] = []
    cells: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success", "text"):
        labels += [str(element.value) for element in getattr(at, kind)]
    for kind in (
        "metric",
        "selectbox",
        "multiselect",
        "radio",
        "slider",
        "button",
        "checkbox",
        "text_input",
        "number_input",
    ):
        for element in getattr(at, kind):
            labels.append(str(element.label))
            if kind == "metric":
                labels.append(str(element.value))
    for kind in ("selectbox", "multiselect", "radio"):
        for element in getattr(at, kind):
            labels += [str(option) for option in element.options]
    for frame in at.dataframe:
        table = frame.value
        labels += [str(column) for column in table.columns]
        for column in table.columns:
            # words are object or string columns (pandas 3 reads text as the "str" dtype, not object)
            if str(column) not in ID_COLUMNS and (
                pd.api.types.is_object_dtype(table[column]) or pd.api.types.is_string_dtype(table[column])
            ):
                cells += [str(value) for value in table[column].head(60)]
    return labels, cells


@pytest.fixture(scope="module")
def malay_pages(built_data_dir) -> dict[str, tuple[list[str], list[str]]]:
    pages = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(helpers_data.DATA_DIR_ENV_VAR, str(built_data_dir))
        for page in PAGES:
            at = AppTest.from_file(str(helpers_data.APP_SCRIPT), default_timeout=120)
            at.query_params["lang"] = "ms"
            at.query_params["state"] = "Sabah"
            at.switch_page(page)
            at.run()
            assert not at.exception, (page, [item.message for item in at.exception])
            pages[page] = rendered(at)
    return pages


@pytest.mark.parametrize("page", PAGES)
def test_no_english_label_left_on_a_malay_page(malay_pages, page):
    labels, cells = malay_pages[page]
    text = "\n".join(labels + cells)
    left = sorted(phrase for phrase in english_only_labels() if phrase in text)
    assert not left, f"English left on {page} in Malay: {left}"


def registry_english() -> set[str]:
    """The registry's own English wording that has a Malay version (e.g. the licence 'Numbers with
    citations; see each row's source link'); official titles and names have none and stay as published."""
    from etl.registry import TRANSLATED, load_registry

    return {
        getattr(entry, english)
        for entry in load_registry().values()
        for malay, english in TRANSLATED.items()
        if getattr(entry, malay)
    }


@pytest.mark.parametrize("page", PAGES)
def test_no_english_source_wording_left_on_a_malay_page(malay_pages, page):
    labels, cells = malay_pages[page]
    text = "\n".join(labels + cells)
    left = sorted(phrase for phrase in registry_english() | {"see each row's source link"} if phrase in text)
    assert not left, f"English source wording on {page} in Malay: {left}"


@pytest.mark.parametrize("page", PAGES)
def test_no_raw_id_shown_as_a_label(malay_pages, page):
    labels, cells = malay_pages[page]
    # a `code span` names a source's own column or file on purpose (e.g. which census column holds a count)
    shown = sorted(
        {
            match
            for text in labels + cells
            for match in SNAKE_ID.findall(FILE_PATH.sub(" ", CODE_SPAN.sub(" ", text)))
            if not text.startswith(("http", "/", "data/", "python ")) and "." not in match
        }
    )
    assert not shown, f"raw ids on {page}: {shown}"


def test_a_session_without_a_language_falls_back_to_the_default(real_data, harness_language):
    """The language switch once came back empty (a page change in the middle of a run, on a loaded
    server): every later run failed on 'locales/None.yaml'. Now the switch cannot be emptied and an
    unknown value reads as the default language."""
    at = AppTest.from_file(str(helpers_data.APP_SCRIPT), default_timeout=120)
    harness_language["at"] = at
    at.switch_page("views/sources.py")
    at.run()
    at.session_state["lang"] = None
    at.run()
    assert not at.exception, [item.message for item in at.exception]
    assert at.title[0].value == i18n.translate("sources_title", "en")
    assert at.query_params["lang"] == i18n.DEFAULT_LANGUAGE
