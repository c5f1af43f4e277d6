"""E2SFCA and distance helpers (etl/accessibility.py) on small synthetic layouts with hand-computed answers.

All points here are synthetic. Points on the equator are placed by kilometres along it, so every
distance between them is exact: |x_a - x_b| km.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from etl import accessibility

KM_PER_DEGREE = accessibility.EARTH_RADIUS_KM * math.pi / 180  # along the equator (a great circle)


def on_equator(km: list[float], **columns) -> pd.DataFrame:
    """Synthetic points at the given kilometres east of (lon 100, lat 0)."""
    return pd.DataFrame({"lon": [100 + x / KM_PER_DEGREE for x in km], "lat": [0.0] * len(km), **columns})


# --- distances ------------------------------------------------------------------------------


def test_given_one_degree_of_latitude_when_measured_then_haversine_gives_pi_r_over_180():
    distance = accessibility.haversine_km([101.0], [3.0], [101.0], [4.0])

    assert distance.shape == (1, 1)
    assert distance[0, 0] == pytest.approx(KM_PER_DEGREE, rel=1e-12)  # ≈ 111.195 km


def test_given_points_on_the_equator_when_measured_then_distance_is_the_kilometre_gap():
    points = on_equator([0.0, 12.5, 40.0])

    distance = accessibility.haversine_km(points["lon"], points["lat"], points["lon"], points["lat"])

    expected = np.abs(np.subtract.outer([0.0, 12.5, 40.0], [0.0, 12.5, 40.0]))
    np.testing.assert_allclose(distance, expected, atol=1e-9)


def test_given_random_points_when_paired_within_a_radius_then_pairs_and_nearest_match_the_full_matrix():
    rng = np.random.default_rng(7)  # synthetic scatter over Peninsular Malaysia's extent
    points = pd.DataFrame({"lon": rng.uniform(100, 104, 700), "lat": rng.uniform(1, 7, 700)})
    supply = pd.DataFrame({"lon": rng.uniform(100, 104, 90), "lat": rng.uniform(1, 7, 90)})
    full = accessibility.haversine_km(points["lon"], points["lat"], supply["lon"], supply["lat"])

    pairs = accessibility.pairs_within(points, supply, 30.0, chunk_rows=64)

    np.testing.assert_allclose(pairs.nearest_km, full.min(axis=1), atol=1e-9)
    expected = set(zip(*np.nonzero(full <= 30.0)))
    assert set(zip(pairs.row.tolist(), pairs.col.tolist())) == expected
    np.testing.assert_allclose(pairs.km, full[pairs.row, pairs.col], atol=1e-9)


def test_given_a_point_with_no_supply_in_reach_when_paired_then_its_nearest_distance_is_still_measured():
    points = on_equator([0.0, 500.0])
    supply = on_equator([3.0])

    pairs = accessibility.pairs_within(points, supply, 30.0)

    assert pairs.row.tolist() == [0]
    np.testing.assert_allclose(pairs.nearest_km, [3.0, 497.0], atol=1e-9)


@pytest.mark.parametrize("max_km", [0.0, 30.0])
def test_given_supply_far_away_and_spread_in_longitude_when_nearest_is_sought_then_it_matches_a_full_scan(max_km):
    # Synthetic: a few clinics over Malaysia's longitudes, villages as far as Borneo; the widening
    # latitude bands must find exactly the full scan's nearest (same haversine term, so equal to the bit)
    rng = np.random.default_rng(11)
    points = pd.DataFrame({"lon": rng.uniform(99.5, 119.5, 500), "lat": rng.uniform(0.8, 7.4, 500)})
    supply = pd.DataFrame({"lon": rng.uniform(100, 104, 7), "lat": rng.uniform(1, 2, 7)})
    full = accessibility.haversine_km(points["lon"], points["lat"], supply["lon"], supply["lat"])

    pairs = accessibility.pairs_within(points, supply, max_km, chunk_rows=32)

    np.testing.assert_allclose(pairs.nearest_km, full.min(axis=1), rtol=1e-12)
    assert (pairs.nearest_km > 100).any()  # some nearest clinics lie far beyond the first band


# --- stepwise weights -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("km", "weight"),
    [(0.0, 1.0), (10.0, 1.0), (10.001, 0.68), (20.0, 0.68), (25.0, 0.22), (30.0, 0.22), (30.001, 0.0), (500.0, 0.0)],
)
def test_given_a_distance_when_weighted_then_luo_qi_zone_weight_applies_with_upper_bounds_inclusive(km, weight):
    assert accessibility.stepwise_weights(np.array([km]))[0] == weight


@pytest.mark.parametrize("zones", [(), ((10.0, 1.0), (5.0, 0.5)), ((10.0, 1.5),), ((0.0, 1.0),)])
def test_given_invalid_zones_when_weighting_then_a_value_error_names_the_problem(zones):
    with pytest.raises(ValueError, match="zone"):
        accessibility.stepwise_weights(np.array([1.0]), zones)


# --- E2SFCA -----------------------------------------------------------------------------------


@pytest.fixture
def grid() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three demand points and two clinics on the equator (synthetic).

    D1 at 0 km (1,000 people), D2 at 17 km (2,000), D3 at 40 km (500); S1 at 5 km, S2 at 45 km.
    Distances: D1-S1 5 (w 1), D1-S2 45 (0); D2-S1 12 (0.68), D2-S2 28 (0.22); D3-S1 35 (0), D3-S2 5 (1).
    """
    demand = on_equator([0.0, 17.0, 40.0], population=[1000.0, 2000.0, 500.0]).set_index(pd.Index(["D1", "D2", "D3"]))
    supply = on_equator([5.0, 45.0]).set_index(pd.Index(["S1", "S2"]))
    return demand, supply


def test_given_the_grid_when_scored_then_supply_ratios_match_the_hand_computation(grid):
    demand, supply = grid

    result = accessibility.e2sfca(demand, supply, "population")

    # R1 = 1 / (1000*1 + 2000*0.68) = 1/2360 ; R2 = 1 / (2000*0.22 + 500*1) = 1/940
    assert result.supply_ratio["S1"] == pytest.approx(1 / 2360)
    assert result.supply_ratio["S2"] == pytest.approx(1 / 940)


def test_given_the_grid_when_scored_then_access_per_10k_matches_the_hand_computation(grid):
    demand, supply = grid

    result = accessibility.e2sfca(demand, supply, "population")

    assert result.access["D1"] == pytest.approx(10_000 / 2360)  # 4.2373
    assert result.access["D2"] == pytest.approx(10_000 * (0.68 / 2360 + 0.22 / 940))  # 5.2218
    assert result.access["D3"] == pytest.approx(10_000 / 940)  # 10.6383
    np.testing.assert_allclose(result.nearest_km, [5.0, 12.0, 5.0], atol=1e-9)


def test_given_the_grid_when_scored_then_supply_is_conserved(grid):
    # sum_i P_i A_i / 10,000 = number of clinics that reach anyone (each shares out exactly its capacity)
    demand, supply = grid

    result = accessibility.e2sfca(demand, supply, "population")

    assert (demand["population"] * result.access).sum() / 10_000 == pytest.approx(2.0)


def test_given_capacities_when_scored_then_each_clinic_counts_its_capacity(grid):
    demand, supply = grid

    doubled = accessibility.e2sfca(demand, supply.assign(capacity=[2.0, 0.0]), "population", supply_col="capacity")

    assert doubled.access["D1"] == pytest.approx(2 * 10_000 / 2360)
    assert doubled.access["D3"] == 0.0


def test_given_a_clinic_nobody_reaches_and_a_village_no_clinic_reaches_when_scored_then_nan_ratio_and_real_zero():
    demand = on_equator([0.0, 200.0], population=[100.0, 50.0])
    supply = on_equator([2.0, 400.0])

    result = accessibility.e2sfca(demand, supply, "population")

    assert result.supply_ratio.iloc[0] == pytest.approx(1 / 100)
    assert math.isnan(result.supply_ratio.iloc[1])  # no demand within 30 km: no ratio, adds nothing
    assert result.access.tolist() == [pytest.approx(100.0), 0.0]  # 1 clinic / 100 people * 10,000 ; nothing in reach


def test_given_step_one_ratios_when_evaluated_at_the_demand_points_then_access_at_reproduces_the_scores(grid):
    demand, supply = grid
    result = accessibility.e2sfca(demand, supply, "population")

    again = accessibility.access_at(demand, supply, result.supply_ratio)

    np.testing.assert_allclose(again.to_numpy(), result.access.to_numpy())


def test_given_random_demand_when_scored_then_the_result_equals_a_dense_matrix_reference():
    rng = np.random.default_rng(3)  # synthetic
    demand = pd.DataFrame(
        {"lon": rng.uniform(100, 102, 400), "lat": rng.uniform(2, 4, 400), "population": rng.uniform(0, 5000, 400)}
    )
    supply = pd.DataFrame({"lon": rng.uniform(100, 102, 60), "lat": rng.uniform(2, 4, 60)})
    weights = accessibility.stepwise_weights(
        accessibility.haversine_km(demand["lon"], demand["lat"], supply["lon"], supply["lat"])
    )
    reached = demand["population"].to_numpy() @ weights
    ratio = np.where(reached > 0, 1 / np.where(reached > 0, reached, 1), 0.0)

    result = accessibility.e2sfca(demand, supply, "population")

    np.testing.assert_allclose(result.access.to_numpy(), weights @ ratio * 10_000, rtol=1e-12)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [("population", -1.0, "non-negative"), ("population", np.nan, "non-negative"), ("lat", np.nan, "coordinates")],
)
def test_given_bad_demand_when_scored_then_a_value_error_names_the_column(grid, column, value, message):
    demand, supply = grid
    demand = demand.copy()
    demand.loc["D2", column] = value

    with pytest.raises(ValueError, match=message):
        accessibility.e2sfca(demand, supply, "population")


def test_given_no_supply_when_measuring_nearest_distance_then_a_value_error_is_raised():
    with pytest.raises(ValueError, match="no supply"):
        accessibility.nearest_distance_km(on_equator([0.0]), on_equator([]))


# --- aggregation ------------------------------------------------------------------------------


@pytest.fixture
def points() -> pd.DataFrame:
    # Synthetic: district A has 100 people 2 km away and 300 people 7.5 km away; B has 50 at exactly 5 km.
    return pd.DataFrame(
        {
            "district": ["A", "A", "B"],
            "score": [1.0, 3.0, 2.0],
            "nearest_km": [2.0, 7.5, 5.0],
            "population": [100.0, 300.0, 50.0],
        }
    )


def test_given_points_when_averaged_then_the_mean_is_population_weighted(points):
    result = accessibility.weighted_mean_by(points, "score", "population", "district")

    assert result["A"] == pytest.approx((1 * 100 + 3 * 300) / 400)  # 2.5
    assert result["B"] == pytest.approx(2.0)


def test_given_points_when_share_beyond_is_taken_then_it_is_the_population_share_strictly_over_the_threshold(points):
    result = accessibility.share_beyond_pct(points, "nearest_km", "population", "district", 5.0)

    assert result["A"] == pytest.approx(75.0)  # 300 of 400 people
    assert result["B"] == 0.0  # exactly 5 km is not beyond 5 km


def test_given_a_group_without_weight_when_averaged_then_a_value_error_names_it(points):
    with pytest.raises(ValueError, match="B"):
        accessibility.weighted_mean_by(points.assign(population=[100.0, 300.0, 0.0]), "score", "population", "district")
