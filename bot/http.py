"""Trygg's own HTTP server (Starlette): platform webhooks and a health check."""

from __future__ import annotations

import asyncio
import hmac
import logging
from json import JSONDecodeError

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Lifespan

from adapters.slack import SlackAdapter
from adapters.telegram import TelegramAdapter

log = logging.getLogger(__name__)

TELEGRAM_PATH = "/telegram/webhook"
SLACK_PATH = "/slack/events"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret


def telegram_route(adapter: TelegramAdapter, secret: str) -> Route:
    """Telegram's webhook: the secret token header must match, or 403 and nothing is stored."""

    async def webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("telegram webhook call with a wrong secret token refused")
            return PlainTextResponse("forbidden", status_code=403)
        try:
            data = await request.json()
        except (JSONDecodeError, UnicodeDecodeError):
            return PlainTextResponse("bad request", status_code=400)
        if not isinstance(data, dict) or "update_id" not in data:
            return PlainTextResponse("bad request", status_code=400)
        await adapter.process_webhook(data)
        return PlainTextResponse("ok")

    return Route(TELEGRAM_PATH, webhook, methods=["POST"])


def slack_route(adapter: SlackAdapter) -> Route:
    """Slack's Events API, interactivity and slash commands, verified by Bolt (bad → 401)."""

    async def events(request: Request) -> Response:
        body = (await request.body()).decode("utf-8", errors="replace")
        headers = dict(request.headers)
        # Bolt acknowledges first and runs the engine after the response where it can.
        response = await asyncio.to_thread(adapter.dispatch, body, headers, request.url.query)
        return Response(
            content=response.body,
            status_code=response.status,
            headers=response.first_headers_without_set_cookie(),
        )

    return Route(SLACK_PATH, events, methods=["POST"])


def build_app(routes: list[Route], lifespan: Lifespan[Starlette] | None = None) -> Starlette:
    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/healthz", health), *routes], lifespan=lifespan)
