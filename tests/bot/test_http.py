"""Trygg's HTTP server: a body size limit on every route, 400 for malformed bodies, Slack's
signature checked before its body is parsed, and no traceback from any request."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator

import pytest
from slack_sdk.signature import SignatureVerifier
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from adapters.slack import EVENTS_PATH as SLACK_PATH
from adapters.slack import SlackAdapter
from adapters.slack import events_route as slack_route
from adapters.telegram import SECRET_HEADER, TelegramAdapter
from adapters.telegram import WEBHOOK_PATH as TELEGRAM_PATH
from adapters.telegram import webhook_route as telegram_route
from bot.http import build_app
from tests.adapters.telegram_api import FakeBotApi

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
WEBHOOK_SECRET = "webhook-secret-token"
LIMIT = 4096
BODY_MARK = "BODYMARK-91c2"


@pytest.fixture
def client() -> Iterator[TestClient]:
    slack = SlackAdapter("xoxb-test", SECRET, api_url="http://127.0.0.1:9")
    telegram = TelegramAdapter("123:TEST", request=FakeBotApi(), rate_limit=False)
    routes = [slack_route(slack, SECRET), telegram_route(telegram, WEBHOOK_SECRET)]
    with TestClient(build_app(routes, max_body=LIMIT)) as test_client:
        yield test_client


def signed(body: bytes, content_type: str, secret: str = SECRET) -> dict[str, str]:
    stamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    assert signature is not None
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }


@pytest.mark.parametrize("path", [SLACK_PATH, TELEGRAM_PATH, "/healthz"])
def test_a_body_over_the_limit_is_413_on_every_route(client, path):
    """A Content-Length over TRYGG_HTTP_MAX_BODY is refused before the route reads anything."""
    body = b"x" * (LIMIT + 1)
    headers = {SECRET_HEADER: WEBHOOK_SECRET, **signed(body, "application/json")}
    assert client.post(path, content=body, headers=headers).status_code == 413


@pytest.mark.parametrize("path", [SLACK_PATH, TELEGRAM_PATH])
def test_a_chunked_body_over_the_limit_is_413(client, path):
    """A body without Content-Length is counted while it is read, and refused past the limit."""

    def chunks() -> Iterator[bytes]:
        for _ in range(LIMIT // 512 + 2):
            yield b"x" * 512

    response = client.post(path, content=chunks(), headers={SECRET_HEADER: WEBHOOK_SECRET})
    assert response.status_code == 413


def test_a_body_under_the_limit_reaches_the_route(client):
    """Only what is over the limit is refused: a small malformed body is the route's 400."""
    response = client.post(TELEGRAM_PATH, content=b"{", headers={SECRET_HEADER: WEBHOOK_SECRET})
    assert response.status_code == 400


@pytest.mark.parametrize("body", [b"\xff\xfe not utf-8", b"[1, 2]", b'"update"', b"{bad json"])
def test_malformed_telegram_body_is_400(client, body):
    """A Telegram webhook body that is not a JSON update object is 400, never a 500."""
    response = client.post(TELEGRAM_PATH, content=body, headers={SECRET_HEADER: WEBHOOK_SECRET})
    assert response.status_code == 400


def test_unsigned_malformed_slack_body_is_401_and_its_body_is_not_logged(client, caplog):
    """Slack's signature is checked before the body is parsed: bad JSON without it is a 401."""
    caplog.set_level(logging.DEBUG)
    body = f'{{"event": "{BODY_MARK}"'.encode()
    headers = signed(body, "application/json", secret="not-the-secret")
    assert client.post(SLACK_PATH, content=body, headers=headers).status_code == 401
    no_signature = {"Content-Type": "application/json"}
    assert client.post(SLACK_PATH, content=body, headers=no_signature).status_code == 401
    stale = {**signed(body, "application/json"), "X-Slack-Request-Timestamp": "soon"}
    assert client.post(SLACK_PATH, content=body, headers=stale).status_code == 401
    assert BODY_MARK not in caplog.text


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"type": "event_callback"', "application/json"),
        (b"[1]", "application/json"),
        (b"payload=%7Bnot+json", "application/x-www-form-urlencoded"),
        (b"payload=%5B%5D", "application/x-www-form-urlencoded"),
        (b"", "application/x-www-form-urlencoded"),
    ],
)
def test_signed_malformed_slack_body_is_400(client, body, content_type):
    """A correctly signed body that Bolt could not parse is a 400, not a 500."""
    response = client.post(SLACK_PATH, content=body, headers=signed(body, content_type))
    assert response.status_code == 400


def test_signed_url_verification_still_reaches_bolt(client):
    """A well-formed signed request passes the checks and Bolt answers it."""
    body = json.dumps({"type": "url_verification", "challenge": "abc", "token": "t"}).encode()
    response = client.post(SLACK_PATH, content=body, headers=signed(body, "application/json"))
    assert response.status_code == 200 and "abc" in response.text


def test_an_unexpected_error_is_a_500_and_one_log_line(caplog):
    """A route that crashes answers 500; the log has one line naming the error, no traceback."""

    async def boom(_: Request) -> Response:
        raise RuntimeError(f"leaky detail {BODY_MARK}")

    caplog.set_level(logging.INFO)
    with TestClient(build_app([Route("/boom", boom, methods=["POST"])])) as test_client:
        assert test_client.post("/boom", content=b"{}").status_code == 500
    errors = [r for r in caplog.records if r.name.startswith("bot")]
    assert [r.getMessage() for r in errors] == ["request to /boom failed (RuntimeError)"]
    assert not any(r.exc_info for r in errors) and BODY_MARK not in caplog.text
