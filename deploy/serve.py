"""One Jurang replica: `streamlit run dashboard/app.py` with the warm-up started at process start.

    python deploy/serve.py [streamlit options…]      e.g. --server.port 8502 --server.address 127.0.0.1

Streamlit runs an app's script only when a browser connects, so `streamlit run` alone would load
the data and import pandas/plotly/geopandas on the first visitor's clock. Here a daemon thread
(dashboard.warmup) does that work while the server starts and the first browser parses
Streamlit's JavaScript; the same process then serves the app exactly as `streamlit run` does
(cwd = the repository, so .streamlit/config.toml applies).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "dashboard" / "app.py"
# Streamlit-side modules of the first script run, imported by the warm-up thread too.
PAGE_MODULES = ("dashboard.ui", "dashboard.url_state", "dashboard.signin", "dashboard.chart_downloads")


def main() -> None:
    """Start the warm-up thread, then Streamlit's own CLI in this (main) thread. The project is
    installed (`pip install -e .`, as `make install` does), so `dashboard` imports from anywhere."""
    os.chdir(REPO)
    from streamlit.web import cli  # first, in this thread: Streamlit reads its config from the CLI flags below

    from dashboard import warmup

    if os.environ.get("JURANG_WARMUP", "1") != "0":
        warmup.start(modules=PAGE_MODULES)
    sys.argv = ["streamlit", "run", str(APP), *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
