"""The dashboard's pages in one registry: app.py builds st.navigation from it, tests iterate over it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

VIEWS_DIR = Path(__file__).resolve().parent / "views"  # not "pages/": that name triggers Streamlit's legacy auto-pages


@dataclass(frozen=True)
class PageSpec:
    file: str  # in dashboard/views/
    title_key: str  # locale key of the page title
    icon: str  # Material icon name (bundled with Streamlit, not fetched)
    url_path: str | None  # None = the default page, served at "/"
    section_key: str  # locale key of its navigation section ("" = no heading)

    @property
    def path(self) -> Path:
        return VIEWS_DIR / self.file


PAGES = [
    PageSpec("overview.py", "nav_overview", "dashboard", None, ""),
    PageSpec("map.py", "nav_map", "map", "map", "nav_section_explore"),
    PageSpec("gaps.py", "nav_gaps", "compare_arrows", "gaps", "nav_section_explore"),
    PageSpec("index.py", "nav_index", "leaderboard", "index", "nav_section_explore"),
    PageSpec("district.py", "nav_district", "location_city", "district", "nav_section_explore"),
    PageSpec("connectivity.py", "nav_connectivity", "cell_tower", "connectivity", "nav_section_explore"),
    PageSpec("targets.py", "nav_targets", "flag", "targets", "nav_section_track"),
    PageSpec("plan.py", "nav_plan", "calculate", "plan", "nav_section_track"),
    PageSpec("export.py", "nav_export", "download", "export", "nav_section_share"),
    PageSpec("upload.py", "nav_upload", "upload_file", "upload", "nav_section_share"),
    PageSpec("sources.py", "nav_sources", "description", "sources", "nav_section_share"),
]
