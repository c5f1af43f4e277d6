"""Data & sources scene: every registered source with its verified checksum and next release, the
build's row accounts and quality notes (structured records, etl/contract.py), and the methods."""

from __future__ import annotations

import re

import pandas as pd

from dashboard import data, i18n, provenance
from dashboard.scene import common
from dashboard.scene.base import Scene, Table, Words
from dashboard.selection import Selection

METHOD_KEYS = (
    "method_modelled_values",
    "method_index",
    "method_targets",
    "method_outlook",
    "method_gaps",
    "method_seats",
    "method_agricultural_district",
    "method_msme",
)


def next_update(as_of: str | None, frequency: str | None, words: Words) -> str:
    """When the next release is expected: as-of plus the release period (ISO 'PnY'), or a word."""
    if frequency in (None, "irregular"):
        return words.t("update_irregular")
    if frequency == "none":
        return words.t("update_none")
    if not as_of or not frequency.startswith("P") or not frequency.endswith("Y"):
        return "—"
    return words.t("update_expected", year=int(str(as_of)[:4]) + int(frequency[1:-1]))


def validation_line(comparison: dict, words: Words) -> str:
    """One validation comparison of the connectivity model, in the selection's language."""
    context = {key: comparison[key] for key in ("state", "as_of") if key in comparison}
    strength = words.t("strength_" + comparison["strength_level"])
    if comparison["indicative_only"]:
        strength = words.t("strength_indicative", strength=strength)
    what = words.t("validation_" + comparison["comparison_id"], **context)
    return words.t("validation_line", comparison=what, rho=comparison["rho"], n=comparison["n"], strength=strength)


def source_name(source_id: str, registry: dict, words: Words) -> str:
    """A registry source by its title; a family of sources (their raw folder) by their publisher;
    an indicator (a note about a derived series) by its label."""
    if source_id in registry:
        return registry[source_id].title
    publishers = sorted(
        {
            provenance.in_language(entry, "publisher", words.lang)
            for entry in registry.values()
            if entry.relative_path.parts[0] == source_id
        }
    )
    return "; ".join(publishers) if publishers else ids_as_labels(source_id, words)


def note_kind_labels(kinds, words: Words) -> dict[str, str]:
    """Kind of quality note -> its name in the selection's language (an unknown kind reads as words)."""
    return {
        kind: words.t("note_kind_" + kind) if ("note_kind_" + kind) in i18n.strings("en") else kind.replace("_", " ")
        for kind in set(kinds)
    }


def note_detail(note: dict, words: Words) -> str:
    """What a quality note says, in the selection's language where the note is structured (its
    values make the sentence); otherwise the build's own sentence, with indicator ids as labels."""
    values, count = note.get("values") or {}, note.get("count")
    if note["kind"] == "alias_used" and {"state", "name", "code"} <= set(values):
        return words.t("note_alias_used", state=values["state"], name=values["name"], code=values["code"])
    if note["kind"] == "excluded_district" and {"state", "name"} <= set(values):
        return words.t("note_excluded_district", state=values["state"], name=values["name"])
    if note["kind"] == "geometry_repaired":
        return words.t("note_geometry_repaired", count=count if count is not None else "—")
    if note["kind"] == "source_unavailable":
        return words.t("note_source_unavailable", file=note.get("file") or note["source"])
    if note["kind"] == "validation" and values.get("kind") == "out_of_sample":
        return words.t("oos_title") + ": " + words.t("oos_note")
    if note["kind"] == "validation" and values.get("comparisons"):
        return "; ".join(validation_line(comparison, words) for comparison in values["comparisons"])
    if note["kind"] == "not_used" and ("unused_reason_" + str(values.get("reason_id"))) in i18n.strings("en"):
        return words.t(
            "note_not_used",
            count=count if count is not None else "—",
            reason=words.t("unused_reason_" + values["reason_id"]),
        )
    return ids_as_labels(note["detail"], words)


def ids_as_labels(text: str, words: Words) -> str:
    """A build sentence with every catalogue indicator id named by its label."""
    catalogue = common.catalogue()
    return re.sub(
        r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b",
        lambda match: words.label(match.group(0)) if match.group(0) in catalogue else match.group(0),
        text,
    )


def build(dataset: data.Dataset, selection: Selection) -> Scene:
    words = common.words(selection)
    manifest = dataset.manifest
    scene = Scene("sources", selection, common.data_as_of(dataset))
    scene.sentences["build"] = words.t(
        "build_info",
        built_at=manifest["built_at"],
        code_version=manifest["code_version"],
        inputs=len(manifest["inputs"]),
    )

    verified = {item["id"]: item["sha256"] for item in manifest["inputs"]}
    registry = data.sources()
    rows = [
        {
            "id": entry.id,
            "file": str(entry.relative_path),
            "publisher": provenance.in_language(entry, "publisher", selection.lang),
            "licence": provenance.in_language(entry, "licence", selection.lang),
            "as_of": entry.as_of or "—",
            "next_update": next_update(entry.as_of, entry.update_frequency, words),
            "sha256_verified": verified.get(entry.id),
            "checksum": (verified[entry.id][:12] + "… ✓") if entry.id in verified else "—",
            "url": entry.url or entry.official_page or "—",
        }
        for entry in registry.values()
    ]
    scene.tables["sources"] = Table(
        pd.DataFrame(rows),
        title=words.t("sources_title"),
        source=scene.sentences["build"],
        labels={
            "id": "id",
            "file": words.t("file"),
            "publisher": words.t("publisher"),
            "licence": words.t("licence"),
            "as_of": words.t("as_of"),
            "next_update": words.t("next_update"),
            "checksum": words.t("checksum"),
            "url": "URL",
        },
    )
    scene.sources = [
        {
            "id": r["id"],
            "publisher": r["publisher"],
            "title": registry[r["id"]].title,
            "licence": r["licence"],
            "as_of": r["as_of"],
            "url": r["url"],
        }
        for r in rows
    ]

    notes = dataset.quality["notes"]
    excluded: dict[str, list[str]] = {}  # source -> the names the alias table knowingly sets aside
    for note in notes:
        if note["kind"] == "excluded_district":
            values = note.get("values") or {}
            excluded.setdefault(note["source"], []).append(f"{values.get('state', '')} / {values.get('name', '')}")
    accounts = pd.DataFrame(dataset.quality["accounts"])
    accounts = accounts.assign(names=accounts["source"].map(lambda source: "; ".join(excluded.get(source, []))))
    scene.tables["accounts"] = Table(
        accounts,
        title=words.t("quality_title"),
        source=words.t("quality_accounts_intro"),
        labels={
            "source": "id",
            "rows_read": words.t("rows_read"),
            "rows_used": words.t("rows_used"),
            "rows_rejected": words.t("rows_rejected"),
            "rows_unmatched": words.t("rows_unmatched"),
            "rows_aggregate": words.t("rows_aggregate"),
            "names": words.t("unmatched_names"),
            "detail": words.t("detail"),
        },
    )
    note_frame = pd.DataFrame(
        [
            {
                "id": n["source"],
                "source": source_name(n["source"], registry, words),
                "kind": n["kind"],
                "file": n.get("file") or "",
                "column": n.get("column") or "",
                "count": n.get("count"),
                "detail": note_detail(n, words),
            }
            for n in notes
        ],
        columns=["id", "source", "kind", "file", "column", "count", "detail"],
    )
    scene.tables["quality_notes"] = Table(
        note_frame,
        title=words.t("quality_title"),
        labels={
            "id": "id",
            "source": words.t("note_source"),
            "kind": words.t("note_kind"),
            "file": words.t("file"),
            "count": words.t("note_count"),
            "detail": words.t("detail"),
        },
        formats={"count": ",.0f"},
        no_data="—",
        value_labels={"kind": note_kind_labels(note_frame["kind"], words)},
    )

    scene.sentences["urban_rural_method"] = words.t("urban_rural_method")
    for key in METHOD_KEYS:
        scene.sentences[key] = words.t(key)
    comparisons = [
        comparison
        for note in notes
        if note["kind"] == "validation"
        for comparison in (note.get("values") or {}).get("comparisons", [])
    ]
    for number, comparison in enumerate(comparisons):
        scene.sentences[f"validation_{number}"] = validation_line(comparison, words)
    return scene
