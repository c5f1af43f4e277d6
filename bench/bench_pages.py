"""Server-side cost of the interactions that must feel instant: a weight change on the Index page
(re-rank 160 districts, rank intervals, redraw the map) and a filter change on the Map page.

Run: python bench/bench_pages.py   (uses the built data in data/processed, or $JURANG_DATA_DIR)
"""

from __future__ import annotations

import statistics
import time

from dashboard import composite, data, figures, metrics

URL = "app/static/generated/districts.geojson"  # the shapes are referenced, not embedded
STATES_URL = "app/static/generated/states.geojson"


def median_ms(function, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def main() -> None:
    dataset = data.current_dataset()
    spec = composite.load_index_spec()
    scheme = figures.fixed_scheme(figures.INDEX_BREAKS, ".0f")
    changed = {**spec.default_weights, "economy": 0.5}
    payload: list[int] = []

    def weight_change() -> None:
        table, _ = composite.index_table(dataset.districts, dataset.indicators, spec, changed)
        scores = table.set_index("code_state_district")[[d.id for d in spec.domains]]
        composite.rank_uncertainty(scores.loc[table.set_index("code_state_district")["index"].notna()], changed)
        figure = figures.choropleth_map(table.rename(columns={"index": "value"}), dataset.features, scheme, value_label="Index", unit="0-100", fmt=".0f",
                                        state_borders=(STATES_URL, dataset.state_names), geojson_url=URL)
        payload.append(len(figure.to_json()))

    def index_only() -> None:
        composite.index_table(dataset.districts, dataset.indicators, spec, changed)

    def filter_change() -> None:
        frame = metrics.filter_state(metrics.indicator_frame(dataset.districts, dataset.indicators, "piped_water_hh_pct", 2024), "Sabah")
        figures.choropleth_map(frame, dataset.features, figures.quantile_scheme(frame["value"], ".1f"), value_label="Piped water", unit="%", fmt=".1f",
                               state_borders=(STATES_URL, ["Sabah"]), geojson_url=URL).to_json()

    print(f"index recomputation (160 districts, new weights):        {median_ms(index_only):6.0f} ms")
    print(f"weight change end to end (index + 500-draw rank intervals + map JSON): {median_ms(weight_change):6.0f} ms")
    print(f"map filter change (one state, figure + JSON):             {median_ms(filter_change):6.0f} ms")
    print(f"index map figure JSON per redraw (shapes served once as a file): {payload[-1] / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
