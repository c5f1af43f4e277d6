"""Sentences built from data, in either language, shared by the pages, exports and briefing pack.
Pure: no Streamlit (pages pass ui.language())."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from dashboard import figures, i18n
from dashboard.provenance import in_language


def indicator_as_of(entry: Mapping, manifest: Mapping) -> str:
    """Latest data-as-of date among an indicator's sources (from the build manifest), or ''."""
    dates = [str(manifest.get("data_as_of", {}).get(source_id) or "") for source_id in entry["sources"]]
    return max(dates, default="")


def source_line(entry: Mapping, registry: Mapping, manifest: Mapping, lang: str, carried: bool = False) -> str:
    """'Source: … Data as of … Method: …' for one catalogue entry (imported ones: their declared source);
    `carried`: the values shown are seats' estimates from district values, and the method says so."""
    if not entry["sources"]:
        provenance = entry.get("provenance", {})
        return i18n.translate(
            "source_line",
            lang,
            sources=provenance.get("declared_source") or i18n.translate("method_imported", lang),
            as_of=str(provenance.get("imported_at", "—"))[:10],
            method=i18n.translate("method_imported", lang),
        )
    publishers = list(
        dict.fromkeys(
            in_language(registry[source_id], "publisher", lang)
            for source_id in entry["sources"]
            if source_id in registry
        )
    )
    method = i18n.translate(f"method_{entry['method']}", lang)
    if carried:
        method = i18n.translate("method_carried_to_seats", lang, method=method)
    return i18n.translate(
        "source_line",
        lang,
        sources="; ".join(publishers),
        as_of=indicator_as_of(entry, manifest) or "—",
        method=method,
    )


def difference_unit(unit: str, lang: str) -> str:
    """The unit of a difference between two values: points, not percent, for shares ('% of households')."""
    return i18n.translate("percentage_points", lang) if unit.strip().startswith("%") else unit


def gap_sentence(gap: dict, direction: str, fmt: str, unit: str, lang: str, geography: str = "district") -> str:
    """One plain sentence on the rural-urban gap, worded by the indicator's better direction (and
    naming districts or seats)."""
    values = {
        "rural": figures.format_value(gap["rural_mean"], fmt, unit),
        "urban": figures.format_value(gap["urban_mean"], fmt, unit),
        "difference": figures.format_value(abs(gap["difference"]), fmt, difference_unit(unit, lang)),
        "ratio": figures.format_value(gap["ratio"], ".2f"),
    }
    if pd.isna(gap["difference"]):
        return i18n.translate("gap_sentence_missing", lang)
    suffix = "" if geography == "district" else "_seats"
    if direction == "context":
        return i18n.translate("gap_sentence_context" + suffix, lang, **values)
    return i18n.translate(
        ("gap_sentence_behind" if gap["shortfall"] > 0 else "gap_sentence_ahead") + suffix, lang, **values
    )
