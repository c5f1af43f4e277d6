"""Words for published figures (data/reference/published_indicators.yaml): the label of each
published indicator id, the unit its values are in, and how confident the transcription is —
so no page shows a published id or an untranslated unit. Pure: the labels come from dashboard.data."""

from __future__ import annotations

import pandas as pd

from dashboard import data, figures
from dashboard.scene.base import Words

CONFIDENCE_LEVELS = ("high", "medium", "low")


def indicator_labels(ids, lang: str) -> dict[str, str]:
    """Published id -> its label (an id without an entry reads as words: underscores become spaces)."""
    entries = data.published_labels()["indicators"]
    return {
        i: entries[i]["label"][lang] if i in entries else str(i).replace("_", " ")
        for i in pd.unique(pd.Series(list(ids), dtype=object))
        if isinstance(i, str)
    }


def unit_text(indicator: str, published_unit, lang: str) -> str:
    """The unit a published value is in: the published unit text's own wording where it differs
    from the indicator's usual unit (e.g. millions), else the indicator's unit."""
    labels = data.published_labels()
    if isinstance(published_unit, str) and published_unit in labels["units"]:
        return labels["units"][published_unit][lang]
    entry = labels["indicators"].get(indicator)
    if entry:
        return entry["unit"][lang]
    return published_unit if isinstance(published_unit, str) else ""


def value_format(indicator: str, published_unit) -> str:
    """Number format of a published value: whole numbers for counts, one decimal for rates."""
    unit = unit_text(indicator, published_unit, "en")
    return ".1f" if unit.startswith(("%", "per ", "subscriptions per", "million")) else ",.0f"


def confidence_labels(words: Words) -> dict[str, str]:
    return {level: words.t("confidence_" + level) for level in CONFIDENCE_LEVELS}


def formatted_values(
    frame: pd.DataFrame, words: Words, value: str = "value", indicator: str = "indicator", unit: str = "unit"
) -> pd.Series:
    """Each published value as a person reads it: separators, a sensible precision, no float noise."""
    return pd.Series(
        [
            figures.format_value(v, value_format(i, u), no_data=words.no_data)
            for v, i, u in zip(frame[value], frame[indicator], frame[unit])
        ],
        index=frame.index,
        dtype=object,
    )
