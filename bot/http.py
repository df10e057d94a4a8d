"""Trygg's own HTTP server (Starlette): platform webhooks and a health check."""

from __future__ import annotations

import hmac
import logging
from json import JSONDecodeError

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from adapters.telegram import TelegramAdapter

log = logging.getLogger(__name__)

TELEGRAM_PATH = "/telegram/webhook"
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


def build_app(routes: list[Route]) -> Starlette:
    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/healthz", health), *routes])
