"""Both languages complete: every key in one locale exists in the other, and every label the app
builds from data (domains, urban classes, methods) has a string in both."""

from __future__ import annotations

import collections
import re

import pytest

from dashboard import composite, i18n
from etl.catalogue import load_catalogue


def test_english_and_malay_have_the_same_keys():
    english, malay = set(i18n.strings("en")), set(i18n.strings("ms"))
    assert sorted(english - malay) == [], "missing in ms.yaml"
    assert sorted(malay - english) == [], "missing in en.yaml"


@pytest.mark.parametrize("language", sorted(i18n.LANGUAGES))
def test_placeholders_match_between_languages(language):
    placeholder = re.compile(r"{(\w+)}")
    for key, text in i18n.strings("en").items():
        assert set(placeholder.findall(str(i18n.strings(language)[key]))) == set(placeholder.findall(str(text))), key


@pytest.mark.parametrize("language", sorted(i18n.LANGUAGES))
def test_every_data_driven_label_has_a_string(language):
    strings = i18n.strings(language)
    catalogue = load_catalogue()
    needed = {f"domain_{entry['domain']}" for entry in catalogue.values()}
    needed |= {f"method_{entry['method']}" for entry in catalogue.values()}
    needed |= {f"class_{c}" for c in ("urban", "semi_urban", "rural")}
    assert sorted(needed - set(strings)) == []
    for entry in catalogue.values():
        assert entry["label"][language] and entry["unit"][language] and entry["definition"][language], entry["id"]
    for domain in composite.load_index_spec().domains:
        assert domain.label[language], domain.id


@pytest.mark.parametrize("language", ["en", "ms"])
def test_no_key_is_defined_twice(language):
    """YAML keeps the last of two equal keys silently; a second definition would hide the first."""
    text = (i18n.LOCALES_DIR / f"{language}.yaml").read_text(encoding="utf-8")
    keys = re.findall(r"^([A-Za-z0-9_]+):", text, flags=re.M)
    assert not [key for key, count in collections.Counter(keys).items() if count > 1]
