"""The analysts' interface: exactly what a page shows, headless.

    python -m dashboard.scene PAGE [QUERY] [--format json|csv] [--table NAME] [--out FILE]

    python -m dashboard.scene gaps "indicator=household_income_median_rm&state=Sabah"
    python -m dashboard.scene index "w_connectivity=0&state=Kedah" --format csv --table ranking

JSON (default): {"page", "selection", "data_as_of", "tables": {name: [records]}, "sentences",
"sources", "notices"}. CSV: one table (--table; the first one when omitted). Exit codes: 0 done,
1 the data is not built, 2 an unknown page, table, parameter or value, or a malformed query (one line
on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dashboard import data
from dashboard.selection import PAGES, SelectionError, strict_query_mapping

EXIT_NOT_BUILT, EXIT_USAGE = 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dashboard.scene", description="Print the scene of a Jurang page (the numbers a page shows)."
    )
    parser.add_argument("page", help=f"one of: {', '.join(PAGES)}")
    parser.add_argument(
        "query",
        nargs="?",
        default="",
        help="the page's query string, as in its link (e.g. 'indicator=internet_hh_pct&state=Sabah')",
    )
    parser.add_argument("--format", choices=("json", "csv"), default="json")
    parser.add_argument("--table", help="with --format csv: the table to write (default: the first)")
    parser.add_argument("--out", type=Path, help="write to this file instead of standard output")
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    from dashboard import scene  # after argument parsing, so --help is instant

    try:
        dataset = data.current_dataset()
    except data.DataNotBuiltError as error:
        print(f"error: the data has not been built ({error}). Run `python -m etl build` first.", file=sys.stderr)
        return EXIT_NOT_BUILT
    try:
        parsed = scene.parse_for(dataset, arguments.page, strict_query_mapping(arguments.query))
    except SelectionError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if parsed.ignored:
        reasons = [scenario_reason(dataset, arguments.query)] if "scenario" in parsed.ignored else []
        unrecognised = ", ".join(sorted(set(parsed.ignored)))
        scenario_reasons = "".join("; " + r for r in reasons if r)
        print(
            f"error: not recognised in the query: {unrecognised} (check the page's options){scenario_reasons}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    result = scene.build_selection(dataset, parsed.selection)
    if arguments.format == "json":
        text = json.dumps(result.as_json(), ensure_ascii=False, indent=1, default=str)
    else:
        name = arguments.table or next(iter(result.tables), None)
        if name not in result.tables:
            print(
                f"error: no table {name!r} in the {arguments.page} scene; tables: {', '.join(result.tables)}",
                file=sys.stderr,
            )
            return EXIT_USAGE
        from dashboard import export

        # the page's CSV download exactly (formula-like text neutralised), without its byte-order mark
        text = export.table_csv(result.tables[name].frame.drop(columns=["geometry"], errors="ignore")).decode(
            "utf-8-sig"
        )
    if arguments.out:
        arguments.out.parent.mkdir(parents=True, exist_ok=True)
        arguments.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def scenario_reason(dataset: data.Dataset, query: str) -> str | None:
    """Why the query's scenario does not read (the planner's own message), for the one error line."""
    from dashboard import planner
    from dashboard.scene import common

    options = common.options(dataset)
    return planner.scenario_problem(
        strict_query_mapping(query).get("scenario", ""), set(options.indicators), set(options.districts)
    )


if __name__ == "__main__":
    sys.exit(main())
