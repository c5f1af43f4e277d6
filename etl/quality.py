"""The quality log of a build: row accounts per source and structured quality notes (quality.json).

Standard library only, so the no-op check of a rebuild does not import the data stack."""

from __future__ import annotations

from dataclasses import dataclass, field

from etl.contract import note_sentence


@dataclass
class QualityLog:
    """Everything the build set aside, repaired or checked — written to quality.json."""

    notes: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    accounts: list[dict] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # source id -> raw file, to fill each note's `file`

    def note(
        self,
        source: str,
        kind: str,
        detail: str | None = None,
        rows: list | None = None,
        warn: bool = False,
        *,
        column: str | None = None,
        count: int | None = None,
        values: dict | None = None,
    ) -> None:
        """Record one finding as a structured record (etl/contract.py QUALITY_NOTE_FIELDS).

        A kind with a template in NOTE_TEMPLATES gets its sentence (`detail`) from `values`; other
        kinds pass their own. count defaults to the number of rows. For kind "no_data", rows are
        dicts: code_state_district, indicator, year (None = every year), reason — one per explained gap."""
        values = values or {}
        rows = rows or []
        count = len(rows) if count is None and rows else count
        detail = note_sentence(kind, values, count) if detail is None else detail
        self.notes.append(
            {
                "source": source,
                "kind": kind,
                "file": self.files.get(source),
                "column": column,
                "count": count,
                "values": values,
                "detail": detail,
                "rows": rows,
            }
        )
        if warn:
            self.warnings.append(f"[{source}] {detail}")

    def account(
        self,
        source: str,
        read: int,
        used: int,
        rejected: int = 0,
        unmatched: int = 0,
        aggregate: int = 0,
        detail: str = "",
    ) -> None:
        """Row accounting for one source: read = used + rejected + unmatched + aggregate rows dropped."""
        if read != used + rejected + unmatched + aggregate:
            raise AssertionError(
                f"[{source}] row accounting does not add up: {read} read != {used} used + {rejected} rejected "
                f"+ {unmatched} unmatched + {aggregate} aggregate"
            )
        self.accounts.append(
            {
                "source": source,
                "rows_read": read,
                "rows_used": used,
                "rows_rejected": rejected,
                "rows_unmatched": unmatched,
                "rows_aggregate": aggregate,
                "detail": detail,
            }
        )

    def as_json(self) -> dict:
        return {"accounts": self.accounts, "notes": self.notes}
