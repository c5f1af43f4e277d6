"""Command line: python -m etl build | check | fetch."""

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
    help=f"Local mirror folder laid out <source>/<file> (default: ${config.MIRROR_ENV_VAR}); without it files are downloaded.",
    file_okay=False,
)


def _fail(error: Exception) -> None:
    console.print(f"[bold red]Build failed[/bold red] ({type(error).__name__}): {escape(str(error))}", soft_wrap=True)
    console.print(f"Previous outputs in {config.processed_dir()} were left untouched.")
    raise typer.Exit(code=1)


@app.command()
def build(mirror: Optional[Path] = MirrorOption) -> None:
    """Fetch, validate and transform every source; write data/processed atomically."""
    from etl.build import run_build

    mirror = mirror or config.mirror_from_env()
    console.print(f"Building from {'mirror ' + str(mirror) if mirror else 'official URLs'} …")
    started = time.perf_counter()
    try:
        with console.status("starting") as status:
            result = run_build(mirror=mirror, progress=lambda step: status.update(f"[bold]{step}[/bold] …"))
    except EtlError as error:
        _fail(error)
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
        raise typer.Exit(code=1)


@app.command()
def fetch(mirror: Optional[Path] = MirrorOption) -> None:
    """Only fetch and verify the raw files (data/raw)."""
    from etl.build import fetch_all
    from etl.fetch import download_url
    from etl.registry import load_registry

    mirror = mirror or config.mirror_from_env()
    try:
        fetched = fetch_all(load_registry(), config.raw_dir(), mirror, download_url)
    except EtlError as error:
        _fail(error)
    for item in fetched.values():
        console.print(f"[green]ok[/green] {item.entry.relative_path} ({item.origin.split(':')[0]})")


if __name__ == "__main__":
    app()
