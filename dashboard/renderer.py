"""The warm browser: Plotly figures rendered to PNG/SVG/PDF by kaleido in Debian's Chromium.

One browser is kept warm per process (started on the first export, or ahead with
start_in_background; shared by every thread and session) instead of one per image. Kaleido
makes no third-party requests: MathJax is off, plotly.js comes from the plotly package, and geo
maps get their (empty) base-map layers from dashboard/static/topojson/. The only module here that starts a process.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import threading
from pathlib import Path

import plotly.graph_objects as go

FORMATS = ("png", "svg", "pdf")
TOPOJSON_DIR = Path(__file__).resolve().parent / "static" / "topojson"
TOPOJSON_URL = TOPOJSON_DIR.as_uri() + "/"  # kaleido's `topojson` is plotly.js's topojsonURL (a folder)
DEBIAN_CHROMIUM = "/usr/bin/chromium"
BROWSER_ENV_VAR = "BROWSER_PATH"  # the override choreographer (kaleido's browser driver) also honours
START_TIMEOUT_S = 60.0
RENDER_TIMEOUT_S = 60.0


# Chromium features kaleido's browser never needs. On-device AI: about 3 minutes after any start, with
# or without renders, Chromium launches an `on_device_model` utility process and keeps it for the
# browser's life: one process more under the server than at start (the 1 Dec soak: 8 -> 9 Chromium
# processes from minute 4). Measured on Debian's Chromium 150: this feature off, none in 7 minutes
# (LogOnDeviceMetricsOnStartup off alone does not stop it). An unknown feature name is ignored.
DISABLED_FEATURES = ("OptimizationGuideOnDeviceModel",)


class ExportError(RuntimeError):
    """A static image could not be made: no browser, the browser failed, or the figure did not render."""


# --- the warm browser ---------------------------------------------------------------------------


def browser_path() -> str:
    """The Chromium to drive: $BROWSER_PATH, else Debian's /usr/bin/chromium, else `chromium` on PATH.

    Set explicitly so a browser downloaded into a user folder (kaleido_get_chrome) never wins.
    """
    candidates = [
        os.environ.get(BROWSER_ENV_VAR),
        DEBIAN_CHROMIUM,
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise ExportError(
        "No Chromium found for chart export: install Debian's chromium (apt-get install chromium) "
        f"or set {BROWSER_ENV_VAR}."
    )


def chromium_class():
    """choreographer's Chromium with DISABLED_FEATURES switched off (kaleido passes `browser_cls` on)."""
    from choreographer.browsers import Chromium

    class QuietChromium(Chromium):
        def get_cli(self):
            return [*super().get_cli(), f"--disable-features={','.join(DISABLED_FEATURES)}"]

    return QuietChromium


class WarmBrowser:
    """One Chromium (through kaleido) on its own event-loop thread, started lazily, shared by all threads.

    Not kaleido.start_sync_server: that server hangs every later call forever when the browser
    fails to start, and its request/reply queues mix up answers under concurrent callers.
    Here each render is a future on the browser's loop (kaleido queues renders for its tab),
    with a timeout; a browser failure closes it, and the next export starts a fresh one.
    """

    def __init__(self, log_requests: bool = False) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None
        self._reloads: set = set()  # tabs reloading after a render (see _defer_tab_reloads)
        self.starts = 0  # how many browsers this process has started (tests: stays 1 when warm)
        self.log_requests = log_requests
        self.requests: list[
            str
        ] = []  # with log_requests: every URL the browser loaded (proof of no third-party requests)
        atexit.register(self.stop)

    @property
    def running(self) -> bool:
        return self._kaleido is not None

    def _ensure(self):
        with self._lock:
            if self._kaleido is not None:
                return self._loop, self._kaleido
            import kaleido  # imported here: importing the app must not need a browser

            path = browser_path()
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="jurang-kaleido", daemon=True)
            thread.start()

            opened: list = []  # the browser object, so a start that fails half-way can still be closed

            async def open_browser():
                browser = kaleido.Kaleido(
                    n=1, timeout=RENDER_TIMEOUT_S, mathjax=False, path=path, browser_cls=chromium_class()
                )
                opened.append(browser)
                await browser.open()
                self._reloads = _defer_tab_reloads(browser)
                if self.log_requests:

                    async def record(event: dict) -> None:
                        self.requests.append(event["params"]["request"]["url"])

                    for tab in browser.tabs.values():
                        await tab.send_command("Network.enable")
                        tab.subscribe("Network.requestWillBeSent", record, repeating=True)
                return browser

            try:
                browser = asyncio.run_coroutine_threadsafe(open_browser(), loop).result(START_TIMEOUT_S)
            except Exception as error:  # noqa: BLE001 — any start failure becomes one clear error
                if opened:
                    try:
                        asyncio.run_coroutine_threadsafe(opened[0].close(), loop).result(15)
                    except Exception:  # noqa: BLE001 — best effort: never leave a half-started Chromium
                        pass
                loop.call_soon_threadsafe(loop.stop)
                thread.join(5)
                raise ExportError(
                    f"Could not start Chromium ({path}) for chart export: {type(error).__name__}: {error}"
                ) from error
            self._loop, self._thread, self._kaleido = loop, thread, browser
            self.starts += 1
            return loop, browser

    def render(self, figure: go.Figure | dict, fmt: str, width: int, height: int, scale: float = 1.0) -> bytes:
        """The figure as PNG/SVG/PDF bytes at width x height CSS pixels (PNG multiplied by scale)."""
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
        from kaleido.errors import KaleidoError

        loop, browser = self._ensure()
        options = {"format": fmt, "width": int(width), "height": int(height), "scale": float(scale)}
        future = asyncio.run_coroutine_threadsafe(browser.calc_fig(figure, opts=options, topojson=TOPOJSON_URL), loop)
        try:
            result = future.result(RENDER_TIMEOUT_S + 5)
        except KaleidoError as error:  # plotly.js refused the figure: the browser is fine
            raise ExportError(f"Plotly could not render the figure as {fmt}: {error}") from error
        except Exception as error:  # noqa: BLE001 — timeout or browser gone: restart next time
            future.cancel()
            self.stop()
            raise ExportError(
                f"Chart export failed ({type(error).__name__}: {error}); "
                "the browser will be restarted on the next export."
            ) from error
        return result if isinstance(result, bytes) else bytes(result)

    def stop(self) -> None:
        """Close the browser and its loop (at exit, or to measure a cold start)."""
        with self._lock:
            loop, thread, browser = self._loop, self._thread, self._kaleido
            self._loop = self._thread = self._kaleido = None
        if loop is None:
            return

        async def close() -> None:
            for reload in list(self._reloads):  # a tab reloading for a render that will never come
                reload.cancel()
            await browser.close()

        try:
            asyncio.run_coroutine_threadsafe(close(), loop).result(15)
        except Exception:  # noqa: BLE001 — closing a broken browser must not raise at exit
            pass
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(5)


RELOAD_EVERY = 20  # renders per tab between reloads of kaleido's page (see _defer_tab_reloads)


def _defer_tab_reloads(browser) -> set:
    """Reload kaleido's page every RELOAD_EVERY renders instead of after each, and after the image is returned.

    Kaleido (1.5) reloads its tab (plotly.js parsed anew: ~0.4 s of Chromium, most of a ~0.6 s
    render) after every render, before the render returns. Each render replaces the page's one
    image and @page size, so nothing of a chart carries into the next (a pack rendered either way is
    pixel-identical); the reload is kept, less often, to shed whatever plotly.js leaves behind in a
    long-running app. It runs as a task on the browser's loop and the tab goes back in kaleido's
    queue when it is done, so the next render waits for a fresh tab while the caller already has its
    image. Returns the set of running reloads. A failed reload is not raised here: the next render on
    that tab fails and restarts the browser."""
    reloads: set = set()
    if not (hasattr(browser, "_return_kaleido_tab") and hasattr(browser, "tabs_ready")):
        return reloads  # another kaleido: keep its own behaviour
    renders: dict[int, int] = {}  # renders per tab since its last reload

    async def return_tab(tab) -> None:
        renders[id(tab)] = renders.get(id(tab), 0) + 1
        if renders[id(tab)] < RELOAD_EVERY:
            await browser.tabs_ready.put(tab)
            return
        renders[id(tab)] = 0

        async def reload_then_queue() -> None:
            try:
                await tab.reload()
            except Exception:  # noqa: BLE001 — reported by the next render on this tab, not by the finished one
                pass
            finally:
                await browser.tabs_ready.put(tab)

        task = asyncio.get_running_loop().create_task(reload_then_queue())
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    browser._return_kaleido_tab = return_tab
    return reloads


BROWSER = WarmBrowser()


def start_in_background() -> threading.Thread:
    """Start the warm browser on a daemon thread and return at once, so Chromium's start (~3 s)
    overlaps whatever the caller does next (the briefing CLI loads data and builds its scene
    meanwhile). A failed start is not raised here: the first render retries and raises it."""

    def start() -> None:
        try:
            BROWSER._ensure()
        except ExportError:
            pass

    thread = threading.Thread(target=start, name="jurang-kaleido-start", daemon=True)
    thread.start()
    return thread


def render(figure: go.Figure | dict, fmt: str, width: int, height: int, scale: float = 1.0) -> bytes:
    """Render with the process's warm browser (started on first use)."""
    return BROWSER.render(figure, fmt, width, height, scale)
