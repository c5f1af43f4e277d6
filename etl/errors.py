"""Named ETL errors. Each message says which source and file, what is wrong, and what to do."""

from __future__ import annotations


class EtlError(Exception):
    """Base class: a build cannot proceed. The CLI prints the message and exits non-zero."""


class FetchError(EtlError):
    """A raw file could not be obtained (missing in mirror, download failed)."""


class ChecksumMismatchError(EtlError):
    """A raw file's sha256 differs from the registry in data/sources.yaml."""


class SourceValidationError(EtlError):
    """A raw table broke its schema: names source, file, columns and rows."""


class UnknownDistrictError(EtlError):
    """A district name in a source matches neither the canonical list nor the alias table."""


class OutputValidationError(EtlError):
    """A processed output broke its contract; nothing was replaced."""
