"""Soak: a bounded run of mixed journeys against one local server, to show memory, file handles and
browser processes stay bounded and nothing fails over time (issue #19, item 6). A bench, not a test.

N browser sessions (one Debian chromium, N contexts; default 3) each repeat a cycle of journeys until
--minutes (default 10) have passed, then finish the journey in hand (each step capped at
--action-timeout s, 180; the whole run capped at --minutes + 5):
  browse       overview, map (waits until exactly the state's districts are drawn), gaps, index,
               a district profile, data & sources
  export_chart the map's PNG (rendered server-side by kaleido's warm Chromium) and CSV
  export_pack  the briefing pack PDF from the Export page (charts through the same warm Chromium)
  upload       the upload template's CSV filled with SYNTHETIC values, checked and previewed
               privately (nothing is written)
Every cycle runs one warm-up round first (fills the caches, starts kaleido's browser). Every
--sample-every s (30) the server's RSS (alone and with its child processes: kaleido's Chromium), its
open file handles (/proc/<pid>/fd) and its Chromium processes are sampled. Errors: Streamlit exception
boxes, HTTP responses >= 400 (except Streamlit's known sub-path probes), console and page errors,
timeouts, wrong downloads, tracebacks in the server's log, a dead server. At the end the sessions are
closed and, after --settle s, handles and processes are counted again. Journey counts and times per
kind include the warm-up round.

Handles and stored sessions: every page load is a new Streamlit session, and the one it replaces is
kept for a reconnect for server.disconnectedSessionTTL s (120 by default; the app leaves it unset) in
a store of at most STORED_SESSIONS_MAX, each with its own asyncio event loop (FDS_PER_STORED_SESSION
handles); an expired one is dropped at the next store (the next page load). So the handle count
follows the page loads of the last two minutes, by design. The baseline and the end are therefore
both "drained" samples: the sessions idle past that TTL, then each loads one page, which leaves
exactly one stored session per browser session; the baseline is taken so after the warm-up, the end
so after the soak, before the sessions close.

Verdict (stated bounds): 0 errors; server RSS and process-tree RSS at the end of the soak within
--max-growth-pct (15 %) of the first sample after the baseline; open handles drained at the end at
most --fd-slack (16) above the drained baseline (a leak), and during the soak at most the stored
sessions' ceiling above it; no more Chromium processes under the server at the end than at the
baseline (kaleido's one warm browser is expected to stay). Exit status 1 when the verdict fails.
Ends with one JSON line.

Run: JURANG_DATA_DIR=/tmp/perf_data python bench/bench_soak.py [--minutes 10] [--sessions 3] [--checkout DIR]
The server runs without reloading changed source files (as deployed); --checkout serves a fixed snapshot.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import re
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path

from playwright.async_api import Error as PlaywrightError

from bench_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    EXCEPTION,
    KNOWN_PROBE_404,
    MAP_SHOWS_JS,
    REPO_ROOT,
    Server,
    data_dir,
    district_codes,
    rss_mib,
)
from etl import importer

STATES = ["Sabah", "Kedah", "Sarawak", "Perak", "Kelantan", "Johor"]
INDICATORS = ["piped_water_hh_pct", "poverty_absolute_pct", "clinics_per_10k", "internet_hh_pct"]
BROWSE_PAGES = [
    "/?state={state}",
    "/gaps?state={state}",
    "/index?state={state}",
    "/district?state=Sabah&district=12_24",
    "/sources",
]
JOURNEYS = ["browse", "export_chart", "browse", "upload", "browse", "export_pack"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# Streamlit keeps a disconnected session for a reconnect (streamlit/runtime/memory_session_storage.py:
# MemorySessionStorage(maxsize=128, ttl_seconds=server.disconnectedSessionTTL), not configurable),
# each holding its own script event loop (streamlit/runtime/app_session.py: an epoll handle and a
# self-pipe socket pair). Measured: +3 handles a page load, all released when the stored session
# expires and the next page load reaps it.
STORED_SESSIONS_MAX = 128
FDS_PER_STORED_SESSION = 3
SESSION_TTL_DEFAULT_S = 120  # Streamlit's default server.disconnectedSessionTTL
DRAIN_PAGE = "/sources"  # a light page, loaded by every session after idling past the TTL


# ---- the server's process tree, from /proc ---------------------------------------------------------


def process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command name) of every process."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                after_name = (entry / "stat").read_text().rsplit(")", 1)
                table[int(entry.name)] = (int(after_name[1].split()[1]), after_name[0].split("(", 1)[1])
            except (OSError, IndexError, ValueError):
                pass
    return table


def descendants(root: int) -> dict[int, str]:
    """The processes under `root` (not itself): pid -> command name."""
    table = process_table()
    found, frontier = {}, {root}
    while frontier:
        frontier = {pid for pid, (parent, _) in table.items() if parent in frontier and pid not in found}
        found.update({pid: table[pid][1] for pid in frontier})
    return found


def zombie(pid: int) -> bool:
    """True if the process has exited (state Z) or is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return True


def open_fds(pid: int) -> int:
    try:
        return len(list(Path(f"/proc/{pid}/fd").iterdir()))
    except OSError:
        return -1


def sample(server: Server, started: float) -> dict:
    """One sample: server RSS alone and with its children, open handles, Chromium processes under it."""
    # an exited child not yet reaped by its parent (a zombie, e.g. a Chromium helper that just ended;
    # seen once in a short run as a NaN tree RSS and a 9th process) is neither counted nor measured
    children = {pid: name for pid, name in descendants(server.pid).items() if not zombie(pid)}
    child_rss = 0.0
    for pid in children:
        try:
            rss = rss_mib(pid)
        except OSError:  # gone between listing and reading
            continue
        if rss == rss:  # not NaN: it became a zombie meanwhile
            child_rss += rss
    try:
        server_rss = rss_mib(server.pid)
    except OSError:
        server_rss = float("nan")
    return {
        "t_s": round(time.perf_counter() - started, 1),
        "server_rss_mib": round(server_rss, 1),
        "tree_rss_mib": round(server_rss + child_rss, 1),
        "server_fds": open_fds(server.pid),
        "chromium_processes": sum(1 for name in children.values() if "chrom" in name.lower()),
        "child_processes": len(children),
    }


class Sampler(threading.Thread):
    """Samples every `every` s until stopped (the first sample at once)."""

    def __init__(self, server: Server, started: float, every: float):
        super().__init__(daemon=True)
        self.server, self.started, self.every = server, started, every
        self.samples: list[dict] = []
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.is_set():
            self.samples.append(sample(self.server, self.started))
            self.stop_event.wait(self.every)


# ---- journeys ---------------------------------------------------------------------------------------


def session_ttl(checkout: Path) -> float:
    """server.disconnectedSessionTTL as the served checkout sets it (env, then .streamlit/config.toml), else
    Streamlit's default."""
    import tomllib

    if "STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL" in os.environ:
        return float(os.environ["STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL"])
    config = checkout / ".streamlit" / "config.toml"
    settings = tomllib.loads(config.read_text()) if config.is_file() else {}
    return float(settings.get("server", {}).get("disconnectedSessionTTL", SESSION_TTL_DEFAULT_S))


async def drained(users: list[Session], server: Server, started: float, ttl_s: float) -> dict:
    """A sample with exactly one stored session per browser session: all idle past the TTL, then each
    loads DRAIN_PAGE (the first load drops every expired stored session)."""
    await asyncio.sleep(ttl_s + 5)
    await asyncio.gather(*(user.park() for user in users))
    await asyncio.sleep(2)  # the replaced sessions' disconnects reach the server
    return sample(server, started)


def synthetic_upload_csv() -> bytes:
    """The shipped upload template with SYNTHETIC values filled in (year 2024, 50-89)."""
    rows = list(csv.DictReader(io.StringIO(importer.TEMPLATE_CSV.read_text(encoding="utf-8"))))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for number, row in enumerate(rows):
        writer.writerow({**row, "year": 2024, "value": 50 + number % 40})
    return out.getvalue().encode()


class Session:
    """One browser context repeating journeys; records durations and errors."""

    def __init__(
        self,
        browser,
        base_url: str,
        number: int,
        codes: dict[str, list[str]],
        upload: bytes,
        timeout_s: float,
        errors: list[str],
    ):
        self.browser, self.base_url, self.number, self.codes, self.upload = browser, base_url, number, codes, upload
        self.timeout_ms = timeout_s * 1000
        self.errors = errors
        self.durations: dict[str, list[float]] = {}
        self.step = 0

    def error(self, text: str) -> None:
        self.errors.append(f"session {self.number}: {text[:300]}")

    async def open(self) -> None:
        self.context = await self.browser.new_context(
            viewport={"width": 1400, "height": 1000}, locale="en-GB", accept_downloads=True
        )
        self.context.set_default_timeout(self.timeout_ms)
        self.page = await self.context.new_page()

        def on_console(message) -> None:
            url = (message.location or {}).get("url", "")
            if message.type == "error" and not ("404" in message.text and KNOWN_PROBE_404.match(url)):
                self.error(f"console error: {message.text} ({url})")

        def on_response(response) -> None:
            if response.status >= 400 and not (response.status == 404 and KNOWN_PROBE_404.match(response.url)):
                self.error(f"HTTP {response.status} {response.url}")

        self.page.on("console", on_console)
        self.page.on("response", on_response)
        self.page.on("pageerror", lambda error: self.error(f"page error: {error}"))

    async def close(self) -> None:
        await self.context.close()

    async def settled(self, what: str) -> None:
        """Wait until the script run is over, then fail on an exception box."""
        await self.page.locator(f"{IDLE} h1").first.wait_for()
        await self.page.locator(IDLE).wait_for()
        if await self.page.locator(EXCEPTION).count():
            self.error(f"{what}: exception box: {(await self.page.locator(EXCEPTION).first.inner_text())[:200]}")

    async def goto(self, path: str) -> None:
        await self.page.goto(self.base_url + path)
        await self.settled(path)

    async def map_of(self, state: str, indicator: str) -> None:
        await self.page.goto(f"{self.base_url}/map?state={urllib.request.quote(state)}&indicator={indicator}")
        await self.page.locator(f".js-plotly-plot, {EXCEPTION}").first.wait_for()
        await self.page.wait_for_function(MAP_SHOWS_JS, arg=self.codes[state], timeout=self.timeout_ms)
        await self.settled(f"map {state}/{indicator}")

    async def download(self, button, what: str, starts_with: bytes) -> None:
        async with self.page.expect_download(timeout=self.timeout_ms) as info:
            await button.click()
        download = await info.value
        path = await download.path()
        head = Path(path).read_bytes()[: len(starts_with)] if path else b""
        if head != starts_with:
            self.error(f"{what}: download starts {head!r}, not {starts_with!r}")
        await download.delete()

    async def browse(self, state: str, indicator: str) -> None:
        await self.goto(BROWSE_PAGES[0].format(state=urllib.request.quote(state)))
        await self.map_of(state, indicator)
        for path in BROWSE_PAGES[1:]:
            await self.goto(path.format(state=urllib.request.quote(state)))

    async def export_chart(self, state: str, indicator: str) -> None:
        await self.map_of(state, indicator)
        buttons = self.page.locator('[data-testid="stDownloadButton"] button')
        await self.download(buttons.filter(has_text="PNG").first, "map PNG", b"\x89PNG")
        await self.download(buttons.filter(has_text="CSV").first, "map CSV", b"\xef\xbb\xbf")

    async def export_pack(self, state: str, indicator: str) -> None:
        await self.goto(f"/export?state={urllib.request.quote(state)}")
        button = self.page.locator(
            '[data-testid="stDownloadButton"] button', has_text="Build and download the briefing pack"
        )
        await self.download(button, f"briefing pack {state}", b"%PDF")

    async def upload_preview(self, state: str, indicator: str) -> None:
        await self.goto("/upload")
        await self.page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            files=[{"name": "soak_synthetic.csv", "mimeType": "text/csv", "buffer": self.upload}]
        )
        await self.page.get_by_text("soak_synthetic.csv", exact=True).wait_for()
        for label, value in (
            ("Indicator id", f"soak_synthetic_{self.number}_pct"),
            ("Label in English", "Soak series (synthetic)"),
            ("Label in Bahasa Malaysia", "Siri rendaman (sintetik)"),
            ("Unit", "% of households"),
            ("Source (agency, dataset, date)", "synthetic soak series"),
        ):
            await self.page.get_by_label(label, exact=True).fill(value)
        await self.page.get_by_role("button", name="Check and preview").click()
        await self.page.get_by_text("Preview — only you see this.", exact=False).wait_for()
        await self.page.locator(".js-plotly-plot").first.wait_for()
        await self.settled("upload preview")

    async def park(self) -> None:
        """Load DRAIN_PAGE (for the drained samples)."""
        try:
            await self.goto(DRAIN_PAGE)
        except PlaywrightError as failure:
            self.error(f"drain {DRAIN_PAGE}: {type(failure).__name__}: {str(failure).splitlines()[0]}")

    async def run_one(self, kind: str | None = None) -> None:
        """One journey: `kind`, or the next of this session's cycle (sessions start at different points of it)."""
        kind = kind or JOURNEYS[(self.number + self.step) % len(JOURNEYS)]
        state = STATES[(self.number * 2 + self.step) % len(STATES)]
        indicator = INDICATORS[(self.number + self.step) % len(INDICATORS)]
        self.step += 1
        action = {
            "browse": self.browse,
            "export_chart": self.export_chart,
            "export_pack": self.export_pack,
            "upload": self.upload_preview,
        }[kind]
        started = time.perf_counter()
        try:
            await action(state, indicator)
            self.durations.setdefault(kind, []).append(time.perf_counter() - started)
        except PlaywrightError as failure:  # timeouts (a subclass), navigation failures
            self.error(f"{kind} {state}/{indicator}: {type(failure).__name__}: {str(failure).splitlines()[0]}")


async def soak(
    base_url: str,
    sessions: int,
    minutes: float,
    timeout_s: float,
    codes,
    server: Server,
    sampler_every: float,
    errors: list[str],
    ttl_s: float,
) -> dict:
    from playwright.async_api import async_playwright

    upload = synthetic_upload_csv()
    started = time.perf_counter()
    figures: dict = {"idle": sample(server, started)}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            users = [Session(browser, base_url, number, codes, upload, timeout_s, errors) for number in range(sessions)]
            for user in users:
                await user.open()
            # warm-up: every session runs each kind of journey once, in its own order
            warm_started = time.perf_counter()
            kinds = sorted(set(JOURNEYS))
            for round_number in range(len(kinds)):
                await asyncio.gather(
                    *(user.run_one(kinds[(user.number + round_number) % len(kinds)]) for user in users)
                )
            figures["warmup_s"] = round(time.perf_counter() - warm_started, 1)
            figures["warmup_errors"] = len(errors)
            figures["baseline"] = await drained(users, server, started, ttl_s)
            sampler = Sampler(server, started, sampler_every)
            sampler.start()
            deadline = time.perf_counter() + minutes * 60

            async def loop(user: Session) -> int:
                done = 0
                while time.perf_counter() < deadline:
                    await user.run_one()
                    done += 1
                    if not server.alive():
                        user.error("the server died")
                        break
                return done

            try:
                counts = await asyncio.wait_for(
                    asyncio.gather(*(loop(user) for user in users)), timeout=minutes * 60 + 300
                )
            except TimeoutError:
                errors.append(f"overall limit of {minutes * 60 + 300:.0f} s reached")
                counts = []
            sampler.stop_event.set()
            sampler.join()
            figures["samples"] = sampler.samples
            figures["soak_s"] = round(time.perf_counter() - (deadline - minutes * 60), 1)
            figures["journeys_done"] = sum(counts)
            figures["drained_end"] = await drained(users, server, started, ttl_s)
            durations: dict[str, list[float]] = {}
            for user in users:
                for kind, values in user.durations.items():
                    durations.setdefault(kind, []).extend(values)
            figures["journeys"] = {
                kind: {
                    "count": len(values),
                    "median_s": round(statistics.median(values), 2),
                    "max_s": round(max(values), 2),
                }
                for kind, values in sorted(durations.items())
            }
            for user in users:
                await user.close()
        finally:
            await browser.close()
    return figures


def server_log_errors(log_path: Path) -> list[str]:
    """Tracebacks and errors in the server's log (Streamlit prints them with colour codes and boxes)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", log_path.read_text(errors="replace"))
    lines = text.splitlines()
    found = []
    for number, line in enumerate(lines):
        if "Traceback" in line or " ERROR " in line:
            last = next((later for later in lines[number + 1 :] if re.match(r"^\w+(Error|Exception)\b", later)), line)
            found.append(f"server log: {last.strip()[:300]}")
    return found


def verdict(figures: dict, errors: list[str], max_growth_pct: float, fd_slack: int) -> dict:
    """The stated bounds, each checked against the figures."""
    first, last, end = figures["samples"][0], figures["samples"][-1], figures["end"]
    baseline, drained_end = figures["baseline"], figures["drained_end"]
    server_growth = 100 * (last["server_rss_mib"] / first["server_rss_mib"] - 1)
    tree_growth = 100 * (last["tree_rss_mib"] / first["tree_rss_mib"] - 1)
    ceiling = STORED_SESSIONS_MAX * FDS_PER_STORED_SESSION  # Streamlit's store of disconnected sessions, full
    peak_fds = max(row["server_fds"] for row in figures["samples"])
    checks = {
        "errors == 0": len(errors) == 0,
        f"server RSS growth <= {max_growth_pct:g} %": server_growth <= max_growth_pct,
        f"server + children RSS growth <= {max_growth_pct:g} %": tree_growth <= max_growth_pct,
        f"open fds drained at end <= drained baseline + {fd_slack}": drained_end["server_fds"]
        <= baseline["server_fds"] + fd_slack,
        f"open fds during the soak <= drained baseline + {ceiling} (stored sessions' ceiling)": peak_fds
        <= baseline["server_fds"] + ceiling,
        "chromium processes at end <= baseline": end["chromium_processes"] <= baseline["chromium_processes"],
        "server alive": figures["server_alive"],
        "no child process outlives the server": not figures["processes_left_after_stop"],
    }
    return {
        "peak_fds": peak_fds,
        "server_rss_growth_pct": round(server_growth, 1),
        "tree_rss_growth_pct": round(tree_growth, 1),
        "checks": checks,
        "pass": all(checks.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--sessions", type=int, default=3)
    parser.add_argument("--sample-every", type=float, default=30, help="seconds between memory samples")
    parser.add_argument("--action-timeout", type=float, default=180, help="seconds one step may take")
    parser.add_argument(
        "--settle", type=float, default=15, help="seconds after the sessions close before the end counts"
    )
    parser.add_argument("--max-growth-pct", type=float, default=15)
    parser.add_argument("--fd-slack", type=int, default=16)
    parser.add_argument("--checkout", type=Path, help="serve this checkout's app (default: this one)")
    args = parser.parse_args()

    directory = data_dir()
    codes = district_codes(directory)
    # As deployed: no reloading of changed source files. In a checkout others edit meanwhile, a reload
    # mid-soak would show their half-made changes and duplicate every module's caches; --checkout
    # soaks a fixed snapshot (e.g. `git worktree add /tmp/soak HEAD`).
    os.environ["STREAMLIT_SERVER_FILE_WATCHER_TYPE"] = "none"
    served = args.checkout.resolve() if args.checkout else REPO_ROOT
    ttl_s = session_ttl(served)
    server = Server(directory, "run", served)
    errors: list[str] = []
    try:
        figures = {"start_s": round(server.wait_healthy(), 1)}
        figures.update(
            asyncio.run(
                soak(
                    server.base_url,
                    args.sessions,
                    args.minutes,
                    args.action_timeout,
                    codes,
                    server,
                    args.sample_every,
                    errors,
                    ttl_s,
                )
            )
        )
        time.sleep(args.settle)
        figures["end"] = {**sample(server, 0.0), "t_s": "end"}
        figures["server_alive"] = server.alive()
        errors += server_log_errors(server.log_path)
    finally:
        children = descendants(server.pid)
        server.stop()
    time.sleep(2)
    figures["processes_left_after_stop"] = sorted(
        name for pid, name in children.items() if Path(f"/proc/{pid}").exists()
    )
    figures["errors"] = len(errors)
    figures["error_examples"] = errors[:10]
    figures["bounds"] = verdict(figures, errors, args.max_growth_pct, args.fd_slack)
    figures["settings"] = {
        "minutes": args.minutes,
        "sessions": args.sessions,
        "sample_every_s": args.sample_every,
        "session_ttl_s": ttl_s,
        "checkout": str(args.checkout or REPO_ROOT),
    }

    print(
        f"soak: {args.sessions} sessions x {args.minutes:g} min, "
        f"{figures['journeys_done']} journeys, {len(errors)} errors"
    )
    for kind, stats in figures["journeys"].items():
        print(f"  {kind:13} {stats['count']:4}x  median {stats['median_s']:6.2f} s  max {stats['max_s']:6.2f} s")
    print("  t_s   server_MiB  tree_MiB  fds  chromium")
    rows = [{**figures["baseline"], "t_s": "base"}, *figures["samples"], {**figures["drained_end"], "t_s": "drain"}]
    for row in rows + [figures["end"]]:
        print(
            f"  {row['t_s']!s:>5} {row['server_rss_mib']:10.1f} {row['tree_rss_mib']:9.1f} "
            f"{row['server_fds']:4} {row['chromium_processes']:9}"
        )
    for name, passed in figures["bounds"]["checks"].items():
        print(f"  {'ok ' if passed else 'FAIL'} {name}")
    for error in errors[:10]:
        print("  error:", error)
    print(json.dumps(figures))
    sys.exit(0 if figures["bounds"]["pass"] else 1)


if __name__ == "__main__":
    main()
