"""Interface strings in English and Bahasa Malaysia, kept in locales/<lang>.yaml (not in page code)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES = {"en": "English", "ms": "Bahasa Malaysia"}
DEFAULT_LANGUAGE = "en"


@lru_cache(maxsize=len(LANGUAGES))
def strings(language: str) -> dict[str, str]:
    with open(LOCALES_DIR / f"{language}.yaml", encoding="utf-8") as handle:
        return yaml.load(
            handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        )  # libyaml's safe loader when built in: ~10x faster, same strings


def translate(key: str, language: str = DEFAULT_LANGUAGE, **values) -> str:
    """The string for key in language (falling back to English), with {placeholders} filled."""
    text = strings(language).get(key) or strings(DEFAULT_LANGUAGE)[key]
    return text.format(**values) if values else text
