"""The Telegram adapter: reporters in private chats, handler groups in private Telegram groups.

python-telegram-bot is the transport only; conversation state lives in Trygg's own tables.
Addresses are `telegram:<chat id>`, message references `telegram:<chat id>:<message id>`.
Text is always sent without a parse mode, so nothing a person writes can inject formatting.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import re
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any, TypeVar

# Opt in to python-telegram-bot's coming default (time periods as timedelta) before it loads,
# so RetryAfter carries a timedelta and PTB warns about nothing.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from telegram import (
    BotCommand,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import BaseRequest

from conversations.adapter import Handler
from conversations.errors import DeliveryError, RateLimited, RecipientGone
from conversations.i18n import Translator
from conversations.messages import Inbound, Outbound
from conversations.notify import TEXT_ACTIONS
from conversations.org import Group

log = logging.getLogger(__name__)

PLATFORM = "telegram"
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
PER_CHAT_INTERVAL = 1.0  # Telegram: about one message a second in one chat
DELETE_WINDOW = 47 * 3600  # Telegram lets bots delete private-chat messages for 48 hours
MEMBER_STATUSES = ("creator", "administrator", "member")
PROMPT = re.compile(r"^✍️ /(?P<action>\w+) (?P<reference>K-[A-Z0-9]{6})")
COMMANDS = {
    "start": "Start or continue a report",
    "help": "What this bot does",
    "cancel": "Delete what you have written",
    "status": "Your reports",
    "language": "Change language",
}
T = TypeVar("T")


def address(chat_id: int) -> str:
    return f"{PLATFORM}:{chat_id}"


def parse_address(value: str) -> int:
    """The chat id in `telegram:<chat id>` (or `telegram:<chat id>/<topic>`); else refused."""
    platform, _, rest = value.partition(":")
    chat = rest.split(":", 1)[0].split("/", 1)[0]
    if platform != PLATFORM or not re.fullmatch(r"-?\d+", chat):
        raise ValueError(f"not a Telegram address: {value!r}")
    return int(chat)


def parse_topic(value: str) -> int | None:
    """The forum topic in `telegram:<chat id>/<topic>`, if the group uses topics."""
    _, _, topic = value.partition(":")[2].partition("/")
    return int(topic) if topic.isdigit() else None


def parse_ref(value: str) -> tuple[int, int]:
    """(chat id, message id) from `telegram:<chat id>:<message id>`."""
    parts = value.split(":")
    if len(parts) != 3 or parts[0] != PLATFORM:
        raise ValueError(f"not a Telegram message reference: {value!r}")
    return int(parts[1]), int(parts[2])


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split at paragraph or line breaks where possible, never above Telegram's limit."""
    chunks: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind("\n\n", 0, limit), text.rfind("\n", 0, limit))
        if cut <= limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    chunks.append(text)
    return chunks


def keyboard(outbound: Outbound) -> InlineKeyboardMarkup | None:
    if not outbound.choices:
        return None
    for choice in outbound.choices:
        if len(choice.value.encode()) > MAX_CALLBACK_DATA:
            raise ValueError(f"choice value longer than Telegram allows: {choice.value[:20]}…")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(c.label, callback_data=c.value)] for c in outbound.choices]
    )


def content_kind(message: Message) -> str:
    """What arrived instead of text (declined by the engine, never stored)."""
    for kind in (
        "photo",
        "sticker",
        "document",
        "voice",
        "video",
        "audio",
        "animation",
        "location",
        "contact",
        "video_note",
        "poll",
    ):
        if getattr(message, kind, None):
            return kind
    return "other"


def to_inbound(update: Update) -> Inbound | None:
    """Turn a Telegram update into an Inbound; None for updates that are not for the engine."""
    event = str(update.update_id)
    query = update.callback_query
    if query is not None and query.message is not None and query.data:
        chat = query.message.chat
        return Inbound(
            PLATFORM,
            str(query.from_user.id),
            address(chat.id),
            choice=query.data,
            content="choice",
            locale=query.from_user.language_code,
            private=chat.type == "private",
            event_id=event,
        )
    edited = update.edited_message
    if edited is not None and edited.from_user is not None:
        return Inbound(
            PLATFORM,
            str(edited.from_user.id),
            address(edited.chat.id),
            content="edit",
            locale=edited.from_user.language_code,
            private=edited.chat.type == "private",
            event_id=event,
        )
    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None
    private = message.chat.type == "private"
    text = message.text
    prompt = message.reply_to_message
    if text is not None and not private and prompt is not None and prompt.text:
        asked = PROMPT.match(prompt.text)
        if asked and prompt.from_user is not None and prompt.from_user.is_bot:
            text = f"/{asked['action']} {asked['reference']} {text}"
    return Inbound(
        PLATFORM,
        str(message.from_user.id),
        address(message.chat.id),
        text=text,
        content="text" if text is not None else content_kind(message),
        locale=message.from_user.language_code,
        private=private,
        event_id=event,
    )


class TelegramAdapter:
    """Long polling by default; webhook updates are fed in through `process_webhook`."""

    name = PLATFORM

    def __init__(
        self,
        token: str,
        base_url: str | None = None,
        request: BaseRequest | None = None,
        language: str = "nb",
        timezone: str = "Europe/Oslo",
        rate_limit: bool = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        builder = ApplicationBuilder().token(token)
        if base_url:
            builder = builder.base_url(base_url.rstrip("/") + "/bot")
        if request is not None:
            builder = builder.request(request).get_updates_request(request)
        if rate_limit:
            # Telegram's limits: about 30 messages a second, 20 a minute in one group.
            limiter: Any = AIORateLimiter(max_retries=0)  # PTB's builder types its generics loosely
            builder = builder.rate_limiter(limiter)
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.tr = Translator(language, timezone)
        self.handler: Handler | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._told_groups: set[int] = set()  # groups told to write privately (memory only)
        self._desk_chats: dict[int, str] = {}  # handler group chat → its configured address
        # Recent message ids per private chat, for /forget. Memory only: after a restart the
        # earlier messages can no longer be found (the reporter is told to delete by hand).
        self._history: dict[int, deque[tuple[int, float]]] = {}
        self._last_delivery: dict[int, float] = {}
        self._pace_lock = threading.Lock()
        self.sleep = sleep

    # --- lifecycle -----------------------------------------------------------------------

    def start(self, handler: Handler) -> None:
        """Bind the engine; the caller runs polling or the webhook server."""
        self.handler = handler

    def stop(self) -> None:
        self.handler = None

    async def initialize(self) -> None:
        """Initialise the bot (getMe), remember the loop, and register the commands."""
        await self.application.initialize()
        await self._ready(self.application)

    async def _ready(self, _: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self.loop = asyncio.get_running_loop()
        commands = [BotCommand(name, text) for name, text in COMMANDS.items()]
        try:
            await self.application.bot.set_my_commands(commands)
        except TelegramError as exc:  # the bot works without the command menu
            log.warning("could not register bot commands (%s)", type(exc).__name__)

    def run_polling(self) -> None:
        """Long polling: no public URL needed. Blocks until stopped (Ctrl-C, SIGTERM)."""
        self.application.post_init = self._ready
        self.application.run_polling(allowed_updates=Update.ALL_TYPES)

    async def process_webhook(self, data: dict[str, Any]) -> None:
        """One update from Telegram's webhook (the secret token was checked by the caller)."""
        await self.application.process_update(Update.de_json(data, self.application.bot))

    # --- capabilities --------------------------------------------------------------------

    def group_address(self, group: Group) -> str | None:
        """`telegram_chat = "-100…"`, or `"-100…/<topic>"` for a forum group's topic."""
        if not group.telegram_chat:
            return None
        configured = f"{PLATFORM}:{group.telegram_chat.strip()}"
        self._desk_chats[parse_address(configured)] = configured
        return configured

    def is_member(self, group_address: str, user_id: str) -> bool:
        """Asks Telegram (getChatMember) whether the user is now in the group."""
        try:
            member = self._run(
                self.application.bot.get_chat_member(parse_address(group_address), int(user_id))
            )
        except (TelegramError, ValueError) as exc:
            log.warning("membership could not be checked (%s); refusing", type(exc).__name__)
            return False
        return member.status in MEMBER_STATUSES or bool(getattr(member, "is_member", False))

    def deliver(self, outbound: Outbound) -> str:
        self._pace(parse_address(outbound.address))
        return self._run(self.send(outbound))

    def deliver_in_thread(self, outbound: Outbound, parent_ref: str) -> str:
        self._pace(parse_address(outbound.address))
        return self._run(self.send(outbound, reply_to=parse_ref(parent_ref)[1]))

    def _pace(self, chat_id: int) -> None:
        """Queued deliveries go at most about one a second into any one chat."""
        with self._pace_lock:
            wait = self._last_delivery.get(chat_id, 0.0) + PER_CHAT_INTERVAL - time.monotonic()
            self._last_delivery[chat_id] = time.monotonic() + max(wait, 0.0)
        if wait > 0:
            self.sleep(wait)

    def forget_chat(self, chat_address: str) -> int:
        """Delete the conversation's messages that Telegram still allows (the last 48 h)."""
        chat_id = parse_address(chat_address)
        cutoff = time.time() - DELETE_WINDOW
        ids = [m for m, at in self._history.pop(chat_id, deque()) if at > cutoff]
        deleted = 0
        for start in range(0, len(ids), 100):
            batch = ids[start : start + 100]
            try:
                if self._run(self.application.bot.delete_messages(chat_id, batch)):
                    deleted += len(batch)
            except TelegramError as exc:
                log.warning("could not delete messages (%s)", type(exc).__name__)
        return deleted

    def _remember(self, chat_id: int, message_id: int) -> None:
        if chat_id > 0:  # private chats only
            self._history.setdefault(chat_id, deque(maxlen=2000)).append((message_id, time.time()))

    def _run(self, coroutine: Awaitable[T]) -> T:
        """Run a Bot API call on the bot's event loop from a sweep or engine thread."""
        if self.loop is None:
            raise DeliveryError("the Telegram adapter is not running yet")
        future: concurrent.futures.Future[T] = asyncio.run_coroutine_threadsafe(
            coroutine,  # type: ignore[arg-type]  # any awaitable from the Bot API is a coroutine
            self.loop,
        )
        return future.result(timeout=60)

    # --- sending -------------------------------------------------------------------------

    async def send(self, outbound: Outbound, reply_to: int | None = None) -> str:
        """Send in chunks under the limit, buttons on the last; platform faults become ours."""
        chat_id = parse_address(outbound.address)
        chunks = split_text(outbound.text)
        sent: Message | None = None
        try:
            for index, chunk in enumerate(chunks):
                last = index == len(chunks) - 1
                sent = await self.application.bot.send_message(
                    chat_id,
                    chunk,
                    reply_markup=keyboard(outbound) if last else None,
                    reply_parameters=ReplyParameters(reply_to, allow_sending_without_reply=True)
                    if reply_to
                    else None,
                    message_thread_id=None if reply_to else parse_topic(outbound.address),
                )
                self._remember(chat_id, sent.message_id)
        except RetryAfter as exc:
            raise RateLimited(_seconds(exc)) from None
        except Forbidden:
            raise RecipientGone("the chat blocked the bot or removed it") from None
        except BadRequest as exc:
            raise DeliveryError(f"Telegram refused the message ({exc.message[:60]})") from None
        assert sent is not None  # noqa: S101 - split_text returns at least one chunk
        return f"{PLATFORM}:{chat_id}:{sent.message_id}"

    # --- receiving -----------------------------------------------------------------------

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            await update.callback_query.answer()  # always, or the button keeps spinning
        inbound = to_inbound(update)
        if inbound is None or self.handler is None:
            return
        if update.message is not None:
            self._remember(update.message.chat.id, update.message.message_id)
        desk = self._desk_chats.get(parse_address(inbound.address))
        if desk is not None:  # any topic of a handler group's chat is that group's channel
            inbound = replace(inbound, address=desk)
        if await self._ask_for_text(inbound):
            return
        chat_id = parse_address(inbound.address)
        elsewhere = not inbound.private and chat_id not in self._desk_chats
        if elsewhere and chat_id in self._told_groups:
            return  # this group was told once to write privately; nothing more, nothing stored
        handler = self.handler
        replies = await asyncio.to_thread(handler, inbound)
        if elsewhere:
            self._told_groups.add(chat_id)
        for reply in replies:
            try:
                await self.send(reply, reply_to=_reply_target(update, inbound))
            except DeliveryError as exc:
                log.warning("could not answer on Telegram (%s)", exc.code)

    async def _ask_for_text(self, inbound: Inbound) -> bool:
        """A reply/note button in a group: ask for the text with a forced reply."""
        if inbound.private or not inbound.choice or not inbound.choice.startswith("desk:"):
            return False
        _, action, reference = [*inbound.choice.split(":", 2), "", ""][:3]
        if action not in TEXT_ACTIONS:
            return False
        prompt = self.tr.t("desk.prompt", action=action, reference=reference)
        await self.application.bot.send_message(
            parse_address(inbound.address),
            prompt,
            reply_markup=ForceReply(selective=False),
            message_thread_id=parse_topic(inbound.address),
        )
        return True


def _reply_target(update: Update, inbound: Inbound) -> int | None:
    """In a group, the bot answers under the message it is answering (keeps case threads)."""
    if inbound.private:
        return None
    message = update.effective_message
    return message.message_id if message is not None else None


def _seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
