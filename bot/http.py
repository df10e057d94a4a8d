"""Trygg's own HTTP server (Starlette): the routes the platforms contribute, and /healthz.

Every route sits behind a body size limit (TRYGG_HTTP_MAX_BODY, 413 when it is passed), and
no request can make the server print a traceback: an unexpected error is a 500 and one
redacted log line. Each platform's route checks its own requests (signatures, secrets).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Lifespan, Message, Receive, Scope, Send

from bot.logs import redact
from bot.settings import DEFAULT_MAX_BODY

log = logging.getLogger(__name__)


def bad_request() -> Response:
    return PlainTextResponse("bad request", status_code=400)


class BodyLimit:
    """Refuses a body over `max_body` bytes with 413: by its Content-Length before anything is
    read, and by counting while it is read (a chunked body has no Content-Length)."""

    def __init__(self, app: ASGIApp, max_body: int = DEFAULT_MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None and not length.isdigit():
            await bad_request()(scope, receive, send)
            return
        if length is not None and int(length) > self.max_body:
            await self._too_large(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise HTTPException(413, "request body too large")
            return message

        await self.app(scope, counted, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        log.warning("request body over %d bytes refused (%s)", self.max_body, scope["path"])
        response = PlainTextResponse("request body too large", status_code=413)
        await response(scope, receive, send)


class Server(Starlette):
    """Starlette that logs an unexpected error as one redacted line instead of letting the
    ASGI server print the traceback (the client already has its 500).

    A start-up that fails (a platform refusing the token while the webhook is registered) is
    reported to the ASGI server as its last line, redacted: the full text only at DEBUG.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await super().__call__(scope, receive, _short_failures(send))
            return
        try:
            await super().__call__(scope, receive, send)
        except Exception as exc:
            log.error("request to %s failed (%s)", scope.get("path"), type(exc).__name__)
            log.debug("request failure", exc_info=True)


def _short_failures(send: Send) -> Send:
    async def short(message: Message) -> None:
        if message["type"].endswith(".failed") and message.get("message"):
            text = str(message["message"])
            log.debug("start-up failed: %s", text)
            lines = text.strip().splitlines()
            message = {**message, "message": redact(lines[-1] if lines else text)}
        await send(message)

    return short


def build_app(
    routes: Sequence[BaseRoute],
    lifespan: Lifespan[Starlette] | None = None,
    max_body: int | None = None,
) -> Starlette:
    """The server for `routes` plus /healthz; `max_body` defaults to TRYGG_HTTP_MAX_BODY."""

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    limit = max_body if max_body is not None else _max_body_from_env()
    return Server(
        routes=[Route("/healthz", health), *routes],
        lifespan=lifespan,
        middleware=[Middleware(BodyLimit, max_body=limit)],
    )


def _max_body_from_env() -> int:
    text = os.environ.get("TRYGG_HTTP_MAX_BODY", "")
    return int(text) if text.isdigit() else DEFAULT_MAX_BODY
