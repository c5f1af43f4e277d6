"""Browser-side figures for the Map page, in Debian's chromium driven by Playwright:

  (a) cold start: `streamlit run` process start -> /_stcore/health ok, and -> first map painted;
  (b) filter change -> repaint: State selectbox change (a rerun in the same session) and a shared
      URL /map?state=...&indicator=...&year=... opened in a new tab (a new session), median of 5;
  (c) bytes the browser receives for the first map: HTTP bodies (GeoJSON shapes listed apart)
      and the WebSocket frames that carry the figure.

The script starts its own server on a free loopback port and stops it (by PID) at the end.
Run: python bench/bench_browser.py   (uses $JURANG_DATA_DIR or data/, built by `python -m etl build`)
"""

from __future__ import annotations

import base64
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pandas as pd

from etl import config

REPO_ROOT = Path(__file__).resolve().parent.parent

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
EXCEPTION = '[data-testid="stException"]'
DISTRICT_PATHS = ".js-plotly-plot .choroplethlocation"
# Streamlit probes <subpath>/_stcore/health and host-config when a page is opened at a sub-path.
KNOWN_PROBE_404 = re.compile(r"^https?://(127\.0\.0\.1|localhost):\d+/.+/_stcore/(health|host-config)$")
INDICATOR, YEAR = "piped_water_hh_pct", 2024

# The map shows exactly `expected` districts (the data traces: keyed by district code, with hover)
# and they have been painted (at least that many .choroplethlocation paths in the SVG).
MAP_SHOWS_JS = """(expected) => {
    const plot = document.querySelector('.js-plotly-plot');
    if (!plot || !plot.data || document.querySelectorAll('.js-plotly-plot').length !== 1) return false;
    const codes = plot.data
        .filter(t => t.type === 'choropleth' && t.featureidkey === 'properties.code_state_district' && t.hoverinfo !== 'skip')
        .flatMap(t => Array.from(t.locations));
    if (codes.length !== expected.length) return false;
    const want = new Set(expected);
    if (!codes.every(c => want.has(c))) return false;
    return plot.querySelectorAll('.choroplethlocation').length >= expected.length;
}"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_mib(pid: int) -> float:
    """Resident memory of a process (VmRSS from /proc), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Server:
    """Our own `streamlit run dashboard/app.py` on a free loopback port; stop() ends it by PID."""

    def __init__(self, data_dir: Path):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(tempfile.mkstemp(prefix="bench_streamlit_", suffix=".log")[1])
        env = {**os.environ, "JURANG_DATA_DIR": str(data_dir)}
        command = [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.port", str(self.port),
                   "--server.headless", "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
        self.started = time.perf_counter()
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.pid = self.process.pid

    def wait_healthy(self, timeout: float = 60) -> float:
        """Seconds from process start until /_stcore/health answers ok."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/_stcore/health", timeout=2) as response:
                    if response.read().decode().strip() == "ok":
                        return time.perf_counter() - self.started
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"streamlit not healthy after {timeout} s")

    def rss_mib(self) -> float:
        return rss_mib(self.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def data_dir() -> Path:
    directory = config.data_dir() if hasattr(config, "data_dir") else Path(os.environ.get("JURANG_DATA_DIR", REPO_ROOT / "data"))
    directory = Path(os.environ.get("JURANG_DATA_DIR", directory))
    if not (directory / "processed" / "districts.parquet").exists():
        sys.exit(f"no build in {directory}: run `JURANG_DATA_DIR={directory} python -m etl build --mirror <raw mirror>` first")
    return directory


def district_codes(directory: Path) -> dict[str, list[str]]:
    """District codes by state, plus 'all'."""
    districts = pd.read_parquet(directory / "processed" / "districts.parquet", columns=["code_state_district", "state"])
    by_state = {state: sorted(group["code_state_district"]) for state, group in districts.groupby("state")}
    by_state["all"] = sorted(districts["code_state_district"])
    return by_state


def map_url(base: str, state: str, indicator: str = INDICATOR, year: int = YEAR) -> str:
    return f"{base}/map?state={urllib.request.quote(state)}&indicator={indicator}&year={year}"


def wait_for_map(page, codes: list[str], timeout_ms: float = 30_000) -> None:
    """Wait until the map shows exactly `codes`; raise at once if Streamlit shows an exception."""
    page.locator(f".js-plotly-plot, {EXCEPTION}").first.wait_for(timeout=timeout_ms)
    if page.locator(EXCEPTION).count():
        raise RuntimeError("the page raised: " + page.locator(EXCEPTION).first.inner_text()[:500])
    page.wait_for_function(MAP_SHOWS_JS, arg=codes, timeout=timeout_ms)


def choose_state(page, state: str) -> None:
    """Pick a state in the State selectbox: click, type, Enter (as a user would)."""
    box = page.get_by_role("combobox", name="State")
    box.click()
    page.keyboard.type(state)
    page.keyboard.press("Enter")


def main() -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    directory = data_dir()
    codes = district_codes(directory)
    states = ["Sabah", "Perak", "Johor", "Sarawak", "Kedah", "Selangor"]
    console_errors: list[str] = []

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)  # launched before the clock starts
        server = Server(directory)
        try:
            health_s = server.wait_healthy()
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
            context.set_default_timeout(30_000)
            page = context.new_page()

            def on_console(message) -> None:
                url = (message.location or {}).get("url", "")
                if message.type == "error" and not ("404" in message.text and KNOWN_PROBE_404.match(url)):
                    console_errors.append(f"{message.text} ({url})")

            page.on("console", on_console)
            page.on("pageerror", lambda error: console_errors.append(f"pageerror: {error}"))

            # (c) bytes: CDP sees every HTTP response's encoded length and every WebSocket frame.
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            http: dict[str, dict] = {}
            ws_bytes = [0, 0]  # received payload bytes, frames

            cdp.on("Network.responseReceived", lambda e: http.setdefault(e["requestId"], {}).update(url=e["response"]["url"]))
            cdp.on("Network.loadingFinished", lambda e: http.setdefault(e["requestId"], {}).update(encoded=e["encodedDataLength"]))

            def on_frame(event) -> None:
                response = event["response"]
                payload = response["payloadData"]
                ws_bytes[0] += len(base64.b64decode(payload)) if response.get("opcode") == 2 else len(payload.encode())
                ws_bytes[1] += 1

            cdp.on("Network.webSocketFrameReceived", on_frame)
            bodies: dict[str, int] = {}

            def on_response(response) -> None:
                try:
                    bodies[response.url] = bodies.get(response.url, 0) + len(response.body())
                except PlaywrightError:  # redirects and websocket upgrades have no body
                    bodies.setdefault("(no body)", 0)

            page.on("response", on_response)

            # (a) cold start -> first map painted (the first page load in a fresh browser context)
            goto_started = time.perf_counter()
            page.goto(server.base_url + "/map")
            wait_for_map(page, codes["all"], timeout_ms=60_000)
            page.locator(DISTRICT_PATHS).first.wait_for(state="visible")
            painted = time.perf_counter()
            first_map_s = painted - server.started
            goto_map_s = painted - goto_started
            page.wait_for_timeout(500)  # let trailing responses finish before counting bytes
            page.remove_listener("response", on_response)
            cdp.remove_listener("Network.webSocketFrameReceived", on_frame)
            first_ws = tuple(ws_bytes)
            http_total = sum(r.get("encoded", 0) for r in http.values())
            http_count = len(http)
            geo = {r["url"].rsplit("/", 1)[-1].split("?")[0]: r.get("encoded", 0) for r in http.values() if ".geojson" in r.get("url", "")}
            body_total = sum(bodies.values())
            by_kind: dict[str, list[int]] = {}
            for r in http.values():
                path = urllib.parse.urlparse(r.get("url", "")).path
                kind = ("GeoJSON shapes" if path.endswith(".geojson") else
                        "Streamlit frontend " + (path.rsplit(".", 1)[-1] if "/static/" in path and "." in path.rsplit("/", 1)[-1] else "other")
                        if "/static/" in path else path if path.startswith("/_stcore") else "page / other")
                entry = by_kind.setdefault(kind, [0, 0])
                entry[0] += 1
                entry[1] += r.get("encoded", 0)
            geo_body = {u.rsplit("/", 1)[-1].split("?")[0]: n for u, n in bodies.items() if ".geojson" in u}
            # second view of the same page (browser cache warm, same server): a reload
            reload_started = time.perf_counter()
            page.reload()
            wait_for_map(page, codes["all"])
            warm_reload_s = time.perf_counter() - reload_started

            # (b1) State selectbox change -> repaint (same session, a Streamlit rerun)
            select_times = []
            for state in states:
                started = time.perf_counter()
                choose_state(page, state)
                wait_for_map(page, codes[state])
                select_times.append(time.perf_counter() - started)
            # back to all states once (160 districts: the biggest redraw)
            started = time.perf_counter()
            choose_state(page, "All states")
            wait_for_map(page, codes["all"])
            select_all_s = time.perf_counter() - started

            # (b2) a shared URL /map?state=... opened by navigation (a new session each time)
            url_times = []
            for state in states:
                started = time.perf_counter()
                page.goto(map_url(server.base_url, state))
                wait_for_map(page, codes[state])
                url_times.append(time.perf_counter() - started)
            exceptions = page.locator(EXCEPTION).count()
            context.close()
            rss = server.rss_mib()
        finally:
            server.stop()
            browser.close()

    def ms(seconds: float) -> str:
        return f"{1000 * seconds:,.0f} ms"

    print(f"bench_browser: Map page in chromium ({CHROMIUM}), own server pid {server.pid} on 127.0.0.1, data {directory}")
    print(f"cold start: process start -> /_stcore/health ok          {health_s:6.2f} s")
    print(f"cold start: process start -> first map painted (/map)    {first_map_s:6.2f} s  (of which page open -> map {goto_map_s:.2f} s)")
    print(f"warm reload of /map (new session, browser cache warm)    {warm_reload_s:6.2f} s")
    print(f"filter change, State selectbox -> repaint (median of {len(select_times)})  {ms(statistics.median(select_times))}  "
          f"(min {ms(min(select_times))}, max {ms(max(select_times))}; each: {', '.join(f'{s} {1000 * t:.0f}' for s, t in zip(states, select_times))})")
    print(f"filter change, State selectbox -> all 160 districts      {ms(select_all_s)}")
    print(f"shared URL /map?state=..&indicator=..&year=.. -> map (median of {len(url_times)})  {ms(statistics.median(url_times))}  "
          f"(min {ms(min(url_times))}, max {ms(max(url_times))})")
    print(f"first map, HTTP transferred (encodedDataLength, {http_count} responses)  {http_total / 1024:,.0f} KiB")
    print(f"first map, HTTP response bodies (decoded)                {body_total / 1024:,.0f} KiB")
    for kind, (count, size) in sorted(by_kind.items(), key=lambda item: -item[1][1]):
        print(f"  {kind:<40} {count:5d} responses  {size / 1024:8,.0f} KiB transferred")
    for name in sorted(set(geo) | set(geo_body)):
        print(f"  of which {name}: transferred {geo.get(name, 0) / 1024:,.0f} KiB, body {geo_body.get(name, 0) / 1024:,.0f} KiB")
    print(f"first map, WebSocket frames received (figure + page)      {first_ws[0] / 1024:,.0f} KiB in {first_ws[1]} frames")
    print(f"first map, total (HTTP transferred + WebSocket)           {(http_total + first_ws[0]) / 1024:,.0f} KiB")
    print(f"server RSS at the end                                     {rss:,.0f} MiB")
    print(f"errors: stException elements {exceptions}, console errors {len(console_errors)}")
    for error in console_errors[:10]:
        print("  console:", error[:300])
    if exceptions or console_errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
