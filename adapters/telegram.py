"""The Telegram adapter: reporters in private chats, handler groups in private Telegram groups.

python-telegram-bot is the transport only; conversation state lives in Trygg's own tables.
Addresses are `telegram:<chat id>`, message references `telegram:<chat id>:<message id>`.
Text is always sent without a parse mode, so nothing a person writes can inject formatting.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hmac
import json
import logging
import os
import re
from collections.abc import AsyncIterator, Awaitable, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any, TypeVar

# Opt in to python-telegram-bot's coming default (time periods as timedelta) before it loads,
# so RetryAfter carries a timedelta and PTB warns about nothing.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import (
    BotCommand,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    ContextTypes,
    TypeHandler,
)
from telegram.request import BaseRequest

from conversations.adapter import ChatLogStore, Handler, Sent
from conversations.errors import (
    AdapterConfigError,
    BadAddress,
    DeliveryError,
    NotStored,
    PermanentDeliveryError,
    RateLimited,
    RecipientGone,
)
from conversations.i18n import Translator
from conversations.messages import Inbound, Outbound
from conversations.messages import split_text as split_parts
from conversations.org import Group, Org

log = logging.getLogger(__name__)

PLATFORM = "telegram"
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
PER_CHAT_INTERVAL = 1.0  # Telegram: about one message a second in one chat
PER_GROUP_INTERVAL = 3.0  # and about twenty a minute in one group
# And about thirty a second in all, spaced evenly: a bucket of thirty would let a burst of
# thirty through at once, which Telegram answers with 429s (bench/delivery_rate.py).
OVERALL_PER_SECOND = 30
GONE_CHAT = ("chat not found", "bot was kicked", "group chat was deactivated", "peer_id_invalid")
MEMBER_STATUSES = ("creator", "administrator", "member")
# The command menu, in each language Telegram may show it in (the adapter's own texts).
COMMANDS: dict[str, dict[str, str]] = {
    "en": {
        "start": "Start or continue a report",
        "back": "One question back",
        "cancel": "Delete what you have written",
        "status": "Your reports",
        "language": "Change language",
        "forget": "Delete our chat after sending",
        "help": "What this bot does",
    },
    "nb": {
        "start": "Start eller fortsett et varsel",
        "back": "Ett spørsmål tilbake",
        "cancel": "Slett det du har skrevet",
        "status": "Varslene dine",
        "language": "Bytt språk",
        "forget": "Slett samtalen etter at du har sendt",
        "help": "Hva boten gjør",
    },
    "sv": {
        "start": "Börja eller fortsätt en anmälan",
        "back": "En fråga tillbaka",
        "cancel": "Radera det du har skrivit",
        "status": "Dina anmälningar",
        "language": "Byt språk",
        "forget": "Radera samtalet när du har skickat",
        "help": "Vad boten gör",
    },
}
# Updates handled at once (each waits on the database in a thread of its own); updates of
# one chat are handled one after another, in the order Telegram numbered them.
CONCURRENT_UPDATES = 64
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


def utf16_len(text: str) -> int:
    """Telegram counts a message's length in UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split at paragraph or line breaks where possible, never above Telegram's limit (which
    Telegram counts in UTF-16 code units)."""
    return split_parts(text, limit, utf16_len)


def keyboard(outbound: Outbound) -> InlineKeyboardMarkup | ForceReply | None:
    """Inline buttons; or, when the engine asks for a text, a forced reply."""
    if outbound.wants_reply and not outbound.choices:
        return ForceReply(selective=False)
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
    return Inbound(
        PLATFORM,
        str(message.from_user.id),
        address(message.chat.id),
        text=text,
        content="text" if text is not None else content_kind(message),
        locale=message.from_user.language_code,
        private=private,
        event_id=event,
        # A private chat's message is kept (encrypted, 47 h) so /forget can delete it.
        message_ref=f"{PLATFORM}:{message.chat.id}:{message.message_id}" if private else None,
    )


class StatelessApplication(Application[Any, Any, Any, Any, Any, Any]):
    """python-telegram-bot's Application, keeping nothing per chat or user.

    It remembers every chat and user id it saw, for a persistence Trygg does not use
    (conversation state lives in Trygg's tables): without one, nothing is remembered, so its
    memory does not grow with each new reporter (and holds no platform id).
    """

    def _mark_for_persistence_update(self, *, update: object = None, job: Any = None) -> None:
        if self.persistence is not None:
            super()._mark_for_persistence_update(update=update, job=job)


class ChatOrderedUpdates(BaseUpdateProcessor):
    """Updates of different chats at once, those of one chat in order (a lock per chat, kept
    only while the chat has an update in hand)."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._chats: dict[int, tuple[asyncio.Lock, int]] = {}  # chat → lock, updates waiting

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        async with self.ordered(chat.id):
            await coroutine

    @contextlib.asynccontextmanager
    async def ordered(self, chat_id: int) -> AsyncIterator[None]:
        """Hold this chat's turn: its updates run one at a time, first come first served."""
        lock, waiting = self._chats.get(chat_id, (asyncio.Lock(), 0))
        self._chats[chat_id] = (lock, waiting + 1)
        try:
            async with lock:
                yield
        finally:
            lock, waiting = self._chats[chat_id]
            if waiting > 1:
                self._chats[chat_id] = (lock, waiting - 1)
            else:
                del self._chats[chat_id]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


class TelegramAdapter:
    """Long polling by default; webhook updates are fed in through `process_webhook`."""

    name = PLATFORM
    TRIGGERS = ("TELEGRAM_BOT_TOKEN",)  # set, the platform runs

    def __init__(
        self,
        token: str,
        base_url: str | None = None,
        request: BaseRequest | None = None,
        language: str = "nb",
        timezone: str = "Europe/Oslo",
        rate_limit: bool = True,
        webhook_url: str = "",
        webhook_secret: str = "",
    ) -> None:
        if webhook_url and not webhook_secret:
            raise AdapterConfigError(
                "TELEGRAM_WEBHOOK_SECRET", "webhook mode needs a secret token (A-Z a-z 0-9 _ -)"
            )
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        builder = ApplicationBuilder().token(token)
        if base_url:
            builder = builder.base_url(base_url.rstrip("/") + "/bot")
        if request is not None:
            builder = builder.request(request).get_updates_request(request)
        if rate_limit:
            # Telegram's limits: about 30 messages a second, 20 a minute in one group. The 30
            # a second are slots the delivery sweep takes from the database (so they hold
            # across replicas: `overall_interval`); PTB keeps the group limit for calls the
            # sweep does not make.
            limiter: Any = AIORateLimiter(overall_max_rate=0, max_retries=0)  # loosely typed
            builder = builder.rate_limiter(limiter)
        self.updates = ChatOrderedUpdates(CONCURRENT_UPDATES)
        builder = builder.concurrent_updates(self.updates).application_class(StatelessApplication)
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.rate_limit = rate_limit
        self.tr = Translator(language, timezone)
        self.handler: Handler | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._told_groups: set[int] = set()  # groups told to write privately (memory only)
        self._desk_chats: dict[int, str] = {}  # handler group chat → its configured address
        # The private chats' message ids for /forget, in the database (encrypted, 47 hours):
        # the engine keeps the reporter's, the delivery sweep the bot's (Sent.keep); this
        # store, given by the composition root, hands them back to delete.
        self.chat_log: ChatLogStore | None = None
        # A group upgraded to a supergroup gets a new chat id; Telegram says so on every call
        # to the old one, so the move is learned again after a restart.
        self._moved: dict[int, int] = {}
        self._in_flight: set[asyncio.Task[None]] = set()  # tidying calls no update waits for

    @classmethod
    def from_env(cls, env: Mapping[str, str], org: Org) -> TelegramAdapter | None:
        """TELEGRAM_BOT_TOKEN runs it (long polling); TELEGRAM_WEBHOOK_URL and _SECRET make it
        a webhook on Trygg's server; TELEGRAM_API_BASE_URL points at a self-hosted Bot API."""
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            return None
        return cls(
            token,
            base_url=env.get("TELEGRAM_API_BASE_URL") or None,
            language=org.default_language,
            timezone=org.organisation.timezone,
            webhook_url=env.get("TELEGRAM_WEBHOOK_URL", "").strip(),
            webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET", "").strip(),
        )

    # --- lifecycle -----------------------------------------------------------------------

    def start(self, handler: Handler) -> None:
        """Bind the engine; `serve` then polls, or the webhook route feeds updates in."""
        self.handler = handler

    def routes(self) -> list[BaseRoute]:
        """The webhook route in webhook mode; none for long polling."""
        return [webhook_route(self, self.webhook_secret)] if self.webhook_url else []

    async def serve(self, stop: asyncio.Event) -> None:
        """Long polling, or registering the webhook; until `stop` is set."""
        await self.initialize()
        updater = self.application.updater
        try:
            if self.webhook_url:
                url = self.webhook_url.rstrip("/")
                if not url.endswith(WEBHOOK_PATH):
                    url += WEBHOOK_PATH
                await self.application.bot.set_webhook(url, secret_token=self.webhook_secret)
                log.info("telegram webhook registered")
            elif updater is not None:
                await self.application.start()
                await updater.start_polling(allowed_updates=Update.ALL_TYPES)
            await stop.wait()
        finally:
            if updater is not None and updater.running:
                await updater.stop()
            if self.application.running:
                await self.application.stop()
            await self.settle()
            await self.application.shutdown()

    def stop(self) -> None:
        self.handler = None

    async def initialize(self) -> None:
        """Initialise the bot (getMe), remember the loop, and register the commands."""
        await self.application.initialize()
        await self._ready(self.application)

    async def _ready(self, _: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self.loop = asyncio.get_running_loop()
        try:
            # The default menu in the organisation's language, and one per language code.
            for code in (None, *COMMANDS):
                texts = COMMANDS[code or self.tr.language]
                await self.application.bot.set_my_commands(
                    [BotCommand(name, text) for name, text in texts.items()], language_code=code
                )
        except TelegramError as exc:  # the bot works without the command menu
            log.warning("could not register bot commands (%s)", type(exc).__name__)

    async def process_webhook(self, data: dict[str, Any]) -> None:
        """One update from Telegram's webhook (the secret token was checked by the caller).

        Handled directly, not through the application's dispatch (which would swallow a
        failure): if the engine could not store it, the webhook answers 500 and Telegram sends
        the update again.
        """
        update = Update.de_json(data, self.application.bot)
        chat = update.effective_chat
        if chat is None:
            await self._on_update(update, None, retries=0)
            return
        async with self.updates.ordered(chat.id):  # Telegram may call several at once
            await self._on_update(update, None, retries=0)

    # --- capabilities --------------------------------------------------------------------

    def group_address(self, group: Group) -> str | None:
        """`telegram = "-100…"`, or `"-100…/<topic>"` for a forum group's topic."""
        chat = group.channels.get(PLATFORM)
        if not chat:
            return None
        configured = f"{PLATFORM}:{chat.strip()}"
        self._desk_chats[parse_address(configured)] = configured
        return configured

    def is_member(self, group_address: str, user_id: str, *, fresh: bool = False) -> bool:
        """Asks Telegram (getChatMember) whether the user is now in the group (never cached)."""
        try:
            member = self._run(
                self.application.bot.get_chat_member(parse_address(group_address), int(user_id))
            )
        except (TelegramError, ValueError) as exc:
            log.warning("membership could not be checked (%s); refusing", type(exc).__name__)
            return False
        return member.status in MEMBER_STATUSES or bool(getattr(member, "is_member", False))

    def display_name(self, address: str, user_id: str) -> str | None:
        """A handler's name as Telegram shows it (getChatMember in that chat: first and last
        name); None when it cannot be asked. Never logged; the desk stores it encrypted."""
        try:
            member = self._run(
                self.application.bot.get_chat_member(parse_address(address), int(user_id))
            )
        except (TelegramError, ValueError, DeliveryError) as exc:
            log.warning("a handler's name could not be read (%s)", type(exc).__name__)
            return None
        return member.user.full_name or None

    def deliver(self, outbound: Outbound, part: int = 0) -> Sent:
        """Send one part (Telegram holds 4096 UTF-16 units a message); buttons on the last."""
        try:
            chat_id = self._chat(parse_address(outbound.address))
            reply_to = parse_ref(outbound.reply_to)[1] if outbound.reply_to else None
        except ValueError:
            raise BadAddress("not a Telegram address") from None
        chunks = split_text(outbound.text)
        if part >= len(chunks):
            raise BadAddress("no such part of the message")
        ref = self._run(
            self.send_part(outbound, chat_id, chunks[part], part == len(chunks) - 1, reply_to)
        )
        # In a private chat /forget may delete it: the sweep keeps its reference (encrypted).
        return Sent(ref, len(chunks), keep=parse_ref(ref)[0] > 0)

    def edit(self, ref: str, outbound: Outbound) -> None:
        """Replace an alert's text and buttons (editMessageText); one that took several
        messages is left as it is (its buttons are on another part)."""
        try:
            chat_id, message_id = parse_ref(ref)
        except ValueError:
            raise BadAddress("not a Telegram message reference") from None
        chunks = split_text(outbound.text)
        if len(chunks) > 1:
            raise PermanentDeliveryError("Telegram: too long to edit in place")
        markup = keyboard(outbound)
        try:
            self._run(
                self.application.bot.edit_message_text(
                    chunks[0],
                    chat_id=self._chat(chat_id),
                    message_id=message_id,
                    reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None,
                )
            )
        except RetryAfter as exc:
            raise RateLimited(_seconds(exc)) from None
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return
            raise PermanentDeliveryError("Telegram: the message cannot be edited") from None
        except Forbidden:
            raise RecipientGone("the chat blocked the bot or removed it") from None

    def overall_interval(self) -> float:
        """Thirty messages a second for the whole bot, whichever replica sends them."""
        # 2 % spare: a sending thread wakes a few milliseconds early or late.
        return 1.02 / OVERALL_PER_SECOND if self.rate_limit else 0.0

    def pace(self, address: str) -> float:
        """About one message a second in a private chat, twenty a minute in a group."""
        if not self.rate_limit:
            return 0.0
        try:
            return PER_CHAT_INTERVAL if parse_address(address) > 0 else PER_GROUP_INTERVAL
        except ValueError:
            return PER_CHAT_INTERVAL

    def _chat(self, chat_id: int) -> int:
        return self._moved.get(chat_id, chat_id)

    def keep_chat_log(self, chat_log: ChatLogStore) -> None:
        """Keep the private chats' message ids in `chat_log`, for /forget."""
        self.chat_log = chat_log

    def forget_chat(self, chat_address: str) -> int:
        """Delete the conversation's messages that Telegram still allows (the last 48 h)."""
        chat_id = parse_address(chat_address)
        refs = self.chat_log.take(chat_address) if self.chat_log is not None else []
        ids = list(dict.fromkeys(parse_ref(ref)[1] for ref in refs))  # a redelivered update
        deleted = 0
        for start in range(0, len(ids), 100):
            batch = ids[start : start + 100]
            try:
                if self._run(self.application.bot.delete_messages(chat_id, batch)):
                    deleted += len(batch)
            except TelegramError as exc:
                log.warning("could not delete messages (%s)", type(exc).__name__)
        return deleted

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

    async def send_part(
        self, outbound: Outbound, chat_id: int, chunk: str, last: bool, reply_to: int | None
    ) -> str:
        """One Bot API sendMessage; the platform's faults become ours (retry or not)."""
        try:
            sent = await self.application.bot.send_message(
                chat_id,
                chunk,
                reply_markup=keyboard(outbound) if last else None,
                reply_parameters=ReplyParameters(reply_to, allow_sending_without_reply=True)
                if reply_to
                else None,
                message_thread_id=None if reply_to else parse_topic(outbound.address),
            )
        except RetryAfter as exc:
            raise RateLimited(_seconds(exc)) from None
        except ChatMigrated as exc:
            if exc.new_chat_id == chat_id:
                raise DeliveryError("Telegram: the chat moved to itself") from None
            self._migrated(chat_id, exc.new_chat_id)
            return await self.send_part(outbound, exc.new_chat_id, chunk, last, reply_to)
        except Forbidden:
            raise RecipientGone("the chat blocked the bot or removed it") from None
        except BadRequest as exc:
            if any(words in exc.message.lower() for words in GONE_CHAT):
                raise PermanentDeliveryError("Telegram: the chat is gone") from None
            raise DeliveryError(f"Telegram refused the message ({exc.message[:60]})") from None
        return f"{PLATFORM}:{chat_id}:{sent.message_id}"

    def _migrated(self, old: int, new: int) -> None:
        """Follow a group that became a supergroup: its messages go to, and come from, `new`."""
        self._moved[old] = new
        if old in self._desk_chats:
            self._desk_chats[new] = self._desk_chats[old]
        log.warning(
            "a Telegram group became a supergroup with a new chat id; Trygg follows it, but "
            "update [groups.channels] telegram in the organisation file (see getUpdates)"
        )

    # --- receiving -----------------------------------------------------------------------

    async def _on_update(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE | None, retries: int = 3
    ) -> None:
        if update.callback_query is not None:
            # Or the button keeps spinning; answered while the turn is stored, not before it.
            self._meanwhile(self._answer(update), "could not answer a button press")
        message = update.effective_message
        if message is not None and message.migrate_from_chat_id:
            self._migrated(message.migrate_from_chat_id, message.chat.id)
        inbound = to_inbound(update)
        if inbound is None or self.handler is None:
            return
        desk = self._desk_chats.get(parse_address(inbound.address))
        if desk is not None:  # any topic of a handler group's chat is that group's channel
            inbound = replace(inbound, address=desk)
        chat_id = parse_address(inbound.address)
        elsewhere = not inbound.private and chat_id not in self._desk_chats
        if elsewhere and chat_id in self._told_groups:
            return  # this group was told once to write privately; nothing more, nothing stored
        target = _reply_target(update, inbound)
        if target is not None:
            inbound = replace(inbound, thread=f"{PLATFORM}:{chat_id}:{target}")
        # The engine stores the turn and queues its replies; the delivery sweep sends them.
        # Long polling has already confirmed the update to Telegram: if the database could not
        # be written, try again a few times before the update is given up (and logged).
        for attempt in range(retries + 1):
            try:
                await asyncio.to_thread(self.handler, inbound)
                break
            except NotStored:
                if attempt == retries:
                    raise
                await asyncio.sleep(2**attempt)
        if elsewhere:
            self._told_groups.add(chat_id)
        if inbound.private and update.callback_query is not None:
            self._meanwhile(self._answered(update), "could not remove answered buttons")

    def _meanwhile(self, call: Awaitable[object], failed: str) -> None:
        """A Bot API call that the chat's next update does not wait for.

        Answering a press and taking an answered question's buttons away are tidying, not the
        turn: awaited in the update, each press held its chat for a round trip and for a place
        in the overall rate limiter (30 calls a second shared with every reply), so presses
        went no faster than about 30 a second whatever the engine did (bench/README.md).
        `settle` waits for what is still in flight.
        """

        async def tidy() -> None:
            try:
                await call
            except Exception as exc:  # noqa: BLE001 - too old, gone, or the network: logged
                log.info("%s (%s)", failed, type(exc).__name__)

        task = asyncio.get_running_loop().create_task(tidy())
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def settle(self) -> None:
        """Wait for the tidying calls still in flight (before the bot shuts down)."""
        while self._in_flight:
            await asyncio.gather(*self._in_flight)

    @staticmethod
    async def _answer(update: Update) -> None:
        if update.callback_query is not None:
            await update.callback_query.answer()

    @staticmethod
    async def _answered(update: Update) -> None:
        """An answered question's buttons go, so an old one cannot be pressed by mistake."""
        query = update.callback_query
        message = query.message if query is not None else None
        if message is None or not isinstance(message, Message):
            return
        await message.edit_reply_markup(reply_markup=None)


def _reply_target(update: Update, inbound: Inbound) -> int | None:
    """In a group, the bot answers under the message it is answering (keeps case threads)."""
    if inbound.private:
        return None
    message = update.effective_message
    return message.message_id if message is not None else None


def _seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def webhook_route(adapter: TelegramAdapter, secret: str) -> Route:
    """Telegram's webhook: the secret token header must match, or 403 and nothing is stored."""

    async def webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("telegram webhook call with a wrong secret token refused")
            return PlainTextResponse("forbidden", status_code=403)
        try:
            data = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            return PlainTextResponse("bad request", status_code=400)
        if not isinstance(data, dict) or "update_id" not in data:
            return PlainTextResponse("bad request", status_code=400)
        try:
            await adapter.process_webhook(data)
        except NotStored:  # nothing was kept: Telegram sends the update again
            return PlainTextResponse("try again", status_code=500)
        return PlainTextResponse("ok")

    return Route(WEBHOOK_PATH, webhook, methods=["POST"])


ADAPTER = TelegramAdapter
