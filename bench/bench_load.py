"""Bounded load test of the Map page on loopback: one server, N simultaneous browser sessions.

One chromium (Debian's, via Playwright's async API), N browser contexts (default 6), each doing a
fixed number of actions (default 5): open /map?state=...&indicator=... (a shared-URL view: a new
Streamlit session) and wait until the map shows exactly that state's districts. Records the
time-to-updated-map of every action and every error (stException elements, console errors other
than Streamlit's known <subpath>/_stcore/health|host-config 404 probes, page errors, timeouts,
wrong districts), the health-check latency while loaded, and the server's RSS (idle, after a
warm-up, peak under load, after the sessions close) to show memory stays bounded: cached data are
shared, not copied per session.

Bounded: N x actions requests in all, each capped at 30 s, the whole run capped at --limit s (180).
Exit status 1 on any error or on hitting the limit.
Run: python bench/bench_load.py [--users 6] [--actions 5] [--limit 180]
"""

from __future__ import annotations

import argparse
import asyncio
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
    Server,
    data_dir,
    district_codes,
)

ACTION_TIMEOUT_MS = 30_000
INDICATORS = ["piped_water_hh_pct", "poverty_absolute_pct", "household_income_median_rm", "clinics_per_10k", "internet_hh_pct", "students_per_teacher"]
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
        self.rss: list[float] = []
        self.health: list[float] = []
        self.health_at: list[float] = []  # seconds since the sampler started
        self.t0 = time.perf_counter()
        self.health_failures = 0

    def run(self) -> None:
        while not self.stop_event.is_set():
            self.rss.append(self.server.rss_mib())
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(self.server.base_url + "/_stcore/health", timeout=5) as response:
                    response.read()
                self.health.append(time.perf_counter() - started)
                self.health_at.append(started - self.t0)
            except OSError:
                self.health_failures += 1
            self.stop_event.wait(0.25)


async def user(browser, base_url: str, number: int, actions: int, codes: dict[str, list[str]], indicators: list[str], timings: list, errors: list) -> None:
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
                    errors.append(f"user {number} {state}/{indicator}: stException: {(await page.locator(EXCEPTION).first.inner_text())[:200]}")
                    continue
                await page.wait_for_function(MAP_SHOWS_JS, arg=codes[state], timeout=ACTION_TIMEOUT_MS)
                timings.append(time.perf_counter() - started)
                if await page.locator(EXCEPTION).count():
                    errors.append(f"user {number} {state}/{indicator}: stException after the map was drawn")
            except PlaywrightError as error:  # timeouts (a subclass), navigation failures
                errors.append(f"user {number} {state}/{indicator}: {type(error).__name__}: {str(error).splitlines()[0][:200]}")
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
            tasks = [user(browser, base_url, number, actions, codes, indicators, timings, errors) for number in range(users)]
            try:
                await asyncio.wait_for(asyncio.gather(*tasks), timeout=limit)
                BROWSER_CPU.append(browser_cpu_seconds())
                return True
            except TimeoutError:
                errors.append(f"overall limit of {limit:.0f} s reached after {time.perf_counter() - yield_point:.0f} s")
                return False
        finally:
            await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=6)
    parser.add_argument("--actions", type=int, default=5)
    parser.add_argument("--limit", type=float, default=180.0, help="hard limit for the whole load phase, seconds")
    args = parser.parse_args()

    directory = data_dir()
    codes = district_codes(directory)
    indicators_table = pd.read_parquet(directory / "processed" / "indicators.parquet", columns=["indicator"])
    indicators = [i for i in INDICATORS if i in set(indicators_table["indicator"])]
    timings: list[float] = []
    errors: list[str] = []

    server = Server(directory)
    sampler = None
    try:
        server.wait_healthy()
        EXCLUDED_PIDS.add(server.pid)
        rss_idle = server.rss_mib()
        sampler = Sampler(server)
        cpu_before = cpu_seconds(server.pid)
        started = time.perf_counter()
        sampler.start()
        completed = asyncio.run(run(server.base_url, args.users, args.actions, codes, indicators, timings, errors, args.limit))
        elapsed = time.perf_counter() - started
        server_cpu = cpu_seconds(server.pid) - cpu_before
        sampler.stop_event.set()
        sampler.join(timeout=10)
        rss_after = server.rss_mib()
        time.sleep(5)  # sessions of closed contexts are dropped
        rss_settled = server.rss_mib()
        alive = server.process.poll() is None
    finally:
        if sampler is not None:
            sampler.stop_event.set()
        server.stop()

    requested = args.users * args.actions
    print(f"bench_load: {args.users} simultaneous browser sessions x {args.actions} map views (state + indicator via URL), "
          f"one server (pid {server.pid}) on 127.0.0.1, one chromium; limit {args.limit:.0f} s")
    print(f"map views completed             {len(timings)} / {requested}  in {elapsed:.1f} s (incl. 1 warm-up view)")
    if timings:
        print(f"time-to-updated-map  p50 {statistics.median(timings):.2f} s   p95 {percentile(timings, 0.95):.2f} s   "
              f"min {min(timings):.2f} s   max {max(timings):.2f} s")
    if sampler.health:
        print(f"/_stcore/health under load       median {1000 * statistics.median(sampler.health):.0f} ms   max {1000 * max(sampler.health):.0f} ms   "
              f"failures {sampler.health_failures}  ({len(sampler.health)} probes; "
              f"slowest at {sampler.health_at[sampler.health.index(max(sampler.health))]:.1f} s into the run; "
              f"{sum(h > 0.5 for h in sampler.health)} probes over 500 ms)")
    print(f"server CPU during the run        {server_cpu:.1f} s of {elapsed:.1f} s wall ({server_cpu / max(1, len(timings) + 1):.2f} s per map view; "
          f"{os.cpu_count()} cores shared with chromium)")
    if len(BROWSER_CPU) == 2:
        print(f"browser CPU (chromium + driver) during the {args.users} sessions: {BROWSER_CPU[1] - BROWSER_CPU[0]:.1f} s "
              "(same machine: client and server compete for the cores)")
    print(f"server RSS  idle {rss_idle:.0f} MiB   peak under load {max(sampler.rss):.0f} MiB   after load {rss_after:.0f} MiB   "
          f"5 s after sessions closed {rss_settled:.0f} MiB")
    print(f"server alive at the end          {alive}")
    print(f"errors                           {len(errors)}")
    for error in errors[:20]:
        print("  ", error)
    if errors or not completed or len(timings) != requested or not alive:
        sys.exit(1)


if __name__ == "__main__":
    main()
