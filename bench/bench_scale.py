"""10x scale run on SYNTHETIC data: how the pure layers' cost grows from 160 to 1,600 districts.

The script generates its own data (nothing is written; the real build is only the template):
copies of the real districts' display geometries shifted 8 degrees of latitude apart (copy 0 in
place), each with its own district codes and state names ("Sabah #3"), every indicator value
multiplied by random noise (lognormal, sigma 0.15, seeded), and the facility points copied with
their district (13.5k -> 135k points, jittered by up to ~1 km). 1x = one synthetic copy, 10x = ten.

Timed (median of a few runs): composite.index_table + rank_uncertainty (500 draws), metrics
class_means / gaps_by_state / theil_decomposition, figures.choropleth_map + to_json with
geojson_url (the app's redraw payload), etl.geography.assign_points_to_districts (all facility
points), and etl.access E2SFCA (primary schools' pupils as demand, clinics as supply, as the ETL).
An extra E2SFCA row puts the 10 copies side by side in longitude instead (same latitudes): the
worst case for pairs_within's latitude-band pruning.

Run: python bench/bench_scale.py   (uses $JURANG_DATA_DIR or data/, built by `python -m etl build`)
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import affinity

from dashboard import composite, data, figures, metrics
from etl import accessibility as access, config, geography

LAT_STEP = 8.0  # degrees between copies (Malaysia spans 6.5 degrees of latitude)
LON_STEP = 20.5  # for the side-by-side layout (Malaysia spans 19.6 degrees of longitude)
GEOJSON_URL = "app/static/generated/districts.geojson"
SEED = 20261126


def lat_offsets(copies: int) -> list[float]:
    """Copy 0 in place, the others alternately south and north (keeps |lat| <= ~40 at 10 copies)."""
    offsets = [0.0]
    step = 1
    while len(offsets) < copies:
        offsets.append(-LAT_STEP * step)
        if len(offsets) < copies:
            offsets.append(LAT_STEP * step)
        step += 1
    return offsets


def lon_offsets(copies: int) -> list[float]:
    return [LON_STEP * (k - copies + 3) if copies > 1 else 0.0 for k in range(copies)][:copies]


def code(original: str, copy: int) -> str:
    return original if copy == 0 else f"{original}_{copy}"


def state_name(original: str, copy: int) -> str:
    return original if copy == 0 else f"{original} #{copy}"


class Synthetic:
    """Synthetic districts, indicators, features and facilities: `copies` shifted copies of the real ones."""

    def __init__(self, real: data.Dataset, copies: int, layout: str = "lat"):
        rng = np.random.default_rng(SEED + copies)
        offsets = lat_offsets(copies) if layout == "lat" else lon_offsets(copies)
        shift = (lambda o: {"yoff": o}) if layout == "lat" else (lambda o: {"xoff": o})
        districts, indicators, facilities = [], [], []
        for k, offset in enumerate(offsets):
            d = real.districts.copy()
            d["code_state_district"] = [code(c, k) for c in d["code_state_district"]]
            d["state"] = [state_name(s, k) for s in d["state"]]
            d["code_state"] = d["code_state"].astype(str) + ("" if k == 0 else f"_{k}")
            d["geometry"] = d.geometry.map(lambda g, o=offset: affinity.translate(g, **shift(o)))
            districts.append(d)
            i = real.indicators.copy()
            i["code_state_district"] = [code(c, k) for c in i["code_state_district"]]
            noise = rng.lognormal(0.0, 0.15, len(i))
            i["value"] = i["value"] * noise
            percent = i["indicator"].str.endswith("_pct")
            i.loc[percent, "value"] = i.loc[percent, "value"].clip(upper=100)
            indicators.append(i)
            f = real.facilities.copy()
            f["code_state_district"] = [code(c, k) if isinstance(c, str) else c for c in f["code_state_district"]]
            jitter = rng.uniform(-0.005, 0.005, (len(f), 2))
            f["lon"] = f["lon"] + jitter[:, 0] + (offset if layout == "lon" else 0.0)
            f["lat"] = f["lat"] + jitter[:, 1] + (offset if layout == "lat" else 0.0)
            facilities.append(f)
        self.districts = gpd.GeoDataFrame(
            pd.concat(districts, ignore_index=True), geometry="geometry", crs=real.districts.crs
        )
        self.indicators = pd.concat(indicators, ignore_index=True)
        self.facilities = pd.concat(facilities, ignore_index=True)
        self.features = data._features(self.districts)
        self.state_names = sorted(self.districts["state"].unique())


def median_s(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measurements(s: Synthetic, spec: composite.IndexSpec, catalogue: dict, repeat: int) -> dict[str, tuple[float, str]]:
    """{layer: (seconds, note)} for one synthetic dataset."""
    out: dict[str, tuple[float, str]] = {}
    domain_ids = [d.id for d in spec.domains]

    out["index_table"] = (
        median_s(lambda: composite.index_table(s.districts, s.indicators, spec), repeat),
        f"{len(s.districts):,} districts",
    )
    table, _ = composite.index_table(s.districts, s.indicators, spec)
    scores = table.set_index("code_state_district")[domain_ids]
    out["rank_uncertainty (500 draws)"] = (
        median_s(lambda: composite.rank_uncertainty(scores, spec.default_weights), repeat),
        "",
    )

    indicator = "piped_water_hh_pct"
    year = metrics.indicator_years(s.indicators, indicator)[-1]
    frame = metrics.weighted_frame(s.districts, s.indicators, indicator, year)
    out["metrics.weighted_frame"] = (
        median_s(lambda: metrics.weighted_frame(s.districts, s.indicators, indicator, year), repeat),
        f"{indicator} {year}",
    )
    out["metrics.class_means"] = (median_s(lambda: metrics.class_means(frame), repeat), "")
    out["metrics.gaps_by_state"] = (
        median_s(lambda: metrics.gaps_by_state(frame, "higher_is_better"), repeat),
        f"{frame['state'].nunique()} states",
    )
    out["metrics.theil_decomposition"] = (median_s(lambda: metrics.theil_decomposition(frame), repeat), "")

    national = metrics.indicator_frame(s.districts, s.indicators, indicator, year)
    scheme = figures.quantile_scheme(national["value"], catalogue[indicator]["format"])

    def redraw() -> str:
        figure = figures.choropleth_map(
            national,
            s.features,
            scheme,
            value_label="Piped water",
            unit="% of households",
            fmt=".1f",
            geojson_url=GEOJSON_URL,
            state_borders=("app/static/generated/states.geojson", s.state_names),
        )
        return figure.to_json()

    payload = redraw()
    out["choropleth_map + to_json (geojson_url)"] = (
        median_s(redraw, repeat),
        f"payload {len(payload) / 1024:,.0f} KiB",
    )

    points = s.facilities[["lon", "lat"]]
    out["assign_points_to_districts"] = (
        median_s(lambda: geography.assign_points_to_districts(points, s.districts), max(1, repeat // 2)),
        f"{len(points):,} points",
    )

    demand, supply = e2sfca_inputs(s)
    out["E2SFCA (etl.access.e2sfca)"] = (
        median_s(lambda: access.e2sfca(demand, supply, "population"), max(1, repeat // 2)),
        f"{len(demand):,} demand x {len(supply):,} supply",
    )
    return out


def e2sfca_inputs(s: Synthetic) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Demand: primary schools with pupils (population = pupils); supply: clinics (as the ETL's clinic_supply)."""
    f = s.facilities.dropna(subset=["lon", "lat"])
    demand = f.loc[(f["kind"] == "school_primary") & (f["students"] > 0), ["lon", "lat", "students"]].rename(
        columns={"students": "population"}
    )
    supply = f.loc[f["access_use"] == "clinic_supply", ["lon", "lat"]]
    return demand.reset_index(drop=True), supply.reset_index(drop=True)


def main() -> None:
    real = data.load_dataset.__wrapped__(data.manifest_token(config.processed_dir()), config.processed_dir())
    spec = composite.load_index_spec()
    catalogue = data.catalogue()
    print(
        "bench_scale: SYNTHETIC data generated by this script "
        "(shifted copies of the real districts and facilities, noisy values)"
    )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )

    started = time.perf_counter()
    one = Synthetic(real, 1)
    ten = Synthetic(real, 10)
    print(
        f"synthetic 1x:  {len(one.districts):,} districts, {len(one.indicators):,} indicator rows, "
        f"{len(one.facilities):,} facility points"
    )
    print(
        f"synthetic 10x: {len(ten.districts):,} districts, {len(ten.indicators):,} indicator rows, "
        f"{len(ten.facilities):,} facility points "
        f"(generated in {time.perf_counter() - started:.1f} s)"
    )

    small = measurements(one, spec, catalogue, repeat=5)
    large = measurements(ten, spec, catalogue, repeat=3)

    wide = Synthetic(real, 10, layout="lon")
    demand, supply = e2sfca_inputs(wide)
    side_by_side = median_s(lambda: access.e2sfca(demand, supply, "population"), 1)

    print()
    print(f"{'layer (synthetic data)':<42} {'1x s':>9} {'10x s':>9} {'ratio':>7}   notes (1x | 10x)")
    for layer in small:
        a, note_a = small[layer]
        b, note_b = large[layer]
        print(f"{layer:<42} {a:9.4f} {b:9.4f} {b / a:7.1f}   {note_a} | {note_b}")
    base = small["E2SFCA (etl.access.e2sfca)"][0]
    print(
        f"{'E2SFCA, 10 copies side by side in lon':<42} {base:9.4f} {side_by_side:9.4f} {side_by_side / base:7.1f}   "
        f"same latitudes: worst case for the latitude-band pruning | {len(demand):,} x {len(supply):,}"
    )
    layers = {
        layer: {
            "1x_s": round(small[layer][0], 4),
            "10x_s": round(large[layer][0], 4),
            "ratio": round(large[layer][0] / small[layer][0], 2),
        }
        for layer in small
    }
    layers["E2SFCA side by side in lon"] = {
        "1x_s": round(base, 4),
        "10x_s": round(side_by_side, 4),
        "ratio": round(side_by_side / base, 2),
    }
    print(json.dumps({"bench": "scale", "synthetic": True, "layers": layers}, separators=(",", ":")))


if __name__ == "__main__":
    main()
