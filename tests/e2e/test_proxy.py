"""The shipped deployment: deploy/start.sh runs Debian's nginx in front of two replicas. Through the
proxy the app answers, Streamlit's JavaScript comes back compressed and cached for a year, the
WebSocket carries a session (a real page renders its map), and both replicas serve sessions, each
browser staying on one. Marked slow (and e2e, as everything here): it starts three processes.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import helpers_data

pytestmark = pytest.mark.slow

NGINX = Path("/usr/sbin/nginx")
READY_TIMEOUT_S = 180


def _free_port_block(count: int) -> int:
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = probe.getsockname()[1]
        ok = True
        for port in range(first, first + count):
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return first
    raise RuntimeError("no block of free ports")


class Deployment:
    """A running deploy/start.sh: its proxy URL, run folder and replica ports."""

    def __init__(self, process: subprocess.Popen, url: str, run_dir: Path, replica_ports: list[int]):
        self.process, self.url, self.run_dir, self.replica_ports = process, url, run_dir, replica_ports

    def log(self) -> str:
        return "\n".join(
            f"== {path.name}\n{path.read_text(errors='replace')[-2000:]}" for path in sorted(self.run_dir.glob("*.log"))
        )

    def stream_lines(self) -> list[str]:
        """nginx access-log lines of WebSocket sessions (GET /_stcore/stream)."""
        access = self.run_dir / "access.log"
        return (
            [line for line in access.read_text(errors="replace").splitlines() if "/_stcore/stream" in line]
            if access.exists()
            else []
        )


@pytest.fixture(scope="module")
def deployment(e2e_data_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    if not NGINX.exists():
        pytest.skip(f"{NGINX} not found: apt-get install nginx (CI installs it)")
    run_dir = tmp_path_factory.mktemp("deploy")
    ports = _free_port_block(3)
    proxy_port, first_replica = ports, ports + 1
    log_path = run_dir / "start.log"
    env = {**os.environ, helpers_data.DATA_DIR_ENV_VAR: str(e2e_data_dir), "PYTHON": sys.executable}
    command = [
        "bash",
        "deploy/start.sh",
        "--replicas",
        "2",
        "--port",
        str(proxy_port),
        "--first-replica-port",
        str(first_replica),
        "--run-dir",
        str(run_dir),
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=helpers_data.REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deployment = Deployment(process, f"http://127.0.0.1:{proxy_port}", run_dir, [first_replica, first_replica + 1])
    children: list[int] = []
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while "jurang: ready at" not in log_path.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"deploy/start.sh not ready (exit {process.poll()}):\n{deployment.log()}")
            time.sleep(0.25)
        children = [int(pid) for pid in re.findall(r"pid (\d+)", log_path.read_text())]
        yield deployment
    finally:
        process.send_signal(signal.SIGTERM)  # start.sh stops the replicas and nginx it started
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    leftover = []
    for pid in children:
        try:
            os.kill(pid, 0)
            leftover.append(pid)
        except OSError:
            pass
    for pid in leftover:
        os.kill(pid, signal.SIGTERM)
    assert not leftover, f"start.sh left processes running: {leftover}"


def _get(url: str, **headers) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, {key.lower(): value for key, value in response.headers.items()}, response.read()


def test_the_app_answers_through_the_proxy(deployment):
    status, headers, body = _get(deployment.url + "/map")
    assert status == 200
    assert b'<div id="root">' in body or b"streamlit" in body.lower()
    assert "jurang_route=" in headers.get("set-cookie", ""), "no sticky-session cookie"
    assert _get(deployment.url + "/_stcore/health")[2] == b"ok"


def test_a_javascript_asset_comes_back_compressed_and_long_cached(deployment):
    _, _, page = _get(deployment.url + "/")
    script = re.search(rb'src="\.?/?(static/js/[^"]+\.js)"', page)
    assert script, "no script tag in the page"
    url = deployment.url + "/" + script.group(1).decode()
    _, plain_headers, plain = _get(url, **{"Accept-Encoding": "identity"})
    _, headers, compressed = _get(url, **{"Accept-Encoding": "gzip"})
    assert headers.get("content-encoding") == "gzip"
    assert len(compressed) < len(plain) / 2
    assert "immutable" in headers.get("cache-control", "") and "max-age=31536000" in headers.get("cache-control", "")
    assert "content-encoding" not in plain_headers


def test_the_geojson_shapes_come_back_compressed(deployment):
    generated = sorted((helpers_data.REPO_ROOT / "dashboard" / "static" / "generated").glob("districts-*.geojson"))
    if not generated:
        pytest.skip("no shapes written yet")
    _, headers, _ = _get(f"{deployment.url}/app/static/generated/{generated[-1].name}", **{"Accept-Encoding": "gzip"})
    assert headers.get("content-encoding") == "gzip"


def upstream_of(deployment: Deployment, route: str) -> str:
    """The replica nginx sends a browser carrying this route cookie to: one cheap request, read back
    from the access log (the request is marked with the route, so its line is found). nginx writes the
    line after the response is sent, so the log is read until the line is there (CI once read it first)."""
    probe = urllib.request.Request(
        f"{deployment.url}/_stcore/health?probe={route}", headers={"Cookie": f"jurang_route={route}"}
    )
    urllib.request.urlopen(probe, timeout=10).read()
    deadline = time.monotonic() + 10
    while True:
        lines = (deployment.run_dir / "access.log").read_text(errors="replace").splitlines()
        logged = [line for line in lines if f"probe={route}" in line]
        if logged:
            return re.search(r"upstream=(\S+)", logged[-1]).group(1)
        assert time.monotonic() < deadline, f"no access-log line for probe {route} in 10 s"
        time.sleep(0.05)


def test_websocket_sessions_render_and_both_replicas_serve_them(deployment, browser):
    """One browser per replica (each its own cookie jar) loads the map and renders it over its WebSocket.
    Each browser starts with a route cookie that nginx hashes to that replica, found by cheap probes:
    consistent hashing over two ports need not split routes evenly, so 12 random browsers could all
    land on one replica (seen once in CI)."""
    replicas = {f"127.0.0.1:{port}" for port in deployment.replica_ports}
    chosen: dict[str, str] = {}
    for attempt in range(200):
        route = f"{attempt:04d}{os.urandom(12).hex()}"
        chosen.setdefault(upstream_of(deployment, route), route)
        if set(chosen) >= replicas:
            break
    assert set(chosen) >= replicas, f"no route reaches {replicas - set(chosen)} in 200 probes"
    for route in chosen.values():
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        context.add_cookies([{"name": "jurang_route", "value": route, "url": deployment.url}])
        try:
            page = context.new_page()
            page.goto(deployment.url + "/map?state=Perlis")
            page.wait_for_function(
                "() => !!document.querySelector('.js-plotly-plot .choroplethlocation')", timeout=90_000
            )
            assert not page.locator('[data-testid="stException"]').count()
        finally:
            context.close()
    time.sleep(1)  # a WebSocket's line is written when it closes
    served: set[str] = set()
    routes: dict[str, set[str]] = {}
    for line in deployment.stream_lines():
        upstream = re.search(r"upstream=(\S+)", line).group(1)
        route = re.search(r"route=(\S+)", line).group(1)
        served.add(upstream)
        routes.setdefault(route, set()).add(upstream)
    assert served >= replicas, f"only {served} served sessions:\n{deployment.log()}"
    assert " 101 " in "\n".join(deployment.stream_lines()), "no WebSocket upgrade (101) through the proxy"
    assert all(len(upstreams) == 1 for upstreams in routes.values()), (
        f"a browser's sessions moved between replicas: {routes}"
    )
