"""Running the platform adapters (Telegram polling or webhook, Slack HTTP or Socket Mode)."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import uvicorn
from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt.adapter.socket_mode import SocketModeHandler
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import Lifespan

from adapters.slack import SlackAdapter
from adapters.telegram import TelegramAdapter
from bot.app import App
from bot.errors import StartupError
from bot.http import TELEGRAM_PATH, build_app, slack_route, telegram_route
from bot.sweeps import start_scheduler

log = logging.getLogger(__name__)


def wake_on_queue(app: App, scheduler: BackgroundScheduler) -> None:
    """After a commit that queued messages, run the delivery sweep now, not at the next tick."""

    def wake() -> None:
        job = scheduler.get_job("deliver")
        if job is not None:
            job.modify(next_run_time=datetime.now(UTC))

    app.engine.wake = wake


def run_platforms(app: App, telegram: TelegramAdapter | None, slack: SlackAdapter | None) -> None:
    """Serve every configured platform until stopped; the sweeps run alongside."""
    settings = app.settings
    routes: list[Route] = []
    socket: SocketModeHandler | None = None
    if slack is not None:
        slack.start(app.engine.handle)
        if settings.slack_app_token:
            socket = SocketModeHandler(slack.app, settings.slack_app_token)
        else:
            routes.append(slack_route(slack))
    webhook = telegram is not None and bool(settings.telegram_webhook_url)
    if telegram is not None:
        telegram.start(app.engine.handle)
        if webhook:
            if not settings.telegram_webhook_secret:
                raise StartupError(
                    "TELEGRAM_WEBHOOK_SECRET is not set: webhook mode needs a secret token",
                    "telegram_webhook_secret",
                )
            routes.append(telegram_route(telegram, settings.telegram_webhook_secret))
    scheduler = start_scheduler(app.sweep, app.follow_ups, app.purger)
    wake_on_queue(app, scheduler)
    try:
        if socket is not None:
            socket.connect()  # type: ignore[no-untyped-call]  # Bolt's handler is untyped
        server = build_app(routes, lifespan=_telegram_lifespan(app, telegram) if webhook else None)
        config = uvicorn.Config(
            server, host=settings.http_host, port=settings.http_port, log_level="warning"
        )
        if telegram is not None and not webhook:
            if routes:
                threading.Thread(target=uvicorn.Server(config).run, daemon=True).start()
            telegram.run_polling()
        elif routes:
            uvicorn.Server(config).run()
        else:
            threading.Event().wait()
    finally:
        if socket is not None:
            socket.close()  # type: ignore[no-untyped-call]
        scheduler.shutdown(wait=True)


def _telegram_lifespan(app: App, telegram: TelegramAdapter | None) -> Lifespan[Starlette]:
    settings = app.settings

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        assert telegram is not None  # noqa: S101 - only built for a Telegram webhook
        await telegram.initialize()
        url = settings.telegram_webhook_url.rstrip("/")
        if not url.endswith(TELEGRAM_PATH):
            url += TELEGRAM_PATH
        await telegram.application.bot.set_webhook(
            url, secret_token=settings.telegram_webhook_secret
        )
        log.info("telegram webhook registered")
        yield
        await telegram.application.shutdown()

    return lifespan
