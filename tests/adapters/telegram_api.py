"""A stand-in for the Telegram Bot API: a BaseRequest that answers and records every call."""

from __future__ import annotations

import itertools
import json
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT = {"id": 4242, "is_bot": True, "first_name": "Trygg", "username": "TryggBot"}


class FakeBotApi(BaseRequest):
    """Answers getMe, sendMessage, answerCallbackQuery, getChatMember, setMyCommands."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.members: dict[int, str] = {}
        self.names: dict[int, tuple[str, str]] = {}
        self.message_ids: list[
            tuple[int, int]
        ] = []  # (chat, message id) of each message sent  # user id → (first name, last name)
        self.faults: list[tuple[int, dict[str, Any]]] = []  # (status, body) for next sends
        self.blocked: set[int] = set()
        self.broken: dict[str, tuple[int, str]] = {}  # method → (status, description)
        self.migrated: dict[int, int] = {}  # old chat id → the supergroup's new id
        self._ids = itertools.count(100)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **timeouts: Any
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        self.calls.append((name, params))
        if name in self.broken:
            return error(*self.broken[name])
        if name == "sendMessage" and int(params["chat_id"]) in self.migrated:
            new = self.migrated[int(params["chat_id"])]
            body = {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: group chat was upgraded to a supergroup chat",
                "parameters": {"migrate_to_chat_id": new},
            }
            return 400, json.dumps(body).encode()
        if name == "getMe":
            return ok(BOT)
        if name == "sendMessage":
            chat_id = int(params["chat_id"])
            if chat_id in self.blocked:
                return error(403, "Forbidden: bot was blocked by the user")
            if self.faults:
                status, body = self.faults.pop(0)
                return status, json.dumps(body).encode()
            message_id = next(self._ids)
            self.message_ids.append((chat_id, message_id))
            return ok(
                {
                    "message_id": message_id,
                    "date": 1_763_800_000,
                    "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                    "from": BOT,
                    "text": params.get("text", ""),
                }
            )
        if name == "getChatMember":
            user = int(params["user_id"])
            status = self.members.get(user, "left")
            first, last = self.names.get(user, ("H", ""))
            person = {"id": user, "is_bot": False, "first_name": first}
            if last:
                person["last_name"] = last
            return ok({"status": status, "user": person})
        return ok(True)

    # --- what tests look at ------------------------------------------------------------

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        return [
            p
            for name, p in self.calls
            if name == "sendMessage" and (chat_id is None or int(p["chat_id"]) == chat_id)
        ]

    def buttons(self, chat_id: int) -> list[tuple[str, str]]:
        """(label, callback data) of the last message with buttons sent to `chat_id`."""
        for params in reversed(self.sent(chat_id)):
            markup = params.get("reply_markup")
            if isinstance(markup, str):
                markup = json.loads(markup)
            if markup and "inline_keyboard" in markup:
                return [
                    (b["text"], b["callback_data"])
                    for row in markup["inline_keyboard"]
                    for b in row
                ]
        return []


def ok(result: Any) -> tuple[int, bytes]:
    return 200, json.dumps({"ok": True, "result": result}).encode()


def error(status: int, description: str, **parameters: Any) -> tuple[int, bytes]:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return status, json.dumps(body).encode()


class Updates:
    """Real Telegram update JSON, numbered like Telegram numbers them."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._messages = itertools.count(1)

    def _base(self) -> dict[str, Any]:
        return {"update_id": next(self._ids)}

    def user(self, user_id: int, language: str = "nb") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": "Anon", "language_code": language}

    def chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "Anon"}
        return {"id": chat_id, "type": "supergroup", "title": "Varslingsgruppen"}

    def message(
        self,
        user_id: int,
        chat_id: int,
        text: str | None = None,
        language: str = "nb",
        **extra: Any,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "message_id": next(self._messages),
            "date": 1_763_800_000,
            "chat": self.chat(chat_id),
            "from": self.user(user_id, language),
        }
        if text is not None:
            body["text"] = text
            if text.startswith("/"):
                body["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
                ]
        body.update(extra)
        return {**self._base(), "message": body}

    def edited(self, user_id: int, chat_id: int, text: str) -> dict[str, Any]:
        update = self.message(user_id, chat_id, text)
        update["edited_message"] = update.pop("message")
        update["edited_message"]["edit_date"] = 1_763_800_100
        return update

    def callback(self, user_id: int, chat_id: int, data: str, language: str = "nb") -> dict:
        message = {
            "message_id": next(self._messages),
            "date": 1_763_800_000,
            "chat": self.chat(chat_id),
            "from": BOT,
            "text": "…",
        }
        return {
            **self._base(),
            "callback_query": {
                "id": str(next(self._ids)),
                "from": self.user(user_id, language),
                "chat_instance": "ci",
                "data": data,
                "message": message,
            },
        }
