"""Shared fixtures of the dashboard tests."""

from __future__ import annotations

import pytest

import helpers_data


@pytest.fixture(scope="module")
def dataset(built_data_dir):
    """The session's real build as the dashboard loads it, with JURANG_DATA_DIR pointing at it for
    the module (the catalogue and registry are read from the same build)."""
    from dashboard import data

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(helpers_data.DATA_DIR_ENV_VAR, str(built_data_dir))
        processed = built_data_dir / "processed"
        yield data.load_dataset(data.manifest_token(processed), processed)
