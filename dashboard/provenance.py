"""Where numbers come from, as rows: sources (publisher, licence, as-of, URL) and indicator
definitions. Pure; shared by exports, the briefing pack and scenes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from dashboard import i18n


def _field(entry, name: str):
    return entry.get(name) if isinstance(entry, Mapping) else getattr(entry, name, None)


def in_language(entry, name: str, lang: str):
    """A registry field in lang: its Malay version (e.g. `licence_ms`, Jurang's own wording) when lang
    is "ms" and the entry has one, else the field as registered (names and titles stay as published)."""
    return (lang == "ms" and _field(entry, f"{name}_ms")) or _field(entry, name)


def source_rows(sources: Iterable, manifest: Mapping | None = None, lang: str = i18n.DEFAULT_LANGUAGE) -> list[dict]:
    """One dict per source (registry SourceFile entries or dicts): id, title, publisher, licence,
    attribution (publisher, licence and attribution in lang where the registry words them), as_of
    (the build manifest's date first, else the registry's) and url."""
    as_of_built = (manifest or {}).get("data_as_of", {})
    rows = []
    for entry in sources:
        source_id = _field(entry, "id")
        rows.append(
            {
                "id": source_id,
                "title": _field(entry, "title") or "",
                "publisher": in_language(entry, "publisher", lang) or "",
                "licence": in_language(entry, "licence", lang) or "",
                "attribution": in_language(entry, "attribution", lang) or "",
                "as_of": str(as_of_built.get(source_id) or _field(entry, "as_of") or ""),
                "url": _field(entry, "url") or _field(entry, "official_page") or "",
            }
        )
    return rows


def definition_rows(indicator_ids: Iterable[str], catalogue: Mapping[str, Mapping], lang: str) -> list[dict]:
    """One dict per indicator: id, label, unit, method, definition, sources (in lang)."""
    rows = []
    for indicator_id in indicator_ids:
        entry = catalogue[indicator_id]
        rows.append(
            {
                "id": indicator_id,
                "label": entry["label"][lang],
                "unit": entry["unit"][lang],
                "method": i18n.translate(f"method_{entry['method']}", lang),
                "definition": " ".join(str(entry["definition"][lang]).split()),
                "sources": ", ".join(entry["sources"]),
            }
        )
    return rows


def sources_for(indicator_ids: Iterable[str], catalogue: Mapping[str, Mapping], registry: Mapping) -> list:
    """Registry entries cited by these indicators, in registry order."""
    cited = {source_id for indicator_id in indicator_ids for source_id in catalogue[indicator_id]["sources"]}
    return [entry for source_id, entry in registry.items() if source_id in cited]
