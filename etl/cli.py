"""The command line (typer): python -m etl build | check | fetch | import-indicator | import-facility-status |
withdraw-indicator (see etl/__main__.py)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from etl import config
from etl.errors import EtlError

app = typer.Typer(add_completion=False, help="Jurang ETL: public sources -> validated district tables.")
console = Console()

MirrorOption = typer.Option(
    None,
    "--mirror",
    help=(
        f"Local mirror folder laid out <source>/<file> (default: ${config.MIRROR_ENV_VAR}); "
        "without it files are downloaded."
    ),
    file_okay=False,
)


def _fail(error: Exception) -> None:
    console.print(f"[bold red]Build failed[/bold red] ({type(error).__name__}): {escape(str(error))}", soft_wrap=True)
    console.print(f"Previous outputs in {config.processed_dir()} were left untouched.")
    raise typer.Exit(code=1) from None


@app.command()
def build(
    mirror: Optional[Path] = MirrorOption,
    force: bool = typer.Option(
        False, "--force", help="Rebuild even when no input, reference file or ETL code changed."
    ),
    no_cache: bool = typer.Option(
        False,
        "--no-cache",
        help=(
            "Repair, overlay and place the geometry and parse the raw files "
            "afresh instead of reusing data/cache (same outputs, slower)."
        ),
    ),
) -> None:
    """Fetch, validate and transform every source; write data/processed atomically."""
    from etl.build import run_build

    mirror = mirror or config.mirror_from_env()
    console.print(f"Building from {'mirror ' + str(mirror) if mirror else 'official URLs'} …")
    started = time.perf_counter()
    try:
        with console.status("starting") as status:
            result = run_build(
                mirror=mirror,
                force=force,
                use_cache=not no_cache,
                progress=lambda step: status.update(f"[bold]{step}[/bold] …"),
            )
    except EtlError as error:
        _fail(error)
    if result.reused:
        console.print(
            f"[green]Up to date[/green] in {time.perf_counter() - started:.1f} s: "
            f"{len(result.fetched)} source files verified; no input, "
            "reference file or ETL code changed since the last build, "
            f"so {result.output_dir} was kept (use --force to rebuild)."
        )
        return
    table = Table(title="Jurang build", show_lines=False)
    table.add_column("step")
    table.add_column("rows", justify="right")
    table.add_column("seconds", justify="right")
    for step in result.steps:
        table.add_row(step.name, f"{step.rows:,}", f"{step.seconds:.2f}")
    console.print(table)
    for warning in result.warnings:
        console.print(f"[yellow]warning[/yellow] {escape(warning)}", soft_wrap=True)
    console.print(
        f"[green]Done[/green] in {time.perf_counter() - started:.1f} s: {len(result.fetched)} source files verified, "
        f"{len(result.warnings)} warnings, {len(result.quality.notes)} quality notes → {result.output_dir}"
    )


@app.command()
def check() -> None:
    """Validate data/processed against the output contracts."""
    from etl.check import check_outputs

    try:
        for line in check_outputs(config.processed_dir()):
            console.print(f"[green]ok[/green] {escape(line)}")
    except EtlError as error:
        console.print(f"[bold red]Check failed[/bold red]: {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(code=1) from None


@app.command()
def fetch(mirror: Optional[Path] = MirrorOption) -> None:
    """Only fetch and verify the raw files (data/raw), then the optional ones that can be had
    (e.g. the Speedtest tiles: the Malaysian extract of Ookla's global files)."""
    from etl.build import fetch_all, fetch_optional
    from etl.fetch import download_url
    from etl.quality import QualityLog
    from etl.registry import load_registry

    mirror = mirror or config.mirror_from_env()
    quality = QualityLog()
    try:
        fetched = fetch_all(load_registry(), config.raw_dir(), mirror, download_url)
        fetched |= fetch_optional(load_registry(), config.raw_dir(), mirror, download_url, quality)
    except EtlError as error:
        _fail(error)
    for item in fetched.values():
        console.print(f"[green]ok[/green] {item.entry.relative_path} ({item.origin.split(':')[0]})")
    for note in quality.notes:
        console.print(
            f"[yellow]skipped[/yellow] optional {escape(note['source'])}: {escape(note['detail'])}", soft_wrap=True
        )


@app.command("import-indicator")
def import_indicator(
    file: Path = typer.Argument(
        ...,
        exists=True,
        dir_okay=False,
        help=(
            "CSV (UTF-8) or Excel .xlsx: district or code_state_district, state, year, value (template: "
            "data/reference/custom_indicator_template.csv)."
        ),
    ),
    indicator_id: str = typer.Option(
        ..., "--id", help="New indicator id, snake_case ending in its unit (e.g. coverage_4g_pct)."
    ),
    label_en: str = typer.Option(..., "--label-en", help="Label in English."),
    label_ms: str = typer.Option(..., "--label-ms", help="Label in Bahasa Malaysia."),
    unit: str = typer.Option(
        ..., "--unit", help="Unit, e.g. '% of households' (a % unit means values must lie in 0-100)."
    ),
    higher_is_better: bool = typer.Option(
        ..., "--higher-is-better/--lower-is-better", help="Which direction is better."
    ),
    unit_ms: str = typer.Option("", "--unit-ms", help="Unit in Malay (default: the English unit)."),
    replaces: Optional[str] = typer.Option(
        None, "--replaces", help="Indicator this one stands in for in the index, e.g. internet_hh_pct."
    ),
    source: str = typer.Option("", "--source", help="Declared source (agency, dataset, date), stored as provenance."),
    domain: Optional[str] = typer.Option(None, "--domain", help="Domain (default: that of --replaces, else 'custom')."),
    allow_negative: bool = typer.Option(
        False, "--allow-negative", help="Accept negative values (non-percentage units)."
    ),
    sheet: str = typer.Option("0", "--sheet", help="Excel sheet name or 0-based index."),
) -> None:
    """Check a district table and publish it as a custom indicator for everyone (merged at the next build; logged)."""
    from etl import geography, importer
    from etl.catalogue import load_catalogue

    request = importer.ImportRequest(
        indicator_id,
        label_en,
        label_ms,
        unit,
        higher_is_better,
        unit_ms=unit_ms,
        replaces=replaces,
        declared_source=source,
        domain=domain,
        allow_negative=allow_negative,
        sheet=int(sheet) if sheet.isdigit() else sheet,
    )
    try:
        districts = importer.district_table()
        result, paths = importer.import_indicator(
            file.read_bytes(), file.name, request, districts, geography.load_aliases(), load_catalogue()
        )
    except EtlError as error:
        console.print(f"[bold red]Import failed[/bold red]: {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(code=1) from None
    for note in result.notes:
        console.print(f"[yellow]note[/yellow] {escape(note)}", soft_wrap=True)
    if paths is None:
        console.print(
            f"[bold red]Not imported[/bold red]: {len(result.problems)} problem(s) "
            f"in {escape(file.name)}; nothing was stored."
        )
        for problem in result.problems:
            console.print(f"  [red]•[/red] {escape(problem)}", soft_wrap=True)
        for name, matches in result.suggestions.items():
            hint = (
                ", ".join(matches)
                if matches
                else "no close match: check the spelling or add it to data/reference/district_aliases.csv"
            )
            console.print(f"  [cyan]?[/cyan] {escape(name)} → did you mean: {escape(hint)}", soft_wrap=True)
        raise typer.Exit(code=1) from None
    accepted = result.accepted
    console.print(
        f"[green]Imported[/green] {len(accepted)} values for {accepted['code_state_district'].nunique()} districts "
        f"({', '.join(str(y) for y in sorted(accepted['year'].unique()))}) "
        f"as {indicator_id!r} → {paths[0]} and {paths[1].name}"
    )
    console.print(
        "Run `python -m etl build` to merge it into the dashboard data (method: imported). "
        "Logged in custom/imports.jsonl."
    )


@app.command("import-facility-status")
def import_facility_status(
    file: Path = typer.Argument(
        ...,
        exists=True,
        dir_okay=False,
        help=(
            "CSV (UTF-8) or Excel .xlsx: code, connected, technology, speed_mbps, measured_on (template: "
            "data/reference/facility_status_template.csv)."
        ),
    ),
    kind: str = typer.Option(
        "schools", "--kind", help="schools (MOE school codes, e.g. JBA0001) or clinics (MOH facility id or exact name)."
    ),
    source: str = typer.Option("", "--source", help="Declared source (agency, dataset, date), stored as provenance."),
) -> None:
    """Check a facility connection-status list against the last build's schools or clinics and store it
    (all or nothing) for the next build (method: imported)."""
    from etl import facility_status, import_log, importer

    try:
        result, paths = facility_status.import_status(
            file.read_bytes(),
            file.name,
            kind,
            facility_status.built_facilities(),
            importer.custom_dir(),
            declared_source=source,
            by=import_log.cli_user(),
        )
    except EtlError as error:
        console.print(f"[bold red]Import failed[/bold red]: {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(code=1) from None
    if paths is None:
        console.print(
            f"[bold red]Not imported[/bold red]: {len(result.problems)} problem(s) "
            f"in {escape(file.name)}; nothing was stored."
        )
        for problem in result.problems:
            console.print(f"  [red]•[/red] {escape(problem)}", soft_wrap=True)
        for code, matches in result.suggestions.items():
            console.print(
                f"  [cyan]?[/cyan] {escape(code)} → did you mean: {escape(', '.join(matches) or 'no close match')}",
                soft_wrap=True,
            )
        raise typer.Exit(code=1) from None
    accepted = result.accepted
    console.print(
        f"[green]Imported[/green] the status of {len(accepted)} {kind} "
        f"({int(accepted['connected'].sum())} connected) in "
        f"{accepted['code_state_district'].nunique()} districts → {paths[0]} and {paths[1].name}"
    )
    console.print(
        "Run `python -m etl build` to aggregate it by district (method: imported). Logged in custom/imports.jsonl."
    )


@app.command("withdraw-indicator")
def withdraw_indicator(
    indicator_id: str = typer.Argument(..., help="Id of a published import (a file in <data>/custom)."),
) -> None:
    """Take a published import out of everyone's dashboard (from the next build); logged in custom/imports.jsonl."""
    from etl import import_log, importer

    try:
        moved = importer.withdraw(indicator_id, import_log.cli_user(), "cli")
    except EtlError as error:
        console.print(f"[bold red]Not withdrawn[/bold red]: {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(code=1) from None
    console.print(
        f"[green]Withdrawn[/green] {indicator_id!r}: files kept on record "
        f"in {escape(str(moved[0].parent)) if moved else '-'}."
    )
    console.print("Run `python -m etl build` so the dashboard no longer shows it.")
