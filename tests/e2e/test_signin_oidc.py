"""Sign-in end to end (issue #19, item 5): Streamlit's OpenID Connect login against a real OpenID
provider on loopback (oidc-provider-mock, its login form driven in the browser), mapped to scopes by a
temporary access file (dashboard.access).

A state official lands on their state, is offered only their own state's briefing pack (even when the
URL asks for another) and may preview but not publish an upload; a ministry user publishes (written to
a private copy of the build, logged with their e-mail); an unlisted user gets the file's default (none,
then ministry after the file changes); signing out ends the session at the provider and in the app.

Secrets (cookie secret, client id and secret) are generated per run into a temporary working folder's
.streamlit/secrets.toml beside a copy of the repo's config.toml; the server runs from that folder,
so nothing is written into the repo's .streamlit/. The uploaded series is SYNTHETIC.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import warnings
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest
import yaml

import helpers_data
import helpers_server
from etl import import_log

# the mock provider still uses Authlib's deprecated jose module (its own business, not ours)
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.filterwarnings("ignore::authlib.deprecate.AuthlibDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning"),
]
expect = pytest.importorskip("playwright.sync_api", reason="playwright (python package) is not installed").expect
# (authlib.deprecate puts an "always" filter first when imported: imported before ours goes on top of it)
pytest.importorskip(
    "authlib.deprecate", reason="Authlib (Streamlit's login needs it; requirements.txt) is not installed"
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    oidc_provider_mock = pytest.importorskip(
        "oidc_provider_mock", reason="oidc-provider-mock (requirements-dev.txt) is not installed"
    )

WAIT_MS = (
    90_000  # a first page run on a fresh server on a shared 2-core machine; waiting longer never slows a passing test
)
STATE_OFFICIAL = "pegawai@sabah.example.gov.my"
MINISTRY_USER = "planner@example.gov.my"
UNLISTED_USER = "visitor@elsewhere.example.org"
ACCESS = {
    "default": "none",
    "users": [{"email": MINISTRY_USER, "role": "ministry"}],
    "domains": [{"domain": "sabah.example.gov.my", "role": "state", "state": "Sabah"}],
}


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def provider():
    """The OpenID provider on 127.0.0.1 (a thread of this process); its issuer URL."""
    with oidc_provider_mock.run_server_in_thread() as server:
        host, port = server.server_address[:2]
        assert host in ("127.0.0.1", "::1"), f"the provider must listen on loopback, not {host}"
        yield f"http://{'127.0.0.1' if host == '127.0.0.1' else '[::1]'}:{port}"


@pytest.fixture(scope="module")
def signin_setup(e2e_data_dir: Path, tmp_path_factory: pytest.TempPathFactory, provider: str) -> dict:
    """A private copy of the build (publishing writes custom/), the access file, and a working folder
    holding the repo's config.toml and this run's generated secrets.toml."""
    root = tmp_path_factory.mktemp("signin")
    data_dir = root / "data"
    shutil.copytree(e2e_data_dir / "processed", data_dir / "processed", symlinks=True)
    access_file = root / "access.yaml"
    access_file.write_text(yaml.safe_dump(ACCESS), encoding="utf-8")
    port = _free_port()
    workdir = root / "work"
    (workdir / ".streamlit").mkdir(parents=True)
    shutil.copy(helpers_data.REPO_ROOT / ".streamlit" / "config.toml", workdir / ".streamlit" / "config.toml")
    (workdir / ".streamlit" / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        f'client_id = "jurang-e2e-{secrets.token_hex(4)}"\n'
        f'client_secret = "{secrets.token_urlsafe(24)}"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    return {"data_dir": data_dir, "access_file": access_file, "workdir": workdir, "port": port}


@pytest.fixture(scope="module")
def signin_server(signin_setup: dict):
    """`streamlit run <repo>/dashboard/app.py` from the working folder (its .streamlit/ applies); base URL."""
    base = f"http://127.0.0.1:{signin_setup['port']}"
    log_path = signin_setup["workdir"] / "server.log"
    env = {
        **os.environ,
        helpers_data.DATA_DIR_ENV_VAR: str(signin_setup["data_dir"]),
        "JURANG_ACCESS_FILE": str(signin_setup["access_file"]),
        "JURANG_WARMUP": "0",  # no background warm-up competing with the journeys
        "PYTHONPATH": os.pathsep.join(filter(None, [str(helpers_data.REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    command = helpers_server.streamlit_command(helpers_data.REPO_ROOT / "dashboard" / "app.py", signin_setup["port"])
    with helpers_server.running(command, signin_setup["port"], signin_setup["workdir"], env, log_path):
        yield base


@pytest.fixture
def new_page(browser, artifacts_dir, request, signin_setup):
    """Pages in fresh browser contexts (one per user: their own cookies). Requests leaving loopback
    are refused (the provider's form links a CDN stylesheet) and listed; none may be an error page."""
    contexts, outside = [], []

    def keep_on_loopback(route) -> None:
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost", "::1") or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    def make():
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
        context.set_default_timeout(WAIT_MS)
        context.route("**/*", keep_on_loopback)
        contexts.append(context)
        return context.new_page()

    yield make
    for number, context in enumerate(contexts):
        for page in context.pages:
            page.screenshot(path=str(artifacts_dir / f"{request.node.name}_{number}.png"), full_page=True)
            shown = helpers_server.exceptions_shown(page, signin_setup["workdir"] / "server.log")
            assert not shown, shown
        context.close()
    assert all(urlparse(url).hostname == "cdn.jsdelivr.net" for url in outside), (
        outside
    )  # only the mock's own stylesheet


def sign_in(page, base: str, email: str) -> None:
    """Open the app, press Sign in, authorise `email` on the provider's form, come back to the app."""
    page.goto(base + "/")
    expect(page.get_by_text("asks you to sign in")).to_be_visible(timeout=WAIT_MS)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_placeholder("sub").fill(email)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{base}/**")
    expect(page.get_by_text(f"Signed in as {email}")).to_be_visible(timeout=WAIT_MS)


def preview_synthetic_upload(page, base: str, data_dir: Path) -> None:
    """Upload a SYNTHETIC series for every district and wait for the private preview."""
    codes = pd.read_parquet(data_dir / "processed" / "districts.parquet", columns=["code_state_district"])[
        "code_state_district"
    ]
    payload = (
        "code_state_district,year,value\n" + "".join(f"{code},2024,{60 + i % 40}\n" for i, code in enumerate(codes))
    ).encode()
    page.goto(base + "/upload")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": "synthetic.csv", "mimeType": "text/csv", "buffer": payload}]
    )
    expect(page.get_by_text("synthetic.csv", exact=True)).to_be_visible(timeout=WAIT_MS)
    for label, value in (
        ("Indicator id", "coverage_synthetic_pct"),
        ("Label in English", "Coverage (synthetic)"),
        ("Label in Bahasa Malaysia", "Liputan (sintetik)"),
        ("Unit", "% of households"),
        ("Source (agency, dataset, date)", "synthetic test series"),
    ):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Check and preview").click()
    expect(page.get_by_text("Preview — only you see this.")).to_be_visible(timeout=WAIT_MS)


def test_a_state_official_lands_on_their_state_exports_only_it_cannot_publish_and_signs_out(
    new_page, signin_server, signin_setup, provider
):
    page = new_page()
    sign_in(page, signin_server, STATE_OFFICIAL)
    expect(page.get_by_text(f"Signed in as {STATE_OFFICIAL} · Sabah")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_role("combobox", name="State")).to_have_value(
        "Sabah", timeout=WAIT_MS
    )  # the overview opens on their state

    page.goto(signin_server + "/export?state=Kedah")  # a link asking for another state's pack
    expect(page.get_by_text("Your account exports packs for Sabah.")).to_be_visible(timeout=WAIT_MS)
    scope_box = page.get_by_role("combobox", name="Scope")
    expect(scope_box).to_have_value("Sabah", timeout=WAIT_MS)
    scope_box.click()
    expect(page.get_by_role("option")).to_have_text(["Sabah"], timeout=WAIT_MS)  # no other state, no national pack
    page.keyboard.press("Escape")

    preview_synthetic_upload(page, signin_server, signin_setup["data_dir"])
    expect(page.get_by_text("Only ministry users can publish")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_role("button", name="Publish for everyone")).to_have_count(0, timeout=WAIT_MS)
    assert not (signin_setup["data_dir"] / "custom").exists()  # nothing written

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{provider}/oauth2/end_session**")  # the provider's end-session endpoint (RP-initiated logout)
    page.get_by_role(
        "button", name="End session"
    ).click()  # confirm at the provider; it sends the browser back to the app
    page.wait_for_url(f"{signin_server}/**")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=WAIT_MS)
    page.goto(signin_server + "/export")  # the session cookie is gone: nothing without signing in again
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("Signed in as")).to_have_count(0, timeout=WAIT_MS)


def test_a_ministry_user_publishes_and_it_is_logged(new_page, signin_server, signin_setup):
    page = new_page()
    sign_in(page, signin_server, MINISTRY_USER)
    expect(page.get_by_text(f"Signed in as {MINISTRY_USER} · All states")).to_be_visible(timeout=WAIT_MS)

    page.goto(signin_server + "/export?state=Kedah")  # any state's pack, and the national one
    scope_box = page.get_by_role("combobox", name="Scope")
    expect(scope_box).to_have_value("Kedah", timeout=WAIT_MS)
    scope_box.click()
    expect(page.get_by_role("option", name="Malaysia", exact=True)).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_role("option", name="Sabah", exact=True)).to_be_visible(timeout=WAIT_MS)
    page.keyboard.press("Escape")

    preview_synthetic_upload(page, signin_server, signin_setup["data_dir"])
    page.get_by_text("I have checked the preview").click()
    page.get_by_role("button", name="Publish for everyone").click()
    expect(page.get_by_text("Published coverage_synthetic_pct for everyone")).to_be_visible(timeout=WAIT_MS)

    custom = signin_setup["data_dir"] / "custom"
    assert (custom / "coverage_synthetic_pct.csv").exists()
    log = [json.loads(line) for line in import_log.log_path(custom).read_text(encoding="utf-8").splitlines()]
    assert [(entry["id"], entry["by"], entry["via"]) for entry in log] == [
        ("coverage_synthetic_pct", MINISTRY_USER, "app")
    ]


def test_an_unlisted_user_gets_the_access_files_default(new_page, signin_server, signin_setup):
    page = new_page()
    sign_in(page, signin_server, UNLISTED_USER)  # default: none
    expect(page.get_by_text("Your account has no access to this deployment")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_role("combobox", name="State")).to_have_count(0, timeout=WAIT_MS)

    signin_setup["access_file"].write_text(yaml.safe_dump({**ACCESS, "default": "ministry"}), encoding="utf-8")
    try:
        page.reload()  # the mapping is read on every run: the same user now gets the new default
        expect(page.get_by_text(f"Signed in as {UNLISTED_USER} · All states")).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_role("combobox", name="State")).to_have_value("All states", timeout=WAIT_MS)
    finally:
        signin_setup["access_file"].write_text(yaml.safe_dump(ACCESS), encoding="utf-8")
