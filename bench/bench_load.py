"""Bounded load test of the Map page on loopback: N simultaneous browser sessions, through the shipped
proxy (deploy/start.sh: nginx + 2 replicas, the default) or direct to one server.

One chromium (Debian's, via Playwright's async API), N browser contexts (default 12), each doing a
fixed number of actions (default 5): open /map?state=...&indicator=... (a shared-URL view: a new
Streamlit session) and wait until the map shows exactly that state's districts. Records the
time-to-updated-map of every action and every error (stException elements, console errors other
than Streamlit's known <subpath>/_stcore/health|host-config 404 probes, page errors, timeouts,
wrong districts), the health-check latency while loaded, and the server's RSS (idle, after a
warm-up, peak under load, after the sessions close; per replica) to show memory stays bounded:
cached data are shared, not copied per session; the server-side time of every script run under load
(JURANG_TIMINGS lines of the replicas' logs) and, through the proxy, the sessions each replica served.

Bounded: N x actions requests in all, each capped at 60 s (--action-timeout), the whole run capped at --limit s (420).
Exit status 1 on any error or on hitting the limit. Ends with one JSON line.
Run: python bench/bench_load.py [--via proxy|direct] [--replicas 2] [--users 12] [--actions 5] [--limit 420]
     [--against CHECKOUT]   (also run that checkout's app direct, `streamlit run`, in the same minutes: ratios)
     [--url URL]            (drive a deployment already running, e.g. from another machine than the server's)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pandas as pd
from playwright.async_api import Error as PlaywrightError

from bench_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    EXCEPTION,
    KNOWN_PROBE_404,
    MAP_SHOWS_JS,
    REPO_ROOT,
    ProxiedServer,
    Server,
    data_dir,
    district_codes,
    log_offsets,
    script_times,
)

ACTION_TIMEOUT_MS = 60_000  # per view; --action-timeout
INDICATORS = [
    "piped_water_hh_pct",
    "poverty_absolute_pct",
    "household_income_median_rm",
    "clinics_per_10k",
    "internet_hh_pct",
    "students_per_teacher",
]
STATES = ["Sabah", "all", "Sarawak", "Perak", "Johor", "Kelantan", "Selangor", "Kedah", "Pahang", "Terengganu"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its reaped children, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def browser_cpu_seconds() -> float:
    """CPU time of this script's descendant processes other than the server: Playwright's driver and chromium."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    mine, total = {os.getpid()}, 0.0
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in mine and pid not in mine and pid not in EXCLUDED_PIDS:
                mine.add(pid)
                changed = True
    for pid in mine - {os.getpid()}:
        try:
            total += cpu_seconds(pid)
        except OSError:
            pass
    return total


EXCLUDED_PIDS: set[int] = set()
BROWSER_CPU: list[float] = []  # at the start and the end of the load phase  # the server (measured on its own)


class Sampler(threading.Thread):
    """Samples the server's RSS and /_stcore/health latency every 0.25 s while the load runs."""

    def __init__(self, server: Server):
        super().__init__(daemon=True)
        self.server, self.stop_event = server, threading.Event()
        self.rss: list[list[float]] = []  # per sample: each server process
        self.health: list[float] = []
        self.health_at: list[float] = []  # seconds since the sampler started
        self.t0 = time.perf_counter()
        self.health_failures = 0

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.rss.append(self.server.rss_each())
            except OSError:  # a process gone: reported as not alive at the end
                pass
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(self.server.base_url + "/_stcore/health", timeout=5) as response:
                    response.read()
                self.health.append(time.perf_counter() - started)
                self.health_at.append(started - self.t0)
            except OSError:
                self.health_failures += 1
            self.stop_event.wait(0.25)


async def user(
    browser,
    base_url: str,
    number: int,
    actions: int,
    codes: dict[str, list[str]],
    indicators: list[str],
    timings: list,
    errors: list,
) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = await context.new_page()

    def on_console(message) -> None:
        url = (message.location or {}).get("url", "")
        if message.type == "error" and not ("404" in message.text and KNOWN_PROBE_404.match(url)):
            errors.append(f"user {number}: console error: {message.text[:200]} ({url})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"user {number}: page error: {error}"))
    try:
        for step in range(actions):
            state = STATES[(number + step) % len(STATES)]
            indicator = indicators[(number * 2 + step) % len(indicators)]
            url = f"{base_url}/map?state={urllib.request.quote(state)}&indicator={indicator}"
            started = time.perf_counter()
            try:
                await page.goto(url)
                await page.locator(f".js-plotly-plot, {EXCEPTION}").first.wait_for(timeout=ACTION_TIMEOUT_MS)
                if await page.locator(EXCEPTION).count():
                    errors.append(
                        f"user {number} {state}/{indicator}: stException: "
                        f"{(await page.locator(EXCEPTION).first.inner_text())[:200]}"
                    )
                    continue
                await page.wait_for_function(MAP_SHOWS_JS, arg=codes[state], timeout=ACTION_TIMEOUT_MS)
                timings.append(time.perf_counter() - started)
                if await page.locator(EXCEPTION).count():
                    errors.append(f"user {number} {state}/{indicator}: stException after the map was drawn")
            except PlaywrightError as error:  # timeouts (a subclass), navigation failures
                errors.append(
                    f"user {number} {state}/{indicator}: {type(error).__name__}: {str(error).splitlines()[0][:200]}"
                )
    finally:
        await context.close()


async def run(base_url: str, users: int, actions: int, codes, indicators, timings, errors, limit: float) -> bool:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # warm-up: one session opens the map once (fills the server's caches and the browser's)
            warm: list[float] = []
            await user(browser, base_url, 0, 1, codes, indicators, warm, errors)
            yield_point = time.perf_counter()
            BROWSER_CPU.append(browser_cpu_seconds())
            tasks = [
                user(browser, base_url, number, actions, codes, indicators, timings, errors) for number in range(users)
            ]
            try:
                await asyncio.wait_for(asyncio.gather(*tasks), timeout=limit)
                BROWSER_CPU.append(browser_cpu_seconds())
                return True
            except TimeoutError:
                errors.append(f"overall limit of {limit:.0f} s reached after {time.perf_counter() - yield_point:.0f} s")
                return False
        finally:
            await browser.close()


class RemoteServer:
    """A deployment already running elsewhere (--url): only the browsers run here, so they do not
    take the server's cores; memory, CPU and script times are then not measured."""

    def __init__(self, url: str):
        self.base_url, self.pid, self.pids, self.log_paths = url.rstrip("/"), -1, [], []

    def wait_healthy(self) -> float:
        return 0.0

    def rss_each(self) -> list[float]:
        return []

    def stop(self) -> None:
        """Not ours to stop."""


def load_run(
    directory: Path,
    via: str,
    launcher: str,
    replicas: int,
    repo: Path,
    users: int,
    actions: int,
    limit: float,
    codes: dict,
    indicators: list[str],
    url: str | None = None,
) -> dict:
    """Start a server (or the deployment), run the sessions, stop it; every figure of the run."""
    timings: list[float] = []
    errors: list[str] = []
    if url:
        server = RemoteServer(url)
        via = "url"
    else:
        server = ProxiedServer(directory, replicas) if via == "proxy" else Server(directory, launcher, repo)
    sampler = None
    EXCLUDED_PIDS.clear()
    BROWSER_CPU.clear()
    try:
        server.wait_healthy()
        EXCLUDED_PIDS.update(server.pids)
        EXCLUDED_PIDS.add(server.pid)
        time.sleep(2)  # idle memory after start-up (the warm-up thread may still be running)
        rss_idle = server.rss_each()
        offsets = log_offsets(server.log_paths)
        sampler = Sampler(server)
        cpu_before = sum(cpu_seconds(pid) for pid in server.pids)
        started = time.perf_counter()
        sampler.start()
        completed = asyncio.run(run(server.base_url, users, actions, codes, indicators, timings, errors, limit))
        elapsed = time.perf_counter() - started
        server_cpu = sum(cpu_seconds(pid) for pid in server.pids) - cpu_before
        sampler.stop_event.set()
        sampler.join(timeout=10)
        rss_after = server.rss_each()
        runs = [ms for _, ms in script_times(server.log_paths, offsets)]
        time.sleep(5)  # sessions of closed contexts are dropped
        rss_settled = server.rss_each()
        alive = all(Path(f"/proc/{pid}").exists() for pid in server.pids)
        sessions = server.sessions_per_replica() if isinstance(server, ProxiedServer) else {}
    finally:
        if sampler is not None:
            sampler.stop_event.set()
        server.stop()
    peak = [max(sample[i] for sample in sampler.rss) for i in range(len(server.pids))] if sampler.rss else []
    result = {
        "via": via,
        "url": server.base_url,
        "launcher": launcher if via == "direct" else "serve",
        "replicas": replicas if via == "proxy" else 1,
        "repo": str(repo),
        "users": users,
        "actions": actions,
        "views_completed": len(timings),
        "views_requested": users * actions,
        "elapsed_s": round(elapsed, 1),
        "errors": len(errors),
        "error_samples": errors[:20],
        "completed": completed,
        "alive": alive,
        "server_cpu_s": round(server_cpu, 1),
        "browser_cpu_s": round(BROWSER_CPU[1] - BROWSER_CPU[0], 1) if len(BROWSER_CPU) == 2 else None,
        "rss_mib": {
            "idle": [round(v) for v in rss_idle],
            "peak": [round(v) for v in peak],
            "after": [round(v) for v in rss_after],
            "settled": [round(v) for v in rss_settled],
        },
        "sessions_per_replica": sessions,
    }
    if timings:
        result["time_to_map_s"] = {
            "p50": round(statistics.median(timings), 3),
            "p95": round(percentile(timings, 0.95), 3),
            "min": round(min(timings), 3),
            "max": round(max(timings), 3),
        }
    if runs:
        result["script_run_ms"] = {
            "count": len(runs),
            "p50": round(statistics.median(runs), 1),
            "p95": round(percentile(runs, 0.95), 1),
            "max": round(max(runs), 1),
        }
    if sampler.health:
        result["health_ms"] = {
            "median": round(1000 * statistics.median(sampler.health)),
            "max": round(1000 * max(sampler.health)),
            "failures": sampler.health_failures,
        }
    return result


def report(result: dict) -> None:
    where = (
        f"through nginx + {result['replicas']} replicas (deploy/start.sh)"
        if result["via"] == "proxy"
        else f"the running deployment at {result['url']}"
        if result["via"] == "url"
        else f"direct, one server ({result['launcher']})"
    )
    print(
        f"-- {result['users']} simultaneous browser sessions x {result['actions']} map views "
        f"(state + indicator via URL), {where}, app from {result['repo']}"
    )
    print(
        f"map views completed             {result['views_completed']} / {result['views_requested']}  "
        f"in {result['elapsed_s']:.1f} s (incl. 1 warm-up view)"
    )
    if "time_to_map_s" in result:
        t = result["time_to_map_s"]
        print(
            f"time-to-updated-map  p50 {t['p50']:.2f} s   "
            f"p95 {t['p95']:.2f} s   min {t['min']:.2f} s   max {t['max']:.2f} s"
        )
    if "script_run_ms" in result:
        r = result["script_run_ms"]
        print(
            f"server-side script run per rerun ({r['count']} runs)  "
            f"p50 {r['p50']:.0f} ms   p95 {r['p95']:.0f} ms   max {r['max']:.0f} ms"
        )
    if "health_ms" in result:
        h = result["health_ms"]
        print(
            f"/_stcore/health under load       median {h['median']} ms   max {h['max']} ms   failures {h['failures']}"
        )
    print(
        f"server CPU during the run        {result['server_cpu_s']:.1f} s of {result['elapsed_s']:.1f} s wall; "
        f"browser CPU (chromium + driver) {result['browser_cpu_s']} s "
        f"({os.cpu_count()} cores shared)"
    )
    m = result["rss_mib"]
    print(
        f"RSS per server process (MiB)     idle {m['idle']}   peak {m['peak']}   after load {m['after']}   "
        f"5 s after sessions closed {m['settled']}"
    )
    if result["sessions_per_replica"]:
        print(f"WebSocket sessions per replica   {result['sessions_per_replica']}")
    print(f"server alive at the end          {result['alive']}")
    print(f"errors                           {result['errors']}")
    for error in result["error_samples"]:
        print("  ", error)


def main() -> None:
    global ACTION_TIMEOUT_MS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--via", choices=("direct", "proxy"), default="proxy")
    parser.add_argument(
        "--launcher", choices=("run", "serve"), default="run", help="direct only: streamlit run, or deploy/serve.py"
    )
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--users", type=int, default=12)
    parser.add_argument("--actions", type=int, default=5)
    parser.add_argument("--limit", type=float, default=420.0, help="hard limit for the whole load phase, seconds")
    parser.add_argument(
        "--against", type=Path, help="also run this checkout's app direct (streamlit run), after this one"
    )
    parser.add_argument(
        "--url", help="drive a deployment already running (e.g. on the server, the browsers on another machine)"
    )
    parser.add_argument(
        "--action-timeout",
        type=float,
        default=ACTION_TIMEOUT_MS / 1000,
        help="seconds a view may take before it counts as an error",
    )
    args = parser.parse_args()
    ACTION_TIMEOUT_MS = int(1000 * args.action_timeout)

    directory = data_dir()
    codes = district_codes(directory)
    indicators_table = pd.read_parquet(directory / "processed" / "indicators.parquet", columns=["indicator"])
    indicators = [i for i in INDICATORS if i in set(indicators_table["indicator"])]
    results = [
        load_run(
            directory,
            args.via,
            args.launcher,
            args.replicas,
            REPO_ROOT,
            args.users,
            args.actions,
            args.limit,
            codes,
            indicators,
            args.url,
        )
    ]
    if args.against:
        results.append(
            load_run(
                directory, "direct", "run", 1, args.against, args.users, args.actions, args.limit, codes, indicators
            )
        )
    print(f"bench_load: one chromium, limit {args.limit:.0f} s per run")
    for result in results:
        report(result)
    summary = {"bench": "load", "run": results[0]}
    if args.against and "time_to_map_s" in results[0] and "time_to_map_s" in results[1]:
        summary["against"] = results[1]
        summary["ratio_vs_against"] = {
            key: round(results[0]["time_to_map_s"][key] / results[1]["time_to_map_s"][key], 3) for key in ("p50", "p95")
        }
        print(
            "ratio this / against: "
            + ", ".join(f"{key} {value:.2f}" for key, value in summary["ratio_vs_against"].items())
        )
    print(json.dumps(summary, separators=(",", ":")))
    main_run = results[0]
    if (
        main_run["errors"]
        or not main_run["completed"]
        or main_run["views_completed"] != main_run["views_requested"]
        or not main_run["alive"]
    ):
        sys.exit(1)


if __name__ == "__main__":
    main()
