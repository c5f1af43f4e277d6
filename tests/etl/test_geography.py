"""Canonical districts: name matching, alias resolution and geometry helpers (etl/geography.py)."""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from etl import geography
from etl.errors import SourceValidationError, UnknownDistrictError

LABEL = "synthetic_source: synthetic/table.csv"


# Synthetic canonical list and alias table (three real-looking districts, not the real files).
@pytest.fixture
def canonical() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "state": ["Perak", "Perak", "Pahang"],
            "district": ["Larut Dan Matang", "Selama", "Cameron Highlands"],
            "code_state_district": ["8_6", "8_13", "6_2"],
        }
    )


@pytest.fixture
def aliases() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "state": ["Pahang", "Sarawak", "Perak"],
            "alias": ["Cameron Highland", "Gedong", "Larut Matang & Selama"],
            "code_state_district": ["6_2", "", "8_6;8_13"],  # blank = known and excluded; ';' = a group
        }
    )


def frame(*rows: tuple[str, str], **columns) -> pd.DataFrame:
    """A synthetic source table: one (state, district) per row plus a value column."""
    return pd.DataFrame(
        {"state": [s for s, _ in rows], "district": [d for _, d in rows], "value": range(len(rows)), **columns}
    )


# --- normalise_name -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Larut Dan Matang", "larut dan matang"),
        ("  larut   DAN\tMatang \n", "larut dan matang"),
        ("W.P. Kuala Lumpur", "w.p. kuala lumpur"),
        ("S.P.Tengah", "s.p.tengah"),  # punctuation is not touched: only case and whitespace
    ],
)
def test_given_a_name_when_normalised_then_case_and_whitespace_are_folded(raw, expected):
    assert geography.normalise_name(raw) == expected


def test_given_names_differing_only_in_case_and_spacing_when_normalised_then_they_are_equal():
    assert geography.normalise_name("Larut dan Matang") == geography.normalise_name("LARUT  Dan matang ")
    assert geography.normalise_name("Hulu Langat") != geography.normalise_name("Ulu Langat")


# --- resolve_districts --------------------------------------------------------------------


def test_given_exact_canonical_names_when_resolved_then_each_row_gets_its_code(canonical, aliases):
    source = frame(("Perak", "Selama"), ("Pahang", "Cameron Highlands"))

    resolution = geography.resolve_districts(source, canonical, aliases, LABEL)

    assert resolution.frame["code_state_district"].tolist() == ["8_13", "6_2"]
    assert resolution.frame["value"].tolist() == [0, 1]  # other columns kept
    assert resolution.aliased.empty
    assert resolution.excluded.empty


def test_given_names_in_other_case_and_spacing_when_resolved_then_they_match_canonical_not_alias(canonical, aliases):
    source = frame(("  perak ", "larut   dan MATANG"), ("PAHANG", "cameron highlands"))

    resolution = geography.resolve_districts(source, canonical, aliases, LABEL)

    assert resolution.frame["code_state_district"].tolist() == ["8_6", "6_2"]
    assert resolution.aliased.empty  # a spelling variant of a canonical name is not an alias
    assert resolution.frame["district"].tolist() == ["larut   dan MATANG", "cameron highlands"]  # source text untouched


def test_given_an_alias_name_when_resolved_then_it_gets_the_alias_code_and_is_reported(canonical, aliases):
    source = frame(("Pahang", "Cameron Highland"), ("Pahang", "Cameron Highland"), ("Perak", "Selama"))

    resolution = geography.resolve_districts(source, canonical, aliases, LABEL)

    assert resolution.frame["code_state_district"].tolist() == ["6_2", "6_2", "8_13"]
    assert resolution.aliased.to_dict("records") == [
        {"state": "Pahang", "district": "Cameron Highland", "code_state_district": "6_2"}
    ]  # one report line per distinct name, not per row


def test_given_an_alias_with_blank_code_when_resolved_then_rows_are_excluded_and_reported(canonical, aliases):
    source = frame(("Perak", "Selama"), ("Sarawak", "Gedong"), ("Sarawak", "gedong"))

    resolution = geography.resolve_districts(source, canonical, aliases, LABEL)

    assert resolution.frame["district"].tolist() == ["Selama"]
    assert "Gedong" not in set(resolution.frame["district"])
    assert sorted(resolution.excluded["district"]) == ["Gedong", "gedong"]
    assert set(resolution.excluded.columns) == {"state", "district"}
    assert resolution.aliased.empty  # excluded names are not "aliases used"


def test_given_an_unknown_name_when_resolved_then_error_names_source_column_name_and_row(canonical, aliases):
    source = frame(("Perak", "Selama"), ("Johor", "Atlantis"), ("Perak", "Selama"))

    with pytest.raises(UnknownDistrictError) as caught:
        geography.resolve_districts(source, canonical, aliases, LABEL)

    message = str(caught.value)
    assert LABEL in message
    assert "column 'district'" in message
    assert "'Atlantis'" in message
    assert "Johor" in message
    assert "rows [1]" in message
    assert "district_aliases.csv" in message  # says what to do


def test_given_a_custom_district_column_when_a_name_is_unknown_then_the_error_names_that_column(canonical, aliases):
    source = pd.DataFrame({"negeri": ["Perak", "Perak"], "daerah": ["Selama", "Nowhere"]})

    with pytest.raises(UnknownDistrictError, match=r"column 'daerah'.*'Nowhere' \(rows \[1\]\)"):
        geography.resolve_districts(source, canonical, aliases, LABEL, state_col="negeri", district_col="daerah")


def test_given_a_known_name_in_the_wrong_state_when_resolved_then_it_is_unknown(canonical, aliases):
    source = frame(("Pahang", "Selama"))

    with pytest.raises(UnknownDistrictError, match="Pahang / 'Selama'"):
        geography.resolve_districts(source, canonical, aliases, LABEL)


def test_given_a_group_alias_when_groups_not_allowed_then_error_names_source_and_name(canonical, aliases):
    source = frame(("Perak", "Larut Matang & Selama"))

    with pytest.raises(SourceValidationError) as caught:
        geography.resolve_districts(source, canonical, aliases, LABEL)

    assert LABEL in str(caught.value)
    assert "Larut Matang & Selama" in str(caught.value)
    assert "column 'district'" in str(caught.value)


def test_given_a_group_alias_when_groups_allowed_then_the_joined_codes_are_kept(canonical, aliases):
    source = frame(("Perak", "Larut Matang & Selama"), ("Perak", "Selama"))

    resolution = geography.resolve_districts(source, canonical, aliases, LABEL, allow_groups=True)

    assert resolution.frame["code_state_district"].tolist() == ["8_6;8_13", "8_13"]
    assert resolution.aliased["code_state_district"].tolist() == ["8_6;8_13"]


# --- geometry -----------------------------------------------------------------------------


def test_given_a_self_intersecting_bow_tie_when_repaired_then_result_is_valid_and_polygonal():
    # Synthetic bow-tie: edges (0,0)-(1,1) and (1,0)-(0,1) cross at (0.5, 0.5).
    bow_tie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    boundaries = gpd.GeoDataFrame({"code_state_district": ["1_1"]}, geometry=[bow_tie], crs="EPSG:4326")
    assert not boundaries.geometry.is_valid.iloc[0]

    repaired = geography.repair_geometry(boundaries)

    geometry = repaired.geometry.iloc[0]
    assert geometry.is_valid
    assert geometry.geom_type in {"Polygon", "MultiPolygon"}
    # two triangles of base 1 and height 0.5: 2 * 0.25 = 0.5 square degrees
    assert geometry.area == pytest.approx(0.5)
    assert repaired["code_state_district"].tolist() == ["1_1"]
    assert not boundaries.geometry.iloc[0].is_valid  # input not modified


def test_given_a_one_degree_square_at_the_equator_when_measured_then_area_is_about_12364_km2():
    # Synthetic 1°x1° cell. Sphere (R = 6371 km): R² · (π/180) · sin(1°) = 12,364 km².
    # On the WGS 84 ellipsoid (what EPSG:6933 uses) it is about 12,308 km², 0.45 % less.
    square = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)], crs="EPSG:4326")
    sphere = 6371.0**2 * math.radians(1) * math.sin(math.radians(1))
    assert sphere == pytest.approx(12_364, abs=1)

    area = geography.area_km2(square).iloc[0]

    assert area == pytest.approx(12_364, rel=0.01)
    assert square.crs == "EPSG:4326"  # measured in a copy, input CRS unchanged


def test_given_a_square_far_from_the_equator_when_measured_then_area_shrinks_with_cos_latitude():
    # Synthetic 1°x1° cell from 60°N to 61°N: sphere area = R² · (π/180) · (sin 61° − sin 60°) ≈ 6,122 km².
    square = gpd.GeoDataFrame(geometry=[box(0, 60, 1, 61)], crs="EPSG:4326")
    expected = 6371.0**2 * math.radians(1) * (math.sin(math.radians(61)) - math.sin(math.radians(60)))

    assert geography.area_km2(square).iloc[0] == pytest.approx(expected, rel=0.01)


def _jagged_neighbours(teeth: int = 50, amplitude: float = 0.0005) -> gpd.GeoDataFrame:
    """Synthetic: two unit squares side by side whose shared edge x≈1 zig-zags by `amplitude` degrees."""
    edge = [(1 + (amplitude if i % 2 else 0.0), i / teeth) for i in range(teeth + 1)]
    west = Polygon([(0, 0), *edge, (0, 1)])
    east = Polygon([*edge, (2, 1), (2, 0)])
    return gpd.GeoDataFrame({"code_state_district": ["1_1", "1_2"]}, geometry=[west, east], crs="EPSG:4326")


def _vertices(geometry) -> int:
    return len(geometry.exterior.coords)


def test_given_two_adjacent_squares_when_simplified_for_display_then_they_still_share_an_edge():
    neighbours = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:4326")

    display = geography.display_geometry(neighbours)

    west, east = display.iloc[0], display.iloc[1]
    assert west.intersection(east).area == pytest.approx(0, abs=1e-12)  # no overlap
    assert west.intersection(east).length == pytest.approx(1.0)  # the whole shared edge
    union = west.union(east)
    assert union.geom_type == "Polygon" and not list(union.interiors)  # no gap
    assert union.area == pytest.approx(2.0)


def test_given_a_jagged_shared_edge_when_simplified_then_fewer_vertices_and_no_gap_or_overlap():
    neighbours = _jagged_neighbours()
    before = [_vertices(g) for g in neighbours.geometry]

    display = geography.display_geometry(neighbours)

    west, east = display.iloc[0], display.iloc[1]
    after = [_vertices(west), _vertices(east)]
    assert all(a < b for a, b in zip(after, before)), (before, after)
    assert west.is_valid and east.is_valid
    assert west.intersection(east).area == pytest.approx(0, abs=1e-12)  # no overlap
    shared = west.boundary.intersection(east.boundary)
    assert shared.length >= 1.0 - 1e-9  # the shared edge runs the full height y=0..1
    union = west.union(east)
    assert union.geom_type == "Polygon" and not list(union.interiors)  # no gap
    assert union.area == pytest.approx(west.area + east.area)
    assert union.area == pytest.approx(2.0, abs=1e-3)


# --- the real alias table -----------------------------------------------------------------


def test_given_the_alias_table_when_loaded_then_no_state_alias_pair_is_duplicated():
    aliases = geography.load_aliases()

    assert list(aliases.columns[:3]) == ["state", "alias", "code_state_district"]
    keys = list(zip(aliases["state"].map(geography.normalise_name), aliases["alias"].map(geography.normalise_name)))
    assert len(keys) == len(set(keys)), "duplicate (state, alias) after case/space folding"
    assert not aliases["alias"].eq("").any()


def test_given_a_duplicated_alias_when_loaded_then_it_is_rejected(tmp_path):
    path = tmp_path / "aliases.csv"  # synthetic two-row table with the same (state, alias)
    path.write_text(
        "state,alias,code_state_district\nPahang,Kuala Lipis,6_5\nPahang,Kuala Lipis,6_4\n", encoding="utf-8"
    )

    with pytest.raises(ValueError, match="Kuala Lipis"):
        geography.load_aliases(path)


@pytest.mark.integration
def test_given_the_alias_table_when_checked_against_dosm_codes_then_every_code_exists_in_its_state(mirror_dir):
    codes = pd.read_csv(mirror_dir / "dosm_data_open" / "state_district.csv", dtype=str)
    state_of = dict(zip(codes["code_state_district"], codes["state"]))
    canonical_keys = {
        (geography.normalise_name(s), geography.normalise_name(d)): c
        for s, d, c in codes[["state", "district", "code_state_district"]].itertuples(index=False)
    }
    aliases = geography.load_aliases()

    problems = []
    for state, alias, joined in aliases[["state", "alias", "code_state_district"]].itertuples(index=False):
        for code in filter(None, joined.split(geography.GROUP_SEPARATOR)):
            if code not in state_of:
                problems.append(f"{state} / {alias}: code {code} not in state_district.csv")
            elif state_of[code] != state:
                problems.append(f"{state} / {alias}: code {code} belongs to {state_of[code]}")
        # an alias spelled like a canonical name is shadowed by it: it must then agree with it
        canonical_code = canonical_keys.get((geography.normalise_name(state), geography.normalise_name(alias)))
        if canonical_code is not None and canonical_code != joined:
            problems.append(f"{state} / {alias}: shadowed by canonical {canonical_code}, alias says {joined!r}")
    assert not problems
    assert len(codes) == 160


def test_dissolved_outlines_lose_sliver_holes_but_keep_enclaves():
    # synthetic: a 1-degree square near the equator with a ~0.25 km² hole (a simplification gap)
    # and a ~120 km² hole (an enclave, like W.P. Kuala Lumpur inside Selangor)
    import geopandas as gpd
    from shapely.geometry import Polygon

    from etl import geography

    sliver = [(100.2, 2.2), (100.2045, 2.2), (100.2045, 2.2045), (100.2, 2.2045)]
    enclave = [(100.5, 2.5), (100.6, 2.5), (100.6, 2.6), (100.5, 2.6)]
    outline = Polygon([(100, 2), (101, 2), (101, 3), (100, 3)], [sliver, enclave])
    cleaned = geography.without_sliver_holes(gpd.GeoSeries([outline], crs="EPSG:4326")).iloc[0]
    assert len(cleaned.interiors) == 1 and Polygon(cleaned.interiors[0]).equals(Polygon(enclave))
