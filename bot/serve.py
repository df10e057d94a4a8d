"""Running the platform adapters: Telegram long polling or webhook, with the sweeps alongside."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import uvicorn
from apscheduler.schedulers.background import BackgroundScheduler
from starlette.applications import Starlette

from adapters.telegram import TelegramAdapter
from bot.app import App
from bot.errors import StartupError
from bot.http import TELEGRAM_PATH, build_app, telegram_route
from bot.sweeps import start_scheduler

log = logging.getLogger(__name__)


def wake_on_queue(app: App, scheduler: BackgroundScheduler) -> None:
    """After a commit that queued messages, run the delivery sweep now, not at the next tick."""

    def wake() -> None:
        job = scheduler.get_job("deliver")
        if job is not None:
            job.modify(next_run_time=datetime.now(UTC))

    app.engine.wake = wake


def run_telegram(app: App, adapter: TelegramAdapter) -> None:
    """Long polling by default; webhook mode when TELEGRAM_WEBHOOK_URL is set."""
    settings = app.settings
    scheduler = start_scheduler(app.sweep, app.follow_ups, app.purger)
    wake_on_queue(app, scheduler)
    adapter.start(app.engine.handle)
    try:
        if settings.telegram_webhook_url:
            if not settings.telegram_webhook_secret:
                raise StartupError(
                    "TELEGRAM_WEBHOOK_SECRET is not set: webhook mode needs a secret token",
                    "telegram_webhook_secret",
                )
            server = webhook_server(app, adapter)
            uvicorn.run(
                server, host=settings.http_host, port=settings.http_port, log_level="warning"
            )
        else:
            adapter.run_polling()
    finally:
        scheduler.shutdown(wait=True)


def webhook_server(app: App, adapter: TelegramAdapter) -> Starlette:
    """Trygg's HTTP server with the Telegram webhook; registers the webhook on start-up."""
    settings = app.settings

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await adapter.initialize()
        url = settings.telegram_webhook_url.rstrip("/")
        if not url.endswith(TELEGRAM_PATH):
            url += TELEGRAM_PATH
        await adapter.application.bot.set_webhook(
            url, secret_token=settings.telegram_webhook_secret, allowed_updates=None
        )
        log.info("telegram webhook registered")
        yield
        await adapter.application.shutdown()
        await asyncio.sleep(0)

    server = build_app([telegram_route(adapter, settings.telegram_webhook_secret)])
    server.router.lifespan_context = lifespan
    return server
