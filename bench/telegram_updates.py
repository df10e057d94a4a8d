"""Telegram updates per second through Trygg against python-telegram-bot's own echo handler.

Both run the real `Application` with updates put on its update queue (as long polling does),
against the same in-process stand-in for the Bot API, in the same run. Trygg's side is the
whole path: its update processor (chats at once, each chat in order), the adapter, and the
engine storing each turn durably in SQLite (WAL) with its replies queued in the outbox; the
echo answers each message with `reply_text` and stores nothing.

`--presses`: each chat's first update is /start and the rest are button presses (callback
queries) instead of typed answers; the echo then answers each press (`query.answer()`), as
Trygg does. `--profile` instruments Trygg's second run (a little slower for it) and says
where an update's time went: the engine's turn (CPU time in its thread), its commit (wall
time from COMMIT to SQLite's return: the fsync, and SQLite's own work, which the CPU figure
also counts) and SQL statements a turn, against the whole time an update. Without these
options the comparison is the one it always was.
Run: python -m bench.telegram_updates [--chats 40] [--messages 10] [--presses] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import threading
import time
import tomllib
from pathlib import Path
from typing import Any

from sqlalchemy import event
from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from adapters.telegram import TelegramAdapter
from bot.channels import AdapterChannels
from conversations.chat_log import ChatLog
from conversations.engine import build_engine
from conversations.messages import Inbound, Outbound
from conversations.org import parse_org
from storage.crypto import Keyring, new_key_text
from storage.db import make_engine, migrate, session_factory
from storage.vault import Vault
from tests.adapters.telegram_api import FakeBotApi, Updates

SAMPLE = Path(__file__).parent.parent / "bot" / "samples" / "trygg.toml"
LINES = ("/start", "1", "1", "1", "1", "He would not stop.", "It happened twice.", "/help")


def updates(chats: int, messages: int, presses: bool = False) -> list[dict[str, Any]]:
    """Each chat's messages, interleaved across chats as they would arrive; with `presses`,
    a chat's updates after its /start are presses of the first button."""
    numbered = Updates()
    return [
        numbered.callback(1000 + chat, 1000 + chat, "1", "en")
        if presses and number > 0
        else numbered.message(1000 + chat, 1000 + chat, LINES[number % len(LINES)], "en")
        for number in range(messages)
        for chat in range(chats)
    ]


class Split:
    """Where Trygg's updates spent their time: the engine's turn (CPU), its commits (from
    the COMMIT being sent to SQLite returning: mostly the fsync), its SQL statements."""

    def __init__(self) -> None:
        self.turns: list[float] = []
        self.statements = 0
        self.committing = 0.0
        self.local = threading.local()

    def count(self, *_: Any) -> None:
        self.statements += 1

    def commit(self, *_: Any) -> None:
        self.local.started = time.perf_counter()

    def committed(self, *_: Any) -> None:
        started = getattr(self.local, "started", None)
        if started is not None:
            self.committing += time.perf_counter() - started
            self.local.started = None

    def timed(self, handle: Any) -> Any:
        def turn(inbound: Inbound) -> list[Outbound]:
            started = time.thread_time()
            try:
                return handle(inbound)  # type: ignore[no-any-return]
            finally:
                self.turns.append(time.thread_time() - started)

        return turn


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


async def trygg(data: list[dict[str, Any]], split: Split | None = None) -> float:
    db = make_engine(f"sqlite:///{tempfile.mkdtemp()}/bench.db")
    migrate(db)
    if split is not None:
        event.listen(db, "before_cursor_execute", split.count)
        event.listen(db, "commit", split.commit)
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
    if split is not None:
        event.listen(sessions, "after_commit", split.committed)
    adapter.keep_chat_log(ChatLog(sessions, vault))
    engine = build_engine(sessions, vault, org, AdapterChannels(org, [adapter]))
    adapter.start(engine.handle if split is None else split.timed(engine.handle))
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

    async def press(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            await update.callback_query.answer()

    application.add_handler(MessageHandler(filters.TEXT, answer))
    application.add_handler(CallbackQueryHandler(press))
    await application.initialize()
    try:
        return await through(application, data)
    finally:
        await application.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=40)
    parser.add_argument("--messages", type=int, default=10, help="per chat")
    parser.add_argument("--presses", action="store_true", help="button presses, not typing")
    parser.add_argument("--profile", action="store_true", help="where Trygg's time went")
    args = parser.parse_args()
    data = updates(args.chats, args.messages, args.presses)
    split = Split() if args.profile else None
    asyncio.run(echo(data[: len(data) // 4]))  # warm both
    ours = asyncio.run(trygg(data))
    theirs = asyncio.run(echo(data))
    again = asyncio.run(trygg(data, split))
    ours = min(ours, again)
    kind = "presses" if args.presses else "updates"
    print(f"{len(data)} updates from {args.chats} chats" + (" (presses)" if args.presses else ""))
    print(f"Trygg (stored, queued)   {len(data) / ours:7.0f} {kind}/s")
    print(f"PTB echo handler         {len(data) / theirs:7.0f} {kind}/s")
    print(f"ratio {ours / theirs:.1f}x the echo's time (goal <= 3x)")
    if split is not None and split.turns:
        n = len(data)
        whole, turn = again / n * 1000, statistics.mean(split.turns) * 1000
        commit = split.committing / n * 1000
        print(f"second run, ms an update: {whole:.2f} in all (echo {theirs / n * 1000:.2f})")
        print(f"  engine turn CPU {turn:.2f} (p50 {statistics.median(split.turns) * 1000:.2f})")
        print(f"  its commit {commit:.2f} wall (overlaps the CPU: SQLite's own work)")
        print(f"  {split.statements / n:.1f} SQL statements a turn")
        print(f"  the rest (adapter, PTB, threads) about {whole - turn - commit:.2f}")


if __name__ == "__main__":
    main()
