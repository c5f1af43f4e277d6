"""An imported series that replaces an index input, on screen, in the scene and in the pack: the
index page offers a switch for it (on by default, `imports=off` in the link), and with either
setting the page's numbers equal `dashboard.scene` for the same query and the pack's index uses
the same choice (issue #12: equality for an imported replacement).

The import is synthetic (labelled so): every district 60-99 %, standing in for the modelled
household internet, published into a copy of the session's real build and rebuilt once."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import helpers_data
from dashboard import data, i18n, scene
from etl import geography, importer

pytestmark = [pytest.mark.slow, pytest.mark.integration]
IMPORTED = "coverage_synthetic_pct"


@pytest.fixture(scope="module")
def imported_data_dir(built_data_dir: Path, mirror_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the real build with the synthetic series published and built in."""
    root = tmp_path_factory.mktemp("imported") / "data"
    shutil.copytree(built_data_dir / "raw", root / "raw")
    shutil.copytree(built_data_dir / "processed", root / "processed", symlinks=True)
    districts = pd.read_parquet(root / "processed" / "districts.parquet")
    upload = "code_state_district,year,value\n" + "".join(
        f"{code},2024,{60 + position % 40}\n" for position, code in enumerate(districts["code_state_district"])
    )
    request = importer.ImportRequest(
        IMPORTED,
        "Coverage (synthetic)",
        "Liputan (sintetik)",
        "% of households",
        True,
        replaces="internet_hh_pct",
        declared_source="synthetic test series",
    )
    result, paths = importer.import_indicator(
        upload.encode(),
        "synthetic.csv",
        request,
        districts[["code_state_district", "state", "district"]],
        geography.load_aliases(),
        data.catalogue(),
        importer.custom_dir(root),
    )
    assert paths is not None, result.problems
    env = {"JURANG_DATA_DIR": str(root), "JURANG_MIRROR": str(mirror_dir)}
    built = subprocess.run(
        [sys.executable, "-m", "etl", "build"],
        capture_output=True,
        text=True,
        timeout=600,
        env={**__import__("os").environ, **env},
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    return root


@pytest.fixture
def imported(imported_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(helpers_data.DATA_DIR_ENV_VAR, str(imported_data_dir))
    return imported_data_dir


def index_page(params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(helpers_data.APP_SCRIPT), default_timeout=90)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page("views/index.py")
    return at.run()


def shown_index(at: AppTest, labels: dict[str, str]) -> pd.DataFrame:
    """The domain breakdown table: district and index values as the page shows them."""
    return next(
        frame.value
        for frame in at.dataframe
        if {labels["need_rank"], labels["index"]} <= set(frame.value.columns)
        and pd.api.types.is_float_dtype(frame.value[labels["index"]])
    )


@pytest.mark.parametrize(
    "params", [{}, {"imports": "off"}, {"imports": "off", "state": "Sabah", "w_economy": "0.5"}], ids=str
)
def test_the_index_page_switch_and_numbers_follow_the_link(imported, params):
    at = index_page(params)

    assert not at.exception, [item.message for item in at.exception]
    switch = at.toggle(key="use_imported")
    assert switch.value is (params.get("imports") != "off")
    expected = scene.build(data.current_dataset(), "index", "&".join(f"{k}={v}" for k, v in params.items()))
    ranking = expected.tables["ranking"]
    shown = shown_index(at, ranking.labels)
    assert shown[ranking.labels["district"]].tolist() == ranking.frame["district"].tolist()
    assert shown[ranking.labels["index"]].tolist() == pytest.approx(ranking.frame["index"].tolist(), nan_ok=True)
    inputs = [item.value for item in at.caption if item.value.startswith("Inputs:")]
    assert inputs == [expected.sentences["index_inputs"]]
    replacing = "Coverage (synthetic) 2024 (imported, replacing"
    if params.get("imports") == "off":
        assert replacing not in inputs[0] and expected.sentences["imports_off"] in [item.value for item in at.info]
        assert at.query_params["imports"] == "off"
    else:
        assert replacing in inputs[0] and "imports_off" not in expected.sentences


def test_switching_off_gives_the_index_built_from_public_sources_alone(imported, real_data_dir):
    on = scene.build(data.current_dataset(), "index", "").tables["ranking"].frame.set_index("code_state_district")
    off = scene.build(data.current_dataset(), "index", "imports=off").tables["ranking"].frame
    off = off.set_index("code_state_district")
    assert not on["index"].equals(off["index"])  # the import changes the index…
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(helpers_data.DATA_DIR_ENV_VAR, str(real_data_dir))
        public = scene.build(data.current_dataset(), "index", "").tables["ranking"].frame
    public = public.set_index("code_state_district")
    # …and switched off, the index is the public build's (the imported series is no index input)
    assert off["index"].reindex(public.index).tolist() == pytest.approx(public["index"].tolist(), nan_ok=True)


def test_the_pack_follows_the_switch(imported):
    dataset = data.current_dataset()
    for query in ("state=Sabah", "state=Sabah&imports=off&w_economy=0.5"):
        pack = scene.build(dataset, "briefing", query)
        index = scene.build(dataset, "index", query)
        assert pack.tables["index"].frame.equals(index.tables["ranking"].frame)
        assert pack.sentences["index_inputs"].startswith(index.sentences["index_inputs"])
        assert ("imports_off" in index.sentences) is ("imports=off" in query)
        if "imports=off" in query:
            assert pack.sentences["index_inputs"].endswith(index.sentences["imports_off"])
    assert i18n.translate("imports_switch", "ms") != i18n.translate("imports_switch", "en")
