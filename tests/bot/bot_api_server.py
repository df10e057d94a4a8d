"""A local HTTP stand-in for the Telegram Bot API, for running `trygg run` as a subprocess."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

BOT = {"id": 4242, "is_bot": True, "first_name": "Trygg", "username": "TryggBot"}


class BotApiServer:
    """Serves `/bot<token>/<method>`: hands out queued updates once and records every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.updates: list[dict[str, Any]] = []
        self.reject_token = False  # answer every call as Telegram answers a revoked token
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                params = _params(raw, self.headers.get("Content-Type", ""))
                if server.reject_token:
                    status = 401
                    data = b'{"ok": false, "error_code": 401, "description": "Unauthorized"}'
                else:
                    status = 200
                    body = server.answer(self.path.rsplit("/", 1)[-1], params)
                    data = json.dumps({"ok": True, "result": body}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return None

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def answer(self, method: str, params: dict[str, Any]) -> Any:
        with self._lock:
            self.calls.append((method, params))
        if method == "getMe":
            return BOT
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            with self._lock:
                due = [u for u in self.updates if u["update_id"] >= offset]
            if not due:
                time.sleep(0.2)
            return due
        if method == "sendMessage":
            chat = int(params["chat_id"])
            return {
                "message_id": len(self.calls),
                "date": 1_763_800_000,
                "chat": {"id": chat, "type": "private" if chat > 0 else "supergroup"},
                "from": BOT,
                "text": params.get("text", ""),
            }
        if method == "getChatMember":
            user = int(params["user_id"])
            return {"status": "member", "user": {"id": user, "is_bot": False, "first_name": "H"}}
        return True

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        with self._lock:
            return [p for m, p in self.calls if m == "sendMessage" and int(p["chat_id"]) == chat_id]

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


def _params(raw: str, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if "json" in content_type:
        loaded = json.loads(raw)
        return loaded if isinstance(loaded, dict) else {}
    return {k: v[0] for k, v in parse_qs(raw).items()}


def private_message(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    """A real-shaped update: `text` from `user_id` in their private chat with the bot."""
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": 1_763_800_000,
        "chat": {"id": user_id, "type": "private", "first_name": "Anon"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Anon", "language_code": "en"},
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return {"update_id": update_id, "message": message}
