"""A local stand-in for Slack's Web API: a real HTTP server that answers and records calls."""

from __future__ import annotations

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


class SlackWebApi:
    """Answers the Web API methods the adapter uses; tests read `calls` and set `faults`."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.names: dict[str, str] = {}  # user → display name (users.info profile)
        self.posted: list[tuple[str, str]] = []  # (channel, ts) of each message posted
        self.members: dict[str, list[str]] = {}
        self.public: set[str] = set()
        self.faults: list[tuple[int, dict[str, str], dict[str, Any]]] = []
        self.locales: dict[str, str] = {}
        self._ts = itertools.count(1)
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length).decode()
                if "json" in (self.headers.get("content-type") or ""):
                    params = json.loads(raw or "{}")
                else:
                    params = {k: v[0] for k, v in parse_qs(raw).items()}
                method = self.path.rsplit("/", 1)[-1]
                status, headers, body = api.answer(method, params)
                out = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, str], dict]:
        self.calls.append((method, params))
        if method == "chat.postMessage" and self.faults:
            return self.faults.pop(0)
        if method == "auth.test":
            return ok(
                user_id="UBOT",
                bot_id="BBOT",
                team_id="T1",
                team="Org",
                user="trygg",
                url="https://org.slack.com/",
            )
        if method == "chat.postMessage":
            ts = f"1700000000.{next(self._ts):06d}"
            self.posted.append((params["channel"], ts))
            return ok(channel=params["channel"], ts=ts)
        if method == "conversations.members":
            return ok(
                members=self.members.get(params["channel"], []),
                response_metadata={"next_cursor": ""},
            )
        if method == "conversations.info":
            channel = params["channel"]
            return ok(
                channel={
                    "id": channel,
                    "is_private": channel not in self.public,
                    "is_im": channel.startswith("D"),
                }
            )
        if method == "conversations.open":
            return ok(channel={"id": "D" + params["users"][1:]})
        if method == "users.info":
            profile = {"display_name": self.names.get(params["user"], ""), "real_name": "R"}
            user = {"id": params["user"], "locale": self.locales.get(params["user"])}
            return ok(user={**user, "profile": profile})
        return ok()

    # --- what tests look at ------------------------------------------------------------

    def posts(self, channel: str | None = None) -> list[dict[str, Any]]:
        return [
            p
            for m, p in self.calls
            if m == "chat.postMessage" and (channel is None or p["channel"] == channel)
        ]

    def texts(self, channel: str) -> list[str]:
        return [p["text"] for p in self.posts(channel)]

    def buttons(self, channel: str) -> list[tuple[str, str]]:
        """(label, value) of the buttons in the last message with buttons in `channel`."""
        for post in reversed(self.posts(channel)):
            blocks = post.get("blocks")
            if isinstance(blocks, str):
                blocks = json.loads(blocks)
            found = [
                (e["text"]["text"], e["value"])
                for b in blocks or []
                if b["type"] == "actions"
                for e in b["elements"]
            ]
            if found:
                return found
        return []


def ok(**fields: Any) -> tuple[int, dict[str, str], dict[str, Any]]:
    return 200, {}, {"ok": True, **fields}


def ratelimited(seconds: int) -> tuple[int, dict[str, str], dict[str, Any]]:
    return 429, {"Retry-After": str(seconds)}, {"ok": False, "error": "ratelimited"}
