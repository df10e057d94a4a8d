"""Running the platforms: one event loop with Trygg's HTTP server and each platform's task.

Whatever the platforms need — long polling, a socket, webhooks on the HTTP server — they
declare it (`routes()`, `serve(stop)`); this module runs what they declare and never names
one. /healthz is served whenever a platform runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator, Sequence

import uvicorn

from bot.app import App
from bot.delivery import DeliveryWorker
from bot.http import build_app
from bot.platforms import Platform
from bot.sweeps import start_scheduler

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling (it re-raises SIGTERM after shutting down,
    which ends the process with -15 before the sweeps are stopped): Trygg stops it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def run_platforms(app: App, platforms: Sequence[Platform]) -> None:
    """Serve every configured platform until SIGTERM or SIGINT; the sweeps run alongside.

    On a signal: stop taking events, let the part being sent finish, stop the sweeps, exit 0.
    """
    for platform in platforms:
        platform.start(app.engine.handle)
    worker = DeliveryWorker(app.sweep)
    app.engine.wake = worker.wake
    worker.start()
    scheduler = start_scheduler(app.follow_ups, app.purger)
    try:
        asyncio.run(_serve(app, platforms))
    finally:
        for platform in platforms:
            platform.stop()
        worker.stop()
        scheduler.shutdown(wait=True)
        log.info("stopped")


async def _serve(app: App, platforms: Sequence[Platform]) -> None:
    settings = app.settings
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    routes = [route for platform in platforms for route in platform.routes()]
    server = _Server(
        uvicorn.Config(
            build_app(routes, max_body=settings.http_max_body),
            host=settings.http_host,
            port=settings.http_port,
            log_config=None,  # uvicorn's loggers go through Trygg's redacting handler
        )
    )
    tasks = [asyncio.create_task(platform.serve(stop)) for platform in platforms]
    web = asyncio.create_task(server.serve())
    waiting = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([waiting, web, *tasks], return_when=asyncio.FIRST_COMPLETED)
    requested = waiting in done
    stop.set()
    server.should_exit = True
    results = await asyncio.gather(web, *tasks, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
            raise result  # a platform that failed (a wrong token, unreachable): one line
    if not requested:
        raise RuntimeError("a platform or the HTTP server stopped by itself")
