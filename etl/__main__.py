"""python -m etl build | check | fetch | import-indicator.

`python -m etl build` with nothing changed is answered here, before the CLI framework loads
(typer and rich cost ~0.3 s of imports, more than the check itself); anything else, including a
build that has work to do or an error to report, goes to the typer app in etl/cli.py.
"""

from __future__ import annotations

import sys
import time


def answered_up_to_date(argv: list[str]) -> bool:
    """True (and a one-line answer printed) if argv is a plain `build` and the outputs are current."""
    if argv != ["build"]:
        return False
    started = time.perf_counter()
    from etl import config
    from etl.build import run_build
    from etl.errors import EtlError

    try:
        result = run_build(mirror=config.mirror_from_env(), check_only=True)
    except EtlError:
        return False  # the full command reports it properly
    if not result.reused:
        return False
    print(
        f"Up to date in {time.perf_counter() - started:.1f} s: "
        f"{len(result.fetched)} source files verified; no input, reference file "
        f"or ETL code changed since the last build, so {result.output_dir} was kept (use --force to rebuild)."
    )
    return True


def without_data_synthesis() -> None:
    """Keep hypothesis (a test dependency) out of the command's process.

    pandera's built-in checks import their data-synthesis strategies, and those import hypothesis when
    it is installed (~0.35 s, a third of pandera's first validation); the ETL only validates, so the
    command runs as pandera does where hypothesis is not installed. Imported as a library (tests), the
    ETL leaves sys.modules alone.
    """
    sys.modules.setdefault("hypothesis", None)


if __name__ == "__main__":
    without_data_synthesis()
    if not answered_up_to_date(sys.argv[1:]):
        from etl.cli import app

        app()
