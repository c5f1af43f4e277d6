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

import argparse
import base64
import json
import os
import re
import signal
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
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EXCEPTION = '[data-testid="stException"]'
DISTRICT_PATHS = ".js-plotly-plot .choroplethlocation"
# Streamlit probes <subpath>/_stcore/health and host-config when a page is opened at a sub-path.
KNOWN_PROBE_404 = re.compile(r"^https?://(127\.0\.0\.1|localhost):\d+/.+/_stcore/(health|host-config)$")
INDICATOR, YEAR = "piped_water_hh_pct", 2024

# The map shows exactly `expected` districts (the data traces: keyed by district code, with hover)
# and they have been painted (at least that many .choroplethlocation paths in the SVG).
MAP_SHOWS_JS = (
    """(expected) => {
    const plot = document.querySelector('.js-plotly-plot');
    if (!plot || !plot.data || document.querySelectorAll('.js-plotly-plot').length !== 1) return false;
    const codes = plot.data
        .filter(t => t.type === 'choropleth' && t.featureidkey === 'properties.code_state_district'"""
    """ && t.hoverinfo !== 'skip')
        .flatMap(t => Array.from(t.locations));
    if (codes.length !== expected.length) return false;
    const want = new Set(expected);
    if (!codes.every(c => want.has(c))) return false;
    return plot.querySelectorAll('.choroplethlocation').length >= expected.length;
}"""
)


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
    """Our own server on a free loopback port (JURANG_TIMINGS=1: it logs each script run's time);
    stop() ends it by PID. launcher "serve" = deploy/serve.py (as `make run` and the replicas: the warm-up
    starts at process start), "run" = plain `streamlit run dashboard/app.py` (warm-up after the first run)."""

    def __init__(self, data_dir: Path, launcher: str = "serve", repo: Path = REPO_ROOT):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(tempfile.mkstemp(prefix="bench_streamlit_", suffix=".log")[1])
        self.log_paths = [self.log_path]
        env = {**os.environ, "JURANG_DATA_DIR": str(data_dir), "JURANG_TIMINGS": "1"}
        if repo != REPO_ROOT:  # another checkout's packages ahead of this one's editable install
            env["PYTHONPATH"] = str(repo) + os.pathsep + env.get("PYTHONPATH", "")
        entry = ["-m", "streamlit", "run", "dashboard/app.py"] if launcher == "run" else ["deploy/serve.py"]
        command = [
            sys.executable,
            *entry,
            "--server.port",
            str(self.port),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ]
        self.started = time.perf_counter()
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, cwd=repo, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.pid = self.process.pid
        self.pids = [self.pid]

    def wait_healthy(self, timeout: float = 60) -> float:
        """Seconds from process start until /_stcore/health answers ok."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with {self.process.returncode}:\n{self.log_path.read_text()[-3000:]}"
                )
            try:
                with urllib.request.urlopen(f"{self.base_url}/_stcore/health", timeout=2) as response:
                    if response.read().decode().strip() == "ok":
                        return time.perf_counter() - self.started
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"streamlit not healthy after {timeout} s")

    def rss_each(self) -> list[float]:
        return [rss_mib(pid) for pid in self.pids]

    def rss_mib(self) -> float:
        return sum(self.rss_each())

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


class ProxiedServer(Server):
    """deploy/start.sh on free loopback ports: nginx in front of `replicas` Streamlit replicas.
    pids are the replicas' (memory, script-time logs); stop() ends start.sh, which stops its children."""

    def __init__(self, data_dir: Path, replicas: int = 2):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.run_dir = Path(tempfile.mkdtemp(prefix="bench_deploy_"))
        first = free_port_block(replicas)
        self.replica_ports = [first + i for i in range(replicas)]
        self.log_path = self.run_dir / "start.log"
        self.log_paths = [self.run_dir / f"replica-{port}.log" for port in self.replica_ports]
        self.access_log = self.run_dir / "access.log"
        env = {**os.environ, "JURANG_DATA_DIR": str(data_dir), "JURANG_TIMINGS": "1", "PYTHON": sys.executable}
        command = [
            "bash",
            "deploy/start.sh",
            "--replicas",
            str(replicas),
            "--port",
            str(self.port),
            "--first-replica-port",
            str(first),
            "--run-dir",
            str(self.run_dir),
        ]
        self.started = time.perf_counter()
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.pid = self.process.pid
        self.pids: list[int] = []

    def wait_healthy(self, timeout: float = 90) -> float:
        """Seconds from start until start.sh reports every replica and the proxy healthy."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            text = self.log_path.read_text(errors="replace")
            if self.process.poll() is not None:
                raise RuntimeError(f"deploy/start.sh exited with {self.process.returncode}:\n{text[-3000:]}")
            if "jurang: ready at" in text:
                self.pids = [int(pid) for pid in re.findall(r"replica \d+/\d+ pid (\d+)", text)]
                return time.perf_counter() - self.started
            time.sleep(0.05)
        raise RuntimeError(f"deploy/start.sh not ready after {timeout} s")

    def sessions_per_replica(self) -> dict[str, int]:
        """WebSocket sessions (GET /_stcore/stream) each replica served, from nginx's access log."""
        counts: dict[str, int] = {}
        if self.access_log.exists():
            for line in self.access_log.read_text(errors="replace").splitlines():
                if "/_stcore/stream" in line and (match := re.search(r"upstream=(\S+)", line)):
                    counts[match.group(1)] = counts.get(match.group(1), 0) + 1
        return counts

    def stop(self) -> None:
        super().stop()
        for pid in self.pids:  # start.sh stops them; make sure (by PID) none outlives the bench
            try:
                os.kill(pid, 0)
            except OSError:
                continue
            os.kill(pid, signal.SIGTERM)


def free_port_block(count: int) -> int:
    """A first port such that `count` consecutive loopback ports are free."""
    for _ in range(50):
        first = free_port()
        if first + count < 65535 and all(port_free(first + i) for i in range(count)):
            return first
    raise RuntimeError("no block of free ports")


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def script_times(log_paths: list[Path], since: dict[Path, int] | None = None) -> list[tuple[str, float]]:
    """(page, milliseconds) of every script run logged (JURANG_TIMINGS=1), after byte offsets `since`."""
    runs = []
    for path in log_paths:
        if not path.exists():
            continue
        text = path.read_bytes()[(since or {}).get(path, 0) :].decode(errors="replace")
        runs += [(page, float(ms)) for page, ms in re.findall(r"jurang-rerun page=(\S+) ms=([\d.]+)", text)]
    return runs


def log_offsets(log_paths: list[Path]) -> dict[Path, int]:
    return {path: path.stat().st_size if path.exists() else 0 for path in log_paths}


def warmup_timings(log_paths: list[Path]) -> list[dict]:
    found = []
    for path in log_paths:
        if path.exists():
            found += [
                json.loads(line.split(" ", 1)[1])
                for line in path.read_text(errors="replace").splitlines()
                if line.startswith("jurang-warmup ")
            ]
    return found


def data_dir() -> Path:
    directory = (
        config.data_dir()
        if hasattr(config, "data_dir")
        else Path(os.environ.get("JURANG_DATA_DIR", REPO_ROOT / "data"))
    )
    directory = Path(os.environ.get("JURANG_DATA_DIR", directory))
    if not (directory / "processed" / "districts.parquet").exists():
        sys.exit(
            f"no build in {directory}: run `JURANG_DATA_DIR={directory} "
            "python -m etl build --mirror <raw mirror>` first"
        )
    return directory


GEOGRAPHY = "district"  # --geo: the map's areas (district, parlimen, dun)


def district_codes(directory: Path) -> dict[str, list[str]]:
    """Area codes (districts, or the --geo seats) by state, plus 'all'."""
    if GEOGRAPHY == "district":
        districts = pd.read_parquet(
            directory / "processed" / "districts.parquet", columns=["code_state_district", "state"]
        )
    else:
        seats = pd.read_parquet(directory / "processed" / "seats.parquet", columns=["geography", "code_seat", "state"])
        districts = seats.loc[seats["geography"] == GEOGRAPHY].rename(columns={"code_seat": "code_state_district"})
    by_state = {state: sorted(group["code_state_district"]) for state, group in districts.groupby("state")}
    by_state["all"] = sorted(districts["code_state_district"])
    return by_state


def map_url(base: str, state: str, indicator: str = INDICATOR, year: int = YEAR) -> str:
    return f"{base}/map?state={urllib.request.quote(state)}&indicator={indicator}&year={year}" + (
        f"&geo={GEOGRAPHY}" if GEOGRAPHY != "district" else ""
    )


def wait_for_map(page, codes: list[str], timeout_ms: float = 30_000) -> None:
    """Wait until the map shows exactly `codes`; raise at once if Streamlit shows an exception."""
    page.locator(f".js-plotly-plot, {EXCEPTION}").first.wait_for(timeout=timeout_ms)
    if page.locator(EXCEPTION).count():
        raise RuntimeError("the page raised: " + page.locator(EXCEPTION).first.inner_text()[:500])
    page.wait_for_function(MAP_SHOWS_JS, arg=codes, timeout=timeout_ms)


def choose_state(page, state: str) -> float:
    """Pick a state in the State selectbox: click, type, Enter (as a user would); returns the
    perf_counter moment Enter was pressed (the choice made: what follows is the repaint)."""
    box = page.get_by_role("combobox", name="State")
    box.click()
    page.keyboard.type(state)
    chosen = time.perf_counter()
    page.keyboard.press("Enter")
    return chosen


def make_run_launcher(checkout: Path) -> str:
    """What `make run` starts in that checkout: deploy/serve.py (from 1 Dec 2026), else plain `streamlit run`."""
    makefile = checkout / "Makefile"
    return (
        "serve"
        if makefile.is_file() and "deploy/serve.py --server.port" in makefile.read_text(encoding="utf-8")
        else "run"
    )


def start_server(directory: Path, via: str, launcher: str, replicas: int, repo: Path = REPO_ROOT) -> Server:
    """The server to measure: direct (one process) or through deploy/start.sh (nginx + replicas), from `repo`."""
    if via == "proxy":
        server = ProxiedServer(directory, replicas)
    else:
        server = Server(directory, launcher, repo)
    return server


def measure(
    browser,
    directory: Path,
    codes: dict[str, list[str]],
    via: str,
    launcher: str,
    replicas: int,
    repo: Path,
    console_errors: list[str],
) -> dict:
    """One full pass: cold start to first map (with where the time goes), bytes, reload, selectbox and URL repaints."""
    from playwright.sync_api import Error as PlaywrightError

    states = ["Sabah", "Perak", "Johor", "Sarawak", "Kedah", "Selangor"]
    server = start_server(directory, via, launcher, replicas, repo)
    figures: dict = {
        "via": via,
        "launcher": launcher if via == "direct" else "serve",
        "replicas": replicas if via == "proxy" else 1,
        "repo": str(repo),
    }
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

        # Bytes and moments: CDP sees every HTTP response's encoded length and every WebSocket frame, with timestamps.
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        http: dict[str, dict] = {}
        moments: dict[str, float] = {}
        ws_bytes = [0, 0]  # received payload bytes, frames

        def on_request(event) -> None:
            http.setdefault(event["requestId"], {}).update(requested=event["timestamp"])
            if event.get("type") == "Document":
                moments.setdefault("document", event["timestamp"])

        def on_handshake(event) -> None:
            moments.setdefault("websocket", event["timestamp"])

        def on_frame(event) -> None:
            response = event["response"]
            payload = response["payloadData"]
            body = base64.b64decode(payload) if response.get("opcode") == 2 else payload.encode()
            ws_bytes[0] += len(body)
            ws_bytes[1] += 1
            moments.setdefault("first_frame", event["timestamp"])
            if b"choropleth" in body and "figure_frame" not in moments:
                moments["figure_frame"] = event["timestamp"]
                moments["figure_bytes"] = len(body)

        cdp.on("Network.requestWillBeSent", on_request)
        cdp.on("Network.webSocketWillSendHandshakeRequest", on_handshake)
        cdp.on(
            "Network.responseReceived",
            lambda e: http.setdefault(e["requestId"], {}).update(
                url=e["response"]["url"],
                encoding=e["response"]
                .get("headers", {})
                .get("content-encoding", e["response"].get("headers", {}).get("Content-Encoding", "")),
            ),
        )
        cdp.on(
            "Network.loadingFinished",
            lambda e: http.setdefault(e["requestId"], {}).update(encoded=e["encodedDataLength"]),
        )
        cdp.on("Network.webSocketFrameReceived", on_frame)
        bodies: dict[str, int] = {}

        def on_response(response) -> None:
            try:
                bodies[response.url] = bodies.get(response.url, 0) + len(response.body())
            except PlaywrightError:  # redirects and websocket upgrades have no body
                bodies.setdefault("(no body)", 0)

        page.on("response", on_response)

        # (a) cold start -> first map painted (the first page load in a fresh browser context)
        offsets = log_offsets(server.log_paths)
        goto_started = time.perf_counter()
        page.goto(server.base_url + "/map" + (f"?geo={GEOGRAPHY}" if GEOGRAPHY != "district" else ""))
        wait_for_map(page, codes["all"], timeout_ms=60_000)
        page.locator(DISTRICT_PATHS).first.wait_for(state="visible")
        painted = time.perf_counter()
        page.wait_for_timeout(500)  # let trailing responses finish before counting bytes
        page.remove_listener("response", on_response)
        cdp.remove_listener("Network.webSocketFrameReceived", on_frame)
        first_runs = script_times(server.log_paths, offsets)
        figures.update(
            health_s=round(health_s, 3),
            first_map_s=round(painted - server.started, 3),
            open_to_map_s=round(painted - goto_started, 3),
        )
        if {"document", "websocket", "figure_frame"} <= set(moments):
            to_ws = moments["websocket"] - moments["document"]
            to_figure = moments["figure_frame"] - moments["websocket"]
            figures["first_map_breakdown_s"] = {
                "page_open_to_websocket (HTML + JS download, parse, start)": round(to_ws, 3),
                "websocket_to_figure_received (server: session + script run)": round(to_figure, 3),
                "figure_received_to_painted (browser: plotly.js load + render)": round(
                    (painted - goto_started) - to_ws - to_figure, 3
                ),
            }
            figures["figure_frame_kib"] = round(moments["figure_bytes"] / 1024, 1)
            # what the browser fetches only once the figure has arrived
            # (plotly.js chunk, the shapes): on the critical path
            late = [r for r in http.values() if r.get("requested", 0) >= moments["figure_frame"]]
            figures["fetched_after_figure"] = {
                "responses": len(late),
                "kib_transferred": round(sum(r.get("encoded", 0) for r in late) / 1024, 1),
                "files": sorted(urllib.parse.urlparse(r.get("url", "")).path.rsplit("/", 1)[-1] for r in late)[:8],
            }
        figures["first_script_run_ms"] = first_runs[0][1] if first_runs else None
        figures["warmup_s"] = warmup_timings(server.log_paths)
        figures["http_transferred_kib"] = round(sum(r.get("encoded", 0) for r in http.values()) / 1024, 1)
        figures["http_responses"] = len(http)
        figures["http_bodies_kib"] = round(sum(bodies.values()) / 1024, 1)
        by_kind: dict[str, list] = {}
        for r in http.values():
            path = urllib.parse.urlparse(r.get("url", "")).path
            kind = (
                "GeoJSON shapes"
                if path.endswith(".geojson")
                else "Streamlit frontend " + (path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else "other")
                if "/static/" in path
                else path
                if path.startswith("/_stcore")
                else "page / other"
            )
            entry = by_kind.setdefault(kind, [0, 0, set()])
            entry[0] += 1
            entry[1] += r.get("encoded", 0)
            entry[2].add(r.get("encoding") or "identity")
        figures["http_by_kind"] = {
            kind: {"responses": n, "kib": round(size / 1024, 1), "encodings": sorted(enc)}
            for kind, (n, size, enc) in by_kind.items()
        }
        figures["websocket_first_map_kib"] = round(ws_bytes[0] / 1024, 1)
        figures["first_visit_total_kib"] = round(
            figures["http_transferred_kib"] + figures["websocket_first_map_kib"], 1
        )

        reload_started = time.perf_counter()
        page.reload()
        wait_for_map(page, codes["all"])
        figures["warm_reload_s"] = round(time.perf_counter() - reload_started, 3)

        # (b1) State selectbox change -> repaint (same session, a Streamlit rerun); from the click on the
        # box (as before), and from the Enter that makes the choice (the repaint alone: typing into the
        # box is the browser's, and slow when the 2 cores are busy); the WebSocket bytes of each rerun
        offsets = log_offsets(server.log_paths)
        select_times, enter_times, rerun_bytes = [], [], []
        received = [0, 0]

        def on_rerun_frame(event) -> None:
            received[0] += len(event["response"]["payloadData"])
            received[1] += 1

        cdp.on("Network.webSocketFrameReceived", on_rerun_frame)
        for state in states:
            started = time.perf_counter()
            received[:] = [0, 0]
            chosen = choose_state(page, state)
            wait_for_map(page, codes[state])
            painted_at = time.perf_counter()
            select_times.append(painted_at - started)
            enter_times.append(painted_at - chosen)
            rerun_bytes.append(tuple(received))
        cdp.remove_listener("Network.webSocketFrameReceived", on_rerun_frame)
        started = time.perf_counter()
        choose_state(page, "All states")
        wait_for_map(page, codes["all"])
        figures["select_all_ms"] = round(1000 * (time.perf_counter() - started))
        select_runs = [ms for _, ms in script_times(server.log_paths, offsets)]
        figures["select_ms"] = {
            "median": round(1000 * statistics.median(select_times)),
            "min": round(1000 * min(select_times)),
            "max": round(1000 * max(select_times)),
            "each": {state: round(1000 * t) for state, t in zip(states, select_times)},
        }
        figures["select_script_run_ms_median"] = round(statistics.median(select_runs), 1) if select_runs else None
        figures["select_from_enter_ms"] = {
            "median": round(1000 * statistics.median(enter_times)),
            "min": round(1000 * min(enter_times)),
            "max": round(1000 * max(enter_times)),
        }
        figures["select_rerun_websocket"] = {
            "kib_median": round(statistics.median(size for size, _ in rerun_bytes) / 1024, 1),
            "frames_median": statistics.median(count for _, count in rerun_bytes),
        }

        # (b2) a shared URL /map?state=... opened by navigation (a new session each time)
        url_times = []
        for state in states:
            started = time.perf_counter()
            page.goto(map_url(server.base_url, state))
            wait_for_map(page, codes[state])
            url_times.append(time.perf_counter() - started)
        figures["shared_url_ms"] = {
            "median": round(1000 * statistics.median(url_times)),
            "min": round(1000 * min(url_times)),
            "max": round(1000 * max(url_times)),
        }
        figures["exceptions"] = page.locator(EXCEPTION).count()
        context.close()
        figures["server_rss_mib"] = [round(value) for value in server.rss_each()]
        if isinstance(server, ProxiedServer):
            figures["sessions_per_replica"] = server.sessions_per_replica()
    finally:
        server.stop()
    return figures


def report(figures: dict) -> None:
    """The figures of one pass, as a person reads them."""
    where = (
        f"through nginx + {figures['replicas']} replicas (deploy/start.sh)"
        if figures["via"] == "proxy"
        else f"direct ({figures['launcher']}: "
        + ("streamlit run dashboard/app.py" if figures["launcher"] == "run" else "deploy/serve.py")
        + ")"
    )
    print(f"-- Map page {where}, app from {figures['repo']}")
    print(f"cold start: process start -> healthy                     {figures['health_s']:6.2f} s")
    print(
        f"cold start: process start -> first map painted (/map)    {figures['first_map_s']:6.2f} s  "
        f"(of which page open -> map {figures['open_to_map_s']:.2f} s)"
    )
    for step, seconds in figures.get("first_map_breakdown_s", {}).items():
        print(f"    {step:<66} {seconds:6.2f} s")
    print(
        "    first script run on the server (app.py + page, imports included)   "
        f"{figures['first_script_run_ms'] or float('nan'):8.0f} ms"
    )
    print(
        "    figure message (WebSocket frame with the choropleth)               "
        f"{figures.get('figure_frame_kib', float('nan')):8.1f} KiB"
    )
    if "fetched_after_figure" in figures:
        late = figures["fetched_after_figure"]
        print(
            f"    fetched only after the figure arrived: {late['responses']} responses, "
            f"{late['kib_transferred']:,.0f} KiB ({', '.join(late['files'])})"
        )
    for timings in figures["warmup_s"]:
        print(f"    warm-up thread (s): {timings}")
    print(f"warm reload of /map (new session, browser cache warm)    {figures['warm_reload_s']:6.2f} s")
    select = figures["select_ms"]
    print(
        f"State selectbox -> repaint (median of {len(select['each'])})              {select['median']:,} ms  "
        f"(min {select['min']}, max {select['max']}; "
        f"server script run median {figures['select_script_run_ms_median']} ms)"
    )
    enter, rerun = figures["select_from_enter_ms"], figures["select_rerun_websocket"]
    print(
        f"    from the Enter that chooses the state -> repainted     {enter['median']:,} ms  "
        f"(min {enter['min']}, max {enter['max']}); "
        f"per rerun {rerun['kib_median']:,} KiB in {rerun['frames_median']:g} WebSocket frames (medians)"
    )
    print(f"State selectbox -> all areas                             {figures['select_all_ms']:,} ms")
    url = figures["shared_url_ms"]
    print(
        f"shared URL /map?state=..&indicator=..&year=.. -> map     {url['median']:,} ms  "
        f"(median; min {url['min']}, max {url['max']})"
    )
    print(
        f"first visit over the wire: HTTP {figures['http_transferred_kib']:,.0f} KiB "
        f"({figures['http_responses']} responses; bodies {figures['http_bodies_kib']:,.0f} KiB) "
        f"+ WebSocket {figures['websocket_first_map_kib']:,.0f} KiB = {figures['first_visit_total_kib']:,.0f} KiB"
    )
    for kind, entry in sorted(figures["http_by_kind"].items(), key=lambda item: -item[1]["kib"]):
        print(
            f"    {kind:<40} {entry['responses']:5d} responses  "
            f"{entry['kib']:8,.0f} KiB  {'/'.join(entry['encodings'])}"
        )
    print(f"server RSS at the end (MiB, per process)                 {figures['server_rss_mib']}")
    if "sessions_per_replica" in figures:
        print(f"WebSocket sessions per replica                           {figures['sessions_per_replica']}")


KEYS = (
    "first_map_s",
    "open_to_map_s",
    "warm_reload_s",
    "select_ms.median",
    "select_from_enter_ms.median",
    "select_script_run_ms_median",
    "shared_url_ms.median",
    "first_visit_total_kib",
)


def pick(figures: dict, key: str):
    for part in key.split("."):
        figures = figures[part]
    return figures


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--via",
        choices=("direct", "proxy"),
        default="direct",
        help="direct to one server, or through deploy/start.sh (nginx + replicas)",
    )
    parser.add_argument(
        "--launcher",
        choices=("run", "serve"),
        default="serve",
        help="direct: deploy/serve.py (as make run: warm-up at start) or plain `streamlit run`",
    )
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument(
        "--geo",
        choices=("district", "parlimen", "dun"),
        default="district",
        help="the map's areas: districts or Parliament / state seats",
    )
    parser.add_argument("--repo", type=Path, default=REPO_ROOT, help="the checkout whose app is served (direct only)")
    parser.add_argument(
        "--against",
        type=Path,
        help="also measure this checkout's app (e.g. `git worktree add /tmp/prev HEAD`), alternating runs",
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="with --against: A/B pairs, in the order A B, B A, A B, … (medians)"
    )
    args = parser.parse_args()
    global GEOGRAPHY
    GEOGRAPHY = args.geo

    directory = data_dir()
    codes = district_codes(directory)
    console_errors: list[str] = []
    results: dict[str, list[dict]] = {"a": [], "b": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )  # launched before any clock starts
        try:
            for round_number in range(args.rounds if args.against else 1):
                # A B, then B A: a load that drifts during the runs weighs on both checkouts alike
                for side in (("a", "b") if round_number % 2 == 0 else ("b", "a")) if args.against else ("a",):
                    if side == "a":
                        results["a"].append(
                            measure(
                                browser,
                                directory,
                                codes,
                                args.via,
                                args.launcher,
                                args.replicas,
                                args.repo,
                                console_errors,
                            )
                        )
                    else:
                        results["b"].append(
                            measure(
                                browser,
                                directory,
                                codes,
                                "direct",
                                make_run_launcher(args.against),
                                1,
                                args.against,
                                console_errors,
                            )
                        )
        finally:
            browser.close()

    print(f"bench_browser: Map page in chromium ({CHROMIUM}), data {directory}")
    for run in results["a"] + results["b"]:
        report(run)
    exceptions = sum(run["exceptions"] for run in results["a"] + results["b"])
    print(f"errors: stException elements {exceptions}, console errors {len(console_errors)}")
    for error in console_errors[:10]:
        print("  console:", error[:300])
    summary = {
        "bench": "browser",
        "geo": args.geo,
        "via": args.via,
        "launcher": results["a"][0]["launcher"],
        "runs": results["a"],
        "median": {key: statistics.median(pick(run, key) for run in results["a"]) for key in KEYS},
    }
    if args.against:
        summary["against"] = {
            "repo": str(args.against),
            "median": {key: statistics.median(pick(run, key) for run in results["b"]) for key in KEYS},
        }
        summary["against"]["runs"] = results["b"]
        summary["ratio_vs_against"] = {
            key: round(summary["median"][key] / summary["against"]["median"][key], 3) for key in KEYS
        }
        print(
            "ratio this / against (medians): "
            + ", ".join(f"{key} {value:.2f}" for key, value in summary["ratio_vs_against"].items())
        )
        # each pair ran back to back: on a machine whose load drifts,
        # the median of the pairs' own ratios is the steadier figure
        summary["pair_ratio_median"] = {
            key: round(statistics.median(pick(a, key) / pick(b, key) for a, b in zip(results["a"], results["b"])), 3)
            for key in KEYS
        }
        print(
            "median of the pairs' ratios this / against: "
            + ", ".join(f"{key} {value:.2f}" for key, value in summary["pair_ratio_median"].items())
        )
    summary["errors"] = exceptions + len(console_errors)
    print(json.dumps(summary, separators=(",", ":")))
    if exceptions or console_errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
